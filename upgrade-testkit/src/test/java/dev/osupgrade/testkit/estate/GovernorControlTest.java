package dev.osupgrade.testkit.estate;

import static dev.osupgrade.testkit.estate.SmallEstate.UBUNTU;
import static dev.osupgrade.testkit.estate.SmallEstate.V1;
import static dev.osupgrade.testkit.estate.SmallEstate.V2;
import static org.assertj.core.api.Assertions.assertThat;

import dev.osupgrade.estate.DesiredState;
import dev.osupgrade.estate.EstateGovernor;
import dev.osupgrade.estate.GovernorDecision;
import dev.osupgrade.estate.GovernorDecision.Kind;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.ops.RolloutStatus;
import dev.osupgrade.port.RolloutStore;
import dev.osupgrade.rollout.Rollout;
import dev.osupgrade.rollout.RolloutState;
import dev.osupgrade.service.ManagedRollout;
import dev.osupgrade.service.RolloutRunner;
import dev.osupgrade.testkit.InstanceChange;
import dev.osupgrade.testkit.VirtualScheduler;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * An operator pauses, resumes and cancels the estate — through the runner's handle, or on a replica that takes over
 * — graded by the fleet's record: what was reimaged, and when.
 */
final class GovernorControlTest {

  /** Every reimage the fleet started (upgrade or rollback) at or after {@code from}, as "scale set/instance at". */
  private static List<String> reimagesSince(SmallEstate estate, Instant from) {
    return estate.scaleSets.stream().flatMap(id -> estate.fleet.record(id).instances().stream()
        .flatMap(i -> estate.fleet.record(id).history(i).stream()
            .filter(c -> c.kind() == InstanceChange.Kind.UPGRADE_STARTED
                || c.kind() == InstanceChange.Kind.ROLLBACK_STARTED)
            .filter(c -> !c.at().isBefore(from)).map(c -> id.name() + "/" + i + " " + c.kind() + " at " + c.at())))
        .toList();
  }

  private static long onVersion(SmallEstate estate, ScaleSetId id, dev.osupgrade.image.ImageVersion v) {
    return estate.fleet.peek(id).instances().stream().filter(i -> i.imageVersion().equals(v)).count();
  }

  private static void assertEveryInstanceOnV2Once(SmallEstate estate) {
    for (ScaleSetId id : estate.scaleSets) {
      for (Instance i : estate.fleet.peek(id).instances()) {
        assertThat(i.imageVersion()).as("%s/%s", id, i.instanceId()).isEqualTo(V2);
        assertThat(estate.fleet.record(id).count(i.instanceId(), InstanceChange.Kind.UPGRADE_STARTED))
            .as("%s/%s upgraded once", id, i.instanceId()).isEqualTo(1);
      }
    }
  }

  private static List<Kind> kinds(List<GovernorDecision> log) {
    return log.stream().map(GovernorDecision::kind).toList();
  }

  /** Advances the virtual clock until the canary's first batch has been sent, and returns when that was. */
  private static Instant untilTheCanaryUpgrades(SmallEstate estate) {
    ScaleSetId canary = estate.scaleSets.get(0);
    for (int i = 0; i < 600 && estate.fleet.record(canary).calls("upgradeInstances").isEmpty(); i++) {
      estate.fleet.clock().advance(Duration.ofSeconds(10));
    }
    assertThat(estate.fleet.record(canary).calls("upgradeInstances")).as("the canary's first batch").isNotEmpty();
    return estate.fleet.clock().instant();
  }

  @Test
  void runnerHandle_pauseMidCampaign_noReimageAfterTheBatchInFlightUntilResumed() {
    SmallEstate estate = new SmallEstate(43);
    RolloutRunner runner = RolloutRunner.builder().clock(estate.fleet.clock())
        .scheduler(VirtualScheduler.on(estate.fleet.clock())).build();
    estate.fleet.publish(UBUNTU.withVersion(V2));
    EstateGovernor governor = estate.governor(SmallEstate.desired().build(), RolloutStore.inMemory()).build();
    ManagedRollout handle = runner.submit(governor);
    untilTheCanaryUpgrades(estate);
    ScaleSetId canary = estate.scaleSets.get(0);
    assertThat(onVersion(estate, canary, V1)).as("the canary is part way").isPositive();

    handle.pause();
    Instant pausedAt = estate.fleet.clock().instant();
    estate.fleet.clock().advance(Duration.ofDays(2));

    assertThat(reimagesSince(estate, pausedAt)).as("nothing reimaged while paused").isEmpty();
    assertThat(onVersion(estate, canary, V1)).as("the canary stopped at its batch boundary").isPositive();
    assertThat(onVersion(estate, canary, V2)).as("the batch in flight finished").isPositive();
    estate.scaleSets.subList(1, 5).forEach(id -> assertThat(onVersion(estate, id, V1)).as("%s", id).isEqualTo(3));
    assertThat(handle.status().status()).isEqualTo("PAUSED");
    assertThat(handle.state()).as("it keeps turning").isEqualTo(ManagedRollout.State.WAITING);
    assertThat(estate.log).filteredOn(d -> d.kind() == Kind.GOVERNOR_PAUSED).singleElement()
        .satisfies(d -> assertThat(d.detail()).contains("paused by an operator", "1 lane(s) in flight"));
    assertThat(estate.log).filteredOn(d -> !d.at().isBefore(pausedAt))
        .noneMatch(d -> d.kind() == Kind.RING_STARTED || d.kind() == Kind.RING_PROMOTED);
    assertThat(governor.isPaused()).isTrue();

    long canaryLeft = onVersion(estate, canary, V1);
    handle.resume();
    Instant resumedAt = estate.fleet.clock().instant();
    estate.fleet.clock().advance(Duration.ofDays(1));

    assertEveryInstanceOnV2Once(estate);
    assertThat(reimagesSince(estate, resumedAt)).as("the canary's rest and the other rings, after the resume")
        .hasSize((int) canaryLeft + 12);
    assertThat(kinds(estate.log)).containsSubsequence(Kind.RING_STARTED, Kind.GOVERNOR_PAUSED,
        Kind.GOVERNOR_RESUMED, Kind.RING_PROMOTED, Kind.RING_STARTED, Kind.CAMPAIGN_COMPLETED);
    assertThat(handle.status().status()).isEqualTo("ACTING");
    runner.shutdown();
  }

  @Test
  void replicaTakesOverWhilePaused_staysPaused_untilResumed() {
    SmallEstate estate = new SmallEstate(47);
    RolloutStore store = RolloutStore.inMemory();
    DesiredState desired = SmallEstate.desired().build();
    EstateGovernor a = estate.governor(desired, store).owner("replica-a").build();
    EstateGovernor b = estate.governor(desired, store).owner("replica-b").build();
    estate.fleet.publish(UBUNTU.withVersion(V2));
    ScaleSetId canary = estate.scaleSets.get(0);
    while (estate.fleet.record(canary).calls("upgradeInstances").isEmpty()) {
      estate.fleet.clock().advanceTo(a.advance().orElseThrow());
    }
    a.pause();
    a.advance(); // A applies the pause, saves it, and dies (its process is gone: no release)
    Instant pausedAt = estate.fleet.clock().instant();
    assertThat(a.status()).isEqualTo("PAUSED");
    assertThat(RolloutState.decode(store.load(canary).orElseThrow().data()).pauseRequested())
        .as("the canary's rollout checkpoint holds the pause before its batch in flight ends").isTrue();

    estate.drive(b, pausedAt.plus(Duration.ofDays(2)));

    assertThat(b.status()).as("B took over, paused").isEqualTo("PAUSED");
    assertThat(b.isPaused()).isTrue();
    assertThat(b.decisions()).as("B decided nothing of its own while paused")
        .noneMatch(d -> d.kind() == Kind.RING_STARTED || d.kind() == Kind.RING_PROMOTED
            || d.kind() == Kind.CATCH_UP_STARTED || d.kind() == Kind.CAMPAIGN_STARTED);
    assertThat(reimagesSince(estate, pausedAt.plus(Duration.ofMinutes(31)))).as("nothing reimaged after A's "
        + "lease (30 m) passed to B").isEmpty();
    assertThat(onVersion(estate, canary, V1)).as("the canary stopped part way").isPositive();
    estate.scaleSets.subList(1, 5).forEach(id -> assertThat(onVersion(estate, id, V1)).as("%s", id).isEqualTo(3));
    assertThat(b.report().describe()).contains("paused");

    assertThat(RolloutState.decode(store.load(canary).orElseThrow().data()).status())
        .as("B let the batch in flight finish and the canary's rollout pause").isEqualTo(RolloutStatus.PAUSED);
    b.resume();
    estate.drive(b, estate.fleet.clock().instant().plus(Duration.ofDays(1)));

    assertEveryInstanceOnV2Once(estate);
    assertThat(kinds(b.decisions())).containsSubsequence(Kind.GOVERNOR_RESUMED, Kind.RING_PROMOTED,
        Kind.RING_STARTED, Kind.CAMPAIGN_COMPLETED);
    assertThat(b.status()).isEqualTo("ACTING");
  }

  @Test
  void runnerHandle_cancelMidCampaign_batchInFlightFinishes_nothingRolledBack_governorEnds() {
    SmallEstate estate = new SmallEstate(53);
    RolloutStore store = RolloutStore.inMemory();
    RolloutRunner runner = RolloutRunner.builder().clock(estate.fleet.clock())
        .scheduler(VirtualScheduler.on(estate.fleet.clock())).build();
    estate.fleet.publish(UBUNTU.withVersion(V2));
    EstateGovernor governor = estate.governor(SmallEstate.desired().build(), store).build();
    ManagedRollout handle = runner.submit(governor);
    untilTheCanaryUpgrades(estate);

    handle.cancel();
    Instant cancelledAt = estate.fleet.clock().instant();
    estate.fleet.clock().advance(Duration.ofDays(1));

    ScaleSetId canary = estate.scaleSets.get(0);
    assertThat(reimagesSince(estate, cancelledAt)).as("no new batch, no rollback").isEmpty();
    assertThat(onVersion(estate, canary, V2)).as("the batch in flight finished").isPositive();
    assertThat(onVersion(estate, canary, V1)).as("the rest of the canary was not touched").isPositive();
    assertThat(handle.state()).isEqualTo(ManagedRollout.State.ENDED);
    assertThat(handle.status().status()).isEqualTo("CANCELLED");
    assertThat(governor.isDone()).isTrue();
    assertThat(kinds(estate.log)).containsSubsequence(Kind.RING_STARTED, Kind.GOVERNOR_CANCELLED,
        Kind.GOVERNOR_ENDED);
    assertThat(estate.log).noneMatch(d -> d.kind() == Kind.RING_FAILED || d.kind() == Kind.CAMPAIGN_FAILED
        || d.kind() == Kind.VERSION_QUARANTINED);
    assertThat(governor.report().families().get(0).campaignStatus()).isEqualTo("CANCELLED");
    assertThat(RolloutState.decode(store.load(canary).orElseThrow().data()).status())
        .as("the canary's rollout, as its checkpoint has it").isEqualTo(RolloutStatus.CANCELLED);

    EstateGovernor later = estate.governor(SmallEstate.desired().build(), store).owner("replica-c").build();
    assertThat(later.advance()).as("a replica that loads the checkpoint ends at once").isEmpty();
    assertThat(later.isDone()).isTrue();
    runner.shutdown();
  }

  @Test
  void runnerStatus_rolloutsAndAGovernor_countedApart() {
    SmallEstate estate = new SmallEstate(59);
    RolloutRunner runner = RolloutRunner.builder().clock(estate.fleet.clock())
        .scheduler(VirtualScheduler.on(estate.fleet.clock())).build();
    estate.fleet.publish(UBUNTU.withVersion(V2));
    for (String name : List.of("batch-1", "batch-2")) {
      ScaleSetId other = estate.fleet.add(SmallEstate.spec(name, "westeurope").resourceGroup("other"));
      runner.submit(Rollout.builder(estate.fleet, other).target(V2).clock(estate.fleet.clock()).build());
    }
    runner.submit(estate.governor(SmallEstate.desired().build(), RolloutStore.inMemory()).build());

    assertThat(runner.status().kinds()).containsExactly(Map.entry(ManagedRollout.Kind.ROLLOUT, 2),
        Map.entry(ManagedRollout.Kind.TASK, 1));
    assertThat(runner.status().managed()).isEqualTo("2 rollouts, 1 task (governor estate)");
    assertThat(runner.status().toString()).contains("queued; 2 rollouts, 1 task (governor estate) {");
    assertThat(runner.toString()).startsWith("RolloutRunner[RUNNING, 2 rollouts, 1 task (governor estate), ");
    runner.shutdown();
  }
}
