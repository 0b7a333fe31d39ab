package dev.osupgrade.testkit;

import dev.osupgrade.InvalidValueException;
import dev.osupgrade.Require;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.port.CloudException;
import dev.osupgrade.port.ConflictException;
import dev.osupgrade.port.ForbiddenException;
import dev.osupgrade.port.InvalidModelException;
import dev.osupgrade.port.ResourceNotFoundException;
import dev.osupgrade.port.ThrottledException;
import dev.osupgrade.port.TransientCloudException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Deque;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * ARM-style rejections of port calls, before they change anything: scripted ("the next N calls of this method")
 * and seeded ("each call with probability p"). Scripted rejections for a method come before those scripted for
 * every method ({@code "*"}); seeded rates are drawn only when no scripted rejection applies.
 */
final class Throttle {
  /** The port methods, by the names {@link SimulatedFleet#calls(String)} uses. */
  static final Set<String> METHODS = Collections.unmodifiableSet(new TreeSet<>(Set.of(
      "get", "listInstances", "instance", "updateModelImage", "updateUpgradePolicy", "upgradeInstances", "rollBackInstances",
      "listReleases", "startOsUpgrade", "cancelRollingUpgrade", "latestRollingUpgrade", "osUpgradeHistory",
      "approveRollingUpgrade", "headroom", "scaleOut", "deleteInstances", "listScaleSets")));
  /** Every method. */
  static final String ANY = "*";

  private final FleetContext ctx;
  private final Map<String, Deque<Rejection>> scripted = new TreeMap<>();
  private final Map<String, Double> throttleRates = new TreeMap<>();
  private final Map<String, Double> serverErrorRates = new TreeMap<>();
  private final Map<String, Integer> rejected = new TreeMap<>();

  Throttle(FleetContext ctx) {
    this.ctx = ctx;
  }

  static String method(String method) {
    Require.nonNull(method, "method");
    if (!method.equals(ANY) && !METHODS.contains(method)) {
      throw new InvalidValueException("method", "one of " + METHODS + " or \"*\"", method);
    }
    return method;
  }

  void script(String method, int times, Rejection failure) {
    Deque<Rejection> queue =
        scripted.computeIfAbsent(method(method), k -> new ArrayDeque<>());
    for (int k = 0; k < times; k++) {
      queue.add(failure);
    }
  }

  void throttleRate(String method, double probability) {
    throttleRates.put(method(method), probability);
  }

  void serverErrorRate(String method, double probability) {
    serverErrorRates.put(method(method), probability);
  }

  int rejected(String method) {
    return rejected.getOrDefault(method, 0);
  }

  /** Throws the rejection due for this call, if any. */
  void check(String method, @Nullable ScaleSetId id) {
    Rejection failure = next(method);
    if (failure == null) {
      failure = next(ANY);
    }
    if (failure == null && draw(throttleRates, method)) {
      failure = x -> crpThrottled(Faults.DEFAULT_RETRY_AFTER);
    }
    if (failure == null && draw(serverErrorRates, method)) {
      failure = x -> serverError(503);
    }
    if (failure != null) {
      CloudException e = failure.make(id);
      rejected.merge(method, 1, Integer::sum);
      ctx.note((id == null ? "" : id + " ") + "fault: " + method + " rejected with " + e.httpStatus() + " "
          + e.code() + (e instanceof ThrottledException t ? " (Retry-After " + t.retryAfter().getSeconds() + "s)"
          : "") + "; nothing changed");
      throw e;
    }
  }

  private @Nullable Rejection next(String method) {
    Deque<Rejection> queue = scripted.get(method);
    return queue == null ? null : queue.poll();
  }

  private boolean draw(Map<String, Double> rates, String method) {
    Double p = rates.containsKey(method) ? rates.get(method) : rates.get(ANY);
    return p != null && p > 0 && ctx.faults.nextDouble() < p;
  }

  /** Microsoft.Compute's throttling answer (HTTP 429). */
  static ThrottledException crpThrottled(Duration retryAfter) {
    return new ThrottledException("OperationNotAllowed", "The server rejected the request because too many requests "
        + "have been received for this subscription.", retryAfter, null);
  }

  /** Azure Resource Manager's throttling answer (HTTP 429). */
  static ThrottledException armThrottled(@Nullable ScaleSetId id, Duration retryAfter) {
    String subscription = id == null ? ScaleSetId.LOCAL_SUBSCRIPTION : id.subscriptionId();
    return new ThrottledException("TooManyRequests", "The request for subscription '" + subscription + "' could not "
        + "be processed due to an excessive volume of traffic. Please try again later.", retryAfter, null);
  }

  /** A transient server error: 500 InternalExecutionError or 503 ServiceUnavailable. */
  static TransientCloudException serverError(int httpStatus) {
    return httpStatus == 500
        ? new TransientCloudException(500, "InternalExecutionError", "An internal execution error occurred. Please "
            + "retry later.", null)
        : new TransientCloudException(503, "ServiceUnavailable", "The service is temporarily unavailable. Please "
            + "retry later.", null);
  }

  /** The exception the Azure adapter makes of an HTTP error with this status, code and message. */
  static CloudException cloudError(int httpStatus, String code, String message) {
    String c = code.toLowerCase(java.util.Locale.ROOT);
    boolean missingImage = c.endsWith("imagenotfound") || c.endsWith("imageversionnotfound");
    return switch (httpStatus) {
      case 400, 422 -> new InvalidModelException(httpStatus, code, message, null);
      case 401, 403 -> new ForbiddenException(httpStatus, code, message, null);
      case 404 -> missingImage ? new InvalidModelException(httpStatus, code, message, null)
          : new ResourceNotFoundException(httpStatus, code, message, null);
      case 409, 412 -> new ConflictException(httpStatus, code, message, null);
      case 429 -> new ThrottledException(code, message, Faults.DEFAULT_RETRY_AFTER, null);
      case 408, 500, 502, 503, 504 -> new TransientCloudException(httpStatus, code, message, null);
      default -> new CloudException(httpStatus, code, message, null);
    };
  }

  /** Makes the exception for one rejected call. */
  @FunctionalInterface
  interface Rejection {
    CloudException make(@Nullable ScaleSetId id);
  }
}
