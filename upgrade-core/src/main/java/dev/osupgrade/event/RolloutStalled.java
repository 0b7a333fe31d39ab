package dev.osupgrade.event;

import dev.osupgrade.Require;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.ops.Stall;
import java.time.Instant;

/**
 * The rollout cannot go on for now because of an infrastructure failure (see {@link Stall}); it has not ended and
 * goes on by itself once the cause is gone. Emitted when a stall begins and each time its cause changes, not on every
 * retry.
 *
 * @param sequence the event number
 * @param at when
 * @param scaleSet the scale set
 * @param stall the cause
 */
public record RolloutStalled(long sequence, Instant at, ScaleSetId scaleSet, Stall stall) implements RolloutEvent {
  /** Validates the fields. */
  public RolloutStalled {
    EventText.require(at, scaleSet);
    Require.nonNull(stall, "stall");
  }

  @Override
  public String toString() {
    return EventText.line(this, "rollout STALLED " + stall.during() + ": [" + stall.code()
        + (stall.httpStatus() == 0 ? "" : " " + stall.httpStatus()) + "] " + stall.message()
        + " (resumable; retried until the cause is gone or the progress deadline passes)");
  }
}
