package dev.osupgrade.testkit;

import dev.osupgrade.Require;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Azure's request throttling as a model, in one place: Microsoft.Compute's (CRP's) token buckets per resource and per
 * subscription, and Azure Resource Manager's subscription read and write buckets in front of them. The ARM emulator
 * enforces it (answering 429 with {@code Retry-After} and the {@code x-ms-ratelimit-remaining-*} headers), so does a
 * {@link SimulatedFleet} on request ({@link SimulatedFleet#throttling(ComputeThrottling, int)}: a
 * {@link dev.osupgrade.port.ThrottledException}), and tests replay a rollout's requests through it to find the ones
 * Azure would have throttled.
 *
 * <p>The numbers are Azure's documented ones (learn.microsoft.com "Compute throttling limits", ms.date 2024-05-27, and
 * "Understand how Azure Resource Manager throttles requests"):
 * <table>
 *   <caption>Buckets (tokens; refill per minute for CRP, per second for ARM)</caption>
 *   <tr><th>policy</th><th>operations</th><th>resource refill / max</th><th>subscription refill / max</th></tr>
 *   <tr><td>{@link Policy#SCALE_SET_PUT}</td><td>create a scale set</td><td>4 / 12</td><td>125 / 375</td></tr>
 *   <tr><td>{@link Policy#SCALE_SET_UPDATE}</td><td>PATCH, reimage, rolling-upgrade cancel, and (not documented:
 *       the model's reading) {@code manualupgrade}, {@code osRollingUpgrade}, {@code approveRollingUpgrade}</td>
 *       <td>4 / 12</td><td>500 / 1,500</td></tr>
 *   <tr><td>{@link Policy#SCALE_SET_DELETE}</td><td>delete, delete instances, power off, deallocate</td>
 *       <td>4 / 12</td><td>175 / 525</td></tr>
 *   <tr><td>{@link Policy#SCALE_SET_LOW_COST_GET}</td><td>GET the scale set, rolling upgrade latest, OS upgrade
 *       history</td><td>12 / 36</td><td>800 / 2,400</td></tr>
 *   <tr><td>{@link Policy#SCALE_SET_HIGH_COST_GET}</td><td>instance view, the instance listing (each page)</td>
 *       <td>10 / 30</td><td>360 / 1,080</td></tr>
 *   <tr><td>{@link Policy#SCALE_SET_VM_GET}</td><td>GET one instance (of the instance, as its resource)</td>
 *       <td>12 / 36</td><td>2,000 / 6,000</td></tr>
 *   <tr><td>{@link Policy#OPERATION_GET}</td><td>GET an async operation's status</td><td>15 / 45</td>
 *       <td>5,000 / 15,000</td></tr>
 *   <tr><td>{@link Policy#VM_LOW_COST_GET}</td><td>GET one virtual machine (a Flexible scale set's VM)</td>
 *       <td>12 / 36</td><td>8,000 / 24,000</td></tr>
 *   <tr><td>{@link Policy#VM_HIGH_COST_GET}</td><td>list virtual machines (a Flexible scale set's VM listing, each
 *       page)</td><td>none (only the subscription's bucket applies)</td><td>300 / 900</td></tr>
 *   <tr><td>ARM reads / writes</td><td>every GET / every other method, per subscription</td><td></td>
 *       <td>25 per s / 250; 10 per s / 200</td></tr>
 * </table>
 *
 * <p>How a bucket works, as documented: it starts full; each request takes one token from both the resource's and
 * the subscription's bucket of its policy (and ARM's); a request that finds either empty is throttled and takes
 * nothing; every whole period (a minute for CRP, a second for ARM) since the bucket's first request adds the refill, up
 * to the maximum. A throttled request's {@code Retry-After} is the time to the empty bucket's next refill (CRP: "can
 * invoke 1 min after getting throttled" at the latest). Which CRP policy the instance listing
 * ({@code VirtualMachineScaleSetVMs_List}) falls under is not documented; the model counts it as the scale set's High
 * Cost Get, as the scale set's {@code List} row reads.
 *
 * <p>Deterministic (time is the caller's); thread-safe.
 */
public final class ComputeThrottling {

  /** A CRP throttling policy, with its documented bucket sizes. */
  public enum Policy {
    /** Create or replace a scale set. */
    SCALE_SET_PUT("VMScaleSetPut", 4, 12, 125, 375, true),
    /** Update a scale set or act on its instances (PATCH, reimage, manualupgrade, cancel...). */
    SCALE_SET_UPDATE("VMScaleSetUpdate", 4, 12, 500, 1_500, true),
    /** Delete a scale set or instances of it. */
    SCALE_SET_DELETE("VMScaleSetDelete", 4, 12, 175, 525, true),
    /** Cheap reads of a scale set (GET, rolling upgrade latest, OS upgrade history). */
    SCALE_SET_LOW_COST_GET("VMScaleSetLowCostGet", 12, 36, 800, 2_400, false),
    /** Costly reads of a scale set (instance view, the instance listing). */
    SCALE_SET_HIGH_COST_GET("VMScaleSetHighCostGet", 10, 30, 360, 1_080, false),
    /** Reads of one scale-set instance. */
    SCALE_SET_VM_GET("VMScaleSetVMGet", 12, 36, 2_000, 6_000, false),
    /** Reads of an asynchronous operation's status. */
    OPERATION_GET("GetOperation", 15, 45, 5_000, 15_000, false),
    /** Reads of one virtual machine (Get, instance view): how a Flexible scale set's VM is read on its own. */
    VM_LOW_COST_GET("VMLowCostGet", 12, 36, 8_000, 24_000, false),
    /**
     * Listings of virtual machines (List, List All, List By Location), each page: how a Flexible scale set's VMs are
     * listed. Only the subscription's bucket applies (Azure documents no resource level for it).
     */
    VM_HIGH_COST_GET("VMHighCostGet", 0, 0, 300, 900, false);

    private final String headerName;
    private final int resourceRefill;
    private final int resourceMax;
    private final int subscriptionRefill;
    private final int subscriptionMax;
    private final boolean write;

    Policy(String headerName, int resourceRefill, int resourceMax, int subscriptionRefill, int subscriptionMax,
        boolean write) {
      this.headerName = headerName;
      this.resourceRefill = resourceRefill;
      this.resourceMax = resourceMax;
      this.subscriptionRefill = subscriptionRefill;
      this.subscriptionMax = subscriptionMax;
      this.write = write;
    }

    /** @return the name in {@code x-ms-ratelimit-remaining-resource} (the model's spelling) */
    public String headerName() {
      return headerName;
    }

    /** @return true when a resource's bucket counts it too; false when only the subscription's does */
    public boolean hasResourceBucket() {
      return resourceMax > 0;
    }

    /** @return tokens a resource's bucket gains per minute (0 without a resource bucket) */
    public int resourceRefillPerMinute() {
      return resourceRefill;
    }

    /** @return the most tokens a resource's bucket holds (0 without a resource bucket) */
    public int resourceMax() {
      return resourceMax;
    }

    /** @return tokens the subscription's bucket gains per minute */
    public int subscriptionRefillPerMinute() {
      return subscriptionRefill;
    }

    /** @return the most tokens the subscription's bucket holds */
    public int subscriptionMax() {
      return subscriptionMax;
    }

    /** @return true when ARM counts it as a write (anything but a GET) */
    public boolean isWrite() {
      return write;
    }
  }

  /** ARM's subscription read bucket: 250 tokens, 25 per second. */
  public static final int ARM_READS_MAX = 250;
  /** ARM's subscription read refill per second. */
  public static final int ARM_READS_PER_SECOND = 25;
  /** ARM's subscription write bucket: 200 tokens, 10 per second. */
  public static final int ARM_WRITES_MAX = 200;
  /** ARM's subscription write refill per second. */
  public static final int ARM_WRITES_PER_SECOND = 10;

  /** What the model says about one request. */
  public sealed interface Verdict {
    /** @return true when the request is throttled */
    boolean throttled();
  }

  /**
   * The request is served.
   *
   * @param policy its CRP policy, or null when only ARM's buckets count it
   * @param resourceRemaining tokens left in the resource's bucket (-1 without a policy or a resource bucket)
   * @param subscriptionRemaining tokens left in the subscription's CRP bucket (-1 without a policy)
   * @param armRemaining tokens left in ARM's read or write bucket of the subscription
   * @param write whether ARM counted it as a write
   */
  public record Served(@Nullable Policy policy, int resourceRemaining, int subscriptionRemaining, int armRemaining,
      boolean write) implements Verdict {
    @Override
    public boolean throttled() {
      return false;
    }

    /** @return the {@code x-ms-ratelimit-remaining-resource} value, or null without a CRP policy */
    public @Nullable String remainingResourceHeader() {
      if (policy == null) {
        return null;
      }
      String subscription = "Microsoft.Compute/" + policy.headerName() + "Subscription;" + subscriptionRemaining;
      return resourceRemaining < 0 ? subscription
          : "Microsoft.Compute/" + policy.headerName() + ";" + resourceRemaining + "," + subscription;
    }
  }

  /**
   * The request is throttled (429): it took no token.
   *
   * @param policy its CRP policy, or null when ARM's bucket ran out
   * @param bucket which bucket was empty: {@code resource}, {@code subscription}, {@code arm-reads}, {@code arm-writes}
   * @param retryAfter how long until that bucket refills
   */
  public record Throttled(@Nullable Policy policy, String bucket, Duration retryAfter) implements Verdict {
    /** Validates the fields: a bucket's name, a wait of at most a minute (the longest refill period). */
    public Throttled {
      Require.nonBlank("bucket", bucket);
      Require.positive("retryAfter", retryAfter, Duration.ofMinutes(1));
    }

    @Override
    public boolean throttled() {
      return true;
    }

    /** @return the {@code x-ms-ratelimit-remaining-resource} value, naming the empty bucket at 0 */
    public @Nullable String remainingResourceHeader() {
      return policy == null ? null : "Microsoft.Compute/" + policy.headerName()
          + (bucket.equals("subscription") ? "Subscription" : "") + ";0";
    }
  }

  /** One token bucket. */
  private static final class Bucket {
    final int max;
    final int refill;
    final Duration period;
    int tokens;
    Instant windowStart;

    Bucket(int max, int refill, Duration period, Instant first) {
      this.max = max;
      this.refill = refill;
      this.period = period;
      this.tokens = max;
      this.windowStart = first;
    }

    void refillTo(Instant now) {
      if (now.isBefore(windowStart)) {
        return; // time does not go back; a request "earlier" is counted in the current window
      }
      long periods = Duration.between(windowStart, now).toNanos() / period.toNanos();
      if (periods > 0) {
        tokens = (int) Math.min(max, tokens + periods * (long) refill);
        windowStart = windowStart.plus(period.multipliedBy(periods));
      }
    }

    Duration untilRefill(Instant now) {
      Duration left = Duration.between(now, windowStart.plus(period));
      return left.isNegative() || left.isZero() ? period : left;
    }
  }

  private final Map<String, Bucket> buckets = new HashMap<>();

  private ComputeThrottling() {}

  /** @return a model with every bucket full */
  public static ComputeThrottling create() {
    return new ComputeThrottling();
  }

  /**
   * Takes the tokens of one request, or says it is throttled.
   *
   * @param at when the request arrives
   * @param subscription the subscription id
   * @param resource the resource whose bucket counts it (the scale set, an instance, an operation), case-insensitive
   * @param policy its CRP policy, or null for a request only ARM's buckets count (images, SKUs, usages)
   * @param write whether ARM counts it as a write (used when {@code policy} is null)
   * @return the verdict
   */
  public synchronized Verdict take(Instant at, String subscription, String resource, @Nullable Policy policy,
      boolean write) {
    Require.nonNull(at, "at");
    Require.nonBlank("subscription", subscription);
    Require.nonNull(resource, "resource");
    String sub = subscription.toLowerCase(Locale.ROOT);
    boolean isWrite = policy == null ? write : policy.isWrite();
    Bucket arm = bucket("arm/" + sub + "/" + (isWrite ? "writes" : "reads"), isWrite ? ARM_WRITES_MAX : ARM_READS_MAX,
        isWrite ? ARM_WRITES_PER_SECOND : ARM_READS_PER_SECOND, Duration.ofSeconds(1), at);
    Bucket res = null;
    Bucket subs = null;
    if (policy != null && policy.hasResourceBucket()) {
      res = bucket("crp/" + sub + "/" + policy + "/" + resource.toLowerCase(Locale.ROOT), policy.resourceMax(),
          policy.resourceRefillPerMinute(), Duration.ofMinutes(1), at);
    }
    if (policy != null) {
      subs = bucket("crp/" + sub + "/" + policy, policy.subscriptionMax(), policy.subscriptionRefillPerMinute(),
          Duration.ofMinutes(1), at);
    }
    if (arm.tokens < 1) {
      return new Throttled(policy, isWrite ? "arm-writes" : "arm-reads", arm.untilRefill(at));
    }
    if (subs != null && subs.tokens < 1) {
      return new Throttled(policy, "subscription", subs.untilRefill(at));
    }
    if (res != null && res.tokens < 1) {
      return new Throttled(policy, "resource", res.untilRefill(at));
    }
    arm.tokens--;
    if (res != null) {
      res.tokens--;
    }
    if (subs != null) {
      subs.tokens--;
    }
    return new Served(policy, res == null ? -1 : res.tokens, subs == null ? -1 : subs.tokens, arm.tokens, isWrite);
  }

  private Bucket bucket(String key, int max, int refill, Duration period, Instant at) {
    Bucket b = buckets.computeIfAbsent(key, k -> new Bucket(max, refill, period, at));
    b.refillTo(at);
    return b;
  }

  @Override
  public synchronized String toString() {
    return "ComputeThrottling[" + buckets.size() + " buckets]";
  }
}
