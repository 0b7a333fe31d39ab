package dev.osupgrade.governance.performance;

import dev.osupgrade.Durations;
import dev.osupgrade.ops.ErrorCodes;
import dev.osupgrade.ops.StopCode;
import dev.osupgrade.Require;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.ScaleSet;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.governance.SignalThreshold;
import dev.osupgrade.health.GateContext;
import dev.osupgrade.health.GatePhase;
import dev.osupgrade.health.GateVerdict;
import dev.osupgrade.health.HealthGate;
import dev.osupgrade.health.Measurement;
import dev.osupgrade.health.MetricQuery;
import dev.osupgrade.image.ImageVersion;
import dev.osupgrade.port.Metric;
import dev.osupgrade.port.MetricSample;
import dev.osupgrade.port.MetricsSource;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Performance validation as a gate: a Kayenta-style judge that compares the instances already on the target image
 * with the ones not yet upgraded (same traffic, same recent window) and, when asked, the upgraded instances now
 * with the same instances before the rollout, metric by metric, with a {@link MannWhitney} U test.
 *
 * <p>For each {@link SignalThreshold.Relative} threshold (say {@code readiness-time ≤ +10% vs baseline}):
 * <ul>
 *   <li>fewer than {@code minSamples} samples in either group: <b>MARGINAL</b> (never FAIL on too little data);</li>
 *   <li>the upgraded samples are significantly worse (one-sided, in the metric's worse direction, at {@code alpha})
 *       than the baseline samples moved by the tolerance ({@code baseline × 1.10}): <b>FAIL</b>;</li>
 *   <li>else the median looks worse by more than the tolerance, but not significantly: <b>MARGINAL</b>;</li>
 *   <li>else <b>PASS</b>.</li>
 * </ul>
 * A {@link SignalThreshold.Limit} ({@code p95 readiness-time ≤ 90 s}) checks the upgraded instances' percentile:
 * MARGINAL below {@code minSamples}, FAIL when broken, else PASS.
 *
 * <p><b>MARGINAL becomes a {@link GateVerdict.Wait}</b>: collect more samples and ask again after
 * {@code recheckAfter}, at most {@code maxMarginalWaits} times per scale set, target, phase and batch. When the
 * waits are used up, a still-marginal judgement passes with a warning in its reason (the default, as Kayenta lets a
 * marginal canary through to a human), or fails with {@value #INCONCLUSIVE} when {@code whenStillMarginal(FAIL)} is
 * set. The gate keeps no state: the wait count is the rollout's ({@link GateContext#waits()}, kept in its
 * checkpoint, so a rollout resumed in a new process counts on and the bound holds across restarts), and the samples are
 * read by the runner before the decision ({@link #reads}, handed over in {@link GateContext#samples}).
 *
 * <p>A FAIL stops the rollout with {@value #CODE}; the reason reads like a canary report, and the measurements carry
 * U, p, medians, the change in percent and the Hodges-Lehmann shift for each metric.
 *
 * <p>Orchestrated mode: add it with {@code RolloutOptions.builder().gate(gate)}; it is asked after each batch by
 * default. Governed platform mode: call {@link #judge} (pure) and {@link #verdict} with your own wait count.
 *
 * <p>Caveats: samples of one instance are not independent, so several samples per instance overstate the evidence
 * a little; an instance upgraded in the current window contributes samples from before and after its upgrade
 * (per-boot metrics such as readiness time avoid this). Samples of failed instances are ignored.
 */
public final class PerformanceGate implements HealthGate {
  /** The default name in events. */
  public static final String NAME = "performance";
  /** The stop code of a regression. */
  public static final String CODE = "PerformanceRegression"; // StopCode.PERFORMANCE_REGRESSION.azureName()
  /** The stop code when a judgement stays marginal and {@code whenStillMarginal(FAIL)} is set. */
  public static final String INCONCLUSIVE = "PerformanceInconclusive"; // StopCode.PERFORMANCE_INCONCLUSIVE

  /** What a judgement that is still marginal after the last wait becomes. */
  public enum StillMarginal {
    /** Pass, with a warning in the reason. */
    PASS_WITH_WARNING,
    /** Fail with {@value PerformanceGate#INCONCLUSIVE}. */
    FAIL
  }

  private final String name;
  private final MetricsSource source;
  private final List<SignalThreshold> thresholds;
  private final double alpha;
  private final int minSamples;
  private final Duration window;
  private final boolean upgradedVsNotUpgraded;
  private final boolean beforeVsAfter;
  private final Duration recheckAfter;
  private final int maxMarginalWaits;
  private final StillMarginal whenStillMarginal;
  private final Set<GatePhase> phases;

  private PerformanceGate(Builder b) {
    this.name = b.name;
    this.source = Require.nonNull(b.source, "source");
    this.thresholds = List.copyOf(b.thresholds.values());
    Require.that(!thresholds.isEmpty(), "thresholds", "non-empty (add at least one threshold)", "[]");
    this.alpha = b.alpha;
    this.minSamples = b.minSamples;
    this.window = b.window;
    this.upgradedVsNotUpgraded = b.upgradedVsNotUpgraded;
    this.beforeVsAfter = b.beforeVsAfter;
    Require.that(upgradedVsNotUpgraded || beforeVsAfter || thresholds.stream()
            .allMatch(t -> t instanceof SignalThreshold.Limit), "comparisons",
        "at least one of upgradedVsNotUpgraded and beforeVsAfter when there are relative thresholds", "none");
    this.recheckAfter = b.recheckAfter;
    this.maxMarginalWaits = b.maxMarginalWaits;
    this.whenStillMarginal = b.whenStillMarginal;
    this.phases = Set.copyOf(b.phases);
  }

  /** @return a builder with the defaults (alpha 0.05, 10 samples, 30-minute window, 3 waits of 5 minutes) */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public boolean appliesTo(GatePhase phase) {
    return phases.contains(Require.nonNull(phase, "phase"));
  }

  /** @return the thresholds judged, in the order given */
  public List<SignalThreshold> thresholds() {
    return thresholds;
  }

  /**
   * The reads a judgement at {@code now} needs: each threshold's metric over the window before {@code now}, and, with
   * before-vs-after, each relative threshold's metric over the window before the rollout started.
   */
  @Override
  public List<MetricQuery> reads(ScaleSetId scaleSet, Instant startedAt, Instant now) {
    Require.nonNull(scaleSet, "scaleSet");
    Require.instant("startedAt", startedAt);
    Require.instant("now", now);
    List<MetricQuery> reads = new ArrayList<>();
    for (SignalThreshold t : thresholds) {
      MetricQuery recent = new MetricQuery(source, scaleSet, t.metric(), now.minus(window), now);
      if (!reads.contains(recent)) {
        reads.add(recent);
      }
      if (beforeVsAfter && t instanceof SignalThreshold.Relative) {
        MetricQuery before = new MetricQuery(source, scaleSet, t.metric(), startedAt.minus(window), startedAt);
        if (!reads.contains(before)) {
          reads.add(before);
        }
      }
    }
    return reads;
  }

  /**
   * Judges the context's fleet from the samples the runner read ({@link GateContext#samples}; a context without them,
   * built by hand, makes the gate read them itself) and turns the report into a verdict with the context's wait count.
   * Changes nothing.
   */
  @Override
  public GateVerdict evaluate(GateContext context) {
    Require.nonNull(context, "context");
    PerformanceReport report = judge(context.fleet(), context.target(), context.failed(), context.startedAt(),
        context.now(), q -> context.samples(q).orElseGet(q::read));
    return verdict(report, context.waits(), context.now());
  }

  /**
   * Judges the fleet now, reading the samples from the metrics source (changes nothing).
   *
   * @param fleet the scale set as observed now
   * @param target the version being rolled out: instances running it are the upgraded group
   * @param excluded instances to leave out (for example those that failed and were rolled back)
   * @param startedAt when the rollout started: the "before" window ends here, and upgraded samples start here
   * @param now the current time
   * @return the report
   */
  public PerformanceReport judge(ScaleSet fleet, ImageVersion target, Set<String> excluded, Instant startedAt,
      Instant now) {
    return judge(fleet, target, excluded, startedAt, now, MetricQuery::read);
  }

  private PerformanceReport judge(ScaleSet fleet, ImageVersion target, Set<String> excluded, Instant startedAt,
      Instant now, Function<MetricQuery, List<MetricSample>> read) {
    Require.nonNull(fleet, "fleet");
    Require.nonNull(target, "target");
    Require.noNulls("excluded", excluded);
    Require.instant("startedAt", startedAt);
    Require.instant("now", now);
    Set<String> upgraded = new HashSet<>();
    Set<String> notUpgraded = new HashSet<>();
    for (Instance i : fleet.instances()) {
      if (excluded.contains(i.instanceId())) {
        continue;
      }
      (i.runs(target) ? upgraded : notUpgraded).add(i.instanceId());
    }
    List<MetricJudgement> judgements = new ArrayList<>();
    List<String> notes = new ArrayList<>();
    if (upgraded.isEmpty()) {
      notes.add("nothing to judge yet: no instance runs " + target);
      return new PerformanceReport(now, judgements, notes);
    }
    Instant from = now.minus(window);
    Instant upgradedFrom = from.isBefore(startedAt) ? startedAt : from;
    Map<Metric, List<MetricSample>> recent = new LinkedHashMap<>();
    Map<Metric, List<MetricSample>> before = new LinkedHashMap<>();
    boolean needsRelative = thresholds.stream().anyMatch(t -> t instanceof SignalThreshold.Relative);
    if (upgradedVsNotUpgraded && needsRelative && notUpgraded.isEmpty()) {
      notes.add("upgraded vs not upgraded: skipped, every instance runs " + target);
    }
    for (SignalThreshold t : thresholds) {
      Metric metric = t.metric();
      List<MetricSample> now0 = recent.computeIfAbsent(metric, m -> read.apply(new MetricQuery(source, fleet.id(), m, from, now)));
      double[] up = values(now0, upgraded, upgradedFrom);
      if (t instanceof SignalThreshold.Limit limit) {
        judgements.add(limit(limit, up));
        continue;
      }
      SignalThreshold.Relative relative = (SignalThreshold.Relative) t;
      if (upgradedVsNotUpgraded && !notUpgraded.isEmpty()) {
        judgements.add(relative(relative, Comparison.UPGRADED_VS_NOT_UPGRADED, values(now0, notUpgraded, from), up));
      }
      if (beforeVsAfter) {
        List<MetricSample> old = before.computeIfAbsent(metric,
            m -> read.apply(new MetricQuery(source, fleet.id(), m, startedAt.minus(window), startedAt)));
        judgements.add(relative(relative, Comparison.BEFORE_VS_AFTER, values(old, upgraded, startedAt.minus(window)),
            up));
      }
    }
    return new PerformanceReport(now, judgements, notes);
  }

  /**
   * Turns a report into a gate verdict (pure): FAIL fails, PASS passes, MARGINAL waits while {@code waitsSoFar} is
   * below {@code maxMarginalWaits}, then passes with a warning or fails, as configured.
   *
   * @param report the report
   * @param waitsSoFar how many times this judgement has already waited on a marginal result
   * @param now the current time
   * @return the verdict, whose measurements carry the numbers and {@code marginalWaits}
   */
  public GateVerdict verdict(PerformanceReport report, int waitsSoFar, Instant now) {
    Require.nonNull(report, "report");
    Require.atLeast("waitsSoFar", waitsSoFar, 0);
    Require.instant("now", now);
    List<Measurement> numbers = new ArrayList<>(report.measurements());
    numbers.add(Measurement.of("marginalWaits", waitsSoFar));
    Measurement[] m = numbers.toArray(new Measurement[0]);
    String reason = report.reason();
    switch (report.overall()) {
      case FAIL:
        return GateVerdict.fail(name, StopCode.PERFORMANCE_REGRESSION, reason, m);
      case MARGINAL:
        if (waitsSoFar < maxMarginalWaits) {
          return GateVerdict.waitUntil(name, "collecting more samples (wait " + (waitsSoFar + 1) + " of "
              + maxMarginalWaits + "): " + reason, now.plus(recheckAfter), m);
        }
        if (whenStillMarginal == StillMarginal.FAIL) {
          return GateVerdict.fail(name, StopCode.PERFORMANCE_INCONCLUSIVE, "still marginal after " + waitsSoFar + " waits: " + reason, m);
        }
        return GateVerdict.pass(name, "WARNING: still marginal after " + waitsSoFar
            + " waits, passing with a warning: " + reason, m);
      default:
        return GateVerdict.pass(name, reason, m);
    }
  }

  private static double[] values(List<MetricSample> samples, Set<String> instances, Instant notBefore) {
    return samples.stream()
        .filter(s -> instances.contains(s.instanceId()) && !s.at().isBefore(notBefore))
        .mapToDouble(MetricSample::value).toArray();
  }

  private MetricJudgement limit(SignalThreshold.Limit limit, double[] upgraded) {
    Metric metric = limit.metric();
    String pName = "p" + Numbers.plain(limit.percentile());
    if (upgraded.length < minSamples) {
      return new MetricJudgement(limit, Comparison.LIMIT, Classification.MARGINAL, 0, upgraded.length,
          limit.bound(), Double.NaN, Double.NaN, null, "too few samples: " + upgraded.length + " from upgraded instances, need "
          + minSamples + " to judge " + limit);
    }
    double observed = MannWhitney.percentile(upgraded, limit.percentile());
    boolean broken = limit.isBrokenBy(observed);
    String text = pName + " of upgraded instances is " + Numbers.plain(observed) + unit(metric) + ", limit "
        + limit + " (n=" + upgraded.length + ")";
    return new MetricJudgement(limit, Comparison.LIMIT, broken ? Classification.FAIL : Classification.PASS, 0,
        upgraded.length, limit.bound(), observed, Double.NaN, null, text);
  }

  private MetricJudgement relative(SignalThreshold.Relative threshold, Comparison comparison, double[] baseline,
      double[] upgraded) {
    Metric metric = threshold.metric();
    double baselineMedian = baseline.length == 0 ? Double.NaN : MannWhitney.median(baseline);
    double upgradedMedian = upgraded.length == 0 ? Double.NaN : MannWhitney.median(upgraded);
    if (baseline.length < minSamples || upgraded.length < minSamples) {
      return new MetricJudgement(threshold, comparison, Classification.MARGINAL, baseline.length, upgraded.length,
          baselineMedian, upgradedMedian, Double.NaN, null, "too few samples: " + baseline.length + " baseline and "
          + upgraded.length + " upgraded, need " + minSamples + " each");
    }
    double[] tolerated = new double[baseline.length];
    for (int i = 0; i < baseline.length; i++) {
      tolerated[i] = threshold.tolerated(baseline[i]);
    }
    boolean higherIsWorse = metric.worse() == Metric.Direction.HIGHER_IS_WORSE;
    MannWhitneyResult test = MannWhitney.test(tolerated, upgraded,
        higherIsWorse ? Alternative.GREATER : Alternative.LESS);
    double shift = MannWhitney.hodgesLehmann(baseline, upgraded);
    MetricJudgement probe = new MetricJudgement(threshold, comparison, Classification.PASS, baseline.length,
        upgraded.length, baselineMedian, upgradedMedian, shift, test, "-");
    double worseBy = probe.worseBy();
    String numbers = "median " + Numbers.plain(upgradedMedian) + unit(metric) + " vs "
        + Numbers.plain(baselineMedian) + unit(metric) + " (" + Numbers.signedPercent(higherIsWorse ? worseBy
        : -worseBy) + ", tolerance " + (higherIsWorse ? "+" : "-") + Numbers.plain(threshold.tolerance() * 100)
        + "%), U=" + Numbers.plain(test.uCandidate()) + ", p=" + Numbers.p(test.pValue());
    Classification c;
    String reason;
    if (test.isSignificant(alpha)) {
      c = Classification.FAIL;
      reason = numbers + " < α " + Numbers.plain(alpha) + ": worse beyond the tolerance";
    } else if (!Double.isNaN(worseBy) && worseBy > threshold.tolerance()) {
      c = Classification.MARGINAL;
      reason = numbers + " ≥ α " + Numbers.plain(alpha) + ": looks worse beyond the tolerance, not yet significant";
    } else {
      c = Classification.PASS;
      reason = numbers + ": within the tolerance";
    }
    return new MetricJudgement(threshold, comparison, c, baseline.length, upgraded.length, baselineMedian,
        upgradedMedian, shift, test, reason + " (n=" + baseline.length + "/" + upgraded.length + ")");
  }

  private static String unit(Metric metric) {
    if (metric.unit().isEmpty()) {
      return "";
    }
    return metric.unit().equals("%") ? "%" : " " + metric.unit();
  }

  @Override
  public String toString() {
    List<String> parts = new ArrayList<>();
    parts.add(String.join(", ", thresholds.stream().map(Object::toString).toList()));
    List<String> comparisons = new ArrayList<>();
    if (upgradedVsNotUpgraded) {
      comparisons.add(Comparison.UPGRADED_VS_NOT_UPGRADED.toString());
    }
    if (beforeVsAfter) {
      comparisons.add(Comparison.BEFORE_VS_AFTER.toString());
    }
    parts.add(String.join(" + ", comparisons));
    parts.add("α " + Numbers.plain(alpha));
    parts.add("min " + minSamples + " samples");
    parts.add("window " + Durations.words(window));
    parts.add("marginal: " + maxMarginalWaits + " waits of " + Durations.words(recheckAfter) + ", then "
        + whenStillMarginal.name().toLowerCase(Locale.ROOT).replace('_', ' '));
    return name + "[" + String.join("; ", parts) + "]";
  }

  /** Accumulates a gate's settings. Not thread-safe. */
  public static final class Builder {
    private String name = NAME;
    private @Nullable MetricsSource source;
    private final Map<String, SignalThreshold> thresholds = new LinkedHashMap<>();
    private double alpha = 0.05;
    private int minSamples = 10;
    private Duration window = Duration.ofMinutes(30);
    private boolean upgradedVsNotUpgraded = true;
    private boolean beforeVsAfter;
    private Duration recheckAfter = Duration.ofMinutes(5);
    private int maxMarginalWaits = 3;
    private StillMarginal whenStillMarginal = StillMarginal.PASS_WITH_WARNING;
    private final Set<GatePhase> phases = EnumSet.of(GatePhase.AFTER_BATCH);

    private Builder() {}

    /**
     * Sets where samples come from (required).
     *
     * @param value the metrics source
     * @return this builder
     */
    public Builder source(MetricsSource value) {
      this.source = Require.nonNull(value, "source");
      return this;
    }

    /**
     * Adds a threshold (at least one is required). One relative threshold per metric, and one limit per metric
     * and percentile.
     *
     * @param threshold the threshold
     * @return this builder
     */
    public Builder threshold(SignalThreshold threshold) {
      Require.nonNull(threshold, "threshold");
      String key = threshold instanceof SignalThreshold.Limit l
          ? threshold.metric().name() + ".p" + l.percentile() : threshold.metric().name();
      Require.that(!thresholds.containsKey(key), "threshold", "the only one of its kind for metric "
          + threshold.metric(), threshold);
      thresholds.put(key, threshold);
      return this;
    }

    /**
     * Adds thresholds, for example a readiness record's expected signal.
     *
     * @param values the thresholds
     * @return this builder
     */
    public Builder thresholds(List<? extends SignalThreshold> values) {
      Require.nonNull(values, "thresholds").forEach(this::threshold);
      return this;
    }

    /**
     * Sets the significance level of the one-sided test.
     *
     * @param value in (0, 0.5]
     * @return this builder
     */
    public Builder alpha(double value) {
      Require.that(value > 0 && value <= 0.5, "alpha", "in (0, 0.5]", value);
      this.alpha = value;
      return this;
    }

    /**
     * Sets the fewest samples per group needed to judge; fewer is MARGINAL, never FAIL.
     *
     * @param value at least 3
     * @return this builder
     */
    public Builder minSamples(int value) {
      this.minSamples = Require.atLeast("minSamples", value, 3);
      return this;
    }

    /**
     * Sets how far back samples are read (the same length is used before the rollout for before-vs-after).
     *
     * @param value positive, at most 30 days
     * @return this builder
     */
    public Builder window(Duration value) {
      this.window = Require.positive("window", value, Duration.ofDays(30));
      return this;
    }

    /**
     * Compares upgraded instances with the ones not yet upgraded (on by default).
     *
     * @param on the flag
     * @return this builder
     */
    public Builder upgradedVsNotUpgraded(boolean on) {
      this.upgradedVsNotUpgraded = on;
      return this;
    }

    /**
     * Also compares the upgraded instances with themselves before the rollout started (off by default; this is
     * the only comparison left in the last batch, when no instance remains on the old image).
     *
     * @param on the flag
     * @return this builder
     */
    public Builder beforeVsAfter(boolean on) {
      this.beforeVsAfter = on;
      return this;
    }

    /**
     * Sets how long a marginal judgement waits for more samples.
     *
     * @param value positive, at most 1 day
     * @return this builder
     */
    public Builder recheckAfter(Duration value) {
      this.recheckAfter = Require.positive("recheckAfter", value, Duration.ofDays(1));
      return this;
    }

    /**
     * Sets how many times a marginal judgement may wait before it is settled.
     *
     * @param value zero or more (zero settles marginal judgements at once)
     * @return this builder
     */
    public Builder maxMarginalWaits(int value) {
      this.maxMarginalWaits = Require.atLeast("maxMarginalWaits", value, 0);
      return this;
    }

    /**
     * Says what a judgement still marginal after the last wait becomes.
     *
     * @param value pass with a warning (the default) or fail
     * @return this builder
     */
    public Builder whenStillMarginal(StillMarginal value) {
      this.whenStillMarginal = Require.nonNull(value, "whenStillMarginal");
      return this;
    }

    /**
     * Sets the phases the gate is asked in (after each batch by default).
     *
     * @param values one or both phases
     * @return this builder
     */
    public Builder phases(GatePhase... values) {
      Require.that(Require.noNulls("phases", values).length > 0, "phases", "non-empty", "[]");
      phases.clear();
      for (GatePhase p : values) {
        phases.add(Require.nonNull(p, "phase"));
      }
      return this;
    }

    /**
     * Renames the gate (when a rollout has several).
     *
     * @param value a short name
     * @return this builder
     */
    public Builder name(String value) {
      this.name = Require.nonBlank("name", value);
      return this;
    }

    /** @return the gate */
    public PerformanceGate build() {
      return new PerformanceGate(this);
    }
  }
}
