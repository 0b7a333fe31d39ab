package dev.osupgrade.policy;

import dev.osupgrade.Require;

/**
 * A whole percentage in [0, 100].
 *
 * @param value the percentage
 */
public record Percent(int value) implements Comparable<Percent> {
  /** Validates the range. */
  public Percent {
    Require.inRange("percent", value, 0, 100);
  }

  /**
   * Returns a percentage; reads well as a static import: {@code percent(20)}.
   *
   * @param value in [0, 100]
   * @return the percentage
   */
  public static Percent percent(int value) {
    return new Percent(value);
  }

  /**
   * Same as {@link #percent(int)}.
   *
   * @param value in [0, 100]
   * @return the percentage
   */
  public static Percent of(int value) {
    return new Percent(value);
  }

  /**
   * Says whether {@code part} out of {@code whole} is strictly more than this percentage, in exact integer arithmetic
   * (Azure's rule is "more than", so exactly 20% of 10 is not over 20%).
   *
   * @param part the counted items
   * @param whole all items; zero means nothing can be exceeded
   * @return true if {@code part / whole > value / 100}
   */
  public boolean isExceededBy(int part, int whole) {
    return whole > 0 && (long) part * 100 > (long) value * whole;
  }

  /**
   * Returns {@code floor(whole * value / 100)}.
   *
   * @param whole the number of items
   * @return the share, rounded down
   */
  public int floorOf(int whole) {
    return (int) ((long) whole * value / 100);
  }

  @Override
  public int compareTo(Percent other) {
    return Integer.compare(value, other.value);
  }

  @Override
  public String toString() {
    return value + "%";
  }
}
