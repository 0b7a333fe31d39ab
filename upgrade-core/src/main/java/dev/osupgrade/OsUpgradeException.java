package dev.osupgrade;

import java.io.Serial;
import org.jspecify.annotations.Nullable;

/**
 * The unchecked base of every failure the library reports that is not plain bad input (bad input is an
 * {@link InvalidValueException}). Subclasses carry a stable {@link #code()}; where the failure came from Azure it
 * is Azure's own error code.
 *
 * <p>Code and message are {@linkplain Redaction redacted} when the exception is made, so that a server that echoes a
 * token or a SAS signature cannot put it in a log; a cause whose text holds a secret is kept as a masked copy (same
 * class name and stack trace).
 */
public class OsUpgradeException extends RuntimeException {
  @Serial private static final long serialVersionUID = 1L;

  /** The code of a checkpoint (or a store's record of one) that cannot be read. */
  public static final String CHECKPOINT_CORRUPT = "CheckpointCorrupt";

  private final String code;

  /**
   * Creates the exception.
   *
   * @param code a stable, machine-readable code (Azure's where the failure came from Azure); not blank
   * @param message what happened and, where there is one, what to do about it; secrets in it are masked
   * @throws InvalidValueException if the code is blank or either is null
   */
  public OsUpgradeException(String code, String message) {
    this(code, message, null);
  }

  /**
   * Creates the exception with a cause.
   *
   * @param code a stable, machine-readable code; not blank
   * @param message what happened; secrets in it are masked
   * @param cause the underlying failure (a masked copy if its text holds a secret)
   * @throws InvalidValueException if the code is blank or either is null
   */
  public OsUpgradeException(String code, String message, @Nullable Throwable cause) {
    super(Redaction.redact(Require.nonNull(message, "message")), Redaction.scrub(cause));
    this.code = Redaction.redact(Require.nonBlank("code", code));
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
