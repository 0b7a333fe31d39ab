package dev.osupgrade.governance.performance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.osupgrade.InvalidValueException;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

// Reference values: scipy.stats.mannwhitneyu(candidate, baseline, alternative=..., method=...) (scipy 1.17.1),
// which uses the same tie and continuity corrections as R's wilcox.test(correct=TRUE).
final class MannWhitneyTest {
  private static final double[] LOW3 = {1, 2, 3};
  private static final double[] HIGH3 = {4, 5, 6};
  private static final double[] TORTOISE_BASELINE = {19, 22, 16, 29, 24};
  private static final double[] TORTOISE_CANDIDATE = {20, 11, 17, 12};
  private static final double[] TIES_BASELINE = {1, 2, 2, 3, 3, 3, 4};
  private static final double[] TIES_CANDIDATE = {2, 3, 3, 4, 4, 5, 5, 6};
  private static final double[] MID_BASELINE = {10.1, 12.3, 9.8, 11.4, 10.9, 13.2, 9.5, 10.0};
  private static final double[] MID_CANDIDATE = {12.1, 13.5, 11.9, 14.2, 12.8, 13.9, 12.2, 11.7, 13.1};

  private static double[] sample(String name) {
    switch (name) {
      case "low3": return LOW3;
      case "high3": return HIGH3;
      case "tortoiseBaseline": return TORTOISE_BASELINE;
      case "tortoiseCandidate": return TORTOISE_CANDIDATE;
      case "tiesBaseline": return TIES_BASELINE;
      case "tiesCandidate": return TIES_CANDIDATE;
      case "midBaseline": return MID_BASELINE;
      case "midCandidate": return MID_CANDIDATE;
      default: throw new IllegalArgumentException(name);
    }
  }

  @ParameterizedTest(name = "{0} vs {1} {2} {3}: U={4}, p={5}")
  @CsvSource({
      "low3, high3, TWO_SIDED, EXACT, 9, 0.1",
      "low3, high3, GREATER, EXACT, 9, 0.05",
      "low3, high3, LESS, EXACT, 9, 1.0",
      "low3, high3, TWO_SIDED, NORMAL, 9, 0.08085559837005224",
      "low3, high3, GREATER, NORMAL, 9, 0.04042779918502612",
      "low3, high3, LESS, NORMAL, 9, 0.9854518341293739",
      "tortoiseBaseline, tortoiseCandidate, TWO_SIDED, EXACT, 3, 0.1111111111111111",
      "tortoiseBaseline, tortoiseCandidate, GREATER, EXACT, 3, 0.9682539682539683",
      "tortoiseBaseline, tortoiseCandidate, LESS, EXACT, 3, 0.05555555555555555",
      "tortoiseBaseline, tortoiseCandidate, TWO_SIDED, NORMAL, 3, 0.11134688653314041",
      "tortoiseBaseline, tortoiseCandidate, LESS, NORMAL, 3, 0.055673443266570206",
      "tiesBaseline, tiesCandidate, TWO_SIDED, NORMAL, 45, 0.04988443697992588",
      "tiesBaseline, tiesCandidate, GREATER, NORMAL, 45, 0.02494221848996294",
      "tiesBaseline, tiesCandidate, LESS, NORMAL, 45, 0.98122802559914",
      "midBaseline, midCandidate, TWO_SIDED, EXACT, 62, 0.011106540518305223",
      "midBaseline, midCandidate, GREATER, EXACT, 62, 0.005553270259152612",
      "midBaseline, midCandidate, LESS, EXACT, 62, 0.9960510078157137",
      "midBaseline, midCandidate, TWO_SIDED, NORMAL, 62, 0.014137969455911484",
      "midBaseline, midCandidate, GREATER, NORMAL, 62, 0.007068984727955742",
  })
  void test_referenceSamples_matchScipy(String baseline, String candidate, Alternative alternative, PValueMethod method,
      double uCandidate, double p) {
    MannWhitneyResult r = MannWhitney.test(sample(baseline), sample(candidate), alternative, method);

    assertThat(r.uCandidate()).isEqualTo(uCandidate);
    assertThat(r.pValue()).isCloseTo(p, within(1e-12));
    assertThat(r.method()).isEqualTo(method);
  }

  @Test
  void test_separatedSamplesOfThree_exactTailIsOneInTwenty() {
    // Textbook: of the C(6,3) = 20 equally likely rank arrangements, only one puts all three candidates on top.
    MannWhitneyResult r = MannWhitney.test(LOW3, HIGH3, Alternative.GREATER);

    assertThat(r.uCandidate()).isEqualTo(9.0);
    assertThat(r.uBaseline()).isZero();
    assertThat(r.u()).isZero();
    assertThat(r.pValue()).isEqualTo(0.05, within(1e-15));
    assertThat(r.probabilityOfSuperiority()).isEqualTo(1.0);
    assertThat(r.rankBiserial()).isEqualTo(1.0);
  }

  @Test
  void test_autoWithoutTiesBelowFifty_usesExact() {
    assertThat(MannWhitney.test(MID_BASELINE, MID_CANDIDATE, Alternative.GREATER).method()).isEqualTo(PValueMethod.EXACT);
  }

  @Test
  void test_autoWithTies_usesNormalWithTieCorrection() {
    MannWhitneyResult r = MannWhitney.test(TIES_BASELINE, TIES_CANDIDATE, Alternative.TWO_SIDED);

    assertThat(r.method()).isEqualTo(PValueMethod.NORMAL);
    assertThat(r.ties()).isTrue();
    assertThat(r.pValue()).isCloseTo(0.04988443697992588, within(1e-12));
  }

  @Test
  void test_exactRequestedWithTies_rejected() {
    assertThatThrownBy(() -> MannWhitney.test(TIES_BASELINE, TIES_CANDIDATE, Alternative.TWO_SIDED, PValueMethod.EXACT))
        .isInstanceOf(InvalidValueException.class)
        .hasMessageStartingWith("method must be NORMAL or AUTO when the samples have ties");
  }

  @Test
  void test_thirtyAgainstThirtyFive_exactAndNormalMatchScipy() {
    double[] x = IntStream.range(0, 30).mapToDouble(i -> (i * 37 % 101) / 3.0).toArray();
    double[] y = IntStream.range(0, 35).mapToDouble(i -> (i * 53 % 103) / 3.0 + 4.1).toArray();

    assertThat(MannWhitney.test(x, y, Alternative.TWO_SIDED, PValueMethod.EXACT).pValue())
        .isCloseTo(0.06616224832121514, within(1e-12));
    assertThat(MannWhitney.test(x, y, Alternative.GREATER, PValueMethod.EXACT).pValue())
        .isCloseTo(0.03308112416060757, within(1e-12));
    assertThat(MannWhitney.test(x, y, Alternative.TWO_SIDED, PValueMethod.NORMAL).pValue())
        .isCloseTo(0.06640422379487575, within(1e-12));
    assertThat(MannWhitney.test(x, y, Alternative.GREATER).uCandidate()).isEqualTo(665.0);
  }

  @Test
  void test_largeSamplesWithManyTies_matchScipy() {
    double[] x = IntStream.range(0, 60).mapToDouble(i -> (i * 7) % 13).toArray();
    double[] y = IntStream.range(0, 70).mapToDouble(i -> (i * 5) % 11 + 1).toArray();

    MannWhitneyResult two = MannWhitney.test(x, y, Alternative.TWO_SIDED);
    assertThat(two.uCandidate()).isEqualTo(2142.5);
    assertThat(two.pValue()).isCloseTo(0.843977319204204, within(1e-12));
    assertThat(MannWhitney.test(x, y, Alternative.GREATER).pValue()).isCloseTo(0.421988659602102, within(1e-12));
    assertThat(MannWhitney.test(x, y, Alternative.LESS).pValue()).isCloseTo(0.5798440435175983, within(1e-12));
  }

  @Test
  void test_allValuesTied_pValueOne() {
    MannWhitneyResult r = MannWhitney.test(new double[] {1, 1, 1}, new double[] {1, 1}, Alternative.TWO_SIDED);

    assertThat(r.pValue()).isEqualTo(1.0);
    assertThat(r.z()).isZero();
    assertThat(r.uCandidate()).isEqualTo(3.0);
  }

  @Test
  void test_medianAndShift_reported() {
    MannWhitneyResult r = MannWhitney.test(MID_BASELINE, MID_CANDIDATE, Alternative.GREATER);

    assertThat(r.baselineMedian()).isCloseTo(10.5, within(1e-12));
    assertThat(r.candidateMedian()).isCloseTo(12.8, within(1e-12));
    assertThat(r.shift()).isCloseTo(2.1, within(1e-12)); // numpy: median of the pairwise differences
    assertThat(r.relativeMedianShift()).isCloseTo(12.8 / 10.5 - 1, within(1e-12));
    assertThat(r.z()).isPositive();
    assertThat(r).hasToString(
        "MannWhitney[n=8/9, U=10, z=2.502, p=0.005553 (greater, exact), median 10.50 -> 12.80, shift 2.100]");
  }

  @Test
  void test_collections_sameAsArrays() {
    MannWhitneyResult r = MannWhitney.test(List.of(1, 2, 3), List.of(4.0, 5.0, 6.0), Alternative.GREATER);

    assertThat(r.pValue()).isEqualTo(0.05, within(1e-15));
  }

  @Test
  void test_emptyOrNonFinite_rejected() {
    assertThatThrownBy(() -> MannWhitney.test(new double[0], HIGH3, Alternative.GREATER))
        .isInstanceOf(InvalidValueException.class).hasMessage("baseline must be non-empty, but was '[]'");
    assertThatThrownBy(() -> MannWhitney.test(LOW3, new double[] {1, Double.NaN}, Alternative.GREATER))
        .isInstanceOf(InvalidValueException.class).hasMessage("candidate must be finite values only, but was NaN");
  }

  @Test
  void uDistribution_smallCases_areGaussianBinomialCoefficients() {
    // [5 choose 2]_q = 1 + q + 2q^2 + 2q^3 + 2q^4 + q^5 + q^6
    assertThat(MannWhitney.uDistribution(2, 3)).containsExactly(1, 1, 2, 2, 2, 1, 1);
    assertThat(MannWhitney.uDistribution(3, 3)).containsExactly(1, 1, 2, 3, 3, 3, 3, 2, 1, 1);
    assertThat(MannWhitney.uDistribution(1, 1)).containsExactly(1, 1);
  }

  @ParameterizedTest
  @CsvSource({"-3, 0.9986501019683699", "-1.5, 0.9331927987311419", "0, 0.5", "0.5, 0.3085375387259869",
      "1.0, 0.15865525393145707", "1.96, 0.024997895148220435", "2.5, 0.006209665325776132",
      "3.0, 0.0013498980316300933", "4.0, 3.167124183311986e-05", "6.0, 9.865876450376946e-10",
      "8.0, 6.22096057427174e-16"})
  void normalUpperTail_againstScipy_relativeErrorBelowOnePerBillion(double z, double expected) {
    assertThat(Normal.upperTail(z)).isCloseTo(expected, within(expected * 1e-9));
  }

  @Test
  void percentile_typeSeven_interpolates() {
    double[] hundred = IntStream.rangeClosed(1, 100).asDoubleStream().toArray();

    assertThat(MannWhitney.percentile(hundred, 95)).isCloseTo(95.05, within(1e-12));
    assertThat(MannWhitney.percentile(hundred, 0)).isEqualTo(1.0);
    assertThat(MannWhitney.percentile(hundred, 100)).isEqualTo(100.0);
    assertThat(MannWhitney.median(new double[] {3, 1, 2, 4})).isEqualTo(2.5);
  }

  // Under the null hypothesis (same distribution) p-values are roughly uniform, so "p < 0.05" happens about 5% of
  // the time; 200 draws per seed keep this fast and well inside a binomial band.
  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 42, 2026})
  void test_sameDistribution_rejectsAtAboutAlpha(long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    int rejections = 0;
    int runs = 200;
    for (int run = 0; run < runs; run++) {
      double[] a = random.doubles(20).map(u -> 100 + 10 * u).toArray();
      double[] b = random.doubles(25).map(u -> 100 + 10 * u).toArray();
      if (MannWhitney.test(a, b, Alternative.GREATER).isSignificant(0.05)) {
        rejections++;
      }
    }
    assertThat(rejections).isBetween(2, 22);
  }

  // Swapping the samples mirrors the statistics: U values swap, the one-sided p-values swap, the two-sided stays.
  @ParameterizedTest
  @ValueSource(longs = {7, 8, 9, 10})
  void test_swappedSamples_mirrorStatistics(long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    double[] a = random.doubles(12).map(u -> Math.floor(u * 8)).toArray();
    double[] b = random.doubles(15).map(u -> Math.floor(u * 8 + 1)).toArray();

    MannWhitneyResult ab = MannWhitney.test(a, b, Alternative.GREATER);
    MannWhitneyResult ba = MannWhitney.test(b, a, Alternative.LESS);
    assertThat(ab.uCandidate()).isEqualTo(ba.uBaseline());
    assertThat(ab.pValue()).isCloseTo(ba.pValue(), within(1e-12));
    assertThat(MannWhitney.test(a, b, Alternative.TWO_SIDED).pValue())
        .isCloseTo(MannWhitney.test(b, a, Alternative.TWO_SIDED).pValue(), within(1e-12));
    assertThat(ab.uBaseline() + ab.uCandidate()).isEqualTo(12.0 * 15);
  }
}
