package dev.osupgrade.governance;

import dev.osupgrade.Require;
import dev.osupgrade.fleet.ScaleSetId;
import java.util.List;

/**
 * The outcome of {@link ProductionReadiness#check}: whether an action may go ahead, and every gap found. Outside
 * production the gaps are advice and the action is allowed.
 *
 * @param action the action asked for
 * @param scaleSet the scale set
 * @param environment its environment
 * @param recordGiven whether a readiness record was given at all
 * @param gaps what is missing from the record or does not match the scale set
 */
public record ReadinessCheck(GovernedAction action, ScaleSetId scaleSet, Environment environment,
    boolean recordGiven, List<ReadinessGap> gaps) {

  /** Validates and copies. */
  public ReadinessCheck {
    Require.nonNull(action, "action");
    Require.nonNull(scaleSet, "scaleSet");
    Require.nonNull(environment, "environment");
    gaps = List.copyOf(Require.noNulls("gaps", gaps));
  }

  /** @return true when the action may go ahead: not production, or nothing missing */
  public boolean isAllowed() {
    return !environment.isProduction() || gaps.isEmpty();
  }

  /** @return the items found, in order */
  public List<ReadinessItem> items() {
    return gaps.stream().map(ReadinessGap::item).toList();
  }

  @Override
  public String toString() {
    String subject = action + " on " + scaleSet + " (" + environment + ")";
    if (gaps.isEmpty()) {
      return subject + ": ready";
    }
    return subject + (isAllowed() ? ": allowed outside production, but " : ": refused, ")
        + (recordGiven ? "the readiness record is incomplete: " : "no readiness record was given: ")
        + String.join(" ", gaps.stream().map(ReadinessGap::sentence).toList());
  }
}
