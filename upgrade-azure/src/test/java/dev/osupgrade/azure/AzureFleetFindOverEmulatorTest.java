package dev.osupgrade.azure;

import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.exactly;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import dev.osupgrade.Region;
import dev.osupgrade.azure.emulator.ArmEmulator;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.image.ImageRelease;
import dev.osupgrade.image.ImageVersion;
import dev.osupgrade.image.ReplicationState;
import dev.osupgrade.testkit.SimulatedFleet;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

// find() against the ARM emulator: what it finds is what the simulated catalog published, in one request.
final class AzureFleetFindOverEmulatorTest {
  private static final ArmEmulator EMULATOR = ArmEmulator.create();
  @RegisterExtension static final WireMockExtension ARM = EMULATOR.extension();

  private static final ImageReference.Marketplace UBUNTU =
      ImageReference.marketplace("Canonical", "0001-com-ubuntu-server-jammy", "22_04-lts-gen2", "latest");
  private static final String DEFINITION = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/"
      + "images/providers/Microsoft.Compute/galleries/shared/images/api";
  private static final Region WEST = Region.of("westeurope");
  private static final Region EAST = Region.of("eastus");

  private final SimulatedFleet world = SimulatedFleet.create(11);

  @Test
  void find_marketplace_publishedVersionFoundTypoAndFutureVersionNot() {
    ImageVersion published = ImageVersion.parse("22.04.202407010");
    ImageVersion future = ImageVersion.parse("22.04.202412010");
    world.publish(ImageRelease.marketplace(UBUNTU.withVersion(published),
        world.clock().instant().minus(Duration.ofDays(3))));
    world.publish(ImageRelease.marketplace(UBUNTU.withVersion(future),
        world.clock().instant().plus(Duration.ofDays(3))));
    AzureFleet azure = EMULATOR.connect(ARM, world);

    assertThat(azure.find(UBUNTU.withVersion(published), WEST)).map(ImageRelease::image)
        .hasValue(UBUNTU.withVersion(published));
    assertThat(azure.find(UBUNTU.withVersion(ImageVersion.parse("22.04.202407011")), WEST)).isEmpty();
    assertThat(azure.find(UBUNTU.withVersion(future), WEST)).isEmpty();
    ARM.verify(exactly(3), anyRequestedFor(anyUrl()));
  }

  @Test
  void find_gallery_readsReplicationAsTheCatalogHasIt() {
    ImageReference v110 = ImageReference.gallery(DEFINITION, "1.1.0");
    world.publish(ImageRelease.gallery(v110, world.clock().instant().minus(Duration.ofDays(1)),
        Map.of(WEST, ReplicationState.COMPLETED, EAST, ReplicationState.REPLICATING)));
    AzureFleet azure = EMULATOR.connect(ARM, world);

    ImageRelease found = azure.find(v110, EAST).orElseThrow();

    assertThat(found.replicationIn(EAST)).isEqualTo(ReplicationState.REPLICATING);
    assertThat(found.replicationIn(WEST)).isEqualTo(ReplicationState.COMPLETED);
    assertThat(azure.find(ImageReference.gallery(DEFINITION, "1.1.1"), EAST)).isEmpty();
    ARM.verify(exactly(2), anyRequestedFor(anyUrl()));
  }
}
