package dev.osupgrade.testkit;

import static dev.osupgrade.testkit.Images.V1;
import static dev.osupgrade.testkit.Images.V2;
import static dev.osupgrade.testkit.Images.ubuntu;
import static dev.osupgrade.testkit.OsUpgradeAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import dev.osupgrade.event.BatchStarted;
import dev.osupgrade.event.InstanceHealthy;
import dev.osupgrade.event.RolloutCompleted;
import dev.osupgrade.event.RolloutStalled;
import dev.osupgrade.fleet.HealthState;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.ops.FleetVerification;
import dev.osupgrade.ops.Stall;
import dev.osupgrade.policy.RollingUpgradePolicy;
import dev.osupgrade.rollout.InstanceProgress;
import dev.osupgrade.rollout.InstanceStage;
import dev.osupgrade.rollout.Rollout;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The truth rule: a rollout says {@code Completed} only when a final full read shows the fleet on the target, or
 * explains each instance that is not; no single look settles an instance for good. Checked against the simulator.
 */
final class TruthRuleTest {
  private static final long SEED = 88;

  private static SimulatedFleet fleet(int instances) {
    SimulatedFleet fleet = SimulatedFleet.create(SEED);
    fleet.add(ScaleSetSpec.named("web").instances(instances).image(ubuntu(V1)));
    fleet.publish(ubuntu(V2));
    return fleet;
  }

  private static RolloutCompleted completed(Rollout r) {
    return r.events().stream().filter(RolloutCompleted.class::isInstance).map(RolloutCompleted.class::cast)
        .findFirst().orElseThrow();
  }

  /** Issue case 2: one listing of {@code []} mid-rollout used to settle every instance as removed for good. */
  @Test
  void oneEmptyListingMidRollout_isAFailedLookNotEveryInstanceRemoved() {
    SimulatedFleet fleet = fleet(10);
    ScaleSetId id = fleet.scaleSetIds().get(0);
    HookedPort port = new HookedPort(fleet);
    int[] listings = {0};
    port.listInstances = i -> ++listings[0] == 5 ? List.of() : fleet.listInstances(i);

    Rollout r = fleet.run(Rollout.builder(port, id).target(V2).clock(fleet.clock()).build());

    assertThat(r).isCompleted().hasProgress(10, 0, 0, 0);
    assertThat(r.events()).filteredOn(RolloutStalled.class::isInstance).singleElement()
        .satisfies(e -> assertThat(((RolloutStalled) e).stall().code()).isEqualTo(Stall.EMPTY_LISTING));
    assertThat(fleet.peek(id).instances()).hasSize(10).allSatisfy(i -> {
      assertThat(i.runs(V2)).as(i.instanceId()).isTrue();
      assertThat(fleet.reimageCount(id, i.instanceId())).isEqualTo(1);
    });
    assertThat(completed(r).verification().onTargetAndHealthy()).isEqualTo(10);
  }

  @Test
  void instancesMissingFromOneListing_areNotDroppedAndAreUpgraded() {
    SimulatedFleet fleet = fleet(10);
    ScaleSetId id = fleet.scaleSetIds().get(0);
    HookedPort port = new HookedPort(fleet);
    int[] listings = {0};
    // One listing (a lost page, say) leaves out every odd instance: some in flight, some not started yet.
    port.listInstances = i -> ++listings[0] == 4
        ? fleet.listInstances(i).stream().filter(x -> Integer.parseInt(x.instanceId()) % 2 == 0).toList()
        : fleet.listInstances(i);

    Rollout r = fleet.run(Rollout.builder(port, id).target(V2).clock(fleet.clock()).build());

    assertThat(r).isCompleted().hasProgress(10, 0, 0, 0);
    assertThat(r.state().instancesIn(InstanceStage.REMOVED)).isEmpty();
    assertThat(fleet.peek(id).instances()).allSatisfy(i -> {
      assertThat(i.runs(V2)).as(i.instanceId()).isTrue();
      assertThat(fleet.reimageCount(id, i.instanceId())).isEqualTo(1);
    });
  }

  @Test
  void instanceDeletedMidRollout_droppedOnlyOnceAReadOfTheInstanceFindsItGone() {
    SimulatedFleet fleet = fleet(10);
    ScaleSetId id = fleet.scaleSetIds().get(0);
    fleet.clock().schedule(Duration.ofMinutes(3), () -> fleet.deleteInstances(id, List.of("9")));
    Rollout r = Rollout.builder(fleet, id).target(V2).clock(fleet.clock()).build();
    fleet.track(r);
    Instant firstMissed = null;
    for (Optional<Instant> next = r.advance(); next.isPresent(); next = r.advance()) {
      Instant missed = r.state().missingSince().get("9");
      if (missed != null && firstMissed == null) {
        firstMissed = missed;
        assertThat(r.state().instances().get("9").stage()).as("missed once: not settled yet")
            .isEqualTo(InstanceStage.PENDING);
      }
      fleet.clock().advanceTo(next.get());
    }

    InstanceProgress nine = r.state().instances().get("9");
    assertThat(firstMissed).isNotNull();
    assertThat(nine.stage()).isEqualTo(InstanceStage.REMOVED);
    assertThat(nine.settledAt()).isAfterOrEqualTo(firstMissed.plus(Duration.ofSeconds(30)));
    assertThat(fleet.record(id).calls("instance")).as("one read of 9 itself, a poll interval after it was missed")
        .singleElement().satisfies(c -> {
          assertThat(c.instanceIds()).containsExactly("9");
          assertThat(c.at()).isEqualTo(nine.settledAt());
        });
    assertThat(r).isCompleted().hasProgress(9, 0, 0, 0);
    FleetVerification v = completed(r).verification();
    assertThat(v.instances()).isEqualTo(9).isEqualTo(fleet.peek(id).instanceCount());
    assertThat(v.onTargetAndHealthy()).isEqualTo(9);
    assertThat(fleet.peek(id).instances()).allSatisfy(i -> assertThat(i.runs(V2)).isTrue());
  }

  @Test
  void completed_finalFullReadExplainsEveryInstanceNotOnTheTargetAndHealthy() {
    SimulatedFleet fleet = fleet(12);
    ScaleSetId id = fleet.scaleSetIds().get(0);
    fleet.protect(id, true, "11");
    fleet.faults().applicationStartupFailure(id, "3");
    List<String> firstBatch = new ArrayList<>();
    Rollout r = Rollout.builder(fleet, id).target(V2).clock(fleet.clock())
        .policy(RollingUpgradePolicy.builder().maxUnhealthyInstancePercent(50)
            .maxUnhealthyUpgradedInstancePercent(50).build())
        .listener(e -> {
          if (e instanceof BatchStarted b && b.batch() == 1) {
            firstBatch.addAll(b.instanceIds());
          }
          if (e instanceof InstanceHealthy h && h.instanceId().equals(firstBatch.get(0))) {
            fleet.setHealth(id, HealthState.UNHEALTHY, h.instanceId()); // its application falls over later
          }
          if (e instanceof InstanceHealthy h && h.instanceId().equals(firstBatch.get(1))) {
            fleet.rollBackInstances(id, List.of(h.instanceId()), ubuntu(V1)); // someone reimages it back
          }
        }).build();

    fleet.run(r);

    assertThat(firstBatch).hasSize(2).doesNotContain("3", "11");
    assertThat(r).isCompleted();
    FleetVerification v = completed(r).verification();
    assertThat(v.modelOnTarget()).isTrue();
    assertThat(v.instances()).isEqualTo(12);
    Map<String, FleetVerification.Reason> explained = new TreeMap<>();
    v.explained().forEach(x -> explained.put(x.instanceId(), x.reason()));
    assertThat(explained).containsOnly(
        Map.entry(firstBatch.get(0), FleetVerification.Reason.UNHEALTHY_ON_TARGET),
        Map.entry(firstBatch.get(1), FleetVerification.Reason.DRIFTED),
        Map.entry("3", FleetVerification.Reason.FAILED),
        Map.entry("11", FleetVerification.Reason.PROTECTED));
    assertThat(v.onTargetAndHealthy()).isEqualTo(8);
    // The verification is the fleet's truth: every instance is on the target and healthy, or explained.
    for (Instance i : fleet.peek(id).instances()) {
      boolean good = i.runs(V2) && i.health() == HealthState.HEALTHY;
      assertThat(explained.containsKey(i.instanceId())).as("%s explained", i.instanceId()).isEqualTo(!good);
    }
    assertThat(completed(r).toString()).contains("8 of 12 instances on the target and healthy", "11 protected",
        "3 failed", "drifted", "unhealthy on target");
  }

  @Test
  void completed_onlyAfterAFullReadOfModelAndInstances() {
    SimulatedFleet fleet = fleet(10);
    ScaleSetId id = fleet.scaleSetIds().get(0);
    HookedPort port = new HookedPort(fleet);
    List<String> reads = new ArrayList<>();
    port.get = i -> {
      reads.add("get");
      return fleet.get(i);
    };
    port.listInstances = i -> {
      reads.add("list");
      return fleet.listInstances(i);
    };
    Rollout r = Rollout.builder(port, id).target(V2).clock(fleet.clock()).listener(e -> {
      if (e instanceof RolloutCompleted) {
        reads.add("completed");
      }
    }).build();

    fleet.run(r);

    assertThat(reads.get(0)).isEqualTo("get");
    assertThat(reads.subList(reads.size() - 2, reads.size())).containsExactly("get", "completed");
    assertThat(reads).filteredOn("get"::equals).hasSize(2);
  }
}
