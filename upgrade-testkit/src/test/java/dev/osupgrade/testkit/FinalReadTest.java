package dev.osupgrade.testkit;

import static dev.osupgrade.testkit.Images.V1;
import static dev.osupgrade.testkit.Images.V2;
import static dev.osupgrade.testkit.Images.ubuntu;
import static org.assertj.core.api.Assertions.assertThat;

import dev.osupgrade.event.RolloutCompleted;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.ScaleSet;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.ops.RolloutStatus;
import dev.osupgrade.policy.UpgradePolicy;
import dev.osupgrade.port.RolloutStore;
import dev.osupgrade.port.ScaleSetPort;
import dev.osupgrade.rollout.Rollout;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * The rollout's final read: right after the listing that ended the last batch, in the same advance and at the same
 * instant, the model alone is read ({@link ScaleSetPort#model}) and that listing stands for the instances. What the
 * fleet holds still decides: a model moved between the two reads is found and put back before {@code Completed}, and
 * a rollout resumed after a crash between them has no listing of its own and reads everything.
 */
final class FinalReadTest {
  private static ScaleSetId web(SimulatedFleet fleet) {
    ScaleSetId id = fleet.add(ScaleSetSpec.named("web").instances(10).image(ubuntu(V1)));
    fleet.publish(ubuntu(V2));
    return id;
  }

  @Test
  void rollout_lastBatchEndsOnAListing_theFinalReadIsTheModelAlone() {
    SimulatedFleet fleet = SimulatedFleet.create(11);
    ScaleSetId id = web(fleet);

    Rollout r = fleet.run(Rollout.builder(fleet, id).target(V2).clock(fleet.clock()).build());

    assertThat(r.status()).isEqualTo(RolloutStatus.COMPLETED);
    assertThat(fleet.calls("get")).as("the first look only").isEqualTo(1);
    assertThat(fleet.calls("model")).isEqualTo(1);
    PortCall model = fleet.record(id).calls("model").get(0);
    List<PortCall> listings = fleet.record(id).calls("listInstances");
    PortCall lastListing = listings.get(listings.size() - 1);
    assertThat(model.at()).as("at the instant of the last listing").isEqualTo(lastListing.at());
    assertThat(model.sequence()).isGreaterThan(lastListing.sequence());
    RolloutCompleted done = (RolloutCompleted) r.events().get(r.events().size() - 1);
    assertThat(done.at()).isEqualTo(model.at());
    assertThat(fleet.peek(id).instances()).hasSize(10).allSatisfy(i -> assertThat(i.runs(V2)).isTrue());
    assertThat(done.verification().modelOnTarget()).isTrue();
    assertThat(done.verification().onTargetAndHealthy()).isEqualTo(10);
  }

  @Test
  void rollout_modelMovedBetweenTheLastListingAndTheFinalRead_putBackBeforeCompleted() {
    SimulatedFleet fleet = SimulatedFleet.create(11);
    ScaleSetId id = web(fleet);
    ScaleSetPort movedAtTheEnd = new Forwarding(fleet) {
      private boolean moved;

      @Override
      public ScaleSet model(ScaleSetId scaleSet) {
        if (!moved) {
          moved = true;
          fleet.updateModelImage(scaleSet, ubuntu(V1)); // someone else, right before the final read
        }
        return fleet.model(scaleSet);
      }
    };

    Rollout r = fleet.run(Rollout.builder(movedAtTheEnd, id).target(V2).clock(fleet.clock()).build());

    assertThat(r.status()).isEqualTo(RolloutStatus.COMPLETED);
    assertThat(fleet.peek(id).modelImage()).as("the fleet's model, not the rollout's belief").isEqualTo(ubuntu(V2));
    assertThat(fleet.calls("updateModelImage")).as("the rollout's PATCH, the other's, and the rollout's again")
        .isEqualTo(3);
    assertThat(fleet.calls("get")).as("the first look, and the full read that confirms the model put back")
        .isEqualTo(2);
  }

  @Test
  void restart_crashedBetweenTheLastListingAndTheFinalRead_resumesWithAFullReadAndCompletes() {
    SimulatedFleet baseline = SimulatedFleet.create(11);
    ScaleSetId baselineId = web(baseline);
    CrashPoints counting = CrashPoints.never();
    baseline.run(Rollout.builder(counting.wrap(baseline), baselineId).target(V2).clock(baseline.clock())
        .store(counting.wrap(RolloutStore.inMemory())).build());
    long before = 0;
    for (long n = counting.points(); n >= 1 && before == 0; n--) {
      SimulatedFleet probe = SimulatedFleet.create(11);
      CrashPoints crash = CrashPoints.at(n);
      ScaleSetId probeId = web(probe);
      try {
        probe.run(Rollout.builder(crash.wrap(probe), probeId).target(V2).clock(probe.clock())
            .store(crash.wrap(RolloutStore.inMemory())).build());
      } catch (SimulatedCrash expected) {
        // the process died
      }
      if (crash.crashedAt().orElseThrow().endsWith("before model")) {
        before = n;
      }
    }
    assertThat(before).as("the uncrashed run has a final model read to crash before").isPositive();

    SimulatedFleet fleet = SimulatedFleet.create(11);
    ScaleSetId id = web(fleet);
    RolloutStore store = RolloutStore.inMemory();
    CrashPoints crash = CrashPoints.at(before);
    try {
      fleet.run(Rollout.builder(crash.wrap(fleet), id).target(V2).clock(fleet.clock()).store(crash.wrap(store))
          .build());
    } catch (SimulatedCrash expected) {
      // died after the checkpoint that says verifying, before the model was read
    }
    int gets = fleet.calls("get");
    Rollout resumed = fleet.run(Rollout.resuming(fleet, id, store).target(V2).clock(fleet.clock()).build());

    assertThat(resumed.status()).isEqualTo(RolloutStatus.COMPLETED);
    assertThat(fleet.calls("model")).as("no listing of its own to stand for the instances").isZero();
    assertThat(fleet.calls("get")).as("the resumed rollout reads model and instances together").isEqualTo(gets + 1);
    assertThat(fleet.peek(id).instances()).hasSize(10).allSatisfy(i -> assertThat(i.runs(V2)).isTrue());
    assertThat(fleet.peek(id).modelImage()).isEqualTo(ubuntu(V2));
    FleetRecord record = fleet.record(id);
    assertThat(record.instances()).allSatisfy(i -> assertThat(record.count(i, InstanceChange.Kind.UPGRADE_STARTED))
        .isEqualTo(1));
  }

  /**
   * The adversary: ARM accepts the batch's {@code manualupgrade} but never reimages instance 3, and every listing
   * and every read of it on its own after that leaves it out; only the full read shows it. The listing that ends the
   * last batch must not stand for it: in six hours of fleet time the rollout never says Completed (it re-plans the
   * instance and sends it again), and the fleet's record shows instance 3 never upgraded.
   */
  @Test
  void rollout_anInstanceNeverUpgradedAndLeftOutOfTheListings_notCompletedWithItOffTarget() {
    SimulatedFleet fleet = SimulatedFleet.create(11);
    ScaleSetId id = web(fleet);
    boolean[] sent = {false};
    ScaleSetPort lossy = new Forwarding(fleet) {
      @Override
      public List<Instance> listInstances(ScaleSetId s) {
        List<Instance> all = super.listInstances(s);
        return sent[0] ? all.stream().filter(i -> !i.instanceId().equals("3")).toList() : all;
      }

      @Override
      public void upgradeInstances(ScaleSetId s, List<String> instanceIds) {
        if (instanceIds.contains("3")) {
          sent[0] = true;
        }
        List<String> done = instanceIds.stream().filter(i -> !i.equals("3")).toList();
        if (!done.isEmpty()) {
          super.upgradeInstances(s, done);
        }
      }
    };

    Rollout r = Rollout.builder(lossy, id).target(V2).clock(fleet.clock()).build();
    java.time.Instant until = fleet.clock().instant().plus(java.time.Duration.ofHours(6));
    for (java.util.Optional<java.time.Instant> next = r.advance(); next.isPresent() && next.get().isBefore(until);
        next = r.advance()) {
      fleet.clock().advanceTo(next.get());
    }

    assertThat(sent[0]).as("instance 3's batch was sent").isTrue();
    Instance three = fleet.peek(id).instances().stream().filter(i -> i.instanceId().equals("3")).findFirst()
        .orElseThrow();
    assertThat(three.runs(V1)).as("the fleet: instance 3 was never reimaged").isTrue();
    assertThat(fleet.record(id).count("3", InstanceChange.Kind.UPGRADE_STARTED)).isZero();
    assertThat(r.status()).as(r.toString()).isNotEqualTo(RolloutStatus.COMPLETED);
    assertThat(r.events()).noneMatch(RolloutCompleted.class::isInstance);
  }

  /** Every call passed on to the simulated fleet. */
  private static class Forwarding implements ScaleSetPort {
    private final SimulatedFleet fleet;

    Forwarding(SimulatedFleet fleet) {
      this.fleet = fleet;
    }

    @Override
    public ScaleSet get(ScaleSetId id) {
      return fleet.get(id);
    }

    @Override
    public List<Instance> listInstances(ScaleSetId id) {
      return fleet.listInstances(id);
    }

    @Override
    public void updateModelImage(ScaleSetId id, ImageReference image) {
      fleet.updateModelImage(id, image);
    }

    @Override
    public void updateUpgradePolicy(ScaleSetId id, UpgradePolicy policy, @Nullable String ifMatchEtag) {
      fleet.updateUpgradePolicy(id, policy, ifMatchEtag);
    }

    @Override
    public void upgradeInstances(ScaleSetId id, List<String> instanceIds) {
      fleet.upgradeInstances(id, instanceIds);
    }

    @Override
    public void rollBackInstances(ScaleSetId id, List<String> instanceIds, ImageReference previousImage) {
      fleet.rollBackInstances(id, instanceIds, previousImage);
    }
  }
}
