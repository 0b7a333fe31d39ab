package dev.osupgrade.port;

import java.io.Serial;
import org.jspecify.annotations.Nullable;

/** The caller is not allowed to perform the operation. */
public class ForbiddenException extends CloudException {
  @Serial private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param httpStatus the HTTP status (usually 403)
   * @param code the cloud's error code
   * @param message the cloud's message
   * @param cause the underlying failure, if any
   */
  public ForbiddenException(int httpStatus, String code, String message, @Nullable Throwable cause) {
    super(httpStatus, code, message, cause);
  }
}
