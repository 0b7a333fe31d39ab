package dev.osupgrade.testkit;

import static dev.osupgrade.testkit.Images.V1;
import static dev.osupgrade.testkit.Images.V2;
import static dev.osupgrade.testkit.Images.ubuntu;
import static dev.osupgrade.testkit.OsUpgradeAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import dev.osupgrade.event.BatchStarted;
import dev.osupgrade.event.InstanceFailed;
import dev.osupgrade.event.RolloutEvent;
import dev.osupgrade.fleet.HealthState;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.ProvisioningState;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.ops.ErrorCodes;
import dev.osupgrade.rollout.Rollout;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Health, extension, start-up, allocation, zone and maintenance faults, each answered by a real rollout. */
final class HealthFaultTest {
  @RegisterExtension static final SimulatorExtension SIM = SimulatorExtension.withSeed(7);

  private static ScaleSetId regional(SimulatedFleet fleet, int instances) {
    ScaleSetId id = fleet.add(ScaleSetSpec.named("web").instances(instances).image(ubuntu(V1)));
    fleet.publish(ubuntu(V2));
    return id;
  }

  private static Rollout run(SimulatedFleet fleet, ScaleSetId id) {
    return fleet.run(Rollout.builder(fleet, id).target(V2).clock(fleet.clock()).build());
  }

  private static <E extends RolloutEvent> List<E> events(Rollout r, Class<E> type) {
    return r.events().stream().filter(type::isInstance).map(type::cast).toList();
  }

  private static InstanceFailed failure(Rollout r, String instanceId) {
    return events(r, InstanceFailed.class).stream().filter(f -> f.instanceId().equals(instanceId)).findFirst()
        .orElseThrow();
  }

  // ---- flapping and late recovery -----------------------------------------------------------------------------

  @Test
  void flappingImage_healthyWhenObservedThenUnhealthyAtTheAfterBatchGate_faultsAfterBatchTwo(
      SimulatedFleet fleet) {
    ScaleSetId id = regional(fleet, 10);
    fleet.imageBehavior(V2, ImageBehavior.flapping(Duration.ofMinutes(2)));

    Rollout r = run(fleet, id);

    // Batch 1 passes: 0 and 5 are in a Healthy half when observed and when the gate runs (06:00); instance 0 turns
    // Unhealthy at 06:17 and is in an Unhealthy half again when batch 2's gate runs at 11:30: 1 of 4 > 20%.
    // ENGINE: progress counts instance 0 as succeeded (4 succeeded, 0 failed) while the breach names it as the first
    // failed instance; an instance is never re-judged once it was Healthy, only the gates see its later health.
    assertThat(r).faultedWith(ErrorCodes.MAX_UNHEALTHY_UPGRADED).hadBatches(2).hasProgress(4, 0, 0, 6)
        .neverEmitted(InstanceFailed.class);
    assertThat(r.error().orElseThrow().message()).contains("(1 of 4)", "First failed instance ID is: 0.");
    assertThat(fleet.get(id).instances().stream().filter(i -> i.runs(V2)).map(Instance::instanceId))
        .containsExactly("0", "1", "5", "6");
  }

  @Test
  void flappingInstance_nextBoot_onlyThatInstanceFlaps(SimulatedFleet fleet) {
    ScaleSetId id = regional(fleet, 10);
    fleet.faults().nextBoot(id, ImageBehavior.flapping(Duration.ofMinutes(2)), "9");

    Rollout r = run(fleet, id);

    assertThat(r).isCompleted().hasProgress(10, 0, 0, 0);
    assertThat(fleet.log()).filteredOn(l -> l.contains("health Healthy, flapping every")).singleElement()
        .satisfies(l -> assertThat(l).contains("instance 9 "));
  }

  @Test
  void lateRecovery_withinTheFiveMinuteHealthTimeout_completes(SimulatedFleet fleet) {
    ScaleSetId id = regional(fleet, 10);
    fleet.imageBehavior(V2, ImageBehavior.recoversAfter(Duration.ofMinutes(2)));

    Rollout r = run(fleet, id);

    assertThat(r).isCompleted().hadBatches(5).hasProgress(10, 0, 0, 0).neverEmitted(InstanceFailed.class);
  }

  @Test
  void lateRecovery_afterTheFiveMinuteHealthTimeout_failsRollsBackAndFaults(SimulatedFleet fleet) {
    ScaleSetId id = regional(fleet, 10);
    fleet.imageBehavior(V2, ImageBehavior.recoversAfter(Duration.ofMinutes(6)));

    Rollout r = run(fleet, id);

    assertThat(r).faultedWith(ErrorCodes.MAX_UNHEALTHY_UPGRADED).hadBatches(1).failedInstances("0", "5")
        .rolledBack("0", "5").hasProgress(0, 2, 0, 8);
    assertThat(failure(r, "0").health()).isEqualTo(HealthState.UNHEALTHY);
    assertThat(failure(r, "0").reason()).contains("health timeout");
    assertThat(fleet.get(id).instances()).allSatisfy(i -> assertThat(i.runs(V1)).isTrue());
  }

  // ---- application start-up, extension and allocation failures ----------------------------------------------

  @Test
  void applicationStartupFailure_inTheFirstBatch_failsRollsBackAndFaults(SimulatedFleet fleet, VirtualClock clock) {
    ScaleSetId id = regional(fleet, 10);
    fleet.faults().applicationStartupFailure(id, "5");

    Rollout r = run(fleet, id);
    clock.advance(Duration.ofMinutes(10));

    assertThat(r).faultedWith(ErrorCodes.MAX_UNHEALTHY_UPGRADED).hadBatches(1).failedInstances("5").rolledBack("5")
        .hasProgress(1, 1, 0, 8);
    Instance five = fleet.get(id).instance("5").orElseThrow();
    assertThat(five.runs(V1)).isTrue();
    assertThat(five.health()).as("the fault hit one reimage; the rollback boots normally").isEqualTo(
        HealthState.HEALTHY);
  }

  @Test
  void applicationStartupFailure_inALaterBatch_withinTheBudgetCompletesWithOneFailure(SimulatedFleet fleet) {
    ScaleSetId id = regional(fleet, 10);
    fleet.faults().applicationStartupFailure(id, "7");

    Rollout r = run(fleet, id);

    // Batch 3 of 5: 1 unhealthy of 6 upgraded (17%) is within the 20% budget, so the rollout goes on.
    assertThat(r).isCompleted().hadBatches(5).failedInstances("7").rolledBack("7").hasProgress(9, 1, 0, 0);
    assertThat(fleet.get(id).instance("7").orElseThrow().runs(V1)).isTrue();
  }

  @Test
  void extensionFailure_failsTheInstanceAtOnceWithoutWaitingForTheHealthTimeout(SimulatedFleet fleet) {
    ScaleSetId id = regional(fleet, 10);
    fleet.faults().extensionFailure(id, "0");

    Rollout r = run(fleet, id);

    InstanceFailed failed = failure(r, "0");
    assertThat(failed.reason()).contains("provisioning state Failed");
    BatchStarted first = events(r, BatchStarted.class).get(0);
    // Failed at the batch's first look (none comes before the batch can plausibly be done: 9/10 of the plan's 6
    // minutes), not a health timeout after the instance was upgraded.
    assertThat(Duration.between(first.at(), failed.at())).isEqualTo(Duration.ofSeconds(324))
        .isLessThan(fleet.profile().upgradeMax().plus(dev.osupgrade.rollout.RolloutOptions.DEFAULT_HEALTH_TIMEOUT));
    assertThat(r).faultedWith(ErrorCodes.MAX_UNHEALTHY_UPGRADED).hadBatches(1).rolledBack("0");
    Instance zero = fleet.get(id).instance("0").orElseThrow();
    assertThat(zero.runs(V1)).isTrue();
    assertThat(zero.provisioningState()).isEqualTo(ProvisioningState.SUCCEEDED);
  }

  @Test
  void allocationFailure_upgradeFailsWithTheImageUnchanged_failedAtOnceAndRolledBack(SimulatedFleet fleet) {
    ScaleSetId id = regional(fleet, 10);
    fleet.faults().allocationFailure(id, "9");

    Rollout r = run(fleet, id);

    // Batch 5: 1 of 10 upgraded unhealthy is within the budget.
    assertThat(r).isCompleted().failedInstances("9").rolledBack("9").hasProgress(9, 1, 0, 0);
    assertThat(failure(r, "9").reason()).contains("provisioning state Failed");
    assertThat(failure(r, "9").health()).isEqualTo(HealthState.UNKNOWN);
    assertThat(fleet.log()).anySatisfy(l -> assertThat(l).contains("instance 9 upgrade to 22.04.202410010 FAILED: "
        + "AllocationFailed"));
    assertThat(fleet.reimageCount(id, "9")).as("only the rollback replaced the disk").isEqualTo(1);
    assertThat(fleet.get(id).instance("9").orElseThrow().provisioningState()).isEqualTo(ProvisioningState.SUCCEEDED);
  }

  @Test
  void extensionFailureRate_seededTenPercent_oneInstanceFailsWithinTheBudgetAndTheRolloutCompletes(
      SimulatedFleet fleet) {
    ScaleSetId id = regional(fleet, 20);
    fleet.faults().extensionFailureRate(0.1);

    Rollout r = run(fleet, id);

    // Seed 7 draws one failure in 20 reimages (rollbacks draw too): instance 19, in the last batch, 1 of 20 is 5%.
    assertThat(r).isCompleted().hadBatches(5).failedInstances("19").rolledBack("19").hasProgress(19, 1, 0, 0);
    assertThat(failure(r, "19").reason()).contains("provisioning state Failed");
    assertThat(fleet.log()).filteredOn(l -> l.contains("extension failed to provision")).hasSize(1);
  }

  // ---- zone outage and concurrent maintenance -----------------------------------------------------------------

  @Test
  void zoneOutage_midRollout_faultsBeforeTheNextBatchInRollingUpgrade(SimulatedFleet fleet) {
    ScaleSetId id = fleet.add(ScaleSetSpec.named("web").instances(30).zones(3).image(ubuntu(V1)));
    fleet.publish(ubuntu(V2));
    fleet.faults().zoneOutage(id, "3", Duration.ofMinutes(3), Duration.ofHours(1));

    Rollout r = run(fleet, id);

    assertThat(r).faultedWith(ErrorCodes.MAX_UNHEALTHY_IN).hadBatches(1).hasProgress(6, 0, 0, 24);
    assertThat(r.error().orElseThrow().message()).contains("10 of 30 instances (33%) are unhealthy");
  }

  @Test
  void zoneOutage_overBeforeTheNextBatch_rolloutCompletes(SimulatedFleet fleet) {
    ScaleSetId id = fleet.add(ScaleSetSpec.named("web").instances(30).zones(3).image(ubuntu(V1)));
    fleet.publish(ubuntu(V2));
    fleet.faults().zoneOutage(id, "3", Duration.ofMinutes(1), Duration.ofMinutes(1));

    Rollout r = run(fleet, id);

    assertThat(r).isCompleted().neverEmitted(InstanceFailed.class);
    assertThat(fleet.log()).anySatisfy(l -> assertThat(l).contains("zone 3 outage begins"));
  }

  @Test
  void maintenance_threeChosenInstancesDuringBatchOne_faultsBeforeBatchTwo(SimulatedFleet fleet) {
    ScaleSetId id = regional(fleet, 10);
    fleet.faults().maintenance(id, Duration.ofMinutes(2), Duration.ofMinutes(30), HealthState.UNKNOWN,
        "7", "8", "9");

    Rollout r = run(fleet, id);

    assertThat(r).faultedWith(ErrorCodes.MAX_UNHEALTHY_IN).hadBatches(1).hasProgress(2, 0, 0, 8);
  }

  @Test
  void randomMaintenance_twoSeededInstances_oneIsUpgradedWhileUnknownAndBreachesTheUpgradedBudget(
      SimulatedFleet fleet) {
    ScaleSetId id = regional(fleet, 10);
    fleet.faults().randomMaintenance(id, Duration.ofMinutes(2), Duration.ofMinutes(30), 2);

    Rollout r = run(fleet, id);

    // Seed 7 draws instances 6 and 8: 2 of 10 (20%) is not more than the budget, so batch 2 ([1, 6]) starts.
    assertThat(fleet.log()).anySatisfy(l -> assertThat(l).contains("platform maintenance begins: instances [6, 8]"));
    assertThat(events(r, BatchStarted.class).get(1).unhealthyInstances()).isEqualTo(2);
    // ENGINE: instance 6 was already Unknown (maintenance) when its batch started; the engine upgrades it anyway,
    // fails it on the health timeout, "rolls it back" while still Unknown, and counts it against
    // maxUnhealthyUpgradedInstancePercent, so an unhealthiness that predates the upgrade faults the new image.
    assertThat(r).faultedWith(ErrorCodes.MAX_UNHEALTHY_UPGRADED).hadBatches(2).failedInstances("6").rolledBack("6")
        .hasProgress(3, 1, 0, 6);
    assertThat(failure(r, "6").health()).isEqualTo(HealthState.UNKNOWN);
  }
}
