package dev.osupgrade.port;

import dev.osupgrade.OsUpgradeException;
import java.io.Serial;

/** A save was refused because the caller no longer holds the scale set's lease (another replica took it over). */
public final class LeaseLostException extends OsUpgradeException {
  @Serial private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message who holds the lease now
   */
  public LeaseLostException(String message) {
    super("LeaseLost", message);
  }
}
