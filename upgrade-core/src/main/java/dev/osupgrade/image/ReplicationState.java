package dev.osupgrade.image;

import java.util.Locale;

/** The replication state of a gallery image version in one region (Azure's {@code ReplicationState}). */
public enum ReplicationState {
  /** Not reported. */
  UNKNOWN,
  /** Still copying. */
  REPLICATING,
  /** Available in the region. */
  COMPLETED,
  /** Replication failed in the region. */
  FAILED;

  /**
   * Parses Azure's spelling; unknown values (from a newer API version) become {@link #UNKNOWN}.
   *
   * @param text e.g. {@code "Completed"}
   * @return the state
   */
  public static ReplicationState fromAzure(String text) {
    try {
      return valueOf(text.strip().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      return UNKNOWN;
    }
  }
}
