package dev.osupgrade.port;

import dev.osupgrade.fleet.ScaleSetId;
import java.time.Instant;
import java.util.List;

/**
 * Where per-instance metrics come from (Azure Monitor, Prometheus, the application's own telemetry, or the
 * simulator). The performance gate reads it to compare upgraded instances with the ones not yet upgraded, and the
 * same instances before and after their upgrade.
 *
 * <p>Per-boot metrics such as {@link Metric#STARTUP_TIME} and {@link Metric#READINESS_TIME} give one sample per
 * boot, stamped when the boot finished; continuous metrics give one sample per instance per scrape interval.
 */
public interface MetricsSource {

  /**
   * Lists the samples of one metric for every instance of a scale set, measured in {@code [from, to)}.
   *
   * @param scaleSet the scale set
   * @param metric the metric
   * @param from the first instant included
   * @param to the first instant excluded
   * @return the samples, in any order; empty when there are none
   */
  List<MetricSample> samples(ScaleSetId scaleSet, Metric metric, Instant from, Instant to);
}
