package dev.osupgrade;

import dev.osupgrade.Region;
import dev.osupgrade.fleet.HealthMonitoring;
import dev.osupgrade.fleet.HealthState;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.OrchestrationMode;
import dev.osupgrade.fleet.ProvisioningState;
import dev.osupgrade.fleet.ScaleSet;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.fleet.Zone;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.image.ImageVersion;
import dev.osupgrade.policy.UpgradePolicy;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.UnaryOperator;

// Hand-built fleet snapshots for core unit tests (core cannot use the testkit: Maven would see a cycle).
public final class Fleets {
  public static final ImageVersion OLD = ImageVersion.parse("22.04.202401010");
  public static final ImageVersion NEW = ImageVersion.parse("22.04.202407010");
  public static final ImageReference.Marketplace UBUNTU =
      new ImageReference.Marketplace("Canonical", "0001-com-ubuntu-server-jammy", "22_04-lts-gen2", null);
  public static final ImageReference OLD_IMAGE = UBUNTU.withVersion(OLD);
  public static final ImageReference NEW_IMAGE = UBUNTU.withVersion(NEW);
  public static final ScaleSetId ID = ScaleSetId.of("rg", "web");
  public static final Region REGION = Region.of("westeurope");
  public static final Instant T0 = Instant.parse("2026-01-05T00:00:00Z");

  private Fleets() {}

  // A healthy, running instance on OLD_IMAGE; fault domain = update domain.
  public static Instance instance(String id, Zone zone, int updateDomain) {
    return Instance.of(id, zone, updateDomain, OLD_IMAGE);
  }

  // Instances "0".."count-1", regional, update domain i % updateDomains.
  public static List<Instance> regional(int count, int updateDomains) {
    List<Instance> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      out.add(instance(String.valueOf(i), Zone.REGIONAL, i % updateDomains));
    }
    return out;
  }

  // A Manual-mode scale set on OLD_IMAGE (no rolling policy: Azure's defaults apply), with the health extension.
  public static ScaleSet scaleSet(List<Instance> instances) {
    Set<Zone> zones = new TreeSet<>();
    for (Instance i : instances) {
      if (!i.zone().isRegional()) {
        zones.add(i.zone());
      }
    }
    return new ScaleSet(ID, REGION, new ArrayList<>(zones), OrchestrationMode.UNIFORM, UpgradePolicy.manual(),
        OLD_IMAGE, HealthMonitoring.extension(), null, instances);
  }

  // count regional instances spread over five update domains.
  public static ScaleSet scaleSet(int count) {
    return scaleSet(regional(count, 5));
  }

  // Applies a change to the named instances only.
  public static ScaleSet change(ScaleSet fleet, UnaryOperator<Instance> change, String... ids) {
    Set<String> wanted = Set.of(ids);
    List<Instance> out = new ArrayList<>();
    for (Instance i : fleet.instances()) {
      out.add(wanted.contains(i.instanceId()) ? change.apply(i) : i);
    }
    return fleet.withInstances(out);
  }

  public static ScaleSet withHealth(ScaleSet fleet, HealthState health, String... ids) {
    return change(fleet, i -> i.withHealth(health), ids);
  }

  // The named instances run NEW_IMAGE (provisioning Succeeded) and report the given health.
  public static ScaleSet upgraded(ScaleSet fleet, HealthState health, String... ids) {
    return change(fleet, i -> i.withImage(NEW_IMAGE, true).withProvisioningState(ProvisioningState.SUCCEEDED)
        .withHealth(health), ids);
  }

  // The named instances are being upgraded: still on their old image, provisioning Updating.
  public static ScaleSet updating(ScaleSet fleet, String... ids) {
    return change(fleet, i -> i.withProvisioningState(ProvisioningState.UPDATING), ids);
  }
}
