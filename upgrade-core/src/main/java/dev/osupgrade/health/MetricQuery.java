package dev.osupgrade.health;

import dev.osupgrade.Require;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.port.Metric;
import dev.osupgrade.port.MetricSample;
import dev.osupgrade.port.MetricsSource;
import java.time.Instant;
import java.util.List;

/**
 * A read of metric samples that a gate needs to decide ({@link HealthGate#reads}). The runner makes the read before
 * the decision step and hands the samples to the gate in {@link GateContext#samples}, so the gate itself reads
 * nothing while it decides.
 *
 * @param source where the samples come from
 * @param scaleSet the scale set
 * @param metric the metric
 * @param from the start of the window, inclusive
 * @param to the end of the window
 */
public record MetricQuery(MetricsSource source, ScaleSetId scaleSet, Metric metric, Instant from, Instant to) {
  /** Validates the fields. */
  public MetricQuery {
    Require.nonNull(source, "source");
    Require.nonNull(scaleSet, "scaleSet");
    Require.nonNull(metric, "metric");
    Require.instant("from", from);
    Require.instant("to", to);
    Require.that(!to.isBefore(from), "to", "not before from (" + from + ")", to);
  }

  /**
   * Makes the read (the runner's part; a gate never calls it while it decides).
   *
   * @return the samples, empty when the source has none
   */
  public List<MetricSample> read() {
    List<MetricSample> samples = source.samples(scaleSet, metric, from, to);
    return samples == null ? List.of() : List.copyOf(samples);
  }

  @Override
  public String toString() {
    return metric.name() + " of " + scaleSet + " from " + from + " to " + to;
  }
}
