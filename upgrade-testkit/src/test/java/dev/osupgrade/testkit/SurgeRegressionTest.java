package dev.osupgrade.testkit;

import static dev.osupgrade.testkit.Images.V1;
import static dev.osupgrade.testkit.Images.V2;
import static dev.osupgrade.testkit.Images.ubuntu;
import static org.assertj.core.api.Assertions.assertThat;

import dev.osupgrade.event.GateEvaluated;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.policy.RollingUpgradePolicy;
import dev.osupgrade.rollout.Rollout;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.extension.RegisterExtension;

final class SurgeRegressionTest {
  @RegisterExtension static final SimulatorExtension SIM = SimulatorExtension.withSeed(21);

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void surge_flappingImage_upgradedUnhealthyBudgetCountsTheNewInstances(boolean surge, SimulatedFleet fleet,
      VirtualClock clock) {
    ScaleSetId id = fleet.add(ScaleSetSpec.named("web").instances(10).image(ubuntu(V1)));
    fleet.publish(ubuntu(V2));
    fleet.imageBehavior(V2, ImageBehavior.flapping(Duration.ofMinutes(7)));
    RollingUpgradePolicy p = RollingUpgradePolicy.builder().maxSurge(surge).build();
    Rollout r = fleet.run(Rollout.builder(fleet, id).target(V2).clock(clock).policy(p).build());
    // In place or with surge, instances that go unhealthy after their batch count against the upgraded budget.
    assertThat(r.error().orElseThrow().code()).as(r.eventLog())
        .isEqualTo(dev.osupgrade.ops.ErrorCodes.MAX_UNHEALTHY_UPGRADED);
  }
}
