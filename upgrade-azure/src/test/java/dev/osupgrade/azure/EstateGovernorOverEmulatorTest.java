package dev.osupgrade.azure;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import dev.osupgrade.azure.emulator.ArmEmulator;
import dev.osupgrade.estate.DesiredState;
import dev.osupgrade.estate.EstateGovernor;
import dev.osupgrade.estate.GovernorDecision;
import dev.osupgrade.estate.ImageFamily;
import dev.osupgrade.estate.Selector;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.governance.ImageTrustPolicy;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.image.ImageRelease;
import dev.osupgrade.image.ImageVersion;
import dev.osupgrade.port.DiscoveryScope;
import dev.osupgrade.port.RolloutStore;
import dev.osupgrade.testkit.InstanceChange;
import dev.osupgrade.testkit.PortCall;
import dev.osupgrade.testkit.ScaleSetSpec;
import dev.osupgrade.testkit.SimulatedFleet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

// The estate governor over the Azure adapter, against the ARM emulator: it discovers the scale sets through ARM's
// List, finds the release through the image catalog's requests, and promotes it ring by ring — checked against the
// simulator behind the emulator (every instance on the release, each upgraded once, the canary before the rest) and
// the requests ARM received.
final class EstateGovernorOverEmulatorTest {
  private static final ArmEmulator EMULATOR = ArmEmulator.create();
  @RegisterExtension static final WireMockExtension ARM = EMULATOR.extension();

  private static final ImageReference.Marketplace UBUNTU =
      ImageReference.marketplace("Canonical", "0001-com-ubuntu-server-jammy", "22_04-lts-gen2", "latest");
  private static final ImageVersion V1 = ImageVersion.parse("22.04.202407010");
  private static final ImageVersion V2 = ImageVersion.parse("22.04.202410010");

  @Test
  void governor_overArm_discoversAndPromotesTheReleaseRingByRing() {
    SimulatedFleet world = SimulatedFleet.create(61);
    List<ScaleSetId> ids = new ArrayList<>();
    ids.add(world.add(ScaleSetSpec.named("canary").resourceGroup("shop").instances(2).image(UBUNTU.withVersion(V1))
        .tag("ring", "canary")));
    ids.add(world.add(ScaleSetSpec.named("web").resourceGroup("shop").instances(2).image(UBUNTU.withVersion(V1))));
    ids.add(world.add(ScaleSetSpec.named("api").resourceGroup("shop").instances(2).image(UBUNTU.withVersion(V1))));
    world.publish(ImageRelease.marketplace(UBUNTU.withVersion(V1), world.clock().instant().minus(Duration.ofDays(30))));
    AzureFleet azure = EMULATOR.connect(ARM, world);
    DesiredState desired = DesiredState.builder()
        .scope(DiscoveryScope.resourceGroup(ids.get(0).subscriptionId(), "shop"))
        .family(ImageFamily.of("ubuntu", UBUNTU))
        .ring("canary", Duration.ofHours(1), Selector.tag("ring", "canary"))
        .ring("rest", Duration.ofHours(1), Selector.all())
        .trust(ImageTrustPolicy.trustingPublishers("Canonical")).build();
    List<GovernorDecision> log = new ArrayList<>();
    EstateGovernor governor = EstateGovernor.builder(desired, azure).clock(world.clock())
        .store(RolloutStore.inMemory()).ringPoll(Duration.ofMinutes(15)).listener(log::add).build();
    drive(governor, world, world.clock().instant().plus(Duration.ofHours(1)));
    world.publish(ImageRelease.marketplace(UBUNTU.withVersion(V2), world.clock().instant()));

    drive(governor, world, world.clock().instant().plus(Duration.ofHours(12)));

    for (ScaleSetId id : ids) {
      for (Instance i : world.peek(id).instances()) {
        assertThat(i.imageVersion()).as("%s/%s", id, i.instanceId()).isEqualTo(V2);
        assertThat(world.record(id).count(i.instanceId(), InstanceChange.Kind.UPGRADE_STARTED)).isEqualTo(1);
      }
    }
    Instant canaryLast = world.record(ids.get(0)).calls("upgradeInstances").stream().map(PortCall::at)
        .max(Instant::compareTo).orElseThrow();
    for (ScaleSetId id : ids.subList(1, 3)) {
      assertThat(world.record(id).calls("upgradeInstances")).as("%s after the canary's soak", id)
          .allSatisfy(c -> assertThat(c.at()).isAfterOrEqualTo(canaryLast.plus(Duration.ofHours(1))));
    }
    String list = "/resourceGroups/shop/providers/Microsoft.Compute/virtualMachineScaleSets";
    assertThat(ARM.getAllServeEvents()).as("discovered through ARM's List of the resource group")
        .anyMatch(e -> e.getRequest().getMethod().getName().equals("GET")
            && e.getRequest().getUrl().replaceAll("\\?.*", "").endsWith(list));
    assertThat(log).extracting(GovernorDecision::kind).contains(GovernorDecision.Kind.DISCOVERED,
        GovernorDecision.Kind.CAMPAIGN_STARTED, GovernorDecision.Kind.CAMPAIGN_COMPLETED);
    assertThat(governor.report().families().get(0).campaignStatus()).isEqualTo("COMPLETED");
  }

  private static void drive(EstateGovernor governor, SimulatedFleet world, Instant until) {
    while (world.clock().instant().isBefore(until)) {
      Instant next = governor.advance().orElseThrow();
      world.clock().advanceTo(next.isAfter(until) ? until : next);
    }
  }
}
