package dev.osupgrade.testkit;

import static dev.osupgrade.testkit.Images.V1;
import static dev.osupgrade.testkit.Images.V2;
import static dev.osupgrade.testkit.Images.ubuntu;
import static org.assertj.core.api.Assertions.assertThat;

import dev.osupgrade.event.BatchStarted;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.ops.RolloutStatus;
import dev.osupgrade.port.RolloutStore;
import dev.osupgrade.rollout.Rollout;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Rollout.close(): a replica lets go of its scale set without ending the rollout; another takes over at once. */
final class RolloutCloseTest {
  @RegisterExtension static final SimulatorExtension SIM = SimulatorExtension.withSeed(17);

  @Test
  void close_midRollout_anotherReplicaTakesOverAtOnceAndEveryInstanceIsUpgradedOnce(SimulatedFleet fleet) {
    ScaleSetId id = fleet.add(ScaleSetSpec.named("web").instances(10).zones(2).image(ubuntu(V1)));
    fleet.publish(ubuntu(V2));
    RolloutStore store = RolloutStore.inMemory();
    Rollout a = Rollout.builder(fleet, id).target(V2).clock(fleet.clock()).store(store).owner("a").build();
    Rollout b = Rollout.builder(fleet, id).target(V2).clock(fleet.clock()).store(store).owner("b").build();
    fleet.track(a);
    fleet.track(b);
    for (Optional<Instant> next = a.advance(); a.events().stream()
        .noneMatch(e -> e instanceof BatchStarted s && s.batch() == 2); next = a.advance()) {
      fleet.clock().advanceTo(next.orElseThrow());
    }

    a.close();
    b.advance();

    assertThat(b.status()).as("b got the lease at once (without it b would still be NotStarted)")
        .isEqualTo(RolloutStatus.ROLLING_FORWARD);
    fleet.run(b);
    assertThat(b.status()).isEqualTo(RolloutStatus.COMPLETED);
    for (Instance i : fleet.peek(id).instances()) {
      assertThat(i.runs(V2)).isTrue();
      assertThat(fleet.reimageCount(id, i.instanceId())).as(i.instanceId()).isEqualTo(1);
    }
    assertThat(a.advance()).as("a, back later, reads the outcome and changes nothing").isEmpty();
    assertThat(a.status()).isEqualTo(RolloutStatus.COMPLETED);
    assertThat(fleet.peek(id).instances()).allSatisfy(i -> assertThat(fleet.reimageCount(id, i.instanceId()))
        .isEqualTo(1));
  }

  @Test
  void close_afterTheEndOrTwice_doesNothing(SimulatedFleet fleet) {
    ScaleSetId id = fleet.add(ScaleSetSpec.named("web").instances(3).image(ubuntu(V1)));
    fleet.publish(ubuntu(V2));
    RolloutStore store = RolloutStore.inMemory();
    Rollout a = fleet.run(Rollout.builder(fleet, id).target(V2).clock(fleet.clock()).store(store).owner("a")
        .build());

    a.close();
    a.close();

    assertThat(a.status()).isEqualTo(RolloutStatus.COMPLETED);
    assertThat(store.tryAcquire(id, "b", fleet.clock().instant(), Rollout.DEFAULT_LEASE)).isPresent();
  }
}
