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
    permits RolloutAction.UpdateModelImage, RolloutAction.UpgradeInstances, RolloutAction.RollBackInstances {

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
}
