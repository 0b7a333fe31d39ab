package dev.osupgrade.testkit.estate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osupgrade.estate.DesiredState;
import dev.osupgrade.estate.EstateGovernor;
import dev.osupgrade.estate.ImageFamily;
import dev.osupgrade.estate.Selector;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.governance.ImageTrustPolicy;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.image.ImageVersion;
import dev.osupgrade.port.DiscoveryScope;
import dev.osupgrade.service.RolloutRunner;
import dev.osupgrade.testkit.ScaleSetSpec;
import dev.osupgrade.testkit.SimulatedFleet;
import dev.osupgrade.testkit.VirtualScheduler;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

final class GovernorSmokeTest {
  static final ImageReference UBUNTU =
      ImageReference.marketplace("Canonical", "0001-com-ubuntu-server-jammy", "22_04-lts-gen2", "latest");
  static final ImageVersion V1 = ImageVersion.parse("22.04.202409010");
  static final ImageVersion V2 = ImageVersion.parse("22.04.202410010");

  @Test
  void smoke() {
    SimulatedFleet fleet = SimulatedFleet.create(7);
    List<ScaleSetId> ids = List.of(
        fleet.add(ScaleSetSpec.named("canary").resourceGroup("shop").instances(3).image(UBUNTU.withVersion(V1))
            .tag("ring", "canary")),
        fleet.add(ScaleSetSpec.named("web-weu").resourceGroup("shop").instances(3).image(UBUNTU.withVersion(V1))),
        fleet.add(ScaleSetSpec.named("web-neu").resourceGroup("shop").region("northeurope").instances(3)
            .image(UBUNTU.withVersion(V1))),
        fleet.add(ScaleSetSpec.named("api-eus").resourceGroup("shop").region("eastus").instances(3)
            .image(UBUNTU.withVersion(V1))));
    DesiredState desired = DesiredState.builder().scope(DiscoveryScope.resourceGroup("shop"))
        .family(ImageFamily.of("ubuntu", UBUNTU))
        .ring("canary", Duration.ofHours(2), Selector.tag("ring", "canary"))
        .ring("early", Duration.ofHours(4), Selector.region("westeurope"))
        .ring("broad", Duration.ofHours(1), Selector.all())
        .trust(ImageTrustPolicy.trustingPublishers("Canonical")).build();
    System.out.println(desired.describe());
    EstateGovernor governor = EstateGovernor.builder(desired, fleet).clock(fleet.clock())
        .listener(System.out::println).build();
    RolloutRunner runner = RolloutRunner.builder().clock(fleet.clock()).scheduler(VirtualScheduler.on(fleet.clock()))
        .build();
    runner.submit(governor);
    fleet.clock().advance(Duration.ofHours(1));
    fleet.publish(UBUNTU.withVersion(V2));
    fleet.clock().advance(Duration.ofDays(2));
    System.out.println(governor.report().describe());
    for (ScaleSetId id : ids) {
      assertThat(fleet.peek(id).instances()).allSatisfy(i -> assertThat(i.imageVersion()).isEqualTo(V2));
    }
  }
}
