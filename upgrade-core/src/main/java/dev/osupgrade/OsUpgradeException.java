package dev.osupgrade;

import java.io.Serial;
import org.jspecify.annotations.Nullable;

/**
 * The unchecked base of every failure the library reports that is not plain bad input (bad input is an
 * {@link InvalidValueException}). Subclasses carry a stable {@link #code()}; where the failure came from Azure it
 * is Azure's own error code.
 */
public class OsUpgradeException extends RuntimeException {
  @Serial private static final long serialVersionUID = 1L;

  private final String code;

  /**
   * Creates the exception.
   *
   * @param code a stable, machine-readable code (Azure's where the failure came from Azure)
   * @param message what happened and, where there is one, what to do about it
   */
  public OsUpgradeException(String code, String message) {
    super(message);
    this.code = code;
  }

  /**
   * Creates the exception with a cause.
   *
   * @param code a stable, machine-readable code
   * @param message what happened
   * @param cause the underlying failure
   */
  public OsUpgradeException(String code, String message, @Nullable Throwable cause) {
    super(message, cause);
    this.code = code;
  }

  /** @return the stable, machine-readable code of this failure */
  public String code() {
    return code;
  }

  @Override
  public String toString() {
    return getClass().getSimpleName() + "[" + code + "]: " + getMessage();
  }
}
