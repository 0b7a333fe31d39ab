package dev.osupgrade.governance;

import dev.osupgrade.OsUpgradeException;
import java.io.Serial;
import java.util.List;

/**
 * An image release was refused by the image trust policy before anything changed. The message names every rule
 * that refused it, with the evidence; {@link #decision()} has them as values.
 */
public final class ImageNotTrustedException extends OsUpgradeException {
  @Serial private static final long serialVersionUID = 1L;

  /** The code of this failure. */
  public static final String CODE = "ImageNotTrusted"; // StopCode.IMAGE_NOT_TRUSTED.azureName()

  private final transient TrustDecision decision;

  /**
   * Creates the exception.
   *
   * @param decision the refusing decision
   */
  public ImageNotTrustedException(TrustDecision decision) {
    super(CODE, decision + ". Nothing was changed.");
    this.decision = decision;
  }

  /** @return the decision, with every refusal */
  public TrustDecision decision() {
    return decision;
  }

  /** @return the rules that refused the release */
  public List<TrustRule> rules() {
    return decision.rules();
  }
}
