package dev.osupgrade.testkit;

import static dev.osupgrade.testkit.Images.V1;
import static dev.osupgrade.testkit.Images.V2;
import static dev.osupgrade.testkit.Images.ubuntu;
import static dev.osupgrade.testkit.OsUpgradeAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osupgrade.fleet.HealthState;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.ProvisioningState;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.policy.AutomaticOsUpgradePolicy;
import dev.osupgrade.port.CloudException;
import dev.osupgrade.port.ConflictException;
import dev.osupgrade.rollout.Rollout;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The simulated fleet as a {@link dev.osupgrade.port.CapacityPort}: quota, scale-out, deletion, their faults. */
final class CapacityTest {
  @RegisterExtension static final SimulatorExtension SIM = SimulatorExtension.withSeed(3);

  private static ScaleSetId zonal(SimulatedFleet fleet) {
    return fleet.add(ScaleSetSpec.named("web").instances(10).zones(3).image(ubuntu(V1)));
  }

  private static Instance instance(SimulatedFleet fleet, ScaleSetId id, String instanceId) {
    return fleet.get(id).instance(instanceId).orElseThrow();
  }

  @Test
  void headroom_byDefault_isTheThousandInstanceLimitLessTheInstances(SimulatedFleet fleet) {
    ScaleSetId id = zonal(fleet);

    assertThat(fleet.headroom(id)).isEqualTo(990);
  }

  @Test
  void scaleOut_zonalSet_fillsTheLeastPopulatedZonesWithNewIdsThroughTheBootTimeline(SimulatedFleet fleet,
      VirtualClock clock) {
    ScaleSetId id = zonal(fleet);

    List<String> created = fleet.scaleOut(id, 4);

    // Zone 1 holds 4 instances, zones 2 and 3 hold 3: the first two go to 2 and 3, then 1, then 2 again.
    assertThat(created).containsExactly("10", "11", "12", "13");
    assertThat(created.stream().map(i -> instance(fleet, id, i).zone().name()).toList())
        .containsExactly("2", "3", "1", "2");
    assertThat(instance(fleet, id, "10").provisioningState()).isEqualTo(ProvisioningState.CREATING);
    assertThat(instance(fleet, id, "10").health()).isEqualTo(HealthState.INITIALIZING);
    assertThat(fleet.headroom(id)).isEqualTo(986);

    clock.advance(fleet.profile().slowestUpgrade());

    for (String i : created) {
      Instance created1 = instance(fleet, id, i);
      assertThat(created1.provisioningState()).isEqualTo(ProvisioningState.SUCCEEDED);
      assertThat(created1.health()).isEqualTo(HealthState.HEALTHY);
      assertThat(created1.runs(V1)).isTrue();
      assertThat(created1.latestModelApplied()).isTrue();
      assertThat(fleet.reimageCount(id, i)).as("creation is not a reimage").isZero();
    }
  }

  @Test
  void scaleOut_modelFollowsLatest_newInstancesTakeTheNewestAvailableVersion(SimulatedFleet fleet,
      VirtualClock clock) {
    ScaleSetId id = fleet.add(ScaleSetSpec.named("web").instances(3).image(ubuntu(V1))
        .automaticOsUpgrade(AutomaticOsUpgradePolicy.enabled()));
    fleet.publish(ubuntu(V2));

    String created = fleet.scaleOut(id, 1).get(0);
    clock.advance(fleet.profile().slowestUpgrade());

    assertThat(instance(fleet, id, created).runs(V2)).isTrue();
    assertThat(instance(fleet, id, "0").runs(V1)).isTrue();
  }

  @Test
  void scaleOut_beyondTheQuota_failsWithQuotaExceededAndCreatesNothing(SimulatedFleet fleet) {
    ScaleSetId id = zonal(fleet);
    fleet.faults().quota(id, 12);

    assertThat(fleet.headroom(id)).isEqualTo(2);
    assertThatThrownBy(() -> fleet.scaleOut(id, 3)).isInstanceOf(ConflictException.class)
        .hasMessageContaining("Current Limit: 12 instances, Current Usage: 10, Additional Required: 3")
        .satisfies(e -> assertThat(((ConflictException) e).code()).isEqualTo("QuotaExceeded"));
    assertThat(fleet.get(id).instanceCount()).isEqualTo(10);
    assertThat(fleet.scaleOut(id, 2)).containsExactly("10", "11");
    assertThat(fleet.headroom(id)).isZero();
  }

  @Test
  void scaleOut_scriptedAllocationFailure_failsWithAllocationFailedThenSucceeds(SimulatedFleet fleet) {
    ScaleSetId id = zonal(fleet);
    fleet.faults().scaleOutAllocationFailure(id, 1);

    assertThatThrownBy(() -> fleet.scaleOut(id, 2)).isInstanceOf(CloudException.class)
        .hasMessageStartingWith("Allocation failed. We do not have sufficient capacity")
        .satisfies(e -> {
          assertThat(((CloudException) e).code()).isEqualTo("AllocationFailed");
          assertThat(((CloudException) e).isRetryable()).isFalse();
        });
    assertThat(fleet.get(id).instanceCount()).isEqualTo(10);
    assertThat(fleet.scaleOut(id, 2)).containsExactly("10", "11");
  }

  @Test
  void deleteInstances_missingIdsAreFine_andIdsAreNeverReused(SimulatedFleet fleet) {
    ScaleSetId id = zonal(fleet);
    fleet.scaleOut(id, 1);

    fleet.deleteInstances(id, List.of("10", "3", "42"));
    fleet.deleteInstances(id, List.of("10"));

    assertThat(fleet.get(id).instance("3")).isEmpty();
    assertThat(fleet.get(id).instanceCount()).isEqualTo(9);
    assertThat(fleet.scaleOut(id, 1)).containsExactly("11");
    assertThat(fleet.log()).anySatisfy(l -> assertThat(l).contains("instance 42 already gone"));
  }

  @Test
  void deleteInstances_pendingInstanceDuringRollout_rolloutCompletesWithoutIt(SimulatedFleet fleet,
      VirtualClock clock) {
    ScaleSetId id = fleet.add(ScaleSetSpec.named("web").instances(10).image(ubuntu(V1)));
    fleet.publish(ubuntu(V2));
    clock.schedule(Duration.ofMinutes(3), () -> fleet.deleteInstances(id, List.of("9")));

    Rollout r = fleet.run(Rollout.builder(fleet, id).target(V2).clock(clock).build());

    assertThat(r).isCompleted().hasProgress(9, 0, 0, 0);
    assertThat(fleet.get(id).instances()).hasSize(9).allSatisfy(i -> assertThat(i.runs(V2)).isTrue());
  }
}
