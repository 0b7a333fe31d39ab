package dev.osupgrade.examples.service;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osupgrade.Require;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.HealthState;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.governance.rings.RingRollout;
import dev.osupgrade.ops.RolloutStatus;
import dev.osupgrade.port.Checkpoint;
import dev.osupgrade.port.RolloutStore;
import dev.osupgrade.rollout.RolloutState;
import dev.osupgrade.service.RunnerStatus;
import dev.osupgrade.testkit.SimulatedFleet;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The platform service on the simulator, in this JVM and on the virtual clock: the bundled configuration, to the end. */
final class PlatformServiceTest {
  @TempDir Path storeDirectory;

  private ServiceConfig bundledWithStoreIn(Path directory) {
    ServiceConfig c = PlatformService.bundledConfig();
    return new ServiceConfig(c.name(), c.target(), c.rings(), c.trust(), c.readiness(), c.windows(),
        new ServiceConfig.StoreConfig(directory.toString(), null), c.simulator());
  }

  @Test
  void bundledConfig_onTheSimulator_runsEveryRingToTheEndAndPrintsItsStatus() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PlatformService service = PlatformService.create(bundledWithStoreIn(storeDirectory), Map.of(),
        new PrintStream(bytes, true, StandardCharsets.UTF_8));

    RunnerStatus status = service.run();

    String out = bytes.toString(StandardCharsets.UTF_8);
    assertThat(status).as(out).isNotNull();
    assertThat(service.rings().status()).as(out).isEqualTo(RingRollout.Status.COMPLETED);
    assertThat(service.completed()).isTrue();
    assertThat(out).contains("fleet: simulated (seed 42, 5 scale sets, as fast as possible)",
        "store: files in " + storeDirectory, "[ring]", "[canary] ring promoted", "[broad] ring promoted",
        "completed: 22.04.202410010 reached every ring", "RolloutRunner TERMINATED",
        "rings -> 22.04.202410010 ENDED (COMPLETED)", "[service] done");
    // promotions only inside the nightly window: the early ring starts at a window's opening
    assertThat(out).contains("[early] ring started").containsPattern("T20:00:00Z \\[early\\] ring started");

    // the fleet's own truth: every instance of every ring runs the target and is healthy
    SimulatedFleet fleet = service.simulatedFleet().orElseThrow();
    assertThat(service.plan().scaleSets()).hasSize(5);
    int instances = 0;
    for (ScaleSetId id : service.plan().scaleSets()) {
      for (Instance i : fleet.get(id).instances()) {
        assertThat(i.imageVersion()).as(id + " " + i.instanceId()).hasToString("22.04.202410010");
        assertThat(i.health()).as(id + " " + i.instanceId()).isEqualTo(HealthState.HEALTHY);
        instances++;
      }
    }
    assertThat(instances).isEqualTo(5 + 9 + 9 + 12 + 12);

    // and the store: a completed checkpoint per scale set, written by this replica, every lease given up
    RolloutStore store = RolloutStore.file(storeDirectory);
    for (ScaleSetId id : service.plan().scaleSets()) {
      Checkpoint checkpoint = store.load(id).orElseThrow();
      assertThat(checkpoint.owner()).isEqualTo(service.replica());
      assertThat(RolloutState.decode(checkpoint.data()).status()).isEqualTo(RolloutStatus.COMPLETED);
      assertThat(store.tryAcquire(id, "another-replica", Require.EARLIEST, Duration.ofMinutes(1)))
          .as("the lease of %s was released (a held one would still be valid at the earliest time)", id)
          .isPresent();
    }
  }
}
