package dev.osupgrade.testkit;

import dev.osupgrade.Region;
import dev.osupgrade.Require;
import dev.osupgrade.fleet.HealthMonitoring;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.policy.AutomaticOsUpgradePolicy;
import dev.osupgrade.policy.RollingUpgradePolicy;
import dev.osupgrade.policy.UpgradeMode;
import dev.osupgrade.policy.UpgradePolicy;
import org.jspecify.annotations.Nullable;

/**
 * Describes a scale set to create in a {@link SimulatedFleet}. Instances get ids {@code "0"} to {@code "n-1"};
 * in a zonal set instance {@code k} goes to zone {@code k % zones + 1}; within its zone (or the region) the
 * {@code j}-th instance gets update domain {@code j % updateDomains} and fault domain {@code j % faultDomains}.
 *
 * <p>Defaults: resource group {@code rg}, region {@code westeurope}, regional, 5 update and 5 fault domains, upgrade
 * mode Manual, no rolling policy, automatic OS upgrade off, Application Health extension. Not thread-safe.
 */
public final class ScaleSetSpec {
  final String name;
  String resourceGroup = "rg";
  Region region = Region.of("westeurope");
  int instances = 10;
  int zones;
  int updateDomains = 5;
  int faultDomains = 5;
  @Nullable ImageReference image;
  UpgradePolicy upgradePolicy = UpgradePolicy.manual();
  HealthMonitoring healthMonitoring = HealthMonitoring.extension();
  final java.util.Map<String, String> tags = new java.util.TreeMap<>();

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
    return this;
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

  @Override
  public String toString() {
    return "ScaleSetSpec[" + resourceGroup + "/" + name + ", " + region + ", " + instances + " instances, "
        + (zones == 0 ? "regional" : zones + " zones") + ", " + image + "]";
  }
}
