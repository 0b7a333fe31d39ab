package dev.osupgrade.testkit;

import static dev.osupgrade.testkit.Images.V1;
import static dev.osupgrade.testkit.Images.V2;
import static dev.osupgrade.testkit.Images.ubuntu;
import static org.assertj.core.api.Assertions.assertThat;

import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.port.RolloutStore;
import dev.osupgrade.rollout.Rollout;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

final class StoreRegressionTest {
  @RegisterExtension static final SimulatorExtension SIM = SimulatorExtension.withSeed(21);

  @Test
  void fileStore_idsDifferingOnlyInPunctuation_keepSeparateCheckpoints(SimulatedFleet fleet, VirtualClock clock)
      throws Exception {
    ScaleSetId a = fleet.add(ScaleSetSpec.named("b").resourceGroup("rg_a").instances(4).image(ubuntu(V1)));
    ScaleSetId b = fleet.add(ScaleSetSpec.named("a_b").resourceGroup("rg").instances(4).image(ubuntu(V1)));
    fleet.publish(ubuntu(V2));
    RolloutStore store = RolloutStore.file(Files.createTempDirectory("store"));

    fleet.run(Rollout.builder(fleet, a).target(V2).clock(clock).store(store).build());
    Rollout rb = fleet.run(Rollout.builder(fleet, b).target(V2).clock(clock).store(store).build());

    assertThat(fleet.peek(b).instances()).as("every instance of " + b + " on V2")
        .allSatisfy(i -> assertThat(i.runs(V2)).isTrue());
  }
}
