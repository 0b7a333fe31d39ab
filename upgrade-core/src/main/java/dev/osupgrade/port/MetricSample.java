package dev.osupgrade.port;

import dev.osupgrade.Require;
import java.time.Instant;

/**
 * One observation of a metric on one instance.
 *
 * @param instanceId the instance it was measured on
 * @param metric what was measured
 * @param value the value, in the metric's unit; finite
 * @param at when it was measured
 */
public record MetricSample(String instanceId, Metric metric, double value, Instant at) {
  /** Validates the fields. */
  public MetricSample {
    Require.nonBlank("instanceId", instanceId);
    Require.nonNull(metric, "metric");
    Require.that(Double.isFinite(value), "value", "finite", value);
    Require.nonNull(at, "at");
  }

  /**
   * Creates a sample.
   *
   * @param instanceId the instance
   * @param metric the metric
   * @param value the value
   * @param at when
   * @return the sample
   */
  public static MetricSample of(String instanceId, Metric metric, double value, Instant at) {
    return new MetricSample(instanceId, metric, value, at);
  }

  @Override
  public String toString() {
    return metric + "[" + instanceId + "]=" + value + metric.unit() + " at " + at;
  }
}
