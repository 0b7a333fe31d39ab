package dev.osupgrade.testkit;

import dev.osupgrade.Region;
import dev.osupgrade.fleet.HealthMonitoring;
import dev.osupgrade.fleet.InstanceIds;
import dev.osupgrade.fleet.OrchestrationMode;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.fleet.Zone;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.policy.UpgradePolicy;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.SortedMap;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/** One simulated scale set's mutable state. */
final class SimScaleSet {
  final ScaleSetId id;
  final OrchestrationMode orchestration;
  final Region region;
  final List<Zone> zones;
  final int updateDomains;
  final int faultDomains;
  UpgradePolicy upgradePolicy;
  ImageReference modelImage;
  HealthMonitoring healthMonitoring;
  long etag = 1;
  /** The scale set's Azure tags. */
  final java.util.Map<String, String> tags = new java.util.TreeMap<>();
  /** The id the next created instance gets (Uniform): Azure never reuses instance ids. */
  int nextInstanceId;
  /** Draws the suffixes of Flexible VM names: seeded by the fleet's seed and the scale set's name. */
  final SplittableRandom names;
  /**
   * When the model followed {@code latest} (Flexible's {@code latestModelApplied} depends on it): keys are twice the
   * record's sequence when the model changed, plus one (a change lands after the call that made it arrived).
   */
  final java.util.TreeMap<Long, Boolean> followsLatest = new java.util.TreeMap<>();
  /** Every instance id the scale set ever had, in order of creation. */
  final List<String> created = new ArrayList<>();
  private final Set<String> used = new HashSet<>();
  /** The most instances the scale set may have (core quota, in instances). */
  int quota = Capacity.DEFAULT_QUOTA;
  /** Scripted: how many of the next scale-outs fail with {@code AllocationFailed}. */
  int scaleOutFailures;
  final SortedMap<String, SimInstance> instances = new TreeMap<>(InstanceIds.ORDER);
  /** Deleted instances, kept for the record (Azure never reuses an instance id). */
  final SortedMap<String, SimInstance> deleted = new TreeMap<>(InstanceIds.ORDER);
  /** A what-if replay's scripts ({@link WhatIf}); null in every other fleet. */
  @Nullable Replay replay;
  /** The port calls that named this scale set, in order (see {@link FleetRecord#calls()}). */
  final List<PortCall> calls = new ArrayList<>();

  SimScaleSet(ScaleSetId id, OrchestrationMode orchestration, long seed, Region region, List<Zone> zones,
      int updateDomains, int faultDomains, UpgradePolicy upgradePolicy, ImageReference modelImage,
      HealthMonitoring healthMonitoring) {
    this.id = id;
    this.orchestration = orchestration;
    this.names = new SplittableRandom(seed ^ ((long) id.name().hashCode() << 16));
    this.region = region;
    this.zones = List.copyOf(zones);
    this.updateDomains = updateDomains;
    this.faultDomains = faultDomains;
    this.upgradePolicy = upgradePolicy;
    this.modelImage = modelImage;
    this.followsLatest.put(0L, modelImage.isLatest());
    this.healthMonitoring = healthMonitoring;
  }

  /**
   * The id of the next instance to create: the next decimal id (Uniform), or a VM name {@code {name}_{8 hex digits}}
   * never used before (Flexible, as Azure names the VMs a Flexible scale set creates).
   */
  String newInstanceId() {
    String next;
    if (orchestration == OrchestrationMode.FLEXIBLE) {
      do {
        next = id.name() + "_" + String.format(Locale.ROOT, "%08x", names.nextInt());
      } while (used.contains(next));
    } else {
      next = String.valueOf(nextInstanceId++);
    }
    used.add(next);
    created.add(next);
    return next;
  }

  boolean flexible() {
    return orchestration == OrchestrationMode.FLEXIBLE;
  }

  /**
   * Whether an instance running {@code image} shows {@code latestModelApplied}: it runs the model's image as
   * {@code latest} resolves now; on a Flexible scale set whose model follows {@code latest}, it runs the same image
   * (a Flexible VM reports no {@code latestModelApplied}; the library reads it from the VM's image reference, which
   * then says {@code latest} as the model does).
   *
   * @param image what the instance runs
   * @param resolvedModel the model's image, {@code latest} resolved
   * @param modelFollowsLatest whether the model said {@code latest}
   */
  boolean onModel(ImageReference image, ImageReference resolvedModel, boolean modelFollowsLatest) {
    return flexible() && modelFollowsLatest ? image.sameImageAs(resolvedModel) : image.equals(resolvedModel);
  }

  String etagText() {
    return "\"" + etag + "\"";
  }

  boolean automaticOsUpgrade() {
    return upgradePolicy.automaticOsUpgrade().enableAutomaticOSUpgrade();
  }
}
