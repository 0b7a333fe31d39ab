package dev.osupgrade.rollout;

/** Where one planned instance stands in a rollout. */
public enum InstanceStage {
  /** Not yet sent for upgrade. */
  PENDING,
  /** Sent for upgrade; not yet observed on the target image. */
  UPGRADING,
  /** Observed on the target image; awaiting Healthy. */
  AWAITING_HEALTH,
  /** Upgraded and healthy in time. */
  SUCCEEDED,
  /**
   * Failed and left as it is: automatic rollback disabled, or an upgrade the platform never applied however often it
   * was asked ({@link dev.osupgrade.ops.StopCode#UPGRADE_NOT_APPLIED}: it never ran the target).
   */
  FAILED,
  /** Failed; being restored to its previous image. */
  ROLLING_BACK,
  /** Failed and restored to its previous image. */
  ROLLED_BACK,
  /** Failed, and restoring its previous image failed too. */
  ROLLBACK_FAILED,
  /**
   * No longer part of the rollout: gone from the scale set (scaled in during the rollout), or protected from
   * upgrades since it was planned (instance protection, or a {@code ReadOnly} resource lock), so left alone.
   */
  REMOVED,
  /** Max surge: a new instance on the target is being created to replace this one. */
  REPLACING,
  /** Max surge: replaced by a new, healthy instance on the target, and deleted. */
  REPLACED;

  /** @return true for the stages Azure counts as failed */
  public boolean isFailed() {
    return this == FAILED || this == ROLLING_BACK || this == ROLLED_BACK || this == ROLLBACK_FAILED;
  }

  /** @return true once nothing more will happen to the instance in this rollout */
  public boolean isSettled() {
    return this == SUCCEEDED || this == FAILED || this == ROLLED_BACK || this == ROLLBACK_FAILED || this == REMOVED
        || this == REPLACED;
  }

  /** @return true while the instance is being worked on */
  public boolean isInFlight() {
    return this == UPGRADING || this == AWAITING_HEALTH || this == ROLLING_BACK || this == REPLACING;
  }
}
