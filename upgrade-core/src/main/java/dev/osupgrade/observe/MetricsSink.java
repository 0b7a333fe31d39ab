package dev.osupgrade.observe;

import java.util.Map;

/**
 * Where {@link MetricsListener} sends its numbers: a counter to add to, or a gauge to set, by name and tags. The
 * whole SPI is these two calls, so that the core needs no metrics library; an application adapts it to its own in a
 * few lines (Micrometer: {@code registry.counter(name, tags).increment(amount)} and a gauge over a value it keeps;
 * OpenTelemetry: a {@code LongCounter.add(amount, attributes)} and a {@code DoubleGauge.set(value, attributes)}). The
 * examples module wires it to Micrometer ({@code MicrometerSink}).
 *
 * <p>Names are dotted and lower case ({@code osupgrade.instances.healthy}), tag keys snake case
 * ({@code scale_set}); the same name always comes with the same tag keys. Calls come on the thread that drives the
 * rollout, possibly several at once when rollouts run in parallel: an implementation must be thread-safe.
 */
public interface MetricsSink {
  /**
   * Adds to a counter, a count that only grows (events that happened).
   *
   * @param name the counter's name, e.g. {@code osupgrade.batches.completed}
   * @param tags its tags, e.g. {@code {scale_set=shop-prod/web}}
   * @param amount how much to add, at least 1
   */
  void count(String name, Map<String, String> tags, long amount);

  /**
   * Sets a gauge, a value that goes up and down (how things stand).
   *
   * @param name the gauge's name, e.g. {@code osupgrade.instances}
   * @param tags its tags, e.g. {@code {scale_set=shop-prod/web, state=pending}}
   * @param value its value now
   */
  void gauge(String name, Map<String, String> tags, double value);
}
