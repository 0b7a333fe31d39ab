package dev.osupgrade.rollout;

import dev.osupgrade.Require;
import dev.osupgrade.fleet.InstanceIds;
import dev.osupgrade.image.ImageReference;
import java.util.List;

/**
 * A mutating call the engine has decided on. The runner records it in the checkpoint before it calls the port, and
 * every action is safe to repeat, so a crash between the two is harmless.
 */
public sealed interface RolloutAction
    permits RolloutAction.UpdateModelImage, RolloutAction.UpgradeInstances, RolloutAction.RollBackInstances,
    RolloutAction.ScaleOut, RolloutAction.DeleteInstances {

  /**
   * Point the scale set model at an image.
   *
   * @param image the image, pinned
   */
  record UpdateModelImage(ImageReference image) implements RolloutAction {
    /** Validates the image. */
    public UpdateModelImage {
      Require.nonNull(image, "image");
    }

    @Override
    public String toString() {
      return "update model image to " + image;
    }
  }

  /**
   * Upgrade instances to the model, in one call.
   *
   * @param instanceIds the instances
   */
  record UpgradeInstances(List<String> instanceIds) implements RolloutAction {
    /** Copies the ids. */
    public UpgradeInstances {
      instanceIds = List.copyOf(Require.nonEmpty("instanceIds", instanceIds));
    }

    @Override
    public String toString() {
      return "upgrade " + InstanceIds.format(instanceIds);
    }
  }

  /**
   * Restore instances to a previous image, in one call.
   *
   * @param instanceIds the instances
   * @param image the previous image, pinned
   */
  record RollBackInstances(List<String> instanceIds, ImageReference image) implements RolloutAction {
    /** Copies the ids. */
    public RollBackInstances {
      instanceIds = List.copyOf(Require.nonEmpty("instanceIds", instanceIds));
      Require.nonNull(image, "image");
    }

    @Override
    public String toString() {
      return "roll back " + InstanceIds.format(instanceIds) + " to " + image;
    }
  }

  /**
   * Max surge: create {@code count} new instances on the model's image to replace {@code replacing}. Repeating it is
   * safe: the runner counts instances that did not exist in {@code existingIds} as already created.
   *
   * @param replacing the planned instances the new ones replace, in pairing order
   * @param existingIds every instance id of the scale set when the action was decided
   */
  record ScaleOut(List<String> replacing, List<String> existingIds) implements RolloutAction {
    /** Copies the ids. */
    public ScaleOut {
      replacing = List.copyOf(Require.nonEmpty("replacing", replacing));
      existingIds = List.copyOf(Require.noNulls("existingIds", existingIds));
    }

    /** @return how many instances to create */
    public int count() {
      return replacing.size();
    }

    @Override
    public String toString() {
      return "scale out by " + replacing.size() + " to replace " + InstanceIds.format(replacing);
    }
  }

  /**
   * Delete instances: old ones replaced by healthy surge instances, or surge instances that failed.
   *
   * @param instanceIds the instances
   */
  record DeleteInstances(List<String> instanceIds) implements RolloutAction {
    /** Copies the ids. */
    public DeleteInstances {
      instanceIds = List.copyOf(Require.nonEmpty("instanceIds", instanceIds));
    }

    @Override
    public String toString() {
      return "delete " + InstanceIds.format(instanceIds);
    }
  }
}
