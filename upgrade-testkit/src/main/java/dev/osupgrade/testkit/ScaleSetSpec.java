package dev.osupgrade.testkit;

import dev.osupgrade.Region;
import dev.osupgrade.Require;
import dev.osupgrade.fleet.HealthMonitoring;
import dev.osupgrade.fleet.OrchestrationMode;
import dev.osupgrade.fleet.HealthState;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.ScaleSet;
import dev.osupgrade.fleet.Zone;
import dev.osupgrade.governance.Environment;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.policy.AutomaticOsUpgradePolicy;
import dev.osupgrade.policy.RollingUpgradePolicy;
import dev.osupgrade.policy.UpgradeMode;
import dev.osupgrade.policy.UpgradePolicy;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Describes a scale set to create in a {@link SimulatedFleet}. Instances get ids {@code "0"} to {@code "n-1"};
 * in a zonal set instance {@code k} goes to zone {@code k % zones + 1}; within its zone (or the region) the
 * {@code j}-th instance gets update domain {@code j % updateDomains} and fault domain {@code j % faultDomains}.
 *
 * <p>A {@link #orchestration Flexible} scale set's instances are VMs named {@code {name}_{8 hex digits}} (seeded,
 * as Azure names the VMs a Flexible scale set creates; {@link SimulatedFleet#createdInstanceIds} lists them in order
 * of creation), all in update domain 0 (Flexible has no update domains), over 1 fault domain unless set: Azure's
 * default, max spreading. Azure allows 1 to 3 fault domains for a regional Flexible scale set and 1 for a zonal one.
 *
 * <p>Defaults: Uniform, resource group {@code rg}, region {@code westeurope}, regional, 5 update and 5 fault domains
 * (Flexible: 1 fault domain), upgrade mode Manual, no rolling policy, automatic OS upgrade off, Application Health
 * extension, and the tag
 * {@code environment=test}: a simulated scale set is not production unless its spec says so ({@link #environment} or
 * an environment tag of its own, {@link Environment#TAG_KEYS}), so rollouts on it need no readiness record or trust
 * decision. Not thread-safe.
 */
public final class ScaleSetSpec {
  final String name;
  String resourceGroup = "rg";
  Region region = Region.of("westeurope");
  int instances = 10;
  int zones;
  int updateDomains = 5;
  int faultDomains = 5;
  boolean faultDomainsSet;
  OrchestrationMode orchestration = OrchestrationMode.UNIFORM;
  @Nullable ImageReference image;
  UpgradePolicy upgradePolicy = UpgradePolicy.manual();
  HealthMonitoring healthMonitoring = HealthMonitoring.extension();
  final java.util.Map<String, String> tags = new java.util.TreeMap<>();
  /** Instances to create exactly as read ({@link #like}), instead of {@code instances} laid out by the rule. */
  java.util.@Nullable List<Instance> layout;
  java.util.List<Zone> zoneNames = java.util.List.of();

  private ScaleSetSpec(String name) {
    this.name = Require.nonBlank("name", name);
  }

  /**
   * Starts a spec.
   *
   * @param name the scale set's name
   * @return the spec
   */
  public static ScaleSetSpec named(String name) {
    return new ScaleSetSpec(name);
  }

  /**
   * A spec that recreates a scale set as the ports read it — a twin: the same id, orchestration mode, region, zones,
   * upgrade policy, health source and tags, and each instance with its own id (a Flexible VM's name), zone, update and
   * fault domain, image, health (Initializing counts as Healthy: it is settling), protection and resource lock. The model's image is the one it points at, or,
   * when it follows {@code latest}, the newest image an instance runs.
   *
   * @param read the scale set as read, with at least one instance when its model follows {@code latest}
   * @return the spec
   */
  public static ScaleSetSpec like(ScaleSet read) {
    Require.nonNull(read, "read");
    ImageReference model = read.modelImage().isLatest()
        ? read.instances().stream().map(Instance::image).max(java.util.Comparator.comparing(
            i -> i.version().orElseThrow())).orElseThrow(() -> new dev.osupgrade.InvalidValueException("read",
                "a scale set whose model is pinned, or with an instance to tell which version 'latest' is",
                read.id()))
        : read.modelImage();
    ScaleSetSpec spec = new ScaleSetSpec(read.id().name());
    spec.resourceGroup = read.id().resourceGroup();
    spec.orchestration = read.orchestrationMode();
    spec.region = read.region();
    spec.image = model;
    spec.upgradePolicy = read.upgradePolicy();
    spec.healthMonitoring = read.healthMonitoring();
    spec.tags.putAll(read.tags());
    spec.instances = 0;
    spec.layout = read.instances();
    // the domains new instances (a scale-out) are laid out over: as many as the read shows
    spec.updateDomains = Math.max(1, read.instances().stream().mapToInt(Instance::updateDomain).max().orElse(0) + 1);
    spec.faultDomains = Math.max(1, read.instances().stream().mapToInt(Instance::faultDomain).max().orElse(0) + 1);
    spec.faultDomainsSet = true;
    spec.zoneNames = read.zones();
    return spec;
  }

  /** Creates the instances of a {@link #like} spec in a new simulated scale set. */
  void layOut(SimScaleSet s) {
    java.util.List<Instance> read = layout == null ? java.util.List.of() : layout;
    int next = 0;
    for (Instance i : read) {
      SimInstance sim = new SimInstance(i.instanceId(), i.zone(), i.updateDomain(), i.faultDomain(), i.image());
      sim.health = i.health() == HealthState.INITIALIZING ? HealthState.HEALTHY : i.health();
      sim.protectedFromUpgrade = i.protectedFromUpgrade();
      sim.lock = i.lock();
      s.instances.put(i.instanceId(), sim);
      try {
        next = Math.max(next, Integer.parseInt(i.instanceId()) + 1);
      } catch (NumberFormatException notNumeric) {
        next = Math.max(next, read.size());
      }
    }
    s.nextInstanceId = next;
  }

  /**
   * Sets the resource group.
   *
   * @param value the group
   * @return this spec
   */
  public ScaleSetSpec resourceGroup(String value) {
    this.resourceGroup = Require.nonBlank("resourceGroup", value);
    return this;
  }

  /**
   * Sets the region.
   *
   * @param value e.g. {@code "westeurope"}
   * @return this spec
   */
  public ScaleSetSpec region(String value) {
    this.region = Region.of(value);
    return this;
  }

  /**
   * Sets the instance count.
   *
   * @param count in [0, 1000]
   * @return this spec
   */
  public ScaleSetSpec instances(int count) {
    this.instances = Require.inRange("instances", count, 0, 1000);
    return this;
  }

  /**
   * Spreads the instances over zones {@code 1..count}; 0 makes the set regional.
   *
   * @param count in [0, 3]
   * @return this spec
   */
  public ScaleSetSpec zones(int count) {
    this.zones = Require.inRange("zones", count, 0, 3);
    return this;
  }

  /**
   * Sets the number of update domains.
   *
   * @param count in [1, 20]
   * @return this spec
   */
  public ScaleSetSpec updateDomains(int count) {
    this.updateDomains = Require.inRange("updateDomains", count, 1, 20);
    return this;
  }

  /**
   * Sets the number of fault domains.
   *
   * @param count in [1, 5]
   * @return this spec
   */
  public ScaleSetSpec faultDomains(int count) {
    this.faultDomains = Require.inRange("faultDomains", count, 1, 5);
    this.faultDomainsSet = true;
    return this;
  }

  /**
   * Sets the orchestration mode (default Uniform). A Flexible scale set's name must leave room for its VM names
   * (at most 55 characters), and it takes 1 to 3 fault domains when regional, 1 when zonal (checked when the fleet
   * creates it).
   *
   * @param mode the mode
   * @return this spec
   */
  public ScaleSetSpec orchestration(OrchestrationMode mode) {
    this.orchestration = Require.nonNull(mode, "orchestration");
    return this;
  }

  /** @return the fault domains the scale set gets: as set, or 1 for a Flexible scale set (max spreading) */
  int effectiveFaultDomains() {
    return orchestration == OrchestrationMode.FLEXIBLE && !faultDomainsSet ? 1 : faultDomains;
  }

  /**
   * Sets the image every instance runs at the start, and the model's image.
   *
   * @param value the image, pinned to a version
   * @return this spec
   */
  public ScaleSetSpec image(ImageReference value) {
    Require.nonNull(value, "image");
    Require.that(!value.isLatest(), "image", "pinned to the version the instances run", value);
    this.image = value;
    return this;
  }

  /**
   * Sets the upgrade policy.
   *
   * @param value the policy
   * @return this spec
   */
  public ScaleSetSpec upgradePolicy(UpgradePolicy value) {
    this.upgradePolicy = Require.nonNull(value, "upgradePolicy");
    return this;
  }

  /**
   * Sets the upgrade mode.
   *
   * @param mode the mode
   * @return this spec
   */
  public ScaleSetSpec mode(UpgradeMode mode) {
    this.upgradePolicy = upgradePolicy.withMode(Require.nonNull(mode, "mode"));
    return this;
  }

  /**
   * Sets the rolling upgrade policy.
   *
   * @param value the policy
   * @return this spec
   */
  public ScaleSetSpec rollingPolicy(RollingUpgradePolicy value) {
    this.upgradePolicy = upgradePolicy.withRolling(Require.nonNull(value, "rollingPolicy"));
    return this;
  }

  /**
   * Sets the automatic OS upgrade policy.
   *
   * @param value the policy
   * @return this spec
   */
  public ScaleSetSpec automaticOsUpgrade(AutomaticOsUpgradePolicy value) {
    this.upgradePolicy = upgradePolicy.withAutomaticOsUpgrade(Require.nonNull(value, "automaticOsUpgrade"));
    return this;
  }

  /**
   * Sets where health comes from.
   *
   * @param value the health source
   * @return this spec
   */
  public ScaleSetSpec healthMonitoring(HealthMonitoring value) {
    this.healthMonitoring = Require.nonNull(value, "healthMonitoring");
    return this;
  }

  /**
   * Marks the environment the scale set serves with an {@code environment} tag (the first tag
   * {@link Environment#of} reads). {@link Environment#PRODUCTION} makes rollouts on it governed: they need a readiness
   * record and a trust decision, or an explicit opt-out. Without it (or an environment tag of its own) the scale set is
   * tagged {@code environment=test}.
   *
   * @param value the environment
   * @return this spec
   */
  public ScaleSetSpec environment(Environment value) {
    tags.put("environment", Require.nonNull(value, "environment").name().toLowerCase(Locale.ROOT));
    return this;
  }

  /**
   * Adds an Azure tag, e.g. {@code tag("environment", "production")}.
   *
   * @param key the tag's name
   * @param value its value
   * @return this spec
   */
  public ScaleSetSpec tag(String key, String value) {
    tags.put(Require.nonBlank("key", key), Require.nonNull(value, "value"));
    return this;
  }

  /** The tags the scale set is created with: the spec's own, and {@code environment=test} when none says otherwise. */
  java.util.Map<String, String> tagsWithEnvironment() {
    java.util.Map<String, String> all = new java.util.TreeMap<>(tags);
    boolean marked = tags.keySet().stream().anyMatch(k -> Environment.TAG_KEYS.stream()
        .anyMatch(key -> key.equalsIgnoreCase(k.strip())));
    if (!marked) {
      all.put("environment", "test");
    }
    return all;
  }

  @Override
  public String toString() {
    return "ScaleSetSpec[" + resourceGroup + "/" + name + ", " + region + ", "
        + (orchestration == OrchestrationMode.FLEXIBLE ? "Flexible, " : "") + (layout == null ? instances
        : layout.size()) + " instances" + (layout == null ? "" : " as read") + ", " + (layout != null
            ? (zoneNames.isEmpty() ? "regional" : "zones " + zoneNames) : zones == 0 ? "regional" : zones + " zones")
        + ", " + image + "]";
  }
}
