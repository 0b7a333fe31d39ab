package dev.osupgrade.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osupgrade.image.ImageReference;
import dev.osupgrade.plan.PlanOptions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LookScheduleTest {
  private static final Instant T0 = Instant.parse("2026-01-05T00:00:00Z");
  private static final ImageReference OLD =
      ImageReference.marketplace("Canonical", "0001-com-ubuntu-server-jammy", "22_04-lts-gen2", "22.04.202409010");

  private static InstanceProgress succeeded(String id, int batch, Instant requested, Instant settled) {
    return new InstanceProgress(id, batch, OLD, InstanceStage.SUCCEEDED, requested, requested, settled, null);
  }

  /** The looks of a schedule from {@code from}, {@code count} of them. */
  private static List<Duration> looks(LookSchedule schedule, Instant from, int count) {
    List<Duration> out = new ArrayList<>();
    Instant now = from;
    for (int i = 0; i < count; i++) {
      now = schedule.next(now, null);
      out.add(Duration.between(from, now));
    }
    return out;
  }

  @Test
  void firstBatch_noLookBeforeNineTenthsOfThePlansEstimate_thenATailThatWidens() {
    LookSchedule s = LookSchedule.of(RolloutOptions.ofDefaults(), List.of(), 1, T0);

    assertThat(looks(s, T0, 8)).containsExactly(Duration.ofSeconds(324), Duration.ofSeconds(329),
        Duration.ofSeconds(334), Duration.ofSeconds(339), Duration.ofSeconds(349), Duration.ofSeconds(359),
        Duration.ofSeconds(369), Duration.ofSeconds(384));
  }

  @Test
  void firstBatch_fastPoll_atMostTwelvePolls() {
    RolloutOptions fast = RolloutOptions.builder().pollInterval(Duration.ofSeconds(1)).build();

    assertThat(LookSchedule.of(fast, List.of(), 1, T0).next(T0, null)).isEqualTo(T0.plusSeconds(12));
  }

  @Test
  void laterBatch_learnsFromTheQuickestFinishedBatch_lessThreeGaps() {
    Instant b2 = T0.plusSeconds(400);
    List<InstanceProgress> done = List.of(
        succeeded("0", 1, T0, T0.plusSeconds(290)), succeeded("1", 1, T0, T0.plusSeconds(350)),
        succeeded("2", 2, b2, b2.plusSeconds(330)), succeeded("3", 2, b2, b2.plusSeconds(200)));

    // batch 1 took 350 s, batch 2 330 s: the third is looked at after 330 - 3 x 5 = 315 s
    assertThat(LookSchedule.of(RolloutOptions.ofDefaults(), done, 3, T0.plusSeconds(800))
        .next(T0.plusSeconds(800), null)).isEqualTo(T0.plusSeconds(800 + 315));
  }

  @Test
  void laterBatch_aBatchWithAFailure_tellsNothing() {
    List<InstanceProgress> done = List.of(succeeded("0", 1, T0, T0.plusSeconds(100)),
        new InstanceProgress("1", 1, OLD, InstanceStage.ROLLED_BACK, T0, T0, T0.plusSeconds(400), null));

    assertThat(LookSchedule.quickestBatch(done, 2)).isNull();
  }

  @Test
  void tail_widensToThePollIntervalThenOneLookPerPoll_andADeadlineComesFirst() {
    LookSchedule s = LookSchedule.of(RolloutOptions.ofDefaults(), List.of(), 1, T0);
    Instant late = T0.plus(Duration.ofHours(2));

    Instant next = s.next(late, null);
    assertThat(Duration.between(late, next)).isPositive().isLessThanOrEqualTo(Duration.ofSeconds(30));
    assertThat(s.next(next, null)).isEqualTo(next.plusSeconds(30));
    assertThat(s.next(T0, T0.plusSeconds(100))).as("an instance deadline before the prediction")
        .isEqualTo(T0.plusSeconds(100));
  }

  @Test
  void estimate_fromThePlanOptions() {
    RolloutOptions slow = RolloutOptions.builder().planOptions(PlanOptions.withBatchTime(Duration.ofMinutes(2)))
        .build();

    assertThat(LookSchedule.of(slow, List.of(), 1, T0).next(T0, null)).isEqualTo(T0.plusSeconds(108));
  }
}
