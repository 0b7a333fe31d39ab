package dev.osupgrade.testkit;

import static dev.osupgrade.testkit.Images.V1;
import static dev.osupgrade.testkit.Images.V2;
import static dev.osupgrade.testkit.Images.ubuntu;
import static dev.osupgrade.testkit.OsUpgradeAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import dev.osupgrade.event.InstanceReplaced;
import dev.osupgrade.event.RolloutStalled;
import dev.osupgrade.event.SurgeFallback;
import dev.osupgrade.event.SurgeInstancesCreated;
import dev.osupgrade.fleet.HealthState;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.ops.ErrorCodes;
import dev.osupgrade.policy.RollingUpgradePolicy;
import dev.osupgrade.rollout.Rollout;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** maxSurge: new instances per batch, old ones deleted once the new are healthy; in-place when there is no room. */
final class SurgeTest {
  @RegisterExtension static final SimulatorExtension SIM = SimulatorExtension.withSeed(31);

  private static final RollingUpgradePolicy SURGE = RollingUpgradePolicy.builder().maxSurge(true).build();

  private static ScaleSetId web(SimulatedFleet fleet) {
    ScaleSetId id = fleet.add(ScaleSetSpec.named("web").instances(10).image(ubuntu(V1)));
    fleet.publish(ubuntu(V2));
    return id;
  }

  @Test
  void surge_enoughQuota_replacesEveryInstanceAndNeverDropsBelowFullCapacity(SimulatedFleet fleet,
      VirtualClock clock) {
    ScaleSetId id = web(fleet);
    int[] lowestHealthy = {Integer.MAX_VALUE};
    int[] highest = {0};
    Runnable sample = () -> {
      List<Instance> now = fleet.get(id).instances();
      lowestHealthy[0] = Math.min(lowestHealthy[0],
          (int) now.stream().filter(i -> i.health() == HealthState.HEALTHY).count());
      highest[0] = Math.max(highest[0], now.size());
    };
    for (int m = 0; m < 240; m++) {
      clock.schedule(Duration.ofSeconds(15L * m), sample);
    }

    Rollout r = fleet.run(Rollout.builder(fleet, id).target(V2).clock(clock).policy(SURGE).build());

    assertThat(r).isCompleted().hadBatches(5).hasProgress(10, 0, 0, 0).emitted(SurgeInstancesCreated.class)
        .emitted(InstanceReplaced.class).neverEmitted(SurgeFallback.class);
    List<Instance> after = fleet.get(id).instances();
    assertThat(after).hasSize(10).allSatisfy(i -> assertThat(i.runs(V2)).isTrue());
    assertThat(after).extracting(Instance::instanceId).doesNotContainAnyElementsOf(
        List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"));
    assertThat(lowestHealthy[0]).as("healthy instances never below the original 10").isEqualTo(10);
    assertThat(highest[0]).as("at most one batch of surge instances at a time").isEqualTo(12);
    assertThat(fleet.calls("upgradeInstances")).isZero();
  }

  @Test
  void surge_noQuotaHeadroom_fallsBackToInPlaceAndSaysSo(SimulatedFleet fleet) {
    ScaleSetId id = web(fleet);
    fleet.faults().quota(id, 11);

    Rollout r = fleet.run(Rollout.builder(fleet, id).target(V2).clock(fleet.clock()).policy(SURGE).build());

    assertThat(r).isCompleted().hadBatches(5).emitted(SurgeFallback.class).neverEmitted(SurgeInstancesCreated.class);
    SurgeFallback fallback = (SurgeFallback) r.events().stream().filter(SurgeFallback.class::isInstance).findFirst()
        .orElseThrow();
    assertThat(fallback.toString()).contains("room for 1 new instances, 2 needed");
    assertThat(fleet.calls("upgradeInstances")).isEqualTo(5);
    assertThat(fleet.get(id).instances()).hasSize(10).allSatisfy(i -> assertThat(i.runs(V2)).isTrue());
  }

  @Test
  void surge_scaleOutAllocationFailure_batchUpgradedInPlaceInstead(SimulatedFleet fleet) {
    ScaleSetId id = web(fleet);
    fleet.faults().scaleOutAllocationFailure(id, 1);

    Rollout r = fleet.run(Rollout.builder(fleet, id).target(V2).clock(fleet.clock()).policy(SURGE).build());

    assertThat(r).isCompleted().hasProgress(10, 0, 0, 0);
    SurgeFallback fallback = (SurgeFallback) r.events().stream().filter(SurgeFallback.class::isInstance).findFirst()
        .orElseThrow();
    assertThat(fallback.toString()).contains("AllocationFailed");
    assertThat(fleet.calls("upgradeInstances")).isEqualTo(1);
    assertThat(fleet.get(id).instances()).hasSize(10).allSatisfy(i -> assertThat(i.runs(V2)).isTrue());
  }

  @Test
  void surge_scaleOutForbidden_stallsAndSurgesOnceAllowedInsteadOfUpgradingInPlace(SimulatedFleet fleet) {
    ScaleSetId id = web(fleet);
    // a lost role assignment: the identity may not scale out (for 2 calls); that is no reason to upgrade in place
    fleet.faults().cloudError(PortOperation.SCALE_OUT, 2, 403, "AuthorizationFailed",
        "The client does not have authorization to perform action 'Microsoft.Compute/virtualMachineScaleSets/write'");

    Rollout r = fleet.run(Rollout.builder(fleet, id).target(V2).clock(fleet.clock()).policy(SURGE).build());

    assertThat(r).isCompleted().emitted(RolloutStalled.class).emitted(SurgeInstancesCreated.class)
        .neverEmitted(SurgeFallback.class);
    List<String> stalls = r.events().stream().filter(RolloutStalled.class::isInstance).map(Object::toString).toList();
    assertThat(stalls).isNotEmpty().allSatisfy(line -> assertThat(line).contains("AuthorizationFailed"));
    // by the fleet: no instance was reimaged in place; every one was replaced by a new instance on the target
    assertThat(fleet.calls(PortOperation.UPGRADE_INSTANCES)).isZero();
    assertThat(fleet.calls(PortOperation.SCALE_OUT)).isGreaterThanOrEqualTo(3);
    assertThat(fleet.get(id).instances()).hasSize(10).allSatisfy(i -> assertThat(i.runs(V2)).isTrue());
  }

  @Test
  void surge_scaleOutRejectedAsAsked_batchUpgradedInPlaceInstead(SimulatedFleet fleet) {
    ScaleSetId id = web(fleet);
    fleet.faults().cloudError(PortOperation.SCALE_OUT, 1, 400, "InvalidParameter",
        "The requested capacity exceeds the maximum number of VMs this scale set allows.");

    Rollout r = fleet.run(Rollout.builder(fleet, id).target(V2).clock(fleet.clock()).policy(SURGE).build());

    assertThat(r).isCompleted().hasProgress(10, 0, 0, 0).emitted(SurgeFallback.class).neverEmitted(
        RolloutStalled.class);
    assertThat(fleet.calls(PortOperation.UPGRADE_INSTANCES)).isEqualTo(1);
    assertThat(fleet.get(id).instances()).hasSize(10).allSatisfy(i -> assertThat(i.runs(V2)).isTrue());
  }

  @Test
  void surge_badImage_deletesTheNewInstancesAndKeepsTheOldOnesUntouched(SimulatedFleet fleet) {
    ScaleSetId id = web(fleet);
    fleet.imageBehavior(V2, ImageBehavior.comesUpUnhealthy());

    Rollout r = fleet.run(Rollout.builder(fleet, id).target(V2).clock(fleet.clock()).policy(SURGE).build());

    assertThat(r).faultedWith(ErrorCodes.MAX_UNHEALTHY_UPGRADED).hadBatches(1).hasProgress(0, 2, 0, 8)
        .neverEmitted(InstanceReplaced.class);
    assertThat(fleet.get(id).instances()).hasSize(10).allSatisfy(i -> assertThat(i.runs(V1)).isTrue());
    assertThat(fleet.reimageCount(id, "0")).as("the old instance was never touched").isZero();
  }
}
