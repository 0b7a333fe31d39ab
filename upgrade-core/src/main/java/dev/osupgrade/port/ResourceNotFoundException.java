package dev.osupgrade.port;

import java.io.Serial;
import org.jspecify.annotations.Nullable;

/** The resource does not exist. */
public class ResourceNotFoundException extends CloudException {
  @Serial private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param httpStatus the HTTP status (usually 404)
   * @param code the cloud's error code
   * @param message the cloud's message
   * @param cause the underlying failure, if any
   */
  public ResourceNotFoundException(int httpStatus, String code, String message, @Nullable Throwable cause) {
    super(httpStatus, code, message, cause);
  }
}
