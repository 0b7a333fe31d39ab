package dev.osupgrade.ops;

import dev.osupgrade.Require;
import dev.osupgrade.policy.RollingUpgradePolicy;
import java.time.Instant;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The latest rolling upgrade of a scale set, in the shape of Azure's {@code rollingUpgrades/latest}.
 *
 * @param status the running status code
 * @param startTime when it started
 * @param lastAction the last action taken on it ({@code Start} or {@code Cancel}), or null
 * @param lastActionTime when that action was taken, or null
 * @param progress the four counts
 * @param policy the rolling policy it runs with
 * @param error why it stopped, or null
 */
public record RollingUpgradeStatus(
    RolloutStatus status,
    Instant startTime,
    @Nullable Action lastAction,
    @Nullable Instant lastActionTime,
    UpgradeProgress progress,
    RollingUpgradePolicy policy,
    @Nullable UpgradeError error) {

  /** Validates the fields. */
  public RollingUpgradeStatus {
    Require.nonNull(status, "status");
    Require.nonNull(startTime, "startTime");
    Require.nonNull(progress, "progress");
    Require.nonNull(policy, "policy");
  }

  /** @return the error, if the upgrade stopped with one */
  public Optional<UpgradeError> errorIfAny() {
    return Optional.ofNullable(error);
  }

  /** @return true while Azure is still rolling forward */
  public boolean isRunning() {
    return status == RolloutStatus.ROLLING_FORWARD;
  }

  /** The last action taken on a rolling upgrade (Azure's {@code RollingUpgradeActionType}). */
  public enum Action {
    /** Started. */
    START,
    /** Cancelled. */
    CANCEL
  }
}
