package dev.osupgrade.event;

import dev.osupgrade.Require;
import dev.osupgrade.fleet.InstanceIds;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.fleet.Zone;
import java.time.Instant;
import java.util.List;

/**
 * A batch was sent for upgrade (one call for the whole batch).
 *
 * @param sequence the event number
 * @param at when
 * @param scaleSet the scale set
 * @param batch the batch, 1-based
 * @param totalBatches the number of batches in the plan
 * @param zone the zone of the batch ({@link Zone#REGIONAL} when regional or cross-zone)
 * @param instanceIds the instances upgraded
 * @param unhealthyInstances how many instances of the whole set were unhealthy when it started
 * @param totalInstances how many instances the whole set had when it started
 */
public record BatchStarted(long sequence, Instant at, ScaleSetId scaleSet, int batch, int totalBatches, Zone zone,
    List<String> instanceIds, int unhealthyInstances, int totalInstances) implements RolloutEvent {
  /** Validates the fields; copies the lists. */
  public BatchStarted {
    EventText.require(at, scaleSet);
    Require.nonNull(zone, "zone");
    instanceIds = List.copyOf(Require.noNulls("instanceIds", instanceIds));
  }

  @Override
  public String toString() {
    return EventText.line(this, "batch " + batch + "/" + totalBatches + " started in " + zone + ": upgrading "
        + InstanceIds.format(instanceIds) + " (" + unhealthyInstances + " of " + totalInstances
        + " instances unhealthy before it)");
  }
}
