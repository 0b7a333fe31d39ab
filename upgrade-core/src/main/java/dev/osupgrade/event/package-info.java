/**
 * The audit trail of rollouts and ring rollouts: one sealed family of events, {@link dev.osupgrade.event.UpgradeEvent}
 * (a rollout's steps, {@link dev.osupgrade.event.RolloutEvent}, and a ring rollout's timeline,
 * {@link dev.osupgrade.event.RingEvent}), each with a sequence number, the fleet time it happened at and the evidence
 * behind the decision, and one listener type, {@link dev.osupgrade.event.UpgradeListener}. {@code toString()} reads as
 * a log line that says why.
 */
@NullMarked
package dev.osupgrade.event;

import org.jspecify.annotations.NullMarked;
