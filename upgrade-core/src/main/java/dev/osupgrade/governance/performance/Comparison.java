package dev.osupgrade.governance.performance;

/** What a {@link MetricJudgement} compared. */
public enum Comparison {
  /** Upgraded instances against the instances not yet upgraded, over the same recent window (same traffic). */
  UPGRADED_VS_NOT_UPGRADED("upgraded vs not upgraded"),
  /** The upgraded instances now against the same instances before the rollout started. */
  BEFORE_VS_AFTER("after vs before the upgrade"),
  /** A percentile of the upgraded instances against an absolute limit. */
  LIMIT("limit");

  private final String words;

  Comparison(String words) {
    this.words = words;
  }

  @Override
  public String toString() {
    return words;
  }
}
