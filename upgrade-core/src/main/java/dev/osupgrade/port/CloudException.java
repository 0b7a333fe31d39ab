package dev.osupgrade.port;

import dev.osupgrade.OsUpgradeException;
import java.io.Serial;
import org.jspecify.annotations.Nullable;

/**
 * A failure reported by the cloud (or the simulator standing in for it), keeping the cloud's error code and message.
 * Subclasses say what the caller can do about it.
 */
public class CloudException extends OsUpgradeException {
  @Serial private static final long serialVersionUID = 1L;

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
}
