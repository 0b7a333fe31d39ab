package dev.osupgrade.policy;

import dev.osupgrade.Require;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A scale set's {@code upgradePolicy}: the mode, the rolling upgrade policy if one is set, and the automatic OS
 * upgrade policy.
 *
 * @param mode how model changes reach instances
 * @param rolling the rolling upgrade policy, or null when none is set on the scale set
 * @param automaticOsUpgrade the automatic OS upgrade policy
 */
public record UpgradePolicy(UpgradeMode mode, @Nullable RollingUpgradePolicy rolling,
    AutomaticOsUpgradePolicy automaticOsUpgrade) {

  /** Validates the parts. */
  public UpgradePolicy {
    Require.nonNull(mode, "mode");
    Require.nonNull(automaticOsUpgrade, "automaticOsUpgrade");
  }

  /** @return Manual mode, no rolling policy, automatic OS upgrade off */
  public static UpgradePolicy manual() {
    return new UpgradePolicy(UpgradeMode.MANUAL, null, AutomaticOsUpgradePolicy.ofDefaults());
  }

  /** @return the rolling upgrade policy set on the scale set, if any */
  public Optional<RollingUpgradePolicy> rollingUpgradePolicy() {
    return Optional.ofNullable(rolling);
  }

  /**
   * The rolling policy Azure uses for an automatic OS upgrade: the scale set's own when
   * {@code useRollingUpgradePolicy} is set and one exists, else Azure's built-in defaults.
   *
   * @return the policy an automatic OS upgrade follows
   */
  public RollingUpgradePolicy policyForAutomaticOsUpgrade() {
    return automaticOsUpgrade.useRollingUpgradePolicy() && rolling != null ? rolling
        : RollingUpgradePolicy.ofDefaults();
  }

  /** @return the scale set's rolling policy, or Azure's defaults when none is set */
  public RollingUpgradePolicy rollingOrDefaults() {
    return rolling != null ? rolling : RollingUpgradePolicy.ofDefaults();
  }

  /**
   * Returns a copy with another mode.
   *
   * @param newMode the mode
   * @return the copy
   */
  public UpgradePolicy withMode(UpgradeMode newMode) {
    return new UpgradePolicy(newMode, rolling, automaticOsUpgrade);
  }

  /**
   * Returns a copy with another rolling policy.
   *
   * @param newRolling the policy, or null to remove it
   * @return the copy
   */
  public UpgradePolicy withRolling(@Nullable RollingUpgradePolicy newRolling) {
    return new UpgradePolicy(mode, newRolling, automaticOsUpgrade);
  }

  /**
   * Returns a copy with another automatic OS upgrade policy.
   *
   * @param newPolicy the policy
   * @return the copy
   */
  public UpgradePolicy withAutomaticOsUpgrade(AutomaticOsUpgradePolicy newPolicy) {
    return new UpgradePolicy(mode, rolling, newPolicy);
  }
}
