package dev.osupgrade.testkit.estate;

import static dev.osupgrade.testkit.estate.EstateWorld.BLACKOUT;
import static dev.osupgrade.testkit.estate.EstateWorld.FAILED_REGION;
import static dev.osupgrade.testkit.estate.EstateWorld.G1;
import static dev.osupgrade.testkit.estate.EstateWorld.G2;
import static dev.osupgrade.testkit.estate.EstateWorld.G3;
import static dev.osupgrade.testkit.estate.EstateWorld.U1;
import static dev.osupgrade.testkit.estate.EstateWorld.U3;
import static dev.osupgrade.testkit.estate.EstateWorld.U5;
import static dev.osupgrade.testkit.estate.EstateWorld.UBUNTU;
import static org.assertj.core.api.Assertions.assertThat;

import dev.osupgrade.Durations;
import dev.osupgrade.estate.EstateReport;
import dev.osupgrade.estate.GovernorDecision;
import dev.osupgrade.estate.GovernorDecision.Kind;
import dev.osupgrade.fleet.HealthState;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.image.ImageVersion;
import dev.osupgrade.testkit.FleetRecord;
import dev.osupgrade.testkit.InstanceChange;
import dev.osupgrade.testkit.PortCall;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The governor rehearsed at scale: {@link EstateWorld} — 300 scale sets (600 instances) in four regions, two image
 * families, three rings, nightly windows with East US on its own hours and a blackout date, and a month of releases
 * (a weekly Ubuntu, one of them bad; a gallery image every ten days with replication lag, one version failing to
 * replicate to Southeast Asia). Graded by the simulator's own record of what every scale set was sent and did, not by
 * the governor's word. One month of fleet time runs in a few seconds of CPU on the 2-core build machine (printed).
 */
final class EstateRehearsalTest {
  private static EstateWorld world;
  private static long millis;
  private static long cpuMillis;

  @BeforeAll
  static void runTheMonth() {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    long t0 = System.nanoTime();
    long cpu0 = threads.getCurrentThreadCpuTime();
    world = EstateWorld.create(42, 300).runMonth();
    millis = (System.nanoTime() - t0) / 1_000_000;
    cpuMillis = (threads.getCurrentThreadCpuTime() - cpu0) / 1_000_000;
    System.out.println(world.decisionLog());
    System.out.println(world.governor.report().describe());
    System.out.printf("a month of 300 scale sets (600 instances, %s of fleet time): %d decisions, %s port calls, "
        + "%d ms wall, %d ms CPU%n", Durations.words(Duration.between(EstateWorld.START, EstateWorld.END)),
        world.log.size(), world.fleet.callCounts(), millis, cpuMillis);
  }

  private static boolean isCanary(ScaleSetId id) {
    return world.fleet.peek(id).tag("ring").map("canary"::equals).orElse(false);
  }

  private static boolean unready(ScaleSetId id) {
    return id.resourceGroup().equals(EstateWorld.UNREADY_GROUP);
  }

  private static List<GovernorDecision> decisions(Kind kind) {
    return world.log.stream().filter(d -> d.kind() == kind).toList();
  }

  @Test
  void month_everyReadyScaleSet_endsOnTheNewestGoodReleaseOfItsFamily() {
    for (ScaleSetId id : world.scaleSets) {
      if (unready(id)) {
        continue;
      }
      ImageVersion expected = world.familyOf.get(id).equals("ubuntu") ? U5 : G3;
      assertThat(world.fleet.peek(id).instances()).as("%s by the fleet's truth", id)
          .allSatisfy(i -> {
            assertThat(i.imageVersion()).isEqualTo(expected);
            assertThat(i.health()).isEqualTo(HealthState.HEALTHY);
          });
    }
    EstateReport report = world.governor.report();
    assertThat(report.counts().get(EstateReport.State.CURRENT)).isEqualTo(270);
    assertThat(report.families()).allSatisfy(f -> assertThat(f.campaignStatus()).isEqualTo("COMPLETED"));
  }

  @Test
  void month_scaleSetsWithoutCompleteReadiness_leftOutUntouchedWithTheReason() {
    for (ScaleSetId id : world.scaleSets) {
      if (!unready(id)) {
        continue;
      }
      FleetRecord record = world.fleet.record(id);
      assertThat(record.calls()).as("%s: only reads", id).allSatisfy(c -> assertThat(c.isRead() || c.is("instance"))
          .isTrue());
      ImageVersion original = world.familyOf.get(id).equals("ubuntu") ? U1 : G1;
      assertThat(world.fleet.peek(id).instances()).extracting(Instance::imageVersion).containsOnly(original);
    }
    assertThat(decisions(Kind.SCALE_SETS_EXCLUDED)).anySatisfy(d -> assertThat(d.detail())
        .contains("readiness record incomplete", "Rollback path"));
  }

  @Test
  void month_badImage_stopsInTheCanaryAndIsQuarantinedEverywhere() {
    var u3 = UBUNTU.withVersion(U3);
    assertThat(world.desired.trust().quarantine().entry(u3)).hasValueSatisfying(e -> {
      assertThat(e.by()).isEqualTo("ring canary");
      assertThat(e.why()).contains("MaxUnhealthyUpgradedInstancePercentExceededInRollingUpgrade");
    });
    int reachedCanaries = 0;
    for (ScaleSetId id : world.scaleSets) {
      FleetRecord record = world.fleet.record(id);
      boolean sentU3 = record.calls().stream().anyMatch(c -> c.accepted() && (u3.equals(c.image())
          || (c.is("upgradeInstances") && c.model().equals(u3))));
      boolean ranU3 = record.instances().stream().flatMap(i -> record.history(i).stream())
          .anyMatch(ch -> ch.kind() == InstanceChange.Kind.UPGRADE_STARTED && u3.equals(ch.reimageTo()));
      if (!isCanary(id)) {
        assertThat(sentU3 || ranU3).as("%s outside the canary ring never got the bad image", id).isFalse();
      } else if (ranU3) {
        reachedCanaries++;
      }
    }
    assertThat(reachedCanaries).as("the canary took it (and failed on it)").isPositive();
    assertThat(decisions(Kind.RING_STARTED)).filteredOn(d -> U3.equals(d.version()))
        .allSatisfy(d -> assertThat(d.ring()).isEqualTo("canary"));
    assertThat(decisions(Kind.CAMPAIGN_FAILED)).anySatisfy(d -> {
      assertThat(d.version()).isEqualTo(U3);
      assertThat(d.detail()).contains("quarantined by ring canary");
    });
  }

  @Test
  void month_regionalReplicationFailure_leavesThatRegionOutOfTheVersionOnly() {
    var g2 = EstateWorld.GOLDEN.withVersion(G2);
    List<ScaleSetId> inFailedRegion = world.scaleSets.stream().filter(id -> world.familyOf.get(id).equals("golden")
        && world.fleet.peek(id).region().equals(FAILED_REGION) && !unready(id)).toList();
    assertThat(inFailedRegion).isNotEmpty();
    for (ScaleSetId id : inFailedRegion) {
      FleetRecord record = world.fleet.record(id);
      assertThat(record.calls()).as("%s was never pointed at %s", id, G2)
          .noneMatch(c -> g2.equals(c.image()) || (c.is("upgradeInstances") && c.model().equals(g2)));
      assertThat(world.fleet.peek(id).instances()).extracting(Instance::imageVersion).containsOnly(G3);
    }
    assertThat(decisions(Kind.SCALE_SETS_EXCLUDED)).anySatisfy(d -> {
      assertThat(d.version()).isEqualTo(G2);
      assertThat(d.detail()).contains("replication of 1.1.0 to southeastasia failed");
    });
  }

  @Test
  void month_nothingRunsOutsideAWindow_byTheFleetsRecord() {
    int mutating = 0;
    int reimages = 0;
    for (ScaleSetId id : world.scaleSets) {
      FleetRecord record = world.fleet.record(id);
      var schedule = world.scheduleOf(id);
      for (PortCall c : record.calls()) {
        if (c.isRead() || c.is("instance")) {
          continue;
        }
        mutating++;
        assertThat(schedule.isOpen(c.at())).as("%s %s at %s inside %s", id, c.method(), c.at(), schedule).isTrue();
        assertThat(LocalDate.ofInstant(c.at(), ZoneOffset.UTC)).isNotEqualTo(BLACKOUT);
      }
      for (String instance : record.instances()) {
        for (InstanceChange ch : record.history(instance)) {
          if (ch.kind() == InstanceChange.Kind.UPGRADE_STARTED || ch.kind() == InstanceChange.Kind.ROLLBACK_STARTED) {
            reimages++;
            assertThat(schedule.isOpen(ch.at())).as("%s/%s %s at %s", id, instance, ch.kind(), ch.at()).isTrue();
          }
        }
      }
    }
    System.out.println("window check: " + mutating + " mutating calls and " + reimages + " reimages, all inside");
    assertThat(mutating).isGreaterThan(2000);
  }

  @Test
  void month_neverTwoVersionsOfOneFamilyAtOnce() {
    Map<String, Map<ImageVersion, Instant[]>> spans = new TreeMap<>();
    for (ScaleSetId id : world.scaleSets) {
      for (PortCall c : world.fleet.record(id).calls("upgradeInstances")) {
        ImageVersion v = c.model().version().orElseThrow();
        Instant[] span = spans.computeIfAbsent(world.familyOf.get(id), f -> new TreeMap<>())
            .computeIfAbsent(v, x -> new Instant[] {c.at(), c.at()});
        span[0] = c.at().isBefore(span[0]) ? c.at() : span[0];
        span[1] = c.at().isAfter(span[1]) ? c.at() : span[1];
      }
    }
    spans.forEach((family, byVersion) -> {
      List<Instant[]> ordered = new ArrayList<>(byVersion.values());
      ordered.sort((a, b) -> a[0].compareTo(b[0]));
      for (int i = 1; i < ordered.size(); i++) {
        assertThat(ordered.get(i)[0]).as("%s: a version starts after the one before it last upgraded", family)
            .isAfter(ordered.get(i - 1)[1]);
      }
    });
    assertThat(spans.get("ubuntu").keySet()).contains(U3, U5);
  }

  @Test
  void month_everyRingRehearsedBeforeItStarts_intoTheReport() {
    List<GovernorDecision> started = decisions(Kind.RING_STARTED);
    assertThat(started).hasSizeGreaterThan(10);
    for (GovernorDecision s : started) {
      assertThat(world.log).as("rehearsed before %s", s).anySatisfy(d -> {
        assertThat(d.kind()).isEqualTo(Kind.RING_REHEARSED);
        assertThat(d.at()).isEqualTo(s.at());
        assertThat(d.ring()).isEqualTo(s.ring());
        assertThat(d.version()).isEqualTo(s.version());
        assertThat(d.sequence()).isLessThan(s.sequence());
        assertThat(Set.copyOf(d.scaleSets())).containsAll(s.scaleSets());
      });
    }
    assertThat(world.governor.report().rehearsals()).isNotEmpty().allSatisfy(r -> {
      assertThat(r.predictedMakespan()).isPositive();
      assertThat(r.lowestHealthyPercent()).isEqualTo(50);
      assertThat(r.plan()).hasSize(r.scaleSets());
    });
  }

  @Test
  void month_eachGoodRelease_reachesEveryReadyScaleSetOfItsFamilyWithinDaysOfItsPublication() {
    Map<ImageVersion, Instant> published = Map.of(EstateWorld.U2, Instant.parse("2026-01-07T09:00:00Z"),
        EstateWorld.U4, Instant.parse("2026-01-21T09:00:00Z"), U5, Instant.parse("2026-01-28T09:00:00Z"),
        G3, Instant.parse("2026-01-19T09:00:00Z"));
    Map<ImageVersion, Duration> lag = new TreeMap<>();
    published.forEach((v, at) -> {
      String family = v.equals(G3) ? "golden" : "ubuntu";
      Duration longest = Duration.ZERO;
      for (ScaleSetId id : world.scaleSets) {
        if (unready(id) || !world.familyOf.get(id).equals(family)) {
          continue;
        }
        FleetRecord record = world.fleet.record(id);
        for (String instance : record.instances()) {
          Instant reached = record.history(instance).stream().filter(ch -> ch.kind() == InstanceChange.Kind
              .UPGRADE_STARTED && ch.reimageTo() != null && ch.reimageTo().version().orElseThrow().equals(v))
              .map(InstanceChange::at).findFirst()
              .orElseThrow(() -> new AssertionError(id + "/" + instance + " never got " + v));
          Duration took = Duration.between(at, reached);
          longest = took.compareTo(longest) > 0 ? took : longest;
        }
      }
      lag.put(v, longest);
    });
    Map<ImageVersion, String> words = new TreeMap<>();
    lag.forEach((v, d) -> words.put(v, Durations.words(d)));
    System.out.println("publication to the last ready instance upgraded: " + words);
    assertThat(lag.values()).as("a week's release reaches the whole estate before the next one: %s", lag)
        .allSatisfy(d -> assertThat(d).isLessThan(Duration.ofDays(6)));
  }

  @Test
  void month_sameSeedTwice_sameDecisionLog() {
    EstateWorld again = EstateWorld.create(42, 300).runMonth();

    assertThat(again.decisionLog()).isEqualTo(world.decisionLog());
  }
}
