package dev.osupgrade.policy;

import java.util.Locale;

/**
 * How changes to a scale set's model reach existing instances ({@code upgradePolicy.mode}). This is separate from
 * automatic OS image upgrade, which follows the publisher's images and uses the rolling upgrade policy.
 */
public enum UpgradeMode {
  /** Azure applies model changes to all instances with no ordering guarantee (may take all down at once). */
  AUTOMATIC,
  /** Nothing happens to existing instances until they are upgraded explicitly ({@code manualupgrade}). */
  MANUAL,
  /** Azure applies model changes in batches per the rolling upgrade policy. */
  ROLLING;

  /**
   * Parses Azure's spelling.
   *
   * @param text {@code "Automatic"}, {@code "Manual"} or {@code "Rolling"}, any case
   * @return the mode
   */
  public static UpgradeMode fromAzure(String text) {
    return valueOf(text.strip().toUpperCase(Locale.ROOT));
  }

  /** @return Azure's spelling, e.g. {@code "Rolling"} */
  public String azureName() {
    String n = name().toLowerCase(Locale.ROOT);
    return Character.toUpperCase(n.charAt(0)) + n.substring(1);
  }
}
