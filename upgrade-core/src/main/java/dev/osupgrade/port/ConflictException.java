package dev.osupgrade.port;

import java.io.Serial;
import org.jspecify.annotations.Nullable;

/** A concurrent change or an operation in progress conflicts with the request. */
public class ConflictException extends CloudException {
  @Serial private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param httpStatus the HTTP status (usually 409)
   * @param code the cloud's error code
   * @param message the cloud's message
   * @param cause the underlying failure, if any
   */
  public ConflictException(int httpStatus, String code, String message, @Nullable Throwable cause) {
    super(httpStatus, code, message, cause);
  }
}
