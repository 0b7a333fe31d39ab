package dev.osupgrade.ops;

/**
 * The codes a rollout stops with, as strings. Prefer the typed {@link StopCode} (it also says whether the image is to
 * blame): each constant here is a {@link StopCode}'s {@link StopCode#azureName()}, kept for code that compares strings.
 */
public final class ErrorCodes {
  private ErrorCodes() {}

  /** More than {@code maxUnhealthyInstancePercent} of the set was unhealthy before the first batch. */
  public static final String MAX_UNHEALTHY_BEFORE = "MaxUnhealthyInstancePercentExceededBeforeRollingUpgrade";
  /** More than {@code maxUnhealthyInstancePercent} of the set was unhealthy before a later batch. */
  public static final String MAX_UNHEALTHY_IN = "MaxUnhealthyInstancePercentExceededInRollingUpgrade";
  /** More than {@code maxUnhealthyUpgradedInstancePercent} of the upgraded instances were unhealthy after a batch. */
  public static final String MAX_UNHEALTHY_UPGRADED = "MaxUnhealthyUpgradedInstancePercentExceededInRollingUpgrade";
  /** The rollout made no progress within its deadline. */
  public static final String TIMEOUT = "RollingUpgradeTimeoutError";
  /** An unexpected failure inside the orchestrator. */
  public static final String INTERNAL = "InternalExecutionError";
  /** A user or governance gate failed. */
  public static final String GATE_FAILED = "GateFailed";
  /** A mutating call to the fleet was rejected and cannot be retried. */
  public static final String OPERATION_REJECTED = "OperationRejected";
  /** A performance gate judged the new image slower or heavier than the old one. */
  public static final String PERFORMANCE_REGRESSION = "PerformanceRegression";
  /** A performance gate stayed marginal after its last wait and was told to fail then. */
  public static final String PERFORMANCE_INCONCLUSIVE = "PerformanceInconclusive";
  /** A maintenance schedule never opens again. */
  public static final String NO_MAINTENANCE_WINDOW = "NoMaintenanceWindow";
  /** The image trust policy refused the target image. */
  public static final String IMAGE_NOT_TRUSTED = "ImageNotTrusted";
  /** A production scale set lacks a complete readiness record. */
  public static final String READINESS_INCOMPLETE = "ReadinessIncomplete";
  /** An instance was asked to upgrade as often as the rollout allows and never took the target. */
  public static final String UPGRADE_NOT_APPLIED = "InstanceUpgradeNotApplied";
  /** A ring was refused before any change (trust, readiness, replication, a scale set that cannot be driven). */
  public static final String RING_REFUSED = "RingRefused";
}
