package dev.osupgrade.ops;

import dev.osupgrade.Redaction;
import dev.osupgrade.Require;

/**
 * Why a rollout stopped: a stable code (Azure's name where Azure has one, see {@link ErrorCodes}) and a message that
 * gives the numbers. Both are {@linkplain Redaction redacted} on construction: an error copied from Azure cannot
 * carry a token into a checkpoint or an event.
 *
 * @param code the code, e.g. {@code MaxUnhealthyUpgradedInstancePercentExceededInRollingUpgrade}
 * @param message what happened, with the evidence
 */
public record UpgradeError(String code, String message) {
  /** Validates the fields and masks secrets in them. */
  public UpgradeError {
    code = Redaction.redact(Require.nonBlank("code", code));
    message = Redaction.redact(Require.nonNull(message, "message"));
  }

  @Override
  public String toString() {
    return code + ": " + message;
  }
}
