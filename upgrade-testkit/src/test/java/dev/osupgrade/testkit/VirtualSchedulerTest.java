package dev.osupgrade.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The testkit's ScheduledExecutorService on a VirtualClock. */
final class VirtualSchedulerTest {

  @Test
  void schedule_tasksAtTheirTimes_runInTimeOrderTiesInSubmissionOrder() {
    VirtualClock clock = VirtualClock.create();
    VirtualScheduler scheduler = VirtualScheduler.on(clock);
    List<String> ran = new ArrayList<>();
    Instant start = clock.instant();

    scheduler.schedule(() -> ran.add("c@" + Duration.between(start, clock.instant()).toSeconds()), 30, TimeUnit.SECONDS);
    scheduler.schedule(() -> ran.add("a@" + Duration.between(start, clock.instant()).toSeconds()), 10, TimeUnit.SECONDS);
    scheduler.schedule(() -> ran.add("b@" + Duration.between(start, clock.instant()).toSeconds()), 10, TimeUnit.SECONDS);
    assertThat(ran).as("nothing runs until the clock moves").isEmpty();
    clock.runUntilIdle();

    assertThat(ran).containsExactly("a@10", "b@10", "c@30");
    assertThat(scheduler.pendingTasks()).isZero();
  }

  @Test
  void execute_fromATask_runsAfterWhatIsAlreadyDueAtTheSameInstant() {
    VirtualClock clock = VirtualClock.create();
    VirtualScheduler scheduler = VirtualScheduler.on(clock);
    List<String> ran = new ArrayList<>();

    scheduler.schedule(() -> {
      ran.add("first");
      scheduler.execute(() -> ran.add("handed over"));
    }, 5, TimeUnit.SECONDS);
    scheduler.schedule(() -> ran.add("second"), 5, TimeUnit.SECONDS);
    clock.runUntilIdle();

    assertThat(ran).containsExactly("first", "second", "handed over");
    assertThat(clock.instant()).isEqualTo(VirtualClock.DEFAULT_START.plusSeconds(5));
  }

  @Test
  void cancel_beforeItsTime_neverRuns() {
    VirtualClock clock = VirtualClock.create();
    VirtualScheduler scheduler = VirtualScheduler.on(clock);
    List<String> ran = new ArrayList<>();

    ScheduledFuture<?> f = scheduler.schedule(() -> ran.add("x"), 1, TimeUnit.MINUTES);
    assertThat(f.getDelay(TimeUnit.SECONDS)).isEqualTo(60);
    assertThat(f.cancel(false)).isTrue();
    clock.runUntilIdle();

    assertThat(ran).isEmpty();
    assertThat(f.isCancelled()).isTrue();
    assertThat(f.isDone()).isTrue();
    assertThat(clock.instant()).as("a cancelled timer does not move the clock").isEqualTo(VirtualClock.DEFAULT_START);
  }

  @Test
  void scheduleAtFixedRate_repeatsUntilCancelled() {
    VirtualClock clock = VirtualClock.create();
    VirtualScheduler scheduler = VirtualScheduler.on(clock);
    List<Instant> ran = new ArrayList<>();

    ScheduledFuture<?> f = scheduler.scheduleAtFixedRate(() -> ran.add(clock.instant()), 0, 10, TimeUnit.SECONDS);
    clock.advance(Duration.ofSeconds(35));
    f.cancel(false);
    clock.runUntilIdle();

    Instant t0 = VirtualClock.DEFAULT_START;
    assertThat(ran).containsExactly(t0, t0.plusSeconds(10), t0.plusSeconds(20), t0.plusSeconds(30));
  }

  @Test
  void schedule_callableThrows_failureKeptInItsFuture() throws Exception {
    VirtualClock clock = VirtualClock.create();
    VirtualScheduler scheduler = VirtualScheduler.on(clock);

    ScheduledFuture<String> f = scheduler.schedule(() -> {
      throw new IllegalStateException("boom");
    }, 1, TimeUnit.SECONDS);
    ScheduledFuture<String> ok = scheduler.schedule(() -> "fine", 2, TimeUnit.SECONDS);
    assertThatThrownBy(ok::get).isInstanceOf(IllegalStateException.class).hasMessageContaining("move the clock");
    clock.runUntilIdle();

    assertThatThrownBy(f::get).isInstanceOf(ExecutionException.class).hasRootCauseMessage("boom");
    assertThat(ok.isDone()).isTrue();
    assertThat(ok.get()).isEqualTo("fine");
  }

  @Test
  void execute_taskThrows_surfacesFromTheClock() {
    VirtualClock clock = VirtualClock.create();
    VirtualScheduler scheduler = VirtualScheduler.on(clock);

    scheduler.execute(() -> {
      throw new IllegalStateException("seen by the test");
    });

    assertThatThrownBy(clock::runUntilIdle).isInstanceOf(IllegalStateException.class)
        .hasMessage("seen by the test");
  }

  @Test
  void shutdown_rejectsNewTasks_letsScheduledOnesRunThenTerminates() throws Exception {
    VirtualClock clock = VirtualClock.create();
    VirtualScheduler scheduler = VirtualScheduler.on(clock);
    List<String> ran = new ArrayList<>();
    scheduler.schedule(() -> ran.add("scheduled before"), 1, TimeUnit.SECONDS);

    scheduler.shutdown();

    assertThatThrownBy(() -> scheduler.execute(() -> ran.add("late"))).isInstanceOf(RejectedExecutionException.class);
    assertThat(scheduler.isShutdown()).isTrue();
    assertThat(scheduler.awaitTermination(1, TimeUnit.DAYS)).isFalse();
    clock.runUntilIdle();
    assertThat(ran).containsExactly("scheduled before");
    assertThat(scheduler.isTerminated()).isTrue();
  }
}
