package dev.osupgrade.governance.schedule;

import dev.osupgrade.InvalidValueException;
import dev.osupgrade.Require;
import java.time.DateTimeException;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeParseException;
import java.time.format.TextStyle;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * A recurring maintenance window in local time: on the given days of the week it opens at {@code start} and closes
 * at {@code end} in {@code zone}. When {@code end} is not after {@code start} the window crosses midnight and closes
 * the next day ({@code start == end} is a 24-hour window). Blackout dates are whole local days on which no window is
 * open: an occurrence that opens on a blackout date is skipped, one that runs into a blackout date closes at its
 * midnight.
 *
 * <p>Daylight saving time follows the wall clock: a window 01:00–05:00 in Europe/Berlin lasts three hours on the
 * day clocks spring forward and five on the day they fall back. A start or end inside the spring-forward gap moves
 * forward by the gap (02:30 becomes 03:30), so a window lying wholly inside the gap moves with it (02:00–02:30 opens
 * 03:00–03:30 local time that day); a time inside the fall-back overlap uses the earlier offset.
 *
 * <p>Intervals are half-open: the window is open at its opening instant and closed at its closing instant.
 *
 * <pre>{@code
 * MaintenanceWindow w = MaintenanceWindow.parse("MON-FRI 22:00-02:00 Europe/Berlin")
 *     .withBlackout(LocalDate.of(2026, 12, 24));
 * }</pre>
 *
 * @param days the days of the week on which the window opens
 * @param start the local opening time
 * @param end the local closing time (the next day when not after {@code start})
 * @param zone the time zone of {@code start}, {@code end} and the blackout dates
 * @param blackoutDates local dates on which nothing is open
 */
public record MaintenanceWindow(Set<DayOfWeek> days, LocalTime start, LocalTime end, ZoneId zone,
    Set<LocalDate> blackoutDates) {

  /** Validates and copies. */
  public MaintenanceWindow {
    Require.nonEmpty("days", days);
    days = Collections.unmodifiableSet(EnumSet.copyOf(days));
    Require.nonNull(start, "start");
    Require.nonNull(end, "end");
    Require.nonNull(zone, "zone");
    blackoutDates = Collections.unmodifiableSet(new TreeSet<>(Require.noNulls("blackoutDates", blackoutDates)));
  }

  /**
   * A window on some days of the week.
   *
   * @param zone the time zone
   * @param start the local opening time
   * @param end the local closing time (the next day when not after {@code start})
   * @param days the days on which it opens (at least one)
   * @return the window
   */
  public static MaintenanceWindow weekly(ZoneId zone, LocalTime start, LocalTime end, DayOfWeek... days) {
    Require.that(Require.noNulls("days", days).length > 0, "days", "non-empty", "[]");
    return new MaintenanceWindow(EnumSet.copyOf(List.of(days)), start, end, zone, Set.of());
  }

  /**
   * A window every day.
   *
   * @param zone the time zone
   * @param start the local opening time
   * @param end the local closing time (the next day when not after {@code start})
   * @return the window
   */
  public static MaintenanceWindow daily(ZoneId zone, LocalTime start, LocalTime end) {
    return new MaintenanceWindow(EnumSet.allOf(DayOfWeek.class), start, end, zone, Set.of());
  }

  /**
   * Parses {@code "<days> <HH:mm>-<HH:mm> <zone>"}, where days is {@code DAILY} or a comma-separated list of days
   * and ranges ({@code MON-FRI}, {@code SAT,SUN}, {@code TUE,THU-SAT}), three-letter English abbreviations in any
   * case.
   *
   * @param text e.g. {@code "MON-FRI 22:00-02:00 Europe/Berlin"}
   * @return the window
   * @throws InvalidValueException naming the format when the text does not parse
   */
  public static MaintenanceWindow parse(String text) {
    Require.nonBlank("window", text);
    String format = "\"<days> <HH:mm>-<HH:mm> <zone>\", e.g. \"MON-FRI 22:00-02:00 Europe/Berlin\"";
    String[] parts = text.strip().split("\\s+");
    if (parts.length != 3) {
      throw new InvalidValueException("window", format, text);
    }
    try {
      Set<DayOfWeek> days = parseDays(parts[0]);
      String[] times = parts[1].split("-");
      if (times.length != 2) {
        throw new InvalidValueException("window", format, text);
      }
      return new MaintenanceWindow(days, LocalTime.parse(times[0]), LocalTime.parse(times[1]), ZoneId.of(parts[2]),
          Set.of());
    } catch (DateTimeParseException | IllegalArgumentException e) {
      throw new InvalidValueException("window", format, text);
    } catch (DateTimeException e) {
      throw new InvalidValueException("window", format + " (unknown zone " + parts[2] + ")", text);
    }
  }

  private static Set<DayOfWeek> parseDays(String spec) {
    if (spec.equalsIgnoreCase("daily")) {
      return EnumSet.allOf(DayOfWeek.class);
    }
    Set<DayOfWeek> out = EnumSet.noneOf(DayOfWeek.class);
    for (String item : spec.split(",")) {
      String[] range = item.split("-");
      if (range.length == 1) {
        out.add(day(range[0]));
      } else if (range.length == 2) {
        DayOfWeek from = day(range[0]);
        DayOfWeek to = day(range[1]);
        for (DayOfWeek d = from; ; d = d.plus(1)) {
          out.add(d);
          if (d == to) {
            break;
          }
        }
      } else {
        throw new IllegalArgumentException(item);
      }
    }
    return out;
  }

  private static DayOfWeek day(String abbreviation) {
    for (DayOfWeek d : DayOfWeek.values()) {
      if (d.name().substring(0, 3).equalsIgnoreCase(abbreviation)) {
        return d;
      }
    }
    throw new IllegalArgumentException(abbreviation);
  }

  /**
   * Returns the window with more blackout dates.
   *
   * @param dates local dates on which nothing is open
   * @return the copy
   */
  public MaintenanceWindow withBlackout(LocalDate... dates) {
    Set<LocalDate> all = new TreeSet<>(blackoutDates);
    for (LocalDate d : Require.noNulls("dates", dates)) {
      all.add(Require.nonNull(d, "date"));
    }
    return new MaintenanceWindow(days, start, end, zone, all);
  }

  /** @return true when the window closes on the day after it opens */
  public boolean crossesMidnight() {
    return !end.isAfter(start);
  }

  /**
   * Says whether the window is open.
   *
   * @param t the instant, between {@link dev.osupgrade.Require#EARLIEST} and {@link dev.osupgrade.Require#LATEST}
   * @return true if an occurrence contains it
   */
  public boolean isOpen(Instant t) {
    return containing(Require.instant("t", t)).isPresent();
  }

  /**
   * When the window next opens.
   *
   * @param t the instant, between {@link dev.osupgrade.Require#EARLIEST} and {@link dev.osupgrade.Require#LATEST}
   * @return {@code t} itself when open, else the next opening; empty when it never opens again (for example every
   *     opening day in the coming years is a blackout date)
   */
  public Optional<Instant> nextOpening(Instant t) {
    Require.instant("t", t);
    if (isOpen(t)) {
      return Optional.of(t);
    }
    LocalDate d = t.atZone(zone).toLocalDate().minusDays(1);
    for (int i = 0; i <= horizonDays(); i++) {
      Optional<Interval> o = occurrence(d.plusDays(i));
      if (o.isPresent() && !o.get().open().isBefore(t)) {
        return Optional.of(o.get().open());
      }
    }
    return Optional.empty();
  }

  /**
   * When the open period containing {@code t} ends (adjacent occurrences count as one period).
   *
   * @param t the instant, between {@link dev.osupgrade.Require#EARLIEST} and {@link dev.osupgrade.Require#LATEST}
   * @return the closing instant; empty when the window is closed at {@code t}, or stays open for more than a year
   */
  public Optional<Instant> closesAt(Instant t) {
    Optional<Interval> current = containing(Require.instant("t", t));
    if (current.isEmpty()) {
      return Optional.empty();
    }
    Instant close = current.get().close();
    for (int i = 0; i < MAX_CHAIN; i++) {
      Optional<Interval> next = containing(close);
      if (next.isEmpty()) {
        return Optional.of(close);
      }
      close = next.get().close();
    }
    return Optional.empty();
  }

  /**
   * The occurrences that overlap {@code [from, to)}, in order (clipped by blackout dates, not by the range).
   *
   * @param from the first instant
   * @param to the first instant after the range
   * @return the open intervals
   */
  public List<Interval> occurrences(Instant from, Instant to) {
    Require.instant("from", from);
    Require.instant("to", to);
    List<Interval> out = new ArrayList<>();
    LocalDate d = from.atZone(zone).toLocalDate().minusDays(1);
    LocalDate last = to.atZone(zone).toLocalDate();
    for (; !d.isAfter(last); d = d.plusDays(1)) {
      occurrence(d).filter(o -> o.close().isAfter(from) && o.open().isBefore(to)).ifPresent(out::add);
    }
    return out;
  }

  private static final int MAX_CHAIN = 400;

  private int horizonDays() {
    return 7 * (blackoutDates.size() + 2);
  }

  private Optional<Interval> containing(Instant t) {
    LocalDate d = t.atZone(zone).toLocalDate();
    Optional<Interval> best = Optional.empty();
    for (LocalDate day : List.of(d.minusDays(1), d)) {
      Optional<Interval> o = occurrence(day).filter(i -> i.contains(t));
      if (o.isPresent() && (best.isEmpty() || o.get().close().isAfter(best.get().close()))) {
        best = o;
      }
    }
    return best;
  }

  Optional<Interval> occurrence(LocalDate day) {
    if (!days.contains(day.getDayOfWeek()) || blackoutDates.contains(day)) {
      return Optional.empty();
    }
    ZonedDateTime open = ZonedDateTime.of(day, start, zone);
    LocalDate endDay = crossesMidnight() ? day.plusDays(1) : day;
    ZonedDateTime close = ZonedDateTime.of(endDay, end, zone);
    if (!endDay.equals(day) && blackoutDates.contains(endDay)) {
      close = endDay.atStartOfDay(zone);
    }
    if (!close.isAfter(open)) {
      return Optional.empty();
    }
    return Optional.of(new Interval(open.toInstant(), close.toInstant()));
  }

  @Override
  public String toString() {
    return "MaintenanceWindow[" + describeDays() + " " + start + "-" + end + " " + zone
        + (blackoutDates.isEmpty() ? "" : ", blackout " + blackoutDates) + "]";
  }

  private String describeDays() {
    if (days.size() == 7) {
      return "daily";
    }
    List<String> parts = new ArrayList<>();
    DayOfWeek[] all = DayOfWeek.values();
    int i = 0;
    while (i < all.length) {
      if (!days.contains(all[i])) {
        i++;
        continue;
      }
      int j = i;
      while (j + 1 < all.length && days.contains(all[j + 1])) {
        j++;
      }
      String from = all[i].getDisplayName(TextStyle.SHORT, Locale.ROOT).toUpperCase(Locale.ROOT);
      String to = all[j].getDisplayName(TextStyle.SHORT, Locale.ROOT).toUpperCase(Locale.ROOT);
      parts.add(i == j ? from : j == i + 1 ? from + "," + to : from + "-" + to);
      i = j + 1;
    }
    return String.join(",", parts);
  }

  /**
   * One occurrence of a window: open in {@code [open, close)}.
   *
   * @param open when it opens
   * @param close when it closes
   */
  public record Interval(Instant open, Instant close) {
    /** Validates the order. */
    public Interval {
      Require.nonNull(open, "open");
      Require.nonNull(close, "close");
      Require.that(close.isAfter(open), "close", "after open (" + open + ")", close);
    }

    /**
     * Says whether the interval contains an instant.
     *
     * @param t the instant, between {@link dev.osupgrade.Require#EARLIEST} and {@link dev.osupgrade.Require#LATEST}
     * @return true if {@code open <= t < close}
     */
    public boolean contains(Instant t) {
      Require.nonNull(t, "t");
      return !t.isBefore(open) && t.isBefore(close);
    }

    @Override
    public String toString() {
      return "[" + open + ", " + close + ")";
    }
  }
}
