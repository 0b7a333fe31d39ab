package dev.osupgrade.azure.internal;

import dev.osupgrade.port.CloudException;
import dev.osupgrade.port.ThrottledException;
import dev.osupgrade.port.TransientCloudException;

/** Whether a call is safe to repeat, which decides what the retry layer may retry. */
enum CallKind {
  /** A GET: retried on 429, 408, 5xx and failed connections. */
  READ,
  /** A change that is the same when applied twice (manualupgrade, unconditional PATCH, cancel, approve). */
  IDEMPOTENT_WRITE,
  /**
   * A change that must not be applied twice (osRollingUpgrade, a conditional PATCH): retried on 429 only, because
   * ARM does not process a throttled request, while after a 5xx the first attempt may have been applied.
   */
  ONCE_ONLY_WRITE;

  /**
   * Says whether a failure of this kind of call may be retried.
   *
   * @param failure the mapped failure
   * @return true to retry (budget and {@code Retry-After} ceiling permitting)
   */
  boolean mayRetry(CloudException failure) {
    if (failure instanceof ThrottledException) {
      return true;
    }
    return failure instanceof TransientCloudException && this != ONCE_ONLY_WRITE;
  }
}
