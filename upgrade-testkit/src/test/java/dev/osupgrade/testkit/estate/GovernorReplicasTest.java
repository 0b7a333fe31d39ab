package dev.osupgrade.testkit.estate;

import static dev.osupgrade.testkit.estate.SmallEstate.UBUNTU;
import static dev.osupgrade.testkit.estate.SmallEstate.V2;
import static org.assertj.core.api.Assertions.assertThat;

import dev.osupgrade.estate.DesiredState;
import dev.osupgrade.estate.EstateGovernor;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.port.Lease;
import dev.osupgrade.port.RolloutStore;
import dev.osupgrade.service.ManagedRollout;
import dev.osupgrade.service.RolloutRunner;
import dev.osupgrade.testkit.InstanceChange;
import dev.osupgrade.testkit.VirtualScheduler;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Replicas of one governor share one store: exactly one acts, another takes over when the leader dies (after its
 * lease) or shuts down (at once), and nothing is done twice — graded by the fleet's record.
 */
final class GovernorReplicasTest {

  private static void assertEveryInstanceOnV2Once(SmallEstate estate) {
    for (ScaleSetId id : estate.scaleSets) {
      for (Instance i : estate.fleet.peek(id).instances()) {
        assertThat(i.imageVersion()).as("%s/%s", id, i.instanceId()).isEqualTo(V2);
        assertThat(estate.fleet.record(id).count(i.instanceId(), InstanceChange.Kind.UPGRADE_STARTED))
            .as("%s/%s upgraded once", id, i.instanceId()).isEqualTo(1);
      }
    }
  }

  @Test
  void twoReplicas_oneActs_theOtherTakesOverWhenTheLeaderDies() {
    SmallEstate estate = new SmallEstate(29);
    RolloutStore store = RolloutStore.inMemory();
    DesiredState desired = SmallEstate.desired().build();
    EstateGovernor a = estate.governor(desired, store).owner("replica-a").build();
    EstateGovernor b = estate.governor(desired, store).owner("replica-b").build();
    estate.fleet.publish(UBUNTU.withVersion(V2));
    Instant deadOfA = estate.fleet.clock().instant().plus(Duration.ofMinutes(20));
    Instant end = estate.fleet.clock().instant().plus(Duration.ofDays(1));
    int decisionsOfA = 0;
    while (estate.fleet.clock().instant().isBefore(end)) {
      Instant now = estate.fleet.clock().instant();
      Instant next = end;
      if (now.isBefore(deadOfA)) {
        next = a.advance().orElseThrow(); // replica A leads until it dies (its process is gone: no release)
        decisionsOfA = a.decisions().size();
      }
      Instant nb = b.advance().orElseThrow();
      next = nb.isBefore(next) ? nb : next;
      estate.fleet.clock().advanceTo(next.isAfter(end) ? end : next);
    }

    assertThat(decisionsOfA).as("A acted first").isPositive();
    assertThat(b.decisions()).as("B took over and finished").isNotEmpty();
    assertThat(b.decisions().get(0).at()).as("not before A's lease (30 m) ran out")
        .isAfterOrEqualTo(deadOfA.plus(Duration.ofMinutes(5)));
    assertThat(b.decisions().get(0).sequence()).as("the log goes on where A's checkpoint left it")
        .isEqualTo(a.decisions().get(a.decisions().size() - 1).sequence() + 1);
    assertEveryInstanceOnV2Once(estate);
    assertThat(b.status()).isEqualTo("ACTING");
    assertThat(a.status()).isEqualTo("ACTING"); // A never learned it died; its next advance would stand by
    assertThat(a.advance()).isPresent();
    assertThat(a.status()).isEqualTo("STANDBY");
  }

  @Test
  void closedMidRing_thenAdvancedAgain_rebuildsItsLanesFromTheCheckpointAndFinishes() {
    SmallEstate estate = new SmallEstate(41);
    EstateGovernor governor = estate.governor(SmallEstate.desired().build(), RolloutStore.inMemory()).build();
    estate.fleet.publish(UBUNTU.withVersion(V2));
    estate.drive(governor, estate.fleet.clock().instant().plus(Duration.ofMinutes(5))); // the canary upgrades
    assertThat(governor.scaleSets()).containsExactly(estate.scaleSets.get(0));

    governor.close();
    assertThat(governor.status()).isEqualTo("STANDBY");
    estate.drive(governor, estate.fleet.clock().instant().plus(Duration.ofDays(1)));

    assertEveryInstanceOnV2Once(estate);
  }

  @Test
  void runner_shutdownMidRing_releasesTheLease_andANewRunnerResumesWithNothingTwice() {
    SmallEstate estate = new SmallEstate(31);
    RolloutStore store = RolloutStore.inMemory();
    DesiredState desired = SmallEstate.desired().build();
    RolloutRunner first = RolloutRunner.builder().clock(estate.fleet.clock())
        .scheduler(VirtualScheduler.on(estate.fleet.clock())).build();
    ManagedRollout handle = first.submit(estate.governor(desired, store).owner("host-1").build());
    estate.fleet.publish(UBUNTU.withVersion(V2));
    estate.fleet.clock().advance(Duration.ofHours(2)); // the canary is done, the early ring runs or soaks
    assertThat(handle.kind()).isEqualTo(ManagedRollout.Kind.TASK);
    assertThat(handle.status().status()).isEqualTo("ACTING");
    assertThat(first.status().toString()).contains("governor estate", "ACTING");

    first.shutdown();
    estate.fleet.clock().advance(Duration.ofSeconds(1));

    assertThat(first.isTerminated()).isTrue();
    Optional<Lease> taken = store.tryAcquire(EstateGovernor.storeKey("estate"), "probe",
        estate.fleet.clock().instant(), Duration.ofSeconds(1));
    assertThat(taken).as("the governor's lease was released at once").isPresent();
    store.release(taken.orElseThrow());

    RolloutRunner second = RolloutRunner.builder().clock(estate.fleet.clock())
        .scheduler(VirtualScheduler.on(estate.fleet.clock())).build();
    EstateGovernor resumed = estate.governor(desired, store).owner("host-2").build();
    second.submit(resumed);
    estate.fleet.clock().advance(Duration.ofDays(1));

    assertEveryInstanceOnV2Once(estate);
    assertThat(resumed.report().families().get(0).campaignStatus()).isEqualTo("COMPLETED");
    System.out.println(second.status());
  }
}
