package dev.osupgrade.port;

import java.io.Serial;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/** The cloud throttled the caller (HTTP 429); {@link #retryAfter()} says when to try again. */
public class ThrottledException extends CloudException {
  @Serial private static final long serialVersionUID = 1L;

  private final Duration retryAfter;

  /**
   * Creates the exception.
   *
   * @param code the cloud's error code (Azure: {@code OperationNotAllowed} or {@code TooManyRequests})
   * @param message the cloud's message
   * @param retryAfter the {@code Retry-After} the cloud asked for
   * @param cause the underlying failure, if any
   */
  public ThrottledException(String code, String message, Duration retryAfter, @Nullable Throwable cause) {
    super(429, code, message, cause);
    this.retryAfter = retryAfter;
  }

  /** @return how long the cloud asked the caller to wait; {@link Duration#ZERO} when it named no wait */
  public Duration retryAfter() {
    return retryAfter;
  }

  @Override
  public boolean isRetryable() {
    return true;
  }
}
