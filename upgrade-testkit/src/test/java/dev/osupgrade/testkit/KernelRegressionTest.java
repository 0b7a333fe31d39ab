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
}
