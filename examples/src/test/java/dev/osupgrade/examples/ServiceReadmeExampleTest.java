package dev.osupgrade.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.image.ImageVersion;
import dev.osupgrade.port.RolloutStore;
import dev.osupgrade.port.ScaleSetPort;
import dev.osupgrade.rollout.Rollout;
import dev.osupgrade.service.ManagedRollout;
import dev.osupgrade.service.RolloutRunner;
import dev.osupgrade.testkit.ScaleSetSpec;
import dev.osupgrade.testkit.SimulatedFleet;
import dev.osupgrade.testkit.VirtualScheduler;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The README's section "Running rollouts in a service", compiled and run: change both together. */
final class ServiceReadmeExampleTest {
  private static final ImageReference V1 =
      ImageReference.parse("Canonical:0001-com-ubuntu-server-jammy:22_04-lts-gen2:22.04.202409010");
  private static final ImageVersion V2 = ImageVersion.parse("22.04.202410010");

  /** The README's production wiring, as a service would run it. */
  static RolloutRunner startService(ScaleSetPort fleet, List<ScaleSetId> scaleSets, ImageVersion version,
      RolloutStore store, String host, Consumer<String> log) {
    // --- README: running rollouts in a service ---
    RolloutRunner runner = RolloutRunner.builder().clock(Clock.systemUTC())  // a daemon thread pool of its own
        .maxConcurrentAdvances(4)                                            // bounds the load on ARM and the store
        .listener(e -> log.accept(e.toString()))                            // submitted, retried, set aside, ended
        .build();
    for (ScaleSetId id : scaleSets) {
      runner.submit(Rollout.builder(fleet, id).target(version).clock(Clock.systemUTC()).store(store).owner(host)
          .build());
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {                 // SIGTERM
      runner.shutdown();                                                     // steps in flight finish, leases go
      try {
        runner.awaitTermination(Duration.ofSeconds(30));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }));
    // --- end ---
    return runner;
  }

  @Test
  void readme_serviceWiring_runsOnTheRealClockAndShutsDown() throws InterruptedException {
    // On a fleet already on the target, nothing waits for fleet time: each rollout ends in an advance or two.
    SimulatedFleet fleet = SimulatedFleet.create(3);
    List<ScaleSetId> ids = IntStream.range(0, 5).mapToObj(i -> fleet.add(ScaleSetSpec.named("app-" + i)
        .instances(3).image(V1.withVersion(V2)))).toList();
    List<String> log = Collections.synchronizedList(new ArrayList<>());
    CountDownLatch ended = new CountDownLatch(ids.size());
    RolloutRunner runner = startService(new Serialized(fleet), ids, V2, RolloutStore.inMemory(), "host-a", line -> {
      log.add(line);
      if (line.contains(" ended: ")) {
        ended.countDown();
      }
    });

    assertThat(ended.await(60, TimeUnit.SECONDS)).as("%s", runner.status()).isTrue();
    assertThat(runner.rollouts()).allSatisfy(h -> assertThat(h.status().status()).as("%s", h)
        .isEqualTo("Completed"));
    runner.shutdown();
    assertThat(runner.awaitTermination(Duration.ofSeconds(30))).isTrue();
    assertThat(log).anySatisfy(line -> assertThat(line).contains("submitted"))
        .anySatisfy(line -> assertThat(line).contains("ended: Completed"))
        .last().asString().contains("runner terminated: 5 rollout(s) {ended=5}");
  }

  @Test
  void readme_sameRunnerOnTheVirtualClock_drivesDozensOfRolloutsInMilliseconds() {
    SimulatedFleet fleet = SimulatedFleet.create(42);
    List<ScaleSetId> scaleSets = IntStream.range(0, 24).mapToObj(i -> fleet.add(ScaleSetSpec.named("web-" + i)
        .instances(10).zones(2).image(V1))).toList();
    fleet.publish(V1.withVersion(V2));
    // --- README: the same runner in a test ---
    var runner = RolloutRunner.builder().clock(fleet.clock()).scheduler(VirtualScheduler.on(fleet.clock())).build();
    scaleSets.forEach(id -> runner.submit(Rollout.builder(fleet, id).target(V2).clock(fleet.clock()).build()));
    fleet.clock().runUntilIdle();                               // every rollout to its end, same seed same order
    System.out.println(runner.status());                        // one line per rollout: state, status, next look
    // --- end ---

    assertThat(runner.status().counts()).containsEntry(ManagedRollout.State.ENDED, 24);
    for (ScaleSetId id : scaleSets) {
      assertThat(fleet.peek(id).instances()).allSatisfy(i -> assertThat(i.runs(V2)).isTrue());
    }
  }

  /** Every call to the simulated fleet under its monitor, for the runner's threads. */
  private record Serialized(SimulatedFleet fleet) implements ScaleSetPort {
    @Override
    public dev.osupgrade.fleet.ScaleSet get(ScaleSetId id) {
      synchronized (fleet) {
        return fleet.get(id);
      }
    }

    @Override
    public dev.osupgrade.fleet.ScaleSet model(ScaleSetId id) {
      synchronized (fleet) {
        return fleet.model(id);
      }
    }

    @Override
    public List<dev.osupgrade.fleet.Instance> listInstances(ScaleSetId id) {
      synchronized (fleet) {
        return fleet.listInstances(id);
      }
    }

    @Override
    public void updateModelImage(ScaleSetId id, ImageReference image) {
      synchronized (fleet) {
        fleet.updateModelImage(id, image);
      }
    }

    @Override
    public void updateUpgradePolicy(ScaleSetId id, dev.osupgrade.policy.UpgradePolicy policy,
        @org.jspecify.annotations.Nullable String ifMatchEtag) {
      synchronized (fleet) {
        fleet.updateUpgradePolicy(id, policy, ifMatchEtag);
      }
    }

    @Override
    public void upgradeInstances(ScaleSetId id, List<String> instanceIds) {
      synchronized (fleet) {
        fleet.upgradeInstances(id, instanceIds);
      }
    }

    @Override
    public void rollBackInstances(ScaleSetId id, List<String> instanceIds, ImageReference previousImage) {
      synchronized (fleet) {
        fleet.rollBackInstances(id, instanceIds, previousImage);
      }
    }
  }
}
