package dev.osupgrade.governance.schedule;

import dev.osupgrade.Durations;
import dev.osupgrade.Require;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import org.jspecify.annotations.Nullable;

/**
 * How often a publisher (or a gallery's pipeline) releases a new image version: {@link Monthly} around a day of the
 * month (Canonical, Microsoft: monthly), or {@link Every} fixed period (a gallery built every week).
 */
public sealed interface Cadence permits Cadence.Monthly, Cadence.Every {

  /**
   * The first expected release still to come: the first occurrence whose latest moment is after {@code now} and
   * that did not already produce {@code lastPublished}.
   *
   * @param now the current time, between {@link Require#EARLIEST} and {@link Require#LATEST}
   * @param lastPublished when the latest known release was published (in the same range), or null when unknown
   * @return the occurrence
   */
  Occurrence next(Instant now, @Nullable Instant lastPublished);

  /** @return the cadence in words, e.g. {@code monthly around day 10 (±3 days)} */
  String describe();

  /**
   * Monthly, around a day of the month.
   *
   * @param dayOfMonth the usual day
   * @param spreadDays how many days earlier or later a release may come
   * @return the cadence
   */
  static Monthly monthly(int dayOfMonth, int spreadDays) {
    return new Monthly(dayOfMonth, spreadDays);
  }

  /**
   * Every fixed period, counted from a known release.
   *
   * @param period the period, between 1 minute and 366 days
   * @param anchor when a release was (or is) published
   * @param spread how much earlier or later a release may come: less than half the period
   * @return the cadence
   */
  static Every every(Duration period, Instant anchor, Duration spread) {
    return new Every(period, anchor, spread);
  }

  /**
   * One expected release: most likely at {@code expected}, between {@code earliest} and {@code latest}.
   *
   * @param earliest the earliest likely moment
   * @param expected the most likely moment
   * @param latest the latest likely moment
   */
  record Occurrence(Instant earliest, Instant expected, Instant latest) {
    /** Validates the order. */
    public Occurrence {
      Require.nonNull(earliest, "earliest");
      Require.nonNull(expected, "expected");
      Require.nonNull(latest, "latest");
      Require.that(!expected.isBefore(earliest) && !latest.isBefore(expected), "occurrence",
          "ordered earliest <= expected <= latest", earliest + " / " + expected + " / " + latest);
    }

    /**
     * Says whether an instant falls in the occurrence's range.
     *
     * @param t the instant
     * @return true if {@code earliest <= t < latest}
     */
    public boolean covers(Instant t) {
      Require.nonNull(t, "t");
      return !t.isBefore(earliest) && t.isBefore(latest);
    }
  }

  /**
   * Monthly around a day of the month (UTC): the occurrence of a month runs from {@code spreadDays} before that day
   * to the end of the day {@code spreadDays} after it. Short months use their last day.
   *
   * @param dayOfMonth 1 to 31
   * @param spreadDays 0 to 10
   */
  record Monthly(int dayOfMonth, int spreadDays) implements Cadence {
    /** Validates the fields. */
    public Monthly {
      Require.inRange("dayOfMonth", dayOfMonth, 1, 31);
      Require.inRange("spreadDays", spreadDays, 0, 10);
    }

    @Override
    public Occurrence next(Instant now, @Nullable Instant lastPublished) {
      Require.instant("now", now);
      if (lastPublished != null) {
        Require.instant("lastPublished", lastPublished);
      }
      YearMonth month = YearMonth.from(now.atZone(ZoneOffset.UTC)).minusMonths(1);
      for (int i = 0; i < 40; i++, month = month.plusMonths(1)) {
        Occurrence o = in(month);
        if (o.latest().isAfter(now) && (lastPublished == null || o.earliest().isAfter(lastPublished))) {
          return o;
        }
      }
      throw new IllegalStateException("no occurrence within 40 months of " + now);
    }

    private Occurrence in(YearMonth month) {
      LocalDate day = month.atDay(Math.min(dayOfMonth, month.lengthOfMonth()));
      Instant expected = day.atStartOfDay(ZoneOffset.UTC).toInstant();
      return new Occurrence(expected.minus(Duration.ofDays(spreadDays)), expected,
          expected.plus(Duration.ofDays(spreadDays + 1L)));
    }

    @Override
    public String describe() {
      return "monthly around day " + dayOfMonth + (spreadDays == 0 ? "" : " (±" + spreadDays + " days)");
    }
  }

  /**
   * Every fixed period from an anchor release, give or take a spread.
   *
   * @param period between 1 minute and 366 days
   * @param anchor a known release time, between {@link Require#EARLIEST} and {@link Require#LATEST}
   * @param spread zero or positive, less than half the period
   */
  record Every(Duration period, Instant anchor, Duration spread) implements Cadence {
    /** Validates the fields. */
    public Every {
      Require.duration("period", period, Duration.ofMinutes(1), Duration.ofDays(366));
      Require.instant("anchor", anchor);
      Require.nonNegative("spread", spread, period);
      Require.that(spread.multipliedBy(2).compareTo(period) < 0, "spread", "less than half the period ("
          + Durations.words(period) + ")", spread);
    }

    @Override
    public Occurrence next(Instant now, @Nullable Instant lastPublished) {
      Require.instant("now", now);
      if (lastPublished != null) {
        Require.instant("lastPublished", lastPublished);
      }
      long k = Math.floorDiv(Duration.between(anchor, now).toSeconds(), period.toSeconds()) - 1;
      for (int i = 0; i < 1000; i++, k++) {
        Instant expected = anchor.plus(period.multipliedBy(k));
        Occurrence o = new Occurrence(expected.minus(spread), expected, expected.plus(spread));
        Instant end = spread.isZero() ? expected.plusNanos(1) : o.latest();
        if (end.isAfter(now) && (lastPublished == null || o.earliest().isAfter(lastPublished))) {
          return o;
        }
      }
      throw new IllegalStateException("no occurrence within 1000 periods of " + now);
    }

    @Override
    public String describe() {
      return "every " + Durations.words(period) + " from " + anchor
          + (spread.isZero() ? "" : " (±" + Durations.words(spread) + ")");
    }
  }
}
