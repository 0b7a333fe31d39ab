package dev.osupgrade.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osupgrade.Fleets;
import dev.osupgrade.event.BatchStarted;
import dev.osupgrade.event.GateEvaluated;
import dev.osupgrade.fleet.ScaleSet;
import dev.osupgrade.governance.schedule.MaintenanceSchedule;
import dev.osupgrade.governance.schedule.MaintenanceWindow;
import dev.osupgrade.governance.schedule.MaintenanceWindowGate;
import dev.osupgrade.health.GateVerdict;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;

/** The kernel with a maintenance window gate: waiting on the window is not a lack of progress. */
final class MaintenanceWindowRuleTest {
  private static final MaintenanceSchedule WEEKNIGHTS =
      MaintenanceSchedule.of(MaintenanceWindow.parse("MON-FRI 22:00-02:00 Europe/Berlin"));
  private static final MaintenanceWindowGate GATE = MaintenanceWindowGate.of(WEEKNIGHTS);

  private static Instant berlin(String localDateTime) {
    return LocalDateTime.parse(localDateTime).atZone(ZoneId.of("Europe/Berlin")).toInstant();
  }

  // A rollout asked to start at noon sends nothing until the window opens, then its batch.
  @Test
  void rollout_startedOutsideTheWindow_firstBatchStartsWhenTheWindowOpens() {
    RolloutEngine engine = new RolloutEngine(RolloutOptions.builder().gate(GATE)
        .progressDeadline(Duration.ofHours(24)).build());
    ScaleSet fleet = Fleets.scaleSet(10);
    Instant noon = berlin("2026-01-06T12:00");

    Decision first = engine.decide(RolloutState.initial(Fleets.ID, Fleets.NEW), new Observation(noon, fleet));

    assertThat(first.actions()).isEmpty();
    assertThat(first.events()).noneMatch(e -> e instanceof BatchStarted);
    assertThat(first.events()).filteredOn(e -> e instanceof GateEvaluated).last()
        .satisfies(e -> assertThat(((GateEvaluated) e).verdict()).isInstanceOf(GateVerdict.Wait.class));
    assertThat(first.nextLook()).contains(berlin("2026-01-06T22:00"));

    Decision second = engine.decide(first.state(), new Observation(first.nextLook().orElseThrow(), fleet));

    assertThat(second.events()).anyMatch(e -> e instanceof BatchStarted);
    assertThat(second.events()).filteredOn(e -> e instanceof BatchStarted)
        .allSatisfy(e -> assertThat(WEEKNIGHTS.isOpen(e.at())).isTrue());
  }

  // A gate wait longer than the progress deadline (default 2 h) does not time the rollout out.
  @Test
  void rollout_gateWaitLongerThanProgressDeadline_doesNotTimeOut() {
    RolloutEngine engine = new RolloutEngine(RolloutOptions.builder().gate(GATE).build());
    ScaleSet fleet = Fleets.scaleSet(10);

    Decision first = engine.decide(RolloutState.initial(Fleets.ID, Fleets.NEW),
        new Observation(berlin("2026-01-06T12:00"), fleet));
    Decision second = engine.decide(first.state(), new Observation(first.nextLook().orElseThrow(), fleet));

    assertThat(second.events()).anyMatch(e -> e instanceof BatchStarted);
  }
}
