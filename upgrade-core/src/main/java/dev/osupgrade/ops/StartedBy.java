package dev.osupgrade.ops;

import dev.osupgrade.ExpandableValue;
import java.util.List;

/**
 * Who started an OS upgrade (Azure's {@code UpgradeOperationInvoker}: {@code Unknown}, {@code User},
 * {@code Platform}).
 *
 * <p>An expandable value, not an enum, so that an invoker a newer API version adds is reported with Azure's spelling
 * ({@link #isKnown()} false) rather than folded into {@link #UNKNOWN}, which is a value Azure itself sends.
 */
public final class StartedBy extends ExpandableValue {
  /** Azure reports the invoker as {@code Unknown}. */
  public static final StartedBy UNKNOWN = new StartedBy("Unknown", true);
  /** A user (or this library) started it. */
  public static final StartedBy USER = new StartedBy("User", true);
  /** Azure's automatic OS upgrade started it. */
  public static final StartedBy PLATFORM = new StartedBy("Platform", true);

  private static final List<StartedBy> KNOWN = List.of(UNKNOWN, USER, PLATFORM);

  private StartedBy(String azureName, boolean known) {
    super(azureName, known);
  }

  /**
   * Parses Azure's spelling.
   *
   * @param text e.g. {@code "Platform"}, any case
   * @return the known invoker, or an unknown one carrying {@code text}
   * @throws dev.osupgrade.InvalidValueException when {@code text} is null, blank or not a plausible Azure value
   */
  public static StartedBy fromAzure(String text) {
    return parse("text", text, KNOWN, t -> new StartedBy(t, false));
  }

  /** @return the documented invokers: Unknown, User, Platform */
  public static List<StartedBy> knownValues() {
    return KNOWN;
  }
}
