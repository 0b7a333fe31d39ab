package dev.osupgrade.plan;

import static dev.osupgrade.Fleets.NEW;
import static dev.osupgrade.Fleets.NEW_IMAGE;
import static dev.osupgrade.Fleets.OLD_IMAGE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.osupgrade.Fleets;
import dev.osupgrade.fleet.HealthMonitoring;
import dev.osupgrade.fleet.HealthState;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.OrchestrationMode;
import dev.osupgrade.fleet.PowerState;
import dev.osupgrade.fleet.ProvisioningState;
import dev.osupgrade.fleet.ResourceLock;
import dev.osupgrade.fleet.ScaleSet;
import dev.osupgrade.fleet.Zone;
import dev.osupgrade.policy.RollingUpgradePolicy;
import dev.osupgrade.policy.UpgradePolicy;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The planner on Flexible scale sets: batches follow fault domains (Flexible has no update domains). */
final class FlexibleBatchPlannerTest {
  private static final RollingUpgradePolicy DEFAULTS = RollingUpgradePolicy.ofDefaults();

  // A VM name as a Flexible scale set gives it: "web_" and eight hex digits.
  private static String name(int k) {
    return String.format(Locale.ROOT, "web_%08x", (k * 2_654_435_761L) & 0xffffffffL);
  }

  private static Instance vm(int k, Zone zone, int faultDomain) {
    // update domain 7 on purpose: a Flexible plan must not care
    return new Instance(name(k), zone, 7, faultDomain, OLD_IMAGE, true, ProvisioningState.SUCCEEDED,
        PowerState.RUNNING, HealthState.HEALTHY, false);
  }

  private static ScaleSet flexible(List<Instance> instances) {
    Set<Zone> zones = new TreeSet<>();
    instances.stream().map(Instance::zone).filter(z -> !z.isRegional()).forEach(zones::add);
    return new ScaleSet(Fleets.ID, Fleets.REGION, new ArrayList<>(zones), OrchestrationMode.FLEXIBLE,
        UpgradePolicy.manual(), OLD_IMAGE, HealthMonitoring.extension(), null, instances);
  }

  // count regional VMs over faultDomains fault domains, k-th in k % faultDomains
  private static ScaleSet regional(int count, int faultDomains) {
    List<Instance> out = new ArrayList<>();
    for (int k = 0; k < count; k++) {
      out.add(vm(k, Zone.REGIONAL, k % faultDomains));
    }
    return flexible(out);
  }

  private static Map<String, Instance> byId(ScaleSet s) {
    return s.instances().stream().collect(Collectors.toMap(Instance::instanceId, i -> i));
  }

  @Test
  void plan_twelveVmsThreeFaultDomains_batchesOfTwoWithinOneFaultDomainInFaultDomainOrder() {
    ScaleSet s = regional(12, 3);

    RolloutPlan p = BatchPlanner.plan(s, DEFAULTS, NEW);

    assertThat(p.batchSize()).isEqualTo(2);
    assertThat(p.batches()).hasSize(6).allSatisfy(b -> {
      assertThat(b.byFaultDomain()).isTrue();
      assertThat(b.updateDomains()).isEmpty();
      assertThat(b.faultDomains()).hasSize(1);
    });
    assertThat(p.batches().stream().map(b -> b.faultDomains().get(0)).toList()).containsExactly(0, 0, 1, 1, 2, 2);
    Map<String, Instance> byId = byId(s);
    for (Batch b : p.batches()) {
      assertThat(b.instanceIds()).allSatisfy(id -> assertThat(byId.get(id).faultDomain())
          .isEqualTo(b.faultDomains().get(0)));
      assertThat(b.instanceIds()).isSorted();
    }
  }

  @Test
  void plan_smallFaultDomains_wholeFaultDomainsShareABatch() {
    // 10 VMs over 3 FDs (4, 3, 3) at 70%: batch size 7 takes FD 0 and FD 1 whole, then FD 2.
    ScaleSet s = regional(10, 3);

    RolloutPlan p = BatchPlanner.plan(s, RollingUpgradePolicy.builder().maxBatchInstancePercent(70)
        .maxUnhealthyInstancePercent(70).build(), NEW);

    assertThat(p.batches()).extracting(Batch::faultDomains).containsExactly(List.of(0, 1), List.of(2));
    assertThat(p.batches()).extracting(Batch::size).containsExactly(7, 3);
  }

  @Test
  void plan_maxSpreadingOneFaultDomain_onlyZonesBoundBatches() {
    // zone-spanning Flexible: one fault domain per zone (Azure allows 1), so zones are the only boundary
    List<Instance> vms = new ArrayList<>();
    for (int k = 0; k < 30; k++) {
      vms.add(vm(k, Zone.of(String.valueOf(k % 3 + 1)), 0));
    }
    ScaleSet s = flexible(vms);

    RolloutPlan p = BatchPlanner.plan(s, DEFAULTS, NEW);

    assertThat(p.batches()).hasSize(6);
    assertThat(p.batches()).extracting(Batch::zones).containsExactly(List.of(Zone.of("1")), List.of(Zone.of("1")),
        List.of(Zone.of("2")), List.of(Zone.of("2")), List.of(Zone.of("3")), List.of(Zone.of("3")));
    assertThat(p.batches()).allSatisfy(b -> assertThat(b.faultDomains()).containsExactly(0));
  }

  @Test
  void plan_readOnlyLockedAndProtected_skippedWithTheirReasons() {
    ScaleSet s = regional(6, 3);
    List<Instance> changed = new ArrayList<>(s.instances());
    changed.replaceAll(i -> i.instanceId().equals(name(1)) ? i.withLock(ResourceLock.READ_ONLY)
        : i.instanceId().equals(name(2)) ? i.withLock(ResourceLock.CAN_NOT_DELETE)
            : i.instanceId().equals(name(3)) ? i.withProtectedFromUpgrade(true)
                : i.instanceId().equals(name(4)) ? i.withImage(NEW_IMAGE, true) : i);
    s = s.withInstances(changed);

    RolloutPlan p = BatchPlanner.plan(s, DEFAULTS, NEW);

    assertThat(p.skipped()).containsExactlyInAnyOrder(
        new SkippedInstance(name(1), SkippedInstance.Reason.LOCKED),
        new SkippedInstance(name(3), SkippedInstance.Reason.PROTECTED),
        new SkippedInstance(name(4), SkippedInstance.Reason.ALREADY_ON_TARGET));
    assertThat(p.batches().stream().flatMap(b -> b.instanceIds().stream()).toList())
        .as("a CanNotDelete lock does not keep an instance from its in-place upgrade")
        .containsExactlyInAnyOrder(name(0), name(2), name(5));
    assertThat(p.toString()).contains("1 locked [" + name(1) + "]");
  }

  @Test
  void toString_flexiblePlan_showsFaultDomainColumn() {
    String table = BatchPlanner.plan(regional(12, 3), DEFAULTS, NEW).toString();

    assertThat(table).contains("FDs").doesNotContain("UDs");
    assertThat(table.lines().filter(l -> l.matches("\\s+1\\s+regional\\s+0\\s+web_.*")).count()).isEqualTo(1);
  }

  // ---- properties over random Flexible fleets ------------------------------------------------------------------

  private record Scenario(long seed, ScaleSet fleet, RollingUpgradePolicy policy) {
    @Override
    public String toString() {
      return "seed " + seed + ": " + fleet.instanceCount() + " VMs, " + policy;
    }
  }

  static List<Scenario> scenarios() {
    return LongStream.rangeClosed(1, 200).mapToObj(FlexibleBatchPlannerTest::scenario).toList();
  }

  // 1-200 VMs, regional with 1-3 fault domains or 1-3 zones with one; random health, locks, protection, targets.
  private static Scenario scenario(long seed) {
    Random r = new Random(seed);
    int count = 1 + r.nextInt(200);
    int zones = r.nextInt(4);
    int faultDomains = zones == 0 ? 1 + r.nextInt(3) : 1;
    HealthState[] states = HealthState.values();
    List<Instance> list = new ArrayList<>();
    for (int k = 0; k < count; k++) {
      Zone zone = zones == 0 ? Zone.REGIONAL : Zone.of(String.valueOf(1 + r.nextInt(zones)));
      HealthState health = r.nextInt(4) == 0 ? states[r.nextInt(states.length)] : HealthState.HEALTHY;
      Instance i = new Instance(name(k), zone, r.nextInt(5), r.nextInt(faultDomains),
          r.nextInt(100) < 15 ? NEW_IMAGE : OLD_IMAGE, true, ProvisioningState.SUCCEEDED, PowerState.RUNNING, health,
          r.nextInt(100) < 10);
      int lock = r.nextInt(20);
      list.add(lock == 0 ? i.withLock(ResourceLock.READ_ONLY) : lock == 1 ? i.withLock(ResourceLock.CAN_NOT_DELETE)
          : i);
    }
    Collections.shuffle(list, r);
    RollingUpgradePolicy policy = RollingUpgradePolicy.builder()
        .maxBatchInstancePercent(5 + r.nextInt(96))
        .maxUnhealthyInstancePercent(5 + r.nextInt(96))
        .prioritizeUnhealthyInstances(r.nextBoolean())
        .enableCrossZoneUpgrade(r.nextBoolean())
        .build();
    return new Scenario(seed, flexible(list), policy);
  }

  private static String groupOf(Instance i, RollingUpgradePolicy policy) {
    boolean firstPass = policy.prioritizeUnhealthyInstances() && i.health().countsAsUnhealthy();
    return firstPass + "/" + (policy.enableCrossZoneUpgrade() ? "*" : i.zone().name());
  }

  @ParameterizedTest
  @MethodSource("scenarios")
  void plan_randomFlexibleFleet_batchIsPartOfOneFaultDomainOrWholeFaultDomains(Scenario s) {
    RolloutPlan p = BatchPlanner.plan(s.fleet(), s.policy(), NEW);
    Map<String, Instance> byId = byId(s.fleet());
    Map<String, Set<String>> members = new HashMap<>();
    Set<String> candidates = new HashSet<>();
    for (Instance i : s.fleet().instances()) {
      if (!i.runs(NEW) && !i.protectedFromUpgrade()) {
        candidates.add(i.instanceId());
        members.computeIfAbsent(groupOf(i, s.policy()) + "/" + i.faultDomain(), k -> new HashSet<>())
            .add(i.instanceId());
      }
    }

    List<String> planned = new ArrayList<>();
    for (Batch b : p.batches()) {
      planned.addAll(b.instanceIds());
      assertThat(b.size()).isLessThanOrEqualTo(p.batchSize());
      assertThat(b.updateDomains()).as("Flexible has no update domains").isEmpty();
      Set<String> groups = b.instanceIds().stream().map(id -> groupOf(byId.get(id), s.policy()))
          .collect(Collectors.toSet());
      assertThat(groups).as("groups of %s", b).hasSize(1);
      List<Integer> domains = b.instanceIds().stream().map(id -> byId.get(id).faultDomain()).distinct().sorted()
          .toList();
      assertThat(b.faultDomains()).isEqualTo(domains);
      if (domains.size() > 1) {
        for (int d : domains) {
          assertThat(b.instanceIds()).as("%s holds all of FD %s", b, d)
              .containsAll(members.get(groups.iterator().next() + "/" + d));
        }
      }
    }
    assertThat(planned).containsExactlyInAnyOrderElementsOf(candidates);
    assertThat(p.skipped()).allSatisfy(k -> assertThat(candidates).doesNotContain(k.instanceId()));
  }
}
