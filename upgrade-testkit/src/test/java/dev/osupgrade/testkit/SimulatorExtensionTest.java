package dev.osupgrade.testkit;

import static dev.osupgrade.testkit.Images.V1;
import static dev.osupgrade.testkit.Images.V2;
import static dev.osupgrade.testkit.Images.ubuntu;
import static org.assertj.core.api.Assertions.assertThat;

import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.rollout.Rollout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

final class SimulatorExtensionTest {
  @RegisterExtension static final SimulatorExtension SIM = SimulatorExtension.withSeed(99);

  @Test
  void parameters_fleetAndClock_areInjectedAndShareTheClock(SimulatedFleet fleet, VirtualClock clock) {
    assertThat(fleet.seed()).isEqualTo(99);
    assertThat(fleet.clock()).isSameAs(clock);
    assertThat(clock.instant()).isEqualTo(VirtualClock.DEFAULT_START);
  }

  @Test
  @Seed(5)
  void seedAnnotation_onMethod_overridesExtensionSeed(SimulatedFleet fleet) {
    assertThat(fleet.seed()).isEqualTo(5);
  }

  @Test
  void report_afterRollout_containsSeedEventLogAndFleetLog(SimulatedFleet fleet) {
    ScaleSetId id = fleet.add(ScaleSetSpec.named("web").instances(3).image(ubuntu(V1)));
    fleet.publish(ubuntu(V2));
    fleet.run(Rollout.builder(fleet, id).target(V2).clock(fleet.clock()).build());

    String report = SimulatorExtension.report("some test", fleet);

    assertThat(report).contains("seed 99", "@Seed(99L)", "COMPLETED", "fleet log:", "instance 2 runs " + V2);
  }
}
