package dev.osupgrade.ops;

import dev.osupgrade.Redaction;
import dev.osupgrade.Require;
import java.util.Optional;

/**
 * Why a rollout stopped: a stable code (Azure's name where Azure has one, see {@link StopCode}) and a message that
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

  /**
   * An error with a typed code.
   *
   * @param code the code
   * @param message what happened, with the evidence
   * @return the error
   */
  public static UpgradeError of(StopCode code, String message) {
    return new UpgradeError(Require.nonNull(code, "code").azureName(), message);
  }

  /** @return the typed code, when {@link #code()} is one of {@link StopCode}'s names */
  public Optional<StopCode> stopCode() {
    return StopCode.fromAzure(code);
  }

  /** @return true when the code says the new image is to blame ({@link StopCode#blamesImage()}) */
  public boolean blamesImage() {
    return stopCode().map(StopCode::blamesImage).orElse(false);
  }

  @Override
  public String toString() {
    return code + ": " + message;
  }
}
