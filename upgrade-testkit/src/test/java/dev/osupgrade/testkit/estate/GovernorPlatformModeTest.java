package dev.osupgrade.testkit.estate;

import static dev.osupgrade.testkit.estate.SmallEstate.UBUNTU;
import static dev.osupgrade.testkit.estate.SmallEstate.V1;
import static dev.osupgrade.testkit.estate.SmallEstate.V2;
import static org.assertj.core.api.Assertions.assertThat;

import dev.osupgrade.estate.EstateGovernor;
import dev.osupgrade.estate.GovernanceMode;
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
import java.time.Instant;
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

  private static void drive(EstateGovernor governor, SimulatedFleet fleet, Instant until) {
    while (fleet.clock().instant().isBefore(until)) {
      Instant next = governor.advance().orElseThrow();
      fleet.clock().advanceTo(next.isAfter(until) ? until : next);
    }
  }
}
