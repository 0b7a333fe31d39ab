package dev.osupgrade.governance.performance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.osupgrade.Fleets;
import dev.osupgrade.InvalidValueException;
import dev.osupgrade.fleet.HealthState;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.ScaleSet;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.governance.SignalThreshold;
import dev.osupgrade.health.GateContext;
import dev.osupgrade.health.GatePhase;
import dev.osupgrade.health.GateVerdict;
import dev.osupgrade.policy.RollingUpgradePolicy;
import dev.osupgrade.port.Metric;
import dev.osupgrade.port.MetricSample;
import dev.osupgrade.port.MetricsSource;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.DoubleUnaryOperator;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

final class PerformanceGateTest {
  private static final Instant STARTED = Fleets.T0;
  private static final Instant NOW = STARTED.plus(Duration.ofHours(1));
  private static final SignalThreshold.Relative READINESS_10 = SignalThreshold.relative(Metric.READINESS_TIME, 0.10);
  private static final String[] FIRST_TEN = IntStream.range(0, 10).mapToObj(String::valueOf).toArray(String[]::new);

  // An in-memory metrics source: every sample it holds, filtered by metric and [from, to).
  static final class Samples implements MetricsSource {
    final List<MetricSample> all = new ArrayList<>();
    int calls;

    @Override
    public List<MetricSample> samples(ScaleSetId scaleSet, Metric metric, Instant from, Instant to) {
      calls++;
      return all.stream().filter(s -> s.metric().equals(metric) && !s.at().isBefore(from) && s.at().isBefore(to))
          .toList();
    }

    // perInstance samples for each instance, spread over the 20 minutes before `end`, values from `value`.
    Samples add(Metric metric, List<String> instances, int perInstance, Instant end, DoubleUnaryOperator value,
        SplittableRandom random) {
      for (String id : instances) {
        for (int k = 0; k < perInstance; k++) {
          Instant at = end.minusSeconds(1 + random.nextInt(20 * 60));
          all.add(MetricSample.of(id, metric, value.applyAsDouble(random.nextDouble()), at));
        }
      }
      return this;
    }
  }

  // Around 60 s with a 10% spread (a normal via Box-Muller from the seeded generator).
  private static DoubleUnaryOperator around(SplittableRandom random, double mean) {
    return u -> mean * (1 + 0.10 * Math.sqrt(-2 * Math.log(1 - u)) * Math.cos(2 * Math.PI * random.nextDouble()));
  }

  private static ScaleSet twentyWithTenUpgraded() {
    return Fleets.upgraded(Fleets.scaleSet(20), HealthState.HEALTHY, FIRST_TEN);
  }

  private static List<String> ids(int from, int to) {
    return IntStream.range(from, to).mapToObj(String::valueOf).toList();
  }

  private static GateContext after(int batch, ScaleSet fleet, Set<String> failed) {
    Set<String> upgraded = new java.util.TreeSet<>();
    for (Instance i : fleet.instances()) {
      if (i.runs(Fleets.NEW)) {
        upgraded.add(i.instanceId());
      }
    }
    return new GateContext(GatePhase.AFTER_BATCH, batch, 4, fleet, Fleets.NEW, RollingUpgradePolicy.ofDefaults(),
        upgraded, failed, STARTED, NOW);
  }

  private static Samples readiness(long seed, double upgradedFactor) {
    SplittableRandom random = new SplittableRandom(seed);
    Samples s = new Samples();
    s.add(Metric.READINESS_TIME, ids(10, 20), 3, NOW, around(random, 60), random);
    s.add(Metric.READINESS_TIME, ids(0, 10), 3, NOW, around(random, 60 * upgradedFactor), random);
    return s;
  }

  private static PerformanceGate gate(MetricsSource source) {
    return PerformanceGate.builder().source(source).threshold(READINESS_10).build();
  }

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 4, 5, 42})
  void evaluate_upgradedReadiness25PercentSlower_failsWithTheNumbers(long seed) {
    GateVerdict v = gate(readiness(seed, 1.25)).evaluate(after(2, twentyWithTenUpgraded(), Set.of()));

    assertThat(v).isInstanceOfSatisfying(GateVerdict.Fail.class, f -> {
      assertThat(f.code()).isEqualTo("PerformanceRegression");
      assertThat(f.gate()).isEqualTo("performance");
      assertThat(f.reason()).startsWith("FAIL (score 0: 0 of 1 checks pass): readiness-time upgraded vs not "
          + "upgraded: FAIL - median ").contains("tolerance +10%), U=", "< α 0.05: worse beyond the tolerance");
    });
    assertThat(v.measurement("readiness-time.p")).isLessThan(0.05);
    assertThat(v.measurement("readiness-time.worsePercent")).isBetween(15.0, 35.0);
    assertThat(v.measurement("readiness-time.nBaseline")).isEqualTo(30.0);
    assertThat(v.measurement("readiness-time.nUpgraded")).isEqualTo(30.0);
    assertThat(v.measurement("readiness-time.baselineMedian")).isBetween(54.0, 66.0);
    assertThat(v.measurement("readiness-time.shift")).isBetween(8.0, 22.0); // about 15 s of 60 s
    assertThat(v.measurement("readiness-time.class")).isEqualTo(2.0);
    assertThat(v.measurement("readiness-time.u")).isPositive();
  }

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10})
  void evaluate_noiseOnly_noFalseAlarm(long seed) {
    GateVerdict v = gate(readiness(seed, 1.0)).evaluate(after(2, twentyWithTenUpgraded(), Set.of()));

    assertThat(v).isNotInstanceOf(GateVerdict.Fail.class);
    assertThat(v.reason()).doesNotContain("FAIL");
  }

  // With no tolerance at all, a FAIL under pure noise is a type I error: it must happen at about alpha, no more.
  @ParameterizedTest
  @ValueSource(longs = {11, 12, 13})
  void judge_noiseOnlyZeroTolerance_failsAtMostAboutAlpha(long seed) {
    int fails = 0;
    int runs = 150;
    ScaleSet fleet = twentyWithTenUpgraded();
    for (int run = 0; run < runs; run++) {
      PerformanceGate strict = PerformanceGate.builder().source(readiness(seed * 1000 + run, 1.0))
          .threshold(SignalThreshold.relative(Metric.READINESS_TIME, 0)).build();
      if (strict.judge(fleet, Fleets.NEW, Set.of(), STARTED, NOW).overall() == Classification.FAIL) {
        fails++;
      }
    }
    // alpha = 0.05 of 150 runs is 7.5 expected; Binomial(150, 0.05) exceeds 17 with probability below 0.001.
    assertThat(fails).isLessThanOrEqualTo(17);
  }

  @Test
  void evaluate_tooFewSamples_waitsNeverFails() {
    SplittableRandom random = new SplittableRandom(9);
    Samples few = new Samples()
        .add(Metric.READINESS_TIME, ids(10, 20), 1, NOW, around(random, 60), random)
        .add(Metric.READINESS_TIME, ids(0, 3), 1, NOW, around(random, 200), random);

    GateVerdict v = gate(few).evaluate(after(1, twentyWithTenUpgraded(), Set.of()));

    assertThat(v).isInstanceOfSatisfying(GateVerdict.Wait.class, w -> {
      assertThat(w.until()).isEqualTo(NOW.plus(Duration.ofMinutes(5)));
      assertThat(w.reason()).isEqualTo("collecting more samples (wait 1 of 3): MARGINAL (score 0: 0 of 1 checks "
          + "pass): readiness-time upgraded vs not upgraded: MARGINAL - too few samples: 10 baseline and 3 "
          + "upgraded, need 10 each");
    });
    assertThat(v.measurement("marginalWaits")).isZero();
  }

  @Test
  void evaluate_marginalRepeatedly_waitsBoundedThenPassesWithWarning() {
    PerformanceGate gate = gate(new Samples());
    GateContext ctx = after(2, twentyWithTenUpgraded(), Set.of());

    // The rollout keeps the count (in its checkpoint) and hands it over; the gate keeps none.
    // After the third wait the gate passes, so the count stays at three.
    List<GateVerdict> verdicts = IntStream.range(0, 5).mapToObj(i -> gate.evaluate(ctx.withWaits(Math.min(i, 3))))
        .toList();

    assertThat(verdicts.subList(0, 3)).allSatisfy(v -> assertThat(v).isInstanceOf(GateVerdict.Wait.class));
    assertThat(verdicts.get(2).reason()).startsWith("collecting more samples (wait 3 of 3)");
    assertThat(verdicts.subList(3, 5)).allSatisfy(v -> {
      assertThat(v).isInstanceOf(GateVerdict.Pass.class);
      assertThat(v.reason()).startsWith("WARNING: still marginal after 3 waits, passing with a warning: MARGINAL");
      assertThat(v.measurement("marginalWaits")).isEqualTo(3.0);
    });
    // Pure: the same context gives the same verdict, however often it is asked.
    assertThat(gate.evaluate(ctx.withWaits(1))).isEqualTo(verdicts.get(1));
    assertThat(gate.evaluate(ctx)).isEqualTo(verdicts.get(0));
  }

  @Test
  void evaluate_stillMarginalConfiguredToFail_failsInconclusive() {
    PerformanceGate gate = PerformanceGate.builder().source(new Samples()).threshold(READINESS_10)
        .maxMarginalWaits(1).whenStillMarginal(PerformanceGate.StillMarginal.FAIL).build();
    GateContext ctx = after(2, twentyWithTenUpgraded(), Set.of());

    assertThat(gate.evaluate(ctx)).isInstanceOf(GateVerdict.Wait.class);
    assertThat(gate.evaluate(ctx.withWaits(1))).isInstanceOfSatisfying(GateVerdict.Fail.class, f -> {
      assertThat(f.code()).isEqualTo("PerformanceInconclusive");
      assertThat(f.reason()).startsWith("still marginal after 1 waits: MARGINAL");
    });
  }

  @Test
  void evaluate_worseButNotSignificant_marginal() {
    // Five samples per group, 20% slower but with a wide spread: the median is beyond the tolerance, the test
    // cannot tell yet.
    Samples s = new Samples();
    double[] base = {50, 70, 55, 65, 60};
    double[] up = {58, 90, 66, 79, 72};
    for (int i = 0; i < 5; i++) {
      s.all.add(MetricSample.of(String.valueOf(10 + i), Metric.READINESS_TIME, base[i], NOW.minusSeconds(60)));
      s.all.add(MetricSample.of(String.valueOf(i), Metric.READINESS_TIME, up[i], NOW.minusSeconds(60)));
    }
    PerformanceGate gate = PerformanceGate.builder().source(s).threshold(READINESS_10).minSamples(5).build();

    PerformanceReport report = gate.judge(twentyWithTenUpgraded(), Fleets.NEW, Set.of(), STARTED, NOW);

    assertThat(report.overall()).isEqualTo(Classification.MARGINAL);
    assertThat(report.reason()).isEqualTo("MARGINAL (score 0: 0 of 1 checks pass): readiness-time upgraded vs not "
        + "upgraded: MARGINAL - median 72 s vs 60 s (+20.0%, tolerance +10%), U=17.5, p=0.1729 ≥ α 0.05: looks "
        + "worse beyond the tolerance, not yet significant (n=5/5)");
    MetricJudgement j = report.judgements().get(0);
    assertThat(j.worseBy()).isCloseTo(0.2, within(1e-12));
    assertThat(j.mannWhitney()).isPresent();
  }

  @Test
  void judge_lastBatchEverythingUpgraded_skipsComparisonWithNote() {
    ScaleSet all = Fleets.upgraded(Fleets.scaleSet(5), HealthState.HEALTHY, "0", "1", "2", "3", "4");

    PerformanceReport report = gate(new Samples()).judge(all, Fleets.NEW, Set.of(), STARTED, NOW);

    assertThat(report.overall()).isEqualTo(Classification.PASS);
    assertThat(report.judgements()).isEmpty();
    assertThat(report.reason()).isEqualTo("PASS (score 100: 0 of 0 checks pass): upgraded vs not upgraded: "
        + "skipped, every instance runs 22.04.202407010");
  }

  @Test
  void judge_nothingUpgradedYet_passesWithNote() {
    Samples s = new Samples();

    PerformanceReport report = gate(s).judge(Fleets.scaleSet(5), Fleets.NEW, Set.of(), STARTED, NOW);

    assertThat(report.overall()).isEqualTo(Classification.PASS);
    assertThat(report.notes()).containsExactly("nothing to judge yet: no instance runs 22.04.202407010");
    assertThat(s.calls).isZero();
  }

  @ParameterizedTest
  @ValueSource(longs = {21, 22, 23})
  void judge_beforeVsAfter_catchesRegressionInTheLastBatch(long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    ScaleSet all = Fleets.upgraded(Fleets.scaleSet(10), HealthState.HEALTHY,
        IntStream.range(0, 10).mapToObj(String::valueOf).toArray(String[]::new));
    Samples s = new Samples()
        .add(Metric.READINESS_TIME, ids(0, 10), 3, STARTED, around(random, 60), random)
        .add(Metric.READINESS_TIME, ids(0, 10), 3, NOW, around(random, 75), random);
    PerformanceGate gate = PerformanceGate.builder().source(s).threshold(READINESS_10).beforeVsAfter(true).build();

    PerformanceReport report = gate.judge(all, Fleets.NEW, Set.of(), STARTED, NOW);

    assertThat(report.overall()).isEqualTo(Classification.FAIL);
    assertThat(report.judgements()).extracting(MetricJudgement::comparison)
        .containsExactly(Comparison.BEFORE_VS_AFTER);
    assertThat(report.judgements().get(0).key()).isEqualTo("readiness-time.before-after");
    assertThat(report.measurements()).extracting(dev.osupgrade.health.Measurement::name)
        .contains("readiness-time.before-after.p");
  }

  @Test
  void judge_bothComparisons_oneJudgementEach() {
    SplittableRandom random = new SplittableRandom(5);
    Samples s = readiness(5, 1.0)
        .add(Metric.READINESS_TIME, ids(0, 10), 3, STARTED, around(random, 60), random);
    PerformanceGate gate = PerformanceGate.builder().source(s).threshold(READINESS_10).beforeVsAfter(true).build();

    PerformanceReport report = gate.judge(twentyWithTenUpgraded(), Fleets.NEW, Set.of(), STARTED, NOW);

    assertThat(report.judgements()).extracting(MetricJudgement::comparison)
        .containsExactly(Comparison.UPGRADED_VS_NOT_UPGRADED, Comparison.BEFORE_VS_AFTER);
    assertThat(report.overall()).isEqualTo(Classification.PASS);
  }

  @Test
  void judge_networkThroughputDrops_failsInTheLowerIsWorseDirection() {
    SplittableRandom random = new SplittableRandom(77);
    Samples drop = new Samples()
        .add(Metric.NETWORK_THROUGHPUT, ids(10, 20), 3, NOW, around(random, 1000), random)
        .add(Metric.NETWORK_THROUGHPUT, ids(0, 10), 3, NOW, around(random, 700), random);
    Samples rise = new Samples()
        .add(Metric.NETWORK_THROUGHPUT, ids(10, 20), 3, NOW, around(random, 1000), random)
        .add(Metric.NETWORK_THROUGHPUT, ids(0, 10), 3, NOW, around(random, 1300), random);
    SignalThreshold t = SignalThreshold.relative(Metric.NETWORK_THROUGHPUT, 0.10);

    PerformanceReport dropped = PerformanceGate.builder().source(drop).threshold(t).build()
        .judge(twentyWithTenUpgraded(), Fleets.NEW, Set.of(), STARTED, NOW);
    PerformanceReport rose = PerformanceGate.builder().source(rise).threshold(t).build()
        .judge(twentyWithTenUpgraded(), Fleets.NEW, Set.of(), STARTED, NOW);

    assertThat(dropped.overall()).isEqualTo(Classification.FAIL);
    assertThat(dropped.reason()).contains("Mbit/s vs ", "%, tolerance -10%), U=", "p=3.17e-12 < α 0.05");
    assertThat(dropped.judgements().get(0).worseBy()).isBetween(0.2, 0.4);
    assertThat(rose.overall()).isEqualTo(Classification.PASS);
  }

  @Test
  void judge_limitOnP95_failsWhenBrokenPassesWhenKept() {
    Samples s = new Samples();
    for (int i = 0; i < 10; i++) {
      s.all.add(MetricSample.of(String.valueOf(i), Metric.READINESS_TIME, 80 + i, NOW.minusSeconds(60)));
    }
    PerformanceReport kept = PerformanceGate.builder().source(s)
        .threshold(SignalThreshold.percentile(Metric.READINESS_TIME, 95, 90)).build()
        .judge(twentyWithTenUpgraded(), Fleets.NEW, Set.of(), STARTED, NOW);
    PerformanceReport broken = PerformanceGate.builder().source(s)
        .threshold(SignalThreshold.percentile(Metric.READINESS_TIME, 95, 88)).build()
        .judge(twentyWithTenUpgraded(), Fleets.NEW, Set.of(), STARTED, NOW);

    assertThat(kept.overall()).isEqualTo(Classification.PASS);
    assertThat(broken.overall()).isEqualTo(Classification.FAIL);
    assertThat(broken.reason()).isEqualTo("FAIL (score 0: 0 of 1 checks pass): readiness-time limit: FAIL - p95 of "
        + "upgraded instances is 88.55 s, limit p95 readiness-time ≤ 88 s (n=10)");
    assertThat(broken.measurements()).contains(dev.osupgrade.health.Measurement.of("readiness-time.p95.observed",
        88.55));
  }

  @Test
  void judge_limitWithTooFewSamples_marginal() {
    Samples s = new Samples();
    s.all.add(MetricSample.of("0", Metric.READINESS_TIME, 500, NOW.minusSeconds(60)));

    PerformanceReport r = PerformanceGate.builder().source(s)
        .threshold(SignalThreshold.percentile(Metric.READINESS_TIME, 95, 90)).build()
        .judge(twentyWithTenUpgraded(), Fleets.NEW, Set.of(), STARTED, NOW);

    assertThat(r.overall()).isEqualTo(Classification.MARGINAL);
  }

  @Test
  void judge_failedInstancesAndSamplesBeforeTheRollout_ignored() {
    SplittableRandom random = new SplittableRandom(3);
    // Instance 0 failed and was rolled back with terrible numbers; instances 1-9 had bad numbers only before the
    // rollout started (inside the window, which reaches back before the start).
    Samples s = readiness(3, 1.0)
        .add(Metric.READINESS_TIME, List.of("0"), 20, NOW, around(random, 300), random)
        .add(Metric.READINESS_TIME, ids(1, 10), 3, STARTED, around(random, 300), random);
    PerformanceGate gate = PerformanceGate.builder().source(s).threshold(READINESS_10)
        .window(Duration.ofHours(2)).build();

    PerformanceReport r = gate.judge(twentyWithTenUpgraded(), Fleets.NEW, Set.of("0"), STARTED, NOW);

    assertThat(r.overall()).isEqualTo(Classification.PASS);
    assertThat(r.judgements().get(0).upgradedSamples()).isEqualTo(27);
  }

  @Test
  void builder_thresholdsFromAReadinessRecord_judgedTogether() {
    dev.osupgrade.governance.ReadinessRecord record = dev.osupgrade.governance.ReadinessRecord.builder()
        .threshold(READINESS_10).threshold(SignalThreshold.percentile(Metric.READINESS_TIME, 95, 120)).build();
    PerformanceGate gate = PerformanceGate.builder().source(readiness(4, 1.0))
        .thresholds(record.expectedSignal().thresholds()).build();

    PerformanceReport report = gate.judge(twentyWithTenUpgraded(), Fleets.NEW, Set.of(), STARTED, NOW);

    assertThat(gate.thresholds()).isEqualTo(record.expectedSignal().thresholds());
    assertThat(report.judgements()).extracting(MetricJudgement::comparison)
        .containsExactly(Comparison.UPGRADED_VS_NOT_UPGRADED, Comparison.LIMIT);
    assertThat(report.overall()).isEqualTo(Classification.PASS);
    assertThat(report.score()).isEqualTo(100.0);
  }

  @Test
  void verdict_isPureForGovernedMode() {
    PerformanceGate gate = gate(readiness(1, 1.25));
    PerformanceReport report = gate.judge(twentyWithTenUpgraded(), Fleets.NEW, Set.of(), STARTED, NOW);

    assertThat(gate.verdict(report, 0, NOW)).isInstanceOf(GateVerdict.Fail.class);
    assertThat(gate.verdict(report, 7, NOW)).isInstanceOf(GateVerdict.Fail.class);
  }

  @Test
  void appliesTo_afterBatchByDefault_configurable() {
    PerformanceGate byDefault = gate(new Samples());
    PerformanceGate both = PerformanceGate.builder().source(new Samples()).threshold(READINESS_10)
        .phases(GatePhase.BEFORE_BATCH, GatePhase.AFTER_BATCH).name("perf-web").build();

    assertThat(byDefault.appliesTo(GatePhase.AFTER_BATCH)).isTrue();
    assertThat(byDefault.appliesTo(GatePhase.BEFORE_BATCH)).isFalse();
    assertThat(both.appliesTo(GatePhase.BEFORE_BATCH)).isTrue();
    assertThat(both.name()).isEqualTo("perf-web");
  }

  @Test
  void builder_badSettings_rejected() {
    assertThatThrownBy(() -> PerformanceGate.builder().threshold(READINESS_10).build())
        .isInstanceOf(InvalidValueException.class).hasMessage("source must be non-null, but was null");
    assertThatThrownBy(() -> PerformanceGate.builder().source(new Samples()).build())
        .isInstanceOf(InvalidValueException.class).hasMessageStartingWith("thresholds must be non-empty");
    assertThatThrownBy(() -> PerformanceGate.builder().threshold(READINESS_10)
        .threshold(SignalThreshold.relative(Metric.READINESS_TIME, 0.2)))
        .isInstanceOf(InvalidValueException.class).hasMessageStartingWith("threshold must be the only one of its kind");
    assertThatThrownBy(() -> PerformanceGate.builder().alpha(0)).isInstanceOf(InvalidValueException.class)
        .hasMessage("alpha must be in (0, 0.5], but was 0.0");
    assertThatThrownBy(() -> PerformanceGate.builder().minSamples(2)).isInstanceOf(InvalidValueException.class);
    assertThatThrownBy(() -> PerformanceGate.builder().source(new Samples()).threshold(READINESS_10)
        .upgradedVsNotUpgraded(false).build()).isInstanceOf(InvalidValueException.class)
        .hasMessageStartingWith("comparisons must be at least one of");
  }

  @Test
  void toString_summarisesSettings() {
    PerformanceGate gate = PerformanceGate.builder().source(new Samples()).threshold(READINESS_10)
        .threshold(SignalThreshold.percentile(Metric.READINESS_TIME, 95, 90)).beforeVsAfter(true).build();

    assertThat(gate).hasToString("performance[readiness-time ≤ +10% vs baseline, p95 readiness-time ≤ 90 s; upgraded "
        + "vs not upgraded + after vs before the upgrade; α 0.05; min 10 samples; window 30m; marginal: 3 waits of "
        + "5m, then pass with warning]");
  }
}
