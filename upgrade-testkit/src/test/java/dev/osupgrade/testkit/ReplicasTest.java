package dev.osupgrade.testkit;

import static dev.osupgrade.testkit.Images.V1;
import static dev.osupgrade.testkit.Images.V2;
import static dev.osupgrade.testkit.Images.ubuntu;
import static org.assertj.core.api.Assertions.assertThat;

import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.ScaleSet;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.policy.UpgradePolicy;
import dev.osupgrade.port.RolloutStore;
import dev.osupgrade.port.ScaleSetPort;
import dev.osupgrade.rollout.Rollout;
import dev.osupgrade.rollout.RolloutOptions;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/** Several replicas of a platform service drive the same scale set through one store: exactly one acts at a time. */
final class ReplicasTest {

  /** Counts one replica's mutating calls. */
  private static final class CountingPort implements ScaleSetPort {
    private final ScaleSetPort delegate;
    int mutations;

    CountingPort(ScaleSetPort delegate) {
      this.delegate = delegate;
    }

    @Override
    public ScaleSet get(ScaleSetId id) {
      return delegate.get(id);
    }

    @Override
    public List<Instance> listInstances(ScaleSetId id) {
      return delegate.listInstances(id);
    }

    @Override
    public void updateModelImage(ScaleSetId id, ImageReference image) {
      mutations++;
      delegate.updateModelImage(id, image);
    }

    @Override
    public void updateUpgradePolicy(ScaleSetId id, UpgradePolicy policy, @Nullable String ifMatchEtag) {
      mutations++;
      delegate.updateUpgradePolicy(id, policy, ifMatchEtag);
    }

    @Override
    public void upgradeInstances(ScaleSetId id, List<String> instanceIds) {
      mutations++;
      delegate.upgradeInstances(id, instanceIds);
    }

    @Override
    public void rollBackInstances(ScaleSetId id, List<String> instanceIds, ImageReference previousImage) {
      mutations++;
      delegate.rollBackInstances(id, instanceIds, previousImage);
    }
  }

  /** Drives several rollouts on one clock, each when it asks to be looked at again; a stopped one is skipped. */
  private static void race(SimulatedFleet fleet, Map<Rollout, Instant> stopAt, Rollout... rollouts) {
    Map<Rollout, Instant> next = new LinkedHashMap<>();
    for (Rollout r : rollouts) {
      next.put(r, fleet.clock().instant());
    }
    int guard = 0;
    while (!next.isEmpty() && guard++ < 100_000) {
      Rollout r = next.entrySet().stream().min(Map.Entry.comparingByValue()).orElseThrow().getKey();
      Instant at = next.get(r);
      if (at.isAfter(fleet.clock().instant())) {
        fleet.clock().advanceTo(at);
      }
      if (stopAt.containsKey(r) && !fleet.clock().instant().isBefore(stopAt.get(r))) {
        next.remove(r); // this replica died
        continue;
      }
      Optional<Instant> again = r.advance();
      if (again.isPresent()) {
        next.put(r, again.get());
      } else {
        next.remove(r);
      }
    }
  }

  @Test
  void race_twoReplicasOneStore_exactlyOneDrivesAndEachInstanceIsUpgradedOnce() {
    SimulatedFleet fleet = SimulatedFleet.create(11);
    ScaleSetId id = fleet.add(ScaleSetSpec.named("web").instances(20).zones(2).image(ubuntu(V1)));
    fleet.publish(ubuntu(V2));
    RolloutStore store = RolloutStore.inMemory();
    CountingPort portA = new CountingPort(fleet);
    CountingPort portB = new CountingPort(fleet);
    Rollout a = Rollout.builder(portA, id).target(V2).clock(fleet.clock()).store(store).owner("a").build();
    Rollout b = Rollout.builder(portB, id).target(V2).clock(fleet.clock()).store(store).owner("b").build();

    race(fleet, Map.of(), a, b);

    assertThat(a.status().name()).isEqualTo("COMPLETED");
    assertThat(b.status().name()).as("b adopts the outcome a checkpointed").isEqualTo("COMPLETED");
    int batches = a.plan().orElseThrow().batches().size();
    // One replica made every mutating call (the model once, one upgrade per batch); the other made none.
    assertThat(List.of(portA.mutations, portB.mutations)).containsExactlyInAnyOrder(0, 1 + batches);
    FleetRecord record = fleet.record(id);
    assertThat(record.instances()).allSatisfy(i -> {
      assertThat(record.count(i, InstanceChange.Kind.UPGRADE_STARTED)).as("upgrades of %s", i).isEqualTo(1);
      assertThat(record.count(i, InstanceChange.Kind.ROLLBACK_STARTED)).isZero();
    });
  }

  @Test
  void race_leaderDiesMidRollout_followerTakesOverAfterTheLeaseAndFinishes() {
    SimulatedFleet fleet = SimulatedFleet.create(12);
    ScaleSetId id = fleet.add(ScaleSetSpec.named("web").instances(20).zones(2).image(ubuntu(V1)));
    fleet.publish(ubuntu(V2));
    RolloutStore store = RolloutStore.inMemory();
    CountingPort portA = new CountingPort(fleet);
    CountingPort portB = new CountingPort(fleet);
    Rollout a = Rollout.builder(portA, id).target(V2).clock(fleet.clock()).store(store).owner("a").build();
    Rollout b = Rollout.builder(portB, id).target(V2).clock(fleet.clock()).store(store).owner("b").build();
    Instant leaderDies = fleet.clock().instant().plus(Duration.ofMinutes(12));

    race(fleet, Map.of(a, leaderDies), a, b);

    assertThat(b.status().name()).isEqualTo("COMPLETED");
    assertThat(portA.mutations).as("a drove the first batches").isPositive();
    assertThat(portB.mutations).as("b drove the rest").isPositive();
    // a renews its lease on each advance, at least every half lease between sparse looks: b takes over no sooner
    // than a lease after a's last renewal, so at least half a lease after a died.
    assertThat(b.events().get(0).at()).isAfterOrEqualTo(leaderDies.plus(Rollout.DEFAULT_LEASE.dividedBy(2)))
        .isBeforeOrEqualTo(leaderDies.plus(Rollout.DEFAULT_LEASE).plus(RolloutOptions.DEFAULT_POLL_INTERVAL));
    assertThat(b.progress().successful()).isEqualTo(20);
    FleetRecord record = fleet.record(id);
    assertThat(record.instances()).allSatisfy(i -> {
      assertThat(record.count(i, InstanceChange.Kind.UPGRADE_STARTED)).as("upgrades of %s", i).isEqualTo(1);
      assertThat(record.count(i, InstanceChange.Kind.ROLLBACK_STARTED)).isZero();
    });
  }

  /**
   * The zombie leader: replica a stalls inside its first {@code upgradeInstances} (a long GC pause, a long
   * {@code Retry-After}) past its lease; replica b takes over and drives the rollout to its end; then a's call goes on.
   * It must send nothing: the fence renews a's lease right before the send, and an expired lease is never revived.
   */
  @Test
  void zombieLeader_stalledInsideUpgradePastItsLease_sendsNothingAndTheOtherFinishes() {
    SimulatedFleet fleet = SimulatedFleet.create(13);
    ScaleSetId id = fleet.add(ScaleSetSpec.named("web").instances(20).zones(2).image(ubuntu(V1)));
    fleet.publish(ubuntu(V2));
    RolloutStore store = RolloutStore.inMemory();
    Rollout b = Rollout.builder(new CountingPort(fleet), id).target(V2).clock(fleet.clock()).store(store).owner("b")
        .build();
    HookedPort portA = new HookedPort(fleet);
    List<Throwable> aCall = new java.util.ArrayList<>();
    portA.upgradeInstances = (scaleSet, ids) -> {
      if (aCall.isEmpty()) {
        aCall.add(new AssertionError("a's call went on"));
        fleet.clock().advance(Rollout.DEFAULT_LEASE.plusMinutes(1)); // a stalls past its lease
        fleet.run(b);                                                // b takes over and finishes
        int sentBefore = fleet.calls("upgradeInstances");
        try {
          fleet.upgradeInstances(scaleSet, ids);                     // a wakes up and goes on into the real call
        } catch (RuntimeException e) {
          aCall.set(0, e);
          assertThat(fleet.calls("upgradeInstances")).as("a's call reached the fleet").isEqualTo(sentBefore);
          throw e;
        }
        return;
      }
      fleet.upgradeInstances(scaleSet, ids);
    };
    Rollout a = Rollout.builder(portA, id).target(V2).clock(fleet.clock()).store(store).owner("a").build();

    fleet.run(a);

    assertThat(aCall).singleElement().isInstanceOf(dev.osupgrade.port.LeaseLostException.class);
    assertThat(b.status().name()).isEqualTo("COMPLETED");
    assertThat(a.status().name()).as("a reloads and adopts b's outcome").isEqualTo("COMPLETED");
    int batches = b.plan().orElseThrow().batches().size();
    assertThat(portA.calls("upgradeInstances")).as("a tried once").isEqualTo(1);
    assertThat(fleet.calls("upgradeInstances")).as("only b's calls reached the fleet: one per batch")
        .isEqualTo(batches);
    assertThat(fleet.peek(id).instances()).allSatisfy(i -> {
      assertThat(i.runs(V2)).isTrue();
      assertThat(fleet.reimageCount(id, i.instanceId())).as("reimages of %s", i.instanceId()).isEqualTo(1);
    });
  }
}
