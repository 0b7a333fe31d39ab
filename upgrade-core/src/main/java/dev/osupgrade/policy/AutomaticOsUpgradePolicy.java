package dev.osupgrade.policy;

import java.util.ArrayList;
import java.util.List;

/**
 * Azure's {@code automaticOSUpgradePolicy}. All four flags default to false.
 *
 * @param enableAutomaticOSUpgrade apply newer OS images automatically, in a rolling fashion
 * @param disableAutomaticRollback do not restore the previous OS disk when an upgraded instance stays unhealthy
 * @param useRollingUpgradePolicy use the scale set's rolling upgrade policy instead of Azure's built-in one
 * @param osRollingUpgradeDeferral give each instance advance notice and hold its upgrade until approved
 */
public record AutomaticOsUpgradePolicy(
    boolean enableAutomaticOSUpgrade,
    boolean disableAutomaticRollback,
    boolean useRollingUpgradePolicy,
    boolean osRollingUpgradeDeferral) {

  private static final AutomaticOsUpgradePolicy DEFAULTS = new AutomaticOsUpgradePolicy(false, false, false, false);

  /** @return all flags off: automatic OS upgrade disabled */
  public static AutomaticOsUpgradePolicy ofDefaults() {
    return DEFAULTS;
  }

  /** @return automatic OS upgrade enabled, everything else Azure's default (rollback on, built-in policy) */
  public static AutomaticOsUpgradePolicy enabled() {
    return new AutomaticOsUpgradePolicy(true, false, false, false);
  }

  /**
   * Returns a copy with automatic OS upgrade switched on or off.
   *
   * @param enabled the flag
   * @return the copy
   */
  public AutomaticOsUpgradePolicy withEnableAutomaticOSUpgrade(boolean enabled) {
    return new AutomaticOsUpgradePolicy(enabled, disableAutomaticRollback, useRollingUpgradePolicy,
        osRollingUpgradeDeferral);
  }

  /**
   * Returns a copy with automatic rollback disabled or not.
   *
   * @param disabled the flag
   * @return the copy
   */
  public AutomaticOsUpgradePolicy withDisableAutomaticRollback(boolean disabled) {
    return new AutomaticOsUpgradePolicy(enableAutomaticOSUpgrade, disabled, useRollingUpgradePolicy,
        osRollingUpgradeDeferral);
  }

  /**
   * Returns a copy that uses (or not) the scale set's rolling upgrade policy.
   *
   * @param use the flag
   * @return the copy
   */
  public AutomaticOsUpgradePolicy withUseRollingUpgradePolicy(boolean use) {
    return new AutomaticOsUpgradePolicy(enableAutomaticOSUpgrade, disableAutomaticRollback, use,
        osRollingUpgradeDeferral);
  }

  /**
   * Returns a copy with upgrade deferral on or off.
   *
   * @param deferral the flag
   * @return the copy
   */
  public AutomaticOsUpgradePolicy withOsRollingUpgradeDeferral(boolean deferral) {
    return new AutomaticOsUpgradePolicy(enableAutomaticOSUpgrade, disableAutomaticRollback, useRollingUpgradePolicy,
        deferral);
  }

  @Override
  public String toString() {
    List<String> parts = new ArrayList<>();
    parts.add(enableAutomaticOSUpgrade ? "enabled" : "disabled");
    if (disableAutomaticRollback) {
      parts.add("no automatic rollback");
    }
    if (useRollingUpgradePolicy) {
      parts.add("uses rolling policy");
    }
    if (osRollingUpgradeDeferral) {
      parts.add("deferral");
    }
    return "AutomaticOsUpgradePolicy[" + String.join(", ", parts) + "]";
  }
}
