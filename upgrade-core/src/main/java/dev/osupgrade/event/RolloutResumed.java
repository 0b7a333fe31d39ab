package dev.osupgrade.event;

import dev.osupgrade.fleet.ScaleSetId;
import java.time.Instant;

/**
 * A paused rollout goes on.
 *
 * @param sequence the event number
 * @param at when
 * @param scaleSet the scale set
 * @param nextBatch the batch it resumes with
 */
public record RolloutResumed(long sequence, Instant at, ScaleSetId scaleSet, int nextBatch) implements RolloutEvent {
  /** Validates the fields. */
  public RolloutResumed {
    EventText.require(at, scaleSet);
  }

  @Override
  public String toString() {
    return EventText.line(this, "rollout RESUMED with batch " + nextBatch);
  }
}
