package dev.osupgrade.rollout;

import dev.osupgrade.Require;
import dev.osupgrade.image.ImageReference;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * One planned instance's journey through a rollout.
 *
 * @param instanceId the instance
 * @param batch the batch that upgrades it, from 1
 * @param previousImage the image it ran when the rollout was planned (what a rollback restores)
 * @param stage where it stands
 * @param requestedAt when its upgrade (or rollback) was requested, or null
 * @param upgradedAt when it was first observed on the target image, or null
 * @param settledAt when it settled, or null
 * @param replaces for a max-surge instance, the planned instance it replaces; null for planned instances
 */
public record InstanceProgress(
    String instanceId,
    int batch,
    ImageReference previousImage,
    InstanceStage stage,
    @Nullable Instant requestedAt,
    @Nullable Instant upgradedAt,
    @Nullable Instant settledAt,
    @Nullable String replaces) {

  /** Validates the fields. */
  public InstanceProgress {
    Require.nonBlank("instanceId", instanceId);
    Require.atLeast("batch", batch, 1);
    Require.nonNull(previousImage, "previousImage");
    Require.nonNull(stage, "stage");
  }

  /**
   * A planned, not yet started instance.
   *
   * @param instanceId the instance
   * @param batch its batch
   * @param previousImage the image it runs now
   * @return the progress
   */
  public static InstanceProgress pending(String instanceId, int batch, ImageReference previousImage) {
    return new InstanceProgress(instanceId, batch, previousImage, InstanceStage.PENDING, null, null, null, null);
  }

  /** @return true for a max-surge instance created by the rollout (not a planned one) */
  public boolean isSurge() {
    return replaces != null;
  }

  /**
   * Says whether the rollout expects the instance to exist in the scale set: everything but a planned instance
   * settled as removed (confirmed gone, or let go as protected) or replaced (max surge deletes it), and a surge
   * instance that did not succeed and has settled (max surge deletes a failed one).
   */
  boolean expectedToExist() {
    if (isSurge()) {
      return stage == InstanceStage.SUCCEEDED || !stage.isSettled();
    }
    return stage != InstanceStage.REMOVED && stage != InstanceStage.REPLACED;
  }

  /**
   * Says whether the runner reads the instance on its own when it is missing from a look and the rollout waits for
   * it: an instance expected to exist, and one max surge replaced (until the rollout has deleted it, it exists).
   */
  boolean readWhenMissing() {
    return expectedToExist() || stage == InstanceStage.REPLACED;
  }

  InstanceProgress requested(InstanceStage newStage, Instant at) {
    return new InstanceProgress(instanceId, batch, previousImage, newStage, at, upgradedAt, null, replaces);
  }

  InstanceProgress upgraded(Instant at) {
    return new InstanceProgress(instanceId, batch, previousImage, InstanceStage.AWAITING_HEALTH, requestedAt, at,
        null, replaces);
  }

  InstanceProgress settled(InstanceStage newStage, Instant at) {
    return new InstanceProgress(instanceId, batch, previousImage, newStage, requestedAt, upgradedAt, at, replaces);
  }
}
