package dev.osupgrade.testkit;

import static dev.osupgrade.testkit.Images.V1;
import static dev.osupgrade.testkit.Images.V2;
import static dev.osupgrade.testkit.Images.ubuntu;
import static org.assertj.core.api.Assertions.assertThat;

import dev.osupgrade.Region;
import dev.osupgrade.diagnosis.Diagnosis;
import dev.osupgrade.diagnosis.DriftReport;
import dev.osupgrade.diagnosis.FailureDiagnosis;
import dev.osupgrade.fleet.HealthState;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.governance.SignalThreshold;
import dev.osupgrade.governance.performance.PerformanceGate;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.image.ImageRelease;
import dev.osupgrade.image.ReplicationState;
import dev.osupgrade.policy.RollingUpgradePolicy;
import dev.osupgrade.port.Metric;
import dev.osupgrade.rollout.Rollout;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Each simulated cause of failure is named by the diagnosis, with its evidence. */
final class FailureDiagnosisTest {
  @RegisterExtension static final SimulatorExtension SIM = SimulatorExtension.withSeed(61);

  private static ScaleSetId web(SimulatedFleet fleet, int instances, int zones) {
    ScaleSetId id = fleet.add(ScaleSetSpec.named("web").instances(instances).zones(zones).image(ubuntu(V1)));
    fleet.publish(ubuntu(V2));
    return id;
  }

  private static Diagnosis diagnose(SimulatedFleet fleet, ScaleSetId id, Rollout.Builder builder) {
    Rollout r = fleet.run(builder.build());
    fleet.clock().advance(Duration.ofMinutes(30)); // rollbacks and health settle
    return FailureDiagnosis.of(r, fleet.get(id));
  }

  private static Rollout.Builder rollout(SimulatedFleet fleet, ScaleSetId id) {
    return Rollout.builder(fleet, id).target(V2).clock(fleet.clock());
  }

  @Test
  void diagnose_completedRollout_none(SimulatedFleet fleet) {
    ScaleSetId id = web(fleet, 10, 0);

    assertThat(diagnose(fleet, id, rollout(fleet, id)).cause()).isEqualTo(Diagnosis.Cause.NONE);
  }

  @Test
  void diagnose_imageComesUpUnhealthy_newImageWithRecoveryOnTheOldOne(SimulatedFleet fleet) {
    ScaleSetId id = web(fleet, 10, 0);
    fleet.imageBehavior(V2, ImageBehavior.comesUpUnhealthy());

    Diagnosis d = diagnose(fleet, id, rollout(fleet, id));

    assertThat(d.cause()).as(d.toString()).isEqualTo(Diagnosis.Cause.NEW_IMAGE);
    assertThat(d.evidence()).anySatisfy(e -> assertThat(e).contains("healthy again on their previous image"));
  }

  @Test
  void diagnose_imageFailsToBoot_newImageThatNeverAnswers(SimulatedFleet fleet) {
    ScaleSetId id = web(fleet, 10, 0);
    fleet.imageBehavior(V2, ImageBehavior.failsToBoot());

    Diagnosis d = diagnose(fleet, id, rollout(fleet, id));

    assertThat(d.cause()).isEqualTo(Diagnosis.Cause.NEW_IMAGE);
    assertThat(d.summary()).contains("never answered");
  }

  @Test
  void diagnose_extensionsFailToProvision_extensionSequencing(SimulatedFleet fleet) {
    ScaleSetId id = web(fleet, 10, 0);
    fleet.faults().extensionFailure(id, "0", "5");

    Diagnosis d = diagnose(fleet, id, rollout(fleet, id));

    assertThat(d.cause()).as(d.toString()).isEqualTo(Diagnosis.Cause.EXTENSION_SEQUENCING);
  }

  @Test
  void diagnose_allocationFails_capacity(SimulatedFleet fleet) {
    ScaleSetId id = web(fleet, 10, 0);
    fleet.faults().allocationFailure(id, "0", "5");

    Diagnosis d = diagnose(fleet, id, rollout(fleet, id));

    assertThat(d.cause()).as(d.toString()).isEqualTo(Diagnosis.Cause.CAPACITY);
  }

  @Test
  void diagnose_startupSlowerThanTheInstanceTimeout_applicationStartup(SimulatedFleet fleet) {
    ScaleSetId id = web(fleet, 10, 0);
    fleet.imageBehavior(V2, ImageBehavior.slowInitializing(Duration.ofMinutes(45)));

    Diagnosis d = diagnose(fleet, id, rollout(fleet, id));

    assertThat(d.cause()).as(d.toString()).isEqualTo(Diagnosis.Cause.APPLICATION_STARTUP);
    assertThat(d.summary()).contains("had not finished starting");
  }

  @Test
  void diagnose_oneInstanceFailsWhereOthersOnTheSameImageAreHealthy_applicationStartup(SimulatedFleet fleet) {
    ScaleSetId id = web(fleet, 30, 0);
    fleet.faults().applicationStartupFailure(id, "0");
    RollingUpgradePolicy strict = RollingUpgradePolicy.builder().maxUnhealthyUpgradedInstancePercent(0).build();

    Diagnosis d = diagnose(fleet, id, rollout(fleet, id).policy(strict));

    assertThat(d.cause()).as(d.toString()).isEqualTo(Diagnosis.Cause.APPLICATION_STARTUP);
  }

  @Test
  void diagnose_zoneGoesDownMidRollout_concurrentMaintenanceWithZoneEvidence(SimulatedFleet fleet) {
    ScaleSetId id = web(fleet, 30, 3);
    fleet.faults().zoneOutage(id, "3", Duration.ofMinutes(2), Duration.ofHours(3));

    Diagnosis d = diagnose(fleet, id, rollout(fleet, id));

    assertThat(d.cause()).as(d.toString()).isEqualTo(Diagnosis.Cause.CONCURRENT_MAINTENANCE);
    assertThat(d.evidence()).anySatisfy(e -> assertThat(e).contains("zone 3: looks like a zone outage"));
  }

  @Test
  void diagnose_unhealthyBeforeStart_notTheImage(SimulatedFleet fleet) {
    ScaleSetId id = web(fleet, 10, 0);
    fleet.setHealth(id, HealthState.UNHEALTHY, "1", "2", "3");

    Diagnosis d = diagnose(fleet, id, rollout(fleet, id));

    assertThat(d.cause()).isEqualTo(Diagnosis.Cause.UNHEALTHY_BEFORE_ROLLOUT);
    assertThat(d.summary()).contains("the new image is not to blame");
  }

  @Test
  void diagnose_galleryVersionNotReplicatedToTheRegion_regionalReplication(SimulatedFleet fleet) {
    ImageReference gallery = ImageReference.gallery("/subscriptions/00000000-0000-0000-0000-000000000000/"
        + "resourceGroups/images/providers/Microsoft.Compute/galleries/shared/images/web", "1.0.0");
    ScaleSetId id = fleet.add(ScaleSetSpec.named("web").region("westeurope").instances(5).image(gallery));
    fleet.publish(ImageRelease.gallery(gallery.withVersion(dev.osupgrade.image.ImageVersion.parse("1.1.0")),
        fleet.clock().instant(), Map.of(Region.of("westeurope"), ReplicationState.REPLICATING)));

    Rollout r = fleet.run(Rollout.builder(fleet, id).target("1.1.0").clock(fleet.clock()).build());
    Diagnosis d = FailureDiagnosis.of(r, fleet.get(id));

    assertThat(d.cause()).as(d.toString()).isEqualTo(Diagnosis.Cause.REGIONAL_REPLICATION);
  }

  @Test
  void diagnose_heavierImage_performanceRegression(SimulatedFleet fleet) {
    ScaleSetId id = web(fleet, 20, 2);
    fleet.imagePerformance(V2, Metric.CPU, 1.3);
    PerformanceGate gate = PerformanceGate.builder().source(fleet)
        .threshold(SignalThreshold.relative(Metric.CPU, 0.10)).build();

    Diagnosis d = diagnose(fleet, id, rollout(fleet, id).gate(gate));

    assertThat(d.cause()).isEqualTo(Diagnosis.Cause.PERFORMANCE_REGRESSION);
    assertThat(d.toString()).contains("evidence: stopped with PerformanceRegression");
  }

  @Test
  void drift_afterFaultedRollout_listsInstancesOffTheModelAndHowToFixThem(SimulatedFleet fleet) {
    ScaleSetId id = web(fleet, 10, 0);
    fleet.protect(id, true, "9");
    fleet.run(rollout(fleet, id).build());
    fleet.updateModelImage(id, ubuntu(V1));

    DriftReport drift = DriftReport.of(fleet.get(id));

    assertThat(drift.byVersion()).containsOnlyKeys(V2);
    assertThat(drift.byVersion().get(V2)).hasSize(9);
    assertThat(drift.protectedDrifting()).isEmpty();
    assertThat(drift.toString()).contains("9 of 10 instances do not match", "a Rollout to 22.04.202409010");
  }

  @Test
  void drift_protectedInstanceLeftBehind_listedSeparately(SimulatedFleet fleet) {
    ScaleSetId id = web(fleet, 10, 0);
    fleet.protect(id, true, "9");
    fleet.run(rollout(fleet, id).build());

    DriftReport drift = DriftReport.of(fleet.get(id));

    assertThat(drift.byVersion()).isEmpty();
    assertThat(drift.protectedDrifting()).containsExactly("9");
    assertThat(drift.steps()).singleElement().satisfies(s -> assertThat(s).contains("protected"));
    assertThat(DriftReport.of(fleet.get(id)).isInSync()).isFalse();
  }
}
