package dev.osupgrade.testkit;

import static dev.osupgrade.testkit.Images.V1;
import static dev.osupgrade.testkit.Images.V2;
import static dev.osupgrade.testkit.Images.ubuntu;
import static dev.osupgrade.testkit.OsUpgradeAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import dev.osupgrade.event.RolloutEvent;
import dev.osupgrade.event.RolloutFaulted;
import dev.osupgrade.event.RolloutStallCleared;
import dev.osupgrade.event.RolloutStalled;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.health.GateContext;
import dev.osupgrade.health.GatePhase;
import dev.osupgrade.health.GateVerdict;
import dev.osupgrade.health.HealthGate;
import dev.osupgrade.ops.ErrorCodes;
import dev.osupgrade.ops.RolloutStatus;
import dev.osupgrade.ops.Stall;
import dev.osupgrade.policy.RollingUpgradePolicy;
import dev.osupgrade.port.CloudException;
import dev.osupgrade.port.ConflictException;
import dev.osupgrade.port.ForbiddenException;
import dev.osupgrade.port.ResourceNotFoundException;
import dev.osupgrade.port.RolloutStore;
import dev.osupgrade.port.ThrottledException;
import dev.osupgrade.port.TransientCloudException;
import dev.osupgrade.rollout.Rollout;
import dev.osupgrade.rollout.RolloutState;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Infrastructure errors stall a rollout, resumably, instead of ending it: every kind of cloud failure but a rejection,
 * on reads and writes, before and after the start; one progress deadline, which never counts the time a rollout waits
 * on purpose. Outcomes are checked on the simulated fleet, not only in the events.
 */
final class StallTest {
  private static final long SEED = 8;
  private static final Instant T0 = VirtualClock.DEFAULT_START;

  private static ScaleSetId web(SimulatedFleet fleet) {
    ScaleSetId id = fleet.add(ScaleSetSpec.named("web").instances(10).image(ubuntu(V1)));
    fleet.publish(ubuntu(V2));
    return id;
  }

  /** Every kind of infrastructure failure the ports report. */
  static Stream<Arguments> failures() {
    List<Arguments> out = new ArrayList<>();
    List<Supplier<CloudException>> kinds = List.of(
        () -> new ConflictException(409, "OperationNotAllowed", "Cannot modify the scale set while another operation "
            + "is in progress.", null),
        () -> new ConflictException(412, "PreconditionFailed", "The etag does not match.", null),
        () -> new CloudException(401, "AuthenticationFailed", "The access token has expired.", null),
        () -> new ForbiddenException(403, "AuthorizationFailed", "The client does not have authorization.", null),
        () -> new ResourceNotFoundException(404, "ResourceNotFound", "The scale set was not found.", null),
        () -> new CloudException(200, "MalformedResponse", "The answer could not be read: unexpected end of input.",
            null),
        () -> new ThrottledException("TooManyRequests", "Too many requests.", Duration.ofSeconds(90), null),
        () -> new TransientCloudException(500, "InternalExecutionError", "An internal error occurred.", null),
        () -> new TransientCloudException(503, "ServiceUnavailable", "The service is unavailable.", null),
        () -> new TransientCloudException(0, "ConnectionReset", "Connection reset by peer.", null));
    for (String method : List.of("get", "listInstances", "updateModelImage", "upgradeInstances")) {
      for (Supplier<CloudException> kind : kinds) {
        out.add(Arguments.of(method, kind.get().code() + " " + kind.get().httpStatus(), kind));
      }
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0} fails with {1}")
  @MethodSource("failures")
  void infrastructureError_forTenMinutes_stallsOnceThenCompletesLikeTheFaultFreeRun(String method, String name,
      Supplier<CloudException> failure) {
    SimulatedFleet fleet = SimulatedFleet.create(SEED);
    ScaleSetId id = web(fleet);
    VirtualClock clock = fleet.clock();
    // Reads fail from the 4th minute on (mid-batch), writes from the start (the first batch's calls).
    Instant from = method.equals("listInstances") ? T0.plus(Duration.ofMinutes(4)) : T0;
    Instant until = from.plus(Duration.ofMinutes(10));
    HookedPort port = new HookedPort(fleet);
    int[] failed = {0};
    Runnable maybeFail = () -> {
      if (!clock.instant().isBefore(from) && clock.instant().isBefore(until)) {
        failed[0]++;
        throw failure.get();
      }
    };
    switch (method) {
      case "get" -> port.get = i -> {
        maybeFail.run();
        return fleet.get(i);
      };
      case "listInstances" -> port.listInstances = i -> {
        maybeFail.run();
        return fleet.listInstances(i);
      };
      case "updateModelImage" -> port.updateModelImage = (i, img) -> {
        maybeFail.run();
        fleet.updateModelImage(i, img);
      };
      default -> port.upgradeInstances = (i, ids) -> {
        maybeFail.run();
        fleet.upgradeInstances(i, ids);
      };
    }
    List<RolloutStatus> whileStalled = new ArrayList<>();
    Rollout r = Rollout.builder(port, id).target(V2).clock(clock).listener(e -> {
      if (e instanceof RolloutStalled) {
        whileStalled.add(null);
      }
    }).build();
    fleet.track(r);
    for (Optional<Instant> next = r.advance(); next.isPresent(); next = r.advance()) {
      r.stall().ifPresent(st -> whileStalled.add(r.status()));
      clock.advanceTo(next.get());
    }

    assertThat(failed[0]).as("the fault struck").isPositive();
    assertThat(whileStalled).as("stalled, never ended, while the fault lasted")
        .isNotEmpty().doesNotContain(RolloutStatus.FAULTED, RolloutStatus.CANCELLED, RolloutStatus.COMPLETED);
    assertThat(r).isCompleted().hasProgress(10, 0, 0, 0).neverEmitted(RolloutFaulted.class);
    assertThat(r.events()).filteredOn(RolloutStalled.class::isInstance).singleElement()
        .satisfies(e -> assertThat(((RolloutStalled) e).stall().code()).isEqualTo(failure.get().code()));
    assertThat(r.events()).filteredOn(RolloutStallCleared.class::isInstance).hasSize(1);
    assertThat(r.stall()).isEmpty();
    assertThat(r.state().outbox()).isEmpty();
    assertThat(fleet.peek(id).modelImage()).isEqualTo(ubuntu(V2));
    for (Instance i : fleet.peek(id).instances()) {
      assertThat(i.runs(V2)).as("%s on the target", i.instanceId()).isTrue();
      assertThat(fleet.reimageCount(id, i.instanceId())).as("reimages of %s", i.instanceId()).isEqualTo(1);
    }
  }

  @Test
  void firstRead_forbidden_stallsNotStartedWithoutChangingAnythingThenStarts() {
    SimulatedFleet fleet = SimulatedFleet.create(SEED);
    ScaleSetId id = web(fleet);
    HookedPort port = new HookedPort(fleet);
    boolean[] forbidden = {true};
    port.get = i -> {
      if (forbidden[0]) {
        throw new ForbiddenException(403, "AuthorizationFailed", "The client 'osupgrade' does not have "
            + "authorization to perform action 'Microsoft.Compute/virtualMachineScaleSets/read'.", null);
      }
      return fleet.get(i);
    };
    Rollout r = Rollout.builder(port, id).target(V2).clock(fleet.clock()).build();

    Optional<Instant> next = r.advance();

    assertThat(next).contains(T0.plus(Duration.ofSeconds(30)));
    assertThat(r.status()).isEqualTo(RolloutStatus.NOT_STARTED);
    assertThat(r.stall()).hasValueSatisfying(st -> {
      assertThat(st.code()).isEqualTo("AuthorizationFailed");
      assertThat(st.httpStatus()).isEqualTo(403);
      assertThat(st.during()).isEqualTo("reading the scale set");
      assertThat(st.since()).isEqualTo(T0);
    });
    assertThat(port.calls("updateModelImage") + port.calls("upgradeInstances")).isZero();
    assertThat(fleet.peek(id).modelImage()).isEqualTo(ubuntu(V1));

    forbidden[0] = false; // the role assignment arrives
    fleet.run(r);

    assertThat(r).isCompleted().hasProgress(10, 0, 0, 0);
    assertThat(fleet.peek(id).instances()).allSatisfy(i -> assertThat(i.runs(V2)).isTrue());
  }

  @Test
  void stall_isCheckpointed_aReplicaThatResumesKnowsTheCauseAndReportsItOnce() {
    SimulatedFleet fleet = SimulatedFleet.create(SEED);
    ScaleSetId id = web(fleet);
    VirtualClock clock = fleet.clock();
    RolloutStore store = RolloutStore.inMemory();
    HookedPort port = new HookedPort(fleet);
    Instant until = T0.plus(Duration.ofMinutes(30));
    port.upgradeInstances = (i, ids) -> {
      if (clock.instant().isBefore(until)) {
        throw new TransientCloudException(503, "ServiceUnavailable", "The service is unavailable.", null);
      }
      fleet.upgradeInstances(i, ids);
    };
    Rollout a = Rollout.builder(port, id).target(V2).clock(clock).store(store).owner("a").build();
    a.advance();
    Stall cause = a.stall().orElseThrow();
    assertThat(RolloutState.decode(store.load(id).orElseThrow().data()).stall()).isEqualTo(cause);

    clock.advance(Rollout.DEFAULT_LEASE.plusMinutes(1)); // a dies; b takes over once its lease expired
    Rollout b = Rollout.resuming(port, id, store).clock(clock).owner("b").build();
    b.advance();

    assertThat(b.stall()).hasValueSatisfying(st -> {
      assertThat(st.since()).as("the same stall, going on").isEqualTo(cause.since());
      assertThat(st.attempts()).isEqualTo(2);
    });
    fleet.run(b);
    assertThat(b).isCompleted().hasProgress(10, 0, 0, 0);
    assertThat(b.events()).as("b goes on with a's stall: no new stall event, one when it clears")
        .noneMatch(RolloutStalled.class::isInstance)
        .filteredOn(RolloutStallCleared.class::isInstance).singleElement()
        .satisfies(e -> assertThat(((RolloutStallCleared) e).stalledFor()).isGreaterThanOrEqualTo(
            Duration.ofMinutes(30)));
    assertThat(fleet.peek(id).instances()).allSatisfy(i -> {
      assertThat(i.runs(V2)).isTrue();
      assertThat(fleet.reimageCount(id, i.instanceId())).isEqualTo(1);
    });
  }

  @Test
  void backoff_doublesFromThePollIntervalUpToFiveMinutes() {
    SimulatedFleet fleet = SimulatedFleet.create(SEED);
    ScaleSetId id = web(fleet);
    HookedPort port = new HookedPort(fleet);
    port.get = i -> {
      throw new TransientCloudException(0, "ConnectionReset", "Connection reset by peer.", null);
    };
    Rollout r = Rollout.builder(port, id).target(V2).clock(fleet.clock()).build();
    List<Duration> waits = new ArrayList<>();
    for (int k = 0; k < 7; k++) {
      Instant now = fleet.clock().instant();
      Instant next = r.advance().orElseThrow();
      waits.add(Duration.between(now, next));
      fleet.clock().advanceTo(next);
    }

    assertThat(waits).containsExactly(Duration.ofSeconds(30), Duration.ofSeconds(60), Duration.ofSeconds(120),
        Duration.ofSeconds(240), Duration.ofMinutes(5), Duration.ofMinutes(5), Duration.ofMinutes(5));
    assertThat(r.stall().orElseThrow().attempts()).isEqualTo(7);
    assertThat(r.events()).filteredOn(RolloutStalled.class::isInstance).hasSize(1);
  }

  @Test
  void backoff_throttled_waitsTheRetryAfterTheCloudAskedFor() {
    SimulatedFleet fleet = SimulatedFleet.create(SEED);
    ScaleSetId id = web(fleet);
    fleet.faults().armThrottle("get", 2, Duration.ofMinutes(7));
    Rollout r = Rollout.builder(fleet, id).target(V2).clock(fleet.clock()).build();

    Instant first = r.advance().orElseThrow();
    fleet.clock().advanceTo(first);
    Instant second = r.advance().orElseThrow();

    assertThat(first).isEqualTo(T0.plus(Duration.ofMinutes(7)));
    assertThat(second).isEqualTo(T0.plus(Duration.ofMinutes(14)));
    assertThat(fleet.run(r)).isCompleted();
  }

  @Test
  void stalledPastTheProgressDeadline_faultsWithTimeoutDropsTheBatchAndPointsTheModelBack() {
    SimulatedFleet fleet = SimulatedFleet.create(SEED);
    ScaleSetId id = web(fleet);
    HookedPort port = new HookedPort(fleet);
    port.upgradeInstances = (i, ids) -> {
      throw new ConflictException(409, "OperationNotAllowed", "Another operation is in progress.", null);
    };

    Rollout r = fleet.run(Rollout.builder(port, id).target(V2).clock(fleet.clock()).build());

    assertThat(r).faultedWith(ErrorCodes.TIMEOUT);
    assertThat(r.error().orElseThrow().message()).contains("no progress for 2h", "upgrade [0, 5]",
        "OperationNotAllowed");
    RolloutEvent faulted = r.events().get(r.events().size() - 1);
    assertThat(faulted.at()).as("faulted when the deadline passed, not a back-off later")
        .isEqualTo(T0.plus(Duration.ofHours(2)));
    assertThat(r.state().outbox()).isEmpty();
    assertThat(fleet.peek(id).modelImage()).as("model pointed back").isEqualTo(ubuntu(V1));
    assertThat(fleet.peek(id).instances()).allSatisfy(i -> assertThat(i.runs(V1)).isTrue());
  }

  /** Reads fail for ten minutes from a moment on. */
  private static HookedPort readsFailFrom(SimulatedFleet fleet, Instant[] from) {
    HookedPort port = new HookedPort(fleet);
    Supplier<Boolean> failing = () -> from[0] != null && !fleet.clock().instant().isBefore(from[0])
        && fleet.clock().instant().isBefore(from[0].plus(Duration.ofMinutes(10)));
    port.get = i -> {
      if (failing.get()) {
        throw new TransientCloudException(503, "ServiceUnavailable", "The service is unavailable.", null);
      }
      return fleet.get(i);
    };
    port.listInstances = i -> {
      if (failing.get()) {
        throw new TransientCloudException(503, "ServiceUnavailable", "The service is unavailable.", null);
      }
      return fleet.listInstances(i);
    };
    return port;
  }

  @Test
  void progressDeadline_callerPausedLongerThanTheDeadline_aReadErrorAfterResumeStallsAndDoesNotFault() {
    SimulatedFleet fleet = SimulatedFleet.create(SEED);
    ScaleSetId id = web(fleet);
    VirtualClock clock = fleet.clock();
    Instant[] from = {null};
    Rollout r = Rollout.builder(readsFailFrom(fleet, from), id).target(V2).clock(clock).build();
    r.advance();
    r.pause();
    for (Optional<Instant> next = r.advance(); next.isPresent(); next = r.advance()) {
      clock.advanceTo(next.get());
    }
    assertThat(r.status()).isEqualTo(RolloutStatus.PAUSED);
    clock.advance(Duration.ofHours(3)); // the operator comes back after longer than the 2 h deadline
    from[0] = clock.instant();
    r.resume();

    Optional<Instant> next = r.advance();

    assertThat(next).isPresent();
    assertThat(r.status()).isEqualTo(RolloutStatus.PAUSED);
    assertThat(r.stall()).hasValueSatisfying(st -> assertThat(st.code()).isEqualTo("ServiceUnavailable"));
    fleet.run(r);
    assertThat(r).isCompleted().hasProgress(10, 0, 0, 0);
    assertThat(fleet.peek(id).instances()).allSatisfy(i -> assertThat(i.runs(V2)).isTrue());
  }

  @Test
  void progressDeadline_pauseBetweenBatchesLongerThanTheDeadline_aReadErrorAfterThePauseStallsAndDoesNotFault() {
    SimulatedFleet fleet = SimulatedFleet.create(SEED);
    ScaleSetId id = web(fleet);
    Instant[] from = {null};
    RollingUpgradePolicy policy = RollingUpgradePolicy.builder().pauseTimeBetweenBatches(Duration.ofHours(1))
        .build();
    Rollout r = Rollout.builder(readsFailFrom(fleet, from), id).target(V2).clock(fleet.clock()).policy(policy)
        .progressDeadline(Duration.ofMinutes(45)).listener(e -> {
          if (e instanceof dev.osupgrade.event.BatchCompleted b && b.batch() == 1) {
            from[0] = e.at().plus(Duration.ofHours(1)); // reads fail as the pause ends
          }
        }).build();

    fleet.run(r);

    assertThat(r).isCompleted().hadBatches(5).hasProgress(10, 0, 0, 0);
    assertThat(r.events()).filteredOn(RolloutStalled.class::isInstance).hasSize(1);
    assertThat(fleet.peek(id).instances()).allSatisfy(i -> assertThat(i.runs(V2)).isTrue());
  }

  @Test
  void progressDeadline_gateWaitLongerThanTheDeadline_aReadErrorAfterTheWaitStallsAndDoesNotFault() {
    SimulatedFleet fleet = SimulatedFleet.create(SEED);
    ScaleSetId id = web(fleet);
    Instant opens = T0.plus(Duration.ofHours(3));
    Instant[] from = {opens};
    HealthGate window = new HealthGate() {
      @Override
      public String name() {
        return "window";
      }

      @Override
      public boolean appliesTo(GatePhase phase) {
        return phase == GatePhase.BEFORE_BATCH;
      }

      @Override
      public GateVerdict evaluate(GateContext c) {
        return c.now().isBefore(opens) ? GateVerdict.waitUntil("window", "closed", opens)
            : GateVerdict.pass("window", "open");
      }
    };

    Rollout r = fleet.run(Rollout.builder(readsFailFrom(fleet, from), id).target(V2).clock(fleet.clock())
        .gate(window).build());

    assertThat(r).isCompleted().hasProgress(10, 0, 0, 0);
    assertThat(r.events()).filteredOn(RolloutStalled.class::isInstance).hasSize(1);
    assertThat(fleet.peek(id).instances()).allSatisfy(i -> assertThat(i.runs(V2)).isTrue());
  }
}
