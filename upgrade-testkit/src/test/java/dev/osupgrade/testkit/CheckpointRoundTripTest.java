package dev.osupgrade.testkit;

import static dev.osupgrade.testkit.Images.V1;
import static dev.osupgrade.testkit.Images.V2;
import static dev.osupgrade.testkit.Images.ubuntu;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osupgrade.OsUpgradeException;
import dev.osupgrade.fleet.HealthState;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.policy.RollingUpgradePolicy;
import dev.osupgrade.rollout.Rollout;
import dev.osupgrade.rollout.RolloutState;
import java.time.Instant;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every state a rollout passes through survives encode and decode unchanged. */
final class CheckpointRoundTripTest {

  static LongStream seeds() {
    return LongStream.rangeClosed(1, 40);
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  void encodeDecode_everyStateOfARandomRollout_equalState(long seed) {
    SplittableRandom draw = new SplittableRandom(seed);
    SimulatedFleet fleet = SimulatedFleet.create(seed);
    ScaleSetId id = fleet.add(ScaleSetSpec.named("web").instances(draw.nextInt(1, 40)).zones(draw.nextInt(0, 4))
        .image(ubuntu(V1)));
    fleet.publish(ubuntu(V2));
    if (draw.nextBoolean()) {
      fleet.imageBehavior(V2, ImageBehavior.comesUpUnhealthy());
    }
    if (draw.nextBoolean()) {
      fleet.setHealth(id, HealthState.UNKNOWN, "0");
    }
    RollingUpgradePolicy policy = RollingUpgradePolicy.builder().maxBatchInstancePercent(draw.nextInt(5, 101))
        .pauseTimeBetweenBatches("PT" + draw.nextInt(0, 10) + "M")
        .prioritizeUnhealthyInstances(draw.nextBoolean())
        .rollbackFailedInstancesOnPolicyBreach(draw.nextBoolean()).build();
    Rollout r = Rollout.builder(fleet, id).target(V2).clock(fleet.clock()).policy(policy).build();

    int states = 1;
    for (Optional<Instant> next = r.advance(); next.isPresent(); next = r.advance()) {
      RolloutState s = r.state();
      assertThat(RolloutState.decode(s.encode())).isEqualTo(s);
      states++;
      fleet.clock().advanceTo(next.get());
    }
    assertThat(RolloutState.decode(r.state().encode())).isEqualTo(r.state());
    assertThat(states).isPositive();
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
