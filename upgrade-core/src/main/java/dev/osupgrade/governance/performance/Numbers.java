package dev.osupgrade.governance.performance;

import java.math.BigDecimal;
import java.util.Locale;

/** Number formatting for reasons: short, locale-free, no trailing zeros. */
final class Numbers {
  private Numbers() {}

  /** @return up to four significant digits, without trailing zeros: 90, 112.4, 0.0003125 */
  static String plain(double v) {
    if (Double.isNaN(v) || Double.isInfinite(v)) {
      return String.valueOf(v);
    }
    if (v == Math.rint(v) && Math.abs(v) < 1e15) {
      return String.valueOf((long) v);
    }
    String s = new BigDecimal(String.format(Locale.ROOT, "%.4g", v)).stripTrailingZeros().toPlainString();
    return s;
  }

  /** @return a signed percentage with one decimal: +25.0%, -3.2% */
  static String signedPercent(double fraction) {
    if (Double.isNaN(fraction)) {
      return "n/a";
    }
    return String.format(Locale.ROOT, "%+.1f%%", 100 * fraction);
  }

  /** @return a p-value: four significant digits, in scientific notation below 0.0001, or {@code <1e-12} */
  static String p(double p) {
    if (p < 1e-12) {
      return "<1e-12";
    }
    return p < 1e-4 ? String.format(Locale.ROOT, "%.2e", p) : plain(p);
  }
}
