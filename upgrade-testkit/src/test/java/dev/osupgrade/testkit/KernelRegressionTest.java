package dev.osupgrade.testkit;

import static dev.osupgrade.testkit.Images.V1;
import static dev.osupgrade.testkit.Images.V2;
import static dev.osupgrade.testkit.Images.ubuntu;
import static org.assertj.core.api.Assertions.assertThat;

import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.ops.RolloutStatus;
import dev.osupgrade.policy.RollingUpgradePolicy;
import dev.osupgrade.rollout.Rollout;
import java.time.Duration;
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
}
