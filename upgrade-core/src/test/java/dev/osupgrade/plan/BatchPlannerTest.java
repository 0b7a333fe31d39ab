package dev.osupgrade.plan;

import static dev.osupgrade.Fleets.NEW;
import static dev.osupgrade.Fleets.NEW_IMAGE;
import static dev.osupgrade.Fleets.instance;
import static org.assertj.core.api.Assertions.assertThat;

import dev.osupgrade.Fleets;
import dev.osupgrade.fleet.HealthState;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.ProvisioningState;
import dev.osupgrade.fleet.PowerState;
import dev.osupgrade.fleet.ScaleSet;
import dev.osupgrade.fleet.Zone;
import dev.osupgrade.policy.RollingUpgradePolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

final class BatchPlannerTest {
  private static final RollingUpgradePolicy DEFAULTS = RollingUpgradePolicy.ofDefaults();
  private static final Zone Z1 = Zone.of("1");
  private static final Zone Z2 = Zone.of("2");
  private static final Zone Z3 = Zone.of("3");

  private static RolloutPlan plan(ScaleSet fleet) {
    return BatchPlanner.plan(fleet, DEFAULTS, NEW);
  }

  private static RolloutPlan plan(ScaleSet fleet, RollingUpgradePolicy policy) {
    return BatchPlanner.plan(fleet, policy, NEW);
  }

  private static List<List<String>> ids(RolloutPlan plan) {
    return plan.batches().stream().map(Batch::instanceIds).toList();
  }

  private static List<Integer> sizes(RolloutPlan plan) {
    return plan.batches().stream().map(Batch::size).toList();
  }

  // ---- batch size -----------------------------------------------------------------------------------------

  @Test
  void plan_tenInstancesDefaultPolicy_fiveBatchesOfTwo() {
    RolloutPlan p = plan(Fleets.scaleSet(10));

    assertThat(p.batchSize()).isEqualTo(2);
    assertThat(sizes(p)).containsExactly(2, 2, 2, 2, 2);
    assertThat(ids(p)).containsExactly(List.of("0", "5"), List.of("1", "6"), List.of("2", "7"), List.of("3", "8"),
        List.of("4", "9"));
    assertThat(p.instancesToUpgrade()).isEqualTo(10);
  }

  @Test
  void plan_fiveInstancesDefaultPolicy_fiveBatchesOfOne() {
    RolloutPlan p = plan(Fleets.scaleSet(5));

    assertThat(p.batchSize()).isEqualTo(1);
    assertThat(sizes(p)).containsExactly(1, 1, 1, 1, 1);
  }

  @Test
  void plan_sevenInstancesDefaultPolicy_sevenBatchesOfOne() {
    RolloutPlan p = plan(Fleets.scaleSet(7));

    assertThat(p.batchSize()).isEqualTo(1);
    assertThat(sizes(p)).hasSize(7).containsOnly(1);
  }

  @Test
  void plan_hundredInstancesDefaultPolicy_batchesOfTwenty() {
    RolloutPlan p = plan(Fleets.scaleSet(100));

    assertThat(p.batchSize()).isEqualTo(20);
    assertThat(sizes(p)).containsExactly(20, 20, 20, 20, 20);
  }

  @Test
  void plan_hundredInstancesOneUpdateDomain_batchesOfTwenty() {
    RolloutPlan p = plan(Fleets.scaleSet(Fleets.regional(100, 1)));

    assertThat(sizes(p)).containsExactly(20, 20, 20, 20, 20);
  }

  @Test
  void plan_thirtyThreePercentOfHundred_lastBatchSmaller() {
    RollingUpgradePolicy p33 = RollingUpgradePolicy.builder().maxBatchInstancePercent(33).build();

    RolloutPlan p = plan(Fleets.scaleSet(Fleets.regional(100, 1)), p33);

    assertThat(sizes(p)).containsExactly(33, 33, 33, 1);
  }

  @Test
  void plan_numericIds_naturalOrderNotText() {
    RolloutPlan p = plan(Fleets.scaleSet(Fleets.regional(12, 1)));

    assertThat(ids(p)).containsExactly(List.of("0", "1"), List.of("2", "3"), List.of("4", "5"), List.of("6", "7"),
        List.of("8", "9"), List.of("10", "11"));
  }

  @Test
  void plan_emptyScaleSet_noBatches() {
    RolloutPlan p = plan(Fleets.scaleSet(List.of()));

    assertThat(p.batches()).isEmpty();
    assertThat(p.skipped()).isEmpty();
    assertThat(p.batchSize()).isEqualTo(1);
    assertThat(p.estimate().fleetTime()).isEqualTo(Duration.ZERO);
    assertThat(p.toString()).contains("(nothing to upgrade)");
  }

  // ---- zones ----------------------------------------------------------------------------------------------

  // 16 instances: id i in zone [3, 1, regional, 2][i % 4], update domain (i / 4) % 2.
  private static ScaleSet fourZoneFleet() {
    Zone[] zones = {Z3, Z1, Zone.REGIONAL, Z2};
    List<Instance> list = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      list.add(instance(String.valueOf(i), zones[i % 4], (i / 4) % 2));
    }
    return Fleets.scaleSet(list);
  }

  @Test
  void plan_withoutCrossZone_neverMixesZonesAndGoesRegionalThenOneTwoThree() {
    RolloutPlan p = plan(fourZoneFleet());

    assertThat(p.batchSize()).isEqualTo(3);
    assertThat(p.batches()).allSatisfy(b -> assertThat(b.zones()).hasSize(1));
    assertThat(p.batches()).extracting(Batch::zone)
        .containsExactly(Zone.REGIONAL, Zone.REGIONAL, Z1, Z1, Z2, Z2, Z3, Z3);
    assertThat(ids(p)).containsExactly(List.of("2", "10"), List.of("6", "14"), List.of("1", "9"), List.of("5", "13"),
        List.of("3", "11"), List.of("7", "15"), List.of("0", "8"), List.of("4", "12"));
  }

  // 10 instances alternating zone 1 / zone 2, all in update domain 0.
  private static ScaleSet twoZoneFleet() {
    List<Instance> list = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      list.add(instance(String.valueOf(i), i % 2 == 0 ? Z1 : Z2, 0));
    }
    return Fleets.scaleSet(list);
  }

  @Test
  void plan_twoZonesWithoutCrossZone_batchesPerZone() {
    RolloutPlan p = plan(twoZoneFleet());

    assertThat(ids(p)).containsExactly(List.of("0", "2"), List.of("4", "6"), List.of("8"), List.of("1", "3"),
        List.of("5", "7"), List.of("9"));
  }

  @Test
  void plan_twoZonesWithCrossZone_batchesSpanZones() {
    RollingUpgradePolicy crossZone = RollingUpgradePolicy.builder().enableCrossZoneUpgrade(true).build();

    RolloutPlan p = plan(twoZoneFleet(), crossZone);

    assertThat(ids(p)).containsExactly(List.of("0", "1"), List.of("2", "3"), List.of("4", "5"), List.of("6", "7"),
        List.of("8", "9"));
    assertThat(p.batches()).allSatisfy(b -> {
      assertThat(b.zones()).containsExactly(Z1, Z2);
      assertThat(b.zone()).isEqualTo(Zone.REGIONAL);
    });
  }

  // ---- update domains -------------------------------------------------------------------------------------

  @Test
  void plan_unevenUpdateDomains_partOfOneDomainOrWholeDomainsNeverBoth() {
    // UD0 = {0,1,2}, UD1 = {3}, UD2 = {4}, UD3 = {5,6,7}, UD4 = {8,9}; batch size 2.
    int[] domainOf = {0, 0, 0, 1, 2, 3, 3, 3, 4, 4};
    List<Instance> list = new ArrayList<>();
    for (int i = 0; i < domainOf.length; i++) {
      list.add(instance(String.valueOf(i), Zone.REGIONAL, domainOf[i]));
    }

    RolloutPlan p = plan(Fleets.scaleSet(list));

    // Batch 2 holds the rest of UD0 alone although UD1 would fit: never part of one domain plus another.
    assertThat(ids(p)).containsExactly(List.of("0", "1"), List.of("2"), List.of("3", "4"), List.of("5", "6"),
        List.of("7"), List.of("8", "9"));
    assertThat(p.batches()).extracting(Batch::updateDomains).containsExactly(List.of(0), List.of(0), List.of(1, 2),
        List.of(3), List.of(3), List.of(4));
  }

  @Test
  void plan_smallUpdateDomains_wholeDomainsShareBatches() {
    // 20 instances in 10 update domains of two; batch size 4 takes two whole domains.
    RolloutPlan p = plan(Fleets.scaleSet(Fleets.regional(20, 10)));

    assertThat(p.batches()).extracting(Batch::updateDomains).containsExactly(List.of(0, 1), List.of(2, 3),
        List.of(4, 5), List.of(6, 7), List.of(8, 9));
  }

  @Test
  void plan_withinUpdateDomain_faultDomainThenIdOrder() {
    Instance a = new Instance("0", Zone.REGIONAL, 0, 2, Fleets.OLD_IMAGE, true, ProvisioningState.SUCCEEDED,
        PowerState.RUNNING, HealthState.HEALTHY, false);
    Instance b = new Instance("1", Zone.REGIONAL, 0, 1, Fleets.OLD_IMAGE, true, ProvisioningState.SUCCEEDED,
        PowerState.RUNNING, HealthState.HEALTHY, false);
    Instance c = new Instance("2", Zone.REGIONAL, 0, 0, Fleets.OLD_IMAGE, true, ProvisioningState.SUCCEEDED,
        PowerState.RUNNING, HealthState.HEALTHY, false);

    RolloutPlan p = plan(Fleets.scaleSet(List.of(a, b, c)));

    assertThat(ids(p)).containsExactly(List.of("2"), List.of("1"), List.of("0"));
  }

  // ---- unhealthy first ------------------------------------------------------------------------------------

  @Test
  void plan_prioritizeUnhealthy_unhealthyAndUnknownLeadMarkedUnhealthyFirst() {
    ScaleSet fleet = Fleets.withHealth(Fleets.scaleSet(10), HealthState.UNHEALTHY, "3");
    fleet = Fleets.withHealth(fleet, HealthState.UNKNOWN, "7");
    fleet = Fleets.withHealth(fleet, HealthState.INITIALIZING, "5");
    RollingUpgradePolicy first = RollingUpgradePolicy.builder().prioritizeUnhealthyInstances(true).build();

    RolloutPlan p = plan(fleet, first);

    assertThat(p.batch(1).instanceIds()).containsExactly("7", "3");
    assertThat(p.batch(1).unhealthyFirst()).isTrue();
    assertThat(p.batches().subList(1, p.batches().size())).allSatisfy(b -> {
      assertThat(b.unhealthyFirst()).isFalse();
      assertThat(b.instanceIds()).doesNotContain("3", "7");
    });
    assertThat(p.batchOf("5")).map(Batch::number).isNotEqualTo(java.util.Optional.of(1));
    assertThat(p.instancesToUpgrade()).isEqualTo(10);
    assertThat(p.toString()).contains("(unhealthy first)");
  }

  @Test
  void plan_prioritizeUnhealthyManyUnhealthy_severalLeadingBatches() {
    ScaleSet fleet = Fleets.withHealth(Fleets.scaleSet(Fleets.regional(10, 1)), HealthState.UNHEALTHY,
        "1", "4", "6", "9");
    RollingUpgradePolicy first = RollingUpgradePolicy.builder().prioritizeUnhealthyInstances(true).build();

    RolloutPlan p = plan(fleet, first);

    assertThat(ids(p).subList(0, 2)).containsExactly(List.of("1", "4"), List.of("6", "9"));
    assertThat(p.batches()).extracting(Batch::unhealthyFirst).containsExactly(true, true, false, false, false);
  }

  @Test
  void plan_withoutPrioritizeUnhealthy_unhealthyTakeTheirTurn() {
    ScaleSet fleet = Fleets.withHealth(Fleets.scaleSet(10), HealthState.UNHEALTHY, "4");

    RolloutPlan p = plan(fleet);

    assertThat(p.batchOf("4")).map(Batch::number).contains(5);
    assertThat(p.batches()).noneMatch(Batch::unhealthyFirst);
  }

  // ---- skipped instances ----------------------------------------------------------------------------------

  @Test
  void plan_instancesOnTargetOrProtected_skippedWithReason() {
    ScaleSet fleet = Fleets.upgraded(Fleets.scaleSet(10), HealthState.HEALTHY, "0", "1", "2", "3", "4");
    fleet = Fleets.change(fleet, i -> i.withProtectedFromUpgrade(true), "4", "5");

    RolloutPlan p = plan(fleet);

    assertThat(p.skipped()).containsExactly(
        new SkippedInstance("0", SkippedInstance.Reason.ALREADY_ON_TARGET),
        new SkippedInstance("1", SkippedInstance.Reason.ALREADY_ON_TARGET),
        new SkippedInstance("2", SkippedInstance.Reason.ALREADY_ON_TARGET),
        new SkippedInstance("3", SkippedInstance.Reason.ALREADY_ON_TARGET),
        new SkippedInstance("4", SkippedInstance.Reason.ALREADY_ON_TARGET),
        new SkippedInstance("5", SkippedInstance.Reason.PROTECTED));
    assertThat(p.batches()).flatExtracting(Batch::instanceIds).containsExactly("6", "7", "8", "9");
    assertThat(p.toString())
        .contains("skipped: 5 already on target [0, 1, 2, 3, 4], 1 protected [5]");
  }

  @Test
  void plan_halfSkipped_batchSizeFromWholeInstanceCount() {
    // 10 instances, 6 skipped: 20% of 10 is 2 (20% of the 4 candidates would be 1).
    ScaleSet fleet = Fleets.upgraded(Fleets.scaleSet(10), HealthState.HEALTHY, "0", "1", "2", "3", "4");
    fleet = Fleets.change(fleet, i -> i.withProtectedFromUpgrade(true), "5");

    RolloutPlan p = plan(fleet);

    assertThat(p.instanceCount()).isEqualTo(10);
    assertThat(p.batchSize()).isEqualTo(2);
    assertThat(ids(p)).containsExactly(List.of("6", "7"), List.of("8", "9"));
  }

  @Test
  void plan_everyInstanceOnTarget_nothingToUpgrade() {
    ScaleSet fleet = Fleets.upgraded(Fleets.scaleSet(3), HealthState.HEALTHY, "0", "1", "2");

    RolloutPlan p = plan(fleet);

    assertThat(p.batches()).isEmpty();
    assertThat(p.skipped()).hasSize(3);
    assertThat(p.summary()).isEqualTo("RolloutPlan[rg/web -> 22.04.202407010, 0 instances in 0 batches of at most"
        + " 1, 3 skipped]");
  }

  // ---- the table ------------------------------------------------------------------------------------------

  @Test
  void toString_headerAndOneLinePerBatch() {
    RolloutPlan p = plan(fourZoneFleet());

    List<String> lines = p.toString().lines().toList();

    assertThat(lines).hasSize(2 + 8 + 2);
    assertThat(lines.get(0)).isEqualTo("Rollout plan for rg/web -> 22.04.202407010 (16 instances, batch size 3, "
        + "RollingUpgradePolicy[batch 20%, unhealthy 20%, unhealthy upgraded 20%])");
    assertThat(lines.get(1)).matches("batch\\s+zone\\s+UDs\\s+instances");
    assertThat(lines.get(2)).matches("\\s+1\\s+regional\\s+0\\s+2, 10");
    assertThat(lines.get(4)).matches("\\s+3\\s+zone 1\\s+0\\s+1, 9");
    assertThat(lines.get(9)).matches("\\s+8\\s+zone 3\\s+1\\s+4, 12");
    assertThat(lines.get(10)).isEqualTo("skipped: none");
    assertThat(lines.get(11)).startsWith("estimate: 8 batches, ~48m of fleet time");
  }

  @Test
  void toString_crossZoneBatchesAndUpdateDomainRanges() {
    RollingUpgradePolicy crossZone = RollingUpgradePolicy.builder().enableCrossZoneUpgrade(true)
        .maxBatchInstancePercent(50).build();

    List<String> lines = plan(fourZoneFleet(), crossZone).toString().lines().toList();

    assertThat(lines.get(2)).matches("\\s+1\\s+zones -\\+1\\+2\\+3\\s+0\\s+0, 1, 2, 3, 8, 9, 10, 11");
    assertThat(lines.get(3)).matches("\\s+2\\s+zones -\\+1\\+2\\+3\\s+1\\s+4, 5, 6, 7, 12, 13, 14, 15");
  }

  // ---- the estimate ---------------------------------------------------------------------------------------

  @Test
  void estimate_fleetTimeIsBatchesTimesBatchTimePlusPauses() {
    RollingUpgradePolicy pause = RollingUpgradePolicy.builder().pauseTimeBetweenBatches(Duration.ofMinutes(1))
        .build();

    PlanEstimate e = BatchPlanner.plan(Fleets.scaleSet(10), pause, NEW,
        PlanOptions.withBatchTime(Duration.ofMinutes(6))).estimate();

    assertThat(e.batches()).isEqualTo(5);
    assertThat(e.fleetTime()).isEqualTo(Duration.ofMinutes(5 * 6 + 4 * 1));
    assertThat(e.toString()).startsWith("5 batches, ~34m of fleet time");
  }

  @Test
  void estimate_oneBatch_noPause() {
    RollingUpgradePolicy pause = RollingUpgradePolicy.builder().pauseTimeBetweenBatches(Duration.ofHours(1))
        .build();

    PlanEstimate e = plan(Fleets.scaleSet(1), pause).estimate();

    assertThat(e.fleetTime()).isEqualTo(PlanOptions.DEFAULT_BATCH_TIME);
  }

  @Test
  void estimate_lowestHealthyCapacity_countsBatchAndAlreadyUnhealthy() {
    // 10 instances, "9" unhealthy and upgraded last: batch 1 takes two healthy ones down while "9" is still down.
    ScaleSet fleet = Fleets.withHealth(Fleets.scaleSet(10), HealthState.UNHEALTHY, "9");

    PlanEstimate e = plan(fleet).estimate();

    assertThat(e.lowestHealthyInstances()).isEqualTo(7);
    assertThat(e.totalInstances()).isEqualTo(10);
    assertThat(e.lowestHealthyPercent()).isEqualTo(70.0);
    assertThat(e.surgeInstances()).isZero();
    assertThat(e.toString()).isEqualTo(
        "5 batches, ~30m of fleet time, lowest healthy capacity 7/10 (70%), no surge instances");
  }

  @Test
  void estimate_allHealthy_lowestIsTotalMinusBatch() {
    assertThat(plan(Fleets.scaleSet(100)).estimate().lowestHealthyInstances()).isEqualTo(80);
  }

  @Test
  void estimate_maxSurge_capacityKeptAndSurgeIsLargestBatch() {
    ScaleSet fleet = Fleets.withHealth(Fleets.scaleSet(10), HealthState.UNHEALTHY, "9");
    RollingUpgradePolicy surge = RollingUpgradePolicy.builder().maxSurge(true).build();

    PlanEstimate e = plan(fleet, surge).estimate();

    assertThat(e.surgeInstances()).isEqualTo(2);
    assertThat(e.lowestHealthyInstances()).isEqualTo(9);
    assertThat(e.toString()).endsWith("up to 2 surge instances");
  }

  @Test
  void estimate_overAnHour_printedAsHoursAndMinutes() {
    PlanEstimate e = BatchPlanner.plan(Fleets.scaleSet(10), DEFAULTS, NEW,
        PlanOptions.withBatchTime(Duration.ofMinutes(15))).estimate();

    assertThat(e.fleetTime()).isEqualTo(Duration.ofMinutes(75));
    assertThat(e.toString()).startsWith("5 batches, ~1h15m of fleet time");
  }

  // ---- properties over random fleets and policies ---------------------------------------------------------

  private record Scenario(long seed, ScaleSet fleet, RollingUpgradePolicy policy) {
    @Override
    public String toString() {
      return "seed " + seed + ": " + fleet.instanceCount() + " instances, " + policy;
    }
  }

  static List<Scenario> scenarios() {
    return LongStream.rangeClosed(1, 200).mapToObj(BatchPlannerTest::scenario).toList();
  }

  // 1-200 instances, regional or 1-3 zones, 1-5 update domains, random health, some protected, some on target.
  private static Scenario scenario(long seed) {
    Random r = new Random(seed);
    int count = 1 + r.nextInt(200);
    int zones = r.nextInt(4);
    int domains = 1 + r.nextInt(5);
    int protectedPercent = r.nextInt(3) * 10;
    int onTargetPercent = r.nextInt(3) * 15;
    HealthState[] states = HealthState.values();
    List<Instance> list = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      Zone zone = zones == 0 ? Zone.REGIONAL : Zone.of(String.valueOf(1 + r.nextInt(zones)));
      HealthState health = r.nextInt(4) == 0 ? states[r.nextInt(states.length)] : HealthState.HEALTHY;
      Instance instance = new Instance(String.valueOf(i * 3 + r.nextInt(3)), zone, r.nextInt(domains), r.nextInt(3),
          r.nextInt(100) < onTargetPercent ? NEW_IMAGE : Fleets.OLD_IMAGE, true, ProvisioningState.SUCCEEDED,
          PowerState.RUNNING, health, r.nextInt(100) < protectedPercent);
      list.add(instance);
    }
    Collections.shuffle(list, r);
    RollingUpgradePolicy policy = RollingUpgradePolicy.builder()
        .maxBatchInstancePercent(r.nextBoolean() ? 5 + r.nextInt(30) : 5 + r.nextInt(96))
        .maxUnhealthyInstancePercent(5 + r.nextInt(96))
        .maxUnhealthyUpgradedInstancePercent(r.nextInt(101))
        .pauseTimeBetweenBatches(Duration.ofSeconds(r.nextInt(3) * 30L))
        .prioritizeUnhealthyInstances(r.nextBoolean())
        .enableCrossZoneUpgrade(r.nextBoolean())
        .maxSurge(r.nextBoolean())
        .build();
    return new Scenario(seed, Fleets.scaleSet(list), policy);
  }

  private static boolean isCandidate(Instance i) {
    return !i.runs(NEW) && !i.protectedFromUpgrade();
  }

  // The group an instance is planned in: its pass (unhealthy first or not) and, without cross-zone, its zone.
  private static String groupOf(Instance i, RollingUpgradePolicy policy) {
    boolean firstPass = policy.prioritizeUnhealthyInstances() && i.health().countsAsUnhealthy();
    return firstPass + "/" + (policy.enableCrossZoneUpgrade() ? "*" : i.zone().name());
  }

  private static Map<String, Instance> byId(ScaleSet fleet) {
    return fleet.instances().stream().collect(Collectors.toMap(Instance::instanceId, i -> i));
  }

  @ParameterizedTest
  @MethodSource("scenarios")
  void plan_randomFleet_everyBatchWithinBatchSize(Scenario s) {
    RolloutPlan p = BatchPlanner.plan(s.fleet(), s.policy(), NEW);

    int max = s.policy().batchSizeFor(s.fleet().instanceCount());
    assertThat(p.batchSize()).isEqualTo(max);
    assertThat(p.batches()).allSatisfy(b -> assertThat(b.size()).isBetween(1, max));
  }

  @ParameterizedTest
  @MethodSource("scenarios")
  void plan_randomFleet_batchesNumberedFromOne(Scenario s) {
    RolloutPlan p = BatchPlanner.plan(s.fleet(), s.policy(), NEW);

    for (int n = 1; n <= p.batches().size(); n++) {
      assertThat(p.batches().get(n - 1).number()).isEqualTo(n);
      assertThat(p.batch(n)).isSameAs(p.batches().get(n - 1));
    }
    assertThat(p.estimate().batches()).isEqualTo(p.batches().size());
  }

  @ParameterizedTest
  @MethodSource("scenarios")
  void plan_randomFleet_everyCandidateInExactlyOneBatchAndSkippedInNone(Scenario s) {
    RolloutPlan p = BatchPlanner.plan(s.fleet(), s.policy(), NEW);

    List<String> planned = p.batches().stream().flatMap(b -> b.instanceIds().stream()).toList();
    Set<String> candidates = s.fleet().instances().stream().filter(BatchPlannerTest::isCandidate)
        .map(Instance::instanceId).collect(Collectors.toSet());
    assertThat(planned).doesNotHaveDuplicates();
    assertThat(new HashSet<>(planned)).isEqualTo(candidates);
    Set<String> skipped = p.skipped().stream().map(SkippedInstance::instanceId).collect(Collectors.toSet());
    assertThat(skipped).hasSize(p.skipped().size()).hasSize(s.fleet().instanceCount() - candidates.size());
    assertThat(skipped).noneMatch(candidates::contains);
    Map<String, Instance> byId = byId(s.fleet());
    assertThat(p.skipped()).allSatisfy(skip -> assertThat(skip.reason()).isEqualTo(
        byId.get(skip.instanceId()).runs(NEW) ? SkippedInstance.Reason.ALREADY_ON_TARGET
            : SkippedInstance.Reason.PROTECTED));
  }

  @ParameterizedTest
  @MethodSource("scenarios")
  void plan_randomFleet_noBatchSpansZonesUnlessCrossZone(Scenario s) {
    RolloutPlan p = BatchPlanner.plan(s.fleet(), s.policy(), NEW);
    Map<String, Instance> byId = byId(s.fleet());

    for (Batch b : p.batches()) {
      Set<Zone> zones = b.instanceIds().stream().map(id -> byId.get(id).zone()).collect(Collectors.toSet());
      assertThat(b.zones()).containsExactlyInAnyOrderElementsOf(zones).isSorted();
      if (!s.policy().enableCrossZoneUpgrade()) {
        assertThat(zones).as("zones of %s", b).hasSize(1);
      }
    }
    if (!s.policy().enableCrossZoneUpgrade()) {
      // Zones go one at a time, in order, within each pass.
      for (boolean pass : List.of(true, false)) {
        List<Zone> order = p.batches().stream().filter(b -> b.unhealthyFirst() == pass).map(Batch::zone).toList();
        assertThat(order).isSorted();
      }
    }
  }

  @ParameterizedTest
  @MethodSource("scenarios")
  void plan_randomFleet_batchIsPartOfOneUpdateDomainOrWholeDomains(Scenario s) {
    RolloutPlan p = BatchPlanner.plan(s.fleet(), s.policy(), NEW);
    Map<String, Instance> byId = byId(s.fleet());
    // Candidates per (group, update domain).
    Map<String, Set<String>> domainMembers = new HashMap<>();
    for (Instance i : s.fleet().instances()) {
      if (isCandidate(i)) {
        domainMembers.computeIfAbsent(groupOf(i, s.policy()) + "/" + i.updateDomain(), k -> new HashSet<>())
            .add(i.instanceId());
      }
    }

    for (Batch b : p.batches()) {
      Set<String> groups = b.instanceIds().stream().map(id -> groupOf(byId.get(id), s.policy()))
          .collect(Collectors.toSet());
      assertThat(groups).as("groups of %s", b).hasSize(1);
      String group = groups.iterator().next();
      List<Integer> domains = b.instanceIds().stream().map(id -> byId.get(id).updateDomain()).distinct().sorted()
          .toList();
      assertThat(b.updateDomains()).isEqualTo(domains);
      if (domains.size() > 1) {
        for (int d : domains) {
          assertThat(b.instanceIds()).as("%s holds all of UD %s", b, d)
              .containsAll(domainMembers.get(group + "/" + d));
        }
      }
    }
  }

  @ParameterizedTest
  @MethodSource("scenarios")
  void plan_randomFleet_unhealthyFirstBatchesLeadAndHoldOnlyUnhealthy(Scenario s) {
    RolloutPlan p = BatchPlanner.plan(s.fleet(), s.policy(), NEW);
    Map<String, Instance> byId = byId(s.fleet());

    List<Boolean> flags = p.batches().stream().map(Batch::unhealthyFirst).toList();
    assertThat(flags).as("unhealthy-first batches lead").isSortedAccordingTo((a, b) -> Boolean.compare(b, a));
    for (Batch b : p.batches()) {
      boolean expected = s.policy().prioritizeUnhealthyInstances();
      assertThat(b.instanceIds()).allSatisfy(id -> {
        boolean unhealthy = byId.get(id).health().countsAsUnhealthy();
        if (expected) {
          assertThat(unhealthy).as("instance %s in %s", id, b).isEqualTo(b.unhealthyFirst());
        } else {
          assertThat(b.unhealthyFirst()).isFalse();
        }
      });
    }
  }

  @ParameterizedTest
  @MethodSource("scenarios")
  void plan_randomFleet_estimateConsistent(Scenario s) {
    RolloutPlan p = BatchPlanner.plan(s.fleet(), s.policy(), NEW);
    PlanEstimate e = p.estimate();
    int n = p.batches().size();

    Duration expected = PlanOptions.DEFAULT_BATCH_TIME.multipliedBy(n)
        .plus(s.policy().pauseTimeBetweenBatches().multipliedBy(Math.max(0, n - 1)));
    assertThat(e.fleetTime()).isEqualTo(expected);
    assertThat(e.totalInstances()).isEqualTo(s.fleet().instanceCount());
    assertThat(e.lowestHealthyInstances()).isBetween(0, s.fleet().instanceCount() - s.fleet().unhealthyCount());
    assertThat(e.surgeInstances()).isEqualTo(
        s.policy().maxSurge() ? p.batches().stream().mapToInt(Batch::size).max().orElse(0) : 0);
  }

  @ParameterizedTest
  @MethodSource("scenarios")
  void plan_randomFleet_deterministicWhateverTheInstanceOrder(Scenario s) {
    RolloutPlan first = BatchPlanner.plan(s.fleet(), s.policy(), NEW);
    List<Instance> reversed = new ArrayList<>(s.fleet().instances());
    Collections.reverse(reversed);

    RolloutPlan again = BatchPlanner.plan(s.fleet(), s.policy(), NEW);
    RolloutPlan fromReversed = BatchPlanner.plan(s.fleet().withInstances(reversed), s.policy(), NEW);

    assertThat(again).isEqualTo(first);
    assertThat(fromReversed).isEqualTo(first);
    assertThat(Objects.hash(again.toString())).isEqualTo(Objects.hash(first.toString()));
  }

  @Test
  void surgeInstanceHours_maxSurgeTenInstances_batchTimesSizes() {
    RolloutPlan plan = BatchPlanner.plan(Fleets.scaleSet(10),
        RollingUpgradePolicy.builder().maxSurge(true).pauseTimeBetweenBatches("PT10M").build(), Fleets.NEW);

    // 10 instances, each surge instance alive for one 6-minute batch: 1 instance-hour.
    assertThat(plan.surgeInstanceHours()).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-9));
    assertThat(plan.toString()).contains("~1.0 extra instance-hours for surge");
    assertThat(BatchPlanner.plan(Fleets.scaleSet(10), RollingUpgradePolicy.ofDefaults(), Fleets.NEW)
        .surgeInstanceHours()).isZero();
  }
}
