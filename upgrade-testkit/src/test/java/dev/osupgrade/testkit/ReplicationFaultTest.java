package dev.osupgrade.testkit;

import static dev.osupgrade.testkit.OsUpgradeAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osupgrade.Region;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.image.Eligibility;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.image.ImageRelease;
import dev.osupgrade.image.ImageVersion;
import dev.osupgrade.image.ReplicationState;
import dev.osupgrade.ops.ErrorCodes;
import dev.osupgrade.plan.ImageEligibility;
import dev.osupgrade.policy.AutomaticOsUpgradePolicy;
import dev.osupgrade.port.InvalidModelException;
import dev.osupgrade.rollout.Rollout;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Gallery image replication lagging or failing in one region, as the catalog, the model and rollouts see it. */
final class ReplicationFaultTest {
  @RegisterExtension static final SimulatorExtension SIM = SimulatorExtension.withSeed(5);

  private static final String DEFINITION =
      "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/images/providers/Microsoft.Compute/"
          + "galleries/shared/images/api";
  private static final Region WESTEUROPE = Region.of("westeurope");
  private static final Region EASTUS = Region.of("eastus");

  private static ImageReference api(String version) {
    return ImageReference.gallery(DEFINITION, version);
  }

  private static ScaleSetId galleryFleet(SimulatedFleet fleet) {
    ScaleSetId id = fleet.add(ScaleSetSpec.named("api").instances(5).image(api("1.0.0")));
    fleet.publish(ImageRelease.gallery(api("1.1.0"), fleet.clock().instant(),
        Map.of(EASTUS, ReplicationState.COMPLETED, WESTEUROPE, ReplicationState.COMPLETED)));
    return id;
  }

  private static ImageRelease release(SimulatedFleet fleet, String version) {
    return fleet.listReleases(api(version)).stream().filter(r -> r.version().equals(ImageVersion.parse(version)))
        .findFirst().orElseThrow();
  }

  @Test
  void replicationLag_listReleasesShowsReplicatingThenCompleted(SimulatedFleet fleet, VirtualClock clock) {
    galleryFleet(fleet);
    fleet.faults().replicationLag(api("1.1.0"), "westeurope", Duration.ofHours(2));

    assertThat(release(fleet, "1.1.0").replicationIn(WESTEUROPE)).isEqualTo(ReplicationState.REPLICATING);
    assertThat(release(fleet, "1.1.0").replicationIn(EASTUS)).isEqualTo(ReplicationState.COMPLETED);
    clock.advance(Duration.ofHours(2));
    assertThat(release(fleet, "1.1.0").replicationIn(WESTEUROPE)).isEqualTo(ReplicationState.COMPLETED);
  }

  @Test
  void replicationLag_orchestratedRolloutBeforeReplication_isRejectedWhenTheModelMoves(SimulatedFleet fleet) {
    ScaleSetId id = galleryFleet(fleet);
    fleet.faults().replicationLag(api("1.1.0"), "westeurope", Duration.ofHours(2));

    Rollout r = fleet.run(Rollout.builder(fleet, id).target("1.1.0").clock(fleet.clock()).build());

    // The engine does not check replication itself: the model update is rejected by the fleet, as by Azure.
    assertThat(r).faultedWith(ErrorCodes.OPERATION_REJECTED);
    assertThat(r.error().orElseThrow().message()).contains("GalleryImageNotFound",
        "is not available in westeurope region. Please contact image owner to replicate to this region");
    assertThat(fleet.get(id).modelImage()).isEqualTo(api("1.0.0"));
    // The rejection drops the batch's intents: its upgrade is never sent and its instances are pending again.
    assertThat(fleet.calls("upgradeInstances")).isZero();
    assertThat(r).hasProgress(0, 0, 0, 5);
    assertThat(fleet.get(id).instances()).allSatisfy(i -> assertThat(i.runs(ImageVersion.parse("1.0.0"))).isTrue());
  }

  @Test
  void replicationLag_orchestratedRolloutAfterReplication_completes(SimulatedFleet fleet, VirtualClock clock) {
    ScaleSetId id = galleryFleet(fleet);
    fleet.faults().replicationLag(api("1.1.0"), "westeurope", Duration.ofHours(2));
    clock.advance(Duration.ofHours(2));

    Rollout r = fleet.run(Rollout.builder(fleet, id).target("1.1.0").clock(fleet.clock()).build());

    assertThat(r).isCompleted().hasProgress(5, 0, 0, 0);
  }

  @Test
  void replicationFailure_inTheRegion_releaseIsNeverEligibleAndThePlatformNeverUpgrades(SimulatedFleet fleet,
      VirtualClock clock) {
    ScaleSetId id = fleet.add(ScaleSetSpec.named("api").instances(5).image(api("1.0.0"))
        .automaticOsUpgrade(AutomaticOsUpgradePolicy.enabled()));
    fleet.publish(ImageRelease.gallery(api("1.1.0"), clock.instant(),
        Map.of(EASTUS, ReplicationState.COMPLETED, WESTEUROPE, ReplicationState.REPLICATING)));
    fleet.faults().replicationFailure(api("1.1.0"), "westeurope", Duration.ofMinutes(40));

    clock.runUntilIdle();

    Eligibility e = ImageEligibility.check(release(fleet, "1.1.0"), fleet.get(id), clock.instant());
    assertThat(e.refusedBy(Eligibility.Code.REPLICATION_FAILED)).isTrue();
    assertThat(fleet.latestRollingUpgrade(id)).isEmpty();
    assertThat(fleet.log()).anySatisfy(l -> assertThat(l).contains("replication of " + api("1.1.0")
        + " to westeurope is Failed"));
  }

  @Test
  void replication_unknownRelease_rejected(SimulatedFleet fleet) {
    galleryFleet(fleet);

    assertThatThrownBy(() -> fleet.faults().replicationLag(api("9.9.9"), "westeurope", Duration.ofHours(1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("a published release");
    assertThatThrownBy(() -> fleet.updateModelImage(fleet.scaleSetIds().get(0), api("9.9.9")))
        .isInstanceOf(InvalidModelException.class);
  }
}
