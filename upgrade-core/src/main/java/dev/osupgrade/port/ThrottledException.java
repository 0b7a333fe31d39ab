package dev.osupgrade.port;

import dev.osupgrade.Require;
import java.io.Serial;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/** The cloud throttled the caller (HTTP 429); {@link #retryAfter()} says when to try again. */
public class ThrottledException extends CloudException {
  @Serial private static final long serialVersionUID = 1L;

  /** The longest {@code Retry-After} kept: 1 day; a longer one (a server's typo) is taken as 1 day. */
  public static final Duration MAX_RETRY_AFTER = Duration.ofDays(1);

  private final Duration retryAfter;

  /**
   * Creates the exception.
   *
   * @param code the cloud's error code (Azure: {@code OperationNotAllowed} or {@code TooManyRequests})
   * @param message the cloud's message
   * @param retryAfter the {@code Retry-After} the cloud asked for: a negative one is taken as zero, one longer than
   *     {@link #MAX_RETRY_AFTER} as that (the value comes from a server, and an error path must not fail)
   * @param cause the underlying failure, if any
   */
  public ThrottledException(String code, String message, Duration retryAfter, @Nullable Throwable cause) {
    super(429, code, message, cause);
    Require.nonNull(retryAfter, "retryAfter");
    this.retryAfter = retryAfter.isNegative() ? Duration.ZERO
        : retryAfter.compareTo(MAX_RETRY_AFTER) > 0 ? MAX_RETRY_AFTER : retryAfter;
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
