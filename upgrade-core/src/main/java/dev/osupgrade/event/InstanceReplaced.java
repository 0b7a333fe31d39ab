package dev.osupgrade.event;

import dev.osupgrade.Require;
import dev.osupgrade.fleet.ScaleSetId;
import java.time.Instant;

/**
 * Max surge: a new instance on the target is healthy, so it replaces an old instance. The old one is not deleted
 * yet: it is deleted with the others of its batch when the batch ends (the delete is an action of its own, and the
 * fleet's record says when it happened).
 *
 * @param sequence the event number
 * @param at when
 * @param scaleSet the scale set
 * @param batch the batch
 * @param replaced the old instance, to be deleted when its batch ends
 * @param by the new instance
 */
public record InstanceReplaced(long sequence, Instant at, ScaleSetId scaleSet, int batch, String replaced, String by)
    implements RolloutEvent {
  /** Validates the fields. */
  public InstanceReplaced {
    EventText.require(at, scaleSet);
    Require.nonNull(replaced, "replaced");
    Require.nonNull(by, "by");
  }

  @Override
  public String toString() {
    return EventText.line(this, "instance " + replaced + " replaced by healthy " + by
        + " (deleted when the batch ends)");
  }
}
