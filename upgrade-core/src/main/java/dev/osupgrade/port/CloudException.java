package dev.osupgrade.port;

import dev.osupgrade.OsUpgradeException;
import java.io.Serial;
import java.util.Locale;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * A failure reported by the cloud (or the simulator standing in for it), keeping the cloud's error code and message.
 * Subclasses say what the caller can do about it.
 */
public class CloudException extends OsUpgradeException {
  @Serial private static final long serialVersionUID = 1L;

  /** The codes of a refusal for want of capacity, in lower case. */
  private static final Set<String> CAPACITY_CODES = Set.of("quotaexceeded", "allocationfailed",
      "zonalallocationfailed", "overconstrainedallocationrequest", "overconstrainedzonalallocationrequest",
      "skunotavailable");

  private final int httpStatus;

  /**
   * Creates the exception.
   *
   * @param httpStatus the HTTP status, or 0 when there was none
   * @param code the cloud's error code, e.g. {@code OperationNotAllowed}
   * @param message the cloud's message
   * @param cause the underlying failure, if any
   */
  public CloudException(int httpStatus, String code, String message, @Nullable Throwable cause) {
    super(code, message, cause);
    this.httpStatus = httpStatus;
  }

  /** @return the HTTP status, or 0 when there was none */
  public int httpStatus() {
    return httpStatus;
  }

  /** @return true when repeating the same call later may succeed */
  public boolean isRetryable() {
    return false;
  }

  /**
   * Says whether the cloud refused the request itself, so that repeating it unchanged can never succeed (a malformed
   * request, an image version that does not exist). A rollout ends on a rejection; every other cloud failure
   * (throttling, server errors, a conflicting operation, a lost credential, an unreadable answer) is an
   * infrastructure failure that stalls it, resumably, until the cause is gone or its progress deadline passes.
   *
   * @return true for a rejection of the request as such
   */
  public boolean isRejection() {
    return false;
  }

  /**
   * Says whether the cloud refused for want of capacity: quota ({@code QuotaExceeded}, or {@code OperationNotAllowed}
   * that says the request exceeds approved quota), allocation ({@code AllocationFailed}, {@code ZonalAllocationFailed},
   * {@code OverconstrainedAllocationRequest}, {@code OverconstrainedZonalAllocationRequest}) or a size not offered
   * ({@code SkuNotAvailable}). Max surge falls back to in-place upgrades on such a refusal, as Azure's own rolling
   * upgrade does after its quota check; any other failure of a scale-out is not a reason to change how a batch is
   * upgraded.
   *
   * @return true for a refusal for want of capacity
   */
  public boolean isCapacityRefusal() {
    String c = code();
    return CAPACITY_CODES.contains(c.toLowerCase(Locale.ROOT))
        || ("OperationNotAllowed".equalsIgnoreCase(c) && String.valueOf(getMessage()).toLowerCase(Locale.ROOT)
            .contains("quota"));
  }
}
