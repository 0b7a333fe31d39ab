package dev.osupgrade.testkit.estate;

import static dev.osupgrade.testkit.estate.SmallEstate.UBUNTU;
import static dev.osupgrade.testkit.estate.SmallEstate.V1;
import static dev.osupgrade.testkit.estate.SmallEstate.V2;
import static org.assertj.core.api.Assertions.assertThat;

import dev.osupgrade.estate.EstateGovernor;
import dev.osupgrade.estate.GovernanceMode;
import dev.osupgrade.estate.GovernorDecision;
import dev.osupgrade.estate.GovernorDecision.Kind;
import dev.osupgrade.estate.Selector;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.governance.schedule.MaintenanceSchedule;
import dev.osupgrade.governance.schedule.MaintenanceWindow;
import dev.osupgrade.policy.AutomaticOsUpgradePolicy;
import dev.osupgrade.port.RolloutStore;
import dev.osupgrade.testkit.FleetRecord;
import dev.osupgrade.testkit.InstanceChange;
import dev.osupgrade.testkit.PortCall;
import dev.osupgrade.testkit.ScaleSetSpec;
import dev.osupgrade.testkit.SimulatedFleet;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.TreeSet;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Governed platform mode: Azure's own automatic OS upgrade runs the rollout, but with {@code osRollingUpgradeDeferral}
 * every instance waits for an approval, and the governor approves a ring's instances only when the ring's turn has
 * come and only inside its window — graded by the simulator's platform and record.
 */
final class GovernorPlatformModeTest {

  @Test
  void platformMode_deferredUpgradesApprovedRingByRingInsideTheWindow() {
    SimulatedFleet fleet = SimulatedFleet.create(37);
    AutomaticOsUpgradePolicy deferred = AutomaticOsUpgradePolicy.enabled().withOsRollingUpgradeDeferral(true);
    List<ScaleSetId> ids = new ArrayList<>();
    ids.add(fleet.add(ScaleSetSpec.named("canary").resourceGroup("shop").instances(3).image(UBUNTU.withVersion(V1))
        .automaticOsUpgrade(deferred).tag("ring", "canary")));
    ids.add(fleet.add(ScaleSetSpec.named("web-weu").resourceGroup("shop").instances(3)
        .image(UBUNTU.withVersion(V1)).automaticOsUpgrade(deferred)));
    ids.add(fleet.add(ScaleSetSpec.named("web-neu").resourceGroup("shop").region("northeurope").instances(3)
        .image(UBUNTU.withVersion(V1)).automaticOsUpgrade(deferred)));
    MaintenanceSchedule nights = MaintenanceSchedule.of(MaintenanceWindow.parse("DAILY 20:00-23:00 UTC"));
    List<dev.osupgrade.estate.GovernorDecision> log = new ArrayList<>();
    EstateGovernor governor = EstateGovernor.builder(SmallEstate.desired().schedule(nights)
            .mode(Selector.all(), GovernanceMode.GOVERNED_PLATFORM).build(), fleet)
        .clock(fleet.clock()).store(RolloutStore.inMemory()).listener(log::add).build();
    fleet.clock().advanceTo(Instant.parse("2026-01-05T09:00:00Z"));
    drive(governor, fleet, Instant.parse("2026-01-05T10:00:00Z"));
    fleet.publish(UBUNTU.withVersion(V2));

    drive(governor, fleet, Instant.parse("2026-01-09T00:00:00Z"));

    for (ScaleSetId id : ids) {
      assertThat(fleet.peek(id).instances()).as("%s", id).extracting(Instance::imageVersion).containsOnly(V2);
      FleetRecord record = fleet.record(id);
      for (PortCall c : record.calls("approveRollingUpgrade")) {
        assertThat(nights.isOpen(c.at())).as("%s approval at %s", id, c.at()).isTrue();
      }
      for (String i : record.instances()) {
        for (InstanceChange ch : record.history(i)) {
          if (ch.kind() == InstanceChange.Kind.UPGRADE_STARTED) {
            assertThat(nights.isOpen(ch.at())).as("%s/%s upgrade at %s", id, i, ch.at()).isTrue();
          }
        }
      }
      assertThat(record.calls("approveRollingUpgrade")).as("%s approved by the governor", id).isNotEmpty();
    }
    Instant canaryApproved = fleet.record(ids.get(0)).calls("approveRollingUpgrade").get(0).at();
    Instant earlyApproved = fleet.record(ids.get(1)).calls("approveRollingUpgrade").get(0).at();
    assertThat(earlyApproved).as("the early ring after the canary's soak").isAfter(canaryApproved);
    assertThat(log).filteredOn(d -> d.kind() == Kind.RING_STARTED)
        .allSatisfy(d -> assertThat(d.detail()).contains("governed platform"));
  }

  @Test
  void platformMode_instancesDeferredPastTheMaximum_reportedOverdue_asLongAsTheFleetKeptThemWaiting() {
    SimulatedFleet fleet = SimulatedFleet.create(53);
    AutomaticOsUpgradePolicy deferred = AutomaticOsUpgradePolicy.enabled().withOsRollingUpgradeDeferral(true);
    List<ScaleSetId> ids = new ArrayList<>();
    ids.add(fleet.add(ScaleSetSpec.named("canary").resourceGroup("shop").instances(3).image(UBUNTU.withVersion(V1))
        .automaticOsUpgrade(deferred).tag("ring", "canary")));
    ids.add(fleet.add(ScaleSetSpec.named("web-weu").resourceGroup("shop").instances(3)
        .image(UBUNTU.withVersion(V1)).automaticOsUpgrade(deferred)));
    MaintenanceSchedule nights = MaintenanceSchedule.of(MaintenanceWindow.parse("DAILY 20:00-23:00 UTC"));
    List<GovernorDecision> log = new ArrayList<>();
    EstateGovernor governor = EstateGovernor.builder(SmallEstate.desired().schedule(nights)
            .mode(Selector.all(), GovernanceMode.GOVERNED_PLATFORM).maximumDeferral(Duration.ofHours(4)).build(),
            fleet)
        .clock(fleet.clock()).store(RolloutStore.inMemory()).listener(log::add).build();
    fleet.clock().advanceTo(Instant.parse("2026-01-05T09:00:00Z"));
    drive(governor, fleet, Instant.parse("2026-01-05T10:00:00Z"));
    fleet.publish(UBUNTU.withVersion(V2));

    drive(governor, fleet, Instant.parse("2026-01-09T00:00:00Z"));

    List<GovernorDecision> overdue = log.stream().filter(d -> d.kind() == Kind.DEFERRAL_OVERDUE).toList();
    overdue.forEach(System.out::println);
    assertThat(overdue).as("the instances waited from the platform's start to the evening window").hasSize(6);
    Set<String> reported = new TreeSet<>();
    for (GovernorDecision d : overdue) {
      ScaleSetId id = ids.stream().filter(x -> d.detail().contains(x + " DEFERRAL OVERDUE")).findFirst()
          .orElseThrow();
      String instance = d.detail().replaceAll(".*instance (\\S+) has deferred.*", "$1");
      assertThat(reported.add(id + "/" + instance)).as("reported once: %s", d).isTrue();
      Instant platformStarted = fleet.platformEvents(id).get(0).at();
      Instant upgraded = fleet.record(id).history(instance).stream()
          .filter(ch -> ch.kind() == InstanceChange.Kind.UPGRADE_STARTED).map(InstanceChange::at).findFirst()
          .orElseThrow();
      assertThat(d.at()).as("%s: by the fleet, waiting more than 4 h since the platform's upgrade began", d)
          .isAfter(platformStarted.plus(Duration.ofHours(4))).isBeforeOrEqualTo(upgraded);
      assertThat(d.detail()).contains("more than the maximum of 4h");
    }
    assertThat(governor.report().overdueDeferrals()).isNotEmpty()
        .allSatisfy(line -> assertThat(overdue).anySatisfy(d -> assertThat(line).isEqualTo(d.detail())));
    assertThat(governor.report().describe()).contains("Overdue deferrals", "DEFERRAL OVERDUE");
    for (ScaleSetId id : ids) {
      assertThat(fleet.peek(id).instances()).as("%s", id).extracting(Instance::imageVersion).containsOnly(V2);
    }
  }

  private static void drive(EstateGovernor governor, SimulatedFleet fleet, Instant until) {
    while (fleet.clock().instant().isBefore(until)) {
      Instant next = governor.advance().orElseThrow();
      fleet.clock().advanceTo(next.isAfter(until) ? until : next);
    }
  }
}
