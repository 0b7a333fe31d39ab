package dev.osupgrade.governance.performance;

/** A judge's verdict on one metric, or on all of them (Kayenta's pass / marginal / fail). */
public enum Classification {
  /** No regression beyond the tolerance. */
  PASS,
  /** Not enough evidence either way: too few samples, or a change beyond the tolerance that is not significant. */
  MARGINAL,
  /** A regression beyond the tolerance, significant at the configured level (or a broken absolute limit). */
  FAIL
}
