package dev.osupgrade.governance;

/**
 * The rules of an {@link ImageTrustPolicy}. Each refusal in a {@link TrustDecision} names one; {@link #ruleName()}
 * is the stable name used in messages and eligibility reasons.
 */
public enum TrustRule {
  /** A marketplace image from a publisher (or offer, or sku) the policy does not trust. */
  TRUSTED_PUBLISHER("trusted-publisher"),
  /** A gallery image from a gallery the policy does not trust. */
  TRUSTED_GALLERY("trusted-gallery"),
  /** The image has pinned versions and this is not one of them. */
  PINNED_VERSION("pinned-version"),
  /** The version is on the deny list. */
  DENY_LIST("deny-list"),
  /** The version was published too recently to reach production. */
  MINIMUM_AGE("minimum-age"),
  /** A custom image validator (scan, signature, test run) failed the version. */
  CUSTOM_VALIDATION("custom-validation"),
  /** The version failed somewhere and is quarantined everywhere. */
  QUARANTINE("quarantine");

  private final String ruleName;

  TrustRule(String ruleName) {
    this.ruleName = ruleName;
  }

  /** @return the stable, kebab-case name, e.g. {@code minimum-age} */
  public String ruleName() {
    return ruleName;
  }

  @Override
  public String toString() {
    return ruleName;
  }
}
