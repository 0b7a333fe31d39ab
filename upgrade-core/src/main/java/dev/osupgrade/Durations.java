package dev.osupgrade;

import java.time.Duration;

/** Durations in words for messages and reasons: {@code 45s}, {@code 5m}, {@code 2h 30m}, {@code 7d}. */
public final class Durations {
  private Durations() {}

  /**
   * Writes a duration the way people read it: whole days, hours and minutes; seconds only under a minute.
   *
   * @param d the duration, zero or positive
   * @return e.g. {@code "1d 2h 5m"}
   */
  public static String words(Duration d) {
    Require.nonNegative("duration", d);
    long minutes = d.toMinutes();
    if (minutes < 1) {
      return d.toSeconds() + "s";
    }
    long days = minutes / (24 * 60);
    long hours = minutes / 60 % 24;
    long mins = minutes % 60;
    StringBuilder sb = new StringBuilder();
    if (days > 0) {
      sb.append(days).append('d');
    }
    if (hours > 0) {
      sb.append(sb.length() > 0 ? " " : "").append(hours).append('h');
    }
    if (mins > 0) {
      sb.append(sb.length() > 0 ? " " : "").append(mins).append('m');
    }
    return sb.toString();
  }
}
