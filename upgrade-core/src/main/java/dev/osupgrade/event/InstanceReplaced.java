package dev.osupgrade.event;

import dev.osupgrade.Require;
import dev.osupgrade.fleet.ScaleSetId;
import java.time.Instant;

/**
 * Max surge: a new instance on the target is healthy, so the instance it replaces is deleted.
 *
 * @param sequence the event number
 * @param at when
 * @param scaleSet the scale set
 * @param batch the batch
 * @param replaced the old instance, now deleted
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
    return EventText.line(this, "instance " + replaced + " replaced by healthy " + by + " and deleted");
  }
}
