package dev.osupgrade.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osupgrade.InvalidValueException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

final class VirtualClockTest {

  @Test
  void advance_runsDueTimersInTimeOrderAndStopsAtTarget() {
    VirtualClock clock = VirtualClock.create();
    List<String> ran = new ArrayList<>();
    clock.schedule(Duration.ofMinutes(2), () -> ran.add("b@" + clock.instant()));
    clock.schedule(Duration.ofMinutes(1), () -> ran.add("a@" + clock.instant()));
    clock.schedule(Duration.ofMinutes(9), () -> ran.add("late"));

    clock.advance(Duration.ofMinutes(5));

    assertThat(ran).containsExactly("a@2026-01-05T00:01:00Z", "b@2026-01-05T00:02:00Z");
    assertThat(clock.instant()).isEqualTo(VirtualClock.DEFAULT_START.plus(Duration.ofMinutes(5)));
    assertThat(clock.pendingTimers()).isEqualTo(1);
  }

  @Test
  void runUntilIdle_cancelledLastTimer_doesNotMoveTheClockToIt() {
    VirtualClock clock = VirtualClock.create();
    clock.schedule(Duration.ofMinutes(1), () -> { });
    clock.schedule(Duration.ofHours(3), () -> { }).cancel();

    clock.runUntilIdle();

    assertThat(clock.instant()).isEqualTo(VirtualClock.DEFAULT_START.plus(Duration.ofMinutes(1)));
    assertThat(clock.pendingTimers()).isZero();
  }

  @Test
  void schedule_sameInstant_runsInSchedulingOrder() {
    VirtualClock clock = VirtualClock.create();
    List<Integer> ran = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      int n = i;
      clock.schedule(Duration.ofSeconds(1), () -> ran.add(n));
    }

    clock.runUntilIdle();

    assertThat(ran).containsExactly(0, 1, 2, 3, 4);
  }

  @Test
  void runUntilIdle_timersSchedulingTimers_runsThemAll() {
    VirtualClock clock = VirtualClock.create();
    List<Instant> ran = new ArrayList<>();
    Runnable[] chain = new Runnable[1];
    chain[0] = () -> {
      ran.add(clock.instant());
      if (ran.size() < 3) {
        clock.schedule(Duration.ofHours(1), chain[0]);
      }
    };
    clock.schedule(Duration.ofHours(1), chain[0]);

    clock.runUntilIdle();

    assertThat(ran).hasSize(3);
    assertThat(clock.instant()).isEqualTo(VirtualClock.DEFAULT_START.plus(Duration.ofHours(3)));
  }

  @Test
  void cancel_cancelledTimer_doesNotRun() {
    VirtualClock clock = VirtualClock.create();
    List<String> ran = new ArrayList<>();
    VirtualClock.Cancellable c = clock.schedule(Duration.ofMinutes(1), () -> ran.add("x"));

    c.cancel();
    clock.runUntilIdle();

    assertThat(ran).isEmpty();
  }

  @Test
  void advance_negativeDuration_rejectedAndTimeUnchanged() {
    VirtualClock clock = VirtualClock.create();

    assertThatThrownBy(() -> clock.advance(Duration.ofSeconds(-1))).isInstanceOf(InvalidValueException.class)
        .hasMessage("duration must be zero or positive, but was -1s");
    assertThat(clock.instant()).isEqualTo(VirtualClock.DEFAULT_START);
  }

  @Test
  void startingAt_oddStart_works() {
    Instant start = Instant.EPOCH.minusSeconds(60);
    VirtualClock clock = VirtualClock.startingAt(start);

    clock.advance(Duration.ofSeconds(90));

    assertThat(clock.instant()).isEqualTo(Instant.EPOCH.plusSeconds(30));
    assertThat(clock.millis()).isEqualTo(30_000L);
  }
}
