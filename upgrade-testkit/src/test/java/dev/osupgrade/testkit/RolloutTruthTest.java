package dev.osupgrade.testkit;

import static dev.osupgrade.testkit.Images.V1;
import static dev.osupgrade.testkit.Images.V2;
import static dev.osupgrade.testkit.Images.V3;
import static dev.osupgrade.testkit.Images.ubuntu;
import static org.assertj.core.api.Assertions.assertThat;

import dev.osupgrade.fleet.HealthState;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.ops.RolloutStatus;
import dev.osupgrade.policy.RollingUpgradePolicy;
import dev.osupgrade.rollout.Rollout;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The oracles can fail: each is shown a rollout that keeps it, then calls that break it, sent straight to the
 * fleet as a misbehaving driver would send them (the oracles grade every call in the record, whoever sent it).
 */
final class RolloutTruthTest {
  private static final RollingUpgradePolicy POLICY = RollingUpgradePolicy.builder().build(); // 20%, 20%, 20%

  private SimulatedFleet fleet;
  private ScaleSetId id;

  private Rollout completedRollout(int instances, int zones) {
    fleet = SimulatedFleet.create(17);
    id = fleet.add(ScaleSetSpec.named("web").instances(instances).zones(zones).image(ubuntu(V1)));
    fleet.publish(ubuntu(V2));
    fleet.publish(ubuntu(V3));
    Rollout r = fleet.run(Rollout.builder(fleet, id).target(V2).clock(fleet.clock()).policy(POLICY).build());
    assertThat(r.status()).isEqualTo(RolloutStatus.COMPLETED);
    return r;
  }

  private List<String> invariants(Rollout r) {
    RolloutTruth truth = RolloutTruth.of(fleet, r, POLICY).checkExecutedBatches().checkBreaches().checkCompleted()
        .checkReimages().checkPlannedVersusExecuted();
    fleet.clock().runUntilIdle();
    return truth.checkRolledBackInstancesRunTheirPreviousImage().violations().stream()
        .map(RolloutTruth.Violation::invariant).distinct().toList();
  }

  @Test
  void checks_healthyRollout_findNothing() {
    Rollout r = completedRollout(12, 3);

    assertThat(invariants(r)).isEmpty();
    assertThat(fleet.record(id).calls("upgradeInstances")).hasSize(r.plan().orElseThrow().batches().size());
  }

  @Test
  void checkExecutedBatches_oneCallAcrossZonesAndOverTheBatchSize_violated() {
    Rollout r = completedRollout(12, 3);

    fleet.upgradeInstances(id, List.of("0", "1", "2", "3", "4"));

    assertThat(invariants(r)).contains(RolloutTruth.BATCH_SIZE, RolloutTruth.ZONE, RolloutTruth.PLANNED)
        .doesNotContain(RolloutTruth.BUDGET);
  }

  @Test
  void checkExecutedBatches_partsOfTwoUpdateDomains_violated_wholeDomainsKept() {
    Rollout r = completedRollout(10, 0); // one region, update domain = k % 5: {0, 5}, {1, 6}, ...
    RollingUpgradePolicy half = RollingUpgradePolicy.builder().maxBatchInstancePercent(50).build();

    fleet.upgradeInstances(id, List.of("0", "5", "1", "6"));
    List<String> whole = RolloutTruth.of(fleet, r, half).checkExecutedBatches().violations().stream()
        .map(RolloutTruth.Violation::invariant).toList();
    fleet.upgradeInstances(id, List.of("2", "3"));
    List<String> parts = RolloutTruth.of(fleet, r, half).checkExecutedBatches().violations().stream()
        .map(RolloutTruth.Violation::invariant).toList();

    assertThat(whole).doesNotContain(RolloutTruth.UPDATE_DOMAINS);
    assertThat(parts).contains(RolloutTruth.UPDATE_DOMAINS);
  }

  @Test
  void checkExecutedBatches_batchSentWhileTheFleetIsOverBudget_violated() {
    Rollout r = completedRollout(10, 0);
    fleet.setHealth(id, HealthState.UNHEALTHY, "1", "2", "3");

    fleet.listInstances(id); // the look: 3 of 10 unhealthy, more than 20%
    fleet.upgradeInstances(id, List.of("4"));

    assertThat(invariants(r)).contains(RolloutTruth.BUDGET);
  }

  @Test
  void checkExecutedBatches_clockMovedBetweenTheLookAndTheBatchWithoutARetry_violated() {
    Rollout r = completedRollout(10, 0);

    fleet.listInstances(id);
    fleet.clock().advance(Duration.ofMinutes(1));
    fleet.upgradeInstances(id, List.of("4"));

    assertThat(invariants(r)).contains(RolloutTruth.LOOK);
  }

  @Test
  void checkReimages_instanceUpgradedAgain_violated() {
    Rollout r = completedRollout(10, 0);

    fleet.updateModelImage(id, ubuntu(V3));
    fleet.upgradeInstances(id, List.of("4"));

    assertThat(invariants(r)).contains(RolloutTruth.REIMAGES, RolloutTruth.PLANNED, RolloutTruth.COMPLETED);
  }

  @Test
  void checkReimages_rollbackToAnImageTheInstanceNeverRan_violated() {
    Rollout r = completedRollout(10, 0);

    fleet.rollBackInstances(id, List.of("4"), ubuntu(V3));

    assertThat(invariants(r)).contains(RolloutTruth.ROLLBACK).doesNotContain(RolloutTruth.REIMAGES);
  }

  @Test
  void checkCompleted_instanceUnhealthyAfterTheFinalRead_violatedForTheInstanceAndTheCount() {
    Rollout r = completedRollout(10, 0);

    fleet.setHealth(id, HealthState.UNKNOWN, "7");
    RolloutTruth truth = RolloutTruth.of(fleet, r, POLICY).checkCompleted();

    assertThat(truth.violations()).hasSize(2).allSatisfy(v -> assertThat(v.invariant())
        .isEqualTo(RolloutTruth.COMPLETED));
    assertThat(truth.violations()).anySatisfy(v -> assertThat(v.instanceId()).isEqualTo("7"))
        .anySatisfy(v -> assertThat(v.what()).contains("counts 10 instances on the target and healthy, but the "
            + "fleet has 9"));
  }

  @Test
  void checkCompleted_instanceBackOnItsOldImageAfterTheEnd_violated() {
    Rollout r = completedRollout(10, 0);

    fleet.rollBackInstances(id, List.of("2"), ubuntu(V1));
    fleet.clock().runUntilIdle();
    RolloutTruth truth = RolloutTruth.of(fleet, r, POLICY).checkCompleted();

    assertThat(truth.violations()).anySatisfy(v -> assertThat(v.what()).contains("instance 2 runs " + V1));
  }

  @Test
  void checkBreaches_budgetExceededBeforeTheFirstBatch_keptByTheEngine_violatedByALaterUpgrade() {
    fleet = SimulatedFleet.create(4);
    id = fleet.add(ScaleSetSpec.named("web").instances(10).image(ubuntu(V1)));
    fleet.publish(ubuntu(V2));
    fleet.setHealth(id, HealthState.UNHEALTHY, "7", "8", "9");
    Rollout r = fleet.run(Rollout.builder(fleet, id).target(V2).clock(fleet.clock()).policy(POLICY).build());
    assertThat(r.status()).isEqualTo(RolloutStatus.FAULTED);
    List<String> kept = invariants(r);

    fleet.upgradeInstances(id, List.of("0"));

    assertThat(kept).isEmpty();
    assertThat(invariants(r)).contains(RolloutTruth.BREACH, RolloutTruth.BUDGET);
  }
}
