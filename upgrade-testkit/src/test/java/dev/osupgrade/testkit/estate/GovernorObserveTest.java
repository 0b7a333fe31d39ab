package dev.osupgrade.testkit.estate;

import static dev.osupgrade.testkit.estate.SmallEstate.UBUNTU;
import static dev.osupgrade.testkit.estate.SmallEstate.V2;
import static org.assertj.core.api.Assertions.assertThat;

import dev.osupgrade.estate.EstateGovernor;
import dev.osupgrade.estate.GovernorDecision;
import dev.osupgrade.estate.GovernorDecision.Kind;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.observe.LoggingListener;
import dev.osupgrade.observe.MetricsListener;
import dev.osupgrade.observe.MetricsSink;
import dev.osupgrade.observe.OperatorLog;
import dev.osupgrade.port.RolloutStore;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ResourceBundle;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The governor's decisions reach the observe listeners — the operator's log (summary and detailed), System.Logger
 * with levels, metrics — one campaign with an operator's pause in the canary, graded by the fleet's record.
 */
final class GovernorObserveTest {

  /** A System.Logger that keeps what it logs. */
  private static final class RecordingLogger implements System.Logger {
    record Entry(Level level, String message) {}

    final List<Entry> entries = new ArrayList<>();

    @Override
    public String getName() {
      return "recording";
    }

    @Override
    public boolean isLoggable(Level level) {
      return true;
    }

    @Override
    public void log(Level level, ResourceBundle bundle, String msg, Throwable thrown) {
      entries.add(new Entry(level, msg));
    }

    @Override
    public void log(Level level, ResourceBundle bundle, String format, Object... params) {
      entries.add(new Entry(level, format));
    }
  }

  /** A sink that sums counters and keeps every gauge value in order. */
  private static final class RecordingSink implements MetricsSink {
    final Map<String, Long> counts = new TreeMap<>();
    final Map<String, List<Double>> gauges = new TreeMap<>();

    @Override
    public void count(String name, Map<String, String> tags, long amount) {
      counts.merge(name + new TreeMap<>(tags), amount, Long::sum);
    }

    @Override
    public void gauge(String name, Map<String, String> tags, double value) {
      gauges.computeIfAbsent(name + new TreeMap<>(tags), k -> new ArrayList<>()).add(value);
    }
  }

  private final List<String> summary = new ArrayList<>();
  private final List<String> detailed = new ArrayList<>();
  private final RecordingLogger logger = new RecordingLogger();
  private final RecordingSink sink = new RecordingSink();

  /** One campaign over the small estate, paused an hour mid-canary by an operator, then resumed. */
  private EstateGovernor campaignWithAPause(SmallEstate estate) {
    OperatorLog sum = OperatorLog.summary(summary::add);
    OperatorLog det = OperatorLog.detailed(detailed::add);
    LoggingListener log = LoggingListener.to(logger);
    MetricsListener metrics = MetricsListener.to(sink);
    EstateGovernor governor = estate.governor(SmallEstate.desired().build(), RolloutStore.inMemory())
        .listener(sum::onGovernorDecision).listener(det::onGovernorDecision).listener(log::onGovernorDecision)
        .listener(metrics::onGovernorDecision).build();
    estate.fleet.publish(UBUNTU.withVersion(V2));
    ScaleSetId canary = estate.scaleSets.get(0);
    while (estate.fleet.record(canary).calls("upgradeInstances").isEmpty()) {
      estate.fleet.clock().advanceTo(governor.advance().orElseThrow());
    }
    governor.pause();
    estate.drive(governor, estate.fleet.clock().instant().plus(Duration.ofHours(1)));
    governor.resume();
    estate.drive(governor, estate.fleet.clock().instant().plus(Duration.ofDays(1)));
    return governor;
  }

  private static List<ScaleSetId> upgradedByTheFleet(SmallEstate estate) {
    return estate.scaleSets.stream().filter(id -> !estate.fleet.record(id).calls("upgradeInstances").isEmpty())
        .toList();
  }

  @Test
  void operatorLog_summaryOneLinePerDecisionButWaits_detailedEveryLine() {
    SmallEstate estate = new SmallEstate(61);
    EstateGovernor governor = campaignWithAPause(estate);
    List<GovernorDecision> decisions = governor.decisions();

    assertThat(detailed).isEqualTo(decisions.stream().map(GovernorDecision::toString).toList());
    List<GovernorDecision> shown = decisions.stream().filter(d -> d.kind() != Kind.RING_WAITING
        && d.kind() != Kind.RELEASE_WAITING && d.kind() != Kind.RING_REHEARSED).toList();
    assertThat(summary).hasSameSizeAs(shown);
    for (int i = 0; i < shown.size(); i++) {
      GovernorDecision d = shown.get(i);
      assertThat(summary.get(i)).startsWith(d.at() + " governor [" + d.family()).doesNotContain("\n")
          .contains(d.kind().name().toLowerCase(Locale.ROOT).replace('_', ' ') + ": ");
    }
    assertThat(summary).anySatisfy(l -> assertThat(l).matches(".* governor \\[\\*\\] governor paused: paused by an "
        + "operator: no campaign, ring or catch-up starts and no ring is promoted; 1 lane\\(s\\) in flight pause at "
        + "their batch boundary"));
    assertThat(summary).filteredOn(l -> l.contains("] ring started: "))
        .extracting(l -> l.substring(l.indexOf(" / ") + 3, l.indexOf("] ring started")))
        .containsExactly("canary", "early", "broad");
    List<ScaleSetId> started = shown.stream().filter(d -> d.kind() == Kind.RING_STARTED)
        .flatMap(d -> d.scaleSets().stream()).toList();
    assertThat(started).as("the rings the log says started are the scale sets the fleet upgraded")
        .containsExactlyInAnyOrderElementsOf(upgradedByTheFleet(estate)).hasSize(5);
  }

  @Test
  void loggingListener_levelsByWhatTheDecisionMeans() {
    SmallEstate estate = new SmallEstate(67);
    EstateGovernor governor = campaignWithAPause(estate);

    assertThat(logger.entries).extracting(RecordingLogger.Entry::message)
        .isEqualTo(governor.decisions().stream().map(GovernorDecision::toString).toList());
    Map<Kind, Level> levels = new TreeMap<>();
    for (int i = 0; i < governor.decisions().size(); i++) {
      levels.put(governor.decisions().get(i).kind(), logger.entries.get(i).level());
    }
    assertThat(levels).containsEntry(Kind.GOVERNOR_PAUSED, Level.WARNING)
        .containsEntry(Kind.GOVERNOR_RESUMED, Level.INFO).containsEntry(Kind.RING_STARTED, Level.INFO)
        .containsEntry(Kind.CAMPAIGN_COMPLETED, Level.INFO);
    for (Kind k : Kind.values()) {
      Level expected = switch (k) {
        case RING_FAILED, CAMPAIGN_FAILED -> Level.ERROR;
        case VERSION_QUARANTINED, RING_BLOCKED, SCALE_SETS_EXCLUDED, DEFERRAL_OVERDUE, TURN_STALLED, GOVERNOR_PAUSED,
            GOVERNOR_CANCELLED -> Level.WARNING;
        default -> Level.INFO;
      };
      GovernorDecision d = new GovernorDecision(1, Instant.EPOCH, k, "*", null, null, List.of(), "x");
      assertThat(LoggingListener.level(d)).as("%s", k).isEqualTo(expected);
    }
  }

  @Test
  void metricsListener_decisionsCountedByKind_pausedGaugeUpThenDown() {
    SmallEstate estate = new SmallEstate(71);
    EstateGovernor governor = campaignWithAPause(estate);

    Map<String, Long> expected = governor.decisions().stream().collect(Collectors.groupingBy(
        d -> "osupgrade.governor.decisions{family=" + d.family() + ", kind=" + d.kind().name().toLowerCase(Locale.ROOT)
            + "}", TreeMap::new, Collectors.counting()));
    assertThat(sink.counts).isEqualTo(expected);
    assertThat(sink.counts).containsEntry("osupgrade.governor.decisions{family=ubuntu, kind=ring_started}", 3L)
        .containsEntry("osupgrade.governor.decisions{family=ubuntu, kind=ring_promoted}", 3L);
    assertThat(sink.gauges).containsExactly(Map.entry("osupgrade.governor.paused{}", List.of(1.0, 0.0)));
    long ringsStartedOnScaleSets = governor.decisions().stream().filter(d -> d.kind() == Kind.RING_STARTED)
        .mapToLong(d -> d.scaleSets().size()).sum();
    assertThat(ringsStartedOnScaleSets).as("as many as the fleet upgraded")
        .isEqualTo(upgradedByTheFleet(estate).size()).isEqualTo(5);
  }
}
