package dev.osupgrade.service;

import dev.osupgrade.Require;
import java.time.Instant;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * One line of a {@link RolloutRunner}'s log: what the runner did with a rollout, or with itself. The rollouts' own
 * events go to their own listeners; these say how the runner drives them.
 *
 * @param sequence numbered from 1, per runner
 * @param at when, by the runner's clock
 * @param kind what happened
 * @param rollout the managed rollout it concerns, or null for the runner itself
 * @param detail why, and what comes next
 * @param error the failure, for {@link Kind#ADVANCE_FAILED} and {@link Kind#SET_ASIDE} (and a failed release), else
 *     null
 */
public record RunnerEvent(long sequence, Instant at, Kind kind, @Nullable ManagedRollout rollout, String detail,
    @Nullable Throwable error) {

  /** Validates the fields. */
  public RunnerEvent {
    Require.nonNull(at, "at");
    Require.nonNull(kind, "kind");
    Require.nonNull(detail, "detail");
  }

  /** What happened. */
  public enum Kind {
    /** A rollout was submitted; it is advanced at once. */
    SUBMITTED,
    /** A caller asked to cancel, pause or resume a rollout. */
    REQUESTED,
    /** An advance failed; the rollout is tried again later (backoff). */
    ADVANCE_FAILED,
    /** The runner gave up on a rollout (refused, rejected, or failing too often); its lease was released. */
    SET_ASIDE,
    /** A rollout paused; it waits for a resume. */
    PAUSED,
    /** A rollout ended. */
    ENDED,
    /** The runner shut down before a rollout ended; its lease was released for a restart (or another replica). */
    RELEASED,
    /** The runner began to shut down: no new work, advances in flight finish. */
    SHUTTING_DOWN,
    /** Every advance in flight finished and every lease was released. */
    TERMINATED
  }

  /** @return the failure, if this event reports one */
  public Optional<Throwable> errorIfAny() {
    return Optional.ofNullable(error);
  }

  /** @return e.g. {@code #0007 2026-01-05T00:04:30Z #3 shop-prod/web -> 22.04.202410010 advance failed: ...} */
  @Override
  public String toString() {
    return String.format(java.util.Locale.ROOT, "#%04d %s %s %s: %s", sequence, at,
        rollout == null ? "runner" : "#" + rollout.id() + " " + rollout.name(),
        kind.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' '), detail);
  }
}
