package dev.osupgrade.event;

import dev.osupgrade.Durations;
import dev.osupgrade.Redaction;
import dev.osupgrade.Require;
import dev.osupgrade.fleet.ScaleSetId;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/** Formats events as log lines, and checks the fields every event has. */
final class EventText {
  private EventText() {}

  /** Rejects a null time or scale set: every event has both. */
  static void require(Instant at, ScaleSetId scaleSet) {
    Require.nonNull(at, "at");
    Require.nonNull(scaleSet, "scaleSet");
  }

  /** A free-text field (a reason, a detail) as an event keeps it: non-null, secrets masked. */
  static String text(String field, String value) {
    return Redaction.redact(Require.nonNull(value, field));
  }

  static String line(RolloutEvent e, String body) {
    return String.format(Locale.ROOT, "#%04d %s %s %s", e.sequence(), e.at(), e.scaleSet(), body);
  }

  static String duration(Duration d) {
    return Durations.words(d);
  }
}
