package dev.osupgrade.testkit;

import dev.osupgrade.fleet.HealthState;
import dev.osupgrade.fleet.PowerState;
import dev.osupgrade.fleet.ProvisioningState;
import dev.osupgrade.fleet.ResourceLock;
import dev.osupgrade.fleet.Zone;
import dev.osupgrade.image.ImageReference;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** One simulated instance's mutable state. */
final class SimInstance {
  final String id;
  final Zone zone;
  final int updateDomain;
  final int faultDomain;
  ImageReference image;
  ProvisioningState provisioning = ProvisioningState.SUCCEEDED;
  PowerState power = PowerState.RUNNING;
  /** The health the instance's own lifecycle gives it; overlays and flapping may hide it. */
  HealthState health = HealthState.HEALTHY;
  boolean protectedFromUpgrade;
  /** The strictest resource lock on the instance's VM (Flexible scale sets only). */
  ResourceLock lock = ResourceLock.NONE;
  /** Bumped by every operation so that timers of a superseded operation do nothing. */
  long generation;
  /** An upgrade or rollback is in progress. */
  boolean busy;
  /** When the last reimage or creation ended (the instance view's provisioning status time); null before one. */
  @Nullable Instant provisionedAt;
  /** How many times the OS disk was replaced (upgrades and rollbacks). */
  int reimages;
  /** The instance's history for the {@link FleetRecord}, two longs per entry (see {@link Recorder}). */
  long[] trail = Recorder.EMPTY;
  int trailLength;
  /** The recorder's index of the state the last entry left the instance in; -1 before the first. */
  int shownState = -1;
  /** The view of the instance the last listing or read showed, reused while nothing in it changes. */
  dev.osupgrade.fleet.@Nullable Instance shown;

  /** While set, health alternates Healthy / Unhealthy every {@link #flapPeriod} from {@link #flapSince}. */
  @Nullable Instant flapSince;
  @Nullable Duration flapPeriod;
  /**
   * Health imposed from outside (zone outage, platform maintenance); the newest active one wins. Empty (and shared)
   * until the first overlay: most instances never get one, and a fleet of 100,000 keeps no list for each.
   */
  private List<Overlay> overlays = List.of();
  /** Scripted faults taken by the next reimage. */
  @Nullable ImageBehavior nextBoot;
  boolean extensionFailureNext;
  boolean allocationFailureNext;

  SimInstance(String id, Zone zone, int updateDomain, int faultDomain, ImageReference image) {
    this.id = id;
    this.zone = zone;
    this.updateDomain = updateDomain;
    this.faultDomain = faultDomain;
    this.image = image;
  }

  /**
   * The health a health probe sees now.
   *
   * @param now the time
   * @return the newest active overlay's health, else the flapping phase, else the lifecycle's health
   */
  HealthState effectiveHealth(Instant now) {
    if (!overlays.isEmpty()) {
      return overlays.get(overlays.size() - 1).health;
    }
    if (flapSince != null && flapPeriod != null && health == HealthState.HEALTHY) {
      long half = Duration.between(flapSince, now).dividedBy(flapPeriod);
      return half % 2 == 0 ? HealthState.HEALTHY : HealthState.UNHEALTHY;
    }
    return health;
  }

  /** Starts an overlay: the newest one wins. */
  void addOverlay(Overlay overlay) {
    if (overlays.isEmpty()) {
      overlays = new ArrayList<>(2);
    }
    overlays.add(overlay);
  }

  /** Ends an overlay. */
  void removeOverlay(Overlay overlay) {
    if (!overlays.isEmpty()) {
      overlays.remove(overlay);
    }
  }

  /** @return true when upgrades leave the instance alone: protected from scale-set actions, or under a ReadOnly lock */
  boolean leftAloneByUpgrades() {
    return protectedFromUpgrade || lock.blocksUpdate();
  }

  void stopFlapping() {
    flapSince = null;
    flapPeriod = null;
  }

  /** A health imposed on the instance for a while. */
  static final class Overlay {
    final HealthState health;
    final String why;

    Overlay(HealthState health, String why) {
      this.health = health;
      this.why = why;
    }
  }
}
