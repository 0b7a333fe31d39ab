package dev.osupgrade.testkit;

import static dev.osupgrade.policy.Percent.percent;
import static dev.osupgrade.testkit.Images.V1;
import static dev.osupgrade.testkit.Images.V2;
import static dev.osupgrade.testkit.Images.ubuntu;
import static dev.osupgrade.testkit.OsUpgradeAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osupgrade.fleet.HealthState;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.ops.ErrorCodes;
import dev.osupgrade.policy.RollingUpgradePolicy;
import dev.osupgrade.rollout.Rollout;
import org.junit.jupiter.api.Test;

final class RolloutAssertTest {

  private static Rollout completed() {
    SimulatedFleet fleet = SimulatedFleet.create(3);
    ScaleSetId id = fleet.add(ScaleSetSpec.named("web").instances(10).image(ubuntu(V1)));
    fleet.publish(ubuntu(V2));
    return fleet.run(Rollout.builder(fleet, id).target(V2).clock(fleet.clock()).build());
  }

  @Test
  void assertions_onCompletedRollout_pass() {
    assertThat(completed()).isCompleted().hadBatches(5).neverExceededUnhealthy(percent(20)).hasProgress(10, 0, 0, 0);
  }

  @Test
  void isFaulted_onCompletedRollout_failsWithStatusAndEventLog() {
    assertThatThrownBy(() -> assertThat(completed()).isFaulted()).isInstanceOf(AssertionError.class)
        .hasMessageContaining("Expected rollout to be <FAULTED> but was <COMPLETED>")
        .hasMessageContaining("#0001");
  }

  @Test
  void hadBatches_wrongCount_failsWithBothCounts() {
    assertThatThrownBy(() -> assertThat(completed()).hadBatches(4)).isInstanceOf(AssertionError.class)
        .hasMessageContaining("started <4> batches but it started <5>");
  }

  @Test
  void neverExceededUnhealthy_batchStartedOverLimit_fails() {
    SimulatedFleet fleet = SimulatedFleet.create(3);
    ScaleSetId id = fleet.add(ScaleSetSpec.named("web").instances(10).image(ubuntu(V1)));
    fleet.publish(ubuntu(V2));
    fleet.setHealth(id, HealthState.UNHEALTHY, "7", "8", "9");
    Rollout r = fleet.run(Rollout.builder(fleet, id).target(V2).clock(fleet.clock())
        .policy(RollingUpgradePolicy.builder().maxUnhealthyInstancePercent(50).build()).build());

    assertThat(r).isCompleted().neverExceededUnhealthy(percent(50));
    assertThatThrownBy(() -> assertThat(r).neverExceededUnhealthy(percent(20)))
        .isInstanceOf(AssertionError.class).hasMessageContaining("batch 1 started with 3 of 10");
  }

  @Test
  void faultedWith_otherCode_failsNamingBoth() {
    SimulatedFleet fleet = SimulatedFleet.create(3);
    ScaleSetId id = fleet.add(ScaleSetSpec.named("web").instances(10).image(ubuntu(V1)));
    fleet.publish(ubuntu(V2));
    fleet.imageBehavior(V2, ImageBehavior.comesUpUnhealthy());
    Rollout r = fleet.run(Rollout.builder(fleet, id).target(V2).clock(fleet.clock()).build());

    assertThat(r).faultedWith(ErrorCodes.MAX_UNHEALTHY_UPGRADED);
    assertThatThrownBy(() -> assertThat(r).faultedWith(ErrorCodes.MAX_UNHEALTHY_BEFORE))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("<MaxUnhealthyInstancePercentExceededBeforeRollingUpgrade>")
        .hasMessageContaining("<MaxUnhealthyUpgradedInstancePercentExceededInRollingUpgrade>");
  }
}
