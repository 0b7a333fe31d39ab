package dev.osupgrade.governance.schedule;

import dev.osupgrade.Durations;
import dev.osupgrade.Require;
import dev.osupgrade.fleet.ScaleSetId;
import java.time.Duration;
import java.time.Instant;

/**
 * An instance has deferred its OS upgrade for longer than allowed: the security fixes in the new image are not
 * reaching it. Reported on every decision until it is resolved, so that the caller escalates (page the owner,
 * approve by hand, widen the window); it never approves anything by itself.
 *
 * @param scaleSet the scale set
 * @param instanceId the instance
 * @param pendingSince when its pending upgrade was first seen
 * @param deferredFor how long it has been deferred at {@code at}: zero or positive, at most
 *     {@link Require#MAX_SPAN}
 * @param maximum the maximum deferral: zero or positive, at most {@link Require#MAX_SPAN}
 * @param at when this was found
 */
public record DeferralOverdue(ScaleSetId scaleSet, String instanceId, Instant pendingSince, Duration deferredFor,
    Duration maximum, Instant at) {

  /** Validates the fields. */
  public DeferralOverdue {
    Require.nonNull(scaleSet, "scaleSet");
    Require.nonBlank("instanceId", instanceId);
    Require.nonNull(pendingSince, "pendingSince");
    Require.nonNegative("deferredFor", deferredFor, Require.MAX_SPAN);
    Require.nonNegative("maximum", maximum, Require.MAX_SPAN);
    Require.nonNull(at, "at");
  }

  /** @return how far past the maximum it is */
  public Duration overBy() {
    return deferredFor.minus(maximum);
  }

  @Override
  public String toString() {
    return at + " " + scaleSet + " DEFERRAL OVERDUE: instance " + instanceId + " has deferred its OS upgrade for "
        + Durations.words(deferredFor) + " (pending since " + pendingSince + "), more than the maximum "
        + "of " + Durations.words(maximum) + "; escalate: approve it, or find what blocks it";
  }
}
