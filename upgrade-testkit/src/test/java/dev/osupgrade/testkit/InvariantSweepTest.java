package dev.osupgrade.testkit;

import static dev.osupgrade.testkit.Images.V1;
import static dev.osupgrade.testkit.Images.V2;
import static dev.osupgrade.testkit.Images.ubuntu;
import static org.assertj.core.api.Assertions.assertThat;

import dev.osupgrade.fleet.HealthState;
import dev.osupgrade.fleet.OrchestrationMode;
import dev.osupgrade.fleet.ResourceLock;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.ops.RolloutStatus;
import dev.osupgrade.policy.RollingUpgradePolicy;
import dev.osupgrade.rollout.Rollout;
import dev.osupgrade.rollout.RolloutOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.LongFunction;
import org.junit.jupiter.api.Test;

/**
 * Seeded random fleets, policies and fault schedules, each run to its end on the simulator and graded by the
 * simulator's own record of what happened ({@link FleetRecord}, through {@link RolloutTruth}), not by the rollout's
 * events: executed batches within the batch size, one zone (without cross-zone upgrade) and update-domain
 * boundaries; the unhealthy budget held, by the fleet's truth, at the look each batch was decided from; a true breach
 * stops the rollout; a {@code Completed} rollout leaves every existing, unprotected instance on the target and
 * healthy (or explained by an event naming it); rolled-back instances run their previous image; no instance
 * reimaged twice unless rolled back; nothing upgraded that the plan did not hold or the rollout did not decide. Every
 * hundredth scenario is replayed and must give the same event log, fleet log and record, byte for byte. A failing
 * case prints its seed and what it drew; the same seed replays it.
 *
 * <p>The number of seeds is a system property, {@code osupgrade.sweep.seeds} (default and CI: 1,000). The large run,
 * 10,000 seeds (about ten times the default's time):
 * <pre>
 * mvn -B -o -pl upgrade-testkit -am test -Dtest=InvariantSweepTest -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Dosupgrade.sweep.seeds=10000
 * </pre>
 * One case again, with its event log: add {@code -Dosupgrade.sweep.from=1988 -Dosupgrade.sweep.seeds=1}.
 *
 * <p>The same sweep runs for Flexible scale sets ({@code osupgrade.sweep.flexibleSeeds}, default 300, fewer than
 * Uniform's to keep the suite's time in check; the draws are Uniform's plus, from a stream of their own, the fault
 * domains — 1 to 3 for a regional set, 1 for a zonal one — and a {@code CanNotDelete} lock on one VM now and then):
 * executed batches are checked against fault-domain boundaries there, and the "protected" fault is a
 * {@code ReadOnly} resource lock.
 *
 * <p>One seed in five, drawn from a stream of its own, also gets the adversary's short listings
 * ({@link Faults#leaveUnhealthyOutOfListings}, from 1 to 29 minutes after the start, for 1 to 39 listings): the
 * before-batch budget is still judged by the whole set's truth at the look each batch was decided from.
 */
final class InvariantSweepTest {
  private static final int SEEDS = Integer.getInteger("osupgrade.sweep.seeds", 1000);
  private static final int FLEXIBLE_SEEDS = Integer.getInteger("osupgrade.sweep.flexibleSeeds", 300);
  /** The first seed ({@code -Dosupgrade.sweep.from}, default 1): with {@code seeds=1}, replays one failing case. */
  private static final long FROM = Long.getLong("osupgrade.sweep.from", 1);
  private static final int REPLAYED = 100;
  /** What one seed draws, printed when it fails. */
  record Drawn(long seed, int instances, int zones, RollingUpgradePolicy policy, boolean rollback,
      List<String> faults, OrchestrationMode mode, int faultDomains) {
    Drawn(long seed, int instances, int zones, RollingUpgradePolicy policy, boolean rollback, List<String> faults) {
      this(seed, instances, zones, policy, rollback, faults, OrchestrationMode.UNIFORM, 5);
    }
  }

  /** Uniform's draw for the seed, on a Flexible scale set: fault domains and a delete lock from a stream of their own. */
  static Drawn drawFlexible(long seed) {
    Drawn d = draw(seed);
    SplittableRandom r = new SplittableRandom(seed ^ 0xF1E7L);
    int faultDomains = d.zones() == 0 ? r.nextInt(1, 4) : 1;
    List<String> faults = new ArrayList<>(d.faults());
    if (r.nextInt(5) == 0) {
      faults.add("no-delete-lock");
    }
    return new Drawn(seed, d.instances(), d.zones(), d.policy(), d.rollback(), faults, OrchestrationMode.FLEXIBLE,
        faultDomains);
  }

  static Drawn draw(long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    RollingUpgradePolicy policy = RollingUpgradePolicy.builder()
        .maxBatchInstancePercent(r.nextInt(5, 101))
        .maxUnhealthyInstancePercent(r.nextInt(5, 101))
        .maxUnhealthyUpgradedInstancePercent(r.nextInt(0, 101))
        .pauseTimeBetweenBatches(Duration.ofMinutes(r.nextInt(0, 3) * 5L))
        .prioritizeUnhealthyInstances(r.nextBoolean())
        .enableCrossZoneUpgrade(r.nextInt(4) == 0)
        .rollbackFailedInstancesOnPolicyBreach(r.nextBoolean())
        .maxSurge(r.nextInt(4) == 0)
        .build();
    List<String> faults = new ArrayList<>();
    String[] kinds = {"unhealthy-image", "boot-failure", "slow-init", "flapping", "late-recovery",
        "maintenance", "zone-outage", "throttling", "server-errors", "extension-failures", "unhealthy-at-start",
        "protected"};
    for (String kind : kinds) {
      if (r.nextInt(5) == 0) {
        faults.add(kind);
      }
    }
    int instances = r.nextInt(1, 61);
    int zones = r.nextInt(0, 4);
    boolean rollback = r.nextInt(4) != 0;
    // Drawn from a stream of its own, so that every other draw of the seed stays what it was.
    if (new SplittableRandom(seed ^ 0x5407L).nextInt(5) == 0) {
      faults.add("short-listings");
    }
    return new Drawn(seed, instances, zones, policy, rollback, faults);
  }

  static Rollout run(Drawn d, SimulatedFleet fleet) {
    ScaleSetSpec spec = ScaleSetSpec.named("s").instances(d.instances()).zones(d.zones()).image(ubuntu(V1))
        .orchestration(d.mode());
    if (d.mode() == OrchestrationMode.FLEXIBLE) {
      spec.faultDomains(d.faultDomains());
    }
    ScaleSetId id = fleet.add(spec);
    fleet.publish(ubuntu(V2));
    SplittableRandom r = new SplittableRandom(d.seed() ^ 0x5EEDL);
    List<String> created = fleet.createdInstanceIds(id);
    String last = created.get(d.instances() - 1);
    for (String f : d.faults()) {
      switch (f) {
        case "unhealthy-image" -> fleet.imageBehavior(V2, ImageBehavior.comesUpUnhealthy());
        case "boot-failure" -> fleet.imageBehavior(V2, ImageBehavior.failsToBoot());
        case "slow-init" -> fleet.imageBehavior(V2, ImageBehavior.slowInitializing(Duration.ofMinutes(r.nextInt(1,
            40))));
        case "flapping" -> fleet.imageBehavior(V2, ImageBehavior.flapping(Duration.ofMinutes(r.nextInt(1, 8))));
        case "late-recovery" -> fleet.imageBehavior(V2, ImageBehavior.recoversAfter(Duration.ofMinutes(
            r.nextInt(1, 10))));
        case "maintenance" -> fleet.faults().randomMaintenance(id, Duration.ofMinutes(r.nextInt(0, 60)),
            Duration.ofMinutes(r.nextInt(5, 60)), r.nextInt(1, Math.max(2, d.instances() / 3 + 1)));
        case "zone-outage" -> {
          if (d.zones() > 0) {
            fleet.faults().zoneOutage(id, String.valueOf(r.nextInt(1, d.zones() + 1)),
                Duration.ofMinutes(r.nextInt(0, 90)), Duration.ofMinutes(r.nextInt(10, 120)));
          }
        }
        case "throttling" -> fleet.faults().throttleRate("listInstances", 0.2).throttleRate("upgradeInstances", 0.3);
        case "server-errors" -> fleet.faults().serverErrorRate("listInstances", 0.1)
            .serverErrorRate("rollBackInstances", 0.2);
        case "extension-failures" -> fleet.faults().extensionFailureRate(0.1);
        case "unhealthy-at-start" -> fleet.setHealth(id, HealthState.UNHEALTHY, last);
        case "protected" -> {
          if (d.mode() == OrchestrationMode.FLEXIBLE) {
            fleet.lock(id, ResourceLock.READ_ONLY, created.get(0));
          } else {
            fleet.protect(id, true, created.get(0));
          }
        }
        case "short-listings" -> {
          // The adversary's listings, from a moment after the plan's look: every Unhealthy or Unknown instance left
          // out, so that the set looks healthier and smaller than it is (a read of one instance still finds it).
          int listings = r.nextInt(1, 40);
          fleet.clock().schedule(Duration.ofMinutes(r.nextInt(1, 30)),
              () -> fleet.faults().leaveUnhealthyOutOfListings(id, listings));
        }
        case "no-delete-lock" -> fleet.lock(id, ResourceLock.CAN_NOT_DELETE, created.get(d.instances() / 2));
        default -> throw new IllegalStateException(f);
      }
    }
    return fleet.run(Rollout.builder(fleet, id).target(V2).clock(fleet.clock()).policy(d.policy())
        .automaticRollback(d.rollback() ? RolloutOptions.AutomaticRollback.ON : RolloutOptions.AutomaticRollback.OFF)
        .build());
  }

  /** What one seed broke. */
  record Verdict(List<RolloutTruth.Violation> violations) {}

  static Verdict check(Drawn d, SimulatedFleet fleet, Rollout r) {
    List<RolloutTruth.Violation> unknown = new ArrayList<>();
    if (!r.status().isTerminal()) {
      unknown.add(new RolloutTruth.Violation("terminal", null, "the rollout has not ended: " + r));
    }
    RolloutTruth truth = RolloutTruth.of(fleet, r, d.policy())
        .checkExecutedBatches()
        .checkBreaches()
        .checkCompleted()
        .checkReimages()
        .checkPlannedVersusExecuted();
    unknown.addAll(truth.violations()); // judged by the fleet as the rollout ended
    int judged = truth.violations().size();
    fleet.clock().runUntilIdle(); // rollbacks still in flight when the rollout ended finish
    List<RolloutTruth.Violation> all = truth.checkRolledBackInstancesRunTheirPreviousImage().violations();
    unknown.addAll(all.subList(judged, all.size()));
    return new Verdict(unknown);
  }

  /** Everything a replay must reproduce: the event log, the fleet's log and its record. */
  private static List<String> transcript(SimulatedFleet fleet, Rollout r) {
    List<String> lines = new ArrayList<>(r.events().stream().map(Object::toString).toList());
    lines.addAll(fleet.log());
    FleetRecord record = fleet.record(r.scaleSet());
    record.calls().forEach(c -> lines.add(c.toString()));
    for (String i : record.instances()) {
      record.history(i).forEach(e -> lines.add(i + " " + e));
    }
    return lines;
  }

  @Test
  void sweep_seededFleetsPoliciesAndFaults_holdEveryInvariantByTheFleetsRecord() {
    sweep("invariant sweep", SEEDS, InvariantSweepTest::draw);
  }

  @Test
  void sweep_flexibleFleets_holdEveryInvariantByTheFleetsRecordWithFaultDomainBoundaries() {
    sweep("invariant sweep, Flexible", FLEXIBLE_SEEDS, InvariantSweepTest::drawFlexible);
  }

  private static void sweep(String label, int seeds, LongFunction<Drawn> drawer) {
    long started = System.nanoTime();
    int faulted = 0;
    int completed = 0;
    int faultsScripted = 0;
    int batches = 0;
    int replayed = 0;
    int stride = Math.max(1, seeds / REPLAYED);
    Map<Long, List<RolloutTruth.Violation>> broken = new TreeMap<>();
    Map<String, Integer> byInvariant = new TreeMap<>();
    List<String> reports = new ArrayList<>();
    for (long seed = FROM; seed < FROM + seeds; seed++) {
      Drawn d = drawer.apply(seed);
      SimulatedFleet fleet = SimulatedFleet.create(seed);
      Rollout r = run(d, fleet);
      Verdict verdict = check(d, fleet, r);
      List<RolloutTruth.Violation> violations = verdict.violations();
      faultsScripted += d.faults().size();
      batches += (int) fleet.record(r.scaleSet()).calls().stream()
          .filter(c -> c.accepted() && (c.is("upgradeInstances") || c.is("scaleOut"))).count();
      if (r.status() == RolloutStatus.FAULTED) {
        faulted++;
      } else if (r.status() == RolloutStatus.COMPLETED) {
        completed++;
      }
      if (!violations.isEmpty()) {
        broken.put(seed, violations);
        violations.stream().map(RolloutTruth.Violation::invariant).distinct()
            .forEach(v -> byInvariant.merge(v, 1, Integer::sum));
        if (reports.size() < 5) {
          reports.add("seed " + seed + " drew " + d + "\n  " + String.join("\n  ",
              violations.stream().map(Object::toString).toList()) + "\n" + r.eventLog());
        }
      }
      if (seed % stride == 0 && replayed < REPLAYED) {
        SimulatedFleet again = SimulatedFleet.create(seed);
        Rollout replay = run(d, again);
        again.clock().runUntilIdle();
        assertThat(transcript(again, replay)).as("replay of seed %s", seed).isEqualTo(transcript(fleet, r));
        replayed++;
      }
    }
    System.out.printf("%s: %,d seeds (%d completed, %d faulted), %,d batches executed, %,d faults "
        + "scripted, %d replayed byte for byte, %d seeds breaking an invariant %s, %.1f s%n", label, seeds, completed,
        faulted, batches, faultsScripted, replayed, broken.size(), byInvariant,
        (System.nanoTime() - started) / 1e9);
    assertThat(broken).as("seeds breaking an invariant, by the fleet's record:\n%s", String.join("\n", reports))
        .isEmpty();
    if (seeds >= 100) {
      assertThat(completed).as("the sweep exercises healthy runs").isGreaterThan(seeds / 10);
      assertThat(faulted).as("the sweep exercises breaches").isGreaterThan(seeds / 10);
    }
    assertThat(replayed).isEqualTo(Math.min(REPLAYED, seeds));
  }
}
