package dev.osupgrade.health;

import dev.osupgrade.Require;
import java.util.Locale;

/**
 * One number behind a gate's verdict, e.g. {@code unhealthy=3}.
 *
 * @param name what was measured
 * @param value the number
 */
public record Measurement(String name, double value) {
  /** Validates the name. */
  public Measurement {
    Require.nonBlank("name", name);
  }

  /**
   * Creates a measurement.
   *
   * @param name what was measured
   * @param value the number
   * @return the measurement
   */
  public static Measurement of(String name, double value) {
    return new Measurement(name, value);
  }

  @Override
  public String toString() {
    return value == Math.rint(value) && Math.abs(value) < 1e15
        ? name + "=" + (long) value
        : name + "=" + String.format(Locale.ROOT, "%.4g", value);
  }
}
