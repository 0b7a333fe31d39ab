package dev.osupgrade.testkit;

import dev.osupgrade.Require;
import dev.osupgrade.fleet.HealthState;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.image.ImageVersion;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * A scale set's scripted behaviour for a what-if replay ({@link WhatIf}): each instance's reimages take the time and
 * end in the health the observed rollout showed, instead of the profile's draws and the image's behaviour.
 */
final class Replay {
  /** The version the observed rollout brought: reimages to it follow the upgrade scripts. */
  final ImageVersion target;
  /** Per instance: its observed upgrade to the target. */
  final Map<String, Reimage> upgrades = new HashMap<>();
  /** Per instance: its observed reimage back to an earlier image. */
  final Map<String, Reimage> rollbacks = new HashMap<>();
  /** What an instance the observed rollout never upgraded does when a replay upgrades it (null: the simulator's default). */
  @Nullable Reimage assumedUpgrade;
  /** What a rollback of an instance never rolled back in the observed rollout takes. */
  @Nullable Reimage assumedRollback;
  /** The instances a replay upgraded with {@link #assumedUpgrade}. */
  final Set<String> assumed = new TreeSet<>();

  Replay(ImageVersion target) {
    this.target = target;
  }

  /** @return the same scripts, with no instance assumed yet: each replay starts from one */
  Replay copy() {
    Replay r = new Replay(target);
    r.upgrades.putAll(upgrades);
    r.rollbacks.putAll(rollbacks);
    r.assumedUpgrade = assumedUpgrade;
    r.assumedRollback = assumedRollback;
    return r;
  }

  /**
   * The script of a reimage that is starting, if any.
   *
   * @param instanceId the instance
   * @param image the image the reimage puts on the disk
   * @return the script, or null to behave as the simulator does by default
   */
  @Nullable Reimage scriptFor(String instanceId, ImageReference image) {
    if (image.version().map(target::equals).orElse(false)) {
      Reimage own = upgrades.get(instanceId);
      if (own != null) {
        return own;
      }
      if (assumedUpgrade != null) {
        assumed.add(instanceId);
      }
      return assumedUpgrade;
    }
    Reimage own = rollbacks.get(instanceId);
    return own != null ? own : assumedRollback;
  }

  /**
   * One observed reimage.
   *
   * @param took from its start to the new image on the disk (or to its failure)
   * @param fails it did not put the image on the disk (an allocation failure): the instance stays on its image,
   *     deallocated, provisioning state Failed
   * @param provisioningFailed the image went on the disk but an extension failed to provision
   * @param health the health a probe saw after the image went on, as (time after that, health) in time order; null
   *     to follow the image's behaviour
   */
  record Reimage(Duration took, boolean fails, boolean provisioningFailed, @Nullable List<HealthAt> health) {
    Reimage {
      Require.nonNegative("took", took, Duration.ofDays(30));
      health = health == null ? null : List.copyOf(health);
    }

    /** @return true when the instance ended healthy on the new image */
    boolean endsHealthy() {
      return !fails && !provisioningFailed && health != null && !health.isEmpty()
          && health.get(health.size() - 1).health() == HealthState.HEALTHY;
    }

    /** @return from the start of the reimage to its last observed health */
    Duration settled() {
      return health == null || health.isEmpty() ? took : took.plus(health.get(health.size() - 1).after());
    }
  }

  /**
   * A health seen some time after the image went on.
   *
   * @param after the time since the image went on
   * @param health the health
   */
  record HealthAt(Duration after, HealthState health) {}
}
