package dev.osupgrade.testkit;

import static dev.osupgrade.testkit.Images.V1;
import static dev.osupgrade.testkit.Images.V2;
import static dev.osupgrade.testkit.Images.ubuntu;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osupgrade.InvalidValueException;
import dev.osupgrade.event.BatchStarted;
import dev.osupgrade.event.RolloutEvent;
import dev.osupgrade.fleet.HealthState;
import dev.osupgrade.fleet.OrchestrationMode;
import dev.osupgrade.fleet.ResourceLock;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.image.ImageVersion;
import dev.osupgrade.ops.RolloutStatus;
import dev.osupgrade.policy.RollingUpgradePolicy;
import dev.osupgrade.report.Comparison;
import dev.osupgrade.rollout.Rollout;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

final class WhatIfTest {
  private static final String BREACH = "MaxUnhealthyUpgradedInstancePercentExceededInRollingUpgrade";
  private static final RollingUpgradePolicy TEN = RollingUpgradePolicy.builder().maxBatchInstancePercent(10).build();

  /** 30 instances in 3 zones take a version whose application comes up Unhealthy, with Azure's default policy. */
  private static Rollout badRollout(SimulatedFleet fleet, ScaleSetId web) {
    fleet.publish(ubuntu(V2));
    fleet.imageBehavior(V2, ImageBehavior.comesUpUnhealthy());
    return fleet.run(Rollout.builder(fleet, web).target(V2).clock(fleet.clock()).build());
  }

  private static ScaleSetId web(SimulatedFleet fleet) {
    return fleet.add(ScaleSetSpec.named("web").instances(30).zones(3).image(ubuntu(V1)));
  }

  /** The instances a record says ran a version at some point: the truth, counted from the histories. */
  private static Set<String> ran(FleetRecord record, ImageVersion version) {
    Set<String> out = new TreeSet<>();
    for (String id : record.instances()) {
      for (InstanceChange c : record.history(id)) {
        if (c.kind() == InstanceChange.Kind.IMAGE_CHANGED && c.image().version().orElseThrow().equals(version)) {
          out.add(id);
        }
      }
    }
    return out;
  }

  private static List<String> firstBatch(Rollout r) {
    return r.events().stream().filter(e -> e instanceof BatchStarted).map(BatchStarted.class::cast).findFirst()
        .orElseThrow().instanceIds();
  }

  @Test
  void whatIf_badImageAtTenPercent_stopsAfterFewerExposedInstances() {
    SimulatedFleet fleet = SimulatedFleet.create(7);
    ScaleSetId web = web(fleet);
    Rollout bad = badRollout(fleet, web);
    assertThat(bad.error().orElseThrow().code()).isEqualTo(BREACH);
    Set<String> observedExposed = ran(fleet.record(web), V2);
    assertThat(observedExposed).hasSize(6); // batch 1 of 6 instances, all unhealthy

    WhatIf whatIf = WhatIf.of(bad, fleet.record(web)).with(TEN);
    List<WhatIf.Run> runs = whatIf.runs();
    WhatIf.Run ten = runs.get(1);

    Set<String> exposed = ran(ten.record(), V2);
    // 10% of 30 is 3, but a batch takes whole update domains: 2 instances (zone 1, UD 0)
    assertThat(exposed).hasSize(2).isSubsetOf(observedExposed).containsExactlyInAnyOrderElementsOf(firstBatch(
        ten.rollout()));
    assertThat(ten.rollout().status()).isEqualTo(RolloutStatus.FAULTED);
    assertThat(ten.rollout().error().orElseThrow().code()).isEqualTo(BREACH);
    assertThat(ten.row().exposed()).isEqualTo(exposed.size());
    assertThat(ten.row().assumed()).isZero();
    assertThat(ten.row().batches()).isEqualTo(1);
    assertThat(ten.row().plannedBatches()).isEqualTo(ten.rollout().plan().orElseThrow().batches().size())
        .isEqualTo(15);
    assertThat(ten.row().label()).isEqualTo("maxBatchInstancePercent 10");
    // every replayed instance failed again, and was rolled back: none runs the bad image at the end
    assertThat(ten.fleet().peek(web).instances()).noneMatch(i -> i.runs(V2));
    assertThat(ten.row().lowestHealthy()).isEqualTo(28);
    assertThat(runs.get(0).row().lowestHealthy()).isEqualTo(24);
  }

  @Test
  void whatIf_observedPolicy_reproducesTheOriginalOutcome() {
    SimulatedFleet fleet = SimulatedFleet.create(11);
    ScaleSetId web = web(fleet);
    Rollout bad = badRollout(fleet, web);

    WhatIf whatIf = WhatIf.of(bad, fleet.record(web));
    WhatIf.Run self = whatIf.runs().get(0);
    Comparison table = whatIf.compare();

    assertThat(self.rollout().status()).isEqualTo(bad.status());
    assertThat(self.rollout().error()).isEqualTo(bad.error());
    assertThat(firstBatch(self.rollout())).isEqualTo(firstBatch(bad));
    assertThat(ran(self.record(), V2)).isEqualTo(ran(fleet.record(web), V2));
    Comparison.Row observed = table.rows().get(0);
    Comparison.Row replayed = table.rows().get(1);
    assertThat(replayed.exposed()).isEqualTo(observed.exposed()).isEqualTo(6);
    assertThat(replayed.batches()).isEqualTo(observed.batches()).isEqualTo(1);
    assertThat(replayed.status()).isEqualTo(observed.status());
    assertThat(replayed.code()).isEqualTo(observed.code());
    assertThat(replayed.lowestHealthy()).isEqualTo(observed.lowestHealthy()).isEqualTo(24);
    // each instance behaved as observed: same upgrade and settling times, so the same fleet time
    assertThat(replayed.makespan()).isEqualTo(observed.makespan());
  }

  @Test
  void whatIf_healthyRollout_replaysEveryInstanceAsObserved() {
    SimulatedFleet fleet = SimulatedFleet.create(3);
    ScaleSetId web = web(fleet);
    fleet.publish(ubuntu(V2));
    Rollout good = fleet.run(Rollout.builder(fleet, web).target(V2).clock(fleet.clock()).build());

    WhatIf whatIf = WhatIf.of(good, fleet.record(web))
        .with(RollingUpgradePolicy.builder().maxBatchInstancePercent(50).enableCrossZoneUpgrade(true).build());
    Comparison table = whatIf.compare();
    WhatIf.Run self = whatIf.runs().get(0);
    WhatIf.Run half = whatIf.runs().get(1);

    assertThat(self.rollout().events().stream().map(RolloutEvent::toString).toList())
        .isEqualTo(good.events().stream().map(RolloutEvent::toString).toList());
    assertThat(half.rollout().status()).isEqualTo(RolloutStatus.COMPLETED);
    assertThat(ran(half.record(), V2)).hasSize(30);
    assertThat(half.row().batches()).isEqualTo(3); // two whole update domains (12 instances) at a time
    assertThat(half.row().assumed()).isZero();
    assertThat(table.rows()).extracting(Comparison.Row::label)
        .containsExactly("observed", "replay (observed policy)",
            "maxBatchInstancePercent 50, enableCrossZoneUpgrade true");
    assertThat(half.row().makespan()).isLessThan(table.rows().get(0).makespan());
    assertThat(half.row().lowestHealthy()).isEqualTo(18);
    assertThat(table.toString()).contains("observed", "Completed", "all 3 batches", "18/30 (60%)");
  }

  @Test
  void whatIf_flexibleScaleSetWithALockedVm_replaysByFaultDomainAndLeavesTheLockedVmAlone() {
    SimulatedFleet fleet = SimulatedFleet.create(5);
    ScaleSetId api = fleet.add(ScaleSetSpec.named("api").orchestration(OrchestrationMode.FLEXIBLE).instances(12)
        .faultDomains(3).image(ubuntu(V1)));
    String locked = fleet.createdInstanceIds(api).get(4);
    fleet.lock(api, ResourceLock.READ_ONLY, locked);
    fleet.publish(ubuntu(V2));
    Rollout good = fleet.run(Rollout.builder(fleet, api).target(V2).clock(fleet.clock()).build());

    WhatIf whatIf = WhatIf.of(good, fleet.record(api));
    WhatIf.Run self = whatIf.runs().get(0);

    assertThat(self.rollout().status()).isEqualTo(RolloutStatus.COMPLETED);
    assertThat(self.rollout().events().stream().map(RolloutEvent::toString).toList())
        .isEqualTo(good.events().stream().map(RolloutEvent::toString).toList());
    // the replay's own fleet: the same VMs took the image, the locked one did not, fault domain by fault domain
    assertThat(ran(self.record(), V2)).isEqualTo(ran(fleet.record(api), V2)).hasSize(11).doesNotContain(locked);
    assertThat(self.fleet().get(api).orchestrationMode()).isEqualTo(OrchestrationMode.FLEXIBLE);
    assertThat(self.fleet().get(api).instance(locked).orElseThrow().lock()).isEqualTo(ResourceLock.READ_ONLY);
    for (var batch : self.rollout().plan().orElseThrow().batches()) {
      assertThat(batch.instanceIds().stream().map(id -> self.fleet().get(api).instance(id).orElseThrow()
          .faultDomain()).distinct()).hasSize(1);
    }
    // known only by its events and a read of the scale set (as on Azure): the same replay
    WhatIf.Run fromEvents = WhatIf.of(good, fleet.get(api)).runs().get(0);
    assertThat(fromEvents.rollout().plan()).isEqualTo(good.plan());
    assertThat(ran(fromEvents.record(), V2)).isEqualTo(ran(fleet.record(api), V2));
  }

  @Test
  void whatIf_widerBatchesThanObserved_assumesTheUnobservedInstancesBehaveLikeTheObserved() {
    SimulatedFleet fleet = SimulatedFleet.create(5);
    ScaleSetId web = web(fleet);
    Rollout bad = badRollout(fleet, web);

    WhatIf.Run wide = WhatIf.of(bad, fleet.record(web))
        .with(RollingUpgradePolicy.builder().maxBatchInstancePercent(50).enableCrossZoneUpgrade(true).build())
        .runs().get(1);

    Set<String> exposed = ran(wide.record(), V2);
    assertThat(exposed).hasSize(12); // two whole update domains across the zones
    assertThat(wide.row().exposed()).isEqualTo(12);
    assertThat(wide.row().assumed()).isEqualTo(12 - (int) exposed.stream()
        .filter(ran(fleet.record(web), V2)::contains).count()).isPositive();
    assertThat(wide.rollout().error().orElseThrow().code()).isEqualTo(BREACH);
    // the assumed instances failed too: every exposed instance was rolled back
    assertThat(wide.fleet().peek(web).instances()).noneMatch(i -> i.runs(V2));
  }

  @Test
  void whatIf_fromEventsAlone_reachesTheSameOutcomes() {
    SimulatedFleet fleet = SimulatedFleet.create(7);
    ScaleSetId web = web(fleet);
    Rollout bad = badRollout(fleet, web);

    WhatIf whatIf = WhatIf.of(bad, fleet.get(web)).with(TEN);
    WhatIf.Run self = whatIf.runs().get(0);
    WhatIf.Run ten = whatIf.runs().get(1);

    assertThat(self.rollout().error().orElseThrow().code()).isEqualTo(BREACH);
    assertThat(ran(self.record(), V2)).containsExactlyInAnyOrderElementsOf(firstBatch(bad));
    assertThat(ran(ten.record(), V2)).hasSize(2);
    assertThat(ten.row().exposed()).isEqualTo(2);
    assertThat(ten.rollout().error().orElseThrow().code()).isEqualTo(BREACH);
    assertThat(whatIf.compare().title()).contains("replayed from the rollout's events");
  }

  @Test
  void whatIf_instanceUnhealthyBeforeTheRollout_isReplayedUnhealthy() {
    SimulatedFleet fleet = SimulatedFleet.create(9);
    ScaleSetId web = web(fleet);
    fleet.setHealth(web, HealthState.UNHEALTHY, "4", "7");
    fleet.clock().advance(Duration.ofMinutes(1));
    fleet.publish(ubuntu(V2));
    Rollout good = fleet.run(Rollout.builder(fleet, web).target(V2).clock(fleet.clock()).build());

    WhatIf.Run self = WhatIf.of(good, fleet.record(web)).runs().get(0);

    BatchStarted first = (BatchStarted) self.rollout().events().stream().filter(e -> e instanceof BatchStarted)
        .findFirst().orElseThrow();
    assertThat(first.unhealthyInstances()).isEqualTo(2);
    assertThat(self.rollout().status()).isEqualTo(good.status());
  }

  @Test
  void whatIf_rolloutNotStartedOrOtherScaleSet_rejected() {
    SimulatedFleet fleet = SimulatedFleet.create(1);
    ScaleSetId web = web(fleet);
    ScaleSetId api = fleet.add(ScaleSetSpec.named("api").instances(2).image(ubuntu(V1)));
    fleet.publish(ubuntu(V2));
    Rollout notStarted = Rollout.builder(fleet, web).target(V2).clock(fleet.clock()).build();

    assertThatThrownBy(() -> WhatIf.of(notStarted, fleet.record(web))).isInstanceOf(InvalidValueException.class)
        .hasMessageContaining("rollout");
    assertThatThrownBy(() -> WhatIf.of(notStarted, fleet.record(api))).isInstanceOf(InvalidValueException.class)
        .hasMessageContaining("record");
    assertThatThrownBy(() -> WhatIf.of(notStarted, fleet.get(api))).isInstanceOf(InvalidValueException.class)
        .hasMessageContaining("layout");
  }
}
