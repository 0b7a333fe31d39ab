package dev.osupgrade.testkit;

import static dev.osupgrade.testkit.Images.V1;
import static dev.osupgrade.testkit.Images.V2;
import static dev.osupgrade.testkit.Images.ubuntu;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.osupgrade.fleet.HealthState;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.image.ImageVersion;
import dev.osupgrade.port.RolloutStore;
import dev.osupgrade.rollout.Rollout;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crashes the runner at every point of a rollout in turn, resumes from the store with a new runner, and checks that
 * the end state is the uncrashed run's, with no instance upgraded twice.
 */
final class CrashSweepTest {
  private static final long SEED = 2026;
  private static final ImageVersion BAD = Images.V3;

  @TempDir Path dir;

  /** A fleet of 51 instances in 3 zones; batch 2 of the bad-image scenario fails. */
  private record Scenario(String name, ImageVersion target, boolean badImage, boolean surge) {
    Scenario(String name, ImageVersion target, boolean badImage) {
      this(name, target, badImage, false);
    }
  }

  /** The end of a run, as compared across crashes. */
  private record Outcome(String status, String progress, String model, Map<String, String> images,
      Map<String, Integer> reimages) {}

  private static SimulatedFleet fleet(Scenario s) {
    SimulatedFleet fleet = SimulatedFleet.create(SEED);
    fleet.add(ScaleSetSpec.named("web").instances(51).zones(3).image(ubuntu(V1)));
    fleet.publish(ubuntu(V2));
    fleet.publish(ubuntu(BAD));
    ScaleSetId id = fleet.scaleSetIds().get(0);
    fleet.setHealth(id, HealthState.UNHEALTHY, "50");
    if (s.badImage()) {
      fleet.imageBehavior(BAD, ImageBehavior.comesUpUnhealthy());
    }
    return fleet;
  }

  private static Outcome outcome(SimulatedFleet fleet, Rollout r) {
    ScaleSetId id = fleet.scaleSetIds().get(0);
    Map<String, String> images = new LinkedHashMap<>();
    Map<String, Integer> reimages = new LinkedHashMap<>();
    for (Instance i : fleet.get(id).instances()) {
      images.put(i.instanceId(), i.imageVersion().toString());
      reimages.put(i.instanceId(), fleet.reimageCount(id, i.instanceId()));
    }
    return new Outcome(r.status().name(), r.progress().toString(), fleet.get(id).modelImage().toString(), images,
        reimages);
  }

  private static String difference(Outcome actual, Outcome expected) {
    List<String> diff = new ArrayList<>();
    if (!actual.status().equals(expected.status())) {
      diff.add("status " + actual.status() + " instead of " + expected.status());
    }
    if (!actual.progress().equals(expected.progress())) {
      diff.add("progress " + actual.progress() + " instead of " + expected.progress());
    }
    if (!actual.model().equals(expected.model())) {
      diff.add("model " + actual.model() + " instead of " + expected.model());
    }
    expected.images().forEach((id, image) -> {
      if (!image.equals(actual.images().get(id))) {
        diff.add("instance " + id + " on " + actual.images().get(id) + " instead of " + image);
      }
    });
    expected.reimages().forEach((id, count) -> {
      if (!count.equals(actual.reimages().get(id))) {
        diff.add("instance " + id + " reimaged " + actual.reimages().get(id) + " times instead of " + count);
      }
    });
    return String.join("; ", diff);
  }

  private static Rollout.Builder runner(SimulatedFleet fleet, dev.osupgrade.port.ScaleSetPort port,
      RolloutStore store, Scenario s) {
    Rollout.Builder b = Rollout.builder(port, fleet.scaleSetIds().get(0)).target(s.target()).clock(fleet.clock())
        .store(store);
    if (s.surge()) {
      b.policy(dev.osupgrade.policy.RollingUpgradePolicy.builder().maxSurge(true).build());
    }
    return b;
  }

  private static Rollout.Builder runner(SimulatedFleet fleet, CrashPoints crash, RolloutStore store, Scenario s) {
    return runner(fleet, crash.wrap(fleet), crash.wrap(store), s).capacity(crash.wrapCapacity(fleet));
  }

  private int sweep(Scenario s, Function<Integer, RolloutStore> storeForRun, int stride) {
    SimulatedFleet baselineFleet = fleet(s);
    CrashPoints counting = CrashPoints.never();
    RolloutStore baselineStore = storeForRun.apply(0);
    Rollout baseline = baselineFleet.run(runner(baselineFleet, counting, baselineStore, s).build());
    Outcome expected = outcome(baselineFleet, baseline);
    long points = counting.points();
    assertThat(points).as("crash points of %s", s.name()).isGreaterThan(100);

    int swept = 0;
    List<String> failures = new ArrayList<>();
    for (long n = 1; n <= points; n += stride) {
      SimulatedFleet fleet = fleet(s);
      RolloutStore store = storeForRun.apply((int) n);
      CrashPoints crash = CrashPoints.at(n);
      try {
        fleet.run(runner(fleet, crash, store, s).build());
        failures.add("point " + n + " did not crash");
        continue;
      } catch (SimulatedCrash expectedCrash) {
        // the process died here
      }
      Rollout restarted = fleet.run(runner(fleet, fleet, store, s).build());
      Outcome actual = outcome(fleet, restarted);
      if (!actual.equals(expected)) {
        failures.add(crash.crashedAt().orElseThrow() + ": " + difference(actual, expected));
      }
      swept++;
    }
    if (!failures.isEmpty()) {
      fail(failures.size() + " crash points ended differently (seed " + SEED + "):\n" + String.join("\n",
          failures.subList(0, Math.min(5, failures.size()))));
    }
    assertThat(expected.reimages().values()).as("each instance's OS disk replaced at most twice (upgrade + rollback)")
        .allMatch(c -> c <= 2);
    System.out.printf("crash sweep %s: %d crash points swept of %d, every run ended %s%n", s.name(), swept, points,
        expected.status());
    return swept;
  }

  @Test
  void sweep_healthyRolloutCrashedAtEveryPoint_endsAsTheUncrashedRunWithEachInstanceUpgradedOnce() {
    Scenario s = new Scenario("healthy", V2, false);

    int swept = sweep(s, n -> RolloutStore.inMemory(), 1);

    assertThat(swept).isGreaterThan(200);
  }

  @Test
  void sweep_faultingRolloutCrashedAtEveryPoint_endsFaultedWithTheSameRollbacks() {
    Scenario s = new Scenario("bad image", BAD, true);

    sweep(s, n -> RolloutStore.inMemory(), 1);
  }

  @Test
  void sweep_maxSurgeRolloutCrashedAtEveryPoint_neverCreatesSurgeInstancesTwice() {
    Scenario s = new Scenario("max surge", V2, false, true);

    sweep(s, n -> RolloutStore.inMemory(), 1);
  }

  @Test
  void sweep_durableFileStore_everySeventhPoint_resumesFromDisk() {
    Scenario s = new Scenario("healthy, file store", V2, false);

    sweep(s, n -> RolloutStore.file(dir.resolve("run-" + n)), 7);
  }

  @Test
  void restart_withDifferentOwner_waitsForTheCrashedLeaseToExpireThenResumes() {
    Scenario s = new Scenario("healthy", V2, false);
    SimulatedFleet fleet = fleet(s);
    RolloutStore store = RolloutStore.inMemory();
    CrashPoints crash = CrashPoints.at(40);
    try {
      fleet.run(runner(fleet, crash.wrap(fleet), crash.wrap(store), s).owner("replica-a").build());
    } catch (SimulatedCrash expected) {
      // replica-a died holding the lease
    }
    java.time.Instant crashedAt = fleet.clock().instant();

    Rollout b = fleet.run(runner(fleet, fleet, store, s).owner("replica-b").leaseDuration(Duration.ofMinutes(5))
        .build());

    assertThat(b.status().name()).isEqualTo("COMPLETED");
    assertThat(b.events().get(0).at()).as("replica-b's first event comes after a's lease expired")
        .isAfterOrEqualTo(crashedAt.plus(Duration.ofMinutes(5)));
    ScaleSetId id = fleet.scaleSetIds().get(0);
    assertThat(fleet.get(id).instances()).allSatisfy(i -> assertThat(fleet.reimageCount(id, i.instanceId()))
        .isEqualTo(1));
  }
}
