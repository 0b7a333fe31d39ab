package dev.osupgrade.testkit.estate;

import static dev.osupgrade.testkit.estate.SmallEstate.UBUNTU;
import static dev.osupgrade.testkit.estate.SmallEstate.V1;
import static dev.osupgrade.testkit.estate.SmallEstate.V2;
import static dev.osupgrade.testkit.estate.SmallEstate.V3;
import static org.assertj.core.api.Assertions.assertThat;

import dev.osupgrade.Durations;
import dev.osupgrade.estate.EstateGovernor;
import dev.osupgrade.estate.EstateReport;
import dev.osupgrade.estate.GovernorDecision;
import dev.osupgrade.estate.GovernorDecision.Kind;
import dev.osupgrade.estate.RehearsalBudget;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.governance.Environment;
import dev.osupgrade.governance.ImageTrustPolicy;
import dev.osupgrade.governance.schedule.MaintenanceSchedule;
import dev.osupgrade.governance.schedule.MaintenanceWindow;
import dev.osupgrade.image.ImageVersion;
import dev.osupgrade.port.RolloutStore;
import dev.osupgrade.testkit.FleetRecord;
import dev.osupgrade.testkit.InstanceChange;
import dev.osupgrade.testkit.PortCall;
import dev.osupgrade.testkit.SimulatedFleet;
import dev.osupgrade.testkit.SimulationProfile;
import dev.osupgrade.testkit.TwinRehearsal;
import dev.osupgrade.testkit.VirtualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The governor's decisions one at a time, on a small estate, graded by the fleet's record. */
final class GovernorScenarioTest {

  private static Instant firstUpgrade(SmallEstate estate, ScaleSetId id, ImageVersion v) {
    return estate.fleet.record(id).calls("upgradeInstances").stream()
        .filter(c -> c.model().version().orElseThrow().equals(v)).map(PortCall::at).min(Instant::compareTo)
        .orElseThrow(() -> new AssertionError(id + " was never upgraded to " + v));
  }

  private static List<ImageVersion> versions(SmallEstate estate, ScaleSetId id) {
    return estate.fleet.peek(id).instances().stream().map(Instance::imageVersion).distinct().toList();
  }

  private static List<Kind> kinds(List<GovernorDecision> log) {
    return log.stream().map(GovernorDecision::kind).toList();
  }

  @Test
  void governor_newRelease_promotedRingByRingEachAfterTheSoak() {
    SmallEstate estate = new SmallEstate(3);
    EstateGovernor governor = estate.governor(SmallEstate.desired().build(), RolloutStore.inMemory()).build();
    estate.drive(governor, estate.fleet.clock().instant().plus(Duration.ofHours(1)));
    estate.fleet.publish(UBUNTU.withVersion(V2));

    estate.drive(governor, estate.fleet.clock().instant().plus(Duration.ofDays(1)));

    estate.scaleSets.forEach(id -> assertThat(versions(estate, id)).as("%s", id).containsExactly(V2));
    ScaleSetId canary = estate.scaleSets.get(0);
    List<ScaleSetId> early = estate.scaleSets.subList(1, 3);
    List<ScaleSetId> broad = estate.scaleSets.subList(3, 5);
    Instant canaryDone = estate.fleet.record(canary).calls("upgradeInstances").stream().map(PortCall::at)
        .max(Instant::compareTo).orElseThrow();
    for (ScaleSetId id : early) {
      assertThat(firstUpgrade(estate, id, V2)).as("early after the canary's 1 h soak")
          .isAfterOrEqualTo(canaryDone.plus(Duration.ofHours(1)));
    }
    Instant earlyDone = early.stream().flatMap(id -> estate.fleet.record(id).calls("upgradeInstances").stream())
        .map(PortCall::at).max(Instant::compareTo).orElseThrow();
    for (ScaleSetId id : broad) {
      assertThat(firstUpgrade(estate, id, V2)).as("broad after early's 2 h soak")
          .isAfterOrEqualTo(earlyDone.plus(Duration.ofHours(2)));
    }
    assertThat(kinds(estate.log)).containsSubsequence(Kind.CAMPAIGN_COMPLETED, Kind.CAMPAIGN_STARTED,
        Kind.RING_STARTED, Kind.RING_PROMOTED, Kind.RING_STARTED, Kind.RING_PROMOTED, Kind.RING_STARTED,
        Kind.RING_PROMOTED, Kind.CAMPAIGN_COMPLETED);
    assertThat(governor.report().counts()).containsEntry(EstateReport.State.CURRENT, 5);
  }

  @Test
  void governor_windowClosed_ringsAndBatchesStartOnlyInsideTheWindow() {
    SmallEstate estate = new SmallEstate(5);
    MaintenanceSchedule nights = MaintenanceSchedule.of(MaintenanceWindow.parse("DAILY 20:00-22:00 UTC"));
    EstateGovernor governor = estate.governor(SmallEstate.desired().schedule(nights).build(),
        RolloutStore.inMemory()).build();
    estate.fleet.clock().advanceTo(Instant.parse("2026-01-05T09:00:00Z"));
    estate.fleet.publish(UBUNTU.withVersion(V2));

    estate.drive(governor, Instant.parse("2026-01-09T00:00:00Z"));

    estate.scaleSets.forEach(id -> assertThat(versions(estate, id)).containsExactly(V2));
    for (ScaleSetId id : estate.scaleSets) {
      for (PortCall c : estate.fleet.record(id).calls()) {
        if (!c.isRead() && !c.is("instance")) {
          assertThat(nights.isOpen(c.at())).as("%s %s at %s", id, c.method(), c.at()).isTrue();
        }
      }
    }
    assertThat(estate.log).anySatisfy(d -> {
      assertThat(d.kind()).isEqualTo(Kind.RING_WAITING);
      assertThat(d.detail()).contains("waits for a window; next opening 2026-01-05T20:00:00Z");
    });
  }

  @Test
  void governor_newerReleaseMidCampaign_ringInFlightFinishesThenTheNewerStartsOver() {
    SmallEstate estate = new SmallEstate(7);
    EstateGovernor governor = estate.governor(SmallEstate.desired().build(), RolloutStore.inMemory()).build();
    estate.fleet.publish(UBUNTU.withVersion(V2));
    estate.drive(governor, estate.fleet.clock().instant().plus(Duration.ofMinutes(30))); // canary of V2 runs
    estate.fleet.publish(UBUNTU.withVersion(V3));

    estate.drive(governor, estate.fleet.clock().instant().plus(Duration.ofDays(1)));

    estate.scaleSets.forEach(id -> assertThat(versions(estate, id)).containsExactly(V3));
    assertThat(estate.log).filteredOn(d -> d.kind() == Kind.RING_STARTED && V2.equals(d.version()))
        .extracting(GovernorDecision::ring).containsExactly("canary");
    assertThat(estate.log).anySatisfy(d -> {
      assertThat(d.kind()).isEqualTo(Kind.CAMPAIGN_SUPERSEDED);
      assertThat(d.detail()).contains("gave way to " + V3);
    });
    for (ScaleSetId id : estate.scaleSets.subList(1, 5)) {
      assertThat(estate.fleet.record(id).calls("upgradeInstances")).as("%s never took V2", id)
          .allSatisfy(c -> assertThat(c.model().version()).hasValue(V3));
    }
    Instant v2Last = estate.fleet.record(estate.scaleSets.get(0)).calls("upgradeInstances").stream()
        .filter(c -> c.model().version().orElseThrow().equals(V2)).map(PortCall::at).max(Instant::compareTo)
        .orElseThrow();
    assertThat(firstUpgrade(estate, estate.scaleSets.get(0), V3)).as("never two versions at once")
        .isAfter(v2Last);
  }

  @Test
  void governor_lateJoiner_caughtUpToTheVersionItsRingTook() {
    SmallEstate estate = new SmallEstate(9);
    EstateGovernor governor = estate.governor(SmallEstate.desired().build(), RolloutStore.inMemory()).build();
    estate.fleet.publish(UBUNTU.withVersion(V2));
    estate.drive(governor, estate.fleet.clock().instant().plus(Duration.ofDays(1)));
    ScaleSetId late = estate.fleet.add(SmallEstate.spec("batch-neu", "northeurope"));

    estate.drive(governor, estate.fleet.clock().instant().plus(Duration.ofHours(2)));

    assertThat(versions(estate, late)).containsExactly(V2);
    assertThat(estate.log).anySatisfy(d -> {
      assertThat(d.kind()).isEqualTo(Kind.CATCH_UP_STARTED);
      assertThat(d.scaleSets()).containsExactly(late);
      assertThat(d.version()).isEqualTo(V2);
    });
    assertThat(kinds(estate.log)).contains(Kind.DISCOVERED, Kind.CATCH_UP_ENDED);
    assertThat(governor.report().row(late)).hasValueSatisfying(r -> {
      assertThat(r.state()).isEqualTo(EstateReport.State.CURRENT);
      assertThat(r.lastChange()).contains("catch-up");
    });
  }

  @Test
  void governor_driftedInstances_broughtBackToTheModelAtTheNextInventory() {
    SmallEstate estate = new SmallEstate(13);
    EstateGovernor governor = estate.governor(SmallEstate.desired().build(), RolloutStore.inMemory())
        .inventoryInterval(Duration.ofHours(1)).build();
    estate.fleet.publish(UBUNTU.withVersion(V2));
    estate.drive(governor, estate.fleet.clock().instant().plus(Duration.ofDays(1)));
    ScaleSetId web = estate.scaleSets.get(1);
    estate.fleet.rollBackInstances(web, List.of("1"), UBUNTU.withVersion(V1)); // someone restored an old disk
    estate.fleet.clock().advance(Duration.ofMinutes(10));
    assertThat(estate.fleet.peek(web).instance("1").orElseThrow().latestModelApplied()).isFalse();

    Instant end = estate.fleet.clock().instant().plus(Duration.ofHours(3));
    while (estate.log.stream().noneMatch(d -> d.kind() == Kind.CATCH_UP_STARTED)) {
      estate.drive(governor, estate.fleet.clock().instant().plus(Duration.ofMinutes(1)));
    }
    assertThat(governor.report().drift()).as("seen at the inventory, as the fleet has it").singleElement()
        .satisfies(d -> {
          assertThat(d.scaleSet()).isEqualTo(web);
          assertThat(d.drifting()).isEqualTo(1);
          assertThat(d.instances()).isEqualTo(3);
        });
    assertThat(governor.report().describe()).contains("Drift", web.toString());
    estate.drive(governor, end);

    assertThat(versions(estate, web)).containsExactly(V2);
    FleetRecord record = estate.fleet.record(web);
    assertThat(record.count("1", InstanceChange.Kind.UPGRADE_STARTED)).isEqualTo(2);
    assertThat(record.count("0", InstanceChange.Kind.UPGRADE_STARTED)).as("the others untouched").isEqualTo(1);
    assertThat(estate.log).anySatisfy(d -> {
      assertThat(d.kind()).isEqualTo(Kind.CATCH_UP_STARTED);
      assertThat(d.detail()).contains("1 drifting");
    });
    assertThat(governor.report().drift()).as("none left once caught up").isEmpty();
  }

  @Test
  void governor_versionQuarantinedElsewhereWhileARingSoaks_stopsAndNoLaterRingTakesIt() {
    SmallEstate estate = new SmallEstate(17);
    var desired = SmallEstate.desired().build();
    EstateGovernor governor = estate.governor(desired, RolloutStore.inMemory()).build();
    estate.fleet.publish(UBUNTU.withVersion(V2));
    estate.drive(governor, estate.fleet.clock().instant().plus(Duration.ofMinutes(40))); // the canary soaks
    assertThat(versions(estate, estate.scaleSets.get(0))).containsExactly(V2);

    desired.trust().quarantine().add(UBUNTU.withVersion(V2), "ops", estate.fleet.clock().instant(),
        "INC-7: kernel panic under load in another estate");
    estate.drive(governor, estate.fleet.clock().instant().plus(Duration.ofDays(1)));

    for (ScaleSetId id : estate.scaleSets.subList(1, 5)) {
      assertThat(estate.fleet.record(id).calls()).as("%s untouched", id).allMatch(c -> c.isRead() || c.is("instance"));
    }
    assertThat(versions(estate, estate.scaleSets.get(0))).as("the canary rolled back").containsExactly(V1);
    assertThat(estate.log).anySatisfy(d -> {
      assertThat(d.kind()).isEqualTo(Kind.CAMPAIGN_FAILED);
      assertThat(d.detail()).contains("quarantined by ops: INC-7");
    });
    EstateReport report = governor.report();
    assertThat(report.quarantined()).extracting(e -> e.image().version().orElseThrow()).containsExactly(V2);
    assertThat(report.families().get(0).failed()).containsKey(V2);
  }

  @Test
  void governor_rehearsalBreachesTheBudget_ringBlockedWithTheReasonAndNothingChanged() {
    SmallEstate estate = new SmallEstate(19);
    EstateGovernor governor = estate.governor(SmallEstate.desired().budget(RehearsalBudget.of(Duration.ofHours(1),
        80)).build(), RolloutStore.inMemory()).rehearsal(TwinRehearsal.create()).build();
    estate.fleet.publish(UBUNTU.withVersion(V2));

    estate.drive(governor, estate.fleet.clock().instant().plus(Duration.ofHours(8)));

    estate.scaleSets.forEach(id -> assertThat(estate.fleet.record(id).calls())
        .allMatch(c -> c.isRead() || c.is("instance")));
    estate.log.stream().filter(d -> d.kind() == Kind.RING_REHEARSED || d.kind() == Kind.RING_BLOCKED).limit(2)
        .forEach(System.out::println);
    assertThat(estate.log).anySatisfy(d -> {
      assertThat(d.kind()).isEqualTo(Kind.RING_BLOCKED);
      assertThat(d.ring()).isEqualTo("canary");
      assertThat(d.detail()).contains("healthy capacity would drop to 66%, below the budget of 80%");
    });
    EstateReport report = governor.report();
    assertThat(report.rehearsals()).singleElement().satisfies(r -> {
      assertThat(r.lowestHealthyPercent()).isEqualTo(66);
      assertThat(r.predictedMakespan()).isPositive();
      assertThat(r.plan()).singleElement().asString().contains("3 batch(es) of at most 1 of 3 instance(s)");
    });
    assertThat(report.next()).anySatisfy(n -> assertThat(n.what()).contains("rehearse ring canary"));
  }

  @Test
  void governor_releaseYoungerThanTheMinimumAge_waitsForItThenPromotes() {
    SmallEstate estate = new SmallEstate(43);
    EstateGovernor governor = estate.governor(SmallEstate.desired()
        .trust(ImageTrustPolicy.builder().trustPublisher("Canonical").minimumAge(Environment.TEST, Duration.ofDays(2))
            .build())
        .build(), RolloutStore.inMemory()).build();
    estate.drive(governor, estate.fleet.clock().instant().plus(Duration.ofHours(1)));
    Instant published = estate.fleet.publish(UBUNTU.withVersion(V2)).publishedAt();

    estate.drive(governor, published.plus(Duration.ofDays(1)));
    estate.scaleSets.forEach(id -> assertThat(estate.fleet.record(id).calls()).as("%s untouched while too young", id)
        .allMatch(c -> c.isRead() || c.is("instance")));
    assertThat(governor.report().next()).anySatisfy(n -> {
      assertThat(n.at()).isEqualTo(published.plus(Duration.ofDays(2)));
      assertThat(n.what()).contains("minimum age");
    });
    estate.drive(governor, published.plus(Duration.ofDays(4)));

    estate.scaleSets.forEach(id -> assertThat(versions(estate, id)).as("%s", id).containsExactly(V2));
    Instant firstUpgrade = estate.scaleSets.stream().map(id -> firstUpgrade(estate, id, V2)).min(Instant::compareTo)
        .orElseThrow();
    assertThat(firstUpgrade).as("not before its minimum age").isAfterOrEqualTo(published.plus(Duration.ofDays(2)));
    assertThat(estate.log).anySatisfy(d -> {
      assertThat(d.kind()).isEqualTo(Kind.RELEASE_WAITING);
      assertThat(d.version()).isEqualTo(V2);
      assertThat(d.detail()).contains("waits for its minimum age", "not before " + published.plus(Duration.ofDays(2)));
    });
  }

  @Test
  void governor_discoveryFailsForATime_turnStallsAndIsTriedAgain_thenTheCampaignFinishes() {
    SmallEstate estate = new SmallEstate(47);
    EstateGovernor governor = estate.governor(SmallEstate.desired().build(), RolloutStore.inMemory()).build();
    estate.fleet.publish(UBUNTU.withVersion(V2));
    estate.fleet.faults().serverErrors("listScaleSets", 3, 503);
    Instant start = estate.fleet.clock().instant();

    governor.advance();
    assertThat(governor.status()).isEqualTo("STALLED");
    estate.drive(governor, estate.fleet.clock().instant().plus(Duration.ofDays(1)));

    assertThat(estate.fleet.faults().rejectedCalls("listScaleSets")).isEqualTo(3);
    assertThat(estate.log).filteredOn(d -> d.kind() == Kind.TURN_STALLED).singleElement()
        .satisfies(d -> assertThat(d.detail()).contains("ServiceUnavailable", "tried again"));
    assertThat(estate.log).filteredOn(d -> d.kind() == Kind.DISCOVERED).first()
        .satisfies(d -> assertThat(d.at()).as("the turn retried within minutes, not at the next interval")
            .isBefore(start.plus(Duration.ofMinutes(5))));
    assertThat(governor.status()).isEqualTo("ACTING");
    for (ScaleSetId id : estate.scaleSets) {
      FleetRecord record = estate.fleet.record(id);
      assertThat(versions(estate, id)).as("%s", id).containsExactly(V2);
      record.instances().forEach(i -> assertThat(record.count(i, InstanceChange.Kind.UPGRADE_STARTED))
          .as("%s/%s upgraded once", id, i).isEqualTo(1));
    }
    assertThat(governor.report().families().get(0).campaignStatus()).isEqualTo("COMPLETED");
  }

  @Test
  void governor_slowEstate_laterRingsRehearsedAtThePaceObservedInEarlierOnes() {
    SimulationProfile d = SimulationProfile.ofDefaults();
    SimulationProfile slow = new SimulationProfile(d.upgradeMin().multipliedBy(3), d.upgradeMax().multipliedBy(3),
        d.bootMin().multipliedBy(3), d.bootMax().multipliedBy(3), d.settleMin().multipliedBy(3),
        d.settleMax().multipliedBy(3));
    SmallEstate estate = new SmallEstate(SimulatedFleet.create(59, VirtualClock.create(), slow));
    EstateGovernor governor = estate.governor(SmallEstate.desired().build(), RolloutStore.inMemory())
        .rehearsal(TwinRehearsal.create()).build();
    estate.fleet.publish(UBUNTU.withVersion(V2));

    estate.drive(governor, estate.fleet.clock().instant().plus(Duration.ofDays(1)));

    Map<String, Duration> predicted = new TreeMap<>();
    governor.report().rehearsals().forEach(r -> predicted.put(r.ring(), r.predictedMakespan()));
    List<ScaleSetId> early = estate.scaleSets.subList(1, 3);
    Instant earlyStart = early.stream().map(id -> firstUpgrade(estate, id, V2)).min(Instant::compareTo)
        .orElseThrow();
    Instant earlyHealthy = early.stream().flatMap(id -> estate.fleet.record(id).instances().stream()
        .flatMap(i -> estate.fleet.record(id).history(i).stream())).map(InstanceChange::at).max(Instant::compareTo)
        .orElseThrow(); // the last change of any of its instances: the last one healthy on V2
    Duration real = Duration.between(earlyStart, earlyHealthy);
    System.out.printf("slow estate: predicted canary %s (simulator defaults), early %s (observed), early really %s%n",
        Durations.words(predicted.get("canary")), Durations.words(predicted.get("early")), Durations.words(real));
    assertThat(predicted.get("early")).as("the canary's batches were observed before early was rehearsed")
        .isGreaterThan(predicted.get("canary").multipliedBy(2));
    long ratio = predicted.get("early").toSeconds() * 100 / real.toSeconds();
    assertThat(ratio).as("early's prediction against the fleet's record: %s vs %s", predicted.get("early"), real)
        .isBetween(75L, 125L);
  }

  @Test
  void report_afterACampaign_versionMatrixAsDataAndText() {
    SmallEstate estate = new SmallEstate(23);
    EstateGovernor governor = estate.governor(SmallEstate.desired().build(), RolloutStore.inMemory()).build();
    estate.drive(governor, estate.fleet.clock().instant().plus(Duration.ofHours(1))); // adopts V1
    estate.fleet.publish(UBUNTU.withVersion(V2));
    estate.drive(governor, estate.fleet.clock().instant().plus(Duration.ofHours(2)));

    EstateReport report = governor.report();

    Map<String, EstateReport.State> states = new TreeMap<>();
    report.rows().forEach(r -> states.put(r.scaleSet().name(), r.state()));
    assertThat(states).containsEntry("canary", EstateReport.State.CURRENT)
        .containsEntry("web-weu", EstateReport.State.UPGRADING).containsEntry("web-neu",
            EstateReport.State.PENDING_RING);
    assertThat(report.row(estate.scaleSets.get(0))).hasValueSatisfying(r -> {
      assertThat(r.ring()).isEqualTo("canary");
      assertThat(r.family()).isEqualTo("ubuntu");
      assertThat(r.current()).isEqualTo(V2);
      assertThat(r.target()).isEqualTo(V2);
      assertThat(r.lastChangeAt()).isNotNull();
      assertThat(r.windowOpen()).isTrue();
    });
    assertThat(report.families()).singleElement().satisfies(f -> {
      assertThat(f.campaign()).isEqualTo(V2);
      assertThat(f.campaignStatus()).isEqualTo("RUNNING");
      assertThat(f.ring()).isEqualTo("early");
      assertThat(f.completed()).isEqualTo(V1);
    });
    String text = report.describe();
    System.out.println(text);
    assertThat(text).contains("Version matrix (scale set x family)", "scale set", "next window", "shop/web-neu",
        "pending ring", "Next", "look at ring early of " + V2);
    assertThat(report.toString()).startsWith("EstateReport[estate at ");
  }
}
