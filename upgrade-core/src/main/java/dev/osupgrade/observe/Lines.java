package dev.osupgrade.observe;

import dev.osupgrade.event.RolloutEvent;
import dev.osupgrade.event.RingEvent;
import dev.osupgrade.service.RunnerEvent;
import java.util.Locale;

/** The texts the listeners share: an event's words without its number, time and scale set, and kinds in words. */
final class Lines {
  private Lines() {}

  /** An event's line without the {@code #0007 2026-01-05T00:04:30Z rg/name } its {@code toString()} starts with. */
  static String body(RolloutEvent e) {
    String line = e.toString();
    String prefix = String.format(Locale.ROOT, "#%04d %s %s ", e.sequence(), e.at(), e.scaleSet());
    return line.startsWith(prefix) ? line.substring(prefix.length()) : line;
  }

  /** A ring event's kind and detail, as its line has them: {@code gate evaluated: 6 verdicts on 2 scale sets...}. */
  static String body(RingEvent e) {
    return words(e.kind()) + ": " + e.detail();
  }

  /** A runner event's kind and detail: {@code advance failed: ...}. */
  static String body(RunnerEvent e) {
    return words(e.kind()) + ": " + e.detail();
  }

  /** A governor decision's kind and detail: {@code ring started: 1 scale set(s), orchestrated, ...}. */
  static String body(dev.osupgrade.estate.GovernorDecision d) {
    return words(d.kind()) + ": " + d.detail();
  }

  /** {@code [ubuntu 22.04.202410010 / canary]}: what a governor decision concerns. */
  static String subject(dev.osupgrade.estate.GovernorDecision d) {
    return "[" + d.family() + d.versionIfAny().map(v -> " " + v).orElse("") + d.ringIfAny().map(r -> " / " + r)
        .orElse("") + "]";
  }

  /** The first line of a text (a folded ring event's count, without the verdicts below it). */
  static String firstLine(String text) {
    int end = text.indexOf('\n');
    return end < 0 ? text : text.substring(0, end);
  }

  /** {@code RING_STARTED} as {@code ring started}. */
  static String words(Enum<?> kind) {
    return kind.name().toLowerCase(Locale.ROOT).replace('_', ' ');
  }

  /** {@code RING_STARTED} as {@code ring-started}. */
  static String kebab(Enum<?> kind) {
    return kind.name().toLowerCase(Locale.ROOT).replace('_', '-');
  }
}
