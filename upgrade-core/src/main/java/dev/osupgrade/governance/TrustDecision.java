package dev.osupgrade.governance;

import dev.osupgrade.Require;
import dev.osupgrade.image.Eligibility;
import dev.osupgrade.image.ImageRelease;
import java.util.List;

/**
 * What an {@link ImageTrustPolicy} decided about one release in one environment: trusted, or every rule that
 * refused it.
 *
 * @param release the release
 * @param environment the environment it was checked for
 * @param refusals every rule that refused it, in rule order; empty when trusted
 */
public record TrustDecision(ImageRelease release, Environment environment, List<Refusal> refusals) {
  /** Validates and copies. */
  public TrustDecision {
    Require.nonNull(release, "release");
    Require.nonNull(environment, "environment");
    refusals = List.copyOf(Require.noNulls("refusals", refusals));
  }

  /** @return true when no rule refused the release */
  public boolean isTrusted() {
    return refusals.isEmpty();
  }

  /**
   * Says whether one rule refused the release.
   *
   * @param rule the rule
   * @return true if it is among the refusals
   */
  public boolean refusedBy(TrustRule rule) {
    return refusals.stream().anyMatch(r -> r.rule() == rule);
  }

  /** @return the rules that refused the release, in rule order, without repeats */
  public List<TrustRule> rules() {
    return refusals.stream().map(Refusal::rule).distinct().toList();
  }

  /**
   * The refusals as eligibility reasons, each {@link Eligibility.Code#NOT_TRUSTED} with the rule's name in front
   * of its detail, so that one {@link Eligibility} lists Azure's reasons and governance's together.
   *
   * @return the reasons
   */
  public List<Eligibility.Reason> asEligibilityReasons() {
    return refusals.stream()
        .map(r -> new Eligibility.Reason(Eligibility.Code.NOT_TRUSTED, r.rule().ruleName() + ": " + r.detail()))
        .toList();
  }

  @Override
  public String toString() {
    String subject = release.image() + " for " + environment;
    if (isTrusted()) {
      return subject + " is trusted";
    }
    return subject + " is not trusted: " + String.join("; ", refusals.stream().map(Refusal::toString).toList());
  }

  /**
   * One rule that refused the release.
   *
   * @param rule the rule
   * @param detail the evidence, in words
   */
  public record Refusal(TrustRule rule, String detail) {
    /** Validates the fields. */
    public Refusal {
      Require.nonNull(rule, "rule");
      Require.nonBlank("detail", detail);
    }

    @Override
    public String toString() {
      return rule.ruleName() + " (" + detail + ")";
    }
  }
}
