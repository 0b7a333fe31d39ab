package dev.osupgrade.testkit;

import static dev.osupgrade.testkit.Images.V1;
import static dev.osupgrade.testkit.Images.V2;
import static dev.osupgrade.testkit.Images.ubuntu;
import static org.assertj.core.api.Assertions.assertThat;

import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.ops.RolloutStatus;
import dev.osupgrade.policy.RollingUpgradePolicy;
import dev.osupgrade.port.RolloutStore;
import dev.osupgrade.rollout.Rollout;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

final class ControlRegressionTest {
  @RegisterExtension static final SimulatorExtension SIM = SimulatorExtension.withSeed(21);

  private static ScaleSetId web(SimulatedFleet fleet) {
    ScaleSetId id = fleet.add(ScaleSetSpec.named("web").instances(10).image(ubuntu(V1)));
    fleet.publish(ubuntu(V2));
    return id;
  }

  private static void runToPause(Rollout r, VirtualClock clock) {
    Optional<Instant> next = r.advance();
    while (next.isPresent()) {
      clock.advanceTo(next.get());
      next = r.advance();
    }
  }

  @Test
  void resume_afterAPauseLongerThanTheLease_completes(SimulatedFleet fleet, VirtualClock clock) {
    ScaleSetId id = web(fleet);
    Rollout r = Rollout.builder(fleet, id).target(V2).clock(clock).build();
    r.advance();
    r.pause();
    runToPause(r, clock);
    assertThat(r.status()).isEqualTo(RolloutStatus.PAUSED);
    clock.advance(Duration.ofHours(3));   // operator comes back later (longer than the 5-min lease)
    r.resume();
    fleet.run(r);
    assertThat(r.status()).as("resume honoured").isEqualTo(RolloutStatus.COMPLETED);
  }

  @Test
  void cancel_whilePaused_cancels(SimulatedFleet fleet, VirtualClock clock) {
    ScaleSetId id = web(fleet);
    Rollout r = Rollout.builder(fleet, id).target(V2).clock(clock).build();
    r.advance();
    r.pause();
    runToPause(r, clock);
    r.cancel();                          // within the lease
    fleet.run(r);
    assertThat(r.status()).as("cancel honoured").isEqualTo(RolloutStatus.CANCELLED);
  }

  @Test
  void cancel_ofARolloutResumedFromTheStore_survivesTheReload(SimulatedFleet fleet, VirtualClock clock) {
    ScaleSetId id = web(fleet);
    RolloutStore store = RolloutStore.inMemory();
    Rollout first = Rollout.builder(fleet, id).target(V2).clock(clock).store(store).owner("a").build();
    first.advance();                     // batch 1 sent; then replica "a" dies
    clock.advance(Duration.ofMinutes(6));
    Rollout r = Rollout.resuming(fleet, id, store).clock(clock).owner("b").build();
    r.cancel();
    fleet.run(r);
    assertThat(r.status()).as("cancel honoured").isEqualTo(RolloutStatus.CANCELLED);
  }

  @Test
  void cancel_duringALongPauseBetweenBatches_cancels(SimulatedFleet fleet, VirtualClock clock) {
    ScaleSetId id = web(fleet);
    RollingUpgradePolicy p = RollingUpgradePolicy.builder().pauseTimeBetweenBatches(Duration.ofMinutes(30)).build();
    Rollout r = Rollout.builder(fleet, id).target(V2).clock(clock).policy(p).build();
    clock.schedule(Duration.ofMinutes(15), r::cancel);  // inside the 30-minute pause after batch 1
    fleet.run(r);
    assertThat(r.status()).isEqualTo(RolloutStatus.CANCELLED);
    assertThat(r.progress().successful()).as("only batch 1 upgraded").isEqualTo(2);
  }
}
