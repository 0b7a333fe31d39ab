package dev.osupgrade.testkit;

import static dev.osupgrade.testkit.Images.V1;
import static dev.osupgrade.testkit.Images.V2;
import static dev.osupgrade.testkit.Images.ubuntu;
import static org.assertj.core.api.Assertions.assertThat;

import dev.osupgrade.diagnosis.Diagnosis;
import dev.osupgrade.diagnosis.FailureDiagnosis;
import dev.osupgrade.event.PlanExtended;
import dev.osupgrade.event.RolloutCompleted;
import dev.osupgrade.event.RolloutFaulted;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.ScaleSet;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.ops.ErrorCodes;
import dev.osupgrade.ops.RolloutStatus;
import dev.osupgrade.ops.StopCode;
import dev.osupgrade.ops.UpgradeError;
import dev.osupgrade.policy.UpgradePolicy;
import dev.osupgrade.port.Checkpoint;
import dev.osupgrade.port.Lease;
import dev.osupgrade.port.RolloutStore;
import dev.osupgrade.port.ScaleSetPort;
import dev.osupgrade.rollout.Rollout;
import dev.osupgrade.rollout.RolloutOptions;
import dev.osupgrade.rollout.RolloutState;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

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
   * last batch must not stand for it, and the rollout must not re-plan it forever: it never says Completed, asks for
   * instance 3 exactly {@code maxUpgradeRequestsPerInstance} times (3 by default: the first request and two re-plans),
   * then ends Faulted with {@code InstanceUpgradeNotApplied} naming it, well within the six hours of fleet time the
   * loop allows — and the fleet's record shows instance 3 never upgraded.
   */
  @Test
  void rollout_anInstanceNeverUpgradedAndLeftOutOfTheListings_faultsAfterTheBoundedRequestsWithItOffTarget() {
    SimulatedFleet fleet = SimulatedFleet.create(11);
    ScaleSetId id = web(fleet);
    NeverReimaged lossy = new NeverReimaged(fleet, "3");

    Rollout r = Rollout.builder(lossy, id).target(V2).clock(fleet.clock()).build();
    Instant until = fleet.clock().instant().plus(Duration.ofHours(6));
    Optional<Instant> next = r.advance();
    for (; next.isPresent() && next.get().isBefore(until); next = r.advance()) {
      fleet.clock().advanceTo(next.get());
    }

    assertThat(next).as("the rollout ended within six hours of fleet time").isEmpty();
    assertThat(lossy.asked).as("manualupgrade requests naming instance 3: exactly the bound")
        .isEqualTo(RolloutOptions.DEFAULT_MAX_UPGRADE_REQUESTS_PER_INSTANCE);
    assertThat(r.status()).as(r.toString()).isEqualTo(RolloutStatus.FAULTED);
    assertThat(r.events()).noneMatch(RolloutCompleted.class::isInstance);
    UpgradeError error = r.error().orElseThrow();
    assertThat(error.stopCode()).contains(StopCode.UPGRADE_NOT_APPLIED);
    assertThat(error.code()).isEqualTo(ErrorCodes.UPGRADE_NOT_APPLIED);
    assertThat(error.message()).contains("instance 3 asked 3 times, runs " + V1);
    assertThat(r.events().stream().filter(PlanExtended.class::isInstance).map(PlanExtended.class::cast).toList())
        .as("two re-plans, each for instance 3 alone").hasSize(2)
        .allSatisfy(e -> assertThat(e.instanceIds()).containsExactly("3"));
    RolloutFaulted faulted = (RolloutFaulted) r.events().get(r.events().size() - 1);
    assertThat(faulted.progress().failed()).as("instance 3 counts as failed").isEqualTo(1);
    assertThat(faulted.progress().successful()).isEqualTo(9);
    assertThat(r.state().replanned()).containsExactly(Map.entry("3", 2));
    // the fleet, not the rollout's belief
    Instance three = fleet.peek(id).instances().stream().filter(i -> i.instanceId().equals("3")).findFirst()
        .orElseThrow();
    assertThat(three.runs(V1)).as("the fleet: instance 3 was never reimaged").isTrue();
    FleetRecord record = fleet.record(id);
    assertThat(record.count("3", InstanceChange.Kind.UPGRADE_STARTED)).isZero();
    assertThat(fleet.peek(id).instances()).filteredOn(i -> !i.instanceId().equals("3")).hasSize(9)
        .allSatisfy(i -> assertThat(i.runs(V2)).isTrue());
    assertThat(fleet.peek(id).modelImage()).as("the image is not to blame: the model stays on the target")
        .isEqualTo(ubuntu(V2));
    assertThat(record.calls()).as("no PATCH back to the old image").noneMatch(c -> c.is(PortOperation
        .UPDATE_MODEL_IMAGE) && ubuntu(V1).equals(c.image()));
    Diagnosis diagnosis = FailureDiagnosis.of(r, fleet.peek(id));
    assertThat(diagnosis.cause()).as(diagnosis.toString()).isEqualTo(Diagnosis.Cause.UPGRADE_NOT_APPLIED);
    assertThat(diagnosis.summary()).contains("3");
  }

  @ParameterizedTest(name = "bound {0}")
  @ValueSource(ints = {1, 2, 5})
  void rollout_boundOnUpgradeRequestsSet_asksTheLostInstanceExactlyThatOften(int bound) {
    SimulatedFleet fleet = SimulatedFleet.create(11);
    ScaleSetId id = web(fleet);
    NeverReimaged lossy = new NeverReimaged(fleet, "3");

    Rollout r = fleet.run(Rollout.builder(lossy, id).target(V2).clock(fleet.clock())
        .options(RolloutOptions.builder().maxUpgradeRequestsPerInstance(bound).build()).build());

    assertThat(lossy.asked).isEqualTo(bound);
    assertThat(r.status()).isEqualTo(RolloutStatus.FAULTED);
    assertThat(r.error().orElseThrow().message()).contains("instance 3 asked " + bound + " times");
    assertThat(r.events().stream().filter(PlanExtended.class::isInstance).count()).isEqualTo(bound - 1L);
    assertThat(fleet.record(id).count("3", InstanceChange.Kind.UPGRADE_STARTED)).isZero();
  }

  /**
   * A crash after the checkpoint that records the first re-plan of instance 3: the resumed rollout reads the count
   * from the checkpoint and asks for instance 3 only as often as the bound leaves, not the bound again.
   */
  @Test
  void restart_crashedAfterTheFirstReplan_resumedRolloutKeepsTheCountAndStopsAtTheBound() {
    SimulatedFleet fleet = SimulatedFleet.create(11);
    ScaleSetId id = web(fleet);
    NeverReimaged lossy = new NeverReimaged(fleet, "3");
    RolloutStore store = RolloutStore.inMemory();
    String[] crashedOn = {null};
    RolloutStore crashing = new ForwardingStore(store) {
      @Override
      public Checkpoint save(Lease lease, long expectedVersion, String data, Instant now) {
        Checkpoint saved = super.save(lease, expectedVersion, data, now);
        if (crashedOn[0] == null && data.contains("\nreplanned.3=1\n")) {
          crashedOn[0] = data;
          throw new SimulatedCrash("after the checkpoint of the first re-plan");
        }
        return saved;
      }
    };
    try {
      fleet.run(Rollout.builder(lossy, id).target(V2).clock(fleet.clock()).store(crashing).build());
    } catch (SimulatedCrash expected) {
      // the process died
    }
    assertThat(crashedOn[0]).as("the rollout re-planned instance 3 and checkpointed it").isNotNull();
    assertThat(RolloutState.decode(crashedOn[0]).replanned()).containsExactly(Map.entry("3", 1));
    int askedBeforeTheCrash = lossy.asked;

    Rollout resumed = fleet.run(Rollout.resuming(lossy, id, store).target(V2).clock(fleet.clock()).build());

    assertThat(askedBeforeTheCrash).isEqualTo(1);
    assertThat(lossy.asked).as("in both processes together: the bound").isEqualTo(3);
    assertThat(resumed.status()).isEqualTo(RolloutStatus.FAULTED);
    assertThat(resumed.error().orElseThrow().stopCode()).contains(StopCode.UPGRADE_NOT_APPLIED);
    assertThat(resumed.state().replanned()).containsExactly(Map.entry("3", 2));
    assertThat(RolloutState.decode(store.load(id).orElseThrow().data()).replanned())
        .containsExactly(Map.entry("3", 2));
    assertThat(fleet.record(id).count("3", InstanceChange.Kind.UPGRADE_STARTED)).isZero();
  }

  /**
   * ARM as the adversary plays it: it accepts {@code manualupgrade} for the lost instances but never reimages them,
   * and once they were asked for, every listing and read on its own leaves them out; the full read (GET of the scale
   * set) still shows them. The model is read alone when the runner asks for it alone, as the Azure adapter reads it:
   * the rollout must ask for the full read itself.
   */
  private static final class NeverReimaged extends Forwarding {
    private final SimulatedFleet fleet;
    private final List<String> lost;
    private boolean sent;
    int asked;

    NeverReimaged(SimulatedFleet fleet, String... lost) {
      super(fleet);
      this.fleet = fleet;
      this.lost = List.of(lost);
    }

    @Override
    public List<Instance> listInstances(ScaleSetId s) {
      List<Instance> all = super.listInstances(s);
      return sent ? all.stream().filter(i -> !lost.contains(i.instanceId())).toList() : all;
    }

    @Override
    public ScaleSet model(ScaleSetId s) {
      return fleet.model(s); // the model alone, as the Azure adapter reads it: no instances to show the lost ones
    }

    @Override
    public void upgradeInstances(ScaleSetId s, List<String> instanceIds) {
      if (instanceIds.stream().anyMatch(lost::contains)) {
        sent = true;
        asked++;
      }
      List<String> done = instanceIds.stream().filter(i -> !lost.contains(i)).toList();
      if (!done.isEmpty()) {
        super.upgradeInstances(s, done);
      }
    }
  }

  /** Every call passed on to a store. */
  private static class ForwardingStore implements RolloutStore {
    private final RolloutStore store;

    ForwardingStore(RolloutStore store) {
      this.store = store;
    }

    @Override
    public Optional<Checkpoint> load(ScaleSetId scaleSet) {
      return store.load(scaleSet);
    }

    @Override
    public Optional<Lease> tryAcquire(ScaleSetId scaleSet, String owner, Instant now, Duration ttl) {
      return store.tryAcquire(scaleSet, owner, now, ttl);
    }

    @Override
    public Lease renew(Lease lease, Instant now, Duration ttl) {
      return store.renew(lease, now, ttl);
    }

    @Override
    public Checkpoint save(Lease lease, long expectedVersion, String data, Instant now) {
      return store.save(lease, expectedVersion, data, now);
    }

    @Override
    public void release(Lease lease) {
      store.release(lease);
    }
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
