package dev.osupgrade.ops;

import dev.osupgrade.Require;
import dev.osupgrade.image.ImageReference;
import java.util.List;
import java.util.stream.Collectors;

/**
 * What the final full read of a rollout showed before it said {@code Completed}: the model and every instance of the
 * scale set, read together. Each instance is either on the target and Healthy, or listed in {@link #explained()} with
 * the reason it is not — so {@code Completed} is a fact about the fleet, not about the rollout's own bookkeeping.
 *
 * @param model the model image as read
 * @param modelOnTarget whether the model points at the target (always true for a rollout that pins the model)
 * @param instances how many instances the read showed
 * @param onTargetAndHealthy how many of them run the target and report Healthy
 * @param explained every other instance, with the reason
 */
public record FleetVerification(ImageReference model, boolean modelOnTarget, int instances, int onTargetAndHealthy,
    List<Explained> explained) {

  /** Validates and copies. */
  public FleetVerification {
    Require.nonNull(model, "model");
    Require.atLeast("instances", instances, 0);
    Require.inRange("onTargetAndHealthy", onTargetAndHealthy, 0, instances);
    explained = List.copyOf(Require.noNulls("explained", explained));
    Require.that(onTargetAndHealthy + explained.size() == instances, "explained",
        "one entry for each of the " + (instances - onTargetAndHealthy) + " instances not on the target and healthy",
        explained.size());
  }

  /**
   * Says how many instances are explained for one reason.
   *
   * @param reason the reason
   * @return the count
   */
  public int count(Reason reason) {
    return (int) explained.stream().filter(e -> e.reason() == reason).count();
  }

  @Override
  public String toString() {
    String summary = "model " + (modelOnTarget ? "on the target" : "on " + model) + ", " + onTargetAndHealthy + " of "
        + instances + " instances on the target and healthy";
    if (explained.isEmpty()) {
      return summary;
    }
    return summary + "; " + explained.stream().map(Explained::toString).collect(Collectors.joining("; "));
  }

  /** Why an instance is not on the target and healthy at the end of a completed rollout. */
  public enum Reason {
    /** It failed in the rollout (and was rolled back, unless rollback was off or failed). */
    FAILED,
    /** It is protected from scale-set actions, so the rollout left it alone. */
    PROTECTED,
    /** It runs the target but does not report Healthy now. */
    UNHEALTHY_ON_TARGET,
    /** It succeeded in the rollout but runs another image now (reimaged or rolled back by someone else). */
    DRIFTED,
    /** The rollout did not upgrade it for another reason, named in the detail. */
    NOT_UPGRADED
  }

  /**
   * One instance that is not on the target and healthy, and why.
   *
   * @param instanceId the instance
   * @param reason the reason
   * @param detail what the read showed, in words
   */
  public record Explained(String instanceId, Reason reason, String detail) {
    /** Validates the fields. */
    public Explained {
      Require.nonBlank("instanceId", instanceId);
      Require.nonNull(reason, "reason");
      detail = dev.osupgrade.Redaction.redact(Require.nonNull(detail, "detail"));
    }

    @Override
    public String toString() {
      return instanceId + " " + reason.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ') + " (" + detail
          + ")";
    }
  }
}
