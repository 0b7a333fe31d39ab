package dev.osupgrade.ops;

import dev.osupgrade.Require;
import java.util.Optional;

/**
 * Why a rollout (or a ring) stops, as a type: each code carries Azure's name for the condition, where Azure has one
 * (the name stored in {@link UpgradeError#code()}, events and checkpoints), and whether the new image is to blame for
 * it — a ring quarantines a version only for a code that blames the image.
 */
public enum StopCode {
  /** More than {@code maxUnhealthyInstancePercent} of the set was unhealthy before the first batch. */
  MAX_UNHEALTHY_BEFORE("MaxUnhealthyInstancePercentExceededBeforeRollingUpgrade", false),
  /** More than {@code maxUnhealthyInstancePercent} of the set was unhealthy before a later batch. */
  MAX_UNHEALTHY_IN("MaxUnhealthyInstancePercentExceededInRollingUpgrade", false),
  /** More than {@code maxUnhealthyUpgradedInstancePercent} of the upgraded instances were unhealthy after a batch. */
  MAX_UNHEALTHY_UPGRADED("MaxUnhealthyUpgradedInstancePercentExceededInRollingUpgrade", true),
  /** The rollout made no progress within its deadline. */
  TIMEOUT("RollingUpgradeTimeoutError", false),
  /** An unexpected failure inside the orchestrator. */
  INTERNAL("InternalExecutionError", false),
  /** A user or governance gate failed. */
  GATE_FAILED("GateFailed", false),
  /** A mutating call to the fleet was rejected and cannot be retried. */
  OPERATION_REJECTED("OperationRejected", false),
  /** A performance gate judged the new image slower or heavier than the old one. */
  PERFORMANCE_REGRESSION("PerformanceRegression", true),
  /** A performance gate stayed marginal after its last wait and was told to fail then. */
  PERFORMANCE_INCONCLUSIVE("PerformanceInconclusive", false),
  /** A maintenance schedule never opens again. */
  NO_MAINTENANCE_WINDOW("NoMaintenanceWindow", false),
  /** The image trust policy refused the target image (a quarantined version, too). */
  IMAGE_NOT_TRUSTED("ImageNotTrusted", false),
  /** A production scale set lacks a complete readiness record. */
  READINESS_INCOMPLETE("ReadinessIncomplete", false),
  /** A ring was refused before any change (trust, readiness, replication, a scale set that cannot be driven). */
  RING_REFUSED("RingRefused", false),
  /**
   * An instance was asked to upgrade as many times as the rollout allows
   * ({@code RolloutOptions.maxUpgradeRequestsPerInstance}) and found off the target after each: the platform accepted
   * the requests and never applied them. Not the image's fault: the instance never ran it.
   */
  UPGRADE_NOT_APPLIED("InstanceUpgradeNotApplied", false);

  private final String azureName;
  private final boolean blamesImage;

  StopCode(String azureName, boolean blamesImage) {
    this.azureName = azureName;
    this.blamesImage = blamesImage;
  }

  /** @return the name in errors, events and checkpoints (Azure's, where Azure has one) */
  public String azureName() {
    return azureName;
  }

  /**
   * Says whether the new image is to blame: its upgraded instances were unhealthy, or it measurably regressed. A
   * fleet that was unhealthy already, an inconclusive measurement, a timeout or a refusal do not blame it.
   *
   * @return true when the image is to blame
   */
  public boolean blamesImage() {
    return blamesImage;
  }

  /**
   * Finds the code of a name.
   *
   * @param name a code's name, e.g. {@code RollingUpgradeTimeoutError}
   * @return the code, or empty for a name that is not one of these (Azure's other codes, a user gate's own)
   */
  public static Optional<StopCode> fromAzure(String name) {
    Require.nonNull(name, "name");
    for (StopCode c : values()) {
      if (c.azureName.equals(name)) {
        return Optional.of(c);
      }
    }
    return Optional.empty();
  }

  @Override
  public String toString() {
    return azureName;
  }
}
