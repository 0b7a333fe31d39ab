package dev.osupgrade.governance;

import dev.osupgrade.ops.ErrorCodes;
import dev.osupgrade.OsUpgradeException;
import java.io.Serial;
import java.util.List;

/**
 * A production action was refused because the readiness record is missing or incomplete (or does not match the
 * scale set). The message lists every gap as a sentence; {@link #check()} has them as values. Nothing was changed.
 */
public final class ReadinessIncompleteException extends OsUpgradeException {
  @Serial private static final long serialVersionUID = 1L;

  /** The code of this failure. */
  public static final String CODE = ErrorCodes.READINESS_INCOMPLETE;

  private final transient ReadinessCheck check;

  /**
   * Creates the exception.
   *
   * @param check the refusing check
   */
  public ReadinessIncompleteException(ReadinessCheck check) {
    super(CODE, check + " Nothing was changed.");
    this.check = check;
  }

  /** @return the check, with every gap */
  public ReadinessCheck check() {
    return check;
  }

  /** @return the gaps */
  public List<ReadinessGap> gaps() {
    return check.gaps();
  }
}
