package dev.osupgrade.event;

import dev.osupgrade.Require;
import dev.osupgrade.fleet.ScaleSetId;
import java.time.Instant;

/**
 * A rollout started on a production scale set without a readiness record and a trust decision, because the caller
 * opted out of governance explicitly ({@code Rollout.Builder.ungoverned(reason)}). It comes right before
 * {@link RolloutStarted}, and names who opted out and why.
 *
 * @param sequence the event number
 * @param at when
 * @param scaleSet the scale set
 * @param by who opted out: the replica that started the rollout
 * @param reason why, as the caller gave it (secrets masked)
 */
public record GovernanceWaived(long sequence, Instant at, ScaleSetId scaleSet, String by, String reason)
    implements RolloutEvent {
  /** Validates the fields and masks secrets in the free text. */
  public GovernanceWaived {
    EventText.require(at, scaleSet);
    Require.nonBlank("by", by);
    reason = EventText.text("reason", reason);
  }

  @Override
  public String toString() {
    return EventText.line(this, "governance waived by " + by + " on a production scale set (no readiness record or "
        + "trust decision asked): " + reason);
  }
}
