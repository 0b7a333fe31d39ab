package dev.osupgrade.testkit;

import static dev.osupgrade.testkit.Images.V1;
import static dev.osupgrade.testkit.Images.V2;
import static dev.osupgrade.testkit.Images.ubuntu;
import static org.assertj.core.api.Assertions.assertThat;

import dev.osupgrade.event.GateEvaluated;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.governance.SignalThreshold;
import dev.osupgrade.governance.performance.PerformanceGate;
import dev.osupgrade.health.GateVerdict;
import dev.osupgrade.ops.ErrorCodes;
import dev.osupgrade.ops.RolloutStatus;
import dev.osupgrade.policy.RollingUpgradePolicy;
import dev.osupgrade.port.Metric;
import dev.osupgrade.port.RolloutStore;
import dev.osupgrade.rollout.Rollout;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The decision kernel's likely bugs (issue 9), each proven by what the fleet did (the simulator's record and clock),
 * not by the rollout's own events.
 */
final class KernelRegressionTest {

  /**
   * Instances the plan did not hold (protected when it was made, unprotected while the rollout ran) are planned by
   * the same rules as the rest when they join: a batch is part of one update domain or whole update domains, never
   * part of one together with another. Before, a second planner cut them by count alone.
   */
  @Test
  void lateJoiners_acrossUpdateDomains_batchedByTheUpdateDomainRule() {
    SimulatedFleet fleet = SimulatedFleet.create(9);
    // Ten instances, instance j in update domain j % 5; batches of 2 (20%).
    ScaleSetId id = fleet.add(ScaleSetSpec.named("web").instances(10).image(ubuntu(V1)));
    fleet.publish(ubuntu(V2));
    fleet.protect(id, true, "0", "1", "5");
    fleet.clock().schedule(Duration.ofMinutes(1), () -> fleet.protect(id, false, "0", "1", "5"));

    Rollout r = fleet.run(Rollout.builder(fleet, id).target(V2).clock(fleet.clock())
        .policy(RollingUpgradePolicy.builder().maxBatchInstancePercent(20).build()).build());

    assertThat(r.status()).as(r.eventLog()).isEqualTo(RolloutStatus.COMPLETED);
    Map<String, Integer> domainOf = new TreeMap<>();
    for (Instance i : fleet.get(id).instances()) {
      domainOf.put(i.instanceId(), i.updateDomain());
    }
    Set<String> joiners = Set.of("0", "1", "5");
    List<List<String>> joinerCalls = fleet.record(id).calls().stream()
        .filter(c -> c.accepted() && c.is("upgradeInstances"))
        .map(PortCall::instanceIds)
        .filter(ids -> ids.stream().anyMatch(joiners::contains))
        .toList();
    // Update domain 0 holds joiners 0 and 5, update domain 1 holds joiner 1: [0, 5] then [1].
    assertThat(joinerCalls).containsExactly(List.of("0", "5"), List.of("1"));
    for (List<String> call : joinerCalls) {
      Set<Integer> domains = new TreeSet<>();
      call.forEach(i -> domains.add(domainOf.get(i)));
      assertThat(domains).as("update domains of %s", call).hasSize(1);
    }
    assertThat(fleet.get(id).instances()).allSatisfy(i -> assertThat(i.runs(V2)).isTrue());
  }

  /**
   * The one progress deadline: a {@code pauseTimeBetweenBatches} longer than the deadline is waiting on purpose, so
   * the first read after it failing for a passing reason stalls the rollout and it goes on; it does not fault
   * {@code RollingUpgradeTimeoutError}. (Read as a likely bug in the runner's old second deadline rule; on main it was
   * already one rule, {@code RolloutEngine.progressDeadline}, and this pins it.)
   */
  @Test
  void progressDeadline_pauseBetweenBatchesLongerThanTheDeadlineThenAReadFails_stallsAndCompletes() {
    SimulatedFleet fleet = SimulatedFleet.create(10);
    ScaleSetId id = fleet.add(ScaleSetSpec.named("web").instances(4).image(ubuntu(V1)));
    fleet.publish(ubuntu(V2));
    fleet.clock().schedule(Duration.ofHours(1), () -> fleet.faults().serverErrors("listInstances", 1, 500));

    Rollout r = fleet.run(Rollout.builder(fleet, id).target(V2).clock(fleet.clock())
        .policy(RollingUpgradePolicy.builder().maxBatchInstancePercent(50)
            .pauseTimeBetweenBatches(Duration.ofHours(3)).build())
        .build());

    assertThat(r.status()).as(r.eventLog()).isEqualTo(RolloutStatus.COMPLETED);
    assertThat(fleet.record(id).calls()).filteredOn(c -> c.is("listInstances") && !c.accepted()).hasSize(1);
    assertThat(fleet.get(id).instances()).allSatisfy(i -> assertThat(i.runs(V2)).isTrue());
  }

  /** Likewise after the caller held the rollout paused for longer than the deadline. */
  @Test
  void progressDeadline_callerPausedLongerThanTheDeadlineThenAReadFails_stallsAndCompletes() {
    SimulatedFleet fleet = SimulatedFleet.create(11);
    ScaleSetId id = fleet.add(ScaleSetSpec.named("web").instances(4).image(ubuntu(V1)));
    fleet.publish(ubuntu(V2));
    Rollout r = Rollout.builder(fleet, id).target(V2).clock(fleet.clock())
        .policy(RollingUpgradePolicy.builder().maxBatchInstancePercent(50).build()).build();
    r.advance();
    r.pause();
    for (var next = r.advance(); next.isPresent(); next = r.advance()) {
      fleet.clock().advanceTo(next.get());
    }
    assertThat(r.status()).isEqualTo(RolloutStatus.PAUSED);
    fleet.clock().advance(Duration.ofHours(5));
    r.resume();
    fleet.faults().serverErrors("listInstances", 1, 500);

    fleet.run(r);

    assertThat(r.status()).as(r.eventLog()).isEqualTo(RolloutStatus.COMPLETED);
    assertThat(fleet.get(id).instances()).allSatisfy(i -> assertThat(i.runs(V2)).isTrue());
  }

  private static PerformanceGate marginalGate() {
    // No samples at all: every judgement is marginal ("too few samples"); three waits, then it fails as inconclusive.
    return PerformanceGate.builder().source((scaleSet, metric, from, to) -> List.of())
        .threshold(SignalThreshold.percentile(Metric.CPU, 95, 90))
        .maxMarginalWaits(3).recheckAfter(Duration.ofMinutes(5))
        .whenStillMarginal(PerformanceGate.StillMarginal.FAIL).build();
  }

  private static long waits(Rollout r) {
    return r.events().stream().filter(e -> e instanceof GateEvaluated g && g.verdict() instanceof GateVerdict.Wait)
        .count();
  }

  /**
   * A gate keeps no state: how often it has waited is the rollout's, in the checkpoint. A rollout whose process dies
   * after two of the performance gate's three marginal waits is resumed by a new process with a new gate object, and
   * waits once more, not three times more. Before, the count lived in the gate and started again at zero.
   */
  @Test
  void performanceGate_processDiesBetweenMarginalWaits_resumedRolloutWaitsOnlyWhatIsLeft() {
    SimulatedFleet fleet = SimulatedFleet.create(12);
    ScaleSetId id = fleet.add(ScaleSetSpec.named("web").instances(4).image(ubuntu(V1)));
    fleet.publish(ubuntu(V2));
    RolloutStore store = RolloutStore.inMemory();
    Rollout first = Rollout.builder(fleet, id).target(V2).clock(fleet.clock()).store(store).gate(marginalGate())
        .policy(RollingUpgradePolicy.builder().maxBatchInstancePercent(50).build()).build();
    var next = first.advance();
    while (waits(first) < 2) {
      fleet.clock().advanceTo(next.orElseThrow());
      next = first.advance();
    }
    // The process dies while it waits for its next look: the clock moves on to when that look was due (its
    // advances in between only renew its lease).
    GateVerdict.Wait second = first.events().stream().filter(e -> e instanceof GateEvaluated g
        && g.verdict() instanceof GateVerdict.Wait).map(e -> (GateVerdict.Wait) ((GateEvaluated) e).verdict())
        .reduce((a, b) -> b).orElseThrow();
    fleet.clock().advanceTo(second.until());
    Instant firstWait = first.events().stream().filter(e -> e instanceof GateEvaluated g
        && g.verdict() instanceof GateVerdict.Wait).findFirst().orElseThrow().at();
    // The process dies here; a new one resumes from the store with gates built anew.
    Rollout resumed = fleet.run(Rollout.resuming(fleet, id, store).clock(fleet.clock()).gate(marginalGate())
        .policy(RollingUpgradePolicy.builder().maxBatchInstancePercent(50).build()).build());

    assertThat(resumed.status()).as(resumed.eventLog()).isEqualTo(RolloutStatus.FAULTED);
    assertThat(resumed.error().orElseThrow().code()).isEqualTo(ErrorCodes.PERFORMANCE_INCONCLUSIVE);
    assertThat(waits(first) + waits(resumed)).isEqualTo(3);
    // By the fleet's clock: three waits of five minutes after the first, not five.
    assertThat(Duration.between(firstWait, fleet.clock().instant())).isEqualTo(Duration.ofMinutes(15));
    assertThat(fleet.record(id).calls()).filteredOn(c -> c.accepted() && c.is("upgradeInstances")).hasSize(1);
  }
}
