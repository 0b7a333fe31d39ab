package dev.osupgrade.diagnosis;

import dev.osupgrade.Require;
import java.util.List;

/**
 * Why a rollout failed, as far as its events and the fleet show: the likely cause, the evidence, and what to do next.
 *
 * @param cause the likely cause
 * @param summary one sentence
 * @param evidence the facts behind it
 * @param nextSteps what an operator does now
 */
public record Diagnosis(Cause cause, String summary, List<String> evidence, List<String> nextSteps) {
  /** Copies the lists. */
  public Diagnosis {
    Require.nonNull(cause, "cause");
    Require.nonNull(summary, "summary");
    evidence = List.copyOf(Require.noNulls("evidence", evidence));
    nextSteps = List.copyOf(Require.noNulls("nextSteps", nextSteps));
  }

  /** The likely causes, as the seed's operations guidance names them. */
  public enum Cause {
    /** Nothing failed. */
    NONE,
    /** The new image: instances on it do not boot or report unhealthy, and recover on the old one. */
    NEW_IMAGE,
    /** The new image is slower or heavier (a performance gate failed). */
    PERFORMANCE_REGRESSION,
    /** Extensions failed to provision after the OS came up (extension sequencing, bootstrap scripts). */
    EXTENSION_SEQUENCING,
    /** The application starts too slowly, or fails on some instances only, whatever the image. */
    APPLICATION_STARTUP,
    /** The image version is not (yet) available in the scale set's region. */
    REGIONAL_REPLICATION,
    /** No capacity or quota for the upgrade or the surge instances. */
    CAPACITY,
    /** Instances outside the rollout went unhealthy while it ran (maintenance, a zone outage). */
    CONCURRENT_MAINTENANCE,
    /** Too much of the set was unhealthy before the rollout began. */
    UNHEALTHY_BEFORE_ROLLOUT,
    /** A governance rule (trust, readiness) refused the rollout. */
    GOVERNANCE_REFUSAL,
    /**
     * The platform accepted an instance's upgrade requests and never applied them: the instance was left out of the
     * listings and never ran the new image ({@link dev.osupgrade.ops.StopCode#UPGRADE_NOT_APPLIED}).
     */
    UPGRADE_NOT_APPLIED,
    /** The events do not point to one cause. */
    UNKNOWN
  }

  @Override
  public String toString() {
    StringBuilder b = new StringBuilder("Diagnosis: ").append(cause).append(" - ").append(summary);
    evidence.forEach(e -> b.append("\n  evidence: ").append(e));
    nextSteps.forEach(s -> b.append("\n  next: ").append(s));
    return b.toString();
  }
}
