package dev.osupgrade.port;

import dev.osupgrade.Require;

/**
 * Something measured on each instance, with its unit and which way is worse. The constants cover what the
 * performance validation of an image change should look at (startup, readiness, CPU, memory, disk, network and
 * dependency latency); {@link #of(String, String, Direction)} adds an application's own.
 *
 * @param name a short, stable name used in measurements and reasons, e.g. {@code readiness-time}
 * @param unit the unit the samples are in, e.g. {@code s}, {@code ms} or {@code %}
 * @param worse which direction is a regression
 */
public record Metric(String name, String unit, Direction worse) {
  /** Seconds from the OS boot to the application process being up. */
  public static final Metric STARTUP_TIME = new Metric("startup-time", "s", Direction.HIGHER_IS_WORSE);
  /** Seconds from the OS boot to the instance reporting Healthy (ready for traffic). */
  public static final Metric READINESS_TIME = new Metric("readiness-time", "s", Direction.HIGHER_IS_WORSE);
  /** CPU utilisation in percent. */
  public static final Metric CPU = new Metric("cpu", "%", Direction.HIGHER_IS_WORSE);
  /** Memory in use, in percent. */
  public static final Metric MEMORY = new Metric("memory", "%", Direction.HIGHER_IS_WORSE);
  /** Disk latency in milliseconds. */
  public static final Metric DISK_LATENCY = new Metric("disk-latency", "ms", Direction.HIGHER_IS_WORSE);
  /** Network throughput in megabits per second: lower is worse. */
  public static final Metric NETWORK_THROUGHPUT =
      new Metric("network-throughput", "Mbit/s", Direction.LOWER_IS_WORSE);
  /** Latency of calls to the application's dependencies, in milliseconds. */
  public static final Metric DEPENDENCY_LATENCY =
      new Metric("dependency-latency", "ms", Direction.HIGHER_IS_WORSE);

  /** Validates the fields. */
  public Metric {
    Require.nonBlank("name", name);
    Require.that(name.strip().equals(name) && !name.contains(" "), "name", "free of spaces", name);
    Require.nonNull(unit, "unit");
    Require.nonNull(worse, "worse");
  }

  /**
   * An application's own metric.
   *
   * @param name its name, without spaces
   * @param unit its unit (may be empty)
   * @param worse which direction is a regression
   * @return the metric
   */
  public static Metric of(String name, String unit, Direction worse) {
    return new Metric(name, unit, worse);
  }

  /** Which direction of change is a regression. */
  public enum Direction {
    /** Larger values are worse (latency, time, utilisation). */
    HIGHER_IS_WORSE,
    /** Smaller values are worse (throughput, success rate). */
    LOWER_IS_WORSE
  }

  @Override
  public String toString() {
    return name;
  }
}
