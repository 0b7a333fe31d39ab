package dev.osupgrade.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osupgrade.InvalidValueException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The runner's builder and its own thread pool; driving rollouts is tested on the simulator (upgrade-testkit). */
final class RolloutRunnerBuilderTest {
  private static final Clock FIXED = Clock.fixed(Instant.parse("2026-01-05T00:00:00Z"), ZoneOffset.UTC);

  @Test
  void build_withoutClock_refused() {
    assertThatThrownBy(() -> RolloutRunner.builder().build()).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("clock must be set");
  }

  @Test
  void maxConcurrentAdvances_zero_rejectedNamingTheParameter() {
    assertThatThrownBy(() -> RolloutRunner.builder().maxConcurrentAdvances(0))
        .isInstanceOf(InvalidValueException.class)
        .hasMessage("maxConcurrentAdvances must be >= 1, but was 0");
  }

  @Test
  void retryBackoff_maxShorterThanFirst_rejected() {
    assertThatThrownBy(() -> RolloutRunner.builder().retryBackoff(Duration.ofMinutes(1), Duration.ofSeconds(30)))
        .isInstanceOf(InvalidValueException.class).hasMessageContaining("max must be >= first (1m)");
    assertThatThrownBy(() -> RolloutRunner.builder().retryBackoff(Duration.ZERO, Duration.ofSeconds(30)))
        .isInstanceOf(InvalidValueException.class).hasMessageContaining("first must be");
    assertThatThrownBy(() -> RolloutRunner.builder().maxConsecutiveFailures(0))
        .isInstanceOf(InvalidValueException.class).hasMessageContaining("maxConsecutiveFailures");
  }

  @Test
  void shutdown_runnerWithItsOwnPoolAndNothingToDo_terminatesAndSaysSo() throws InterruptedException {
    List<RunnerEvent> events = new ArrayList<>();
    RolloutRunner runner = RolloutRunner.builder().clock(FIXED).listener(events::add).build();
    assertThat(runner.status().toString()).isEqualTo("RolloutRunner RUNNING at 2026-01-05T00:00:00Z: 0 of 4 in "
        + "flight, 0 queued; 0 rollouts");

    runner.shutdown();

    assertThat(runner.awaitTermination(Duration.ofSeconds(10))).isTrue();
    assertThat(runner.isTerminated()).isTrue();
    assertThat(events).extracting(RunnerEvent::toString).containsExactly(
        "#0001 2026-01-05T00:00:00Z runner shutting down: 0 advance(s) in flight finish first; 0 idle rollout(s) "
            + "release their leases now",
        "#0002 2026-01-05T00:00:00Z runner terminated: no rollouts");
    assertThat(runner).hasToString("RolloutRunner[TERMINATED, 0 rollouts, 0 of 4 in flight, 0 queued]");
  }
}
