package dev.osupgrade.policy;

import dev.osupgrade.ExpandableValue;
import java.util.List;

/**
 * How changes to a scale set's model reach existing instances ({@code upgradePolicy.mode}). This is separate from
 * automatic OS image upgrade, which follows the publisher's images and uses the rolling upgrade policy.
 *
 * <p>An expandable value, not an enum: a mode a newer API version adds (say {@code "Eventually"}) is kept with
 * Azure's spelling and {@link #isKnown()} false, because the difference matters — in an unknown mode Azure may apply
 * a model change to every instance by itself, so it must never be read as {@link #MANUAL}. A rollout refuses a scale
 * set in an unknown mode, naming it.
 */
public final class UpgradeMode extends ExpandableValue {
  /** Azure applies model changes to all instances with no ordering guarantee (may take all down at once). */
  public static final UpgradeMode AUTOMATIC = new UpgradeMode("Automatic", true);
  /** Nothing happens to existing instances until they are upgraded explicitly ({@code manualupgrade}). */
  public static final UpgradeMode MANUAL = new UpgradeMode("Manual", true);
  /** Azure applies model changes in batches per the rolling upgrade policy. */
  public static final UpgradeMode ROLLING = new UpgradeMode("Rolling", true);

  private static final List<UpgradeMode> KNOWN = List.of(AUTOMATIC, MANUAL, ROLLING);

  private UpgradeMode(String azureName, boolean known) {
    super(azureName, known);
  }

  /**
   * Parses Azure's spelling.
   *
   * @param text {@code "Automatic"}, {@code "Manual"} or {@code "Rolling"} in any case, or a mode a newer API
   *     version added
   * @return the known mode, or an unknown one carrying {@code text}
   * @throws dev.osupgrade.InvalidValueException when {@code text} is null, blank or not a plausible Azure value
   *     (see {@link ExpandableValue#azureText})
   */
  public static UpgradeMode fromAzure(String text) {
    return parse("text", text, KNOWN, t -> new UpgradeMode(t, false));
  }

  /** @return the documented modes: Automatic, Manual, Rolling */
  public static List<UpgradeMode> knownValues() {
    return KNOWN;
  }
}
