package dev.osupgrade.plan;

import dev.osupgrade.Durations;
import dev.osupgrade.Require;
import dev.osupgrade.fleet.OrchestrationMode;
import dev.osupgrade.fleet.ScaleSet;
import dev.osupgrade.policy.AutomaticOsUpgradePolicy;
import dev.osupgrade.policy.Percent;
import dev.osupgrade.policy.RollingUpgradePolicy;
import dev.osupgrade.policy.UpgradeMode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Reads a scale set's upgrade settings and says what cannot work, or will not work as intended, on this fleet —
 * before Azure rejects it or a rollout stops on it. Each finding has a severity, a stable code and a message with the
 * numbers.
 *
 * <pre>{@code
 * PolicyLinter.lint(scaleSet).forEach(System.out::println);
 * // WARNING SINGLE_UNHEALTHY_BLOCKS: 1 unhealthy instance of 4 is 25%, more than maxUnhealthyInstancePercent 20%: ...
 * }</pre>
 */
public final class PolicyLinter {
  private PolicyLinter() {}

  /**
   * Lints the scale set's own policies.
   *
   * @param scaleSet the scale set
   * @return the findings, most severe first
   */
  public static List<LintFinding> lint(ScaleSet scaleSet) {
    return lint(Require.nonNull(scaleSet, "scaleSet"), scaleSet.upgradePolicy().rollingOrDefaults(), null, null);
  }

  /**
   * Lints a rolling policy for a scale set, with what is known of the rollout's timings.
   *
   * @param scaleSet the scale set
   * @param policy the rolling policy the rollout will use
   * @param healthTimeout the rollout's health timeout (positive, at most 1 day), or null for Azure's 5 minutes
   * @param expectedReadiness how long an instance takes from its upgrade to Healthy (at most 1 day), or null if
   *     unknown
   * @return the findings, most severe first
   */
  public static List<LintFinding> lint(ScaleSet scaleSet, RollingUpgradePolicy policy,
      @Nullable Duration healthTimeout,
      @Nullable Duration expectedReadiness) {
    Require.nonNull(scaleSet, "scaleSet");
    Require.nonNull(policy, "policy");
    if (healthTimeout != null) {
      Require.positive("healthTimeout", healthTimeout, Duration.ofDays(1));
    }
    if (expectedReadiness != null) {
      Require.nonNegative("expectedReadiness", expectedReadiness, Duration.ofDays(1));
    }
    List<LintFinding> out = new ArrayList<>();
    AutomaticOsUpgradePolicy auto = scaleSet.upgradePolicy().automaticOsUpgrade();
    boolean rollingMode = UpgradeMode.ROLLING.equals(scaleSet.upgradePolicy().mode());
    int count = scaleSet.instanceCount();

    if ((auto.enableAutomaticOSUpgrade() || rollingMode) && scaleSet.healthMonitoring().loadBalancerProbe()
        && scaleSet.healthMonitoring().applicationHealthExtension()) {
      out.add(error("BOTH_HEALTH_SOURCES", "both a load balancer probe and the Application Health extension are "
          + "configured; Azure rejects automatic OS upgrade and rolling upgrades with both. Remove one."));
    } else if ((auto.enableAutomaticOSUpgrade() || rollingMode) && !scaleSet.healthMonitoring().hasExactlyOneSource()) {
      out.add(error("NO_HEALTH_SOURCE", "no health probe or health extension is configured; Azure rejects "
          + (auto.enableAutomaticOSUpgrade() ? "automatic OS upgrade" : "upgrade mode Rolling")
          + " without one. Add the Application Health extension."));
    }
    if (auto.enableAutomaticOSUpgrade() && !scaleSet.modelImage().isLatest()) {
      out.add(error("PINNED_VERSION_WITH_AUTOMATIC_UPGRADE", "automatic OS upgrade is enabled but the model pins "
          + scaleSet.modelImage().version().orElseThrow() + "; Azure requires version 'latest' (\"must use Platform "
          + "or Gallery Image with version set to 'latest'\")."));
    }
    if (auto.enableAutomaticOSUpgrade() && scaleSet.upgradePolicy().rolling() != null
        && !auto.useRollingUpgradePolicy()) {
      out.add(info("ROLLING_POLICY_NOT_USED", "a rolling upgrade policy is set but useRollingUpgradePolicy is off: "
          + "automatic OS upgrades follow Azure's defaults (20/20/20), not this policy."));
    }
    if (scaleSet.orchestrationMode() == OrchestrationMode.FLEXIBLE) {
      flexibleRules(scaleSet, policy, out);
    }

    if (count > 0) {
      int batch = policy.batchSizeFor(count);
      int batches = (count + batch - 1) / batch;
      if (policy.batchPercent().floorOf(count) < 1 && count > 1) {
        out.add(info("ONE_AT_A_TIME", policy.maxBatchInstancePercent() + "% of " + count + " instances rounds down "
            + "to 0: Azure upgrades one instance per batch, " + count + " batches."));
      }
      Percent unhealthy = policy.unhealthyPercent();
      if (unhealthy.isExceededBy(1, count)) {
        out.add(warning("SINGLE_UNHEALTHY_BLOCKS", String.format(Locale.ROOT, "1 unhealthy instance of %d is %d%%, "
                + "more than maxUnhealthyInstancePercent %d%%: any one unhealthy instance stops every batch (Azure: "
                + "MaxUnhealthyInstancePercentExceeded...). Raise maxUnhealthyInstancePercent to at least %d%% or "
                + "add instances.", count, percentOf(1, count), policy.maxUnhealthyInstancePercent(),
            percentOf(1, count))));
      }
      if (policy.maxBatchInstancePercent() > policy.maxUnhealthyInstancePercent()) {
        out.add(warning("BATCH_OVER_UNHEALTHY_BUDGET", "maxBatchInstancePercent " + policy.maxBatchInstancePercent()
            + "% is more than maxUnhealthyInstancePercent " + policy.maxUnhealthyInstancePercent() + "%: one batch "
            + "in flight takes more of the set out of service than the set may have unhealthy."));
      }
      if (policy.unhealthyUpgradedPercent().isExceededBy(1, batch)) {
        out.add(info("ONE_FAILURE_STOPS", "one failed instance in the first batch of " + batch + " is "
            + percentOf(1, batch) + "% of the upgraded instances, more than maxUnhealthyUpgradedInstancePercent "
            + policy.maxUnhealthyUpgradedInstancePercent() + "%: the first failure stops the rollout."));
      }
      Duration pauses = policy.pauseTimeBetweenBatches().multipliedBy(Math.max(0, batches - 1));
      if (pauses.compareTo(Duration.ofHours(12)) > 0) {
        out.add(info("LONG_PAUSES", "pauses between " + batches + " batches add up to " + Durations.words(pauses)
            + "."));
      }
    }
    Duration timeout = healthTimeout == null ? Duration.ofMinutes(5) : healthTimeout;
    if (expectedReadiness != null && expectedReadiness.compareTo(timeout) > 0) {
      out.add(warning("HEALTH_TIMEOUT_SHORTER_THAN_READINESS", "instances take about "
          + Durations.words(expectedReadiness) + " to become healthy, longer than the " + Durations.words(timeout)
          + " health timeout: healthy instances would be failed and rolled back. Use a longer health timeout or "
          + "let the health extension report Initializing until ready."));
    }
    out.sort((a, b) -> a.severity().compareTo(b.severity()));
    return List.copyOf(out);
  }

  /**
   * What Azure documents as different, or not supported, on a Flexible scale set (learn.microsoft.com, pages as of
   * 2026-05-19 unless noted): "Configure rolling upgrades on Virtual Machine Scale Sets" (Requirements; the policy
   * table), "Rolling upgrades with MaxSurge" (Considerations), "Orchestration modes for Virtual Machine Scale Sets"
   * (2024-06-14: the feature comparison and "Unsupported parameters").
   */
  private static void flexibleRules(ScaleSet scaleSet, RollingUpgradePolicy policy, List<LintFinding> out) {
    AutomaticOsUpgradePolicy auto = scaleSet.upgradePolicy().automaticOsUpgrade();
    boolean rollingMode = UpgradeMode.ROLLING.equals(scaleSet.upgradePolicy().mode());
    if ((auto.enableAutomaticOSUpgrade() || rollingMode) && !scaleSet.healthMonitoring().applicationHealthExtension()
        && scaleSet.healthMonitoring().loadBalancerProbe()) {
      out.add(error("FLEXIBLE_REQUIRES_HEALTH_EXTENSION", "a Flexible scale set must use the Application Health "
          + "extension for " + (rollingMode ? "upgrade mode Rolling" : "automatic OS upgrade") + "; a load balancer "
          + "probe is not a health source Azure accepts on Flexible (\"Application health via SLB health probe - use "
          + "Application Health Extension on instances\"). Install the extension and remove the probe."));
    }
    if (auto.enableAutomaticOSUpgrade()) {
      out.add(warning("FLEXIBLE_AUTOMATIC_OS_UPGRADE_UNCONFIRMED", "Azure's documentation disagrees on automatic OS "
          + "image upgrades for Flexible orchestration: the orchestration modes comparison (2024-06-14) lists them as "
          + "not supported, the MaxSurge page (2026-05-19) as available without MaxSurge. Confirm on this scale set "
          + "that the platform upgrades it (osUpgradeHistory shows Platform upgrades) before relying on it, or let "
          + "an orchestrated rollout move it."));
    }
    if (policy.maxSurge() && auto.enableAutomaticOSUpgrade()) {
      out.add(warning("SURGE_NOT_SUPPORTED_FLEXIBLE", "maxSurge with automatic OS upgrade is not yet supported for "
          + "Flexible orchestration; upgrades happen in place."));
    }
    if (policy.rollbackFailedInstancesOnPolicyBreach()) {
      out.add(warning("ROLLBACK_ON_BREACH_UNIFORM_ONLY", "rollbackFailedInstancesOnPolicyBreach applies to Uniform "
          + "orchestration only; on this Flexible scale set failed instances stay as they are."));
    }
    if (policy.maxSurge()) {
      List<String> undeletable = scaleSet.instances().stream()
          .filter(i -> !i.deletable() && !i.lock().blocksUpdate()).map(i -> i.instanceId()).toList();
      if (!undeletable.isEmpty()) {
        out.add(warning("SURGE_BLOCKED_BY_LOCK", undeletable.size() + " instance(s) "
            + dev.osupgrade.fleet.InstanceIds.format(undeletable) + " have a CanNotDelete resource lock: max surge "
            + "cannot delete them once replaced, so their batches are upgraded in place."));
      }
    }
    long locked = scaleSet.instances().stream().filter(i -> i.lock().blocksUpdate()).count();
    if (locked > 0) {
      out.add(info("LOCKED_INSTANCES_SKIPPED", locked + " instance(s) have a ReadOnly resource lock (Flexible's "
          + "instance protection): upgrades leave them on their image until the lock is removed."));
    }
  }

  private static int percentOf(int part, int whole) {
    return (int) Math.ceil(100.0 * part / whole);
  }

  private static LintFinding error(String code, String message) {
    return new LintFinding(LintFinding.Severity.ERROR, code, message);
  }

  private static LintFinding warning(String code, String message) {
    return new LintFinding(LintFinding.Severity.WARNING, code, message);
  }

  private static LintFinding info(String code, String message) {
    return new LintFinding(LintFinding.Severity.INFO, code, message);
  }
}
