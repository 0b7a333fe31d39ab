/**
 * Performance validation of an image change: a Mann-Whitney U test ({@link
 * dev.osupgrade.governance.performance.MannWhitney}) and a Kayenta-style judge, {@link
 * dev.osupgrade.governance.performance.PerformanceGate}, that compares upgraded instances with the ones not yet
 * upgraded (and the same instances before and after), metric by metric, and reads its samples from a {@link
 * dev.osupgrade.port.MetricsSource}.
 */
@NullMarked
package dev.osupgrade.governance.performance;

import org.jspecify.annotations.NullMarked;
