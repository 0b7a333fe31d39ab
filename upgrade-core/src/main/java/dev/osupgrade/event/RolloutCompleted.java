package dev.osupgrade.event;

import dev.osupgrade.Require;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.image.ImageVersion;
import dev.osupgrade.ops.FleetVerification;
import dev.osupgrade.ops.UpgradeProgress;
import java.time.Duration;
import java.time.Instant;

/**
 * The rollout handled every planned instance, and a final full read of the scale set (model and instances together)
 * confirmed it: the model on the target when the rollout pins it, and every instance on the target and Healthy or
 * explained in {@link #verification()}.
 *
 * @param sequence the event number
 * @param at when
 * @param scaleSet the scale set
 * @param target the version rolled out
 * @param progress the final counts
 * @param took fleet time from start to end, at most {@link dev.osupgrade.Require#MAX_SPAN} either way
 * @param verification what the final read showed
 */
public record RolloutCompleted(long sequence, Instant at, ScaleSetId scaleSet, ImageVersion target,
    UpgradeProgress progress, Duration took, FleetVerification verification) implements RolloutEvent {
  /** The most negative {@code took} accepted ({@code MAX_SPAN} negated once, not on every event). */
  private static final Duration SHORTEST = Require.MAX_SPAN.negated();

  /** Validates the fields. */
  public RolloutCompleted {
    EventText.require(at, scaleSet);
    Require.nonNull(target, "target");
    Require.nonNull(progress, "progress");
    Require.duration("took", took, SHORTEST, Require.MAX_SPAN);
    Require.nonNull(verification, "verification");
  }

  @Override
  public String toString() {
    return EventText.line(this, "rollout to " + target + " COMPLETED in " + EventText.duration(took) + ": "
        + progress
        + "; verified: " + verification);
  }
}
