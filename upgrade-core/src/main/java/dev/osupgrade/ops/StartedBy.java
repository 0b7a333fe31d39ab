package dev.osupgrade.ops;

import java.util.Locale;

/** Who started an OS upgrade (Azure's {@code UpgradeOperationInvoker}). */
public enum StartedBy {
  /** Not reported. */
  UNKNOWN,
  /** A user (or this library) started it. */
  USER,
  /** Azure's automatic OS upgrade started it. */
  PLATFORM;

  /**
   * Parses Azure's spelling; unknown values become {@link #UNKNOWN}.
   *
   * @param text e.g. {@code "Platform"}
   * @return the invoker
   */
  public static StartedBy fromAzure(String text) {
    try {
      return valueOf(text.strip().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      return UNKNOWN;
    }
  }
}
