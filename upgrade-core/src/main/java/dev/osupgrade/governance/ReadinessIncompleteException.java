package dev.osupgrade.governance;

import dev.osupgrade.OsUpgradeException;
import dev.osupgrade.Require;
import java.io.Serial;
import java.util.List;

/**
 * A production action was refused because the readiness record is missing or incomplete (or does not match the
 * scale set). The message names the record's four sections — owner, expected signal, rollout boundary, rollback path
 * — one line each, with what is missing from each ({@link ReadinessCheck#describe()}); {@link #check()} has the gaps
 * as values. Nothing was changed.
 */
public final class ReadinessIncompleteException extends OsUpgradeException {
  @Serial private static final long serialVersionUID = 1L;

  /** The code of this failure. */
  public static final String CODE = "ReadinessIncomplete"; // StopCode.READINESS_INCOMPLETE.azureName()

  private final transient ReadinessCheck check;

  /**
   * Creates the exception.
   *
   * @param check the refusing check
   */
  public ReadinessIncompleteException(ReadinessCheck check) {
    this(check, "");
  }

  /**
   * Creates the exception with more to say after the record's four sections (for example what the image trust
   * decision found, and how to go on).
   *
   * @param check the refusing check
   * @param more further lines, or empty
   */
  public ReadinessIncompleteException(ReadinessCheck check, String more) {
    super(CODE, Require.nonNull(check, "check").describe() + (Require.text("more", more).isEmpty() ? "" : "\n" + more)
        + "\nNothing was changed.");
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
