package dev.osupgrade.event;

import dev.osupgrade.Require;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.ops.RollbackInfo;
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
 * @param rollback how many failed instances were restored to their previous image, and how many could not be
 */
public record RolloutFaulted(long sequence, Instant at, ScaleSetId scaleSet, UpgradeError error,
    UpgradeProgress progress, RollbackInfo rollback) implements RolloutEvent {
  /** Validates the fields. */
  public RolloutFaulted {
    EventText.require(at, scaleSet);
    Require.nonNull(error, "error");
    Require.nonNull(progress, "progress");
    Require.nonNull(rollback, "rollback");
  }

  @Override
  public String toString() {
    String rolledBack = rollback.successfullyRolledBack() + rollback.failedToRollBack() == 0 ? ""
        : "; rolled back " + rollback.successfullyRolledBack() + ", failed to roll back "
            + rollback.failedToRollBack();
    return EventText.line(this, "rollout FAULTED [" + error.code() + "]: " + error.message() + "; " + progress
        + rolledBack);
  }
}
