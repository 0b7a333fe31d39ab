package dev.osupgrade.event;

import dev.osupgrade.Require;
import dev.osupgrade.fleet.InstanceIds;
import dev.osupgrade.fleet.ScaleSetId;
import java.time.Instant;
import java.util.List;

/**
 * Max surge: new instances on the target image were created to replace a batch; the old ones stay in service until
 * the new ones are healthy.
 *
 * @param sequence the event number
 * @param at when
 * @param scaleSet the scale set
 * @param batch the batch
 * @param created the new instances
 * @param replacing the instances they replace, in the same order
 */
public record SurgeInstancesCreated(long sequence, Instant at, ScaleSetId scaleSet, int batch, List<String> created,
    List<String> replacing) implements RolloutEvent {
  /** Validates the fields; copies the lists. */
  public SurgeInstancesCreated {
    EventText.require(at, scaleSet);
    created = List.copyOf(Require.noNulls("created", created));
    replacing = List.copyOf(Require.noNulls("replacing", replacing));
  }

  @Override
  public String toString() {
    return EventText.line(this, "batch " + batch + ": created " + InstanceIds.format(created) + " to replace "
        + InstanceIds.format(replacing) + " (max surge: the old instances serve until the new ones are healthy)");
  }
}
