package dev.osupgrade.port;

import dev.osupgrade.OsUpgradeException;
import java.io.Serial;

/** A compare-and-set save found another version than the one it expected: someone else saved in between. */
public final class CheckpointConflictException extends OsUpgradeException {
  @Serial private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message the expected and the found versions
   */
  public CheckpointConflictException(String message) {
    super("CheckpointConflict", message);
  }
}
