package dev.osupgrade.governance.schedule;

import dev.osupgrade.Require;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Several maintenance windows taken together: open when any of them is open. {@link #always()} is open all the
 * time (the default where no windows are configured).
 *
 * <pre>{@code
 * MaintenanceSchedule schedule = MaintenanceSchedule.of(
 *     MaintenanceWindow.parse("MON-THU 22:00-02:00 Europe/Berlin"),
 *     MaintenanceWindow.parse("SAT 06:00-12:00 Europe/Berlin"));
 * schedule.nextOpening(clock.instant());
 * }</pre>
 */
public final class MaintenanceSchedule {
  private static final MaintenanceSchedule ALWAYS = new MaintenanceSchedule(List.of(), true);
  private static final int MAX_CHAIN = 1000;
  private static final DateTimeFormatter LOCAL = DateTimeFormatter.ofPattern("EEE HH:mm", Locale.ROOT);

  private final List<MaintenanceWindow> windows;
  private final boolean always;

  private MaintenanceSchedule(List<MaintenanceWindow> windows, boolean always) {
    this.windows = windows;
    this.always = always;
  }

  /**
   * A schedule of one or more windows.
   *
   * @param windows the windows
   * @return the schedule
   */
  public static MaintenanceSchedule of(MaintenanceWindow... windows) {
    return of(List.of(Require.noNulls("windows", windows)));
  }

  /**
   * A schedule of one or more windows.
   *
   * @param windows the windows (at least one)
   * @return the schedule
   */
  public static MaintenanceSchedule of(List<MaintenanceWindow> windows) {
    Require.nonEmpty("windows", windows);
    return new MaintenanceSchedule(List.copyOf(windows), false);
  }

  /** @return a schedule that is always open */
  public static MaintenanceSchedule always() {
    return ALWAYS;
  }

  /** @return the windows; empty for {@link #always()} */
  public List<MaintenanceWindow> windows() {
    return windows;
  }

  /** @return true for {@link #always()} */
  public boolean isAlwaysOpen() {
    return always;
  }

  /**
   * Says whether any window is open.
   *
   * @param t the instant, between {@link dev.osupgrade.Require#EARLIEST} and {@link dev.osupgrade.Require#LATEST}
   * @return true if open
   */
  public boolean isOpen(Instant t) {
    Require.instant("t", t);
    return always || windows.stream().anyMatch(w -> w.isOpen(t));
  }

  /**
   * When the schedule next opens.
   *
   * @param t the instant, between {@link dev.osupgrade.Require#EARLIEST} and {@link dev.osupgrade.Require#LATEST}
   * @return {@code t} itself when open, else the earliest next opening of any window; empty when none opens again
   */
  public Optional<Instant> nextOpening(Instant t) {
    Require.instant("t", t);
    if (isOpen(t)) {
      return Optional.of(t);
    }
    return windows.stream().map(w -> w.nextOpening(t)).flatMap(Optional::stream).min(Instant::compareTo);
  }

  /**
   * When the open period containing {@code t} ends: windows that overlap or touch extend it.
   *
   * @param t the instant, between {@link dev.osupgrade.Require#EARLIEST} and {@link dev.osupgrade.Require#LATEST}
   * @return the closing instant; empty when closed at {@code t}, always open, or open for more than a year
   */
  public Optional<Instant> closesAt(Instant t) {
    Require.instant("t", t);
    if (always || !isOpen(t)) {
      return Optional.empty();
    }
    Instant close = t;
    for (int i = 0; i < MAX_CHAIN; i++) {
      Instant c = close;
      Optional<Instant> later = windows.stream().filter(w -> w.isOpen(c)).map(w -> w.closesAt(c))
          .flatMap(Optional::stream).max(Instant::compareTo);
      if (later.isEmpty()) {
        return windows.stream().anyMatch(w -> w.isOpen(c)) ? Optional.empty() : Optional.of(c);
      }
      close = later.get();
    }
    return Optional.empty();
  }

  /** @return the zone of the first window, used to show instants in local time; UTC for {@link #always()} */
  public ZoneId zone() {
    return windows.isEmpty() ? ZoneOffset.UTC : windows.get(0).zone();
  }

  /**
   * Shows an instant the way an operator reads it: {@code 2026-01-06T21:00:00Z (Tue 22:00 Europe/Berlin)}.
   *
   * @param t the instant, between {@link dev.osupgrade.Require#EARLIEST} and {@link dev.osupgrade.Require#LATEST}
   * @return the text
   */
  public String describe(Instant t) {
    Require.instant("t", t);
    return t + " (" + LOCAL.format(t.atZone(zone())) + " " + zone() + ")";
  }

  @Override
  public String toString() {
    return always ? "MaintenanceSchedule[always open]" : "MaintenanceSchedule" + windows;
  }
}
