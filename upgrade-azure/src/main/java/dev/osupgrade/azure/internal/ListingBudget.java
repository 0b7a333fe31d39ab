package dev.osupgrade.azure.internal;

import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.observe.RequestBudgetReport;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The instance listings the adapters of one process may still send, by CRP's documented High Cost Get buckets, one
 * token per page: a Uniform scale set's instance listing spends the scale set's bucket (30 tokens, 10 more each minute
 * since its first request) and its subscription's (1,080, 360 a minute); a Flexible scale set's VM listing
 * ({@code VirtualMachines_List}) spends the subscription's High Cost Get VM bucket (900, 300 a minute; Azure keeps no
 * resource-level bucket for it). Counted on the caller's clock from the requests sent (every page, retries too), and
 * lowered to what Azure reports in {@code x-ms-ratelimit-remaining-resource} when it does. Thread-safe; shared by
 * every adapter given the same {@code RequestBudget}.
 */
public final class ListingBudget {
  /** Tokens of a scale set's High Cost Get bucket. */
  public static final int SCALE_SET_MAX = 30;
  /** Tokens a scale set's bucket gains a minute. */
  public static final int SCALE_SET_PER_MINUTE = 10;
  /** Tokens of a subscription's High Cost Get bucket. */
  public static final int SUBSCRIPTION_MAX = 1_080;
  /** Tokens a subscription's bucket gains a minute. */
  public static final int SUBSCRIPTION_PER_MINUTE = 360;
  /** Tokens of a subscription's High Cost Get VM bucket (listings of virtual machines: Flexible scale sets). */
  public static final int VM_SUBSCRIPTION_MAX = 900;
  /** Tokens a subscription's High Cost Get VM bucket gains a minute. */
  public static final int VM_SUBSCRIPTION_PER_MINUTE = 300;

  /** Which listing: a Uniform scale set's instances, or a Flexible scale set's VMs. */
  public enum Listing {
    /** {@code VirtualMachineScaleSetVMs_List}: the scale set's and the subscription's High Cost Get buckets. */
    SCALE_SET_VMS("high_cost_get"),
    /** {@code VirtualMachines_List} of the resource group: the subscription's High Cost Get VM bucket only. */
    FLEXIBLE_VMS("vm_high_cost_get");

    private final String bucket;

    Listing(String bucket) {
      this.bucket = bucket;
    }

    /** @return the bucket's name in a {@link RequestBudgetReport} */
    public String bucket() {
      return bucket;
    }
  }

  private static final Duration MINUTE = Duration.ofMinutes(1);

  /** One bucket, as the model counts it. */
  private static final class Bucket {
    final int max;
    final int refill;
    int tokens;
    Instant window;

    Bucket(int max, int refill, Instant first) {
      this.max = max;
      this.refill = refill;
      this.tokens = max;
      this.window = first;
    }

    void refillTo(Instant now) {
      if (now.isBefore(window)) {
        return;
      }
      long minutes = Duration.between(window, now).toNanos() / MINUTE.toNanos();
      if (minutes > 0) {
        tokens = (int) Math.min(max, tokens + minutes * (long) refill);
        window = window.plus(MINUTE.multipliedBy(minutes));
      }
    }

    /** How long until the bucket holds {@code needed} tokens (zero when it does; a need beyond its size waits for full). */
    Duration until(int needed, Instant now) {
      int want = Math.min(needed, max);
      if (tokens >= want) {
        return Duration.ZERO;
      }
      long minutes = (want - tokens + refill - 1) / refill;
      return Duration.between(now, window.plus(MINUTE.multipliedBy(minutes)));
    }
  }

  private static final System.Logger LOG = System.getLogger(ListingBudget.class.getName());

  private final Map<String, Bucket> buckets = new HashMap<>();
  private final Map<String, Integer> pagesLastTime = new HashMap<>();
  private final List<Consumer<RequestBudgetReport>> listeners = new CopyOnWriteArrayList<>();

  /**
   * Adds a listener, told how the buckets stand after each page counted and each listing held back.
   *
   * @param listener the listener
   */
  public void addListener(Consumer<RequestBudgetReport> listener) {
    listeners.add(listener);
  }

  /**
   * Tells the listeners how the buckets of a scale set and its subscription stand now, and how long a listing
   * held back waits (zero when none was). For a bucket Azure keeps only per subscription (Flexible), the scale set's
   * count is the subscription's.
   *
   * @param id the scale set
   * @param listing which listing
   * @param wait the wait of a listing held back, or zero
   * @param now the time
   */
  public void report(ScaleSetId id, Listing listing, Duration wait, Instant now) {
    if (listeners.isEmpty()) {
      return;
    }
    int scaleSet;
    int subscription;
    synchronized (this) {
      subscription = subscriptionBucket(id.subscriptionId(), listing, now).tokens;
      scaleSet = listing == Listing.FLEXIBLE_VMS ? subscription
          : bucket("r/" + key(id.armId()), SCALE_SET_MAX, SCALE_SET_PER_MINUTE, now).tokens;
    }
    RequestBudgetReport report = new RequestBudgetReport(now, id, listing.bucket(), scaleSet, subscription, wait);
    for (Consumer<RequestBudgetReport> listener : listeners) {
      try {
        listener.accept(report);
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, "a request budget listener failed on " + report + "; ignored", e);
      }
    }
  }

  /**
   * How long a listing of a scale set has to wait for its pages (as many as its last listing had; one the first
   * time) to fit both buckets.
   *
   * @param subscription the subscription id
   * @param scaleSet the scale set's resource id
   * @param listing which listing
   * @param now the time
   * @return zero when it may go now
   */
  public synchronized Duration waitForListing(String subscription, String scaleSet, Listing listing, Instant now) {
    int pages = pagesLastTime.getOrDefault(key(scaleSet), 1);
    Duration a = subscriptionBucket(subscription, listing, now).until(pages, now);
    if (listing == Listing.FLEXIBLE_VMS) {
      return a;
    }
    Duration b = bucket("r/" + key(scaleSet), SCALE_SET_MAX, SCALE_SET_PER_MINUTE, now).until(pages, now);
    return a.compareTo(b) >= 0 ? a : b;
  }

  /**
   * Counts one page sent.
   *
   * @param subscription the subscription id
   * @param scaleSet the scale set's resource id
   * @param listing which listing
   * @param now the time
   */
  public synchronized void pageSent(String subscription, String scaleSet, Listing listing, Instant now) {
    Bucket s = subscriptionBucket(subscription, listing, now);
    s.tokens = Math.max(0, s.tokens - 1);
    if (listing == Listing.SCALE_SET_VMS) {
      Bucket r = bucket("r/" + key(scaleSet), SCALE_SET_MAX, SCALE_SET_PER_MINUTE, now);
      r.tokens = Math.max(0, r.tokens - 1);
    }
  }

  /**
   * Remembers how many pages a listing had, for the next one's reservation.
   *
   * @param scaleSet the scale set's resource id
   * @param pages the pages
   */
  public synchronized void listed(String scaleSet, int pages) {
    pagesLastTime.put(key(scaleSet), Math.max(1, pages));
  }

  /**
   * Lowers the listing's bucket to what Azure reported ({@code x-ms-ratelimit-remaining-resource}), when that is
   * less than the model counts: the scale set's for a Uniform listing, the subscription's for a Flexible one (the only
   * bucket Azure keeps for it).
   *
   * @param subscription the subscription id
   * @param scaleSet the scale set's resource id
   * @param listing which listing
   * @param remaining the tokens Azure says are left
   * @param now the time
   */
  public synchronized void reported(String subscription, String scaleSet, Listing listing, int remaining,
      Instant now) {
    Bucket r = listing == Listing.FLEXIBLE_VMS ? subscriptionBucket(subscription, listing, now)
        : bucket("r/" + key(scaleSet), SCALE_SET_MAX, SCALE_SET_PER_MINUTE, now);
    r.tokens = Math.max(0, Math.min(r.tokens, remaining));
  }

  private Bucket subscriptionBucket(String subscription, Listing listing, Instant now) {
    return listing == Listing.FLEXIBLE_VMS
        ? bucket("v/" + key(subscription), VM_SUBSCRIPTION_MAX, VM_SUBSCRIPTION_PER_MINUTE, now)
        : bucket("s/" + key(subscription), SUBSCRIPTION_MAX, SUBSCRIPTION_PER_MINUTE, now);
  }

  private Bucket bucket(String key, int max, int refill, Instant now) {
    Bucket b = buckets.computeIfAbsent(key, k -> new Bucket(max, refill, now));
    b.refillTo(now);
    return b;
  }

  private static String key(String s) {
    return s.toLowerCase(Locale.ROOT);
  }
}
