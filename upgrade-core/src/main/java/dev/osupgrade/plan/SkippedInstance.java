package dev.osupgrade.plan;

import dev.osupgrade.Require;

/**
 * An instance the plan leaves alone, and why.
 *
 * @param instanceId the instance
 * @param reason why it is skipped
 */
public record SkippedInstance(String instanceId, Reason reason) {
  /** Validates the fields. */
  public SkippedInstance {
    Require.nonBlank("instanceId", instanceId);
    Require.nonNull(reason, "reason");
  }

  /** Why an instance is skipped. */
  public enum Reason {
    /** It already runs the target version. */
    ALREADY_ON_TARGET,
    /** It is protected from scale-set actions. */
    PROTECTED,
    /** A {@code ReadOnly} resource lock applies to its VM (Flexible orchestration's protection). */
    LOCKED
  }
}
