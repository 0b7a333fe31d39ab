package dev.osupgrade.governance.performance;

/** How a Mann-Whitney test's p-value is computed. */
public enum PValueMethod {
  /** Exact when there are no ties and both samples are small (fewer than 50 values each), else the normal one. */
  AUTO,
  /** The exact distribution of U; refused when there are ties. */
  EXACT,
  /** The normal approximation with tie and continuity corrections. */
  NORMAL
}
