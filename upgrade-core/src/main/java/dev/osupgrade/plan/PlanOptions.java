package dev.osupgrade.plan;

import dev.osupgrade.Require;
import java.time.Duration;

/**
 * Assumptions the planner uses for its estimate (they do not change the batches).
 *
 * @param estimatedBatchTime the expected time from a batch's upgrade request until its instances are healthy:
 *     positive, at most 1 day
 */
public record PlanOptions(Duration estimatedBatchTime) {
  /** The default batch time: 6 minutes (OS disk replacement, boot, health extension settling). */
  public static final Duration DEFAULT_BATCH_TIME = Duration.ofMinutes(6);

  /** Validates the fields. */
  public PlanOptions {
    Require.positive("estimatedBatchTime", estimatedBatchTime, Duration.ofDays(1));
  }

  /** @return the defaults */
  public static PlanOptions ofDefaults() {
    return new PlanOptions(DEFAULT_BATCH_TIME);
  }

  /**
   * Returns options with another batch time.
   *
   * @param batchTime the expected time per batch: positive, at most 1 day
   * @return the options
   */
  public static PlanOptions withBatchTime(Duration batchTime) {
    return new PlanOptions(batchTime);
  }
}
