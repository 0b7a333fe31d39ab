package dev.osupgrade.governance;

import java.util.List;

/**
 * What a readiness record can lack, or get wrong for a given scale set. Each item carries the sentence an operator
 * reads; {@link ReadinessGap} may make it more specific.
 */
public enum ReadinessItem {
  /** No owning team. */
  OWNER_TEAM("Owner", "Name the owning team: who is accountable for OS image upgrades of this scale set."),
  /** No contact for the owner. */
  OWNER_CONTACT("Owner", "Give the owner's contact (on-call alias, channel or e-mail) so that operators can reach "
      + "them during an upgrade."),
  /** No health source named. */
  HEALTH_SOURCE("Expected signal", "Say which health signal gates the upgrade: the Application Health extension "
      + "or a load balancer probe."),
  /** No metric thresholds. */
  SIGNAL_THRESHOLDS("Expected signal", "List at least one metric threshold that shows the upgrade went well, e.g. "
      + "p95 readiness-time ≤ 90 s or cpu ≤ +10% vs baseline."),
  /** No scale sets or regions in the boundary. */
  BOUNDARY_SCOPE("Rollout boundary", "Say which scale sets or regions the rollout may touch."),
  /** No limit on how much may change at once. */
  BOUNDARY_AT_ONCE("Rollout boundary", "Say how many instances, or what percent, may be upgraded at once."),
  /** No ring order. */
  RING_ORDER("Rollout boundary", "Give the ring order (for example canary, pilot, broad), even if it is a single "
      + "ring."),
  /** Automatic rollback neither on nor off. */
  ROLLBACK_MODE("Rollback path", "Decide whether automatic rollback is on or off."),
  /** No operator runbook step. */
  ROLLBACK_RUNBOOK("Rollback path", "Write the operator's rollback step in words: what to run, and who decides."),
  /** The scale set is not inside the record's rollout boundary. */
  OUTSIDE_BOUNDARY("Rollout boundary", "The scale set is outside the record's rollout boundary."),
  /** The scale set does not report health through the record's health source. */
  HEALTH_SOURCE_MISMATCH("Expected signal", "The scale set does not report health through the record's health "
      + "source."),
  /** The upgrade policy's batch is larger than the boundary allows at once. */
  BATCH_EXCEEDS_BOUNDARY("Rollout boundary", "The upgrade policy's batch is larger than the boundary allows at "
      + "once."),
  /** The scale set's automatic rollback setting differs from the record's. */
  ROLLBACK_MISMATCH("Rollback path", "The scale set's automatic rollback setting differs from the record's.");

  /**
   * The four sections of a readiness record, in the record's order: what {@link #section()} returns, and the lines of
   * {@link ReadinessCheck#sectionLines()}.
   */
  public static final List<String> SECTIONS = List.of("Owner", "Expected signal", "Rollout boundary",
      "Rollback path");

  private final String section;
  private final String sentence;

  ReadinessItem(String section, String sentence) {
    this.section = section;
    this.sentence = sentence;
  }

  /** @return the record's section: Owner, Expected signal, Rollout boundary or Rollback path */
  public String section() {
    return section;
  }

  /** @return what to do, as a sentence */
  public String sentence() {
    return sentence;
  }
}
