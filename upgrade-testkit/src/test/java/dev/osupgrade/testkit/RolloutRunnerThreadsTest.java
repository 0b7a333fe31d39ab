package dev.osupgrade.testkit;

import static dev.osupgrade.testkit.Images.V1;
import static dev.osupgrade.testkit.Images.V2;
import static dev.osupgrade.testkit.Images.ubuntu;
import static org.assertj.core.api.Assertions.assertThat;

import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.ScaleSet;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.policy.UpgradePolicy;
import dev.osupgrade.port.Lease;
import dev.osupgrade.port.RolloutStore;
import dev.osupgrade.port.ScaleSetPort;
import dev.osupgrade.rollout.Rollout;
import dev.osupgrade.service.ManagedRollout;
import dev.osupgrade.service.RolloutRunner;
import dev.osupgrade.service.RunnerEvent;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The service runner on its own thread pool and the real clock, driving a tiny simulated fleet whose timings are
 * milliseconds (the fleet's virtual clock is pumped to follow real time; every call to it is serialised). Only
 * outcomes are asserted, never timings: the waits are generous bounds, released by latches.
 */
final class RolloutRunnerThreadsTest {
  private static final Duration PATIENCE = Duration.ofSeconds(60);

  private final Clock real = Clock.systemUTC();
  private final Object fleetLock = new Object();
  private final ScheduledExecutorService pump = Executors.newSingleThreadScheduledExecutor();
  private SimulatedFleet fleet = SimulatedFleet.create(1);
  private final AtomicInteger active = new AtomicInteger();
  private final AtomicInteger mostActive = new AtomicInteger();

  /** The simulated fleet shared by the runner's threads: one call at a time, counting callers at once. */
  private final class SharedFleet implements ScaleSetPort {
    private <T> T call(java.util.function.Supplier<T> body) {
      mostActive.accumulateAndGet(active.incrementAndGet(), Math::max);
      try {
        synchronized (fleetLock) {
          return body.get();
        }
      } finally {
        active.decrementAndGet();
      }
    }

    @Override
    public ScaleSet get(ScaleSetId id) {
      return call(() -> fleet.get(id));
    }

    @Override
    public List<Instance> listInstances(ScaleSetId id) {
      return call(() -> fleet.listInstances(id));
    }

    @Override
    public void updateModelImage(ScaleSetId id, ImageReference image) {
      call(() -> {
        fleet.updateModelImage(id, image);
        return null;
      });
    }

    @Override
    public void updateUpgradePolicy(ScaleSetId id, UpgradePolicy policy, @Nullable String ifMatchEtag) {
      call(() -> {
        fleet.updateUpgradePolicy(id, policy, ifMatchEtag);
        return null;
      });
    }

    @Override
    public void upgradeInstances(ScaleSetId id, List<String> instanceIds) {
      call(() -> {
        fleet.upgradeInstances(id, instanceIds);
        return null;
      });
    }

    @Override
    public void rollBackInstances(ScaleSetId id, List<String> instanceIds, ImageReference previousImage) {
      call(() -> {
        fleet.rollBackInstances(id, instanceIds, previousImage);
        return null;
      });
    }
  }

  @BeforeEach
  void startFleet() {
    Duration ms = Duration.ofMillis(1);
    fleet = SimulatedFleet.create(5, VirtualClock.startingAt(real.instant()),
        new SimulationProfile(ms.multipliedBy(20), ms.multipliedBy(40), ms.multipliedBy(10), ms.multipliedBy(30),
            ms.multipliedBy(5), ms.multipliedBy(15)));
    pump.scheduleAtFixedRate(() -> {
      synchronized (fleetLock) {
        fleet.clock().advanceTo(real.instant());
      }
    }, 0, 2, TimeUnit.MILLISECONDS);
  }

  @AfterEach
  void stopFleet() {
    pump.shutdownNow();
  }

  private List<ScaleSetId> scaleSets(int count, int instances) {
    synchronized (fleetLock) {
      List<ScaleSetId> ids = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        ids.add(fleet.add(ScaleSetSpec.named("svc-" + i).instances(instances).image(ubuntu(V1))));
      }
      fleet.publish(ubuntu(V2));
      return ids;
    }
  }

  private Rollout rollout(ScaleSetPort port, ScaleSetId id, RolloutStore store) {
    return Rollout.builder(port, id).target(V2).clock(real).store(store).owner("svc")
        .pollInterval(Duration.ofMillis(10)).build();
  }

  private void everyInstanceUpgradedOnce(ScaleSetId id) {
    synchronized (fleetLock) {
      assertThat(fleet.peek(id).instances()).as("%s", id).isNotEmpty().allSatisfy(i -> {
        assertThat(i.runs(V2)).as("%s/%s runs the target", id, i.instanceId()).isTrue();
        assertThat(fleet.reimageCount(id, i.instanceId())).as("%s/%s reimages", id, i.instanceId()).isEqualTo(1);
      });
    }
  }

  private boolean leaseFree(RolloutStore store, ScaleSetId id) {
    Optional<Lease> taken = store.tryAcquire(id, "another-replica", real.instant(), Rollout.DEFAULT_LEASE);
    taken.ifPresent(store::release);
    return taken.isPresent();
  }

  private static RolloutRunner.Builder runner(CountDownLatch ended) {
    return RolloutRunner.builder().clock(Clock.systemUTC()).maxConcurrentAdvances(3).listener(e -> {
      if (e.kind() == RunnerEvent.Kind.ENDED) {
        ended.countDown();
      }
    });
  }

  @Test
  void runner_ownThreadPoolOnTheRealClock_tinyFleetCompletesEveryInstanceOnceWithinTheBound() throws Exception {
    List<ScaleSetId> ids = scaleSets(6, 4);
    RolloutStore store = RolloutStore.inMemory();
    SharedFleet shared = new SharedFleet();
    CountDownLatch ended = new CountDownLatch(ids.size());
    RolloutRunner runner = runner(ended).build();
    List<ManagedRollout> handles = ids.stream().map(id -> runner.submit(rollout(shared, id, store))).toList();

    assertThat(ended.await(PATIENCE.toSeconds(), TimeUnit.SECONDS)).as("%s", runner.status()).isTrue();

    assertThat(handles).allSatisfy(h -> assertThat(h.status().status()).as("%s", h).isEqualTo("Completed"));
    ids.forEach(this::everyInstanceUpgradedOnce);
    assertThat(mostActive.get()).as("callers of the fleet at once, at most one per advance").isBetween(1, 3);
    runner.shutdown();
    assertThat(runner.awaitTermination(PATIENCE)).isTrue();
    assertThat(runner.status().counts()).containsEntry(ManagedRollout.State.ENDED, 6);
  }

  @Test
  void shutdown_withAnAdvanceBlockedMidStep_waitsForItThenReleasesEveryLeaseAndARestartFinishes()
      throws Exception {
    List<ScaleSetId> ids = scaleSets(3, 4);
    ScaleSetId held = ids.get(0);
    RolloutStore store = RolloutStore.inMemory();
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch letGo = new CountDownLatch(1);
    AtomicInteger upgradesOfHeld = new AtomicInteger();
    AtomicBoolean sent = new AtomicBoolean();
    SharedFleet shared = new SharedFleet();
    ScaleSetPort blocking = new ScaleSetPort() {
      @Override
      public ScaleSet get(ScaleSetId id) {
        return shared.get(id);
      }

      @Override
      public List<Instance> listInstances(ScaleSetId id) {
        return shared.listInstances(id);
      }

      @Override
      public void updateModelImage(ScaleSetId id, ImageReference image) {
        shared.updateModelImage(id, image);
      }

      @Override
      public void updateUpgradePolicy(ScaleSetId id, UpgradePolicy policy, @Nullable String ifMatchEtag) {
        shared.updateUpgradePolicy(id, policy, ifMatchEtag);
      }

      @Override
      public void upgradeInstances(ScaleSetId id, List<String> instanceIds) {
        if (id.equals(held) && upgradesOfHeld.incrementAndGet() == 2) {
          entered.countDown();
          try {
            assertThat(letGo.await(PATIENCE.toSeconds(), TimeUnit.SECONDS)).isTrue();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
          }
          shared.upgradeInstances(id, instanceIds);
          sent.set(true);
          return;
        }
        shared.upgradeInstances(id, instanceIds);
      }

      @Override
      public void rollBackInstances(ScaleSetId id, List<String> instanceIds, ImageReference previousImage) {
        shared.rollBackInstances(id, instanceIds, previousImage);
      }
    };
    RolloutRunner first = runner(new CountDownLatch(3)).build();
    List<ManagedRollout> before = ids.stream().map(id -> first.submit(rollout(blocking, id, store))).toList();
    assertThat(entered.await(PATIENCE.toSeconds(), TimeUnit.SECONDS)).as("%s", first.status()).isTrue();

    first.shutdown();

    assertThat(first.awaitTermination(Duration.ofMillis(100))).as("the blocked advance is still in flight")
        .isFalse();
    assertThat(before.get(0).state()).isEqualTo(ManagedRollout.State.ADVANCING);
    letGo.countDown();
    assertThat(first.awaitTermination(PATIENCE)).as("%s", first.status()).isTrue();
    assertThat(sent).as("the step in flight finished: its upgrade call went out").isTrue();
    assertThat(before.get(0).state()).isEqualTo(ManagedRollout.State.RELEASED);
    assertThat(before).allSatisfy(h -> assertThat(h.state()).isIn(ManagedRollout.State.RELEASED,
        ManagedRollout.State.ENDED));
    for (ScaleSetId id : ids) {
      assertThat(leaseFree(store, id)).as("lease of %s released", id).isTrue();
    }

    CountDownLatch ended = new CountDownLatch(ids.size());
    RolloutRunner second = runner(ended).build();
    List<ManagedRollout> after = ids.stream().map(id -> second.submit(rollout(shared, id, store))).toList();
    assertThat(ended.await(PATIENCE.toSeconds(), TimeUnit.SECONDS)).as("%s", second.status()).isTrue();

    assertThat(after).allSatisfy(h -> assertThat(h.status().status()).as("%s", h).isEqualTo("Completed"));
    ids.forEach(this::everyInstanceUpgradedOnce);
    second.shutdown();
    assertThat(second.awaitTermination(PATIENCE)).isTrue();
  }
}
