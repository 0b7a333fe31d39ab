package dev.osupgrade.event;

import dev.osupgrade.Require;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.image.ImageVersion;
import dev.osupgrade.plan.PlanEstimate;
import dev.osupgrade.policy.RollingUpgradePolicy;
import java.time.Instant;

/**
 * A rollout began.
 *
 * @param sequence the event number
 * @param at when
 * @param scaleSet the scale set
 * @param target the version being rolled out
 * @param plannedBatches how many batches the plan has
 * @param toUpgrade how many instances the plan upgrades
 * @param skipped how many instances the plan leaves alone (already on target, protected)
 * @param policy the rolling upgrade policy in force
 * @param estimate what the plan is expected to cost: its fleet time is the basis of "time to go"
 */
public record RolloutStarted(long sequence, Instant at, ScaleSetId scaleSet, ImageVersion target, int plannedBatches,
    int toUpgrade, int skipped, RollingUpgradePolicy policy, PlanEstimate estimate) implements RolloutEvent {
  /** Validates the fields. */
  public RolloutStarted {
    EventText.require(at, scaleSet);
    Require.nonNull(target, "target");
    Require.nonNull(policy, "policy");
    Require.nonNull(estimate, "estimate");
  }

  @Override
  public String toString() {
    return EventText.line(this, "rollout to " + target + " started: " + toUpgrade + " instances in "
        + plannedBatches + " batches (~" + EventText.duration(estimate.fleetTime()) + "), " + skipped + " skipped; "
        + policy);
  }
}
