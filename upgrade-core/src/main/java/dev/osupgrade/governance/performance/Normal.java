package dev.osupgrade.governance.performance;

/**
 * The standard normal distribution's upper tail, {@code P(Z > z)}, to about 15 significant digits: a
 * positive-term series for {@code erf} near zero and a continued fraction for {@code erfc} in the tails (the JDK
 * has no error function).
 */
final class Normal {
  private static final double SQRT_PI = Math.sqrt(Math.PI);
  private static final double SWITCH = 2.5;

  private Normal() {}

  /** @return {@code P(Z > z)} for a standard normal Z */
  static double upperTail(double z) {
    return 0.5 * erfc(z / Math.sqrt(2));
  }

  /** @return the complementary error function */
  static double erfc(double x) {
    if (Double.isNaN(x)) {
      return Double.NaN;
    }
    if (x < 0) {
      return 2 - erfc(-x);
    }
    if (x < SWITCH) {
      return 1 - erfSeries(x);
    }
    if (x > 27) {
      return 0;
    }
    return erfcContinuedFraction(x);
  }

  // erf(x) = 2/sqrt(pi) * exp(-x^2) * sum_{n>=0} 2^n x^(2n+1) / (1*3*...*(2n+1)): every term is positive.
  private static double erfSeries(double x) {
    double term = x;
    double sum = x;
    double x2 = x * x;
    for (int n = 1; n < 500; n++) {
      term *= 2 * x2 / (2 * n + 1);
      sum += term;
      if (term < sum * 1e-17) {
        break;
      }
    }
    return 2 / SQRT_PI * Math.exp(-x2) * sum;
  }

  // erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + ...))))), by the modified Lentz method.
  private static double erfcContinuedFraction(double x) {
    double tiny = 1e-300;
    double f = x;
    double c = x;
    double d = 0;
    for (int k = 1; k < 1000; k++) {
      double a = k / 2.0;
      d = x + a * d;
      d = d == 0 ? tiny : d;
      c = x + a / c;
      c = c == 0 ? tiny : c;
      d = 1 / d;
      double delta = c * d;
      f *= delta;
      if (Math.abs(delta - 1) < 1e-16) {
        break;
      }
    }
    return Math.exp(-x * x) / SQRT_PI / f;
  }
}
