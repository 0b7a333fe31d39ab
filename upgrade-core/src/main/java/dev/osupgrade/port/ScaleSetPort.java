package dev.osupgrade.port;

import dev.osupgrade.Require;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.InstanceIds;
import dev.osupgrade.fleet.ScaleSet;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.policy.UpgradePolicy;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Reads and changes one scale set. Every method may throw a {@link CloudException}: {@link ResourceNotFoundException}
 * for an unknown scale set, {@link ThrottledException} and {@link TransientCloudException} for failures worth
 * retrying, {@link ConflictException} for a concurrent change.
 *
 * <p>Mutating calls are safe to repeat: upgrading an instance that already runs the model's image, or setting the
 * model to the image it already has, changes nothing. The rollout engine relies on this to resume after a crash.
 */
public interface ScaleSetPort {

  /**
   * Reads the scale set's model and all its instances, with their health.
   *
   * @param id the scale set
   * @return the snapshot
   */
  ScaleSet get(ScaleSetId id);

  /**
   * Reads the scale set's model without listing its instances: what a rollout reads last, right after a listing of
   * the instances taken at the same instant, to confirm the model on its target before it says {@code Completed}
   * (the listing it just took stands for the instances). The answer's instance list is empty, unless the port had to
   * read the instances as well to answer truthfully (for instance because what it reads with the model changes how
   * the instances read): then it holds every instance, as {@link #get} reads them, and a caller uses those instead.
   *
   * <p>The default implementation is {@link #get}: a full read, which answers truthfully at the price of a listing.
   * Ports that can read the model alone should override it (the Azure adapter sends one GET of the scale set; the
   * simulator charges one low-cost get).
   *
   * @param id the scale set
   * @return the scale set with its model, and with no instances or every instance
   * @throws ResourceNotFoundException when the scale set does not exist
   */
  default ScaleSet model(ScaleSetId id) {
    return get(id);
  }

  /**
   * Reads the instances only, with their health (cheaper than {@link #get} where the model is known).
   *
   * @param id the scale set
   * @return the instances in instance-id order
   */
  List<Instance> listInstances(ScaleSetId id);

  /**
   * Reads one instance, with its health: the direct look a rollout takes before it believes that an instance missing
   * from its listings is gone (a listing can be incomplete — a page lost or answered empty — twice in a row; a read
   * of the instance itself cannot leave it out). The Azure adapter sends one GET of the scale set VM with
   * {@code $expand=instanceView}; the simulator reads its own state.
   *
   * <p>The default implementation filters {@link #listInstances}, which is only as good as the listing: a port that
   * keeps it confirms a vanished instance no better than another listing would. Ports over a real cloud should
   * override it with a read of the one instance.
   *
   * @param id the scale set
   * @param instanceId the instance, one path segment ({@link InstanceIds#require})
   * @return the instance as {@link #listInstances} would show it, or empty when the scale set has no such instance
   *     (any more)
   * @throws dev.osupgrade.InvalidValueException for an id that cannot name an instance; nothing is read
   * @throws ResourceNotFoundException when the scale set itself does not exist
   */
  default Optional<Instance> instance(ScaleSetId id, String instanceId) {
    Require.nonNull(id, "id");
    InstanceIds.require("instanceId", instanceId);
    return listInstances(id).stream().filter(i -> i.instanceId().equals(instanceId)).findFirst();
  }

  /**
   * Points the scale set model at another image (ARM: PATCH the model's image reference). Existing instances keep
   * their image and now show {@code latestModelApplied=false}; instances created from now on take the new image. An
   * image version that does not exist, or is not replicated to the scale set's region, is an
   * {@link InvalidModelException} (not a {@link ResourceNotFoundException}, which means the scale set is unknown).
   *
   * @param id the scale set
   * @param image the new model image
   */
  void updateModelImage(ScaleSetId id, ImageReference image);

  /**
   * Sets the scale set's upgrade policy (ARM: PATCH {@code upgradePolicy} with {@code If-Match}). A policy without a
   * rolling upgrade policy leaves the scale set's rolling policy as it is (ARM keeps it).
   *
   * @param id the scale set
   * @param policy the new policy
   * @param ifMatchEtag the etag the change is based on, or null to overwrite unconditionally
   * @throws ConflictException when the etag no longer matches
   */
  void updateUpgradePolicy(ScaleSetId id, UpgradePolicy policy, @Nullable String ifMatchEtag);

  /**
   * Brings the named instances to the scale set model (ARM: one {@code manualupgrade} call for all of them). Returns
   * once the request is accepted; the instances then update, reboot and report health over the following minutes.
   *
   * @param id the scale set
   * @param instanceIds the instances
   */
  void upgradeInstances(ScaleSetId id, List<String> instanceIds);

  /**
   * Restores the named instances' OS disks to a previous image, leaving the model where it is. The instances then
   * show {@code latestModelApplied=false} when the model points elsewhere.
   *
   * @param id the scale set
   * @param instanceIds the instances
   * @param previousImage the image to restore, pinned
   */
  void rollBackInstances(ScaleSetId id, List<String> instanceIds, ImageReference previousImage);
}
