package dev.osupgrade.governance.schedule;

import static dev.osupgrade.governance.schedule.MaintenanceWindowTest.berlin;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osupgrade.InvalidValueException;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

final class MaintenanceScheduleTest {
  private static final MaintenanceSchedule SCHEDULE = MaintenanceSchedule.of(
      MaintenanceWindow.parse("MON-THU 22:00-02:00 Europe/Berlin"),
      MaintenanceWindow.parse("SAT 06:00-12:00 Europe/Berlin"));

  @Test
  void isOpen_anyWindow() {
    assertThat(SCHEDULE.isOpen(berlin("2026-01-05T23:00"))).isTrue();
    assertThat(SCHEDULE.isOpen(berlin("2026-01-10T07:00"))).isTrue();
    assertThat(SCHEDULE.isOpen(berlin("2026-01-09T23:00"))).isFalse();
  }

  @Test
  void nextOpening_earliestOfTheWindows() {
    assertThat(SCHEDULE.nextOpening(berlin("2026-01-09T12:00"))).contains(berlin("2026-01-10T06:00"));
    assertThat(SCHEDULE.nextOpening(berlin("2026-01-10T12:00"))).contains(berlin("2026-01-12T22:00"));
  }

  @Test
  void closesAt_touchingWindows_joined() {
    MaintenanceSchedule evening = MaintenanceSchedule.of(MaintenanceWindow.parse("daily 20:00-22:00 UTC"),
        MaintenanceWindow.parse("daily 22:00-23:00 UTC"), MaintenanceWindow.parse("daily 21:00-22:30 UTC"));

    assertThat(evening.closesAt(Instant.parse("2026-01-05T20:30:00Z"))).contains(Instant.parse(
        "2026-01-05T23:00:00Z"));
    assertThat(evening.closesAt(Instant.parse("2026-01-05T23:00:00Z"))).isEmpty();
  }

  @Test
  void always_openWithoutEnd() {
    MaintenanceSchedule always = MaintenanceSchedule.always();

    assertThat(always.isOpen(Instant.EPOCH)).isTrue();
    assertThat(always.nextOpening(Instant.EPOCH)).contains(Instant.EPOCH);
    assertThat(always.closesAt(Instant.EPOCH)).isEmpty();
    assertThat(always.windows()).isEmpty();
    assertThat(always).hasToString("MaintenanceSchedule[always open]");
  }

  @Test
  void describe_showsLocalTime() {
    assertThat(SCHEDULE.describe(berlin("2026-01-06T22:00")))
        .isEqualTo("2026-01-06T21:00:00Z (Tue 22:00 Europe/Berlin)");
  }

  @Test
  void of_noWindows_rejected() {
    assertThatThrownBy(() -> MaintenanceSchedule.of(List.of())).isInstanceOf(InvalidValueException.class)
        .hasMessage("windows must be non-empty, but was []");
  }
}
