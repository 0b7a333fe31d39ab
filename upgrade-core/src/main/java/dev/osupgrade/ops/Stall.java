package dev.osupgrade.ops;

import dev.osupgrade.Redaction;
import dev.osupgrade.Require;
import java.time.Duration;
import java.time.Instant;

/**
 * Why a rollout cannot go on for now: an infrastructure failure — throttling, a server error, a conflicting operation
 * (409) or a changed ETag (412), a lost credential (401/403), a scale set that cannot be found for the moment, an
 * unreadable or empty answer — that leaves the rollout resumable. A stalled rollout keeps its status (it has not
 * ended), keeps every action it has not carried out, and goes on by itself once the cause is gone; only its progress
 * deadline ends it if the cause stays.
 *
 * @param code the cloud's error code (for example {@code ServiceUnavailable}, {@code OperationNotAllowed},
 *     {@code AuthorizationFailed}), or {@link #EMPTY_LISTING} for a look that came back empty
 * @param message the cloud's message, or what was wrong with the answer
 * @param httpStatus the HTTP status, or 0 when there was none
 * @param during what the rollout was doing, in words ({@code "reading the scale set"}, {@code "upgrade 0, 5"})
 * @param since when the stall began: the first failure after the last call that succeeded
 * @param attempts failed attempts in a row, from 1
 */
public record Stall(String code, String message, int httpStatus, String during, Instant since, int attempts) {
  /** The code of a look that listed no instance while the rollout still expects some: a failed look, not a fact. */
  public static final String EMPTY_LISTING = "EmptyListing";

  /** Validates the fields. */
  public Stall {
    code = Redaction.redact(Require.nonBlank("code", code));
    message = Redaction.redact(Require.nonNull(message, "message"));
    Require.inRange("httpStatus", httpStatus, 0, 999);
    during = Redaction.redact(Require.nonBlank("during", during));
    Require.instant("since", since);
    Require.atLeast("attempts", attempts, 1);
  }

  /**
   * Says whether another failure has the same cause as this one (the same code while doing the same thing): a
   * rollout reports a stall once per change of cause, not once per retry.
   *
   * @param other the other failure
   * @return true when code and operation are the same
   */
  public boolean sameCause(Stall other) {
    Require.nonNull(other, "other");
    return code.equals(other.code) && during.equals(other.during);
  }

  /**
   * How long the rollout has been stalled at a moment.
   *
   * @param now the moment
   * @return the time since {@link #since()}, never negative
   */
  public Duration duration(Instant now) {
    Duration d = Duration.between(since, Require.instant("now", now));
    return d.isNegative() ? Duration.ZERO : d;
  }

  @Override
  public String toString() {
    return "stalled since " + since + " " + during + ": [" + code + (httpStatus == 0 ? "" : " " + httpStatus) + "] "
        + message + (attempts > 1 ? " (" + attempts + " attempts)" : "");
  }
}
