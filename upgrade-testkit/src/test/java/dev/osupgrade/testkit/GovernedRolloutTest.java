package dev.osupgrade.testkit;

import static dev.osupgrade.testkit.Images.V1;
import static dev.osupgrade.testkit.Images.V2;
import static dev.osupgrade.testkit.Images.ubuntu;
import static dev.osupgrade.testkit.OsUpgradeAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import dev.osupgrade.event.BatchStarted;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.governance.Environment;
import dev.osupgrade.governance.GovernanceGate;
import dev.osupgrade.governance.HealthSource;
import dev.osupgrade.governance.ImageTrustPolicy;
import dev.osupgrade.governance.ReadinessRecord;
import dev.osupgrade.governance.SignalThreshold;
import dev.osupgrade.governance.schedule.MaintenanceSchedule;
import dev.osupgrade.governance.schedule.MaintenanceWindow;
import dev.osupgrade.governance.schedule.MaintenanceWindowGate;
import dev.osupgrade.image.ImageRelease;
import dev.osupgrade.ops.ErrorCodes;
import dev.osupgrade.port.Metric;
import dev.osupgrade.rollout.Rollout;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Governance on a single orchestrated rollout: refusals before any change, windows, quarantine mid-rollout. */
final class GovernedRolloutTest {
  @RegisterExtension static final SimulatorExtension SIM = SimulatorExtension.withSeed(51);

  private static ScaleSetId web(SimulatedFleet fleet) {
    ScaleSetId id = fleet.add(ScaleSetSpec.named("web").instances(10).image(ubuntu(V1)));
    fleet.publish(ubuntu(V2));
    return id;
  }

  private static ImageRelease release(SimulatedFleet fleet) {
    return fleet.listReleases(ubuntu(V2)).stream().filter(r -> r.version().equals(V2)).findFirst().orElseThrow();
  }

  private static ReadinessRecord complete(ScaleSetId id) {
    return ReadinessRecord.builder().owner("team-web", "web-oncall@example.com")
        .healthSource(HealthSource.APPLICATION_HEALTH_EXTENSION)
        .threshold(SignalThreshold.relative(Metric.CPU, 0.10)).scaleSets(id).atMostPercentAtOnce(20)
        .rings("all").automaticRollback(true).runbookStep("page web-oncall; roll back with osupgrade").build();
  }

  @Test
  void untrustedImage_refusedBeforeAnyMutatingCallNamingTheRule(SimulatedFleet fleet) {
    ScaleSetId id = web(fleet);
    ImageTrustPolicy trust = ImageTrustPolicy.trustingPublishers("MicrosoftWindowsServer");

    Rollout r = fleet.run(Rollout.builder(fleet, id).target(V2).clock(fleet.clock())
        .gate(GovernanceGate.of(Environment.PRODUCTION, trust, complete(id), release(fleet))).build());

    assertThat(r).faultedWith(ErrorCodes.IMAGE_NOT_TRUSTED).hadBatches(0);
    assertThat(r.error().orElseThrow().message()).contains("trusted-publisher");
    assertThat(fleet.calls("updateModelImage") + fleet.calls("upgradeInstances")).isZero();
  }

  @Test
  void productionWithoutReadinessRecord_refusedWithWhatIsMissing(SimulatedFleet fleet) {
    ScaleSetId id = web(fleet);

    Rollout r = fleet.run(Rollout.builder(fleet, id).target(V2).clock(fleet.clock())
        .gate(GovernanceGate.of(Environment.PRODUCTION, ImageTrustPolicy.trustingPublishers("Canonical"), null,
            release(fleet))).build());

    assertThat(r).faultedWith(ErrorCodes.READINESS_INCOMPLETE).hadBatches(0);
    assertThat(r.error().orElseThrow().message()).contains("no readiness record was given", "owning team");
    assertThat(fleet.calls("updateModelImage") + fleet.calls("upgradeInstances")).isZero();
  }

  @Test
  void quarantinedMidRollout_stopsBeforeTheNextBatch(SimulatedFleet fleet, VirtualClock clock) {
    ScaleSetId id = web(fleet);
    ImageTrustPolicy trust = ImageTrustPolicy.trustingPublishers("Canonical");
    clock.schedule(Duration.ofMinutes(3), () -> trust.quarantine().add(ubuntu(V2), "another region", clock.instant(),
        "failed in eastus"));

    Rollout r = fleet.run(Rollout.builder(fleet, id).target(V2).clock(clock)
        .gate(GovernanceGate.of(Environment.PRODUCTION, trust, complete(id), release(fleet))).build());

    assertThat(r).faultedWith(ErrorCodes.IMAGE_NOT_TRUSTED).hadBatches(1);
    assertThat(r.error().orElseThrow().message()).contains("quarantine", "failed in eastus");
  }

  @Test
  void maintenanceWindow_batchesStartOnlyInsideTheWindowAndResumeAtTheNextOne(SimulatedFleet fleet) {
    ScaleSetId id = web(fleet);
    // The clock starts Monday 00:00 UTC. A 12-minute window each night lets two or three batches start.
    MaintenanceSchedule nights = MaintenanceSchedule.of(MaintenanceWindow.parse("MON-SUN 22:00-22:12 UTC"));

    Rollout r = fleet.run(Rollout.builder(fleet, id).target(V2).clock(fleet.clock())
        .gate(MaintenanceWindowGate.of(nights)).build());

    assertThat(r).isCompleted().hadBatches(5);
    r.events().stream().filter(BatchStarted.class::isInstance).forEach(e -> assertThat(nights.isOpen(e.at()))
        .as("batch started at %s", e.at()).isTrue());
    assertThat(r.events().get(r.events().size() - 1).at())
        .as("five batches do not start within one 12-minute window: the rollout resumes the next night")
        .isAfter(VirtualClock.DEFAULT_START.plus(Duration.ofDays(1)));
  }
}
