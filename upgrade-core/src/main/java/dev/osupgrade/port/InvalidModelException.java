package dev.osupgrade.port;

import java.io.Serial;
import org.jspecify.annotations.Nullable;

/** The cloud rejected the request as invalid for this scale set (for example an image version that is not 'latest' with automatic OS upgrade, or two health sources). */
public class InvalidModelException extends CloudException {
  @Serial private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param httpStatus the HTTP status (usually 400)
   * @param code the cloud's error code
   * @param message the cloud's message
   * @param cause the underlying failure, if any
   */
  public InvalidModelException(int httpStatus, String code, String message, @Nullable Throwable cause) {
    super(httpStatus, code, message, cause);
  }

  /** @return true: the request as such is refused */
  @Override
  public boolean isRejection() {
    return true;
  }
}
