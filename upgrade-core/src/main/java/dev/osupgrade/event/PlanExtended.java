package dev.osupgrade.event;

import dev.osupgrade.Require;
import dev.osupgrade.fleet.InstanceIds;
import dev.osupgrade.fleet.ScaleSetId;
import java.time.Instant;
import java.util.List;

/**
 * Instances appeared that the plan did not know (a scale-out during the rollout) and do not run the target: batches
 * were added for them, so that {@code Completed} means the whole scale set is on the target.
 *
 * @param sequence the event number
 * @param at when
 * @param scaleSet the scale set
 * @param addedBatches how many batches were added
 * @param instanceIds the instances they upgrade
 */
public record PlanExtended(long sequence, Instant at, ScaleSetId scaleSet, int addedBatches, List<String> instanceIds)
    implements RolloutEvent {
  /** Validates the fields; copies the lists. */
  public PlanExtended {
    EventText.require(at, scaleSet);
    instanceIds = List.copyOf(Require.noNulls("instanceIds", instanceIds));
  }

  @Override
  public String toString() {
    return EventText.line(this, "plan extended by " + addedBatches + " batch(es) for " + InstanceIds.format(instanceIds)
        + ": instances created during the rollout that do not run the target");
  }
}
