package dev.osupgrade.governance.performance;

import dev.osupgrade.Require;
import dev.osupgrade.governance.SignalThreshold;
import dev.osupgrade.health.Measurement;
import dev.osupgrade.port.Metric;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The judgement of one threshold in one comparison.
 *
 * @param threshold the threshold judged
 * @param comparison what was compared
 * @param classification pass, marginal or fail
 * @param baselineSamples how many baseline samples there were (for a limit: 0)
 * @param upgradedSamples how many samples of upgraded instances there were
 * @param baselineValue the baseline's median (for a limit: the bound), NaN when there were no samples
 * @param upgradedValue the upgraded instances' median (for a limit: the observed percentile), NaN when none
 * @param shift the Hodges-Lehmann estimate of how much the upgraded values exceed the baseline (the median of all
 *     pairwise differences, in the metric's unit); NaN for a limit or when there were too few samples
 * @param test the decisive test (upgraded against the baseline moved by the tolerance), or null for a limit or
 *     when there were too few samples
 * @param reason the judgement in words, with the numbers
 */
public record MetricJudgement(
    SignalThreshold threshold,
    Comparison comparison,
    Classification classification,
    int baselineSamples,
    int upgradedSamples,
    double baselineValue,
    double upgradedValue,
    double shift,
    @Nullable MannWhitneyResult test,
    String reason) {

  /** Validates the fields. */
  public MetricJudgement {
    Require.nonNull(threshold, "threshold");
    Require.nonNull(comparison, "comparison");
    Require.nonNull(classification, "classification");
    Require.atLeast("baselineSamples", baselineSamples, 0);
    Require.atLeast("upgradedSamples", upgradedSamples, 0);
    Require.nonBlank("reason", reason);
  }

  /** @return the decisive test, when one ran */
  public Optional<MannWhitneyResult> mannWhitney() {
    return Optional.ofNullable(test);
  }

  /**
   * The relative change of the upgraded median against the baseline median, signed so that positive is worse.
   *
   * @return e.g. 0.25 for 25% worse; NaN for a limit or without a baseline
   */
  public double worseBy() {
    if (comparison == Comparison.LIMIT || baselineValue == 0 || Double.isNaN(baselineValue)
        || Double.isNaN(upgradedValue)) {
      return Double.NaN;
    }
    double change = upgradedValue / baselineValue - 1;
    return threshold.metric().worse() == Metric.Direction.HIGHER_IS_WORSE ? change : -change;
  }

  /**
   * The measurement name prefix: {@code readiness-time} (upgraded vs not upgraded),
   * {@code readiness-time.before-after}, or {@code readiness-time.p95} (a limit on the 95th percentile).
   *
   * @return the prefix
   */
  public String key() {
    switch (comparison) {
      case BEFORE_VS_AFTER:
        return threshold.metric().name() + ".before-after";
      case LIMIT:
        return threshold.metric().name() + ".p" + Numbers.plain(((SignalThreshold.Limit) threshold).percentile());
      default:
        return threshold.metric().name();
    }
  }

  /**
   * The numbers behind the judgement, named {@code <key>.<number>}: {@code class} (0 pass, 1 marginal, 2 fail),
   * then for a comparison {@code nBaseline}, {@code nUpgraded}, {@code baselineMedian}, {@code upgradedMedian},
   * {@code worsePercent} and, when the test ran, {@code u}, {@code p} and {@code shift} (Hodges-Lehmann, upgraded minus
   * baseline); for a limit {@code observed}, {@code bound} and {@code nUpgraded}.
   *
   * @return the measurements
   */
  public List<Measurement> measurements() {
    List<Measurement> out = new ArrayList<>();
    String k = key();
    out.add(Measurement.of(k + ".class", classification.ordinal()));
    if (comparison == Comparison.LIMIT) {
      out.add(Measurement.of(k + ".observed", upgradedValue));
      out.add(Measurement.of(k + ".bound", baselineValue));
      out.add(Measurement.of(k + ".nUpgraded", upgradedSamples));
      return out;
    }
    out.add(Measurement.of(k + ".nBaseline", baselineSamples));
    out.add(Measurement.of(k + ".nUpgraded", upgradedSamples));
    out.add(Measurement.of(k + ".baselineMedian", baselineValue));
    out.add(Measurement.of(k + ".upgradedMedian", upgradedValue));
    out.add(Measurement.of(k + ".worsePercent", 100 * worseBy()));
    if (test != null) {
      out.add(Measurement.of(k + ".u", test.uCandidate()));
      out.add(Measurement.of(k + ".p", test.pValue()));
      out.add(Measurement.of(k + ".shift", shift));
    }
    return out;
  }

  @Override
  public String toString() {
    return threshold.metric().name() + " " + comparison + ": " + classification + " - " + reason;
  }
}
