package dev.osupgrade.event;

import dev.osupgrade.Require;
import dev.osupgrade.fleet.HealthState;
import dev.osupgrade.fleet.ScaleSetId;
import java.time.Instant;

/**
 * An instance failed its upgrade: it did not become healthy within the health timeout, or the upgrade itself did
 * not complete.
 *
 * @param sequence the event number
 * @param at when
 * @param scaleSet the scale set
 * @param batch the batch, 1-based
 * @param instanceId the instance
 * @param health its health when it was given up on
 * @param reason why, with the timeout
 * @param rollingBack whether the instance is being restored to its previous image
 */
public record InstanceFailed(long sequence, Instant at, ScaleSetId scaleSet, int batch, String instanceId,
    HealthState health, String reason, boolean rollingBack) implements RolloutEvent {
  /** Validates the fields and masks secrets in the free text. */
  public InstanceFailed {
    EventText.require(at, scaleSet);
    Require.nonNull(instanceId, "instanceId");
    Require.nonNull(health, "health");
    reason = EventText.text("reason", reason);
  }

  @Override
  public String toString() {
    return EventText.line(this, "instance " + instanceId + " FAILED (" + health + "): " + reason
        + (rollingBack ? "; rolling back to its previous image" : "; automatic rollback is disabled, left as is"));
  }
}
