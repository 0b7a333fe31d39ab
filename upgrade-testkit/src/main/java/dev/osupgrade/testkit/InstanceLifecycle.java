package dev.osupgrade.testkit;

import dev.osupgrade.Durations;
import dev.osupgrade.fleet.HealthState;
import dev.osupgrade.fleet.PowerState;
import dev.osupgrade.fleet.ProvisioningState;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.image.ImageVersion;
import dev.osupgrade.fleet.InstanceIds;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What happens to one instance over time: an upgrade, rollback or creation takes {@link SimulationProfile} time, then
 * the instance boots and its health extension settles as the image's {@link ImageBehavior} (or a scripted fault)
 * says; outages and maintenance lay a health over it for a while.
 */
final class InstanceLifecycle {
  private final FleetContext ctx;
  /** Seeded: the chance that any reimage ends with an extension provisioning failure. */
  double extensionFailureRate;

  InstanceLifecycle(FleetContext ctx) {
    this.ctx = ctx;
  }

  /** Replaces the OS disk with {@code image} (an upgrade or a rollback). */
  void reimage(SimScaleSet s, SimInstance i, ImageReference image, String why) {
    start(s, i, image, why, ProvisioningState.UPDATING, true);
  }

  /** Brings a new instance (already holding its image) through creation, boot and health. */
  void create(SimScaleSet s, SimInstance i) {
    start(s, i, i.image, "creation", ProvisioningState.CREATING, false);
  }

  private void start(SimScaleSet s, SimInstance i, ImageReference image, String why, ProvisioningState during,
      boolean replacesDisk) {
    long generation = ++i.generation;
    i.busy = true;
    i.provisioning = during;
    i.power = PowerState.STARTING;
    i.health = HealthState.INITIALIZING;
    i.stopFlapping();
    if (replacesDisk) {
      ctx.recorder.reimageStarted(i, image, why.contains("rollback"));
    } else {
      ctx.recorder.changed(i);
    }
    Duration drawn = ctx.draw(ctx.profile.upgradeMin(), ctx.profile.upgradeMax());
    Duration boot = ctx.draw(ctx.profile.bootMin(), ctx.profile.bootMax());
    Duration settle = ctx.draw(ctx.profile.settleMin(), ctx.profile.settleMax());
    // A what-if replay plays back what this instance did in the observed rollout.
    Replay.Reimage script = s.replay == null ? null : s.replay.scriptFor(i.id, image);
    Duration upgrade = script != null ? script.took() : drawn;
    // Scripted faults are taken by the operation that starts now.
    boolean allocationFailure = i.allocationFailureNext || (script != null && script.fails());
    boolean extensionFailure = i.extensionFailureNext || (script != null && script.provisioningFailed())
        || (extensionFailureRate > 0 && ctx.faults.nextDouble() < extensionFailureRate);
    ImageBehavior override = i.nextBoot;
    i.allocationFailureNext = false;
    i.extensionFailureNext = false;
    i.nextBoot = null;
    String id = i.id;
    ctx.recordLater(s.id, () -> "instance " + id + " " + why + " to " + FleetContext.versionOf(image) + " started");
    ctx.clock.schedule(upgrade, () -> {
      if (i.generation != generation) {
        return;
      }
      i.busy = false;
      if (allocationFailure) {
        i.provisioning = ProvisioningState.FAILED;
        i.power = PowerState.DEALLOCATED;
        i.health = HealthState.UNKNOWN;
        ctx.recorder.changed(i);
        ctx.record(s.id, "instance " + i.id + " " + why + " to " + FleetContext.versionOf(image)
            + " FAILED: AllocationFailed (fault); still on " + FleetContext.versionOf(i.image)
            + ", deallocated, provisioning state Failed");
        return;
      }
      i.image = image;
      ctx.metrics.runs(s.id, i.id, FleetContext.versionOf(image), ctx.now());
      if (replacesDisk) {
        i.reimages++;
      }
      i.provisioning = ProvisioningState.SUCCEEDED;
      i.power = PowerState.RUNNING;
      ImageVersion version = FleetContext.versionOf(image);
      if (extensionFailure) {
        i.provisioning = ProvisioningState.FAILED;
        ctx.record(s.id, "instance " + i.id + " runs " + version + " but an extension failed to provision (fault):"
            + " provisioning state Failed");
      }
      i.provisionedAt = ctx.now();
      ctx.recorder.imageChanged(i);
      if (script != null && script.health() != null) {
        ctx.record(s.id, "instance " + i.id + " runs " + version + ", replaying its observed health "
            + script.health());
        for (Replay.HealthAt h : script.health()) {
          settleLater(s, i, generation, h.after(), h.health(), " (replayed)");
        }
        return;
      }
      ImageBehavior behavior = override != null ? override
          : ctx.behaviors.getOrDefault(version, ImageBehavior.healthy());
      ctx.recordLater(s.id, () -> "instance " + id + " runs " + version + ", booting"
          + (override != null ? " (scripted: " + override + ")" : ""));
      Duration settled = boot.plus(settle);
      if (behavior.kind() != ImageBehavior.Kind.BOOT_FAILURE) {
        ctx.metrics.booted(s.id, i.id, version, behavior.kind() == ImageBehavior.Kind.SLOW_INITIALIZING
            ? boot.plus(behavior.duration()) : settled, ctx.now().plus(settled));
      }
      switch (behavior.kind()) {
        case BOOT_FAILURE -> {
          i.health = HealthState.UNKNOWN;
          ctx.recorder.changed(i);
          ctx.record(s.id, "instance " + i.id + " does not boot " + version + ": health Unknown");
        }
        case UNHEALTHY -> settleLater(s, i, generation, settled, HealthState.UNHEALTHY, "");
        case SLOW_INITIALIZING -> settleLater(s, i, generation, boot.plus(behavior.duration()),
            HealthState.HEALTHY, "");
        case HEALTHY -> settleLater(s, i, generation, settled, HealthState.HEALTHY, "");
        case RECOVERS_LATE -> {
          settleLater(s, i, generation, settled, HealthState.UNHEALTHY, " (recovers after "
              + Durations.words(behavior.duration()) + ")");
          settleLater(s, i, generation, settled.plus(behavior.duration()), HealthState.HEALTHY, " (recovered)");
        }
        case FLAPPING -> ctx.clock.schedule(settled, () -> {
          if (i.generation == generation) {
            i.health = HealthState.HEALTHY;
            i.flapSince = ctx.now();
            i.flapPeriod = behavior.duration();
            ctx.recorder.changed(i);
            ctx.record(s.id, "instance " + i.id + " health Healthy, flapping every "
                + Durations.words(behavior.duration()));
          }
        });
      }
    });
  }

  private void settleLater(SimScaleSet s, SimInstance i, long generation, Duration after, HealthState health,
      String note) {
    ctx.clock.schedule(after, () -> {
      if (i.generation == generation) {
        i.health = health;
        ctx.recorder.changed(i);
        String id = i.id;
        ctx.recordLater(s.id, () -> "instance " + id + " health " + health + note);
      }
    });
  }

  /**
   * Lays a health over instances from {@code after} for {@code duration}.
   *
   * @param targets the instances, or null to draw {@code randomCount} of them (seeded) when it starts
   */
  void overlay(SimScaleSet s, @Nullable List<String> targets, int randomCount, HealthState health, Duration after,
      Duration duration, String why) {
    ctx.clock.schedule(after, () -> {
      List<String> ids = targets != null ? targets : pick(s, randomCount);
      SimInstance.Overlay overlay = new SimInstance.Overlay(health, why);
      List<SimInstance> hit = ids.stream().map(s.instances::get).filter(Objects::nonNull).toList();
      hit.forEach(i -> {
        i.addOverlay(overlay);
        ctx.recorder.changed(i);
      });
      ctx.record(s.id, "fault: " + why + " begins: instances " + hit.stream().map(i -> i.id).toList() + " "
          + health + " for " + Durations.words(duration));
      ctx.clock.schedule(duration, () -> {
        hit.forEach(i -> {
          i.removeOverlay(overlay);
          if (s.instances.get(i.id) == i) {
            ctx.recorder.changed(i); // a deleted instance's history ends with its deletion
          }
        });
        ctx.record(s.id, "fault: " + why + " ends: instances " + hit.stream().map(i -> i.id).toList()
            + " report their own health again");
      });
    });
  }

  private List<String> pick(SimScaleSet s, int count) {
    List<String> pool = new ArrayList<>(s.instances.keySet());
    List<String> chosen = new ArrayList<>();
    while (chosen.size() < count && !pool.isEmpty()) {
      chosen.add(pool.remove(ctx.faults.nextInt(pool.size())));
    }
    return InstanceIds.sorted(chosen);
  }
}
