package dev.osupgrade.event;

import dev.osupgrade.fleet.ScaleSetId;
import java.time.Instant;

/**
 * The rollout paused before a batch, as the caller asked.
 *
 * @param sequence the event number
 * @param at when
 * @param scaleSet the scale set
 * @param nextBatch the batch that will start on resume
 */
public record RolloutPaused(long sequence, Instant at, ScaleSetId scaleSet, int nextBatch) implements RolloutEvent {
  /** Validates the fields. */
  public RolloutPaused {
    EventText.require(at, scaleSet);
  }

  @Override
  public String toString() {
    return EventText.line(this, "rollout PAUSED by the caller before batch " + nextBatch);
  }
}
