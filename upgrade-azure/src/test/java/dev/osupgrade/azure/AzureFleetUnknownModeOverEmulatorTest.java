package dev.osupgrade.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import dev.osupgrade.azure.emulator.ArmEmulator;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.image.ImageRelease;
import dev.osupgrade.image.ImageVersion;
import dev.osupgrade.policy.UpgradeMode;
import dev.osupgrade.rollout.Rollout;
import dev.osupgrade.rollout.RolloutRefusedException;
import dev.osupgrade.testkit.ScaleSetSpec;
import dev.osupgrade.testkit.SimulatedFleet;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

// Issue 8, case 3: a scale set in an upgrade mode the library does not know is refused, not driven as if Manual.
final class AzureFleetUnknownModeOverEmulatorTest {
  private static final ArmEmulator EMULATOR = ArmEmulator.create();
  @RegisterExtension static final WireMockExtension ARM = EMULATOR.extension();

  private static final ImageReference.Marketplace UBUNTU =
      ImageReference.marketplace("Canonical", "0001-com-ubuntu-server-jammy", "22_04-lts-gen2", "latest");
  private static final ImageVersion V1 = ImageVersion.parse("22.04.202407010");
  private static final ImageVersion V2 = ImageVersion.parse("22.04.202410010");

  @Test
  void rollout_scaleSetInAnUnknownUpgradeMode_refusedNamingTheModeAndNothingSentThatChangesIt() {
    SimulatedFleet world = SimulatedFleet.create(8);
    ScaleSetId web = world.add(ScaleSetSpec.named("web").instances(4).image(UBUNTU.withVersion(V1))
        .mode(UpgradeMode.fromAzure("Eventually")));
    world.publish(ImageRelease.marketplace(UBUNTU.withVersion(V2), world.clock().instant().minus(Duration.ofDays(1))));
    AzureFleet azure = EMULATOR.connect(ARM, world);

    assertThat(azure.get(web).upgradePolicy().mode().azureName()).isEqualTo("Eventually");
    Rollout rollout = Rollout.builder(azure, web).target(V2).clock(world.clock()).build();

    assertThatThrownBy(rollout::advance).isInstanceOfSatisfying(RolloutRefusedException.class, e -> {
      assertThat(e.code()).isEqualTo(RolloutRefusedException.UPGRADE_MODE_UNKNOWN);
      assertThat(e.getMessage()).contains("'Eventually'");
    });
    assertThat(ARM.getAllServeEvents()).extracting(ServeEvent::getRequest)
        .allSatisfy(r -> assertThat(r.getMethod().getName()).isEqualTo("GET"));
    assertThat(world.peek(web).modelImage()).isEqualTo(UBUNTU.withVersion(V1));
    assertThat(world.peek(web).instances()).extracting(Instance::imageVersion).containsOnly(V1);
  }
}
