package dev.osupgrade.event;

import dev.osupgrade.Require;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.ops.UpgradeProgress;
import java.time.Instant;

/**
 * The rollout stopped because the caller cancelled it; the batch in flight was finished first.
 *
 * @param sequence the event number
 * @param at when
 * @param scaleSet the scale set
 * @param batchesDone how many batches had started
 * @param progress the counts when it stopped
 */
public record RolloutCancelled(long sequence, Instant at, ScaleSetId scaleSet, int batchesDone,
    UpgradeProgress progress) implements RolloutEvent {
  /** Validates the fields. */
  public RolloutCancelled {
    EventText.require(at, scaleSet);
    Require.nonNull(progress, "progress");
  }

  @Override
  public String toString() {
    return EventText.line(this, "rollout CANCELLED by the caller after " + batchesDone
        + " batches (the batch in flight was finished); " + progress
        + "; the model keeps the new image, a restart upgrades only what is not on it yet");
  }
}
