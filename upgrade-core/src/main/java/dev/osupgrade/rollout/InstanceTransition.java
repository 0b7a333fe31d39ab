package dev.osupgrade.rollout;

import dev.osupgrade.Durations;
import dev.osupgrade.fleet.HealthState;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.ProvisioningState;
import dev.osupgrade.image.ImageVersion;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What one look does to one instance in flight, as one pure function ({@link #of}) of its progress, the instance as
 * the look shows it, the timeouts and the time. The step applies the answer (the stage, events, rollback calls);
 * nothing here changes anything.
 */
sealed interface InstanceTransition {

  /** Nothing changes in this look. */
  record Stays() implements InstanceTransition {}

  /**
   * Missing from this look and not confirmed gone by a read of its own: it stays in play, and the state notes since
   * when it is missing (the runner reads it on its own a poll interval later).
   */
  record Missing() implements InstanceTransition {}

  /** Confirmed gone by a read of its own: settled as removed. */
  record Removed() implements InstanceTransition {}

  /**
   * Protected (instance protection, a {@code ReadOnly} lock) before its upgrade started, and still on its previous
   * image: upgrades leave it alone, so it settles as removed from the rollout.
   */
  record ProtectedSince() implements InstanceTransition {}

  /** A failed surge instance is gone: deleted as decided, so its "rollback" is done. */
  record SurgeDeleted() implements InstanceTransition {}

  /** Seen on the target and provisioned: from now on it must report Healthy. */
  record Upgraded() implements InstanceTransition {}

  /** Healthy on the target in time: succeeded. */
  record Healthy() implements InstanceTransition {}

  /**
   * Failed: its upgrade failed, timed out, or it stayed unhealthy past the health timeout.
   *
   * @param health its health as seen
   * @param reason why, in words
   */
  record Failed(HealthState health, String reason) implements InstanceTransition {}

  /**
   * Its rollback ended.
   *
   * @param restored true when it runs its previous image again
   * @param why in words
   */
  record RolledBack(boolean restored, String why) implements InstanceTransition {}

  /**
   * The timeouts an instance in flight is held to.
   *
   * @param instanceUpgrade from the request to the end (upgraded and healthy, or restored)
   * @param health from the moment it is seen on the target until it must be Healthy
   */
  record Timeouts(Duration instanceUpgrade, Duration health) {
    static Timeouts of(RolloutOptions options) {
      return new Timeouts(options.instanceUpgradeTimeout(), options.healthTimeout());
    }
  }

  /**
   * The one rule for an instance in flight.
   *
   * @param p its progress
   * @param live the instance as this look shows it, or null when the look does not list it
   * @param confirmedGone true when a read of its own confirmed it gone in this look
   * @param target the rollout's target
   * @param timeouts the timeouts
   * @param now the time
   * @return the transition
   */
  static InstanceTransition of(InstanceProgress p, @Nullable Instance live, boolean confirmedGone,
      ImageVersion target, Timeouts timeouts, Instant now) {
    if (p.stage() == InstanceStage.REPLACING) {
      return new Stays(); // settles with its surge instance
    }
    if (live == null) {
      if (p.isSurge() && p.stage() == InstanceStage.ROLLING_BACK) {
        return new SurgeDeleted();
      }
      return confirmedGone ? new Removed() : new Missing();
    }
    Instant requested = Objects.requireNonNull(p.requestedAt(), "requestedAt");
    boolean overall = !now.isBefore(requested.plus(timeouts.instanceUpgrade()));
    switch (p.stage()) {
      case UPGRADING -> {
        if (live.protectedFromUpgrade() && live.image().equals(p.previousImage())
            && live.provisioningState() == ProvisioningState.SUCCEEDED) {
          return new ProtectedSince();
        }
        if (live.runs(target) && live.provisioningState() == ProvisioningState.SUCCEEDED) {
          return new Upgraded();
        }
        if (live.provisioningState() == ProvisioningState.FAILED) {
          return new Failed(live.health(), "the upgrade failed (provisioning state Failed, "
              + (live.runs(target) ? "the new image is on its disk" : "still on " + live.imageVersion())
              + ", power " + live.powerState() + ")");
        }
        return overall ? new Failed(live.health(), "the upgrade did not complete within "
            + Durations.words(timeouts.instanceUpgrade())) : new Stays();
      }
      case AWAITING_HEALTH -> {
        Instant upgraded = Objects.requireNonNull(p.upgradedAt(), "upgradedAt");
        HealthState h = live.health();
        if (h == HealthState.HEALTHY) {
          return new Healthy();
        }
        if (h.countsAsUnhealthy() && !now.isBefore(upgraded.plus(timeouts.health()))) {
          return new Failed(h, "still " + h + " " + Durations.words(timeouts.health())
              + " after the upgrade (health timeout)");
        }
        return overall ? new Failed(h, "not Healthy within the instance upgrade timeout "
            + Durations.words(timeouts.instanceUpgrade()) + " (last state " + h + ")") : new Stays();
      }
      case ROLLING_BACK -> {
        ImageVersion previous = p.previousImage().version().orElseThrow();
        if (live.runs(previous) && live.provisioningState() == ProvisioningState.SUCCEEDED) {
          return new RolledBack(true, "runs " + previous + " again (" + live.health() + ")");
        }
        if (live.provisioningState() == ProvisioningState.FAILED || overall) {
          return new RolledBack(false, live.provisioningState() == ProvisioningState.FAILED
              ? "provisioning state Failed" : "not restored within " + Durations.words(timeouts.instanceUpgrade()));
        }
        return new Stays();
      }
      default -> {
        return new Stays();
      }
    }
  }

  /**
   * The next moment something can time out for an instance in flight, or null when nothing can (an instance being
   * replaced waits on its surge instance, which has its own deadline).
   *
   * @param p its progress
   * @param timeouts the timeouts
   * @param now the time
   * @return the moment, or null
   */
  static @Nullable Instant deadline(InstanceProgress p, Timeouts timeouts, Instant now) {
    if (p.stage() == InstanceStage.REPLACING) {
      return null;
    }
    Instant overall = Objects.requireNonNull(p.requestedAt()).plus(timeouts.instanceUpgrade());
    if (p.stage() == InstanceStage.AWAITING_HEALTH) {
      Instant health = Objects.requireNonNull(p.upgradedAt()).plus(timeouts.health());
      if (health.isAfter(now) && health.isBefore(overall)) {
        return health;
      }
    }
    return overall;
  }
}
