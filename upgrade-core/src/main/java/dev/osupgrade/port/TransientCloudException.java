package dev.osupgrade.port;

import java.io.Serial;
import org.jspecify.annotations.Nullable;

/** A transient server-side failure; the same call may succeed later. */
public class TransientCloudException extends CloudException {
  @Serial private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param httpStatus the HTTP status (usually 503)
   * @param code the cloud's error code
   * @param message the cloud's message
   * @param cause the underlying failure, if any
   */
  public TransientCloudException(int httpStatus, String code, String message, @Nullable Throwable cause) {
    super(httpStatus, code, message, cause);
  }

  @Override
  public boolean isRetryable() {
    return true;
  }
}
