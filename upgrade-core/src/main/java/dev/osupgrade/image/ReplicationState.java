package dev.osupgrade.image;

import dev.osupgrade.ExpandableValue;
import java.util.List;

/**
 * The replication state of a gallery image version in one region (Azure's {@code ReplicationState}: {@code Unknown},
 * {@code Replicating}, {@code Completed}, {@code Failed}).
 *
 * <p>An expandable value, not an enum: a release carries one state per region, so a state a newer API version adds
 * has to travel in the value itself, with Azure's spelling and {@link #isKnown()} false. Only {@link #COMPLETED}
 * makes a release usable in a region; every other state, unknown ones included, means "not (yet) there".
 */
public final class ReplicationState extends ExpandableValue {
  /** Not reported, or reported as {@code Unknown}. */
  public static final ReplicationState UNKNOWN = new ReplicationState("Unknown", true);
  /** Still copying. */
  public static final ReplicationState REPLICATING = new ReplicationState("Replicating", true);
  /** Available in the region. */
  public static final ReplicationState COMPLETED = new ReplicationState("Completed", true);
  /** Replication failed in the region. */
  public static final ReplicationState FAILED = new ReplicationState("Failed", true);

  private static final List<ReplicationState> KNOWN = List.of(UNKNOWN, REPLICATING, COMPLETED, FAILED);

  private ReplicationState(String azureName, boolean known) {
    super(azureName, known);
  }

  /**
   * Parses Azure's spelling.
   *
   * @param text e.g. {@code "Completed"}, any case
   * @return the known state, or an unknown one carrying {@code text}
   * @throws dev.osupgrade.InvalidValueException when {@code text} is null, blank or not a plausible Azure value
   */
  public static ReplicationState fromAzure(String text) {
    return parse("text", text, KNOWN, t -> new ReplicationState(t, false));
  }

  /** @return the documented states: Unknown, Replicating, Completed, Failed */
  public static List<ReplicationState> knownValues() {
    return KNOWN;
  }
}
