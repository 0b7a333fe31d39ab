package dev.osupgrade.governance;

import dev.osupgrade.Require;
import dev.osupgrade.fleet.ScaleSetId;
import java.util.ArrayList;
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

  /**
   * The four things a readiness record documents, by name and in order — owner, expected signal, rollout boundary,
   * rollback path — one line each, with what is missing from it (or wrong for this scale set), or that nothing is.
   *
   * @return four lines, e.g. {@code "Owner: Name the owning team: ... Give the owner's contact ..."}
   */
  public List<String> sectionLines() {
    List<String> lines = new ArrayList<>();
    for (String section : ReadinessItem.SECTIONS) {
      List<String> sentences = gaps.stream().filter(g -> g.item().section().equals(section))
          .map(ReadinessGap::sentence).toList();
      lines.add(section + ": " + (sentences.isEmpty() ? "nothing missing." : String.join(" ", sentences)));
    }
    return List.copyOf(lines);
  }

  /**
   * The check for a person: the verdict on the first line, then {@link #sectionLines()}, one per line.
   *
   * @return the text, several lines
   */
  public String describe() {
    if (gaps.isEmpty()) {
      return toString();
    }
    StringBuilder b = new StringBuilder(verdict());
    sectionLines().forEach(line -> b.append("\n  ").append(line));
    return b.toString();
  }

  private String verdict() {
    return action + " on " + scaleSet + " (" + environment + ")"
        + (isAllowed() ? ": allowed outside production, but " : ": refused, ")
        + (recordGiven ? "the readiness record is incomplete." : "no readiness record was given.");
  }

  /** @return the check on one line: the verdict, then the four sections with what is missing from each */
  @Override
  public String toString() {
    if (gaps.isEmpty()) {
      return action + " on " + scaleSet + " (" + environment + "): ready";
    }
    return verdict() + " " + String.join(" ", sectionLines());
  }
}
