package dev.osupgrade.rollout;

import static dev.osupgrade.Fleets.NEW;
import static dev.osupgrade.Fleets.NEW_IMAGE;
import static dev.osupgrade.Fleets.OLD_IMAGE;
import static dev.osupgrade.Fleets.T0;
import static org.assertj.core.api.Assertions.assertThat;

import dev.osupgrade.Fleets;
import dev.osupgrade.event.ModelImageChanged;
import dev.osupgrade.event.RolloutCompleted;
import dev.osupgrade.event.RolloutFaulted;
import dev.osupgrade.event.RolloutStallCleared;
import dev.osupgrade.event.RolloutStalled;
import dev.osupgrade.fleet.HealthState;
import dev.osupgrade.fleet.ScaleSet;
import dev.osupgrade.ops.ErrorCodes;
import dev.osupgrade.ops.RolloutStatus;
import dev.osupgrade.ops.Stall;
import dev.osupgrade.policy.RollingUpgradePolicy;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The engine's rules for stalls, the one progress deadline, reconciliation and looks that cannot be trusted. */
final class RolloutStallRulesTest {
  private static final ScaleSet FLEET = Fleets.scaleSet(10);
  private static final RolloutEngine ENGINE = new RolloutEngine(RolloutOptions.ofDefaults());
  private static final Duration DEADLINE = RolloutOptions.DEFAULT_PROGRESS_DEADLINE;

  private static Stall failure(String code, String during) {
    return new Stall(code, "it failed", 503, during, T0, 1);
  }

  private static Decision started() {
    return ENGINE.decide(RolloutState.initial(Fleets.ID, NEW), new Observation(T0, FLEET));
  }

  @Test
  void stalled_sameCauseAgain_oneEventAndTheBackOffDoublesUpToFiveMinutes() {
    RolloutState s = started().state();
    Instant now = T0;
    List<Duration> waits = new java.util.ArrayList<>();
    int events = 0;
    for (int k = 0; k < 7; k++) {
      Decision d = ENGINE.stalled(s, now, failure("ServiceUnavailable", "reading the scale set"), Duration.ZERO,
          FLEET);
      events += d.events().size();
      waits.add(Duration.between(now, d.wakeAt()));
      s = d.state();
      now = d.wakeAt();
    }

    assertThat(events).isEqualTo(1);
    assertThat(waits).containsExactly(Duration.ofSeconds(30), Duration.ofMinutes(1), Duration.ofMinutes(2),
        Duration.ofMinutes(4), Duration.ofMinutes(5), Duration.ofMinutes(5), Duration.ofMinutes(5));
    assertThat(s.stall()).isNotNull();
    assertThat(s.stall().since()).isEqualTo(T0);
    assertThat(s.stall().attempts()).isEqualTo(7);
    assertThat(s.status()).isEqualTo(RolloutStatus.ROLLING_FORWARD);
    assertThat(s.outbox()).as("nothing is dropped while stalled").isEqualTo(started().state().outbox());
  }

  @Test
  void stalled_causeChanges_oneEventPerChangeAndTheRetryAfterIsHonoured() {
    RolloutState s = started().state();
    Decision first = ENGINE.stalled(s, T0, failure("ServiceUnavailable", "reading the scale set"), Duration.ZERO,
        FLEET);
    Decision second = ENGINE.stalled(first.state(), T0.plusSeconds(30), failure("TooManyRequests",
        "reading the scale set"), Duration.ofMinutes(7), FLEET);
    Decision cleared = RolloutEngine.stallCleared(second.state(), T0.plus(Duration.ofMinutes(8)));

    assertThat(first.events()).singleElement().isInstanceOf(RolloutStalled.class);
    assertThat(second.events()).singleElement().isInstanceOf(RolloutStalled.class);
    assertThat(second.wakeAt()).isEqualTo(T0.plusSeconds(30).plus(Duration.ofMinutes(7)));
    assertThat(second.state().stall().since()).as("the stall goes on across causes").isEqualTo(T0);
    assertThat(cleared.state().stall()).isNull();
    assertThat(cleared.events()).singleElement().isInstanceOfSatisfying(RolloutStallCleared.class,
        e -> assertThat(e.stalledFor()).isEqualTo(Duration.ofMinutes(8)));
  }

  @Test
  void stalled_pastTheDeadline_faultsWithTimeoutDroppingTheOutboxAndPointingTheModelBack() {
    RolloutState s = started().state();
    Instant late = T0.plus(DEADLINE);

    Decision d = ENGINE.stalled(s, late, failure("Conflict", "upgrade [0, 5]"), Duration.ZERO,
        FLEET.withModelImage(NEW_IMAGE));

    assertThat(d.state().status()).isEqualTo(RolloutStatus.FAULTED);
    assertThat(d.state().error().code()).isEqualTo(ErrorCodes.TIMEOUT);
    assertThat(d.state().stall()).isNull();
    assertThat(d.state().outbox()).containsExactly(new RolloutAction.UpdateModelImage(OLD_IMAGE));
    assertThat(d.events()).last().isInstanceOf(RolloutFaulted.class);
  }

  @Test
  void progressDeadline_neverCountsTheCallersPauseThePauseBetweenBatchesOrANotStartedRollout() {
    RolloutState running = started().state();
    RolloutState.Draft paused = new RolloutState.Draft(running);
    paused.status = RolloutStatus.PAUSED;
    paused.pauseRequested = true;
    RolloutState.Draft pausing = new RolloutState.Draft(running);
    pausing.phase = RolloutState.Phase.PAUSING;
    pausing.pauseUntil = T0.plus(Duration.ofHours(5));

    assertThat(ENGINE.progressDeadline(running)).contains(T0.plus(DEADLINE));
    assertThat(ENGINE.progressDeadline(paused.build())).isEmpty();
    assertThat(ENGINE.progressDeadline(pausing.build())).contains(T0.plus(Duration.ofHours(5)).plus(DEADLINE));
    assertThat(ENGINE.progressDeadline(RolloutState.initial(Fleets.ID, NEW))).isEmpty();
    RolloutState resumed = RolloutEngine.resume(paused.build(), T0.plus(Duration.ofHours(3)));
    assertThat(ENGINE.progressDeadline(resumed)).contains(T0.plus(Duration.ofHours(3)).plus(DEADLINE));
  }

  @Test
  void remainder_sendsOnlyWhatTheFleetStillNeeds() {
    ScaleSet fresh = Fleets.updating(Fleets.upgraded(FLEET.withModelImage(NEW_IMAGE), HealthState.HEALTHY, "0"), "1");

    assertThat(RolloutEngine.remainder(new RolloutAction.UpdateModelImage(NEW_IMAGE), fresh, NEW)).isEmpty();
    assertThat(RolloutEngine.remainder(new RolloutAction.UpdateModelImage(OLD_IMAGE), fresh, NEW)).isPresent();
    assertThat(RolloutEngine.remainder(new RolloutAction.UpgradeInstances(List.of("0", "1", "2")), fresh, NEW))
        .contains(new RolloutAction.UpgradeInstances(List.of("2")));
    assertThat(RolloutEngine.remainder(new RolloutAction.RollBackInstances(List.of("0", "2"), OLD_IMAGE), fresh,
        NEW)).contains(new RolloutAction.RollBackInstances(List.of("0"), OLD_IMAGE));
    assertThat(RolloutEngine.remainder(new RolloutAction.DeleteInstances(List.of("2", "99")), fresh, NEW))
        .contains(new RolloutAction.DeleteInstances(List.of("2")));
    assertThat(RolloutEngine.remainder(new RolloutAction.UpgradeInstances(List.of("0", "1")), fresh, NEW)).isEmpty();
  }

  @Test
  void failedLook_emptyListingWhileInstancesAreExpected_butNotBeforeTheStart() {
    ScaleSet empty = FLEET.withInstances(List.of());

    assertThat(RolloutEngine.failedLook(started().state(), empty)).hasValueSatisfying(
        why -> assertThat(why).contains("listed no instance", "expects 10"));
    assertThat(RolloutEngine.failedLook(RolloutState.initial(Fleets.ID, NEW), empty)).isEmpty();
    assertThat(RolloutEngine.failedLook(started().state(), FLEET)).isEmpty();
  }

  @Test
  void decide_modelFoundElsewhereThanIntended_pointsItBackWithAnEvent() {
    RolloutState sent = started().state();
    for (RolloutAction a : sent.outbox()) {
      sent = RolloutEngine.acknowledge(sent, a); // the model change and batch 1 were carried out
    }
    ScaleSet movedBack = Fleets.updating(FLEET, "0", "5"); // yet the model is on the old image again

    Decision d = ENGINE.decide(sent, new Observation(T0.plusSeconds(30), movedBack));

    assertThat(d.actions()).first().isEqualTo(new RolloutAction.UpdateModelImage(NEW_IMAGE));
    assertThat(d.events()).first().isInstanceOfSatisfying(ModelImageChanged.class,
        e -> assertThat(e.reason()).contains("found on 22.04.202401010", "keeps it on 22.04.202407010"));
  }

  @Test
  void decide_lastBatchDoneOnAListing_waitsForAFullReadBeforeCompleted() {
    RolloutEngine engine = new RolloutEngine(RolloutOptions.builder()
        .policy(RollingUpgradePolicy.builder().maxBatchInstancePercent(100).build()).build());
    ScaleSet done = Fleets.upgraded(FLEET.withModelImage(NEW_IMAGE), HealthState.HEALTHY,
        "0", "1", "2", "3", "4", "5", "6", "7", "8", "9");
    Decision first = engine.decide(RolloutState.initial(Fleets.ID, NEW), new Observation(T0, FLEET));

    Decision listed = engine.decide(first.state(), new Observation(T0.plusSeconds(600), done, null, false));
    Decision read = engine.decide(listed.state(), new Observation(T0.plusSeconds(600), done, null, true));

    assertThat(listed.state().phase()).isEqualTo(RolloutState.Phase.VERIFYING);
    assertThat(listed.state().status()).isEqualTo(RolloutStatus.ROLLING_FORWARD);
    assertThat(listed.wakeAt()).as("look again at once").isEqualTo(T0.plusSeconds(600));
    assertThat(read.state().status()).isEqualTo(RolloutStatus.COMPLETED);
    assertThat(read.events()).last().isInstanceOfSatisfying(RolloutCompleted.class,
        e -> assertThat(e.verification().onTargetAndHealthy()).isEqualTo(10));
    assertThat(Optional.ofNullable(read.wakeAt())).isEmpty();
  }
}
