package dev.osupgrade.testkit;

import dev.osupgrade.Region;
import dev.osupgrade.fleet.HealthMonitoring;
import dev.osupgrade.fleet.InstanceIds;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.fleet.Zone;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.policy.UpgradePolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/** One simulated scale set's mutable state. */
final class SimScaleSet {
  final ScaleSetId id;
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
  /** The id the next created instance gets: Azure never reuses instance ids. */
  int nextInstanceId;
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

  SimScaleSet(ScaleSetId id, Region region, List<Zone> zones, int updateDomains, int faultDomains,
      UpgradePolicy upgradePolicy, ImageReference modelImage, HealthMonitoring healthMonitoring) {
    this.id = id;
    this.region = region;
    this.zones = List.copyOf(zones);
    this.updateDomains = updateDomains;
    this.faultDomains = faultDomains;
    this.upgradePolicy = upgradePolicy;
    this.modelImage = modelImage;
    this.healthMonitoring = healthMonitoring;
  }

  String etagText() {
    return "\"" + etag + "\"";
  }

  boolean automaticOsUpgrade() {
    return upgradePolicy.automaticOsUpgrade().enableAutomaticOSUpgrade();
  }
}
