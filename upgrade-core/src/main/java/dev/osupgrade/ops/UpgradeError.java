package dev.osupgrade.ops;

import dev.osupgrade.Require;

/**
 * Why a rollout stopped: a stable code (Azure's name where Azure has one, see {@link ErrorCodes}) and a message that
 * gives the numbers.
 *
 * @param code the code, e.g. {@code MaxUnhealthyUpgradedInstancePercentExceededInRollingUpgrade}
 * @param message what happened, with the evidence
 */
public record UpgradeError(String code, String message) {
  /** Validates the fields. */
  public UpgradeError {
    Require.nonBlank("code", code);
    Require.nonNull(message, "message");
  }

  @Override
  public String toString() {
    return code + ": " + message;
  }
}
