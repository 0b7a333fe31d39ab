package dev.osupgrade.observe;

import dev.osupgrade.Require;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.port.ThrottledException;
import java.time.Duration;
import java.time.Instant;

/**
 * How a request budget stands for one scale set and its subscription: what a process's shared budget of cloud
 * requests (the Azure adapter's {@code RequestBudget}) reports each time it counts a request, takes what the cloud
 * said is left, or holds a request back. {@link MetricsListener#onRequestBudget} turns it into gauges and counters.
 *
 * @param at when, on the budget's clock
 * @param scaleSet the scale set the request was for (its id carries the subscription)
 * @param bucket which of the cloud's buckets, snake case (Azure: {@code high_cost_get}, Microsoft.Compute's High Cost
 *     Get buckets, which instance listings spend)
 * @param scaleSetTokens tokens left in the scale set's bucket, by the budget's count
 * @param subscriptionTokens tokens left in the subscription's bucket, by the budget's count
 * @param retryAfter how long a request the budget held back has to wait; {@link Duration#ZERO} when none was held back
 */
public record RequestBudgetReport(Instant at, ScaleSetId scaleSet, String bucket, int scaleSetTokens,
    int subscriptionTokens, Duration retryAfter) {
  /**
   * Validates the fields: tokens are never negative; the retry-after is zero to
   * {@link ThrottledException#MAX_RETRY_AFTER} (a day), the longest wait a cloud's answer is taken at.
   */
  public RequestBudgetReport {
    Require.instant("at", at);
    Require.nonNull(scaleSet, "scaleSet");
    Require.nonBlank("bucket", bucket);
    Require.atLeast("scaleSetTokens", scaleSetTokens, 0);
    Require.atLeast("subscriptionTokens", subscriptionTokens, 0);
    Require.nonNegative("retryAfter", retryAfter, ThrottledException.MAX_RETRY_AFTER);
  }

  /** @return true when the budget held a request back ({@link #retryAfter} is positive) */
  public boolean heldBack() {
    return !retryAfter.isZero();
  }
}
