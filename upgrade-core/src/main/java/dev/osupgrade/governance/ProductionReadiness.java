package dev.osupgrade.governance;

import dev.osupgrade.Require;
import dev.osupgrade.fleet.ScaleSet;
import dev.osupgrade.policy.RollingUpgradePolicy;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Refuses production use of automatic OS image upgrades until the owner, expected signal, rollout boundary and
 * rollback path are documented, for both ways to upgrade: enabling Azure's automatic OS upgrade, and starting an
 * orchestrated rollout.
 *
 * <p>How production is marked: the caller passes the scale set's {@link Environment} (the scale set model has no
 * such field; {@link Environment#fromTags} reads the usual tags and treats an unmarked scale set as production).
 * Outside production every check passes, and the gaps it found are returned as advice.
 *
 * <p>Besides what {@link ReadinessRecord#missing()} reports, a record must fit the scale set: the scale set is
 * inside the boundary, it reports health through the record's health source, the upgrade policy's batch is no
 * larger than the boundary allows at once and, when enabling automatic OS upgrade, its automatic rollback setting
 * matches the record's.
 */
public final class ProductionReadiness {
  private ProductionReadiness() {}

  /**
   * Checks whether an action may go ahead, using the policy the action would follow: the automatic OS upgrade's
   * ({@link dev.osupgrade.policy.UpgradePolicy#policyForAutomaticOsUpgrade()}) or the scale set's rolling policy
   * ({@link dev.osupgrade.policy.UpgradePolicy#rollingOrDefaults()}).
   *
   * @param action the action
   * @param scaleSet the scale set
   * @param environment its environment, as the caller knows it
   * @param record the readiness record, or null when there is none
   * @return the check
   */
  public static ReadinessCheck check(GovernedAction action, ScaleSet scaleSet, Environment environment,
      @Nullable ReadinessRecord record) {
    Require.nonNull(action, "action");
    Require.nonNull(scaleSet, "scaleSet");
    RollingUpgradePolicy policy = action == GovernedAction.ENABLE_AUTOMATIC_OS_UPGRADE
        ? scaleSet.upgradePolicy().policyForAutomaticOsUpgrade() : scaleSet.upgradePolicy().rollingOrDefaults();
    return check(action, scaleSet, environment, record, policy);
  }

  /**
   * Checks whether an action may go ahead with an explicit rolling policy (for example a rollout's own).
   *
   * @param action the action
   * @param scaleSet the scale set
   * @param environment its environment
   * @param record the readiness record, or null when there is none
   * @param policy the rolling policy the action follows
   * @return the check
   */
  public static ReadinessCheck check(GovernedAction action, ScaleSet scaleSet, Environment environment,
      @Nullable ReadinessRecord record, RollingUpgradePolicy policy) {
    Require.nonNull(action, "action");
    Require.nonNull(scaleSet, "scaleSet");
    Require.nonNull(environment, "environment");
    Require.nonNull(policy, "policy");
    ReadinessRecord r = record != null ? record : ReadinessRecord.empty();
    List<ReadinessGap> gaps = new ArrayList<>(r.missing());
    ReadinessRecord.RolloutBoundary boundary = r.boundary();
    if ((!boundary.scaleSets().isEmpty() || !boundary.regions().isEmpty()) && !boundary.covers(scaleSet)) {
      gaps.add(new ReadinessGap(ReadinessItem.OUTSIDE_BOUNDARY, "Scale set " + scaleSet.id() + " in "
          + scaleSet.region() + " is outside the rollout boundary (scale sets " + boundary.scaleSets()
          + ", regions " + boundary.regions() + ")."));
    }
    HealthSource source = r.expectedSignal().healthSource();
    if (source != null && !source.isConfiguredOn(scaleSet.healthMonitoring())) {
      gaps.add(new ReadinessGap(ReadinessItem.HEALTH_SOURCE_MISMATCH, "The record names the " + source
          + ", but scale set " + scaleSet.id() + " reports health through: " + scaleSet.healthMonitoring() + "."));
    }
    ReadinessRecord.AtOnce atOnce = boundary.atOnce();
    if (atOnce != null) {
      int count = scaleSet.instanceCount();
      int batch = policy.batchSizeFor(count);
      int allowed = atOnce.instancesFor(count);
      if (batch > allowed) {
        gaps.add(new ReadinessGap(ReadinessItem.BATCH_EXCEEDS_BOUNDARY, "The upgrade policy's batch is " + batch
            + " of " + count + " instances (maxBatchInstancePercent " + policy.maxBatchInstancePercent()
            + "), but the boundary allows " + atOnce + " (" + allowed + "): lower maxBatchInstancePercent."));
      }
    }
    Boolean automatic = r.rollback().automaticRollback();
    if (action == GovernedAction.ENABLE_AUTOMATIC_OS_UPGRADE && automatic != null) {
      boolean platformRollsBack = !scaleSet.upgradePolicy().automaticOsUpgrade().disableAutomaticRollback();
      if (platformRollsBack != automatic) {
        gaps.add(new ReadinessGap(ReadinessItem.ROLLBACK_MISMATCH, "The record says automatic rollback is "
            + (automatic ? "on" : "off") + ", but the scale set has disableAutomaticRollback="
            + !platformRollsBack + "."));
      }
    }
    return new ReadinessCheck(action, scaleSet.id(), environment, record != null, gaps);
  }

  /**
   * Refuses an action that is not allowed, before anything changes.
   *
   * @param action the action
   * @param scaleSet the scale set
   * @param environment its environment
   * @param record the readiness record, or null when there is none
   * @return the check, allowed
   * @throws ReadinessIncompleteException listing every gap, when a production action is not ready
   */
  public static ReadinessCheck require(GovernedAction action, ScaleSet scaleSet, Environment environment,
      @Nullable ReadinessRecord record) {
    ReadinessCheck check = check(action, scaleSet, environment, record);
    if (!check.isAllowed()) {
      throw new ReadinessIncompleteException(check);
    }
    return check;
  }
}
