package dev.osupgrade.governance;

import dev.osupgrade.Require;
import dev.osupgrade.port.Metric;
import java.util.Locale;

/**
 * One part of the expected signal: a number that says the upgrade went well. Either an absolute {@link Limit} on a
 * percentile of the upgraded instances ({@code p95 readiness-time ≤ 90 s}) or a {@link Relative} tolerance against
 * the instances not yet upgraded ({@code cpu ≤ +10% vs baseline}). The performance gate checks both kinds.
 */
public sealed interface SignalThreshold permits SignalThreshold.Limit, SignalThreshold.Relative {

  /** @return the metric the threshold is about */
  Metric metric();

  /**
   * An absolute limit on a percentile: {@code p95 readiness-time ≤ 90 s}.
   *
   * @param metric the metric
   * @param percentile e.g. 95
   * @param bound at most this for {@link Metric.Direction#HIGHER_IS_WORSE} metrics, at least this otherwise
   * @return the threshold
   */
  static Limit percentile(Metric metric, double percentile, double bound) {
    return new Limit(metric, percentile, bound);
  }

  /**
   * A tolerance relative to the baseline: {@code cpu ≤ +10% vs baseline}.
   *
   * @param metric the metric
   * @param tolerance the accepted relative change in the worse direction, e.g. 0.10 for 10%
   * @return the threshold
   */
  static Relative relative(Metric metric, double tolerance) {
    return new Relative(metric, tolerance);
  }

  /**
   * A percentile of the upgraded instances' samples must stay within a bound.
   *
   * @param metric the metric
   * @param percentile in (0, 100]
   * @param bound the bound, in the metric's unit
   */
  record Limit(Metric metric, double percentile, double bound) implements SignalThreshold {
    /** Validates the fields. */
    public Limit {
      Require.nonNull(metric, "metric");
      Require.that(percentile > 0 && percentile <= 100, "percentile", "in (0, 100]", percentile);
      Require.that(Double.isFinite(bound), "bound", "finite", bound);
    }

    /**
     * Says whether a value breaks the limit.
     *
     * @param value the observed percentile
     * @return true if it is on the wrong side of the bound
     */
    public boolean isBrokenBy(double value) {
      return metric.worse() == Metric.Direction.HIGHER_IS_WORSE ? value > bound : value < bound;
    }

    @Override
    public String toString() {
      return "p" + number(percentile) + " " + metric.name()
          + (metric.worse() == Metric.Direction.HIGHER_IS_WORSE ? " ≤ " : " ≥ ") + number(bound)
          + (metric.unit().isEmpty() ? "" : " " + metric.unit());
    }
  }

  /**
   * The upgraded instances may be worse than the baseline by at most a relative tolerance.
   *
   * @param metric the metric
   * @param tolerance in [0, 1): 0.10 accepts 10% worse
   */
  record Relative(Metric metric, double tolerance) implements SignalThreshold {
    /** Validates the fields. */
    public Relative {
      Require.nonNull(metric, "metric");
      Require.that(tolerance >= 0 && tolerance < 1, "tolerance", "in [0, 1)", tolerance);
    }

    /**
     * The value a baseline value may reach before it counts as a regression.
     *
     * @param baseline a baseline value
     * @return {@code baseline × (1 ± tolerance)}, in the worse direction
     */
    public double tolerated(double baseline) {
      return metric.worse() == Metric.Direction.HIGHER_IS_WORSE ? baseline * (1 + tolerance)
          : baseline * (1 - tolerance);
    }

    @Override
    public String toString() {
      boolean higherWorse = metric.worse() == Metric.Direction.HIGHER_IS_WORSE;
      return metric.name() + (higherWorse ? " ≤ +" : " ≥ -") + number(tolerance * 100) + "% vs baseline";
    }
  }

  private static String number(double v) {
    return v == Math.rint(v) && Math.abs(v) < 1e15 ? String.valueOf((long) v)
        : String.format(Locale.ROOT, "%.4g", v);
  }
}
