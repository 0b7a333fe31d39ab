/**
 * The core's {@link dev.osupgrade.observe.MetricsSink} wired to one real metrics library, Micrometer
 * ({@link dev.osupgrade.examples.metrics.MicrometerSink}): the core depends on no metrics library; an application
 * adapts the two-method SPI to its own in a class like this one.
 */
@NullMarked
package dev.osupgrade.examples.metrics;

import org.jspecify.annotations.NullMarked;
