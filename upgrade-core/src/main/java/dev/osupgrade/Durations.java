package dev.osupgrade;

import java.time.Duration;

/**
 * The one way osupgrade writes a duration, in events, gate reasons, ring timelines, plans and errors: units of days,
 * hours, minutes and seconds, each only when not zero, with no spaces: {@code 45s}, {@code 4m30s}, {@code 2h},
 * {@code 3h30m}, {@code 1d2h5m}, {@code 0.5s}, {@code -4m}. Never {@code PT4M30S}.
 */
public final class Durations {
  private static final long MINUTE = 60;
  private static final long HOUR = 60 * MINUTE;
  private static final long DAY = 24 * HOUR;

  private Durations() {}

  /**
   * Writes a duration the way people read it: whole days, hours, minutes and seconds, each only when not zero; a
   * fraction of a second only under one minute ({@code 0.25s}, {@code 1m5s} for 65.25 seconds).
   *
   * @param d any duration; a negative one starts with {@code -}
   * @return e.g. {@code "1d2h5m"}, {@code "4m30s"}, {@code "0s"}
   */
  public static String words(Duration d) {
    return format(Require.nonNull(d, "duration"), false);
  }

  /** Like {@link #words} but exact: a fraction of a second is kept at any length (for a rejected value). */
  static String exact(Duration d) {
    return format(d, true);
  }

  private static String format(Duration d, boolean exact) {
    long seconds = d.getSeconds();
    int nanos = d.getNano();
    StringBuilder b = new StringBuilder();
    if (seconds < 0) {
      b.append('-');
      // the magnitude, as an unsigned long: -Long.MIN_VALUE is 2^63, which only fits unsigned
      if (nanos > 0) {
        seconds = -(seconds + 1);
        nanos = 1_000_000_000 - nanos;
      } else {
        seconds = -seconds;
      }
    }
    long days = Long.divideUnsigned(seconds, DAY);
    long rest = Long.remainderUnsigned(seconds, DAY);
    append(b, days, 'd');
    append(b, rest / HOUR, 'h');
    append(b, rest % HOUR / MINUTE, 'm');
    long secs = rest % MINUTE;
    boolean fraction = nanos > 0 && (exact || (days == 0 && rest < MINUTE));
    if (fraction) {
      String digits = String.format(java.util.Locale.ROOT, "%09d", nanos).replaceAll("0+$", "");
      b.append(secs).append('.').append(digits).append('s');
    } else {
      append(b, secs, 's');
    }
    if (b.length() == 0 || b.toString().equals("-")) {
      return "0s";
    }
    return b.toString();
  }

  private static void append(StringBuilder b, long value, char unit) {
    if (value != 0) {
      b.append(Long.toUnsignedString(value)).append(unit);
    }
  }
}
