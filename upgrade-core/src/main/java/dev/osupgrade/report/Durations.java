package dev.osupgrade.report;

import java.time.Duration;

/** The one way the report prints a duration: {@code 45s}, {@code 4m30s}, {@code 2h5m}, {@code 3d4h}. */
final class Durations {
  private Durations() {}

  static String format(Duration d) {
    long s = d.getSeconds();
    String sign = s < 0 ? "-" : "";
    s = Math.abs(s);
    if (s < 60) {
      return sign + s + "s";
    }
    if (s < 3600) {
      return sign + (s / 60) + "m" + (s % 60 == 0 ? "" : (s % 60) + "s");
    }
    if (s < 86_400) {
      return sign + (s / 3600) + "h" + ((s % 3600) / 60 == 0 ? "" : ((s % 3600) / 60) + "m");
    }
    return sign + (s / 86_400) + "d" + ((s % 86_400) / 3600 == 0 ? "" : ((s % 86_400) / 3600) + "h");
  }
}
