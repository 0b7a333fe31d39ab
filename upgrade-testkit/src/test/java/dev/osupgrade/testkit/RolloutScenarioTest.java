package dev.osupgrade.testkit;

import static dev.osupgrade.policy.Percent.percent;
import static dev.osupgrade.testkit.Images.V1;
import static dev.osupgrade.testkit.Images.V2;
import static dev.osupgrade.testkit.Images.ubuntu;
import static dev.osupgrade.testkit.OsUpgradeAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osupgrade.event.BatchStarted;
import dev.osupgrade.event.InstanceFailed;
import dev.osupgrade.event.ModelImageChanged;
import dev.osupgrade.event.RolloutEvent;
import dev.osupgrade.fleet.HealthState;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.ScaleSet;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.ops.ErrorCodes;
import dev.osupgrade.policy.AutomaticOsUpgradePolicy;
import dev.osupgrade.policy.RollingUpgradePolicy;
import dev.osupgrade.policy.UpgradeMode;
import dev.osupgrade.rollout.Rollout;
import dev.osupgrade.rollout.RolloutOptions;
import dev.osupgrade.rollout.RolloutRefusedException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

final class RolloutScenarioTest {
  @RegisterExtension static final SimulatorExtension SIM = SimulatorExtension.withSeed(7);

  private static ScaleSetId regional(SimulatedFleet fleet, int instances) {
    ScaleSetId id = fleet.add(ScaleSetSpec.named("web").instances(instances).image(ubuntu(V1)));
    fleet.publish(ubuntu(V2));
    return id;
  }

  private static Rollout.Builder rollout(SimulatedFleet fleet, ScaleSetId id) {
    return Rollout.builder(fleet, id).target(V2).clock(fleet.clock());
  }

  @Test
  void rollout_healthyImageTenInstances_completesInFiveBatchesOfTwo(SimulatedFleet fleet) {
    ScaleSetId id = regional(fleet, 10);

    Rollout r = fleet.run(rollout(fleet, id).build());

    assertThat(r).isCompleted().hadBatches(5).neverExceededUnhealthy(percent(20)).hasProgress(10, 0, 0, 0);
    assertThat(r.events()).filteredOn(BatchStarted.class::isInstance).map(e -> ((BatchStarted) e).instanceIds())
        .allSatisfy(ids -> assertThat(ids).hasSize(2));
    assertThat(fleet.get(id).instances()).allSatisfy(i -> {
      assertThat(i.runs(V2)).isTrue();
      assertThat(i.latestModelApplied()).isTrue();
    });
    assertThat(fleet.get(id).modelImage()).isEqualTo(ubuntu(V2));
  }

  @Test
  void rollout_everyBatch_sendsExactlyOneUpgradeCall(SimulatedFleet fleet) {
    ScaleSetId id = regional(fleet, 10);

    fleet.run(rollout(fleet, id).build());

    assertThat(fleet.calls("upgradeInstances")).isEqualTo(5);
    assertThat(fleet.calls("updateModelImage")).isEqualTo(1);
    // One full read at the start; at the end, the model read alone right after the listing that ended the last batch
    // (at the same instant) confirms the outcome before the rollout says Completed.
    assertThat(fleet.calls("get")).isEqualTo(1);
    assertThat(fleet.calls("model")).isEqualTo(1);
    assertThat(fleet.calls("listReleases")).as("the target is checked in the catalog once, before any change")
        .isEqualTo(1);
    for (Instance i : fleet.get(id).instances()) {
      assertThat(fleet.reimageCount(id, i.instanceId())).as("reimages of %s", i.instanceId()).isEqualTo(1);
    }
  }

  @Test
  void rollout_tooManyUnhealthyBeforeStart_faultsBeforeFirstBatchAndChangesNoInstance(SimulatedFleet fleet) {
    ScaleSetId id = regional(fleet, 10);
    fleet.setHealth(id, HealthState.UNHEALTHY, "1", "2");
    fleet.setHealth(id, HealthState.UNKNOWN, "3");

    Rollout r = fleet.run(rollout(fleet, id).build());

    assertThat(r).faultedWith(ErrorCodes.MAX_UNHEALTHY_BEFORE).hadBatches(0).hasProgress(0, 0, 0, 10);
    assertThat(r.error().orElseThrow().message()).contains("3 of 10 instances (30%) are unhealthy");
    assertThat(fleet.calls("upgradeInstances")).isZero();
    assertThat(fleet.get(id).modelImage()).as("model reverted").isEqualTo(ubuntu(V1));
  }

  @Test
  void rollout_exactlyTheBudgetUnhealthy_startsBecauseTheRuleIsMoreThan(SimulatedFleet fleet) {
    ScaleSetId id = regional(fleet, 10);
    fleet.setHealth(id, HealthState.UNHEALTHY, "8", "9");

    Rollout r = fleet.run(rollout(fleet, id).build());

    assertThat(r).isCompleted().neverExceededUnhealthy(percent(20));
  }

  @Test
  void rollout_concurrentMaintenanceDuringBatchOne_faultsBeforeBatchTwoWithInRollingUpgradeCode(
      SimulatedFleet fleet, VirtualClock clock) {
    ScaleSetId id = regional(fleet, 10);
    clock.schedule(Duration.ofMinutes(2), () -> fleet.setHealth(id, HealthState.UNHEALTHY, "7", "8", "9"));

    Rollout r = fleet.run(rollout(fleet, id).build());

    assertThat(r).faultedWith(ErrorCodes.MAX_UNHEALTHY_IN).hadBatches(1).hasProgress(2, 0, 0, 8);
  }

  @Test
  void rollout_imageComesUpUnhealthy_failsTimesOutRollsBackAndStopsAfterFirstBatch(SimulatedFleet fleet) {
    ScaleSetId id = regional(fleet, 10);
    fleet.imageBehavior(V2, ImageBehavior.comesUpUnhealthy());

    Rollout r = fleet.run(rollout(fleet, id).build());

    assertThat(r).faultedWith(ErrorCodes.MAX_UNHEALTHY_UPGRADED).hadBatches(1).hasProgress(0, 2, 0, 8)
        .failedInstances("0", "5").rolledBack("0", "5").emitted(ModelImageChanged.class);
    ScaleSet after = fleet.get(id);
    assertThat(after.instances()).allSatisfy(i -> assertThat(i.runs(V1)).isTrue());
    assertThat(after.modelImage()).isEqualTo(ubuntu(V1));
    InstanceFailed failed = (InstanceFailed) r.events().stream().filter(InstanceFailed.class::isInstance)
        .findFirst().orElseThrow();
    assertThat(failed.health()).isEqualTo(HealthState.UNHEALTHY);
    assertThat(failed.reason()).contains("health timeout");
  }

  @Test
  void rollout_imageFailsToBoot_unknownCountsAsUnhealthyAndFails(SimulatedFleet fleet) {
    ScaleSetId id = regional(fleet, 10);
    fleet.imageBehavior(V2, ImageBehavior.failsToBoot());

    Rollout r = fleet.run(rollout(fleet, id).build());

    assertThat(r).faultedWith(ErrorCodes.MAX_UNHEALTHY_UPGRADED).rolledBack("0", "5");
    assertThat(r.events()).filteredOn(InstanceFailed.class::isInstance)
        .allSatisfy(e -> assertThat(((InstanceFailed) e).health()).isEqualTo(HealthState.UNKNOWN));
  }

  @Test
  void rollout_automaticRollbackDisabledOnScaleSet_leavesFailedInstancesOnTarget(SimulatedFleet fleet) {
    ScaleSetId id = fleet.add(ScaleSetSpec.named("web").instances(10).image(ubuntu(V1))
        .automaticOsUpgrade(AutomaticOsUpgradePolicy.ofDefaults().withDisableAutomaticRollback(true)));
    fleet.publish(ubuntu(V2));
    fleet.imageBehavior(V2, ImageBehavior.comesUpUnhealthy());

    Rollout r = fleet.run(rollout(fleet, id).build());

    assertThat(r).faultedWith(ErrorCodes.MAX_UNHEALTHY_UPGRADED).failedInstances("0", "5");
    assertThat(fleet.get(id).instance("0").orElseThrow().runs(V2)).isTrue();
    assertThat(fleet.get(id).instance("5").orElseThrow().runs(V2)).isTrue();
    assertThat(fleet.reimageCount(id, "0")).isEqualTo(1);
  }

  @Test
  void rollout_slowInitializingBeyondHealthTimeout_waitsAndSucceeds(SimulatedFleet fleet) {
    ScaleSetId id = regional(fleet, 5);
    fleet.imageBehavior(V2, ImageBehavior.slowInitializing(Duration.ofMinutes(12)));

    Rollout r = fleet.run(rollout(fleet, id).build());

    assertThat(r).isCompleted().hadBatches(5).neverEmitted(InstanceFailed.class);
  }

  @Test
  void rollout_initializingBeyondInstanceUpgradeTimeout_fails(SimulatedFleet fleet) {
    ScaleSetId id = regional(fleet, 5);
    fleet.imageBehavior(V2, ImageBehavior.slowInitializing(Duration.ofMinutes(40)));

    Rollout r = fleet.run(rollout(fleet, id).build());

    assertThat(r).faultedWith(ErrorCodes.MAX_UNHEALTHY_UPGRADED).failedInstances("0");
    InstanceFailed failed = (InstanceFailed) r.events().stream().filter(InstanceFailed.class::isInstance)
        .findFirst().orElseThrow();
    assertThat(failed.health()).isEqualTo(HealthState.INITIALIZING);
    assertThat(failed.reason()).contains("instance upgrade timeout");
  }

  @Test
  void rollout_oneBadInstanceOfTen_withinBudgetAfterLaterBatches_stillStopsAtFirstBreach(SimulatedFleet fleet,
      VirtualClock clock) {
    // 1 of 2 upgraded unhealthy after batch 1 is 50% > 20%: Azure stops at once, as does the engine.
    ScaleSetId id = regional(fleet, 10);
    clock.schedule(Duration.ofMinutes(5), () -> fleet.setHealth(id, HealthState.UNHEALTHY, "0"));

    Rollout r = fleet.run(rollout(fleet, id).healthTimeout(Duration.ofMinutes(5)).build());

    assertThat(r).isFaulted().hadBatches(1);
  }

  @Test
  void rollout_maxUnhealthyUpgradedHundredPercent_neverStopsOnUpgradedHealth(SimulatedFleet fleet) {
    ScaleSetId id = regional(fleet, 10);
    fleet.imageBehavior(V2, ImageBehavior.comesUpUnhealthy());
    RollingUpgradePolicy lenient = RollingUpgradePolicy.builder().maxUnhealthyUpgradedInstancePercent(100)
        .maxUnhealthyInstancePercent(100).build();

    Rollout r = fleet.run(rollout(fleet, id).policy(lenient).build());

    assertThat(r).isCompleted().hadBatches(5).hasProgress(0, 10, 0, 0);
  }

  @Test
  void rollout_pauseBetweenBatches_waitsThatLongBetweenBatches(SimulatedFleet fleet) {
    ScaleSetId id = regional(fleet, 10);
    RollingUpgradePolicy paused = RollingUpgradePolicy.builder().pauseTimeBetweenBatches("PT10M").build();

    Rollout r = fleet.run(rollout(fleet, id).policy(paused).build());

    assertThat(r).isCompleted();
    List<Instant> starts = r.events().stream().filter(BatchStarted.class::isInstance).map(RolloutEvent::at).toList();
    for (int k = 1; k < starts.size(); k++) {
      assertThat(Duration.between(starts.get(k - 1), starts.get(k)))
          .isGreaterThanOrEqualTo(Duration.ofMinutes(10).plus(fleet.profile().fastestUpgrade()));
    }
  }

  @Test
  void rollout_protectedInstance_isLeftAlone(SimulatedFleet fleet) {
    ScaleSetId id = regional(fleet, 10);
    fleet.protect(id, true, "4");

    Rollout r = fleet.run(rollout(fleet, id).build());

    assertThat(r).isCompleted().hasProgress(9, 0, 0, 0);
    assertThat(fleet.get(id).instance("4").orElseThrow().runs(V1)).isTrue();
    assertThat(fleet.reimageCount(id, "4")).isZero();
  }

  @Test
  void rollout_prioritizeUnhealthy_upgradesUnhealthyInstancesFirst(SimulatedFleet fleet) {
    ScaleSetId id = regional(fleet, 10);
    fleet.setHealth(id, HealthState.UNHEALTHY, "7");
    RollingUpgradePolicy policy = RollingUpgradePolicy.builder().prioritizeUnhealthyInstances(true).build();

    Rollout r = fleet.run(rollout(fleet, id).policy(policy).build());

    assertThat(r).isCompleted();
    BatchStarted first = (BatchStarted) r.events().stream().filter(BatchStarted.class::isInstance).findFirst()
        .orElseThrow();
    assertThat(first.instanceIds()).containsExactly("7");
  }

  @Test
  void rollout_zonalSet_neverMixesZonesAndGoesZoneByZone(SimulatedFleet fleet) {
    ScaleSetId id = fleet.add(ScaleSetSpec.named("web").instances(30).zones(3).image(ubuntu(V1)));
    fleet.publish(ubuntu(V2));

    Rollout r = fleet.run(rollout(fleet, id).build());

    assertThat(r).isCompleted();
    List<String> zones = r.events().stream().filter(BatchStarted.class::isInstance)
        .map(e -> ((BatchStarted) e).zone().name()).toList();
    assertThat(zones).isSorted().containsOnly("1", "2", "3");
    assertThat(r.plan().orElseThrow()).satisfies(p -> assertThat(p).neverMixesZones().batchesAtMost(6));
  }

  @Test
  void rollout_automaticOsUpgradeEnabled_isRefusedAndChangesNothing(SimulatedFleet fleet) {
    ScaleSetId id = fleet.add(ScaleSetSpec.named("web").instances(5).image(ubuntu(V1))
        .automaticOsUpgrade(AutomaticOsUpgradePolicy.enabled()));
    fleet.publish(ubuntu(V2));
    Rollout r = rollout(fleet, id).build();

    assertThatThrownBy(r::advance).isInstanceOf(RolloutRefusedException.class)
        .hasMessageContaining("automatic OS upgrade enabled")
        .extracting(e -> ((RolloutRefusedException) e).code())
        .isEqualTo(RolloutRefusedException.AUTOMATIC_OS_UPGRADE_ENABLED);
    assertThat(fleet.calls("updateModelImage") + fleet.calls("upgradeInstances")).isZero();
  }

  @Test
  void rollout_rollingUpgradeMode_isRefused(SimulatedFleet fleet) {
    ScaleSetId id = fleet.add(ScaleSetSpec.named("web").instances(5).image(ubuntu(V1)).mode(UpgradeMode.ROLLING));
    Rollout r = rollout(fleet, id).build();

    assertThatThrownBy(r::advance).isInstanceOf(RolloutRefusedException.class)
        .hasMessageContaining("Set upgradePolicy.mode to Manual");
  }

  @Test
  void rollout_explicitRollbackOff_overridesScaleSet(SimulatedFleet fleet) {
    ScaleSetId id = regional(fleet, 10);
    fleet.imageBehavior(V2, ImageBehavior.comesUpUnhealthy());

    Rollout r = fleet.run(rollout(fleet, id).automaticRollback(RolloutOptions.AutomaticRollback.OFF).build());

    assertThat(r).isFaulted();
    assertThat(fleet.calls("rollBackInstances")).isZero();
  }

  @Test
  void rollout_someInstancesAlreadyOnTarget_skipsThem(SimulatedFleet fleet) {
    ScaleSetId id = regional(fleet, 10);
    fleet.upgradeInstances(id, List.of("0", "1"));
    fleet.updateModelImage(id, ubuntu(V2));
    fleet.upgradeInstances(id, List.of("0", "1"));
    fleet.clock().advance(Duration.ofMinutes(10));

    Rollout r = fleet.run(rollout(fleet, id).build());

    assertThat(r).isCompleted().hasProgress(8, 0, 0, 0);
    assertThat(r.plan().orElseThrow().skipped()).hasSize(2);
  }
}
