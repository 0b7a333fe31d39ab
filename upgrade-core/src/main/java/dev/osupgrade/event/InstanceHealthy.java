package dev.osupgrade.event;

import dev.osupgrade.Require;
import dev.osupgrade.fleet.ScaleSetId;
import java.time.Duration;
import java.time.Instant;

/**
 * An upgraded instance reported Healthy in time: it counts as successful.
 *
 * @param sequence the event number
 * @param at when it was observed
 * @param scaleSet the scale set
 * @param batch the batch, 1-based
 * @param instanceId the instance
 * @param took time from the batch's start to healthy, at most {@link dev.osupgrade.Require#MAX_SPAN} either way
 */
public record InstanceHealthy(long sequence, Instant at, ScaleSetId scaleSet, int batch, String instanceId,
    Duration took) implements RolloutEvent {
  /** The most negative {@code took} accepted ({@code MAX_SPAN} negated once, not on every event). */
  private static final Duration SHORTEST = Require.MAX_SPAN.negated();

  /** Validates the fields. */
  public InstanceHealthy {
    EventText.require(at, scaleSet);
    Require.nonNull(instanceId, "instanceId");
    Require.duration("took", took, SHORTEST, Require.MAX_SPAN);
  }

  @Override
  public String toString() {
    return EventText.line(this, "instance " + instanceId + " healthy after " + EventText.duration(took));
  }
}
