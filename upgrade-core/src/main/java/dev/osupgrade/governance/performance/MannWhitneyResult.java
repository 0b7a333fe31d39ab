package dev.osupgrade.governance.performance;

import dev.osupgrade.Require;
import java.util.Locale;

/**
 * The outcome of a Mann-Whitney U test (the performance gate's statistics).
 *
 * @param baselineSize n₁, the baseline's sample size
 * @param candidateSize n₂, the candidate's sample size
 * @param uBaseline U of the baseline: pairs where the baseline is larger, ties counting ½
 * @param uCandidate U of the candidate: pairs where the candidate is larger, ties counting ½
 * @param z the candidate's standardised statistic {@code (U_candidate − n₁n₂/2) / σ} (tie-corrected σ, no
 *     continuity correction); positive when the candidate tends to be larger
 * @param pValue the p-value for the alternative
 * @param alternative the alternative hypothesis, stated for the candidate
 * @param method the method actually used ({@link PValueMethod#EXACT} or {@link PValueMethod#NORMAL})
 * @param ties whether any values were tied
 * @param baselineMedian the baseline's median
 * @param candidateMedian the candidate's median
 * @param shift the Hodges-Lehmann estimate of the shift from baseline to candidate (median of pairwise
 *     differences), in the values' unit
 */
public record MannWhitneyResult(
    int baselineSize,
    int candidateSize,
    double uBaseline,
    double uCandidate,
    double z,
    double pValue,
    Alternative alternative,
    PValueMethod method,
    boolean ties,
    double baselineMedian,
    double candidateMedian,
    double shift) {

  /** Validates the fields. */
  public MannWhitneyResult {
    Require.atLeast("baselineSize", baselineSize, 1);
    Require.atLeast("candidateSize", candidateSize, 1);
    Require.that(pValue >= 0 && pValue <= 1, "pValue", "in [0, 1]", pValue);
    Require.nonNull(alternative, "alternative");
    Require.nonNull(method, "method");
  }

  /** @return the smaller of the two U values, the statistic printed in textbook tables */
  public double u() {
    return Math.min(uBaseline, uCandidate);
  }

  /**
   * The probability of superiority (common-language effect size): the chance that a random candidate value is
   * larger than a random baseline value, ties counting half. 0.5 means no effect.
   *
   * @return {@code U_candidate / (n₁n₂)}
   */
  public double probabilityOfSuperiority() {
    return uCandidate / ((double) baselineSize * candidateSize);
  }

  /** @return the rank-biserial correlation {@code 2·P(superiority) − 1}, in [−1, 1]; positive: candidate larger */
  public double rankBiserial() {
    return 2 * probabilityOfSuperiority() - 1;
  }

  /**
   * The relative change of the median, candidate against baseline.
   *
   * @return {@code candidateMedian / baselineMedian − 1}, or NaN when the baseline's median is zero
   */
  public double relativeMedianShift() {
    return baselineMedian == 0 ? Double.NaN : candidateMedian / baselineMedian - 1;
  }

  /**
   * Says whether the test rejects the null hypothesis.
   *
   * @param alpha the significance level, in (0, 1)
   * @return true if {@code pValue < alpha}
   */
  public boolean isSignificant(double alpha) {
    Require.that(alpha > 0 && alpha < 1, "alpha", "in (0, 1)", alpha);
    return pValue < alpha;
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT,
        "MannWhitney[n=%d/%d, U=%s, z=%.3f, p=%.4g (%s, %s%s), median %.4g -> %.4g, shift %.4g]",
        baselineSize, candidateSize, number(u()), z, pValue, alternative.name().toLowerCase(Locale.ROOT),
        method.name().toLowerCase(Locale.ROOT), ties ? ", ties" : "", baselineMedian, candidateMedian, shift);
  }

  private static String number(double v) {
    return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
  }
}
