package dev.osupgrade.event;

import dev.osupgrade.Require;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.image.ImageVersion;
import java.time.Instant;

/**
 * A rollback of an instance to its previous image ended.
 *
 * @param sequence the event number
 * @param at when it was observed
 * @param scaleSet the scale set
 * @param batch the batch, 1-based
 * @param instanceId the instance
 * @param to the version it was restored to
 * @param succeeded whether the instance runs that version again
 * @param detail what was observed
 */
public record InstanceRolledBack(long sequence, Instant at, ScaleSetId scaleSet, int batch, String instanceId,
    ImageVersion to, boolean succeeded, String detail) implements RolloutEvent {
  /** Validates the fields and masks secrets in the free text. */
  public InstanceRolledBack {
    EventText.require(at, scaleSet);
    Require.nonNull(instanceId, "instanceId");
    Require.nonNull(to, "to");
    detail = EventText.text("detail", detail);
  }

  @Override
  public String toString() {
    return EventText.line(this, "instance " + instanceId + (succeeded ? " rolled back to " : " FAILED to roll back to ")
        + to + ": " + detail);
  }
}
