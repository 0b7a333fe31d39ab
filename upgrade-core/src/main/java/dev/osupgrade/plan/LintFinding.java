package dev.osupgrade.plan;

import dev.osupgrade.Require;

/**
 * One thing the {@link PolicyLinter} found.
 *
 * @param severity how bad it is
 * @param code a stable name, e.g. {@code SINGLE_UNHEALTHY_BLOCKS}
 * @param message what is wrong, with the numbers, and what to do about it
 */
public record LintFinding(Severity severity, String code, String message) {
  /** Validates the fields. */
  public LintFinding {
    Require.nonNull(severity, "severity");
    Require.nonBlank("code", code);
    Require.nonBlank("message", message);
  }

  /** How bad a finding is. */
  public enum Severity {
    /** Azure will reject the configuration. */
    ERROR,
    /** The configuration works but likely not as intended. */
    WARNING,
    /** Worth knowing. */
    INFO
  }

  @Override
  public String toString() {
    return severity + " " + code + ": " + message;
  }
}
