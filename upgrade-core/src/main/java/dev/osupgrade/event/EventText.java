package dev.osupgrade.event;

import java.time.Duration;
import java.util.Locale;

/** Formats events as log lines. */
final class EventText {
  private EventText() {}

  static String line(RolloutEvent e, String body) {
    return String.format(Locale.ROOT, "#%04d %s %s %s", e.sequence(), e.at(), e.scaleSet(), body);
  }

  static String duration(Duration d) {
    long s = d.getSeconds();
    if (s < 60) {
      return s + "s";
    }
    if (s < 3600) {
      return (s / 60) + "m" + (s % 60 == 0 ? "" : (s % 60) + "s");
    }
    return (s / 3600) + "h" + ((s % 3600) / 60 == 0 ? "" : ((s % 3600) / 60) + "m");
  }
}
