package dev.osupgrade.testkit;

import static dev.osupgrade.testkit.Images.V1;
import static dev.osupgrade.testkit.Images.V2;
import static dev.osupgrade.testkit.Images.ubuntu;
import static org.assertj.core.api.Assertions.assertThat;

import dev.osupgrade.event.BatchStarted;
import dev.osupgrade.event.GateEvaluated;
import dev.osupgrade.event.InstanceRolledBack;
import dev.osupgrade.event.RolloutEvent;
import dev.osupgrade.fleet.HealthState;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.health.GateVerdict;
import dev.osupgrade.ops.RolloutStatus;
import dev.osupgrade.plan.Batch;
import dev.osupgrade.plan.RolloutPlan;
import dev.osupgrade.policy.Percent;
import dev.osupgrade.policy.RollingUpgradePolicy;
import dev.osupgrade.rollout.Rollout;
import dev.osupgrade.rollout.RolloutOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * A thousand seeded random fleets, policies and fault schedules, each run to its end on the simulator, each checked
 * against the rollout's invariants. A failing case prints its seed and what it drew; the same seed replays it.
 */
final class InvariantSweepTest {
  private static final int SCENARIOS = 1000;
  private static final int REPLAYED = 100;

  /** What one seed draws, printed when it fails. */
  private record Drawn(long seed, int instances, int zones, RollingUpgradePolicy policy, boolean rollback,
      List<String> faults) {}

  private static Drawn draw(long seed) {
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
    return new Drawn(seed, r.nextInt(1, 61), r.nextInt(0, 4), policy, r.nextInt(4) != 0, faults);
  }

  private static Rollout run(Drawn d, SimulatedFleet fleet) {
    ScaleSetId id = fleet.add(ScaleSetSpec.named("s").instances(d.instances()).zones(d.zones()).image(ubuntu(V1)));
    fleet.publish(ubuntu(V2));
    SplittableRandom r = new SplittableRandom(d.seed() ^ 0x5EEDL);
    String last = String.valueOf(d.instances() - 1);
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
        case "protected" -> fleet.protect(id, true, "0");
        default -> throw new IllegalStateException(f);
      }
    }
    return fleet.run(Rollout.builder(fleet, id).target(V2).clock(fleet.clock()).policy(d.policy())
        .automaticRollback(d.rollback() ? RolloutOptions.AutomaticRollback.ON : RolloutOptions.AutomaticRollback.OFF)
        .build());
  }

  private static void check(Drawn d, SimulatedFleet fleet, Rollout r) {
    String why = "seed " + d.seed() + " drew " + d + "\n" + r.eventLog();
    assertThat(r.status().isTerminal()).as(why).isTrue();
    RolloutPlan plan = r.plan().orElse(null);
    if (plan != null) {
      int size = d.policy().batchSizeFor(plan.instanceCount());
      for (Batch b : plan.batches()) {
        assertThat(b.size()).as("batch size; " + why).isLessThanOrEqualTo(size);
        if (!d.policy().enableCrossZoneUpgrade()) {
          assertThat(b.zones()).as("zones of batch %s; %s", b.number(), why).hasSize(1);
        }
      }
    }
    Percent budget = d.policy().unhealthyPercent();
    boolean breached = false;
    List<RolloutEvent> events = r.events();
    for (RolloutEvent e : events) {
      if (e instanceof BatchStarted b) {
        assertThat(breached).as("a batch started after a breach; " + why).isFalse();
        assertThat(budget.isExceededBy(b.unhealthyInstances(), b.totalInstances()))
            .as("batch %s started over the unhealthy budget; %s", b.batch(), why).isFalse();
        if (!d.policy().enableCrossZoneUpgrade()) {
          assertThat(b.zone()).isNotNull();
        }
      }
      if (e instanceof GateEvaluated g && g.verdict() instanceof GateVerdict.Fail) {
        breached = true;
      }
    }
    if (breached) {
      assertThat(r.status()).as(why).isEqualTo(RolloutStatus.FAULTED);
    }
    ScaleSetId id = fleet.scaleSetIds().get(0);
    for (RolloutEvent e : events) {
      if (e instanceof InstanceRolledBack rb && rb.succeeded()) {
        fleet.get(id).instance(rb.instanceId()).ifPresent(i -> assertThat(i.runs(V1))
            .as("instance %s rolled back but runs %s; %s", i.instanceId(), i.imageVersion(), why).isTrue());
      }
    }
    fleet.get(id).instances().forEach(i -> assertThat(fleet.reimageCount(id, i.instanceId()))
        .as("instance %s reimaged more than upgrade + rollback; %s", i.instanceId(), why).isLessThanOrEqualTo(2));
  }

  @Test
  void sweep_thousandSeededFleetsPoliciesAndFaults_holdEveryInvariant() {
    int faulted = 0;
    int completed = 0;
    int faultsScripted = 0;
    for (long seed = 1; seed <= SCENARIOS; seed++) {
      Drawn d = draw(seed);
      SimulatedFleet fleet = SimulatedFleet.create(seed);
      Rollout r = run(d, fleet);
      check(d, fleet, r);
      faultsScripted += d.faults().size();
      if (r.status() == RolloutStatus.FAULTED) {
        faulted++;
      } else if (r.status() == RolloutStatus.COMPLETED) {
        completed++;
      }
      if (seed % (SCENARIOS / REPLAYED) == 0) {
        SimulatedFleet again = SimulatedFleet.create(seed);
        Rollout replay = run(d, again);
        assertThat(replay.eventLog()).as("replay of seed %s", seed).isEqualTo(r.eventLog());
        assertThat(again.log()).as("fleet log replay of seed %s", seed).isEqualTo(fleet.log());
      }
    }
    System.out.printf("invariant sweep: %d scenarios (%d completed, %d faulted), %d faults scripted, %d replayed%n",
        SCENARIOS, completed, faulted, faultsScripted, REPLAYED);
    assertThat(completed).as("the sweep exercises healthy runs").isGreaterThan(SCENARIOS / 10);
    assertThat(faulted).as("the sweep exercises breaches").isGreaterThan(SCENARIOS / 10);
  }
}
