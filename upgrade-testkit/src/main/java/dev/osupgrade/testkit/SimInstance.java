package dev.osupgrade.testkit;

import dev.osupgrade.fleet.HealthState;
import dev.osupgrade.fleet.PowerState;
import dev.osupgrade.fleet.ProvisioningState;
import dev.osupgrade.fleet.Zone;
import dev.osupgrade.image.ImageReference;

/** One simulated instance's mutable state. */
final class SimInstance {
  final String id;
  final Zone zone;
  final int updateDomain;
  final int faultDomain;
  ImageReference image;
  ProvisioningState provisioning = ProvisioningState.SUCCEEDED;
  PowerState power = PowerState.RUNNING;
  HealthState health = HealthState.HEALTHY;
  boolean protectedFromUpgrade;
  /** Bumped by every operation so that timers of a superseded operation do nothing. */
  long generation;
  /** An upgrade or rollback is in progress. */
  boolean busy;
  /** How many times the OS disk was replaced (upgrades and rollbacks). */
  int reimages;

  SimInstance(String id, Zone zone, int updateDomain, int faultDomain, ImageReference image) {
    this.id = id;
    this.zone = zone;
    this.updateDomain = updateDomain;
    this.faultDomain = faultDomain;
    this.image = image;
  }
}
