package dev.osupgrade.event;

import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.ops.UpgradeError;
import dev.osupgrade.ops.UpgradeProgress;
import java.time.Instant;

/**
 * The rollout stopped on a safety rule or an error.
 *
 * @param sequence the event number
 * @param at when
 * @param scaleSet the scale set
 * @param error the code and the evidence
 * @param progress the counts when it stopped
 */
public record RolloutFaulted(long sequence, Instant at, ScaleSetId scaleSet, UpgradeError error,
    UpgradeProgress progress) implements RolloutEvent {
  @Override
  public String toString() {
    return EventText.line(this, "rollout FAULTED [" + error.code() + "]: " + error.message() + "; " + progress);
  }
}
