/**
 * Performance validation of an image change: a Kayenta-style judge, {@link
 * dev.osupgrade.governance.performance.PerformanceGate}, that compares upgraded instances with the ones not yet
 * upgraded (and the same instances before and after), metric by metric, and reads its samples from a {@link
 * dev.osupgrade.port.MetricsSource}, with a Mann-Whitney U test (its statistics are package-private; the results are
 * {@link dev.osupgrade.governance.performance.MannWhitneyResult}s in the report).
 */
@NullMarked
package dev.osupgrade.governance.performance;

import org.jspecify.annotations.NullMarked;
