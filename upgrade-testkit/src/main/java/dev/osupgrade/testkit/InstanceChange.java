package dev.osupgrade.testkit;

import dev.osupgrade.Require;
import dev.osupgrade.fleet.HealthState;
import dev.osupgrade.fleet.PowerState;
import dev.osupgrade.fleet.ProvisioningState;
import dev.osupgrade.fleet.ResourceLock;
import dev.osupgrade.image.ImageReference;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * One change to one instance, as it really happened in a {@link SimulatedFleet}: an entry of
 * {@link FleetRecord#history}. Every entry carries the instance's whole state after the change, so the entries read
 * on their own.
 *
 * @param at when it happened, on the fleet's clock
 * @param kind what happened
 * @param image the image the instance's OS disk runs after the change (during a reimage: still the old one)
 * @param provisioning its provisioning state after the change
 * @param power its power state after the change
 * @param health the health a probe sees after the change (an outage or maintenance in force included)
 * @param protectedFromUpgrade whether upgrades leave it alone: protected from scale-set actions, or under a
 *     {@code ReadOnly} resource lock
 * @param lock the strictest resource lock on its VM (Flexible scale sets), {@link ResourceLock#NONE} if none
 * @param reimageTo for {@link Kind#UPGRADE_STARTED} and {@link Kind#ROLLBACK_STARTED}: the image being put on the
 *     disk; null for every other kind
 */
public record InstanceChange(Instant at, Kind kind, ImageReference image, ProvisioningState provisioning,
    PowerState power, HealthState health, boolean protectedFromUpgrade, ResourceLock lock,
    @Nullable ImageReference reimageTo) {

  /** What happened to the instance. */
  public enum Kind {
    /** It came into being: with the scale set, or by a scale-out (then still Creating). */
    CREATED,
    /** An upgrade began replacing its OS disk ({@link #reimageTo()} says with what). */
    UPGRADE_STARTED,
    /** A rollback began restoring its OS disk to an earlier image ({@link #reimageTo()} says which). */
    ROLLBACK_STARTED,
    /** A reimage or creation finished and the disk now runs {@link #image()}. */
    IMAGE_CHANGED,
    /** Its health, provisioning or power state, its protection or its resource lock, changed. */
    CHANGED,
    /** It was deleted. */
    DELETED
  }

  /** Validates the fields. */
  public InstanceChange {
    Require.nonNull(at, "at");
    Require.nonNull(kind, "kind");
    Require.nonNull(image, "image");
    Require.nonNull(provisioning, "provisioning");
    Require.nonNull(power, "power");
    Require.nonNull(health, "health");
    Require.nonNull(lock, "lock");
  }

  /** @return true for the start of an upgrade or a rollback: the OS disk is being replaced */
  public boolean isReimage() {
    return kind == Kind.UPGRADE_STARTED || kind == Kind.ROLLBACK_STARTED;
  }

  @Override
  public String toString() {
    return at + " " + kind + (reimageTo != null ? " to " + reimageTo.version().map(Object::toString).orElse("?") : "")
        + ": " + image.version().map(Object::toString).orElse("?") + ", " + provisioning + ", " + power + ", "
        + health + (protectedFromUpgrade && !lock.blocksUpdate() ? ", protected" : "")
        + (lock == ResourceLock.NONE ? "" : ", lock " + lock.azureName());
  }
}
