package dev.osupgrade.plan;

import dev.osupgrade.Durations;
import dev.osupgrade.Require;
import java.time.Duration;
import java.util.Locale;

/**
 * What a plan is expected to cost.
 *
 * @param batches the number of batches
 * @param fleetTime expected fleet time from start to end (batches plus pauses), at most
 *     {@link Require#MAX_SPAN}
 * @param lowestHealthyInstances the fewest instances expected in service during any batch
 * @param totalInstances the instance count of the scale set
 * @param surgeInstances the most extra instances alive at once (max surge), 0 when upgrading in place
 */
public record PlanEstimate(int batches, Duration fleetTime, int lowestHealthyInstances, int totalInstances,
    int surgeInstances) {

  /** Validates the fields. */
  public PlanEstimate {
    Require.that(batches >= 0, "batches", ">= 0", batches);
    Require.nonNegative("fleetTime", fleetTime, Require.MAX_SPAN);
    Require.that(lowestHealthyInstances >= 0, "lowestHealthyInstances", ">= 0", lowestHealthyInstances);
    Require.that(totalInstances >= 0, "totalInstances", ">= 0", totalInstances);
    Require.that(surgeInstances >= 0, "surgeInstances", ">= 0", surgeInstances);
  }

  /** @return the lowest healthy capacity as a percentage of the instance count */
  public double lowestHealthyPercent() {
    return totalInstances == 0 ? 100.0 : 100.0 * lowestHealthyInstances / totalInstances;
  }

  @Override
  public String toString() {
    String time = Durations.words(fleetTime);
    return String.format(Locale.ROOT, "%d batches, ~%s of fleet time, lowest healthy capacity %d/%d (%.0f%%), %s",
        batches, time, lowestHealthyInstances, totalInstances, lowestHealthyPercent(),
        surgeInstances == 0 ? "no surge instances" : "up to " + surgeInstances + " surge instances");
  }
}
