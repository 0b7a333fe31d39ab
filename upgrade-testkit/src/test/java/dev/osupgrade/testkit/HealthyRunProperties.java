package dev.osupgrade.testkit;

import static dev.osupgrade.testkit.Images.V1;
import static dev.osupgrade.testkit.Images.V2;
import static dev.osupgrade.testkit.Images.ubuntu;
import static org.assertj.core.api.Assertions.assertThat;

import dev.osupgrade.fleet.HealthState;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.policy.RollingUpgradePolicy;
import dev.osupgrade.rollout.Rollout;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Invariants of a healthy run over random fleets and policies, on the simulated fleet, checked against the fleet's
 * record: batches as sent within the batch size and one zone, every instance sent once and upgraded once.
 */
final class HealthyRunProperties {

  static LongStream seeds() {
    return LongStream.rangeClosed(1, 150);
  }

  // Each seed draws a fleet and a policy; a failure names the seed, and the same seed replays the same case.
  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  void healthyRun_randomFleetAndPolicy_upgradesEveryInstanceExactlyOnceWithinBudgets(long seed) {
    SplittableRandom draw = new SplittableRandom(seed);
    int instances = draw.nextInt(1, 61);
    int zones = draw.nextInt(0, 4);
    int updateDomains = draw.nextInt(1, 6);
    int batchPercent = draw.nextInt(5, 101);
    boolean crossZone = draw.nextBoolean();
    boolean unhealthyFirst = draw.nextBoolean();
    int unhealthyAtStart = draw.nextInt(0, 3);
    SimulatedFleet fleet = SimulatedFleet.create(seed);
    ScaleSetId id = fleet.add(ScaleSetSpec.named("p").instances(instances).zones(zones)
        .updateDomains(updateDomains).image(ubuntu(V1)));
    fleet.publish(ubuntu(V2));
    for (int k = 0; k < Math.min(unhealthyAtStart, instances); k++) {
      fleet.setHealth(id, HealthState.UNHEALTHY, String.valueOf(instances - 1 - k));
    }
    RollingUpgradePolicy policy = RollingUpgradePolicy.builder().maxBatchInstancePercent(batchPercent)
        .maxUnhealthyInstancePercent(100).enableCrossZoneUpgrade(crossZone)
        .prioritizeUnhealthyInstances(unhealthyFirst).build();

    Rollout r = fleet.run(Rollout.builder(fleet, id).target(V2).clock(fleet.clock()).policy(policy).build());

    String context = "seed " + seed + "\n" + r.eventLog();
    assertThat(r.status()).as(context).hasToString("COMPLETED");
    // Graded by what the fleet was sent and did (its record), not by the rollout's plan or events.
    FleetRecord record = fleet.record(id);
    int size = Math.max(1, instances * batchPercent / 100);
    Set<String> sent = new HashSet<>();
    List<PortCall> batches = record.calls("upgradeInstances");
    for (PortCall b : batches) {
      assertThat(b.accepted()).as(context).isTrue();
      assertThat(b.instanceIds()).as("batch %s; %s", b, context).hasSizeLessThanOrEqualTo(size);
      Map<String, Instance> then = new HashMap<>();
      record.fleetAt(b).forEach(i -> then.put(i.instanceId(), i));
      if (!crossZone) {
        assertThat(b.instanceIds().stream().map(i -> then.get(i).zone()).distinct()).as("zones of %s; %s", b,
            context).hasSize(1);
      }
      for (String instanceId : b.instanceIds()) {
        assertThat(sent.add(instanceId)).as("instance %s sent twice; %s", instanceId, context).isTrue();
      }
    }
    assertThat(sent).as(context).hasSize(instances);
    for (Instance i : fleet.peek(id).instances()) {
      assertThat(i.runs(V2)).as(context).isTrue();
      assertThat(record.count(i.instanceId(), InstanceChange.Kind.UPGRADE_STARTED)).as("upgrades of %s; %s",
          i.instanceId(), context).isEqualTo(1);
      assertThat(record.count(i.instanceId(), InstanceChange.Kind.ROLLBACK_STARTED)).as(context).isZero();
    }
    assertThat(batches).as(context).hasSize(r.plan().orElseThrow().batches().size());
  }
}
