package dev.osupgrade.event;

import dev.osupgrade.fleet.ScaleSetId;
import java.time.Instant;

/**
 * A planned batch had nothing left to upgrade.
 *
 * @param sequence the event number
 * @param at when
 * @param scaleSet the scale set
 * @param batch the batch, 1-based
 * @param totalBatches the number of batches in the plan
 * @param reason why
 */
public record BatchSkipped(long sequence, Instant at, ScaleSetId scaleSet, int batch, int totalBatches, String reason)
    implements RolloutEvent {
  /** Validates the fields and masks secrets in the free text. */
  public BatchSkipped {
    EventText.require(at, scaleSet);
    reason = EventText.text("reason", reason);
  }

  @Override
  public String toString() {
    return EventText.line(this, "batch " + batch + "/" + totalBatches + " skipped: " + reason);
  }
}
