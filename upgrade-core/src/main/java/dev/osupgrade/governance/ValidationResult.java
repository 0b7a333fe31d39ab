package dev.osupgrade.governance;

import dev.osupgrade.Require;

/**
 * What an {@link ImageValidator} found: pass or fail, with the reason (a scan summary, a signature check, a test
 * run's id).
 *
 * @param passed whether the image may be used
 * @param reason why, in words
 */
public record ValidationResult(boolean passed, String reason) {
  /** Validates the reason. */
  public ValidationResult {
    Require.nonNull(reason, "reason");
  }

  /**
   * The image passed.
   *
   * @param reason the evidence, e.g. {@code "signature verified by release-key-2026"}
   * @return the result
   */
  public static ValidationResult pass(String reason) {
    return new ValidationResult(true, reason);
  }

  /**
   * The image failed.
   *
   * @param reason why, e.g. {@code "scan found CVE-2026-1234 (critical)"}
   * @return the result
   */
  public static ValidationResult fail(String reason) {
    return new ValidationResult(false, reason);
  }

  @Override
  public String toString() {
    return (passed ? "pass: " : "fail: ") + reason;
  }
}
