package dev.osupgrade.governance;

import dev.osupgrade.Require;

/**
 * One thing missing from (or wrong in) a readiness record.
 *
 * @param item what is missing
 * @param sentence what to do, as a sentence an operator reads
 */
public record ReadinessGap(ReadinessItem item, String sentence) {
  /** Validates the fields. */
  public ReadinessGap {
    Require.nonNull(item, "item");
    Require.nonBlank("sentence", sentence);
  }

  /**
   * The gap with the item's own sentence.
   *
   * @param item the item
   * @return the gap
   */
  public static ReadinessGap of(ReadinessItem item) {
    return new ReadinessGap(item, Require.nonNull(item, "item").sentence());
  }

  @Override
  public String toString() {
    return item + ": " + sentence;
  }
}
