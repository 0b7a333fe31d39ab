package dev.osupgrade.estate;

import dev.osupgrade.Durations;
import dev.osupgrade.Require;
import java.time.Duration;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * What a ring's rehearsal on the twin may cost before the ring is blocked: how long the ring may take, and how low the
 * healthy share of any of its scale sets may drop while it is upgraded.
 *
 * @param maxMakespan the longest predicted time from the ring's start to its last scale set upgraded (soak not
 *     counted), at most 30 days; null for no limit
 * @param minHealthyPercent the lowest healthy share of any scale set during the rehearsal, 0 to 100 (0: no limit)
 */
public record RehearsalBudget(@Nullable Duration maxMakespan, int minHealthyPercent) {
  /** The longest makespan a budget accepts: 30 days. */
  public static final Duration MAX_MAKESPAN = Duration.ofDays(30);

  /** Validates the fields. */
  public RehearsalBudget {
    if (maxMakespan != null) {
      Require.positive("maxMakespan", maxMakespan, MAX_MAKESPAN);
    }
    Require.inRange("minHealthyPercent", minHealthyPercent, 0, 100);
  }

  /** @return a budget that nothing breaches: rehearsals are reported, never block */
  public static RehearsalBudget none() {
    return new RehearsalBudget(null, 0);
  }

  /**
   * A budget.
   *
   * @param maxMakespan the longest predicted time for a ring, positive, at most {@link #MAX_MAKESPAN}
   * @param minHealthyPercent the lowest healthy share of any scale set, 0 to 100
   * @return the budget
   */
  public static RehearsalBudget of(Duration maxMakespan, int minHealthyPercent) {
    return new RehearsalBudget(Require.nonNull(maxMakespan, "maxMakespan"), minHealthyPercent);
  }

  /** @return the makespan limit, if any */
  public Optional<Duration> maxMakespanIfAny() {
    return Optional.ofNullable(maxMakespan);
  }

  /**
   * Says what a rehearsal's numbers breach.
   *
   * @param makespan the predicted makespan
   * @param lowestHealthyPercent the lowest healthy share seen
   * @return why it breaches the budget, or empty when it fits
   */
  public Optional<String> breach(Duration makespan, int lowestHealthyPercent) {
    Require.nonNegative("makespan", makespan, Duration.ofDays(3650));
    Require.inRange("lowestHealthyPercent", lowestHealthyPercent, 0, 100);
    if (maxMakespan != null && makespan.compareTo(maxMakespan) > 0) {
      return Optional.of("predicted makespan " + Durations.words(makespan) + " exceeds the budget of "
          + Durations.words(maxMakespan));
    }
    if (lowestHealthyPercent < minHealthyPercent) {
      return Optional.of("healthy capacity would drop to " + lowestHealthyPercent + "%, below the budget of "
          + minHealthyPercent + "%");
    }
    return Optional.empty();
  }

  @Override
  public String toString() {
    return maxMakespan == null && minHealthyPercent == 0 ? "no budget" : "budget[" + (maxMakespan == null ? ""
        : "makespan <= " + Durations.words(maxMakespan)) + (maxMakespan != null && minHealthyPercent > 0 ? ", " : "")
        + (minHealthyPercent == 0 ? "" : "healthy >= " + minHealthyPercent + "%") + "]";
  }
}
