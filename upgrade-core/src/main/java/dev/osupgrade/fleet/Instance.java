package dev.osupgrade.fleet;

import dev.osupgrade.ExpandableValue;
import dev.osupgrade.Require;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.image.ImageVersion;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * One scale set instance as the fleet reports it at a moment.
 *
 * <p><b>Identity in both orchestration modes.</b> {@code instanceId} is what names the instance in every call to its
 * scale set ({@code manualupgrade}, {@code delete}, {@code approveRollingUpgrade}): in Uniform orchestration Azure's
 * decimal instance id ({@code "0"}, {@code "17"}), in Flexible orchestration the VM's name
 * ({@code "web_3f2a9c1d"}), which Azure documents as the instance id of a Flexible instance. The VM's name and resource
 * id follow from it and the scale set ({@link InstanceIdentity}).
 *
 * @param instanceId the instance id: a decimal id (Uniform) or the VM's name (Flexible)
 * @param zone its availability zone, or {@link Zone#REGIONAL}
 * @param updateDomain its platform update domain
 * @param faultDomain its platform fault domain
 * @param image the image its OS disk runs, pinned to the exact version
 * @param latestModelApplied whether the instance matches the scale set's current model
 * @param provisioningState the last operation's state
 * @param powerState its power state
 * @param health its application health
 * @param protectedFromUpgrade upgrades leave it alone: protected from scale-set actions (instance protection), or
 *     read-only under a resource lock ({@link ResourceLock#READ_ONLY}, Flexible's protection)
 * @param healthCode Azure's health code when it is one the library does not know (for example
 *     {@code "HealthState/degraded"} from a newer API version; {@code health} is then {@link HealthState#UNKNOWN}),
 *     else null
 * @param lock the strictest resource lock that applies to the instance's VM ({@link ResourceLock#NONE} when none
 *     does); a {@link ResourceLock#READ_ONLY} lock requires {@code protectedFromUpgrade}
 * @param provisionedAt when its last provisioning operation (a reimage, a creation) ended, as its instance view's
 *     {@code ProvisioningState/…} status says ({@code time}); null when the fleet does not say. The rollout counts an
 *     upgraded instance's health timeout from here, not from the look that first saw it upgraded.
 */
public record Instance(
    String instanceId,
    Zone zone,
    int updateDomain,
    int faultDomain,
    ImageReference image,
    boolean latestModelApplied,
    ProvisioningState provisioningState,
    PowerState powerState,
    HealthState health,
    boolean protectedFromUpgrade,
    @Nullable String healthCode,
    ResourceLock lock,
    @Nullable Instant provisionedAt) {

  /** Validates the fields. */
  public Instance {
    Require.nonBlank("instanceId", instanceId);
    Require.nonNull(zone, "zone");
    Require.atLeast("updateDomain", updateDomain, 0);
    Require.atLeast("faultDomain", faultDomain, 0);
    Require.nonNull(image, "image");
    Require.that(!image.isLatest(), "image", "pinned to the exact version the instance runs", image);
    Require.nonNull(provisioningState, "provisioningState");
    Require.nonNull(powerState, "powerState");
    Require.nonNull(health, "health");
    if (healthCode != null) {
      ExpandableValue.azureText("healthCode", healthCode);
      Require.that(health == HealthState.UNKNOWN && !HealthState.recognizes(healthCode), "healthCode",
          "a health code the library does not know, on an instance whose health is UNKNOWN", healthCode);
    }
    Require.nonNull(lock, "lock");
    Require.that(!lock.blocksUpdate() || protectedFromUpgrade, "protectedFromUpgrade",
        "true for an instance under a ReadOnly lock (upgrades cannot change it)", protectedFromUpgrade);
  }

  /**
   * Creates an instance without the time its last provisioning ended.
   *
   * @param instanceId the instance id
   * @param zone its availability zone
   * @param updateDomain its platform update domain
   * @param faultDomain its platform fault domain
   * @param image the image its OS disk runs, pinned
   * @param latestModelApplied whether the instance matches the scale set's current model
   * @param provisioningState the last operation's state
   * @param powerState its power state
   * @param health its application health
   * @param protectedFromUpgrade protected from scale-set actions, or read-only under a resource lock
   * @param healthCode Azure's health code when it is one the library does not know, else null
   * @param lock the strictest resource lock on the instance's VM
   */
  public Instance(String instanceId, Zone zone, int updateDomain, int faultDomain, ImageReference image,
      boolean latestModelApplied, ProvisioningState provisioningState, PowerState powerState, HealthState health,
      boolean protectedFromUpgrade, @Nullable String healthCode, ResourceLock lock) {
    this(instanceId, zone, updateDomain, faultDomain, image, latestModelApplied, provisioningState, powerState, health,
        protectedFromUpgrade, healthCode, lock, null);
  }

  /**
   * Creates an instance without a resource lock.
   *
   * @param instanceId the instance id
   * @param zone its availability zone
   * @param updateDomain its platform update domain
   * @param faultDomain its platform fault domain
   * @param image the image its OS disk runs, pinned
   * @param latestModelApplied whether the instance matches the scale set's current model
   * @param provisioningState the last operation's state
   * @param powerState its power state
   * @param health its application health
   * @param protectedFromUpgrade protected from scale-set actions
   * @param healthCode Azure's health code when it is one the library does not know, else null
   */
  public Instance(String instanceId, Zone zone, int updateDomain, int faultDomain, ImageReference image,
      boolean latestModelApplied, ProvisioningState provisioningState, PowerState powerState, HealthState health,
      boolean protectedFromUpgrade, @Nullable String healthCode) {
    this(instanceId, zone, updateDomain, faultDomain, image, latestModelApplied, provisioningState, powerState, health,
        protectedFromUpgrade, healthCode, ResourceLock.NONE, null);
  }

  /**
   * Creates an instance whose health is one of the known states (no raw health code).
   *
   * @param instanceId the instance id
   * @param zone its availability zone
   * @param updateDomain its platform update domain
   * @param faultDomain its platform fault domain
   * @param image the image its OS disk runs, pinned
   * @param latestModelApplied whether the instance matches the scale set's current model
   * @param provisioningState the last operation's state
   * @param powerState its power state
   * @param health its application health
   * @param protectedFromUpgrade protected from scale-set actions
   */
  public Instance(String instanceId, Zone zone, int updateDomain, int faultDomain, ImageReference image,
      boolean latestModelApplied, ProvisioningState provisioningState, PowerState powerState, HealthState health,
      boolean protectedFromUpgrade) {
    this(instanceId, zone, updateDomain, faultDomain, image, latestModelApplied, provisioningState, powerState, health,
        protectedFromUpgrade, null, ResourceLock.NONE, null);
  }

  /**
   * A running, healthy, up-to-date instance: the usual starting point in tests.
   *
   * @param instanceId the id
   * @param zone the zone
   * @param updateDomain the update domain
   * @param image the image it runs, pinned
   * @return the instance
   */
  public static Instance of(String instanceId, Zone zone, int updateDomain, ImageReference image) {
    return new Instance(instanceId, zone, updateDomain, updateDomain, image, true, ProvisioningState.SUCCEEDED,
        PowerState.RUNNING, HealthState.HEALTHY, false);
  }

  /** @return the exact version the instance runs */
  public ImageVersion imageVersion() {
    return image.version().orElseThrow();
  }

  /**
   * Says whether the instance runs a version.
   *
   * @param version the version
   * @return true if its OS disk runs exactly that version
   */
  public boolean runs(ImageVersion version) {
    return imageVersion().equals(version);
  }

  /**
   * Returns a copy with another health state (and no raw health code).
   *
   * @param newHealth the state
   * @return the copy
   */
  public Instance withHealth(HealthState newHealth) {
    return new Instance(instanceId, zone, updateDomain, faultDomain, image, latestModelApplied, provisioningState,
        powerState, newHealth, protectedFromUpgrade, null, lock, provisionedAt);
  }

  /**
   * Returns a copy running another image.
   *
   * @param newImage the image, pinned
   * @param newLatestModelApplied whether it now matches the model
   * @return the copy
   */
  public Instance withImage(ImageReference newImage, boolean newLatestModelApplied) {
    return new Instance(instanceId, zone, updateDomain, faultDomain, newImage, newLatestModelApplied,
        provisioningState, powerState, health, protectedFromUpgrade, healthCode, lock, provisionedAt);
  }

  /**
   * Returns a copy with another provisioning state.
   *
   * @param state the state
   * @return the copy
   */
  public Instance withProvisioningState(ProvisioningState state) {
    return new Instance(instanceId, zone, updateDomain, faultDomain, image, latestModelApplied, state, powerState,
        health, protectedFromUpgrade, healthCode, lock, provisionedAt);
  }

  /**
   * Returns a copy protected (or not) from scale-set actions.
   *
   * @param isProtected the flag
   * @return the copy
   * @throws dev.osupgrade.InvalidValueException when lifting the protection of an instance under a ReadOnly lock
   */
  public Instance withProtectedFromUpgrade(boolean isProtected) {
    return new Instance(instanceId, zone, updateDomain, faultDomain, image, latestModelApplied, provisioningState,
        powerState, health, isProtected, healthCode, lock, provisionedAt);
  }

  /**
   * Returns a copy under another resource lock; a {@link ResourceLock#READ_ONLY} lock also protects it from
   * upgrades, and lifting one leaves the protection as it is.
   *
   * @param newLock the lock ({@link ResourceLock#NONE} for none)
   * @return the copy
   */
  public Instance withLock(ResourceLock newLock) {
    Require.nonNull(newLock, "lock");
    return new Instance(instanceId, zone, updateDomain, faultDomain, image, latestModelApplied, provisioningState,
        powerState, health, protectedFromUpgrade || newLock.blocksUpdate(), healthCode, newLock, provisionedAt);
  }

  /**
   * Returns a copy with the time its last provisioning operation ended.
   *
   * @param at the time, or null when unknown
   * @return the copy
   */
  public Instance withProvisionedAt(@Nullable Instant at) {
    return new Instance(instanceId, zone, updateDomain, faultDomain, image, latestModelApplied, provisioningState,
        powerState, health, protectedFromUpgrade, healthCode, lock, at);
  }

  /** @return true when no resource lock forbids deleting the instance (max surge deletes the instances it replaces) */
  public boolean deletable() {
    return !lock.blocksDelete();
  }

  @Override
  public String toString() {
    return "Instance[" + instanceId + ", " + zone + ", UD " + updateDomain + ", FD " + faultDomain + ", "
        + imageVersion() + (latestModelApplied ? "" : " (not latest model)") + ", " + health
        + (healthCode == null ? "" : " (" + healthCode + ")")
        + (provisioningState == ProvisioningState.SUCCEEDED ? "" : ", " + provisioningState)
        + (powerState == PowerState.RUNNING ? "" : ", " + powerState)
        + (protectedFromUpgrade && !lock.blocksUpdate() ? ", protected" : "")
        + (lock == ResourceLock.NONE ? "" : ", lock " + lock.azureName()) + "]";
  }
}
