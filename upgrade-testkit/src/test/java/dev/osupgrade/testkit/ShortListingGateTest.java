package dev.osupgrade.testkit;

import static dev.osupgrade.testkit.Images.V1;
import static dev.osupgrade.testkit.Images.V2;
import static dev.osupgrade.testkit.Images.ubuntu;
import static dev.osupgrade.testkit.OsUpgradeAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import dev.osupgrade.event.BatchStarted;
import dev.osupgrade.event.GateEvaluated;
import dev.osupgrade.fleet.HealthState;
import dev.osupgrade.fleet.InstanceIds;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.health.FleetUnhealthyGate;
import dev.osupgrade.health.GateVerdict;
import dev.osupgrade.ops.ErrorCodes;
import dev.osupgrade.ops.RolloutStatus;
import dev.osupgrade.policy.RollingUpgradePolicy;
import dev.osupgrade.rollout.Rollout;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/**
 * The before-batch budget ({@code maxUnhealthyInstancePercent}) judged on a short listing: the adversary's listings
 * leave out the unhealthy instances ({@link Faults#leaveUnhealthyOutOfListings}), so that the set looks healthier and
 * smaller than it is. The rollout counts the instances it knows exist that a look does not show, reads them one by
 * one, and never starts a batch while the fleet's true share is over the budget. Graded by the simulator's record:
 * the true health of the whole set at the look each batch was decided from ({@link RolloutTruth}).
 */
final class ShortListingGateTest {
  private static final long SEED = 4242;
  /** Batches of two, and at most 20% of the set (two of ten) unhealthy before a batch. */
  private static final RollingUpgradePolicy POLICY = RollingUpgradePolicy.builder().maxBatchInstancePercent(20)
      .maxUnhealthyInstancePercent(20).build();

  private static SimulatedFleet fleet() {
    SimulatedFleet fleet = SimulatedFleet.create(SEED);
    fleet.add(ScaleSetSpec.named("web").instances(10).image(ubuntu(V1)));
    fleet.publish(ubuntu(V2));
    return fleet;
  }

  /** Starts a rollout: its first advance plans and sends the first batch. */
  private static Rollout start(SimulatedFleet fleet, ScaleSetId id) {
    Rollout r = Rollout.builder(fleet, id).target(V2).clock(fleet.clock()).policy(POLICY).build();
    r.advance().ifPresent(fleet.clock()::advanceTo);
    return r;
  }

  private static Rollout finish(SimulatedFleet fleet, Rollout r) {
    for (Optional<Instant> next = r.advance(); next.isPresent(); next = r.advance()) {
      fleet.clock().advanceTo(next.get());
    }
    return r;
  }

  /** The instances of the first batch, as sent. */
  private static List<String> firstBatch(Rollout r) {
    return r.events().stream().filter(BatchStarted.class::isInstance).map(BatchStarted.class::cast)
        .filter(b -> b.batch() == 1).findFirst().orElseThrow().instanceIds();
  }

  /** Three instances outside the first batch. */
  private static String[] threeOutside(List<String> first) {
    return List.of("9", "8", "7", "6", "5", "4").stream().filter(i -> !first.contains(i)).limit(3)
        .toArray(String[]::new);
  }

  private static List<RolloutTruth.Violation> truth(SimulatedFleet fleet, Rollout r) {
    return RolloutTruth.of(fleet, r, POLICY).checkExecutedBatches().checkBreaches().violations();
  }

  /**
   * Three of ten go Unhealthy (or Unknown) while the first batch runs and every listing from then on leaves them out:
   * the listing shows 0 of 7 unhealthy, the fleet 3 of 10 (30%, over the 20% budget). No further batch starts; the
   * three are read one by one, found unhealthy, and the rollout stops with Azure's code.
   */
  @ParameterizedTest
  @EnumSource(value = HealthState.class, names = {"UNHEALTHY", "UNKNOWN"})
  void unhealthyLeftOutOfEveryListing_noBatchStartsOverBudget_stopsWithAzuresCode(HealthState health) {
    SimulatedFleet fleet = fleet();
    ScaleSetId id = fleet.scaleSetIds().get(0);
    Rollout r = start(fleet, id);
    String[] three = threeOutside(firstBatch(r));
    fleet.faults().maintenance(id, Duration.ZERO, Duration.ofHours(12), health, three)
        .leaveUnhealthyOutOfListings(id, Faults.MAX_TIMES);

    finish(fleet, r);

    assertThat(truth(fleet, r)).isEmpty();
    assertThat(r.status()).isEqualTo(RolloutStatus.FAULTED);
    assertThat(r.error().orElseThrow().code()).isEqualTo(ErrorCodes.MAX_UNHEALTHY_IN);
    FleetRecord record = fleet.record(id);
    assertThat(record.calls("upgradeInstances")).filteredOn(PortCall::accepted).singleElement()
        .satisfies(c -> assertThat(c.instanceIds()).containsExactlyInAnyOrderElementsOf(firstBatch(r)));
    assertThat(record.calls("instance")).as("the three read on their own").hasSize(3)
        .allSatisfy(c -> assertThat(c.instanceIds()).singleElement().isIn((Object[]) three));
    assertThat(fleet.log()).anySatisfy(line -> assertThat(line).contains("listing left out "
        + InstanceIds.sorted(List.of(three))));
  }

  /**
   * Every listing from the first batch on leaves out three healthy instances: 0 of 7 listed are unhealthy, and the
   * three could put the set at 30%. The gate holds the batch (it does not fail it: it has not seen them unhealthy),
   * the three are read on their own and found healthy, and the rollout completes like a fault-free one.
   */
  @Test
  void healthyLeftOutOfEveryListing_gateHoldsReadsThemAndPasses_completesEveryInstanceOnce() {
    SimulatedFleet fleet = fleet();
    ScaleSetId id = fleet.scaleSetIds().get(0);
    Rollout r = start(fleet, id);
    String[] three = threeOutside(firstBatch(r));
    fleet.faults().leaveOutOfListings(id, Faults.MAX_TIMES, three);

    finish(fleet, r);

    assertThat(truth(fleet, r)).isEmpty();
    assertThat(r).isCompleted().hasProgress(10, 0, 0, 0);
    assertThat(fleet.peek(id).instances()).hasSize(10).allSatisfy(i -> {
      assertThat(i.runs(V2)).as(i.instanceId()).isTrue();
      assertThat(fleet.reimageCount(id, i.instanceId())).as(i.instanceId()).isEqualTo(1);
    });
    assertThat(r.events()).filteredOn(GateEvaluated.class::isInstance).map(GateEvaluated.class::cast)
        .filteredOn(g -> g.verdict().gate().equals(FleetUnhealthyGate.NAME))
        .as("held while the three were unaccounted, never failed")
        .anySatisfy(g -> assertThat(g.verdict()).isInstanceOf(GateVerdict.Wait.class))
        .noneSatisfy(g -> assertThat(g.verdict()).isInstanceOf(GateVerdict.Fail.class));
  }
}
