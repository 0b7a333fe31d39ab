package dev.osupgrade.governance.performance;

/** The alternative hypothesis of a two-sample test, stated for the candidate sample against the baseline. */
public enum Alternative {
  /** The candidate's distribution differs from the baseline's, in either direction. */
  TWO_SIDED,
  /** The candidate tends to be larger than the baseline (one-sided). */
  GREATER,
  /** The candidate tends to be smaller than the baseline (one-sided). */
  LESS
}
