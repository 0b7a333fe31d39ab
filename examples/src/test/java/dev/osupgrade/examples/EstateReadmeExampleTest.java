package dev.osupgrade.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osupgrade.Region;
import dev.osupgrade.estate.DesiredState;
import dev.osupgrade.estate.EstateGovernor;
import dev.osupgrade.estate.EstateReport;
import dev.osupgrade.estate.GovernanceMode;
import dev.osupgrade.estate.ImageFamily;
import dev.osupgrade.estate.RehearsalBudget;
import dev.osupgrade.estate.Selector;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.governance.Environment;
import dev.osupgrade.governance.HealthSource;
import dev.osupgrade.governance.ImageTrustPolicy;
import dev.osupgrade.governance.ReadinessRecord;
import dev.osupgrade.governance.SignalThreshold;
import dev.osupgrade.governance.schedule.Cadence;
import dev.osupgrade.governance.schedule.MaintenanceSchedule;
import dev.osupgrade.governance.schedule.MaintenanceWindow;
import dev.osupgrade.governance.schedule.ReleaseCalendar;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.image.ImageVersion;
import dev.osupgrade.policy.AutomaticOsUpgradePolicy;
import dev.osupgrade.port.DiscoveryScope;
import dev.osupgrade.port.Metric;
import dev.osupgrade.port.RolloutStore;
import dev.osupgrade.service.RolloutRunner;
import dev.osupgrade.testkit.ScaleSetSpec;
import dev.osupgrade.testkit.SimulatedFleet;
import dev.osupgrade.testkit.TwinRehearsal;
import dev.osupgrade.testkit.VirtualScheduler;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The README's "Govern an estate" example, compiled and run on a small simulated estate: if this test changes, change
 * the README with it. Graded by the fleet: every instance ends on the release.
 */
final class EstateReadmeExampleTest {
  private static final ImageReference UBUNTU =
      ImageReference.marketplace("Canonical", "0001-com-ubuntu-server-jammy", "22_04-lts-gen2", "latest");

  @Test
  void readme_estateGovernor_declaredRunAndReported() {
    SimulatedFleet fleet = SimulatedFleet.create(7);
    String subscriptionId = ScaleSetId.LOCAL_SUBSCRIPTION;
    ImageReference v1 = UBUNTU.withVersion(ImageVersion.parse("22.04.202512010"));
    AutomaticOsUpgradePolicy deferred = AutomaticOsUpgradePolicy.enabled().withOsRollingUpgradeDeferral(true);
    List<ScaleSetId> ids = List.of(
        fleet.add(spec("web-canary", "westeurope", v1).tag("ring", "canary")),
        fleet.add(spec("web-weu", "westeurope", v1)),
        fleet.add(spec("web-neu", "northeurope", v1)),
        fleet.add(spec("web-eus", "eastus", v1)),
        fleet.add(spec("batch-eus", "eastus", v1).automaticOsUpgrade(deferred).tag("upgrades", "platform")));
    ReadinessRecord record = ReadinessRecord.builder().owner("platform-team", "platform-oncall@example.com")
        .healthSource(HealthSource.APPLICATION_HEALTH_EXTENSION).threshold(SignalThreshold.relative(Metric.CPU, 0.10))
        .regions(Region.of("westeurope"), Region.of("northeurope"), Region.of("eastus")).atMostPercentAtOnce(34)
        .rings("canary", "europe", "broad").automaticRollback(true)
        .runbookStep("page platform-oncall; confirm the ring rolled back; file the image bug").build();
    MaintenanceSchedule nights = MaintenanceSchedule.of(MaintenanceWindow.parse("DAILY 20:00-04:00 UTC"));
    MaintenanceSchedule eastUsNights = MaintenanceSchedule.of(MaintenanceWindow.parse("DAILY 03:00-11:00 UTC"));
    ReleaseCalendar calendar = ReleaseCalendar.builder()
        .publisher("Canonical", Cadence.every(Duration.ofDays(7), Instant.parse("2026-01-07T09:00:00Z"),
            Duration.ofHours(12))).build();
    Clock clock = fleet.clock();
    RolloutStore store = RolloutStore.inMemory();
    String hostName = "host-1";
    RolloutRunner runner = RolloutRunner.builder().clock(clock).scheduler(VirtualScheduler.on(fleet.clock())).build();

    // --- README: the desired state ---
    DesiredState desired = DesiredState.builder()
        .scope(DiscoveryScope.resourceGroup(subscriptionId, "shop"))        // or DiscoveryScope.subscription(...)
        .family(ImageFamily.marketplace("ubuntu", "Canonical", "0001-com-ubuntu-server-jammy", "22_04-lts-gen2"))
        .ring("canary", Duration.ofHours(6), Selector.tag("ring", "canary"))
        .ring("europe", Duration.ofHours(12), Selector.region("westeurope", "northeurope"))
        .ring("broad", Duration.ofHours(12), Selector.all())
        .trust(ImageTrustPolicy.builder().trustPublisher("Canonical").trustGallery("corp")
            .minimumAge(Environment.PRODUCTION, Duration.ofDays(1)).build())
        .readiness(record)                                                  // or readiness(selector, record)
        .schedule(Selector.region("eastus"), eastUsNights).schedule(nights)
        .mode(Selector.tag("upgrades", "platform"), GovernanceMode.GOVERNED_PLATFORM)
        .budget(RehearsalBudget.of(Duration.ofHours(2), 60))                // a rehearsal over it blocks the ring
        .build();
    System.out.println(desired.describe());

    // --- README: the governor ---
    EstateGovernor governor = EstateGovernor.builder(desired, fleet)    // an AzureFleet, or a SimulatedFleet
        .clock(clock).store(store).owner(hostName)
        .calendar(calendar).rehearsal(TwinRehearsal.create())           // each ring rehearsed on a twin first
        .listener(System.out::println)                                  // every decision, as a log line
        .build();
    runner.submit(governor);                                            // the runner advances it as it asks
    // --- end ---

    fleet.publish(UBUNTU.withVersion(ImageVersion.parse("22.04.202601070")));
    fleet.clock().advance(Duration.ofDays(5));

    // --- README: the report ---
    EstateReport report = governor.report();
    System.out.println(report.describe());                              // text for logs and JShell
    report.rows().forEach(row -> System.out.println(row.scaleSet() + " " + row.current() + " " + row.state()));
    // --- end ---

    for (ScaleSetId id : ids) {
      assertThat(fleet.peek(id).instances()).as("%s by the fleet", id).extracting(Instance::imageVersion)
          .containsOnly(ImageVersion.parse("22.04.202601070"));
    }
    assertThat(report.counts()).containsEntry(EstateReport.State.CURRENT, 5);
    assertThat(report.describe()).contains("Version matrix (scale set x family)", "shop/batch-eus", "Next");
    assertThat(governor.decisions()).anySatisfy(d -> assertThat(d.detail()).contains("governed platform"));
  }

  private static ScaleSetSpec spec(String name, String region, ImageReference image) {
    return ScaleSetSpec.named(name).resourceGroup("shop").region(region).instances(3).image(image)
        .environment(Environment.PRODUCTION);
  }
}
