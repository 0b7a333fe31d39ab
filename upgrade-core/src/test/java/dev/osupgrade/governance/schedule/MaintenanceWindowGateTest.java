package dev.osupgrade.governance.schedule;

import static dev.osupgrade.governance.schedule.MaintenanceWindowTest.berlin;
import static org.assertj.core.api.Assertions.assertThat;

import dev.osupgrade.Fleets;
import dev.osupgrade.fleet.ScaleSet;
import dev.osupgrade.health.GateContext;
import dev.osupgrade.health.GatePhase;
import dev.osupgrade.health.GateVerdict;
import dev.osupgrade.policy.RollingUpgradePolicy;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Set;
import org.junit.jupiter.api.Test;

final class MaintenanceWindowGateTest {
  private static final MaintenanceSchedule WEEKNIGHTS = MaintenanceSchedule.of(MaintenanceWindowTest.WEEKNIGHTS);
  private static final MaintenanceWindowGate GATE = MaintenanceWindowGate.of(WEEKNIGHTS);

  private static GateContext before(Instant now) {
    return new GateContext(GatePhase.BEFORE_BATCH, 2, 5, Fleets.scaleSet(10), Fleets.NEW,
        RollingUpgradePolicy.ofDefaults(), Set.of(), Set.of(), now.minus(Duration.ofHours(1)), now);
  }

  @Test
  void evaluate_closed_waitsUntilTheNextOpening() {
    GateVerdict v = GATE.evaluate(before(berlin("2026-01-06T12:00")));

    assertThat(v).isInstanceOfSatisfying(GateVerdict.Wait.class, w -> {
      assertThat(w.until()).isEqualTo(berlin("2026-01-06T22:00"));
      assertThat(w.gate()).isEqualTo("maintenance-window");
      assertThat(w.reason()).isEqualTo("maintenance window closed; next opening 2026-01-06T21:00:00Z "
          + "(Tue 22:00 Europe/Berlin)");
    });
    assertThat(v.measurement("minutesUntilOpen")).isEqualTo(600.0);
  }

  @Test
  void evaluate_exactlyAtOpening_passes() {
    GateVerdict v = GATE.evaluate(berlin("2026-01-06T22:00"));

    assertThat(v).isInstanceOf(GateVerdict.Pass.class);
    assertThat(v.reason()).isEqualTo("maintenance window open until 2026-01-07T01:00:00Z (Wed 02:00 Europe/Berlin),"
        + " 4h left");
    assertThat(v.measurement("minutesLeft")).isEqualTo(240.0);
  }

  @Test
  void evaluate_exactlyAtClose_waitsForTomorrow() {
    assertThat(GATE.evaluate(berlin("2026-01-07T02:00"))).isInstanceOfSatisfying(GateVerdict.Wait.class,
        w -> assertThat(w.until()).isEqualTo(berlin("2026-01-07T22:00")));
  }

  @Test
  void evaluate_tooLittleTimeLeft_waitsForTheNextWindow() {
    MaintenanceWindowGate gate = MaintenanceWindowGate.of(WEEKNIGHTS, Duration.ofMinutes(45));

    GateVerdict v = gate.evaluate(berlin("2026-01-07T01:30"));

    assertThat(v).isInstanceOfSatisfying(GateVerdict.Wait.class, w -> {
      assertThat(w.until()).isEqualTo(berlin("2026-01-07T22:00"));
      assertThat(w.reason()).isEqualTo("maintenance window closes at 2026-01-07T01:00:00Z (Wed 02:00 "
          + "Europe/Berlin), in 30m, less than the 45m a batch needs; next opening 2026-01-07T21:00:00Z "
          + "(Wed 22:00 Europe/Berlin)");
    });
    assertThat(gate.evaluate(berlin("2026-01-07T01:15"))).isInstanceOf(GateVerdict.Pass.class);
  }

  @Test
  void evaluate_blackoutDate_skipsToTheNextWindow() {
    MaintenanceWindowGate gate = MaintenanceWindowGate.of(MaintenanceSchedule.of(
        MaintenanceWindowTest.WEEKNIGHTS.withBlackout(LocalDate.of(2026, 1, 6))));

    assertThat(gate.evaluate(berlin("2026-01-06T12:00"))).isInstanceOfSatisfying(GateVerdict.Wait.class,
        w -> assertThat(w.until()).isEqualTo(berlin("2026-01-07T22:00")));
  }

  @Test
  void evaluate_alwaysOpen_passes() {
    assertThat(MaintenanceWindowGate.of(MaintenanceSchedule.always()).evaluate(Instant.EPOCH))
        .isInstanceOfSatisfying(GateVerdict.Pass.class,
            p -> assertThat(p.reason()).isEqualTo("maintenance window open (always)"));
  }

  @Test
  void appliesTo_beforeBatchOnly() {
    assertThat(GATE.appliesTo(GatePhase.BEFORE_BATCH)).isTrue();
    assertThat(GATE.appliesTo(GatePhase.AFTER_BATCH)).isFalse();
    assertThat(GATE.name()).isEqualTo("maintenance-window");
    assertThat(MaintenanceWindowGate.of(WEEKNIGHTS, Duration.ofMinutes(90))).hasToString("maintenance-window["
        + "MaintenanceSchedule[MaintenanceWindow[MON-FRI 22:00-02:00 Europe/Berlin]], at least 1h30m left]");
  }

  @Test
  void evaluate_everyWindowShorterThanTheMinimum_failsInsteadOfWaitingForever() {
    MaintenanceWindowGate gate = MaintenanceWindowGate.of(
        MaintenanceSchedule.of(MaintenanceWindow.parse("DAILY 20:00-21:00 UTC")), java.time.Duration.ofHours(2));

    GateVerdict verdict = gate.evaluate(java.time.Instant.parse("2026-01-05T12:00:00Z"));

    assertThat(verdict).isInstanceOf(GateVerdict.Fail.class);
    assertThat(verdict.reason()).contains("of at least 2h");
  }

  @Test
  void evaluate_shortWindowsThenALongOne_waitsForTheLongOne() {
    MaintenanceWindowGate gate = MaintenanceWindowGate.of(MaintenanceSchedule.of(
        MaintenanceWindow.parse("MON-FRI 20:00-21:00 UTC"), MaintenanceWindow.parse("SAT 08:00-14:00 UTC")),
        java.time.Duration.ofHours(2));

    GateVerdict verdict = gate.evaluate(java.time.Instant.parse("2026-01-05T12:00:00Z"));

    assertThat(verdict).isInstanceOfSatisfying(GateVerdict.Wait.class,
        w -> assertThat(w.until()).isEqualTo(java.time.Instant.parse("2026-01-10T08:00:00Z")));
  }
}
