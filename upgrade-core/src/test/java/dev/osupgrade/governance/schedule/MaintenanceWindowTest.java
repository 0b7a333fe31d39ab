package dev.osupgrade.governance.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osupgrade.InvalidValueException;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

final class MaintenanceWindowTest {
  static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");
  // Weeknights 22:00 to 02:00 the next morning, Berlin time.
  static final MaintenanceWindow WEEKNIGHTS = MaintenanceWindow.parse("MON-FRI 22:00-02:00 Europe/Berlin");

  static Instant berlin(String localDateTime) {
    return LocalDateTime.parse(localDateTime).atZone(BERLIN).toInstant();
  }

  @ParameterizedTest(name = "{0} open={1}")
  @CsvSource({
      "2026-01-05T22:00, true",   // Monday, exactly at the opening
      "2026-01-05T21:59:59.999999999, false",
      "2026-01-06T01:59:59.999999999, true", // Tuesday morning, Monday's window still open
      "2026-01-06T02:00, false",  // exactly at the close
      "2026-01-09T23:30, true",   // Friday night
      "2026-01-10T01:30, true",   // Saturday morning: Friday's window crosses midnight
      "2026-01-10T22:30, false",  // Saturday night: no window opens on Saturday
      "2026-01-12T01:00, false",  // Monday morning: no window opened on Sunday
      "2026-01-07T12:00, false",
  })
  void isOpen_weeknightsAcrossMidnight(String local, boolean open) {
    assertThat(WEEKNIGHTS.isOpen(berlin(local))).isEqualTo(open);
  }

  @Test
  void nextOpening_closed_nextOccurrenceAndOpenItself() {
    assertThat(WEEKNIGHTS.nextOpening(berlin("2026-01-06T02:00"))).contains(berlin("2026-01-06T22:00"));
    assertThat(WEEKNIGHTS.nextOpening(berlin("2026-01-10T12:00"))).contains(berlin("2026-01-12T22:00"));
    Instant open = berlin("2026-01-05T23:00");
    assertThat(WEEKNIGHTS.nextOpening(open)).contains(open);
  }

  @Test
  void closesAt_openOrClosed() {
    assertThat(WEEKNIGHTS.closesAt(berlin("2026-01-05T22:00"))).contains(berlin("2026-01-06T02:00"));
    assertThat(WEEKNIGHTS.closesAt(berlin("2026-01-06T02:00"))).isEmpty();
  }

  // 2026-03-29: clocks in Berlin jump from 02:00 CET to 03:00 CEST.
  @Test
  void occurrence_springForward_windowIsAnHourShorter() {
    MaintenanceWindow nights = MaintenanceWindow.daily(BERLIN, LocalTime.of(1, 0), LocalTime.of(5, 0));

    List<MaintenanceWindow.Interval> sunday = nights.occurrences(Instant.parse("2026-03-29T00:00:00Z"),
        Instant.parse("2026-03-29T03:00:00Z"));

    assertThat(sunday).containsExactly(new MaintenanceWindow.Interval(Instant.parse("2026-03-29T00:00:00Z"),
        Instant.parse("2026-03-29T03:00:00Z")));
    assertThat(Duration.between(sunday.get(0).open(), sunday.get(0).close())).isEqualTo(Duration.ofHours(3));
    assertThat(nights.isOpen(berlin("2026-03-29T03:30"))).isTrue();
    assertThat(nights.closesAt(Instant.parse("2026-03-29T02:59:00Z"))).contains(berlin("2026-03-29T05:00"));
  }

  // 2026-10-25: clocks in Berlin fall back from 03:00 CEST to 02:00 CET.
  @Test
  void occurrence_fallBack_windowIsAnHourLonger() {
    MaintenanceWindow nights = MaintenanceWindow.daily(BERLIN, LocalTime.of(1, 0), LocalTime.of(5, 0));

    Instant open = Instant.parse("2026-10-24T23:00:00Z");
    assertThat(nights.nextOpening(open.minusSeconds(1))).contains(open);
    assertThat(nights.closesAt(open)).contains(Instant.parse("2026-10-25T04:00:00Z"));
    // 02:30 happens twice that night; the window is open both times.
    assertThat(nights.isOpen(Instant.parse("2026-10-25T00:30:00Z"))).isTrue();
    assertThat(nights.isOpen(Instant.parse("2026-10-25T01:30:00Z"))).isTrue();
  }

  @Test
  void occurrence_windowInsideTheSpringGap_doesNotOpenThatDay() {
    MaintenanceWindow gap = MaintenanceWindow.daily(BERLIN, LocalTime.of(2, 0), LocalTime.of(3, 0));

    assertThat(gap.nextOpening(berlin("2026-03-29T00:00"))).contains(berlin("2026-03-30T02:00"));
    assertThat(gap.nextOpening(berlin("2026-03-28T00:00"))).contains(berlin("2026-03-28T02:00"));
  }

  @Test
  void occurrence_startInsideTheSpringGap_movesForwardByTheGap() {
    MaintenanceWindow w = MaintenanceWindow.daily(BERLIN, LocalTime.of(2, 30), LocalTime.of(4, 0));

    // 02:30 does not exist on 2026-03-29; it becomes 03:30 CEST (01:30Z).
    assertThat(w.nextOpening(berlin("2026-03-29T00:00"))).contains(Instant.parse("2026-03-29T01:30:00Z"));
  }

  @Test
  void blackoutDate_skipsThatDaysWindow() {
    MaintenanceWindow w = WEEKNIGHTS.withBlackout(LocalDate.of(2026, 1, 7));

    assertThat(w.isOpen(berlin("2026-01-07T23:00"))).isFalse();
    assertThat(w.nextOpening(berlin("2026-01-07T12:00"))).contains(berlin("2026-01-08T22:00"));
    // Tuesday's window runs into the blackout Wednesday and closes at its midnight.
    assertThat(w.isOpen(berlin("2026-01-06T23:59"))).isTrue();
    assertThat(w.isOpen(berlin("2026-01-07T00:00"))).isFalse();
    assertThat(w.closesAt(berlin("2026-01-06T23:00"))).contains(berlin("2026-01-07T00:00"));
  }

  @Test
  void nextOpening_twoHundredBlackedOutMondays_findsTheFirstFreeOne() {
    MaintenanceWindow mondays = MaintenanceWindow.weekly(BERLIN, LocalTime.of(22, 0), LocalTime.of(23, 0),
        DayOfWeek.MONDAY);
    MaintenanceWindow blocked = mondays;
    for (int week = 0; week < 200; week++) {
      blocked = blocked.withBlackout(LocalDate.of(2026, 1, 5).plusWeeks(week));
    }

    assertThat(blocked.nextOpening(berlin("2026-01-05T00:00"))).contains(berlin("2029-11-05T22:00"));
    assertThat(mondays.withBlackout(LocalDate.of(2026, 1, 5)).nextOpening(berlin("2026-01-05T00:00")))
        .contains(berlin("2026-01-12T22:00"));
  }

  @Test
  void closesAt_twentyFourHourWindowEveryDay_neverCloses() {
    MaintenanceWindow always = MaintenanceWindow.daily(BERLIN, LocalTime.NOON, LocalTime.NOON);

    assertThat(always.isOpen(berlin("2026-01-05T11:00"))).isTrue();
    assertThat(always.closesAt(berlin("2026-01-05T11:00"))).isEmpty();
    assertThat(always.crossesMidnight()).isTrue();
  }

  @Test
  void closesAt_adjacentOccurrences_joinIntoOnePeriod() {
    // Saturday and Sunday 00:00-00:00: one 48-hour period.
    MaintenanceWindow weekend = MaintenanceWindow.parse("SAT,SUN 00:00-00:00 UTC");

    assertThat(weekend.closesAt(Instant.parse("2026-01-10T10:00:00Z")))
        .contains(Instant.parse("2026-01-12T00:00:00Z"));
  }

  @Test
  void parse_forms_understood() {
    assertThat(MaintenanceWindow.parse("daily 01:00-05:00 UTC").days()).hasSize(7);
    assertThat(MaintenanceWindow.parse("sat,sun 06:00-12:00 UTC").days())
        .containsExactlyInAnyOrder(DayOfWeek.SATURDAY, DayOfWeek.SUNDAY);
    assertThat(MaintenanceWindow.parse("FRI-MON 06:00-12:00 UTC").days())
        .isEqualTo(EnumSet.of(DayOfWeek.FRIDAY, DayOfWeek.SATURDAY, DayOfWeek.SUNDAY, DayOfWeek.MONDAY));
    assertThat(WEEKNIGHTS).hasToString("MaintenanceWindow[MON-FRI 22:00-02:00 Europe/Berlin]");
    assertThat(MaintenanceWindow.parse("TUE,THU-SAT 06:00-12:00 UTC").withBlackout(LocalDate.of(2026, 12, 24)))
        .hasToString("MaintenanceWindow[TUE,THU-SAT 06:00-12:00 UTC, blackout [2026-12-24]]");
  }

  @ParameterizedTest
  @ValueSource(strings = {"MON-FRI 22:00 Europe/Berlin", "XYZ 22:00-02:00 UTC", "MON 25:00-02:00 UTC",
      "MON 22:00-02:00 Mars/Olympus", "MON 22:00-02:00-03:00 UTC"})
  void parse_malformed_rejectedWithTheFormat(String text) {
    assertThatThrownBy(() -> MaintenanceWindow.parse(text)).isInstanceOf(InvalidValueException.class)
        .hasMessageStartingWith("window must be \"<days> <HH:mm>-<HH:mm> <zone>\"");
  }

  @Test
  void construct_noDays_rejected() {
    assertThatThrownBy(() -> new MaintenanceWindow(EnumSet.noneOf(DayOfWeek.class), LocalTime.NOON,
        LocalTime.MIDNIGHT, BERLIN, java.util.Set.of())).isInstanceOf(InvalidValueException.class)
        .hasMessage("days must be non-empty, but was []");
  }
}
