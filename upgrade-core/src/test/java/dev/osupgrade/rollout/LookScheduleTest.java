package dev.osupgrade.rollout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.osupgrade.image.ImageReference;
import dev.osupgrade.plan.PlanOptions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
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

  /**
   * Batch 1: ten instances requested at T0, each upgraded after 100 + 10k s, seen healthy by looks 10 s apart after
   * settling 10k to 10k + 10 s.
   */
  private static List<InstanceProgress> learnedBatch() {
    List<InstanceProgress> all = new ArrayList<>();
    for (int k = 1; k <= 10; k++) {
      Instant upgraded = T0.plusSeconds(100 + 10 * k);
      all.add(new InstanceProgress("a" + k, 1, OLD, InstanceStage.SUCCEEDED, T0, upgraded,
          upgraded.plusSeconds(10 * k + 10), null));
    }
    return all;
  }

  @Test
  void settleBounds_fromTheLookBeforeToTheLookThatSawItHealthy() {
    List<InstanceProgress> all = learnedBatch();

    // Seen healthy at 100 + 20k + 10 s; the look before that saw one become healthy was 20 s earlier.
    long[][] bounds = LookSchedule.settleBounds(all, 2);
    assertThat(bounds.length).isEqualTo(10);
    assertThat(bounds[0]).containsExactly(0, 20_000);
    assertThat(bounds[4]).containsExactly(40_000, 60_000);
    assertThat(LookSchedule.learnedUpgrade(all, 2)).containsExactly(110_000, 120_000, 130_000, 140_000, 150_000,
        160_000, 170_000, 180_000, 190_000, 200_000);
  }

  @Test
  void boundedCdf_tightBoundsDrawTheWeightOfLooseOnes() {
    // One settled between 90 and 100 s, three healthy by 100 s: all the weight is at most 100 s.
    double[] cdf = LookSchedule.boundedCdf(new long[][] {{90_000, 100_000}, {0, 100_000}, {0, 100_000},
        {0, 100_000}}, 1_000, LookSchedule.BOUNDED_ITERATIONS);

    assertThat(cdf[cdf.length - 1]).isEqualTo(1.0);
    assertThat(cdf[100]).isCloseTo(1.0, within(1e-9));
    assertThat(cdf[90]).as("the tight bound draws weight into (90 s, 100 s]").isLessThan(0.75).isGreaterThan(0);
  }

  /** The looks of batch 2 (sent at 400 s, one instance) until one lands after {@code until}. */
  private static List<Duration> batchTwoLooks(RolloutOptions options, Instant until) {
    List<InstanceProgress> all = learnedBatch();
    Instant b2 = T0.plusSeconds(400);
    all.add(new InstanceProgress("b", 2, OLD, InstanceStage.UPGRADING, b2, null, null, null));
    LookSchedule s = LookSchedule.of(options, all, 2, b2);
    List<Duration> out = new ArrayList<>();
    for (Instant now = b2; !now.isAfter(until); ) {
      now = s.next(now, null);
      out.add(Duration.between(b2, now));
    }
    return out;
  }

  @Test
  void memo_sameLooksAsWithout_overSeededBatches() {
    RolloutOptions options = RolloutOptions.ofDefaults();
    LookSchedule.Memo memo = new LookSchedule.Memo();
    SplittableRandom random = new SplittableRandom(11);
    for (int round = 0; round < 20; round++) {
      long[] upgrade = new long[5];
      long[] settle = new long[5];
      for (int i = 0; i < 5; i++) {
        upgrade[i] = random.nextLong(100, 220);
        settle[i] = random.nextLong(5, 130);
      }

      assertThat(driveBatchTwo(options, upgrade, settle, memo)).isEqualTo(driveBatchTwo(options, upgrade, settle));
    }
  }

  @Test
  void memo_earlierBatchesChanged_learnsAgain() {
    RolloutOptions options = RolloutOptions.ofDefaults();
    Instant b2 = T0.plusSeconds(400);
    List<InstanceProgress> all = learnedBatch();
    all.add(new InstanceProgress("b", 2, OLD, InstanceStage.UPGRADING, b2, null, null, null));
    LookSchedule.Memo memo = new LookSchedule.Memo();
    Instant remembered = LookSchedule.of(options, all, 2, b2, memo).next(b2, null);
    // The same batch, but its earlier batch settled later: a schedule of its own, not the memo's.
    List<InstanceProgress> slower = new ArrayList<>();
    for (InstanceProgress p : all) {
      slower.add(p.batch() == 1 ? new InstanceProgress(p.instanceId(), 1, OLD, InstanceStage.SUCCEEDED,
          p.requestedAt(), p.upgradedAt(), p.settledAt().plusSeconds(90), null) : p);
    }

    Instant fresh = LookSchedule.of(options, slower, 2, b2).next(b2, null);
    assertThat(LookSchedule.of(options, slower, 2, b2, memo).next(b2, null)).isEqualTo(fresh)
        .isNotEqualTo(remembered);
    assertThat(LookSchedule.of(options, all, 2, b2, memo).next(b2, null)).isEqualTo(remembered);
  }

  @Test
  void laterBatch_looksWithinWhatTheLearnedTimesAllow_andAsManyAsTheBudget() {
    // Learned: upgrades 110-200 s, settling up to 110 s (+ 5 s either side): batch 2 is done by 315 s at the latest.
    List<Duration> looks = batchTwoLooks(RolloutOptions.ofDefaults(), T0.plusSeconds(400 + 320));

    assertThat(looks.get(0)).isGreaterThan(Duration.ofSeconds(110));
    assertThat(looks.subList(0, RolloutOptions.DEFAULT_LOOKS_PER_BATCH)).allSatisfy(
        d -> assertThat(d).isLessThanOrEqualTo(Duration.ofSeconds(320)));
    assertThat(looks).isSorted().doesNotHaveDuplicates();
  }

  /**
   * Drives batch 2 (sent at 400 s) look by look, each look recording what it saw as the kernel does.
   *
   * @param upgrade each instance's upgrade, in seconds from the request
   * @param settle how long each settles after its upgrade, in seconds
   * @return the looks, from the batch's request, up to the one that saw every instance healthy
   */
  private static List<Duration> driveBatchTwo(RolloutOptions options, long[] upgrade, long[] settle) {
    return driveBatchTwo(options, upgrade, settle, null);
  }

  private static List<Duration> driveBatchTwo(RolloutOptions options, long[] upgrade, long[] settle,
      LookSchedule.Memo memo) {
    Instant b2 = T0.plusSeconds(400);
    List<InstanceProgress> all = learnedBatch();
    int first = all.size();
    for (int i = 0; i < upgrade.length; i++) {
      all.add(new InstanceProgress("b" + i, 2, OLD, InstanceStage.UPGRADING, b2, null, null, null));
    }
    List<Duration> looks = new ArrayList<>();
    Instant now = b2;
    while (all.subList(first, all.size()).stream().anyMatch(p -> !p.stage().isSettled())) {
      now = LookSchedule.of(options, all, 2, b2, memo).next(now, null);
      looks.add(Duration.between(b2, now));
      for (int i = 0; i < upgrade.length; i++) {
        InstanceProgress p = all.get(first + i);
        Instant upgraded = b2.plusSeconds(upgrade[i]);
        if (p.stage() == InstanceStage.UPGRADING && !upgraded.isAfter(now)) {
          p = new InstanceProgress(p.instanceId(), 2, OLD, InstanceStage.AWAITING_HEALTH, b2, upgraded, null, null);
        }
        if (p.stage() == InstanceStage.AWAITING_HEALTH && !upgraded.plusSeconds(settle[i]).isAfter(now)) {
          p = new InstanceProgress(p.instanceId(), 2, OLD, InstanceStage.SUCCEEDED, b2, upgraded, now, null);
        }
        all.set(first + i, p);
      }
    }
    return looks;
  }

  /**
   * Over 40 seeded batches of five instances that upgrade and settle as the learned batch did (upgrades 110-200 s,
   * settling 10-110 s): the looks they took and the seconds from each batch's last healthy instance to the look that
   * saw it, summed.
   */
  private static long[] looksAndLateness(RolloutOptions options) {
    SplittableRandom random = new SplittableRandom(42);
    long looks = 0;
    long late = 0;
    for (int run = 0; run < 40; run++) {
      long[] upgrade = new long[5];
      long[] settle = new long[5];
      long done = 0;
      for (int i = 0; i < 5; i++) {
        upgrade[i] = random.nextLong(110, 201);
        settle[i] = random.nextLong(10, 111);
        done = Math.max(done, upgrade[i] + settle[i]);
      }
      List<Duration> seen = driveBatchTwo(options, upgrade, settle);
      for (Duration d : seen.subList(0, seen.size() - 1)) {
        assertThat(d.getSeconds()).as("a look before the batch was done").isLessThan(done);
      }
      looks += seen.size();
      late += seen.get(seen.size() - 1).getSeconds() - done;
    }
    return new long[] {looks, late};
  }

  @Test
  void laterBatch_moreLooksPerBatch_moreLooksAndSeenDoneSooner() {
    long[] few = looksAndLateness(RolloutOptions.builder().looksPerBatch(1).build());
    long[] usual = looksAndLateness(RolloutOptions.ofDefaults());
    long[] many = looksAndLateness(RolloutOptions.builder().looksPerBatch(8).build());

    System.out.printf("40 batches, 1 / 3 / 8 looks per batch: %d / %d / %d looks, %d / %d / %d s late%n", few[0],
        usual[0], many[0], few[1], usual[1], many[1]);
    assertThat(many[0]).isGreaterThan(usual[0]);
    assertThat(usual[0]).isGreaterThan(few[0]);
    assertThat(many[1]).isLessThan(usual[1]);
    assertThat(usual[1]).isLessThan(few[1]);
  }

  @Test
  void laterBatch_resumedBetweenTwoLooks_looksWhenTheUninterruptedWouldHave() {
    List<InstanceProgress> all = learnedBatch();
    Instant b2 = T0.plusSeconds(400);
    all.add(new InstanceProgress("b", 2, OLD, InstanceStage.AWAITING_HEALTH, b2, b2.plusSeconds(150), null, null));
    LookSchedule s = LookSchedule.of(RolloutOptions.ofDefaults(), all, 2, b2);

    Instant first = s.next(b2, null);
    Instant second = s.next(first, null);
    assertThat(second).isAfter(first);
    assertThat(s.next(first.plusMillis(1), null)).isEqualTo(second);
    assertThat(s.next(second.minusMillis(1), null)).isEqualTo(second);
    assertThat(LookSchedule.of(RolloutOptions.ofDefaults(), all, 2, b2).next(first, null))
        .as("a schedule rebuilt from the same state").isEqualTo(second);
  }

  @Test
  void laterBatch_anInstanceSettlingLongerThanAnyLearned_theTail() {
    List<InstanceProgress> all = learnedBatch();
    Instant b2 = T0.plusSeconds(400);
    all.add(new InstanceProgress("b", 2, OLD, InstanceStage.AWAITING_HEALTH, b2, b2.plusSeconds(150), null, null));
    LookSchedule s = LookSchedule.of(RolloutOptions.ofDefaults(), all, 2, b2);

    // Settled 200 s, far longer than the 110 s (+ 5 s) learned: a look every 5 s, widening.
    Instant late = b2.plusSeconds(350);
    Instant next = s.next(late, null);
    assertThat(Duration.between(late, next)).isLessThanOrEqualTo(Duration.ofSeconds(30));
    assertThat(s.next(next, null)).isAfter(next);
  }

  @Test
  void laterBatch_anInstanceStillUpgrading_theTail() {
    List<InstanceProgress> all = learnedBatch();
    Instant b2 = T0.plusSeconds(400);
    all.add(new InstanceProgress("b", 2, OLD, InstanceStage.UPGRADING, b2, null, null, null));
    LookSchedule s = LookSchedule.of(RolloutOptions.ofDefaults(), all, 2, b2);

    // Upgrading 250 s, longer than any learned upgrade (200 s, + 5 s): the tail's gap.
    Instant late = b2.plusSeconds(250);
    assertThat(Duration.between(late, s.next(late, null))).isLessThanOrEqualTo(Duration.ofSeconds(30));
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
