package dev.osupgrade.testkit;

import static dev.osupgrade.testkit.Images.V1;
import static dev.osupgrade.testkit.Images.V2;
import static dev.osupgrade.testkit.Images.ubuntu;
import static dev.osupgrade.testkit.OsUpgradeAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import dev.osupgrade.event.RolloutStalled;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.ScaleSet;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.policy.RollingUpgradePolicy;
import dev.osupgrade.port.TransientCloudException;
import dev.osupgrade.rollout.InstanceStage;
import dev.osupgrade.rollout.Rollout;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * An instance the rollout expects that is missing from a listing: the runner believes it gone only when a read of the
 * instance itself ({@code ScaleSetPort.instance}) finds nothing, never because listings keep leaving it out; it reads
 * at most {@link Rollout#MAX_DIRECT_READS} instances per look, and none in a run where nothing goes missing. Graded
 * by the simulator's record.
 */
final class VanishedInstanceTest {
  private static final long SEED = 808;
  /** Batches of four (half the set, cut at update-domain boundaries): more than a look reads on their own. */
  private static final RollingUpgradePolicy HALVES = RollingUpgradePolicy.builder().maxBatchInstancePercent(50)
      .build();

  private static SimulatedFleet fleet() {
    SimulatedFleet fleet = SimulatedFleet.create(SEED);
    fleet.add(ScaleSetSpec.named("web").instances(10).image(ubuntu(V1)));
    fleet.publish(ubuntu(V2));
    return fleet;
  }

  private static List<Instance> without(List<Instance> listed, Set<String> left) {
    return listed.stream().filter(i -> !left.contains(i.instanceId())).toList();
  }

  /** Drives a rollout to its end, counting the reads of one instance each advance made. */
  private static List<Integer> readsPerAdvance(SimulatedFleet fleet, Rollout r) {
    List<Integer> reads = new ArrayList<>();
    for (Optional<Instant> next = r.advance(); ; next = r.advance()) {
      reads.add(fleet.calls("instance") - reads.stream().mapToInt(Integer::intValue).sum());
      if (next.isEmpty()) {
        return reads;
      }
      fleet.clock().advanceTo(next.get());
    }
  }

  private static void assertEveryInstanceUpgradedOnce(SimulatedFleet fleet, ScaleSetId id, int count) {
    assertThat(fleet.peek(id).instances()).hasSize(count).allSatisfy(i -> {
      assertThat(i.runs(V2)).as(i.instanceId()).isTrue();
      assertThat(fleet.reimageCount(id, i.instanceId())).as(i.instanceId()).isEqualTo(1);
    });
  }

  @Test
  void faultFreeRollout_readsNoInstanceOnItsOwn() {
    SimulatedFleet fleet = fleet();
    ScaleSetId id = fleet.scaleSetIds().get(0);

    Rollout r = fleet.run(Rollout.builder(fleet, id).target(V2).clock(fleet.clock()).build());

    assertThat(r).isCompleted().hasProgress(10, 0, 0, 0);
    assertThat(fleet.calls("instance")).isZero();
  }

  /** A listing that always leaves out instance 3 (a page that never comes): 3 is read on its own, and upgraded. */
  @Test
  void listingAlwaysLacksAnInstance_itIsReadOnItsOwn_upgradedAndNeverSettledAsRemoved() {
    SimulatedFleet fleet = fleet();
    ScaleSetId id = fleet.scaleSetIds().get(0);
    HookedPort port = new HookedPort(fleet);
    port.listInstances = i -> without(fleet.listInstances(i), Set.of("3"));

    Rollout r = fleet.run(Rollout.builder(port, id).target(V2).clock(fleet.clock()).build());

    assertThat(r).isCompleted().hasProgress(10, 0, 0, 0);
    assertThat(r.state().instancesIn(InstanceStage.REMOVED)).isEmpty();
    assertEveryInstanceUpgradedOnce(fleet, id, 10);
    assertThat(fleet.record(id).calls("instance")).isNotEmpty()
        .allSatisfy(c -> assertThat(c.instanceIds()).containsExactly("3"));
  }

  /**
   * Ten looks in a row whose listing lacks the whole first batch (four instances in flight; the looks come seconds
   * apart once the batch can plausibly be done, so it takes ten to lack it for longer than a poll interval): at most
   * three are read on their own per look, and every instance ends upgraded, none removed.
   */
  @Test
  void listingLacksAWholeBatchForTenLooks_atMostThreeReadsPerLook_andNothingIsLost() {
    SimulatedFleet fleet = fleet();
    ScaleSetId id = fleet.scaleSetIds().get(0);
    HookedPort port = new HookedPort(fleet);
    Rollout r = Rollout.builder(port, id).target(V2).clock(fleet.clock()).policy(HALVES).build();
    int[] listings = {0};
    port.listInstances = i -> {
      List<Instance> all = fleet.listInstances(i);
      Set<String> firstBatch = Set.copyOf(r.plan().orElseThrow().batch(1).instanceIds());
      return ++listings[0] <= 10 ? without(all, firstBatch) : all;
    };

    List<Integer> reads = readsPerAdvance(fleet, r);

    assertThat(r.plan().orElseThrow().batch(1).instanceIds()).hasSizeGreaterThan(Rollout.MAX_DIRECT_READS);
    assertThat(r).isCompleted().hasProgress(10, 0, 0, 0);
    assertThat(r.state().instancesIn(InstanceStage.REMOVED)).isEmpty();
    assertThat(reads).allSatisfy(n -> assertThat(n).isLessThanOrEqualTo(Rollout.MAX_DIRECT_READS));
    assertThat(reads).contains(Rollout.MAX_DIRECT_READS);
    assertEveryInstanceUpgradedOnce(fleet, id, 10);
  }

  /**
   * A scale-in of all four instances of the second batch before it starts: each is confirmed gone by a read of its
   * own, three per look, so the scale-in is taken in two looks (not a stall that would never end), and the batch is
   * skipped.
   */
  @Test
  void scaleInOfAWholeBatch_confirmedByOneReadEach_threePerLook_rolloutCompletes() {
    SimulatedFleet fleet = fleet();
    ScaleSetId id = fleet.scaleSetIds().get(0);
    Rollout r = Rollout.builder(fleet, id).target(V2).clock(fleet.clock()).policy(HALVES).build();
    List<String> secondBatch = new ArrayList<>();
    fleet.clock().schedule(java.time.Duration.ofMinutes(2), () -> {
      secondBatch.addAll(r.plan().orElseThrow().batch(2).instanceIds());
      fleet.deleteInstances(id, secondBatch);
    });

    List<Integer> reads = readsPerAdvance(fleet, r);

    assertThat(secondBatch).hasSize(4);
    assertThat(r).isCompleted().hasProgress(6, 0, 0, 0);
    assertThat(r.state().instancesIn(InstanceStage.REMOVED)).containsExactlyInAnyOrderElementsOf(secondBatch);
    assertThat(fleet.record(id).calls("instance")).hasSize(4)
        .flatMap(c -> c.instanceIds()).containsExactlyInAnyOrderElementsOf(secondBatch);
    assertThat(reads).allSatisfy(n -> assertThat(n).isLessThanOrEqualTo(Rollout.MAX_DIRECT_READS))
        .filteredOn(n -> n > 0).containsExactly(3, 1);
    assertThat(r.stall()).isEmpty();
    assertEveryInstanceUpgradedOnce(fleet, id, 6);
  }

  /** A read of the instance that fails is a failed look: the rollout stalls (nothing settled) and goes on after. */
  @Test
  void readOfTheInstanceFails_stallsAndGoesOnWhenItPasses() {
    SimulatedFleet fleet = fleet();
    ScaleSetId id = fleet.scaleSetIds().get(0);
    HookedPort port = new HookedPort(fleet);
    int[] listings = {0};
    port.listInstances = i -> ++listings[0] <= 6 ? without(fleet.listInstances(i), Set.of("0"))
        : fleet.listInstances(i);
    int[] failures = {0};
    port.instance = (i, instanceId) -> {
      if (++failures[0] <= 2) {
        throw new TransientCloudException(503, "ServiceUnavailable", "the server is busy", null);
      }
      return fleet.instance(i, instanceId);
    };

    Rollout r = fleet.run(Rollout.builder(port, id).target(V2).clock(fleet.clock()).build());

    assertThat(r).isCompleted().hasProgress(10, 0, 0, 0);
    assertThat(r.state().instancesIn(InstanceStage.REMOVED)).isEmpty();
    assertThat(r.events()).filteredOn(RolloutStalled.class::isInstance).first()
        .satisfies(e -> assertThat(((RolloutStalled) e).stall().during()).startsWith("reading instance 0"));
    assertEveryInstanceUpgradedOnce(fleet, id, 10);
  }

  /**
   * The upgrade of a batch fails before it reaches the fleet, and the fresh read the retry reconciles it with lacks
   * one of its instances: that instance is read on its own and sent, not dropped from the call (which would leave it
   * "upgrading" until its timeout failed it).
   */
  @Test
  void retriedUpgrade_reconciledWithAListingThatLacksAnInstance_stillSendsIt() {
    SimulatedFleet fleet = fleet();
    ScaleSetId id = fleet.scaleSetIds().get(0);
    HookedPort port = new HookedPort(fleet);
    int[] upgrades = {0};
    port.upgradeInstances = (i, ids) -> {
      if (++upgrades[0] == 2) {
        throw new TransientCloudException(503, "ServiceUnavailable", "the server is busy", null);
      }
      fleet.upgradeInstances(i, ids);
    };
    boolean[] dropped = {false};
    port.get = i -> {
      ScaleSet read = fleet.get(i);
      if (upgrades[0] == 2 && !dropped[0]) {
        dropped[0] = true;
        return read.withInstances(without(read.instances(), Set.of("1")));
      }
      return read;
    };

    Rollout r = fleet.run(Rollout.builder(port, id).target(V2).clock(fleet.clock()).build());

    assertThat(dropped[0]).isTrue();
    assertThat(r).isCompleted().hasProgress(10, 0, 0, 0);
    assertThat(fleet.record(id).calls("upgradeInstances")).filteredOn(c -> c.accepted())
        .filteredOn(c -> c.instanceIds().contains("1")).hasSize(1);
    assertThat(fleet.record(id).calls("instance")).singleElement()
        .satisfies(c -> assertThat(c.instanceIds()).containsExactly("1"));
    assertEveryInstanceUpgradedOnce(fleet, id, 10);
  }
}
