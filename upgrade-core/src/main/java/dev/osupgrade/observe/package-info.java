/**
 * Watching rollouts from outside: what an operator reads and what a platform collects, all built on the public
 * events ({@link dev.osupgrade.event.RolloutEvent}, {@link dev.osupgrade.event.RingEvent},
 * {@link dev.osupgrade.service.RunnerEvent}) and none with a dependency beyond the JDK.
 *
 * <ul>
 *   <li>{@link dev.osupgrade.observe.OperatorLog}: the log an operator reads, in two modes: {@code detailed} (every
 *       event as its line) and {@code summary} (one line per batch and gate, with percent done and time to go from
 *       the plan's estimate).
 *   <li>{@link dev.osupgrade.observe.LoggingListener}: every event through {@link java.lang.System.Logger} with a
 *       level (debug for instances, info for progress, warning for stalls, instance failures and fallbacks, error for
 *       faults), so that SLF4J or Logback users get it through the JDK platform logging bridge.
 *   <li>{@link dev.osupgrade.observe.JsonLines}: every event as one JSON object per line, with stable field names
 *       (the schema is on that class).
 *   <li>{@link dev.osupgrade.observe.MetricsListener}: counters and gauges through the tiny
 *       {@link dev.osupgrade.observe.MetricsSink} SPI, shaped for Micrometer or OpenTelemetry.
 * </ul>
 *
 * <p>Each listener takes a rollout's events as a {@link dev.osupgrade.event.RolloutListener}, a ring rollout's with
 * {@code onRingEvent} and a service runner's with {@code onRunnerEvent} (pass them as method references), and may be
 * shared by any number of rollouts on any threads.
 */
@NullMarked
package dev.osupgrade.observe;

import org.jspecify.annotations.NullMarked;
