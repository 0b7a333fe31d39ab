package dev.osupgrade.examples.metrics;

import dev.osupgrade.observe.MetricsListener;
import dev.osupgrade.observe.MetricsSink;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * osupgrade's metrics on a Micrometer {@link MeterRegistry}: a counter per name and tags, and a gauge per name and
 * tags that reads the value last set (Micrometer holds a gauge's object weakly, so this sink keeps them).
 *
 * <pre>{@code
 * MeterRegistry registry = new SimpleMeterRegistry();      // or Prometheus, OTLP, ... as the service has it
 * Rollout rollout = Rollout.builder(fleet, web).target(v2).clock(clock)
 *     .listener(MicrometerSink.listener(registry))         // osupgrade.instances{scale_set=..., state=...}, ...
 *     .build();
 * }</pre>
 */
public final class MicrometerSink implements MetricsSink {
  private final MeterRegistry registry;
  private final Map<String, Value> gauges = new ConcurrentHashMap<>();

  /** What a gauge reads. */
  private static final class Value {
    private volatile double value;
  }

  private MicrometerSink(MeterRegistry registry) {
    this.registry = registry;
  }

  /**
   * A sink on a registry.
   *
   * @param registry where the meters go
   * @return the sink
   */
  public static MicrometerSink on(MeterRegistry registry) {
    return new MicrometerSink(registry);
  }

  /**
   * A {@link MetricsListener} whose numbers go to a registry: the one line a service needs.
   *
   * @param registry where the meters go
   * @return the listener, for {@code Rollout.Builder.listener}, {@code RingRollout.Builder.rolloutListener} (and
   *     {@code listener(metrics)}) or {@code RolloutRunner.Builder.listener(metrics::onRunnerEvent)}
   */
  public static MetricsListener listener(MeterRegistry registry) {
    return MetricsListener.to(on(registry));
  }

  @Override
  public void count(String name, Map<String, String> tags, long amount) {
    registry.counter(name, tags(tags)).increment(amount);
  }

  @Override
  public void gauge(String name, Map<String, String> tags, double value) {
    gauges.computeIfAbsent(name + new TreeMap<>(tags), key -> {
      Value v = new Value();
      Gauge.builder(name, v, x -> x.value).tags(tags(tags)).register(registry);
      return v;
    }).value = value;
  }

  private static Tags tags(Map<String, String> tags) {
    List<Tag> list = new ArrayList<>();
    tags.forEach((k, v) -> list.add(Tag.of(k, v)));
    return Tags.of(list);
  }

  @Override
  public String toString() {
    return "MicrometerSink[" + registry.getClass().getSimpleName() + "]";
  }
}
