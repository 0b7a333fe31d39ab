package dev.osupgrade.testkit;

import static dev.osupgrade.testkit.Images.V1;
import static dev.osupgrade.testkit.Images.V2;
import static dev.osupgrade.testkit.Images.V3;
import static dev.osupgrade.testkit.Images.ubuntu;
import static org.assertj.core.api.Assertions.assertThat;

import dev.osupgrade.event.RolloutEvent;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.event.RingEvent;
import dev.osupgrade.observe.LoggingListener;
import dev.osupgrade.rollout.Rollout;
import dev.osupgrade.service.RunnerEvent;
import java.lang.System.Logger.Level;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ResourceBundle;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Events through System.Logger with levels; what is logged is checked against the fleet's own record. */
final class LoggingListenerTest {

  /** A System.Logger that keeps what it is given, logging from {@code threshold} up. */
  private static final class RecordingLogger implements System.Logger {
    record Entry(Level level, String message, Throwable thrown) {}

    final List<Entry> entries = new ArrayList<>();
    final Level threshold;
    int formatted;

    RecordingLogger(Level threshold) {
      this.threshold = threshold;
    }

    @Override
    public String getName() {
      return "recording";
    }

    @Override
    public boolean isLoggable(Level level) {
      return level.getSeverity() >= threshold.getSeverity();
    }

    @Override
    public void log(Level level, ResourceBundle bundle, String msg, Throwable thrown) {
      formatted++;
      if (isLoggable(level)) {
        entries.add(new Entry(level, msg, thrown));
      }
    }

    @Override
    public void log(Level level, ResourceBundle bundle, String format, Object... params) {
      formatted++;
      if (isLoggable(level)) {
        entries.add(new Entry(level, format, null));
      }
    }

    Map<Level, Long> levels() {
      return entries.stream().collect(Collectors.groupingBy(Entry::level, TreeMap::new, Collectors.counting()));
    }
  }

  private static ScaleSetId web(SimulatedFleet fleet) {
    ScaleSetId web = fleet.add(ScaleSetSpec.named("web").resourceGroup("shop-prod").instances(10).zones(1)
        .image(ubuntu(V1)));
    fleet.publish(ubuntu(V2));
    fleet.publish(ubuntu(V3));
    return web;
  }

  @Test
  void goodRollout_progressAtInfo_instancesAtDebug_nothingAboveInfo() {
    SimulatedFleet fleet = SimulatedFleet.create(7);
    ScaleSetId web = web(fleet);
    RecordingLogger logger = new RecordingLogger(Level.ALL);

    Rollout r = fleet.run(Rollout.builder(fleet, web).target(V2).clock(fleet.clock())
        .listener(LoggingListener.to(logger)).build());

    assertThat(logger.entries).extracting(RecordingLogger.Entry::message)
        .containsExactlyElementsOf(r.events().stream().map(RolloutEvent::toString).toList());
    long upgradedByTheFleet = fleet.record(web).instances().stream()
        .filter(id -> fleet.record(web).count(id, InstanceChange.Kind.UPGRADE_STARTED) == 1).count();
    assertThat(upgradedByTheFleet).isEqualTo(10);
    // each instance: upgraded + healthy at DEBUG
    assertThat(logger.levels()).containsEntry(Level.DEBUG, 2 * upgradedByTheFleet)
        .doesNotContainKeys(Level.WARNING, Level.ERROR);
    assertThat(logger.entries).filteredOn(e -> e.message().contains("batch ") && e.message().contains("completed"))
        .allSatisfy(e -> assertThat(e.level()).isEqualTo(Level.INFO));
  }

  @Test
  void faultyImage_instanceFailuresAndTheFailedGateWarn_theFaultIsAnError() {
    SimulatedFleet fleet = SimulatedFleet.create(7);
    ScaleSetId web = web(fleet);
    fleet.imageBehavior(V3, ImageBehavior.comesUpUnhealthy());
    RecordingLogger logger = new RecordingLogger(Level.INFO);

    fleet.run(Rollout.builder(fleet, web).target(V3).clock(fleet.clock()).listener(LoggingListener.to(logger))
        .build());

    long rolledBackByTheFleet = fleet.record(web).instances().stream()
        .filter(id -> fleet.record(web).count(id, InstanceChange.Kind.ROLLBACK_STARTED) == 1).count();
    assertThat(rolledBackByTheFleet).isPositive();
    List<String> warnings = logger.entries.stream().filter(e -> e.level() == Level.WARNING)
        .map(RecordingLogger.Entry::message).toList();
    assertThat(warnings).filteredOn(m -> m.contains("FAILED (UNHEALTHY): still UNHEALTHY 5m after the upgrade"))
        .as("one warning per instance the fleet rolled back").hasSize((int) rolledBackByTheFleet);
    assertThat(warnings).filteredOn(m -> m.contains("gate upgraded-unhealthy after batch 1: FAIL")).hasSize(1);
    assertThat(warnings).hasSize((int) rolledBackByTheFleet + 1);
    assertThat(logger.entries).filteredOn(e -> e.level() == Level.ERROR).singleElement()
        .satisfies(e -> assertThat(e.message()).contains("rollout FAULTED [MaxUnhealthyUpgradedInstancePercentExceeded"
            + "InRollingUpgrade]"));
    assertThat(logger.levels()).doesNotContainKey(Level.DEBUG);
    assertThat(logger.formatted).as("nothing formatted below the logger's level").isEqualTo(logger.entries.size());
  }

  @Test
  void stalledRollout_stallWarns_clearingIsInfo() {
    SimulatedFleet fleet = SimulatedFleet.create(7);
    ScaleSetId web = web(fleet);
    fleet.faults().serverErrors("upgradeInstances", 3, 503);
    RecordingLogger logger = new RecordingLogger(Level.INFO);

    Rollout r = fleet.run(Rollout.builder(fleet, web).target(V2).clock(fleet.clock())
        .listener(LoggingListener.to(logger)).build());

    assertThat(r.status().toString()).isEqualTo("COMPLETED");
    assertThat(logger.entries).filteredOn(e -> e.level() == Level.WARNING).singleElement()
        .satisfies(e -> assertThat(e.message()).contains("rollout STALLED", "503"));
    assertThat(logger.entries).filteredOn(e -> e.message().contains("stall cleared")).singleElement()
        .satisfies(e -> assertThat(e.level()).isEqualTo(Level.INFO));
  }

  @Test
  void runnerAndRingEvents_levelsByKind_failureGoesAlongAsTheThrowable() {
    RecordingLogger logger = new RecordingLogger(Level.ALL);
    LoggingListener log = LoggingListener.to(logger);
    Instant at = Instant.parse("2026-01-05T00:00:00Z");
    IllegalStateException boom = new IllegalStateException("ARM said no");

    log.onRunnerEvent(new RunnerEvent(1, at, RunnerEvent.Kind.ADVANCE_FAILED, null, "retry in 30s", boom));
    log.onRunnerEvent(new RunnerEvent(2, at, RunnerEvent.Kind.SET_ASIDE, null, "refused", boom));
    log.onRunnerEvent(new RunnerEvent(3, at, RunnerEvent.Kind.ENDED, null, "completed", null));
    log.onRingEvent(new RingEvent(1, at, RingEvent.Kind.RING_FAILED, "canary", null, "[PerformanceRegression] FAIL"));
    log.onRingEvent(new RingEvent(2, at, RingEvent.Kind.VERSION_QUARANTINED, "canary", null, "quarantined"));
    log.onRingEvent(new RingEvent(3, at, RingEvent.Kind.RING_PROMOTED, "canary", null, "healthy for 2h"));

    assertThat(logger.entries).extracting(RecordingLogger.Entry::level).containsExactly(Level.WARNING, Level.ERROR,
        Level.INFO, Level.ERROR, Level.WARNING, Level.INFO);
    assertThat(logger.entries.get(0).thrown()).isSameAs(boom);
    assertThat(logger.entries.get(2).thrown()).isNull();
    assertThat(logger.entries.get(3).message()).isEqualTo("#001 2026-01-05T00:00:00Z [canary] ring failed: "
        + "[PerformanceRegression] FAIL");
  }

  @Test
  void named_usesTheJdksLoggerOfThatName() {
    assertThat(LoggingListener.create().logger().getName()).isEqualTo("dev.osupgrade");
    assertThat(LoggingListener.named("shop.upgrades").logger().getName()).isEqualTo("shop.upgrades");
  }
}
