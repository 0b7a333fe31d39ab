package dev.osupgrade.testkit;

import static dev.osupgrade.testkit.Images.V1;
import static dev.osupgrade.testkit.Images.V2;
import static dev.osupgrade.testkit.Images.ubuntu;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.osupgrade.fleet.HealthState;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.OrchestrationMode;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.image.ImageVersion;
import dev.osupgrade.ops.ErrorCodes;
import dev.osupgrade.ops.RolloutStatus;
import dev.osupgrade.policy.RollingUpgradePolicy;
import dev.osupgrade.port.RolloutStore;
import dev.osupgrade.port.ScaleSetPort;
import dev.osupgrade.rollout.Rollout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.LongFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.AnnotatedElementContext;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.io.TempDirFactory;

/**
 * Crashes the runner at every point of a rollout in turn (just before and just after every port and store call),
 * resumes from the store with a new runner, and checks that the end state is the uncrashed run's, by the fleet's
 * record: the same status, progress and model, every instance on the same image, each instance's disk replaced as
 * many times as in the uncrashed run (upgrades and rollbacks counted from the record), the same surge instances
 * created and deleted. Every scenario runs for several fleet seeds (different timings, so different crash points),
 * and each uncrashed baseline must first show, by the record, that it is the scenario it claims to be.
 *
 * <p>Seeds: {@code -Dosupgrade.crash.seeds=N} (default 3) sweeps fleet seeds 2026 to 2026 + N - 1. The durable
 * file store is swept at every point too; its directory is on {@code /dev/shm} where there is one (a crash here is a
 * process dying between two calls, not a power cut, so the store's writes, renames and locks are exercised the same
 * way without paying for real disk flushes).
 *
 * <p>The healthy, bad-image and max-surge scenarios run for a Flexible scale set too (51 regional VMs over 3 fault
 * domains), on {@code -Dosupgrade.crash.flexibleSeeds=N} seeds (default 1: a third of Uniform's, to keep the suite's
 * time in check) and the in-memory store (the stores do not know the orchestration mode; Uniform sweeps the file
 * store).
 */
final class CrashSweepTest {
  private static final long FIRST_SEED = 2026;
  private static final int SEEDS = Integer.getInteger("osupgrade.crash.seeds", 3);
  private static final int FLEXIBLE_SEEDS = Integer.getInteger("osupgrade.crash.flexibleSeeds", 1);
  private static final ImageVersion BAD = Images.V3;
  private static final int INSTANCES = 51;

  @TempDir(factory = MemoryBackedDirectory.class) Path dir;

  /** A temporary directory in memory (tmpfs) where the machine has one, else in the default temporary directory. */
  static final class MemoryBackedDirectory implements TempDirFactory {
    @Override
    public Path createTempDirectory(AnnotatedElementContext element, ExtensionContext context) throws Exception {
      Path shm = Path.of("/dev/shm");
      return Files.isDirectory(shm) && Files.isWritable(shm) ? Files.createTempDirectory(shm, "osupgrade-crash")
          : Files.createTempDirectory("osupgrade-crash");
    }
  }

  /**
   * A fleet of 51 instances in 3 zones (Flexible: regional, over 3 fault domains), instance 50 unhealthy from the
   * start.
   */
  private record Scenario(String name, ImageVersion target, boolean badImage, boolean surge, OrchestrationMode mode) {
    Scenario(String name, ImageVersion target, boolean badImage, boolean surge) {
      this(name, target, badImage, surge, OrchestrationMode.UNIFORM);
    }

    Scenario flexible() {
      return new Scenario(name + ", Flexible", target, badImage, surge, OrchestrationMode.FLEXIBLE);
    }
  }

  private static final Scenario HEALTHY = new Scenario("healthy", V2, false, false);
  private static final Scenario BAD_IMAGE = new Scenario("bad image", BAD, true, false);
  private static final Scenario SURGE = new Scenario("max surge", V2, false, true);

  /** The end of a run, as compared across crashes: what the fleet's record says. */
  private record Outcome(String status, String progress, String model, Map<String, String> images,
      Map<String, String> reimages, List<String> created, Set<String> deleted) {}

  private static SimulatedFleet fleet(Scenario s, long seed) {
    SimulatedFleet fleet = SimulatedFleet.create(seed);
    if (s.mode() == OrchestrationMode.FLEXIBLE) {
      fleet.add(ScaleSetSpec.named("web").orchestration(OrchestrationMode.FLEXIBLE).instances(INSTANCES)
          .faultDomains(3).image(ubuntu(V1)));
    } else {
      fleet.add(ScaleSetSpec.named("web").instances(INSTANCES).zones(3).image(ubuntu(V1)));
    }
    fleet.publish(ubuntu(V2));
    fleet.publish(ubuntu(BAD));
    ScaleSetId id = fleet.scaleSetIds().get(0);
    fleet.setHealth(id, HealthState.UNHEALTHY, fleet.createdInstanceIds(id).get(INSTANCES - 1));
    if (s.badImage()) {
      fleet.imageBehavior(BAD, ImageBehavior.comesUpUnhealthy());
    }
    return fleet;
  }

  private static Outcome outcome(SimulatedFleet fleet, Rollout r) {
    ScaleSetId id = fleet.scaleSetIds().get(0);
    FleetRecord record = fleet.record(id);
    Map<String, String> images = new LinkedHashMap<>();
    for (Instance i : fleet.peek(id).instances()) {
      images.put(i.instanceId(), i.imageVersion().toString());
    }
    Map<String, String> reimages = new LinkedHashMap<>();
    for (String i : record.instances()) {
      reimages.put(i, record.count(i, InstanceChange.Kind.UPGRADE_STARTED) + " upgrade(s), "
          + record.count(i, InstanceChange.Kind.ROLLBACK_STARTED) + " rollback(s)");
    }
    List<String> created = new ArrayList<>();
    record.calls("scaleOut").stream().filter(PortCall::accepted).forEach(c -> created.addAll(c.instanceIds()));
    Set<String> deleted = new TreeSet<>();
    record.calls("deleteInstances").stream().filter(PortCall::accepted).forEach(c -> deleted.addAll(c.instanceIds()));
    return new Outcome(r.status().name(), r.progress().toString(), fleet.peek(id).modelImage().toString(), images,
        reimages, created, deleted);
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
    if (!actual.images().keySet().equals(expected.images().keySet())) {
      diff.add("instances " + actual.images().keySet() + " instead of " + expected.images().keySet());
    }
    expected.images().forEach((id, image) -> {
      if (actual.images().containsKey(id) && !image.equals(actual.images().get(id))) {
        diff.add("instance " + id + " on " + actual.images().get(id) + " instead of " + image);
      }
    });
    expected.reimages().forEach((id, count) -> {
      if (!count.equals(actual.reimages().get(id))) {
        diff.add("instance " + id + ": " + actual.reimages().get(id) + " instead of " + count);
      }
    });
    if (!actual.created().equals(expected.created())) {
      diff.add("surge instances created " + actual.created() + " instead of " + expected.created());
    }
    if (!actual.deleted().equals(expected.deleted())) {
      diff.add("instances deleted " + actual.deleted() + " instead of " + expected.deleted());
    }
    return String.join("; ", diff);
  }

  private static Rollout.Builder runner(SimulatedFleet fleet, ScaleSetPort port, RolloutStore store, Scenario s) {
    Rollout.Builder b = Rollout.builder(port, fleet.scaleSetIds().get(0)).target(s.target()).clock(fleet.clock())
        .store(store);
    if (s.surge()) {
      b.policy(RollingUpgradePolicy.builder().maxSurge(true).build());
    }
    return b;
  }

  private static Rollout.Builder runner(SimulatedFleet fleet, CrashPoints crash, RolloutStore store, Scenario s) {
    return runner(fleet, crash.wrap(fleet), crash.wrap(store), s).capacity(crash.wrapCapacity(fleet));
  }

  /**
   * Checks, by the record, that an uncrashed run is the scenario it claims to be: the healthy run upgrades every
   * instance once in place; the bad image faults on Azure's upgraded-unhealthy rule and rolls the failed instances
   * back to their previous image; max surge creates new instances on the target and deletes the old ones, with no
   * in-place upgrade.
   */
  private static void assertBaselineIsItsScenario(Scenario s, SimulatedFleet fleet, Rollout r) {
    ScaleSetId id = fleet.scaleSetIds().get(0);
    FleetRecord record = fleet.record(id);
    String why = s.name() + ", seed " + fleet.seed() + "\n" + r.eventLog();
    List<PortCall> upgrades = record.calls("upgradeInstances").stream().filter(PortCall::accepted).toList();
    if (s.surge()) {
      assertThat(r.status()).as(why).isEqualTo(RolloutStatus.COMPLETED);
      assertThat(upgrades).as("max surge upgrades nothing in place; " + why).isEmpty();
      List<String> created = new ArrayList<>();
      record.calls("scaleOut").stream().filter(PortCall::accepted).forEach(c -> created.addAll(c.instanceIds()));
      Set<String> deleted = new TreeSet<>();
      record.calls("deleteInstances").stream().filter(PortCall::accepted)
          .forEach(c -> deleted.addAll(c.instanceIds()));
      Set<String> originals = new TreeSet<>(fleet.createdInstanceIds(id).subList(0, INSTANCES));
      assertThat(created).as("a surge instance for every original; " + why).hasSize(INSTANCES).doesNotHaveDuplicates()
          .allSatisfy(i -> assertThat(record.history(i).get(0).image().version()).contains(V2));
      assertThat(deleted).as("every original deleted once replaced; " + why).isEqualTo(originals);
      assertThat(fleet.peek(id).instances()).extracting(Instance::instanceId).as(why)
          .containsExactlyInAnyOrderElementsOf(created);
      assertThat(record.instances()).allSatisfy(i -> assertThat(record.history(i)).noneMatch(InstanceChange::isReimage));
      return;
    }
    if (s.badImage()) {
      assertThat(r.status()).as(why).isEqualTo(RolloutStatus.FAULTED);
      assertThat(r.error().orElseThrow().code()).as(why).isEqualTo(ErrorCodes.MAX_UNHEALTHY_UPGRADED);
      List<PortCall> rollbacks = record.calls("rollBackInstances").stream().filter(PortCall::accepted).toList();
      Set<String> upgraded = new TreeSet<>();
      upgrades.forEach(c -> upgraded.addAll(c.instanceIds()));
      Set<String> rolledBack = new TreeSet<>();
      rollbacks.forEach(c -> rolledBack.addAll(c.instanceIds()));
      assertThat(upgrades).as("the bad image stops after its first batch; " + why).hasSize(1);
      assertThat(rollbacks).as(why).isNotEmpty().allSatisfy(c -> assertThat(c.image()).isEqualTo(ubuntu(V1)));
      assertThat(rolledBack).as("every upgraded instance failed and was rolled back; " + why).isEqualTo(upgraded);
      for (String i : rolledBack) {
        List<InstanceChange> h = record.history(i);
        assertThat(h).extracting(InstanceChange::kind).as("instance %s; %s", i, why).containsSubsequence(
            InstanceChange.Kind.UPGRADE_STARTED, InstanceChange.Kind.IMAGE_CHANGED,
            InstanceChange.Kind.ROLLBACK_STARTED, InstanceChange.Kind.IMAGE_CHANGED);
        assertThat(h.get(h.size() - 1).image()).as("instance %s runs its previous image; %s", i, why)
            .isEqualTo(ubuntu(V1));
      }
      assertThat(fleet.peek(id).instances()).as(why).allSatisfy(i -> assertThat(i.runs(V1)).isTrue());
      assertThat(fleet.peek(id).modelImage()).as("the model is pointed back; " + why).isEqualTo(ubuntu(V1));
      return;
    }
    assertThat(r.status()).as(why).isEqualTo(RolloutStatus.COMPLETED);
    assertThat(upgrades).as(why).hasSize(r.plan().orElseThrow().batches().size());
    assertThat(record.instances()).as(why).hasSize(INSTANCES).allSatisfy(i -> {
      assertThat(record.count(i, InstanceChange.Kind.UPGRADE_STARTED)).isEqualTo(1);
      assertThat(record.count(i, InstanceChange.Kind.ROLLBACK_STARTED)).isZero();
    });
    assertThat(fleet.peek(id).instances()).as(why).allSatisfy(i -> assertThat(i.runs(V2)).isTrue());
  }

  /** How one seed's sweep went: points swept. */
  private record Swept(int points) {}

  /** Sweeps every crash point of one scenario on one fleet seed. */
  private static Swept sweep(Scenario s, long seed, LongFunction<RolloutStore> storeForRun) {
    SimulatedFleet baselineFleet = fleet(s, seed);
    CrashPoints counting = CrashPoints.never();
    Rollout baseline = baselineFleet.run(runner(baselineFleet, counting, storeForRun.apply(0), s).build());
    assertBaselineIsItsScenario(s, baselineFleet, baseline);
    Outcome expected = outcome(baselineFleet, baseline);
    long points = counting.points();
    assertThat(points).as("crash points of %s, seed %s", s.name(), seed).isGreaterThan(100);

    int swept = 0;
    List<String> failures = new ArrayList<>();
    for (long n = 1; n <= points; n++) {
      SimulatedFleet fleet = fleet(s, seed);
      RolloutStore store = storeForRun.apply(n);
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
      fail(failures.size() + " crash points of " + s.name() + " ended differently (seed " + seed + "):\n"
          + String.join("\n", failures.subList(0, Math.min(5, failures.size()))));
    }
    return new Swept(swept);
  }

  private static int sweepSeeds(Scenario s, String store, LongFunction<LongFunction<RolloutStore>> stores) {
    long started = System.nanoTime();
    int swept = 0;
    List<Integer> perSeed = new ArrayList<>();
    int seeds = s.mode() == OrchestrationMode.FLEXIBLE ? FLEXIBLE_SEEDS : SEEDS;
    for (long seed = FIRST_SEED; seed < FIRST_SEED + seeds; seed++) {
      Swept one = sweep(s, seed, stores.apply(seed));
      perSeed.add(one.points());
      swept += one.points();
    }
    System.out.printf("crash sweep %s, %s store: %,d crash points over %d seeds %s, every run ended as the "
        + "uncrashed one, %.1f s%n", s.name(), store, swept, seeds, perSeed, (System.nanoTime() - started) / 1e9);
    return swept;
  }

  @Test
  void sweep_healthyRolloutCrashedAtEveryPoint_endsAsTheUncrashedRunWithEachInstanceUpgradedOnce() {
    int swept = sweepSeeds(HEALTHY, "memory", seed -> n -> RolloutStore.inMemory());

    // predicted looks: fewer looks, so fewer points to crash at (570 over 3 seeds; 600 and more with a 5 s tail)
    assertThat(swept).isGreaterThan(180 * SEEDS);
  }

  @Test
  void sweep_faultingRolloutCrashedAtEveryPoint_endsFaultedWithTheSameRollbacks() {
    int swept = sweepSeeds(BAD_IMAGE, "memory", seed -> n -> RolloutStore.inMemory());

    assertThat(swept).isGreaterThan(100 * SEEDS);
  }

  @Test
  void sweep_maxSurgeRolloutCrashedAtEveryPoint_neverCreatesSurgeInstancesTwice() {
    int swept = sweepSeeds(SURGE, "memory", seed -> n -> RolloutStore.inMemory());

    assertThat(swept).isGreaterThan(200 * SEEDS);
  }

  @Test
  void sweep_flexibleHealthyRolloutCrashedAtEveryPoint_endsAsTheUncrashedRunWithEachVmUpgradedOnce() {
    int swept = sweepSeeds(HEALTHY.flexible(), "memory", seed -> n -> RolloutStore.inMemory());

    assertThat(swept).isGreaterThan(160 * FLEXIBLE_SEEDS);
  }

  @Test
  void sweep_flexibleFaultingRolloutCrashedAtEveryPoint_endsFaultedWithTheSameRollbacks() {
    int swept = sweepSeeds(BAD_IMAGE.flexible(), "memory", seed -> n -> RolloutStore.inMemory());

    assertThat(swept).isGreaterThan(100 * FLEXIBLE_SEEDS);
  }

  @Test
  void sweep_flexibleMaxSurgeRolloutCrashedAtEveryPoint_neverCreatesSurgeVmsTwice() {
    int swept = sweepSeeds(SURGE.flexible(), "memory", seed -> n -> RolloutStore.inMemory());

    assertThat(swept).isGreaterThan(200 * FLEXIBLE_SEEDS);
  }

  @Test
  void sweep_durableFileStore_everyPoint_resumesFromTheFiles() {
    int swept = sweepSeeds(HEALTHY, "file", seed -> n -> RolloutStore.file(dir.resolve(seed + "-" + n)));

    assertThat(swept).isGreaterThan(180 * SEEDS);
  }

  @Test
  void sweep_durableFileStore_faultingRolloutEveryPoint_resumesFromTheFiles() {
    int swept = sweepSeeds(BAD_IMAGE, "file", seed -> n -> RolloutStore.file(dir.resolve("bad-" + seed + "-" + n)));

    assertThat(swept).isGreaterThan(100 * SEEDS);
  }

  @Test
  void restart_withDifferentOwner_waitsForTheCrashedLeaseToExpireThenResumes() {
    SimulatedFleet fleet = fleet(HEALTHY, FIRST_SEED);
    RolloutStore store = RolloutStore.inMemory();
    CrashPoints crash = CrashPoints.at(40);
    try {
      fleet.run(runner(fleet, crash.wrap(fleet), crash.wrap(store), HEALTHY).owner("replica-a").build());
    } catch (SimulatedCrash expected) {
      // replica-a died holding the lease
    }
    java.time.Instant crashedAt = fleet.clock().instant();

    Rollout b = fleet.run(runner(fleet, fleet, store, HEALTHY).owner("replica-b")
        .leaseDuration(Duration.ofMinutes(5)).build());

    assertThat(b.status().name()).isEqualTo("COMPLETED");
    assertThat(b.events().get(0).at()).as("replica-b's first event comes after a's lease expired")
        .isAfterOrEqualTo(crashedAt.plus(Duration.ofMinutes(5)));
    ScaleSetId id = fleet.scaleSetIds().get(0);
    FleetRecord record = fleet.record(id);
    assertThat(record.instances()).allSatisfy(i -> assertThat(record.count(i, InstanceChange.Kind.UPGRADE_STARTED))
        .isEqualTo(1));
    assertThat(record.calls("upgradeInstances")).as("replica-b sent batches after the crash")
        .anyMatch(c -> c.accepted() && !c.at().isBefore(crashedAt));
  }
}
