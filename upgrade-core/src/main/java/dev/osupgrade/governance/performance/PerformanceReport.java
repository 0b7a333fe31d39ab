package dev.osupgrade.governance.performance;

import dev.osupgrade.Require;
import dev.osupgrade.health.Measurement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A performance judgement of an image change at one moment: every threshold in every comparison, and the overall
 * classification (any FAIL fails, else any MARGINAL is marginal, else PASS). Read it as Kayenta's canary report.
 *
 * @param at when it was judged
 * @param judgements one per threshold and comparison
 * @param notes comparisons that could not be made, and why (e.g. every instance already runs the target)
 */
public record PerformanceReport(Instant at, List<MetricJudgement> judgements, List<String> notes) {
  /** Validates and copies. */
  public PerformanceReport {
    Require.nonNull(at, "at");
    judgements = List.copyOf(Require.noNulls("judgements", judgements));
    notes = List.copyOf(Require.noNulls("notes", notes));
  }

  /** @return FAIL if any judgement fails, else MARGINAL if any is marginal, else PASS */
  public Classification overall() {
    if (judgements.stream().anyMatch(j -> j.classification() == Classification.FAIL)) {
      return Classification.FAIL;
    }
    if (judgements.stream().anyMatch(j -> j.classification() == Classification.MARGINAL)) {
      return Classification.MARGINAL;
    }
    return Classification.PASS;
  }

  /** @return the share of judgements that pass, 0 to 100 (100 when there is nothing to judge), as Kayenta scores */
  public double score() {
    if (judgements.isEmpty()) {
      return 100;
    }
    long pass = judgements.stream().filter(j -> j.classification() == Classification.PASS).count();
    return 100.0 * pass / judgements.size();
  }

  /**
   * The judgements of one classification.
   *
   * @param classification the classification
   * @return those judgements, in order
   */
  public List<MetricJudgement> withClassification(Classification classification) {
    return judgements.stream().filter(j -> j.classification() == classification).toList();
  }

  /** @return the judgement in words: overall, score, then each judgement with its numbers, then the notes */
  public String reason() {
    long pass = withClassification(Classification.PASS).size();
    StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%s (score %.0f: %d of %d checks pass)",
        overall(), score(), pass, judgements.size()));
    if (!judgements.isEmpty()) {
      sb.append(": ").append(String.join("; ", judgements.stream().map(MetricJudgement::toString).toList()));
    }
    if (!notes.isEmpty()) {
      sb.append(judgements.isEmpty() ? ": " : "; ").append(String.join("; ", notes));
    }
    return sb.toString();
  }

  /** @return every judgement's numbers, plus {@code score} */
  public List<Measurement> measurements() {
    List<Measurement> out = new ArrayList<>();
    out.add(Measurement.of("score", score()));
    for (MetricJudgement j : judgements) {
      out.addAll(j.measurements());
    }
    return out;
  }

  @Override
  public String toString() {
    return "PerformanceReport[" + at + ", " + reason() + "]";
  }
}
