package dev.osupgrade.testkit;

import static dev.osupgrade.testkit.Images.V1;
import static dev.osupgrade.testkit.Images.V2;
import static dev.osupgrade.testkit.Images.ubuntu;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osupgrade.OsUpgradeException;
import dev.osupgrade.fleet.HealthState;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.governance.Environment;
import dev.osupgrade.policy.RollingUpgradePolicy;
import dev.osupgrade.rollout.Rollout;
import dev.osupgrade.rollout.RolloutState;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every state a rollout passes through survives encode and decode unchanged. */
final class CheckpointRoundTripTest {

  /** Whether a checkpoint of a plan by fault domains went through encode and decode. */
  static final boolean[] SEEN_FLEXIBLE = new boolean[1];

  static LongStream seeds() {
    return LongStream.rangeClosed(1, 40);
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  void encodeDecode_everyStateOfARandomRollout_equalState(long seed) {
    SplittableRandom draw = new SplittableRandom(seed);
    SimulatedFleet fleet = SimulatedFleet.create(seed);
    int zones;
    ScaleSetSpec spec = ScaleSetSpec.named("web").instances(draw.nextInt(1, 40)).zones(zones = draw.nextInt(0, 4))
        .image(ubuntu(V1));
    if (seed % 4 == 1) { // a Flexible scale set: its batches by fault domain, checkpointed under a key of their own
      spec.orchestration(dev.osupgrade.fleet.OrchestrationMode.FLEXIBLE).faultDomains(zones == 0 ? 3 : 1);
    }
    boolean production = seed % 3 == 0; // production, opted out: the waiver is in every checkpoint
    ScaleSetId id = fleet.add(production ? spec.environment(Environment.PRODUCTION) : spec);
    fleet.publish(ubuntu(V2));
    if (draw.nextBoolean()) {
      fleet.imageBehavior(V2, ImageBehavior.comesUpUnhealthy());
    }
    if (draw.nextBoolean()) {
      fleet.setHealth(id, HealthState.UNKNOWN, fleet.createdInstanceIds(id).get(0));
    }
    if (draw.nextBoolean()) {
      fleet.faults().serverErrorRate("listInstances", 0.2).throttleRate("upgradeInstances", 0.2); // stalls
    }
    if (draw.nextBoolean()) {
      fleet.clock().schedule(Duration.ofMinutes(draw.nextInt(1, 20)),   // missing, then removed
          () -> fleet.deleteInstances(id, List.of(fleet.peek(id).instances().get(0).instanceId())));
    }
    RollingUpgradePolicy policy = RollingUpgradePolicy.builder().maxBatchInstancePercent(draw.nextInt(5, 101))
        .pauseTimeBetweenBatches("PT" + draw.nextInt(0, 10) + "M")
        .prioritizeUnhealthyInstances(draw.nextBoolean())
        .rollbackFailedInstancesOnPolicyBreach(draw.nextBoolean()).build();
    dev.osupgrade.port.RolloutStore store = dev.osupgrade.port.RolloutStore.inMemory();
    Rollout.Builder b = Rollout.builder(fleet, id).target(V2).clock(fleet.clock()).policy(policy).store(store);
    Rollout r = (production ? b.ungoverned("seed " + seed + ": rehearsal of an opt-out, token sig=abc123") : b)
        .build();

    int states = 1;
    for (Optional<Instant> next = r.advance(); next.isPresent(); next = r.advance()) {
      RolloutState s = r.state();
      assertThat(RolloutState.decode(s.encode())).isEqualTo(s);
      // the rollout encodes only what changed since its last save; what it saved is the whole encoding, byte for byte
      assertThat(store.load(id).orElseThrow().data()).isEqualTo(s.encode());
      SEEN_FLEXIBLE[0] |= s.plan() != null && !s.plan().batches().isEmpty() && s.plan().batch(1).byFaultDomain();
      SEEN[0] |= s.stall() != null;
      SEEN[1] |= s.intendedModel() != null;
      SEEN[2] |= !s.missingSince().isEmpty();
      SEEN[3] |= s.governanceWaiver() != null;
      assertThat(s.encode()).doesNotContain("abc123");
      states++;
      fleet.clock().advanceTo(next.get());
    }
    assertThat(RolloutState.decode(r.state().encode())).isEqualTo(r.state());
    assertThat(states).isPositive();
  }

  /**
   * Which of the newer fields the seeded runs put in a checkpoint: stall, intended model, missing instances, governance
   * waiver.
   */
  private static final boolean[] SEEN = new boolean[4];

  @org.junit.jupiter.api.AfterAll
  static void everyNewerFieldWasRoundTripped() {
    assertThat(SEEN).as("some seeded state had a stall, an intended model, a missing instance and a waiver")
        .containsOnly(true);
    assertThat(SEEN_FLEXIBLE).as("some seeded state had a Flexible plan, by fault domains").containsOnly(true);
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("surgeSeeds")
  void savedCheckpoint_maxSurgeRollout_isAFreshEncodingOfTheState(long seed) {
    // max surge adds instances to the state and removes them: the lines of the instances behind them move, and a line
    // reused from the wrong instance would show
    SplittableRandom draw = new SplittableRandom(seed);
    SimulatedFleet fleet = SimulatedFleet.create(seed);
    ScaleSetId id = fleet.add(ScaleSetSpec.named("web").instances(draw.nextInt(3, 30)).zones(draw.nextInt(0, 4))
        .image(ubuntu(V1)));
    fleet.publish(ubuntu(V2));
    if (draw.nextBoolean()) {
      fleet.imageBehavior(V2, ImageBehavior.comesUpUnhealthy());
    }
    dev.osupgrade.port.RolloutStore store = dev.osupgrade.port.RolloutStore.inMemory();
    Rollout r = Rollout.builder(fleet, id).target(V2).clock(fleet.clock()).store(store)
        .policy(RollingUpgradePolicy.builder().maxSurge(true).maxBatchInstancePercent(draw.nextInt(10, 60))
            .rollbackFailedInstancesOnPolicyBreach(draw.nextBoolean()).build())
        .build();
    boolean surged = false;
    int saves = 0;
    for (Optional<Instant> next = r.advance(); next.isPresent(); next = r.advance()) {
      RolloutState s = r.state();
      assertThat(store.load(id).orElseThrow().data()).isEqualTo(s.encode());
      surged |= s.instances().values().stream().anyMatch(p -> p.isSurge());
      saves++;
      fleet.clock().advanceTo(next.get());
    }
    assertThat(store.load(id).orElseThrow().data()).isEqualTo(r.state().encode());
    assertThat(surged).as("a surge instance was in some state").isTrue();
    assertThat(saves).isPositive();
  }

  static LongStream surgeSeeds() {
    return LongStream.rangeClosed(1, 8);
  }

  @Test
  void decode_checkpointWrittenBeforeStallsIntendedModelsAndMissingInstances_readsThemAsNone() {
    SimulatedFleet fleet = SimulatedFleet.create(3);
    ScaleSetId id = fleet.add(ScaleSetSpec.named("web").instances(10).image(ubuntu(V1)));
    fleet.publish(ubuntu(V2));
    fleet.faults().throttle("upgradeInstances", 1);
    Rollout r = Rollout.builder(fleet, id).target(V2).clock(fleet.clock()).build();
    r.advance();
    RolloutState now = r.state();
    assertThat(now.stall()).isNotNull();
    assertThat(now.intendedModel()).isNotNull();
    String older = now.encode().lines()
        .filter(l -> !l.startsWith("stall.") && !l.startsWith("intendedModel=") && !l.startsWith("missing.")
            && !l.startsWith("ungoverned."))
        .collect(java.util.stream.Collectors.joining("\n", "", "\n"));

    RolloutState decoded = RolloutState.decode(older);

    assertThat(decoded.stall()).isNull();
    assertThat(decoded.intendedModel()).isNull();
    assertThat(decoded.missingSince()).isEmpty();
    assertThat(decoded.governanceWaiver()).isNull();
    assertThat(decoded.instances()).isEqualTo(now.instances());
    assertThat(decoded.outbox()).isEqualTo(now.outbox());
    assertThat(decoded.status()).isEqualTo(now.status());
    // and a rollout resumed from it goes on to the end
    dev.osupgrade.port.RolloutStore store = dev.osupgrade.port.RolloutStore.inMemory();
    var lease = store.tryAcquire(id, "old", fleet.clock().instant(), Duration.ofMinutes(1)).orElseThrow();
    store.save(lease, 0, older, fleet.clock().instant());
    store.release(lease);
    Rollout resumed = fleet.run(Rollout.resuming(fleet, id, store).clock(fleet.clock()).build());
    assertThat(resumed.status().name()).isEqualTo("COMPLETED");
    assertThat(fleet.peek(id).instances()).allSatisfy(i -> {
      assertThat(i.runs(V2)).isTrue();
      assertThat(fleet.reimageCount(id, i.instanceId())).isEqualTo(1);
    });
  }

  @Test
  void decode_garbage_typedErrorNamingTheProblem() {
    assertThatThrownBy(() -> RolloutState.decode("not a checkpoint")).isInstanceOf(OsUpgradeException.class)
        .hasMessageContaining("does not start with")
        .extracting(e -> ((OsUpgradeException) e).code()).isEqualTo("CheckpointCorrupt");
    String valid = RolloutState.initial(ScaleSetId.of("rg", "web"), V2).encode();
    assertThatThrownBy(() -> RolloutState.decode(valid.replace("status=", "status=BOGUS")))
        .isInstanceOf(OsUpgradeException.class).hasMessageContaining("cannot be read");
  }
}
