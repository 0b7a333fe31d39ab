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
  void laterBatch_learnsFromTheQuickestFinishedBatch_lessFiveGaps() {
    Instant b2 = T0.plusSeconds(400);
    List<InstanceProgress> done = List.of(
        succeeded("0", 1, T0, T0.plusSeconds(290)), succeeded("1", 1, T0, T0.plusSeconds(350)),
        succeeded("2", 2, b2, b2.plusSeconds(330)), succeeded("3", 2, b2, b2.plusSeconds(200)));

    // batch 1 took 350 s, batch 2 330 s: the third is looked at after 330 - 5 x 5 = 305 s
    assertThat(LookSchedule.of(RolloutOptions.ofDefaults(), done, 3, T0.plusSeconds(800))
        .next(T0.plusSeconds(800), null)).isEqualTo(T0.plusSeconds(800 + 305));
  }

  @Test
  void laterBatch_instancesSettling_lookedAtWhenLearnedSettleTimesSayTheyAreHealthy() {
    // Batch 1: ten instances upgraded at 100 s, seen healthy by looks 10 s apart: each settled 10(k-1) to 10k s, so
    // learned as 2.5, 12.5, ..., 92.5 s.
    List<InstanceProgress> all = new ArrayList<>();
    for (int k = 1; k <= 10; k++) {
      all.add(new InstanceProgress("a" + k, 1, OLD, InstanceStage.SUCCEEDED, T0, T0.plusSeconds(100),
          T0.plusSeconds(100 + 10 * k), null));
    }
    assertThat(LookSchedule.learnedSettle(all, 2)).containsExactly(2_500, 12_500, 22_500, 32_500, 42_500, 52_500,
        62_500, 72_500, 82_500, 92_500);
    // Batch 2, sent at 400 s: its instance's upgrade ended at 500 s. First look: 400 + 200 - 5 x 5 = 575 s.
    Instant b2 = T0.plusSeconds(400);
    all.add(new InstanceProgress("b", 2, OLD, InstanceStage.AWAITING_HEALTH, b2, T0.plusSeconds(500), null, null));
    LookSchedule s = LookSchedule.of(RolloutOptions.ofDefaults(), all, 2, b2);

    assertThat(s.next(b2, null)).isEqualTo(T0.plusSeconds(575));
    // Unsettled 75 s after its upgrade: 8 of 10 learned ones settled by then; with a 30% chance it is healthy once
    // 9 of 10 have (82.5 s), at 583 s.
    assertThat(s.next(T0.plusSeconds(575), null)).isEqualTo(T0.plusSeconds(583));
    // Still unsettled at 583 s: healthy with a 30% chance once all learned ones are (92.5 s), at 593 s (whole
    // seconds).
    assertThat(s.next(T0.plusSeconds(583), null)).isEqualTo(T0.plusSeconds(593));
    // Settling longer than every learned one, and the longest 3% are the longest one: the tail.
    assertThat(s.next(T0.plusSeconds(593), null)).isEqualTo(T0.plusSeconds(598));
    assertThat(s.next(T0.plusSeconds(575), T0.plusSeconds(580))).as("an instance deadline comes first")
        .isEqualTo(T0.plusSeconds(580));
  }

  @Test
  void laterBatch_anInstanceStillUpgrading_theTail() {
    List<InstanceProgress> all = new ArrayList<>();
    for (int k = 1; k <= 10; k++) {
      all.add(new InstanceProgress("a" + k, 1, OLD, InstanceStage.SUCCEEDED, T0, T0.plusSeconds(100),
          T0.plusSeconds(100 + 10 * k), null));
    }
    Instant b2 = T0.plusSeconds(400);
    all.add(new InstanceProgress("b", 2, OLD, InstanceStage.UPGRADING, b2, null, null, null));
    LookSchedule s = LookSchedule.of(RolloutOptions.ofDefaults(), all, 2, b2);

    assertThat(looks(s, b2, 5)).containsExactly(Duration.ofSeconds(175), Duration.ofSeconds(180),
        Duration.ofSeconds(185), Duration.ofSeconds(190), Duration.ofSeconds(200));
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
