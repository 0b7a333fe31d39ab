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
 * @param statusCode Azure's running status code as sent (e.g. {@code RollingForward}, or a newer API version's code
 *     when {@code status} is {@link RolloutStatus#UNKNOWN})
 */
public record RollingUpgradeStatus(
    RolloutStatus status,
    Instant startTime,
    @Nullable Action lastAction,
    @Nullable Instant lastActionTime,
    UpgradeProgress progress,
    RollingUpgradePolicy policy,
    @Nullable UpgradeError error,
    String statusCode) {

  /** Validates the fields. */
  public RollingUpgradeStatus {
    Require.nonNull(status, "status");
    StatusCodes.check(status, statusCode);
    Require.nonNull(startTime, "startTime");
    Require.nonNull(progress, "progress");
    Require.nonNull(policy, "policy");
  }

  /**
   * Creates a status whose code is a known one ({@code statusCode} is the status's Azure code).
   *
   * @param status the running status code
   * @param startTime when it started
   * @param lastAction the last action taken on it, or null
   * @param lastActionTime when that action was taken, or null
   * @param progress the four counts
   * @param policy the rolling policy it runs with
   * @param error why it stopped, or null
   */
  public RollingUpgradeStatus(RolloutStatus status, Instant startTime, @Nullable Action lastAction,
      @Nullable Instant lastActionTime, UpgradeProgress progress, RollingUpgradePolicy policy,
      @Nullable UpgradeError error) {
    this(status, startTime, lastAction, lastActionTime, progress, policy, error,
        Require.nonNull(status, "status").azureCode());
  }

  /** @return the error, if the upgrade stopped with one */
  public Optional<UpgradeError> errorIfAny() {
    return Optional.ofNullable(error);
  }

  /**
   * @return true while Azure is still rolling forward; false for an unknown code, which is neither running nor ended
   *     (see {@link #isKnown()})
   */
  public boolean isRunning() {
    return status == RolloutStatus.ROLLING_FORWARD;
  }

  /** @return true when Azure reports the upgrade ended (Completed, Faulted or Cancelled) */
  public boolean hasEnded() {
    return status.isTerminal();
  }

  /**
   * Says whether the library knows the running status code. When it does not ({@link #statusCode()} is a newer API
   * version's), the upgrade is neither running nor ended as far as the library can tell: a caller polling for an end
   * must look again later, and must not count it as done or as progress.
   *
   * @return false when {@link #status()} is {@link RolloutStatus#UNKNOWN}
   */
  public boolean isKnown() {
    return status.isKnown();
  }

  /** The last action taken on a rolling upgrade (Azure's {@code RollingUpgradeActionType}). */
  public enum Action {
    /** Started. */
    START,
    /** Cancelled. */
    CANCEL
  }
}
