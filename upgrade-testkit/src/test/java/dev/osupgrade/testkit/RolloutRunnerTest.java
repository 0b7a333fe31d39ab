package dev.osupgrade.testkit;

import static dev.osupgrade.testkit.Images.V1;
import static dev.osupgrade.testkit.Images.V2;
import static dev.osupgrade.testkit.Images.ubuntu;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osupgrade.InvalidValueException;
import dev.osupgrade.event.BatchCompleted;
import dev.osupgrade.event.BatchStarted;
import dev.osupgrade.event.RingEvent;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.ScaleSet;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.governance.ImageTrustPolicy;
import dev.osupgrade.governance.rings.Ring;
import dev.osupgrade.governance.rings.RingPlan;
import dev.osupgrade.governance.rings.RingRollout;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.policy.UpgradeMode;
import dev.osupgrade.policy.UpgradePolicy;
import dev.osupgrade.port.Lease;
import dev.osupgrade.port.RolloutStore;
import dev.osupgrade.port.ScaleSetPort;
import dev.osupgrade.rollout.Rollout;
import dev.osupgrade.service.ManagedRollout;
import dev.osupgrade.service.ManagedStatus;
import dev.osupgrade.service.RolloutRunner;
import dev.osupgrade.service.RunnerEvent;
import dev.osupgrade.service.RunnerStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiPredicate;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The service runner on a virtual clock: many rollouts driven to their end deterministically, the concurrency bound,
 * failures contained per rollout, graceful shutdown and restart on the same store, control through the handles.
 * Outcomes are checked on the simulated fleet (images, reimage counts) and the store (leases).
 */
final class RolloutRunnerTest {
  @RegisterExtension static final SimulatorExtension SIM = SimulatorExtension.withSeed(31);

  private static final Duration TTL = Rollout.DEFAULT_LEASE;

  /** A port that throws a plain (unexpected) exception whenever the predicate says so, else asks the fleet. */
  private static final class FlakyPort implements ScaleSetPort {
    private final ScaleSetPort fleet;
    private final BiPredicate<String, ScaleSetId> fails;
    private final List<String> calls = new ArrayList<>();

    FlakyPort(ScaleSetPort fleet, BiPredicate<String, ScaleSetId> fails) {
      this.fleet = fleet;
      this.fails = fails;
    }

    private void enter(String method, ScaleSetId id) {
      calls.add(method + " " + id);
      if (fails.test(method, id)) {
        throw new IllegalStateException("boom in " + method + " of " + id);
      }
    }

    @Override
    public ScaleSet get(ScaleSetId id) {
      enter("get", id);
      return fleet.get(id);
    }

    @Override
    public List<Instance> listInstances(ScaleSetId id) {
      enter("listInstances", id);
      return fleet.listInstances(id);
    }

    @Override
    public void updateModelImage(ScaleSetId id, ImageReference image) {
      enter("updateModelImage", id);
      fleet.updateModelImage(id, image);
    }

    @Override
    public void updateUpgradePolicy(ScaleSetId id, UpgradePolicy policy, @Nullable String ifMatchEtag) {
      enter("updateUpgradePolicy", id);
      fleet.updateUpgradePolicy(id, policy, ifMatchEtag);
    }

    @Override
    public void upgradeInstances(ScaleSetId id, List<String> instanceIds) {
      enter("upgradeInstances", id);
      fleet.upgradeInstances(id, instanceIds);
    }

    @Override
    public void rollBackInstances(ScaleSetId id, List<String> instanceIds, ImageReference previousImage) {
      enter("rollBackInstances", id);
      fleet.rollBackInstances(id, instanceIds, previousImage);
    }
  }

  private static RolloutRunner.Builder runner(SimulatedFleet fleet) {
    return RolloutRunner.builder().clock(fleet.clock()).scheduler(VirtualScheduler.on(fleet.clock()));
  }

  private static List<ScaleSetId> scaleSets(SimulatedFleet fleet, int count, int instances) {
    List<ScaleSetId> ids = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      ids.add(fleet.add(ScaleSetSpec.named(String.format("web-%02d", i)).instances(instances).zones(1 + i % 3)
          .image(ubuntu(V1))));
    }
    fleet.publish(ubuntu(V2));
    return ids;
  }

  private static Rollout.Builder rollout(SimulatedFleet fleet, ScaleSetPort port, ScaleSetId id, RolloutStore store,
      String owner) {
    return Rollout.builder(port, id).target(V2).clock(fleet.clock()).store(store).owner(owner);
  }

  private static void everyInstanceUpgradedOnce(SimulatedFleet fleet, ScaleSetId id) {
    assertThat(fleet.peek(id).instances()).as("%s", id).isNotEmpty().allSatisfy(i -> {
      assertThat(i.runs(V2)).as("%s/%s runs the target", id, i.instanceId()).isTrue();
      assertThat(fleet.reimageCount(id, i.instanceId())).as("%s/%s reimages", id, i.instanceId()).isEqualTo(1);
    });
  }

  private static void untouched(SimulatedFleet fleet, ScaleSetId id) {
    assertThat(fleet.peek(id).instances()).as("%s", id).allSatisfy(i ->
        assertThat(fleet.reimageCount(id, i.instanceId())).as("%s/%s reimages", id, i.instanceId()).isZero());
  }

  private static List<RunnerEvent.Kind> kindsOf(List<RunnerEvent> events, ManagedRollout m) {
    return events.stream().filter(e -> e.rollout() == m).map(RunnerEvent::kind).toList();
  }

  private static boolean leaseFree(RolloutStore store, ScaleSetId id, Instant now) {
    Optional<Lease> taken = store.tryAcquire(id, "another-replica", now, TTL);
    taken.ifPresent(store::release);
    return taken.isPresent();
  }

  // ---- many rollouts, bounded ----------------------------------------------------------------------------------

  @Test
  void runner_fortyRolloutsBoundOfFour_allCompleteEachInstanceOnceNeverMoreThanFourInFlight(SimulatedFleet fleet) {
    List<ScaleSetId> ids = scaleSets(fleet, 40, 5);
    RolloutStore store = RolloutStore.inMemory();
    RolloutRunner runner = runner(fleet).maxConcurrentAdvances(4).build();
    List<Integer> inFlight = new ArrayList<>();
    List<ManagedRollout> handles = new ArrayList<>();
    for (ScaleSetId id : ids) {
      Rollout r = rollout(fleet, fleet, id, store, "svc").listener(e -> inFlight.add(runner.status().inFlight()))
          .build();
      fleet.track(r);
      handles.add(runner.submit(r));
    }
    assertThat(runner.status().queued()).as("due at once, beyond the bound").isEqualTo(36);

    fleet.clock().runUntilIdle();

    assertThat(handles).allSatisfy(h -> {
      assertThat(h.state()).as("%s", h).isEqualTo(ManagedRollout.State.ENDED);
      assertThat(h.status().status()).isEqualTo("Completed");
    });
    ids.forEach(id -> everyInstanceUpgradedOnce(fleet, id));
    assertThat(inFlight).as("sampled during advances").isNotEmpty().allSatisfy(n -> assertThat(n).isBetween(1, 4));
    assertThat(inFlight.stream().mapToInt(Integer::intValue).max().orElseThrow()).isEqualTo(4);
    RunnerStatus end = runner.status();
    assertThat(end.inFlight()).isZero();
    assertThat(end.queued()).isZero();
    assertThat(end.counts()).containsExactly(java.util.Map.entry(ManagedRollout.State.ENDED, 40));
    assertThat(fleet.clock().instant()).as("hours of fleet time passed, in milliseconds")
        .isAfter(VirtualClock.DEFAULT_START.plus(Duration.ofMinutes(10)));

    assertThat(runner.forgetSettled()).hasSize(40).extracting(ManagedStatus::status).containsOnly("Completed");
    assertThat(runner.status().rollouts()).isEmpty();
    assertThat(handles.get(0).status().state()).as("a handle keeps its last status").isEqualTo(
        ManagedRollout.State.ENDED);
  }

  @Test
  void runner_boundOfOne_dueRolloutsServedFirstDueFirstAndEachAdvancedExactlyWhenItAsked(SimulatedFleet fleet) {
    List<ScaleSetId> ids = scaleSets(fleet, 5, 4);
    RolloutStore store = RolloutStore.inMemory();
    RolloutRunner runner = runner(fleet).maxConcurrentAdvances(1).build();
    List<String> firstCalls = new ArrayList<>();
    List<String> early = new ArrayList<>();
    List<ManagedRollout> handles = new ArrayList<>();
    ScaleSetPort watching = new FlakyPort(fleet, (method, id) -> {
      ManagedRollout h = handles.get(ids.indexOf(id));
      if (method.equals("get") && !firstCalls.contains(id.name())) {
        firstCalls.add(id.name());
      }
      Instant due = h.status().nextAdvance();
      if (due == null || !due.equals(fleet.clock().instant())) {
        early.add(h.name() + " observed at " + fleet.clock().instant() + " but due at " + due);
      }
      return false;
    });
    List<Rollout> rollouts = new ArrayList<>();
    for (ScaleSetId id : ids) {
      rollouts.add(rollout(fleet, watching, id, store, "svc").build());
    }
    for (Rollout r : rollouts) {
      handles.add(runner.submit(r));
    }

    fleet.clock().runUntilIdle();

    assertThat(firstCalls).as("one at a time, in the order they became due")
        .containsExactly("web-00", "web-01", "web-02", "web-03", "web-04");
    assertThat(early).as("every look happened exactly at the time the rollout asked for").isEmpty();
    assertThat(handles).allSatisfy(h -> assertThat(h.status().status()).isEqualTo("Completed"));
    ids.forEach(id -> everyInstanceUpgradedOnce(fleet, id));
  }

  @Test
  void runner_sameSeedTwice_sameEventsInTheSameOrder() {
    List<String> first = scenarioLog(77);
    List<String> second = scenarioLog(77);

    assertThat(first).hasSizeGreaterThan(200).isEqualTo(second);
    assertThat(String.join("\n", first)).contains("advance failed", "ended: Completed");
  }

  /** Twelve rollouts, a bound of three, one scale set whose reads fail twice: every line any listener saw. */
  private static List<String> scenarioLog(long seed) {
    SimulatedFleet fleet = SimulatedFleet.create(seed);
    List<ScaleSetId> ids = scaleSets(fleet, 12, 6);
    List<String> log = new ArrayList<>();
    int[] failures = {0};
    ScaleSetPort flaky = new FlakyPort(fleet, (method, id) -> method.equals("listInstances")
        && id.equals(ids.get(5)) && failures[0]++ < 2);
    RolloutRunner runner = runner(fleet).maxConcurrentAdvances(3).listener(e -> log.add(e.toString())).build();
    RolloutStore store = RolloutStore.inMemory();
    for (ScaleSetId id : ids) {
      runner.submit(rollout(fleet, flaky, id, store, "svc").listener(e -> log.add(e.toString())).build());
    }
    fleet.clock().runUntilIdle();
    return log;
  }

  // ---- failures, contained -------------------------------------------------------------------------------------

  @Test
  void advance_throwsTwice_retriedWithBackoffWhileTheOthersGoOn(SimulatedFleet fleet) {
    List<ScaleSetId> ids = scaleSets(fleet, 4, 6);
    ScaleSetId sick = ids.get(2);
    int[] reads = {0};
    ScaleSetPort flaky = new FlakyPort(fleet, (method, id) -> method.equals("listInstances") && id.equals(sick)
        && ++reads[0] >= 2 && reads[0] <= 3);
    List<RunnerEvent> events = new ArrayList<>();
    RolloutRunner runner = runner(fleet).maxConcurrentAdvances(2).listener(events::add).build();
    RolloutStore store = RolloutStore.inMemory();
    List<ManagedRollout> handles = new ArrayList<>();
    for (ScaleSetId id : ids) {
      handles.add(runner.submit(rollout(fleet, flaky, id, store, "svc").build()));
    }

    fleet.clock().runUntilIdle();

    ManagedRollout h = handles.get(2);
    List<RunnerEvent> failed = events.stream().filter(e -> e.kind() == RunnerEvent.Kind.ADVANCE_FAILED).toList();
    assertThat(failed).hasSize(2).allSatisfy(e -> assertThat(e.rollout()).isSameAs(h));
    assertThat(failed.get(0).detail()).contains("failure 1 of at most 10", "boom in listInstances",
        "trying again at " + failed.get(0).at().plusSeconds(30));
    assertThat(failed.get(1).detail()).contains("failure 2 of at most 10",
        "trying again at " + failed.get(1).at().plusSeconds(60));
    assertThat(failed.get(1).at()).isEqualTo(failed.get(0).at().plusSeconds(30));
    assertThat(failed.get(0).errorIfAny()).get().isInstanceOf(IllegalStateException.class);
    ManagedStatus s = h.status();
    assertThat(s.state()).isEqualTo(ManagedRollout.State.ENDED);
    assertThat(s.status()).isEqualTo("Completed");
    assertThat(s.failures()).as("reset by the advance that worked").isZero();
    assertThat(s.lastError()).contains("boom in listInstances");
    assertThat(s.toString()).contains("last error at " + failed.get(1).at());
    ids.forEach(id -> everyInstanceUpgradedOnce(fleet, id));
  }

  @Test
  void advance_refused_setAsideAtOnceLeaseReleasedNothingChangedOthersComplete(SimulatedFleet fleet) {
    List<ScaleSetId> ids = scaleSets(fleet, 3, 4);
    ScaleSetId rolling = fleet.add(ScaleSetSpec.named("rolling").instances(4).mode(UpgradeMode.ROLLING)
        .image(ubuntu(V1)));
    List<RunnerEvent> events = new ArrayList<>();
    RolloutRunner runner = runner(fleet).listener(events::add).build();
    RolloutStore store = RolloutStore.inMemory();
    ManagedRollout refused = runner.submit(rollout(fleet, fleet, rolling, store, "svc").build());
    ids.forEach(id -> runner.submit(rollout(fleet, fleet, id, store, "svc").build()));

    fleet.clock().runUntilIdle();

    ManagedStatus s = refused.status();
    assertThat(s.state()).isEqualTo(ManagedRollout.State.SET_ASIDE);
    assertThat(s.advances()).as("not retried: waiting cannot cure a refusal").isEqualTo(1);
    assertThat(s.lastError()).contains("[UpgradeModeNotManual]");
    assertThat(kindsOf(events, refused)).containsExactly(RunnerEvent.Kind.SUBMITTED, RunnerEvent.Kind.SET_ASIDE);
    assertThat(events.stream().filter(e -> e.kind() == RunnerEvent.Kind.SET_ASIDE).findFirst().orElseThrow()
        .detail()).contains("it cannot go on", "lease released, checkpoint kept");
    assertThat(leaseFree(store, rolling, fleet.clock().instant())).isTrue();
    untouched(fleet, rolling);
    assertThat(fleet.peek(rolling).modelImage()).isEqualTo(ubuntu(V1));
    ids.forEach(id -> everyInstanceUpgradedOnce(fleet, id));
  }

  @Test
  void advance_failsEveryTime_setAsideAfterMaxFailuresWithItsLeaseReleased(SimulatedFleet fleet) {
    List<ScaleSetId> ids = scaleSets(fleet, 2, 4);
    ScaleSetId broken = ids.get(0);
    ScaleSetPort flaky = new FlakyPort(fleet, (method, id) -> id.equals(broken) && method.equals("get"));
    List<RunnerEvent> events = new ArrayList<>();
    RolloutRunner runner = runner(fleet).maxConsecutiveFailures(3).retryBackoff(Duration.ofSeconds(10),
        Duration.ofSeconds(15)).listener(events::add).build();
    RolloutStore store = RolloutStore.inMemory();
    ManagedRollout h = runner.submit(rollout(fleet, flaky, broken, store, "svc").build());
    ManagedRollout fine = runner.submit(rollout(fleet, fleet, ids.get(1), store, "svc").build());
    Instant start = fleet.clock().instant();

    fleet.clock().runUntilIdle();

    assertThat(kindsOf(events, h)).containsExactly(RunnerEvent.Kind.SUBMITTED, RunnerEvent.Kind.ADVANCE_FAILED,
        RunnerEvent.Kind.ADVANCE_FAILED, RunnerEvent.Kind.SET_ASIDE);
    List<Instant> times = events.stream().filter(e -> e.rollout() == h).map(RunnerEvent::at).toList();
    assertThat(times).containsExactly(start, start, start.plusSeconds(10), start.plusSeconds(25));
    ManagedStatus s = h.status();
    assertThat(s.state()).isEqualTo(ManagedRollout.State.SET_ASIDE);
    assertThat(s.failures()).isEqualTo(3);
    assertThat(s.nextAdvance()).isNull();
    assertThat(events.stream().filter(e -> e.rollout() == h && e.kind() == RunnerEvent.Kind.SET_ASIDE).findFirst()
        .orElseThrow().detail()).contains("3 advances in a row failed", "boom in get", "lease released");
    assertThat(leaseFree(store, broken, fleet.clock().instant())).as("released at once, not after %s", TTL)
        .isTrue();
    untouched(fleet, broken);
    assertThat(fine.status().status()).isEqualTo("Completed");
    everyInstanceUpgradedOnce(fleet, ids.get(1));
  }

  @Test
  void listener_throws_runnerAndRolloutsCarryOn(SimulatedFleet fleet) {
    List<ScaleSetId> ids = scaleSets(fleet, 3, 4);
    List<RunnerEvent> seen = new ArrayList<>();
    RolloutRunner runner = runner(fleet).listener(e -> {
      throw new IllegalStateException("a broken log sink");
    }).listener(seen::add).build();
    RolloutStore store = RolloutStore.inMemory();
    List<ManagedRollout> handles = ids.stream().map(id -> runner.submit(rollout(fleet, fleet, id, store, "svc")
        .build())).toList();

    fleet.clock().runUntilIdle();

    assertThat(handles).allSatisfy(h -> assertThat(h.status().status()).isEqualTo("Completed"));
    assertThat(seen).extracting(RunnerEvent::kind).filteredOn(k -> k == RunnerEvent.Kind.ENDED).hasSize(3);
    assertThat(seen).extracting(RunnerEvent::sequence).isSorted().doesNotHaveDuplicates();
  }

  // ---- shutdown and restart ------------------------------------------------------------------------------------

  @Test
  void shutdown_midBatch_newRunnerWithNewRolloutsOnTheSameStoreFinishesEveryInstanceOnce(SimulatedFleet fleet)
      throws InterruptedException {
    List<ScaleSetId> ids = scaleSets(fleet, 8, 10);
    RolloutStore store = RolloutStore.inMemory(); // shared by both "processes", as a file or blob store would be
    List<RunnerEvent> events = new ArrayList<>();
    RolloutRunner first = runner(fleet).maxConcurrentAdvances(3).listener(events::add).build();
    AtomicReference<@Nullable Instant> stoppedAt = new AtomicReference<>();
    List<ManagedRollout> before = new ArrayList<>();
    for (ScaleSetId id : ids) {
      Rollout.Builder b = rollout(fleet, fleet, id, store, "svc");
      if (id.equals(ids.get(0))) {
        b.listener(e -> {
          if (e instanceof BatchStarted s && s.batch() == 2 && stoppedAt.get() == null) {
            stoppedAt.set(e.at());
            first.shutdown(); // from inside an advance: that advance still finishes its step
          }
        });
      }
      before.add(first.submit(b.build()));
    }

    fleet.clock().runUntilIdle();

    Instant stop = stoppedAt.get();
    assertThat(stop).as("the shutdown happened mid-rollout").isNotNull();
    assertThat(first.isTerminated()).isTrue();
    assertThat(first.awaitTermination(Duration.ZERO)).isTrue();
    assertThat(before).allSatisfy(h -> assertThat(h.state()).isIn(ManagedRollout.State.RELEASED,
        ManagedRollout.State.ENDED));
    assertThat(before.get(0).state()).isEqualTo(ManagedRollout.State.RELEASED);
    assertThat(before.get(0).status().status()).isEqualTo("RollingForward");
    assertThat(fleet.log()).as("the step in flight finished: batch 2 was sent")
        .filteredOn(line -> line.startsWith(stop + " " + ids.get(0) + " instance") && line.endsWith("started"))
        .hasSize(2);
    long notYet = ids.stream().flatMap(id -> fleet.peek(id).instances().stream()).filter(i -> !i.runs(V2)).count();
    assertThat(notYet).as("instances left for the restart").isPositive();
    for (ScaleSetId id : ids) {
      assertThat(leaseFree(store, id, stop)).as("lease of %s released at shutdown", id).isTrue();
    }
    assertThat(events.get(events.size() - 1).kind()).isEqualTo(RunnerEvent.Kind.TERMINATED);
    assertThatThrownBy(() -> first.submit(rollout(fleet, fleet, ids.get(0), store, "svc").build()))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("takes no new rollouts");

    // The service is down for a while; Azure finishes what was sent. Then a new process, new Rollout objects,
    // built the same way on the same store.
    fleet.clock().advance(Duration.ofMinutes(10));
    RolloutRunner second = runner(fleet).maxConcurrentAdvances(3).build();
    List<ManagedRollout> after = ids.stream().map(id -> second.submit(rollout(fleet, fleet, id, store, "svc")
        .build())).toList();
    fleet.clock().runUntilIdle();

    assertThat(after).allSatisfy(h -> assertThat(h.status().status()).as("%s", h).isEqualTo("Completed"));
    ids.forEach(id -> everyInstanceUpgradedOnce(fleet, id));
    second.shutdown();
    assertThat(second.isTerminated()).as("nothing in flight, nothing to release").isTrue();
  }

  @Test
  void shutdown_ringRolloutMidRing_rebuiltRingRolloutOnTheSameStoreFinishesEveryInstanceOnce(SimulatedFleet fleet) {
    ScaleSetId canary = fleet.add(ScaleSetSpec.named("canary").instances(4).tag("environment", "test")
        .image(ubuntu(V1)));
    ScaleSetId early = fleet.add(ScaleSetSpec.named("early").instances(10).zones(2).tag("environment", "test")
        .image(ubuntu(V1)));
    ScaleSetId broad = fleet.add(ScaleSetSpec.named("broad").instances(10).zones(2).tag("environment", "test")
        .image(ubuntu(V1)));
    List<ScaleSetId> singles = scaleSets(fleet, 3, 6);
    RingPlan plan = RingPlan.of(Ring.of("canary", Duration.ofMinutes(30), canary),
        Ring.of("early", Duration.ofMinutes(30), early), Ring.of("broad", Duration.ZERO, broad));
    RolloutStore store = RolloutStore.inMemory();
    RolloutRunner first = runner(fleet).maxConcurrentAdvances(2).build();
    ImageTrustPolicy trust = ImageTrustPolicy.trustingPublishers("Canonical");
    RingRollout rings = RingRollout.builder(plan, fleet, fleet).target(V2).clock(fleet.clock()).trust(trust)
        .store(store, "svc").rolloutListener(e -> {
          if (e instanceof BatchCompleted c && c.scaleSet().equals(early) && c.batch() == 1) {
            first.shutdown();
          }
        }).build();
    ManagedRollout ringHandle = first.submit(rings);
    singles.forEach(id -> first.submit(rollout(fleet, fleet, id, store, "svc").build()));

    fleet.clock().runUntilIdle();

    assertThat(first.isTerminated()).isTrue();
    assertThat(ringHandle.state()).isEqualTo(ManagedRollout.State.RELEASED);
    assertThat(rings.status()).isEqualTo(RingRollout.Status.RUNNING);
    assertThat(rings.currentRing().name()).isEqualTo("early");
    assertThat(leaseFree(store, early, fleet.clock().instant())).as("the ring's rollout let go of early").isTrue();
    assertThatThrownBy(ringHandle::cancel).isInstanceOf(UnsupportedOperationException.class)
        .hasMessageContaining("ring rollout has no cancel");

    RolloutRunner second = runner(fleet).maxConcurrentAdvances(2).build();
    RingRollout again = RingRollout.builder(plan, fleet, fleet).target(V2).clock(fleet.clock()).trust(trust)
        .store(store, "svc").build();
    ManagedRollout ringAgain = second.submit(again);
    singles.forEach(id -> second.submit(rollout(fleet, fleet, id, store, "svc").build()));
    fleet.clock().runUntilIdle();

    assertThat(again.status()).as(again.eventLog()).isEqualTo(RingRollout.Status.COMPLETED);
    // The ring state is checkpointed: the rebuilt ring rollout goes on in "early" (no fresh start, no canary again).
    assertThat(again.events()).extracting(RingEvent::kind).doesNotContain(RingEvent.Kind.STARTED);
    assertThat(again.events()).noneMatch(e -> e.ring().equals("canary"));
    assertThat(ringAgain.status().status()).isEqualTo("COMPLETED");
    assertThat(ringAgain.status().kind()).isEqualTo(ManagedRollout.Kind.RING_ROLLOUT);
    List.of(canary, early, broad).forEach(id -> everyInstanceUpgradedOnce(fleet, id));
    singles.forEach(id -> everyInstanceUpgradedOnce(fleet, id));
  }

  @Test
  void shutdown_idleRunner_terminatesAtOnceAndRefusesNewWork(SimulatedFleet fleet) throws InterruptedException {
    List<RunnerEvent> events = new ArrayList<>();
    RolloutRunner runner = runner(fleet).listener(events::add).build();

    runner.shutdown();
    runner.shutdown();

    assertThat(runner.isShutdown()).isTrue();
    assertThat(runner.awaitTermination(Duration.ZERO)).isTrue();
    assertThat(events).extracting(RunnerEvent::kind).containsExactly(RunnerEvent.Kind.SHUTTING_DOWN,
        RunnerEvent.Kind.TERMINATED);
    assertThat(runner.status().state()).isEqualTo(RolloutRunner.State.TERMINATED);
  }

  // ---- control through the handles -----------------------------------------------------------------------------

  @Test
  void pause_throughTheRunner_holdsUntilResumedLaterThenCompletes(SimulatedFleet fleet) {
    List<ScaleSetId> ids = scaleSets(fleet, 2, 10);
    RolloutStore store = RolloutStore.inMemory();
    List<RunnerEvent> events = new ArrayList<>();
    RolloutRunner runner = runner(fleet).listener(events::add).build();
    AtomicReference<@Nullable ManagedRollout> paused = new AtomicReference<>();
    ManagedRollout a = runner.submit(rollout(fleet, fleet, ids.get(0), store, "svc").listener(e -> {
      if (e instanceof BatchCompleted c && c.batch() == 1) {
        paused.get().pause();
      }
    }).build());
    paused.set(a);
    ManagedRollout b = runner.submit(rollout(fleet, fleet, ids.get(1), store, "svc").build());

    fleet.clock().runUntilIdle();

    ManagedStatus s = a.status();
    assertThat(s.state()).isEqualTo(ManagedRollout.State.PAUSED);
    assertThat(s.status()).isEqualTo("Paused");
    assertThat(s.nextAdvance()).isNull();
    assertThat(kindsOf(events, a)).containsExactly(RunnerEvent.Kind.SUBMITTED, RunnerEvent.Kind.REQUESTED,
        RunnerEvent.Kind.PAUSED);
    assertThat(b.status().status()).isEqualTo("Completed");
    long upgraded = fleet.peek(ids.get(0)).instances().stream().filter(i -> i.runs(V2)).count();
    assertThat(upgraded).as("batch 1 done, the rest waits").isBetween(1L, 9L);
    assertThat(runner.status().toString()).contains("RolloutRunner RUNNING", "#1 " + ids.get(0) + " -> " + V2
        + " PAUSED (Paused)", "#2 " + ids.get(1) + " -> " + V2 + " ENDED (Completed)", "paused=1", "ended=1");

    fleet.clock().advance(Duration.ofHours(3));
    a.resume();
    assertThat(a.state()).isIn(ManagedRollout.State.QUEUED, ManagedRollout.State.ADVANCING);
    fleet.clock().runUntilIdle();

    assertThat(a.status().status()).isEqualTo("Completed");
    assertThat(a.status().state()).isEqualTo(ManagedRollout.State.ENDED);
    ids.forEach(id -> everyInstanceUpgradedOnce(fleet, id));
  }

  @Test
  void cancel_throughTheRunnerDuringBatchOne_batchFinishesThenCancelledRestUntouched(SimulatedFleet fleet) {
    List<ScaleSetId> ids = scaleSets(fleet, 1, 10);
    ScaleSetId id = ids.get(0);
    RolloutRunner runner = runner(fleet).build();
    AtomicReference<@Nullable ManagedRollout> handle = new AtomicReference<>();
    List<String> batchOne = new ArrayList<>();
    ManagedRollout h = runner.submit(rollout(fleet, fleet, id, RolloutStore.inMemory(), "svc").listener(e -> {
      if (e instanceof BatchStarted s && s.batch() == 1) {
        batchOne.addAll(s.instanceIds());
        handle.get().cancel();
      }
    }).build());
    handle.set(h);

    fleet.clock().runUntilIdle();

    assertThat(h.status().status()).isEqualTo("Cancelled");
    assertThat(h.state()).isEqualTo(ManagedRollout.State.ENDED);
    assertThat(batchOne).isNotEmpty();
    for (Instance i : fleet.peek(id).instances()) {
      int expected = batchOne.contains(i.instanceId()) ? 1 : 0;
      assertThat(fleet.reimageCount(id, i.instanceId())).as(i.instanceId()).isEqualTo(expected);
    }
    h.cancel(); // ended: nothing left to cancel, and no error
  }

  @Test
  void submit_sameRolloutTwiceOrSecondRolloutOfAScaleSet_refused(SimulatedFleet fleet) {
    List<ScaleSetId> ids = scaleSets(fleet, 1, 4);
    RolloutRunner runner = runner(fleet).build();
    RolloutStore store = RolloutStore.inMemory();
    Rollout r = rollout(fleet, fleet, ids.get(0), store, "svc").build();
    runner.submit(r);

    assertThatThrownBy(() -> runner.submit(r)).isInstanceOf(InvalidValueException.class)
        .hasMessageContaining("submitted only once (it is #1)");
    assertThatThrownBy(() -> runner.submit(rollout(fleet, fleet, ids.get(0), store, "svc").build()))
        .isInstanceOf(InvalidValueException.class)
        .hasMessageContaining("the only unfinished rollout of " + ids.get(0) + " in this runner (#1 drives it)");
    assertThat(runner.rollouts()).hasSize(1);
  }
}
