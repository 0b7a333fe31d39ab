package dev.osupgrade.azure;

import dev.osupgrade.Require;
import dev.osupgrade.azure.internal.ListingBudget;
import dev.osupgrade.observe.RequestBudgetReport;
import java.util.function.Consumer;

/**
 * One request budget for the instance listings of a process, shared by every {@link AzureFleet} built with it (and so
 * by every rollout they drive), per subscription and per scale set: Microsoft.Compute's documented High Cost Get
 * buckets (a scale set's 30 tokens refilled 10 a minute; a subscription's 1,080 refilled 360 a minute; one token per
 * page of a listing; a Flexible scale set's VM listing spends the subscription's High Cost Get VM bucket instead, 900
 * tokens refilled 300 a minute, the only one Azure keeps for it). A listing the budget cannot afford (as many pages as
 * the scale set's last listing) is not sent: the adapter throws a {@link dev.osupgrade.port.ThrottledException} with
 * code {@link #CODE} and the wait, and a rollout stalls for that long and says so in its events
 * ({@code RolloutStalled}), instead of being answered 429.
 * The budget counts the pages the adapters send and takes Azure's {@code x-ms-ratelimit-remaining-resource} when it
 * reports fewer tokens left. An adapter built without one keeps a budget of its own; give every adapter of a process
 * the same one so that they share the subscription's bucket.
 *
 * <pre>{@code
 * RequestBudget budget = RequestBudget.create();       // one per process
 * AzureFleet fleet = AzureFleet.builder()...requestBudget(budget).build();
 * }</pre>
 */
public final class RequestBudget {
  /** The code of the {@link dev.osupgrade.port.ThrottledException} a listing beyond the budget throws. */
  public static final String CODE = "RequestBudgetExhausted";

  private final ListingBudget listings = new ListingBudget();

  private RequestBudget() {}

  /** @return a budget with every bucket full */
  public static RequestBudget create() {
    return new RequestBudget();
  }

  /**
   * Tells a listener how the budget stands: after each listing page the adapters count (and what Azure reported
   * left), and for each listing the budget holds back, with its wait. {@code MetricsListener.onRequestBudget} charts
   * it (tokens left per scale set and per subscription, waits); the bucket is {@code high_cost_get}. A listener
   * that throws is logged and ignored. Listeners are called on the thread that sends the listing.
   *
   * <pre>{@code
   * RequestBudget budget = RequestBudget.create().listener(metrics::onRequestBudget);
   * }</pre>
   *
   * @param listener the listener
   * @return this budget
   */
  public RequestBudget listener(Consumer<RequestBudgetReport> listener) {
    listings.addListener(Require.nonNull(listener, "listener"));
    return this;
  }

  ListingBudget listings() {
    return listings;
  }

  @Override
  public String toString() {
    return "RequestBudget[High Cost Get: " + ListingBudget.SCALE_SET_MAX + " per scale set + "
        + ListingBudget.SCALE_SET_PER_MINUTE + "/min, " + ListingBudget.SUBSCRIPTION_MAX + " per subscription + "
        + ListingBudget.SUBSCRIPTION_PER_MINUTE + "/min; High Cost Get VM: " + ListingBudget.VM_SUBSCRIPTION_MAX
        + " per subscription + " + ListingBudget.VM_SUBSCRIPTION_PER_MINUTE + "/min]";
  }
}
