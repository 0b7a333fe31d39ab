package dev.osupgrade.estate;

import dev.osupgrade.Durations;
import dev.osupgrade.Redaction;
import dev.osupgrade.Require;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.image.ImageVersion;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * What a rehearsal of a ring on a twin showed: the plan each scale set followed, how long the ring took (its
 * predicted makespan), and how low the healthy share of any scale set dropped while it was upgraded. The governor
 * judges it against the desired state's {@link RehearsalBudget}; a breach (or a problem the twin met) blocks the ring.
 *
 * @param family the image family's name
 * @param ring the ring's name
 * @param target the version rehearsed
 * @param scaleSets how many scale sets the twin held
 * @param instances how many instances
 * @param plan one line per scale set: its batches as the twin ran them
 * @param predictedMakespan from the ring's start to its last scale set upgraded and healthy, at most 30 days
 * @param lowestHealthyPercent the lowest healthy share (0 to 100) of any scale set during the rehearsal
 * @param lowestAt the scale set where it was lowest, or null when none dropped
 * @param problems what went wrong on the twin (a rollout that faulted, one that did not finish); empty when nothing
 */
public record RehearsalResult(String family, String ring, ImageVersion target, int scaleSets, int instances,
    List<String> plan, Duration predictedMakespan, int lowestHealthyPercent, @Nullable ScaleSetId lowestAt,
    List<String> problems) {

  /** Validates, copies and masks secrets in the free text. */
  public RehearsalResult {
    Require.name("family", family, 64);
    Require.name("ring", ring, 256);
    Require.nonNull(target, "target");
    Require.atLeast("scaleSets", scaleSets, 0);
    Require.atLeast("instances", instances, 0);
    plan = Require.noNulls("plan", plan).stream().map(Redaction::redact).toList();
    Require.nonNegative("predictedMakespan", predictedMakespan, RehearsalBudget.MAX_MAKESPAN);
    Require.inRange("lowestHealthyPercent", lowestHealthyPercent, 0, 100);
    problems = Require.noNulls("problems", problems).stream().map(Redaction::redact).toList();
  }

  /** @return the scale set where healthy capacity was lowest, if any dropped */
  public Optional<ScaleSetId> lowestAtIfAny() {
    return Optional.ofNullable(lowestAt);
  }

  /**
   * Judges the rehearsal against a budget.
   *
   * @param budget the budget
   * @return why the ring must not start, or empty when it may
   */
  public Optional<String> breach(RehearsalBudget budget) {
    Require.nonNull(budget, "budget");
    if (!problems.isEmpty()) {
      return Optional.of("the rehearsal met problems: " + String.join("; ", problems));
    }
    return budget.breach(predictedMakespan, lowestHealthyPercent);
  }

  /** @return e.g. {@code ring canary of ubuntu 22.04.2: 3 scale sets, makespan 25 minutes, lowest healthy 66%} */
  @Override
  public String toString() {
    return "ring " + ring + " of " + family + " " + target + " rehearsed: " + scaleSets + " scale sets, "
        + instances + " instances, predicted makespan " + Durations.words(predictedMakespan)
        + ", lowest healthy capacity " + lowestHealthyPercent + "%" + (lowestAt == null ? "" : " (" + lowestAt + ")")
        + (problems.isEmpty() ? "" : ", problems: " + String.join("; ", problems));
  }
}
