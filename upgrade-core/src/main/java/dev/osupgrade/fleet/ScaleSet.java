package dev.osupgrade.fleet;

import dev.osupgrade.Region;
import dev.osupgrade.Require;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.policy.UpgradePolicy;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * A snapshot of one virtual machine scale set: its model (image, upgrade policy, health source) and its instances.
 *
 * @param id the scale set's id
 * @param region its region
 * @param zones the zones it spans; empty for a regional scale set
 * @param orchestrationMode Uniform or Flexible
 * @param upgradePolicy mode, rolling policy and automatic OS upgrade policy
 * @param modelImage the image the model points at ({@code latest} or pinned)
 * @param healthMonitoring where the health signal comes from
 * @param etag the model's entity tag for optimistic concurrency, or null if unknown
 * @param instances the instances, in instance-id order
 * @param tags the scale set's Azure tags (for example {@code environment=production}, an owner, a ring)
 */
public record ScaleSet(
    ScaleSetId id,
    Region region,
    List<Zone> zones,
    OrchestrationMode orchestrationMode,
    UpgradePolicy upgradePolicy,
    ImageReference modelImage,
    HealthMonitoring healthMonitoring,
    @Nullable String etag,
    List<Instance> instances,
    Map<String, String> tags) {

  /** Validates the fields and copies the lists. */
  public ScaleSet {
    Require.nonNull(id, "id");
    Require.nonNull(region, "region");
    zones = List.copyOf(Require.noNulls("zones", zones));
    Require.nonNull(orchestrationMode, "orchestrationMode");
    Require.nonNull(upgradePolicy, "upgradePolicy");
    Require.nonNull(modelImage, "modelImage");
    Require.nonNull(healthMonitoring, "healthMonitoring");
    // the instances are copied once, into the index (a list of them that also finds one by id)
    IndexedInstances indexed = instances instanceof IndexedInstances already ? already
        : IndexedInstances.of(Require.noNulls("instances", instances));
    tags = Collections.unmodifiableMap(new TreeMap<>(Require.noNulls("tags", tags)));
    if (indexed == null) {
      Set<String> seen = new HashSet<>();
      for (Instance i : instances) {
        Require.that(seen.add(i.instanceId()), "instances", "unique by instance id", i.instanceId());
      }
    }
    instances = indexed;
  }

  /**
   * A scale set without tags.
   *
   * @param id the scale set's id
   * @param region its region
   * @param zones the zones it spans
   * @param orchestrationMode Uniform or Flexible
   * @param upgradePolicy mode, rolling policy and automatic OS upgrade policy
   * @param modelImage the image the model points at
   * @param healthMonitoring where the health signal comes from
   * @param etag the model's entity tag, or null
   * @param instances the instances
   */
  public ScaleSet(ScaleSetId id, Region region, List<Zone> zones, OrchestrationMode orchestrationMode,
      UpgradePolicy upgradePolicy, ImageReference modelImage, HealthMonitoring healthMonitoring,
      @Nullable String etag, List<Instance> instances) {
    this(id, region, zones, orchestrationMode, upgradePolicy, modelImage, healthMonitoring, etag, instances,
        Map.of());
  }

  /**
   * Returns one tag's value.
   *
   * @param key the tag's name (Azure tag names compare case-insensitively)
   * @return its value, if the scale set has the tag
   */
  public Optional<String> tag(String key) {
    Require.nonNull(key, "key");
    return tags.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(key)).map(Map.Entry::getValue)
        .findFirst();
  }

  /** @return the number of instances */
  public int instanceCount() {
    return instances.size();
  }

  /**
   * Finds an instance.
   *
   * @param instanceId its id
   * @return the instance, if present
   */
  public Optional<Instance> instance(String instanceId) {
    if (instances instanceof IndexedInstances indexed) {
      return Optional.ofNullable(indexed.find(instanceId));
    }
    return instances.stream().filter(i -> i.instanceId().equals(instanceId)).findFirst();
  }

  /**
   * Says who an instance of this scale set is: its VM name and resource id, as its orchestration mode has them.
   *
   * @param instanceId the instance's id (Uniform) or VM name (Flexible)
   * @return the identity
   */
  public InstanceIdentity identity(String instanceId) {
    return InstanceIdentity.of(this, instanceId);
  }

  /** @return true for a Flexible scale set */
  public boolean isFlexible() {
    return orchestrationMode == OrchestrationMode.FLEXIBLE;
  }

  /** @return how many instances count as unhealthy (Unhealthy or Unknown) */
  public int unhealthyCount() {
    return (int) instances.stream().filter(i -> i.health().countsAsUnhealthy()).count();
  }

  /** @return true when the scale set spans availability zones */
  public boolean isZonal() {
    return !zones.isEmpty();
  }

  /**
   * Returns the same model with other instances.
   *
   * @param newInstances the instances
   * @return the copy
   */
  public ScaleSet withInstances(List<Instance> newInstances) {
    return new ScaleSet(id, region, zones, orchestrationMode, upgradePolicy, modelImage, healthMonitoring, etag,
        newInstances, tags);
  }

  /**
   * Returns a copy with another upgrade policy.
   *
   * @param policy the policy
   * @return the copy
   */
  public ScaleSet withUpgradePolicy(UpgradePolicy policy) {
    return new ScaleSet(id, region, zones, orchestrationMode, policy, modelImage, healthMonitoring, etag, instances,
        tags);
  }

  /**
   * Returns a copy whose model points at another image.
   *
   * @param image the image
   * @return the copy
   */
  public ScaleSet withModelImage(ImageReference image) {
    return new ScaleSet(id, region, zones, orchestrationMode, upgradePolicy, image, healthMonitoring, etag,
        instances, tags);
  }

  @Override
  public String toString() {
    List<String> parts = new ArrayList<>();
    parts.add(id.toString());
    parts.add(region.toString());
    parts.add(zones.isEmpty() ? "regional" : "zones " + zones.stream().map(Zone::name).toList());
    if (orchestrationMode == OrchestrationMode.FLEXIBLE) {
      parts.add("Flexible");
    }
    parts.add(instances.size() + " instances");
    parts.add("model " + modelImage);
    parts.add(upgradePolicy.mode().azureName());
    if (upgradePolicy.automaticOsUpgrade().enableAutomaticOSUpgrade()) {
      parts.add("automatic OS upgrade");
    }
    parts.add("health " + healthMonitoring);
    if (!tags.isEmpty()) {
      parts.add("tags " + tags);
    }
    return "ScaleSet[" + String.join(", ", parts) + "]";
  }
}
