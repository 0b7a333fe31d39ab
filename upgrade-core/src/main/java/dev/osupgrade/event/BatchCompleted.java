package dev.osupgrade.event;

import dev.osupgrade.Require;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.ops.UpgradeProgress;
import java.time.Instant;

/**
 * Every instance of a batch has settled.
 *
 * @param sequence the event number
 * @param at when
 * @param scaleSet the scale set
 * @param batch the batch, 1-based
 * @param totalBatches the number of batches in the plan
 * @param succeeded instances of this batch that became healthy
 * @param failed instances of this batch that failed
 * @param progress the rollout's progress after the batch
 */
public record BatchCompleted(long sequence, Instant at, ScaleSetId scaleSet, int batch, int totalBatches,
    int succeeded, int failed, UpgradeProgress progress) implements RolloutEvent {
  /** Validates the fields. */
  public BatchCompleted {
    EventText.require(at, scaleSet);
    Require.nonNull(progress, "progress");
  }

  @Override
  public String toString() {
    return EventText.line(this, "batch " + batch + "/" + totalBatches + " completed: " + succeeded + " healthy, "
        + failed + " failed; rollout: " + progress);
  }
}
