package dev.osupgrade.event;

import dev.osupgrade.Require;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.image.ImageVersion;
import java.time.Instant;

/**
 * An instance's OS disk now runs the target image; its health is awaited next.
 *
 * @param sequence the event number
 * @param at when it was observed
 * @param scaleSet the scale set
 * @param batch the batch, 1-based
 * @param instanceId the instance
 * @param from the version it ran before
 * @param to the version it runs now
 */
public record InstanceUpgraded(long sequence, Instant at, ScaleSetId scaleSet, int batch, String instanceId,
    ImageVersion from, ImageVersion to) implements RolloutEvent {
  /** Validates the fields. */
  public InstanceUpgraded {
    EventText.require(at, scaleSet);
    Require.nonNull(instanceId, "instanceId");
    Require.nonNull(from, "from");
    Require.nonNull(to, "to");
  }

  @Override
  public String toString() {
    return EventText.line(this, "instance " + instanceId + " upgraded " + from + " -> " + to
        + ", awaiting health");
  }
}
