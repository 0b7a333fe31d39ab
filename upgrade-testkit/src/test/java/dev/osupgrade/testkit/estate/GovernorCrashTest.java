package dev.osupgrade.testkit.estate;

import static dev.osupgrade.testkit.estate.SmallEstate.UBUNTU;
import static dev.osupgrade.testkit.estate.SmallEstate.V2;
import static org.assertj.core.api.Assertions.assertThat;

import dev.osupgrade.estate.DesiredState;
import dev.osupgrade.estate.EstateGovernor;
import dev.osupgrade.estate.EstateReport;
import dev.osupgrade.estate.GovernorDecision;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.port.RolloutStore;
import dev.osupgrade.testkit.CrashPoints;
import dev.osupgrade.testkit.FleetRecord;
import dev.osupgrade.testkit.InstanceChange;
import dev.osupgrade.testkit.SimulatedCrash;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Crashes the governor at every store and port call of one turn — the turn that starts the campaign and its canary
 * ring, and the turn that promotes the canary and starts the next ring — and resumes it with a new governor on the
 * same store: every run ends as the uncrashed one does, graded by the fleet's record (every instance on the release,
 * upgraded exactly once), the campaign completed, and the governor's own checkpoint intact.
 */
final class GovernorCrashTest {
  private static final Duration HORIZON = Duration.ofHours(8);

  /** The outcome of one run, by the fleet's truth. */
  private record Outcome(Map<String, String> versions, Map<String, Integer> upgrades, String campaign) {}

  private static Outcome outcome(SmallEstate estate, EstateGovernor governor) {
    Map<String, String> versions = new TreeMap<>();
    Map<String, Integer> upgrades = new TreeMap<>();
    for (ScaleSetId id : estate.scaleSets) {
      FleetRecord record = estate.fleet.record(id);
      for (Instance i : estate.fleet.peek(id).instances()) {
        versions.put(id + "/" + i.instanceId(), i.imageVersion() + " " + i.health());
        upgrades.put(id + "/" + i.instanceId(), record.count(i.instanceId(), InstanceChange.Kind.UPGRADE_STARTED));
      }
    }
    EstateReport.FamilyLine family = governor.report().families().get(0);
    return new Outcome(versions, upgrades, family.campaign() + " " + family.campaignStatus());
  }

  /** Runs the estate with crash wrappers; returns the crash points each advance passed, and the outcome. */
  private static Outcome run(CrashPoints crash, long[] turnPoints, Predicate<List<GovernorDecision>> turn) {
    SmallEstate estate = new SmallEstate(11);
    estate.fleet.publish(UBUNTU.withVersion(V2));
    RolloutStore store = RolloutStore.inMemory();
    DesiredState desired = SmallEstate.desired().build();
    EstateGovernor governor = estate.governor(desired, crash.wrap(store), crash.wrapInventory(estate.fleet),
        crash.wrap(estate.fleet), crash.wrapCatalog(estate.fleet)).build();
    Instant until = estate.fleet.clock().instant().plus(HORIZON);
    try {
      while (estate.fleet.clock().instant().isBefore(until)) {
        long before = crash.points();
        int decided = estate.log.size();
        Instant next = governor.advance().orElseThrow();
        if (turnPoints != null && turnPoints[1] == 0 && turn.test(estate.log.subList(decided, estate.log.size()))) {
          turnPoints[0] = before;
          turnPoints[1] = crash.points();
        }
        estate.fleet.clock().advanceTo(next.isAfter(until) ? until : next);
      }
      return outcome(estate, governor);
    } catch (SimulatedCrash crashed) {
      // the process died: a new one, built the same way on the same store, takes over (same replica name)
      EstateGovernor resumed = estate.governor(desired, store).build();
      estate.drive(resumed, until);
      return outcome(estate, resumed);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"CAMPAIGN_STARTED", "RING_PROMOTED"})
  void crashAtEveryCallOfOneTurn_resumed_sameOutcome(String turnKind) {
    Predicate<List<GovernorDecision>> turn = decisions -> decisions.stream()
        .anyMatch(d -> d.kind().name().equals(turnKind));
    long[] points = new long[2];
    Outcome baseline = run(CrashPoints.never(), points, turn);
    assertThat(points[1]).as("the turn was found").isPositive();
    assertThat(baseline.campaign()).isEqualTo(V2 + " COMPLETED");
    assertThat(baseline.versions().values()).allMatch(v -> v.equals(V2 + " HEALTHY"));
    assertThat(baseline.upgrades().values()).allMatch(n -> n == 1);

    List<String> failures = new ArrayList<>();
    long crashes = 0;
    for (long p = points[0] + 1; p <= points[1]; p++) {
      Outcome crashed = run(CrashPoints.at(p), null, turn);
      crashes++;
      if (!crashed.equals(baseline)) {
        failures.add("crash at point " + p + ": " + crashed);
      }
    }
    System.out.printf("governor crash sweep (%s turn): %d crash points (%d..%d), %d runs differ%n", turnKind,
        crashes, points[0] + 1, points[1], failures.size());
    assertThat(crashes).isGreaterThan(20);
    assertThat(failures).isEmpty();
  }
}
