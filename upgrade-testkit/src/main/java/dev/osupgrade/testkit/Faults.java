package dev.osupgrade.testkit;

import dev.osupgrade.Durations;
import dev.osupgrade.InvalidValueException;
import dev.osupgrade.Region;
import dev.osupgrade.Require;
import dev.osupgrade.fleet.HealthState;
import dev.osupgrade.fleet.InstanceIds;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.fleet.Zone;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.image.ImageRelease;
import dev.osupgrade.image.ReplicationState;
import dev.osupgrade.port.ThrottledException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * Every fault the simulated fleet can inject, in one place: {@code fleet.faults()}. Each method scripts a fault
 * (explicit instances, times and durations) or sets a seeded rate (drawn from the fleet's seeded random stream for
 * faults, so the same seed replays the same faults); each is written to the fleet log when scripted and when it
 * strikes. Methods return this object, so faults chain:
 *
 * <pre>{@code
 * fleet.faults()
 *     .zoneOutage(web, "2", Duration.ofMinutes(20), Duration.ofHours(1))
 *     .throttle("upgradeInstances", 2)
 *     .extensionFailure(web, "7");
 * }</pre>
 *
 * <table>
 *   <caption>The fault kinds and their defaults</caption>
 *   <tr><th>fault</th><th>methods</th><th>what the fleet shows</th></tr>
 *   <tr><td>flapping or late-recovering health</td><td>{@link ImageBehavior#flapping},
 *       {@link ImageBehavior#recoversAfter} (per version), {@link #nextBoot} (per instance)</td>
 *       <td>Healthy/Unhealthy in turn; Unhealthy for a while, then Healthy</td></tr>
 *   <tr><td>application start-up failure</td><td>{@link #applicationStartupFailure}</td><td>Unhealthy after the
 *       next reimage, whatever the image</td></tr>
 *   <tr><td>extension provisioning failure</td><td>{@link #extensionFailure}, {@link #extensionFailureRate}</td>
 *       <td>the new image runs, provisioning state Failed</td></tr>
 *   <tr><td>allocation failure</td><td>{@link #allocationFailure}, {@link #scaleOutAllocationFailure},
 *       {@link #quota}</td><td>the upgrade fails (image unchanged, deallocated, provisioning Failed, health
 *       Unknown); scale-out fails with {@code AllocationFailed} or {@code QuotaExceeded}</td></tr>
 *   <tr><td>image replication failing or lagging</td><td>{@link #replication}, {@link #replicationLag},
 *       {@link #replicationFailure}</td><td>the release's per-region state changes; {@code listReleases} and the
 *       platform's eligibility follow</td></tr>
 *   <tr><td>zone outage</td><td>{@link #zoneOutage}</td><td>every instance of the zone Unknown for a while</td></tr>
 *   <tr><td>concurrent platform maintenance</td><td>{@link #maintenance}, {@link #randomMaintenance}</td><td>chosen
 *       or random instances Unhealthy or Unknown for a while</td></tr>
 *   <tr><td>ARM throttling</td><td>{@link #throttle}, {@link #armThrottle}, {@link #throttleRate}</td><td>HTTP 429
 *       {@code OperationNotAllowed} (Microsoft.Compute) or {@code TooManyRequests} (ARM) with
 *       {@code Retry-After} (default {@link #DEFAULT_RETRY_AFTER}); nothing changes</td></tr>
 *   <tr><td>transient server errors</td><td>{@link #serverErrors}, {@link #serverErrorRate}</td><td>HTTP 500
 *       {@code InternalExecutionError} or 503 {@code ServiceUnavailable}; nothing changes</td></tr>
 *   <tr><td>any cloud error</td><td>{@link #cloudError}</td><td>the HTTP status, code and message given, as the
 *       adapter's exception for that status; nothing changes</td></tr>
 * </table>
 *
 * <p>Instance faults ({@link #nextBoot}, {@link #applicationStartupFailure}, {@link #extensionFailure},
 * {@link #allocationFailure}) are taken by the instance's next reimage, an upgrade or a rollback alike, and then
 * forgotten. Health overlays (outage, maintenance) hide the instance's own health while they last; the newest one
 * wins. Not thread-safe.
 */
public final class Faults {
  /** The {@code Retry-After} of a throttled call unless told otherwise: 60 s, Microsoft.Compute's window. */
  public static final Duration DEFAULT_RETRY_AFTER = Duration.ofSeconds(60);
  /** The most calls one scripted call fault strikes: 10,000. */
  public static final int MAX_TIMES = 10_000;
  /** The latest a fault may start, and the longest it may last: 366 days of fleet time. */
  public static final Duration MAX_FAULT_TIME = Duration.ofDays(366);

  /** The method names call faults accept ({@code "*"} means every method): the port methods of the fleet. */
  public static final Set<String> METHODS = Throttle.METHODS;

  private final FleetContext ctx;
  /** How many faults were scripted (counted here: the fleet log may keep only its newest lines). */
  private int scripted;
  private final InstanceLifecycle lifecycle;
  private final Throttle throttle;
  private final PlatformUpgrades platform;

  Faults(FleetContext ctx, InstanceLifecycle lifecycle, Throttle throttle, PlatformUpgrades platform) {
    this.ctx = ctx;
    this.lifecycle = lifecycle;
    this.throttle = throttle;
    this.platform = platform;
  }

  // ---- instances ------------------------------------------------------------------------------------------------

  /**
   * Makes instances behave so after their next reimage, whatever the image (flapping, late recovery, ...).
   *
   * @param id the scale set
   * @param behavior the behaviour
   * @param instanceIds the instances
   * @return this
   */
  public Faults nextBoot(ScaleSetId id, ImageBehavior behavior, String... instanceIds) {
    Require.nonNull(behavior, "behavior");
    for (SimInstance i : instances(id, instanceIds)) {
      i.nextBoot = behavior;
    }
    script(id, "instances " + Arrays.toString(instanceIds) + " behave '" + behavior + "' after their next reimage");
    return this;
  }

  /**
   * Application start-up failure: the instances come up Unhealthy after their next reimage, whatever the image.
   *
   * @param id the scale set
   * @param instanceIds the instances
   * @return this
   */
  public Faults applicationStartupFailure(ScaleSetId id, String... instanceIds) {
    return nextBoot(id, ImageBehavior.comesUpUnhealthy(), instanceIds);
  }

  /**
   * Extension provisioning failure: after their next reimage the instances run the new image, but an extension
   * fails and their provisioning state is Failed. Health follows the image as usual.
   *
   * @param id the scale set
   * @param instanceIds the instances
   * @return this
   */
  public Faults extensionFailure(ScaleSetId id, String... instanceIds) {
    for (SimInstance i : instances(id, instanceIds)) {
      i.extensionFailureNext = true;
    }
    script(id, "instances " + Arrays.toString(instanceIds) + " fail extension provisioning at their next reimage");
    return this;
  }

  /**
   * Seeded extension provisioning failures: every reimage in the fleet fails extension provisioning with this
   * probability (default 0).
   *
   * @param probability in [0, 1]
   * @return this
   */
  public Faults extensionFailureRate(double probability) {
    lifecycle.extensionFailureRate = probability(probability);
    scripted("every reimage fails extension provisioning with probability " + probability);
    return this;
  }

  /**
   * Allocation failure: the next reimage of the instances fails. Their image does not change, they end
   * deallocated with provisioning state Failed and health Unknown, until another reimage succeeds.
   *
   * @param id the scale set
   * @param instanceIds the instances
   * @return this
   */
  public Faults allocationFailure(ScaleSetId id, String... instanceIds) {
    for (SimInstance i : instances(id, instanceIds)) {
      i.allocationFailureNext = true;
    }
    script(id, "instances " + Arrays.toString(instanceIds) + " fail allocation at their next reimage");
    return this;
  }

  // ---- capacity -------------------------------------------------------------------------------------------------

  /**
   * Allocation failure on scale-out: the next {@code times} calls of {@code scaleOut} fail with
   * {@code AllocationFailed} and create nothing.
   *
   * @param id the scale set
   * @param times how many calls fail, in [1, {@link #MAX_TIMES}]
   * @return this
   */
  public Faults scaleOutAllocationFailure(ScaleSetId id, int times) {
    ctx.require(id).scaleOutFailures += Require.inRange("times", times, 1, MAX_TIMES);
    script(id, "the next " + times + " scale-out(s) fail with AllocationFailed");
    return this;
  }

  /**
   * Sets the scale set's quota, in instances (default 1000): {@code headroom} is the quota less the instances, and
   * a scale-out beyond it fails with {@code QuotaExceeded}.
   *
   * @param id the scale set
   * @param maxInstances zero or more
   * @return this
   */
  public Faults quota(ScaleSetId id, int maxInstances) {
    ctx.require(id).quota = Require.atLeast("maxInstances", maxInstances, 0);
    script(id, "quota set to " + maxInstances + " instances");
    return this;
  }

  // ---- health over time -----------------------------------------------------------------------------------------

  /**
   * A whole zone goes down: from {@code after} for {@code duration} every instance of the zone (as it is then)
   * reports Unknown.
   *
   * @param id the scale set
   * @param zone the zone's name, e.g. {@code "2"}
   * @param after when, from now: at most {@link #MAX_FAULT_TIME}
   * @param duration how long: positive, at most {@link #MAX_FAULT_TIME}
   * @return this
   */
  public Faults zoneOutage(ScaleSetId id, String zone, Duration after, Duration duration) {
    SimScaleSet s = ctx.require(id);
    Zone z = Zone.of(Require.nonNull(zone, "zone"));
    Require.that(s.zones.contains(z), "zone", "one of the scale set's zones " + s.zones, zone);
    Require.nonNegative("after", after, MAX_FAULT_TIME);
    Require.positive("duration", duration, MAX_FAULT_TIME);
    List<String> ids = s.instances.values().stream().filter(i -> i.zone.equals(z)).map(i -> i.id).toList();
    lifecycle.overlay(s, ids, 0, HealthState.UNKNOWN, after, duration, "zone " + zone + " outage");
    script(id, "zone " + zone + " outage in " + Durations.words(after) + " for " + Durations.words(duration));
    return this;
  }

  /**
   * Concurrent platform maintenance on chosen instances: from {@code after} for {@code duration} they report
   * {@code health}.
   *
   * @param id the scale set
   * @param after when, from now: at most {@link #MAX_FAULT_TIME}
   * @param duration how long: positive, at most {@link #MAX_FAULT_TIME}
   * @param health what they report, usually Unhealthy or Unknown
   * @param instanceIds the instances
   * @return this
   */
  public Faults maintenance(ScaleSetId id, Duration after, Duration duration, HealthState health,
      String... instanceIds) {
    SimScaleSet s = ctx.require(id);
    instances(id, instanceIds);
    Require.nonNegative("after", after, MAX_FAULT_TIME);
    Require.positive("duration", duration, MAX_FAULT_TIME);
    lifecycle.overlay(s, List.of(instanceIds), 0, Require.nonNull(health, "health"), after, duration,
        "platform maintenance");
    script(id, "platform maintenance on " + Arrays.toString(instanceIds) + " in " + Durations.words(after) + " for "
        + Durations.words(duration)
        + " (" + health + ")");
    return this;
  }

  /**
   * Concurrent platform maintenance on {@code count} instances drawn (seeded) when it starts: they report Unknown
   * from {@code after} for {@code duration}.
   *
   * @param id the scale set
   * @param after when, from now: at most {@link #MAX_FAULT_TIME}
   * @param duration how long: positive, at most {@link #MAX_FAULT_TIME}
   * @param count how many instances
   * @return this
   */
  public Faults randomMaintenance(ScaleSetId id, Duration after, Duration duration, int count) {
    SimScaleSet s = ctx.require(id);
    Require.nonNegative("after", after, MAX_FAULT_TIME);
    Require.positive("duration", duration, MAX_FAULT_TIME);
    lifecycle.overlay(s, null, Require.atLeast("count", count, 1), HealthState.UNKNOWN, after, duration,
        "platform maintenance");
    script(id, "platform maintenance on " + count + " random instances in " + Durations.words(after) + " for "
        + Durations.words(duration));
    return this;
  }

  // ---- images ---------------------------------------------------------------------------------------------------

  /**
   * Changes a release's replication state in one region after a while ({@code listReleases} and the platform's
   * eligibility follow). A marketplace release (available everywhere) becomes a per-region one.
   *
   * @param image the release's image, pinned to its version
   * @param region the region, e.g. {@code "westeurope"}
   * @param state the new state
   * @param after when, from now (zero: now); at most {@link #MAX_FAULT_TIME}
   * @return this
   */
  public Faults replication(ImageReference image, String region, ReplicationState state, Duration after) {
    release(image);
    Region r = Region.of(region);
    Require.nonNull(state, "state");
    Require.nonNegative("after", after, MAX_FAULT_TIME);
    scripted("replication of " + image + " to " + r + " becomes " + state + " in "
        + Durations.words(after));
    Runnable change = () -> {
      ImageRelease current = release(image);
      ctx.putRelease(current.withReplication(r, state));
      ctx.note("catalog: replication of " + image + " to " + r + " is " + state);
      platform.wakeAll();
    };
    if (after.isZero()) {
      change.run();
    } else {
      ctx.clock.schedule(after, change);
    }
    return this;
  }

  /**
   * Replication lags in one region: the release is Replicating there now and Completed after {@code lag}.
   *
   * @param image the release's image, pinned
   * @param region the region
   * @param lag how long replication takes: positive, at most {@link #MAX_FAULT_TIME}
   * @return this
   */
  public Faults replicationLag(ImageReference image, String region, Duration lag) {
    Require.positive("lag", lag, MAX_FAULT_TIME);
    replication(image, region, ReplicationState.REPLICATING, Duration.ZERO);
    return replication(image, region, ReplicationState.COMPLETED, lag);
  }

  /**
   * Replication fails in one region: Replicating now, Failed after {@code after}.
   *
   * @param image the release's image, pinned
   * @param region the region
   * @param after when it fails: positive, at most {@link #MAX_FAULT_TIME}
   * @return this
   */
  public Faults replicationFailure(ImageReference image, String region, Duration after) {
    Require.positive("after", after, MAX_FAULT_TIME);
    replication(image, region, ReplicationState.REPLICATING, Duration.ZERO);
    return replication(image, region, ReplicationState.FAILED, after);
  }

  // ---- port calls -----------------------------------------------------------------------------------------------

  /**
   * Microsoft.Compute throttling: the next {@code times} calls of {@code method} fail with HTTP 429
   * {@code OperationNotAllowed} and {@link #DEFAULT_RETRY_AFTER}, changing nothing.
   *
   * @param method a name from {@link #METHODS} (the typed form takes a {@link PortOperation}), or {@code "*"}
   * @param times how many calls, in [1, {@link #MAX_TIMES}]
   * @return this
   */
  public Faults throttle(String method, int times) {
    return throttle(method, times, DEFAULT_RETRY_AFTER);
  }

  /**
   * Microsoft.Compute throttling with a given {@code Retry-After}.
   *
   * @param method a name from {@link #METHODS} (the typed form takes a {@link PortOperation}), or {@code "*"}
   * @param times how many calls, in [1, {@link #MAX_TIMES}]
   * @param retryAfter what the 429 asks for: positive, at most 1 day
   * @return this
   */
  public Faults throttle(String method, int times, Duration retryAfter) {
    Require.positive("retryAfter", retryAfter, ThrottledException.MAX_RETRY_AFTER);
    Require.inRange("times", times, 1, MAX_TIMES);
    throttle.script(method, times, x -> Throttle.crpThrottled(retryAfter));
    scripted("the next " + times + " " + method + " call(s) throttled (OperationNotAllowed, "
        + "Retry-After " + retryAfter.getSeconds() + "s)");
    return this;
  }

  /**
   * ARM throttling: the next {@code times} calls of {@code method} fail with HTTP 429 {@code TooManyRequests}.
   *
   * @param method a name from {@link #METHODS} (the typed form takes a {@link PortOperation}), or {@code "*"}
   * @param times how many calls, in [1, {@link #MAX_TIMES}]
   * @param retryAfter what the 429 asks for: positive, at most 1 day
   * @return this
   */
  public Faults armThrottle(String method, int times, Duration retryAfter) {
    Require.positive("retryAfter", retryAfter, ThrottledException.MAX_RETRY_AFTER);
    Require.inRange("times", times, 1, MAX_TIMES);
    throttle.script(method, times, id -> Throttle.armThrottled(id, retryAfter));
    scripted("the next " + times + " " + method + " call(s) throttled by ARM (TooManyRequests, "
        + "Retry-After " + retryAfter.getSeconds() + "s)");
    return this;
  }

  /**
   * Seeded throttling: each call of {@code method} is throttled ({@code OperationNotAllowed},
   * {@link #DEFAULT_RETRY_AFTER}) with this probability.
   *
   * @param method a name from {@link #METHODS} (the typed form takes a {@link PortOperation}), or {@code "*"}
   * @param probability in [0, 1]
   * @return this
   */
  public Faults throttleRate(String method, double probability) {
    throttle.throttleRate(method, probability(probability));
    scripted("" + method + " calls throttled with probability " + probability);
    return this;
  }

  /**
   * Transient server errors: the next {@code times} calls of {@code method} fail with HTTP 500
   * ({@code InternalExecutionError}) or 503 ({@code ServiceUnavailable}), changing nothing.
   *
   * @param method a name from {@link #METHODS} (the typed form takes a {@link PortOperation}), or {@code "*"}
   * @param times how many calls, in [1, {@link #MAX_TIMES}]
   * @param httpStatus 500 or 503
   * @return this
   */
  public Faults serverErrors(String method, int times, int httpStatus) {
    if (httpStatus != 500 && httpStatus != 503) {
      throw new InvalidValueException("httpStatus", "500 or 503", httpStatus);
    }
    Require.inRange("times", times, 1, MAX_TIMES);
    throttle.script(method, times, x -> Throttle.serverError(httpStatus));
    scripted("the next " + times + " " + method + " call(s) fail with HTTP " + httpStatus);
    return this;
  }

  /**
   * Seeded transient errors: each call of {@code method} fails with HTTP 503 with this probability.
   *
   * @param method a name from {@link #METHODS} (the typed form takes a {@link PortOperation}), or {@code "*"}
   * @param probability in [0, 1]
   * @return this
   */
  public Faults serverErrorRate(String method, double probability) {
    throttle.serverErrorRate(method, probability(probability));
    scripted("" + method + " calls fail with HTTP 503 with probability " + probability);
    return this;
  }

  /**
   * Cloud errors as a server sends them: the next {@code times} calls of {@code method} fail with this HTTP status,
   * code and message, changing nothing. The exception is the one the Azure adapter maps the status to: 400 and 422
   * {@link dev.osupgrade.port.InvalidModelException}, 401 and 403 {@link dev.osupgrade.port.ForbiddenException},
   * 404 {@link dev.osupgrade.port.ResourceNotFoundException} (an {@code …ImageNotFound} code:
   * {@code InvalidModelException}), 409 and 412 {@link dev.osupgrade.port.ConflictException}, 429
   * {@link dev.osupgrade.port.ThrottledException} with {@link #DEFAULT_RETRY_AFTER}, 408, 500, 502, 503 and 504
   * {@link dev.osupgrade.port.TransientCloudException}, anything else {@link dev.osupgrade.port.CloudException}.
   * The message is kept as the server wrote it (masked like every exception message, see
   * {@link dev.osupgrade.Redaction}), e.g. to show that an echoed token never reaches a checkpoint.
   *
   * @param method a name from {@link #METHODS} (the typed form takes a {@link PortOperation}), or {@code "*"}
   * @param times how many calls, in [1, {@link #MAX_TIMES}]
   * @param httpStatus in [400, 599]
   * @param code the error code, e.g. {@code InvalidParameter}: a name of at most 256 characters
   * @param message the error message, at most {@value Require#MAX_TEXT} characters
   * @return this
   */
  public Faults cloudError(String method, int times, int httpStatus, String code, String message) {
    Throttle.method(Require.nonNull(method, "method"));
    Require.inRange("times", times, 1, MAX_TIMES);
    Require.inRange("httpStatus", httpStatus, 400, 599);
    Require.name("code", code, 256);
    Require.text("message", message);
    throttle.script(method, times, x -> Throttle.cloudError(httpStatus, code, message));
    scripted("the next " + times + " " + method + " call(s) fail with HTTP " + httpStatus + " "
        + code);
    return this;
  }

  // ---- listings -------------------------------------------------------------------------------------------------

  /**
   * Incomplete listings, as ARM sends them when a page is lost or answered empty: the next {@code listings} listings
   * of the scale set ({@code listInstances}, and the instances of a {@code get}) leave these instances out. A read of
   * one instance ({@code instance}) still finds it, as a direct read on ARM does; nothing changes in the fleet, and
   * its record ({@link FleetRecord}) still shows the whole set.
   *
   * @param id the scale set
   * @param listings how many listings, in [1, {@link #MAX_TIMES}]
   * @param instanceIds the instances to leave out
   * @return this
   */
  public Faults leaveOutOfListings(ScaleSetId id, int listings, String... instanceIds) {
    Require.nonNull(id, "id");
    Require.inRange("listings", listings, 1, MAX_TIMES);
    List<String> ids = InstanceIds.sorted(Arrays.asList(Require.nonNull(instanceIds, "instanceIds")));
    Require.nonEmpty("instanceIds", ids);
    Set<String> hidden = Set.copyOf(ids);
    ctx.listingGaps.put(id, new FleetContext.ListingGap(listings, i -> hidden.contains(i.instanceId()),
        "instances " + ids + " left out"));
    scripted("the next " + listings + " listing(s) of " + id.name() + " leave out " + ids);
    return this;
  }

  /**
   * The adversary's incomplete listings: the next {@code listings} listings of the scale set leave out every
   * instance that is Unhealthy or Unknown when it is listed, so that the listing looks healthier than the fleet is. A
   * read of one instance still finds it, with its true health.
   *
   * @param id the scale set
   * @param listings how many listings, in [1, {@link #MAX_TIMES}]
   * @return this
   */
  public Faults leaveUnhealthyOutOfListings(ScaleSetId id, int listings) {
    Require.nonNull(id, "id");
    Require.inRange("listings", listings, 1, MAX_TIMES);
    ctx.listingGaps.put(id, new FleetContext.ListingGap(listings, i -> i.health().countsAsUnhealthy(),
        "unhealthy instances left out"));
    scripted("the next " + listings + " listing(s) of " + id.name() + " leave out every unhealthy instance");
    return this;
  }

  /**
   * Counts the calls of a method that a fault rejected (they are also in {@link SimulatedFleet#calls}).
   *
   * @param method a name from {@link #METHODS}
   * @return how many were rejected
   */
  public int rejectedCalls(String method) {
    return throttle.rejected(Throttle.method(method));
  }

  // ---- the same, by typed operation ------------------------------------------------------------------------------

  /**
   * {@link #throttle(String, int)} by typed operation.
   *
   * @param operation the port operation
   * @param times how many calls, in [1, {@link #MAX_TIMES}]
   * @return this
   */
  public Faults throttle(PortOperation operation, int times) {
    return throttle(Require.nonNull(operation, "operation").methodName(), times);
  }

  /**
   * {@link #throttle(String, int, Duration)} by typed operation.
   *
   * @param operation the port operation
   * @param times how many calls, in [1, {@link #MAX_TIMES}]
   * @param retryAfter what the 429 asks for: positive, at most 1 day
   * @return this
   */
  public Faults throttle(PortOperation operation, int times, Duration retryAfter) {
    return throttle(Require.nonNull(operation, "operation").methodName(), times, retryAfter);
  }

  /**
   * {@link #armThrottle(String, int, Duration)} by typed operation.
   *
   * @param operation the port operation
   * @param times how many calls, in [1, {@link #MAX_TIMES}]
   * @param retryAfter what the 429 asks for: positive, at most 1 day
   * @return this
   */
  public Faults armThrottle(PortOperation operation, int times, Duration retryAfter) {
    return armThrottle(Require.nonNull(operation, "operation").methodName(), times, retryAfter);
  }

  /**
   * {@link #throttleRate(String, double)} by typed operation.
   *
   * @param operation the port operation
   * @param probability in [0, 1]
   * @return this
   */
  public Faults throttleRate(PortOperation operation, double probability) {
    return throttleRate(Require.nonNull(operation, "operation").methodName(), probability);
  }

  /**
   * {@link #serverErrors(String, int, int)} by typed operation.
   *
   * @param operation the port operation
   * @param times how many calls, in [1, {@link #MAX_TIMES}]
   * @param httpStatus 500 or 503
   * @return this
   */
  public Faults serverErrors(PortOperation operation, int times, int httpStatus) {
    return serverErrors(Require.nonNull(operation, "operation").methodName(), times, httpStatus);
  }

  /**
   * {@link #serverErrorRate(String, double)} by typed operation.
   *
   * @param operation the port operation
   * @param probability in [0, 1]
   * @return this
   */
  public Faults serverErrorRate(PortOperation operation, double probability) {
    return serverErrorRate(Require.nonNull(operation, "operation").methodName(), probability);
  }

  /**
   * {@link #cloudError(String, int, int, String, String)} by typed operation.
   *
   * @param operation the port operation
   * @param times how many calls, in [1, {@link #MAX_TIMES}]
   * @param httpStatus in [400, 599]
   * @param code the error code
   * @param message the error message
   * @return this
   */
  public Faults cloudError(PortOperation operation, int times, int httpStatus, String code, String message) {
    return cloudError(Require.nonNull(operation, "operation").methodName(), times, httpStatus, code, message);
  }

  /**
   * {@link #rejectedCalls(String)} by typed operation.
   *
   * @param operation the port operation
   * @return how many were rejected
   */
  public int rejectedCalls(PortOperation operation) {
    return rejectedCalls(Require.nonNull(operation, "operation").methodName());
  }

  @Override
  public String toString() {
    return "Faults[" + scripted + " scripted]";
  }

  // ---- helpers --------------------------------------------------------------------------------------------------

  private List<SimInstance> instances(ScaleSetId id, String... instanceIds) {
    SimScaleSet s = ctx.require(id);
    Require.nonEmpty("instanceIds", Arrays.asList(Require.nonNull(instanceIds, "instanceIds")));
    return InstanceIds.sorted(Arrays.asList(instanceIds)).stream().map(i -> ctx.instance(s, i)).toList();
  }

  private ImageRelease release(ImageReference image) {
    Require.nonNull(image, "image");
    Require.that(!image.isLatest(), "image", "pinned to the release's version", image);
    return ctx.releaseOf(image).orElseThrow(() -> new InvalidValueException("image", "a published release",
        image));
  }

  private void script(ScaleSetId id, String what) {
    scripted++;
    ctx.record(id, "fault scripted: " + what);
  }

  /** Notes a fault scripted for the whole fleet. */
  private void scripted(String what) {
    scripted++;
    ctx.note("fault scripted: " + what);
  }

  private static double probability(double p) {
    if (!(p >= 0 && p <= 1)) {
      throw new InvalidValueException("probability", "in [0, 1]", p);
    }
    return p;
  }
}
