package dev.osupgrade.event;

import dev.osupgrade.Require;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.ops.Stall;
import java.time.Duration;
import java.time.Instant;

/**
 * A stall ended: the calls that failed went through (the usual end), or the rollout gave up on what it could not
 * carry out (after its progress deadline, once it had already ended).
 *
 * @param sequence the event number
 * @param at when
 * @param scaleSet the scale set
 * @param stall the last cause of the stall
 * @param stalledFor how long the rollout was stalled
 * @param resolution how it ended, in words
 */
public record RolloutStallCleared(long sequence, Instant at, ScaleSetId scaleSet, Stall stall, Duration stalledFor,
    String resolution) implements RolloutEvent {
  /** Validates the fields and masks secrets in the free text. */
  public RolloutStallCleared {
    EventText.require(at, scaleSet);
    Require.nonNull(stall, "stall");
    Require.duration("stalledFor", stalledFor, Duration.ZERO, Require.MAX_SPAN);
    resolution = EventText.text("resolution", resolution);
  }

  @Override
  public String toString() {
    return EventText.line(this, "stall cleared after " + EventText.duration(stalledFor) + " (" + stall.attempts()
        + " failed attempt(s), last [" + stall.code() + "] " + stall.during() + "): " + resolution);
  }
}
