package dev.osupgrade.azure.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import dev.osupgrade.azure.AzureFleet;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.testkit.ScaleSetSpec;
import dev.osupgrade.testkit.SimulatedFleet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

final class SmokeTest {
  static final ArmEmulator emulator = ArmEmulator.create().vmPageSize(3);
  @RegisterExtension static final WireMockExtension arm = emulator.extension();

  @Test
  void get() {
    SimulatedFleet world = SimulatedFleet.create(1);
    ImageReference v1 = ImageReference.marketplace("Canonical", "ubuntu", "22_04", "1.0.0");
    ScaleSetId id = world.add(ScaleSetSpec.named("web").instances(7).zones(3).image(v1));
    AzureFleet azure = emulator.connect(arm, world);
    var s = azure.get(id);
    System.out.println(s);
    s.instances().forEach(System.out::println);
    assertThat(s).isEqualTo(world.peek(id));
    ImageReference v2 = v1.withVersion(dev.osupgrade.image.ImageVersion.parse("1.0.1"));
    world.publish(v2);
    azure.updateModelImage(id, v2);
    azure.upgradeInstances(id, List.of("1", "2"));
    world.clock().runUntilIdle();
    assertThat(azure.get(id)).isEqualTo(world.peek(id));
    azure.get(id).instances().forEach(System.out::println);
    arm.getAllServeEvents().forEach(e -> System.out.println(e.getRequest().getMethod() + " " + e.getRequest().getUrl() + " -> " + e.getResponse().getStatus()));
  }
}
