package dev.osupgrade.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.port.ResourceNotFoundException;
import org.junit.jupiter.api.Test;

final class PeekTest {
  @Test
  void peek_throttledFleet_readsWithoutCountingOrFaults() {
    SimulatedFleet fleet = SimulatedFleet.create(3);
    ScaleSetId web = fleet.add(ScaleSetSpec.named("web").instances(3).image(Images.ubuntu(Images.V1)));
    fleet.faults().throttle("get", 5);

    assertThat(fleet.peek(web).instances()).hasSize(3);
    assertThat(fleet.peek(web)).isEqualTo(fleet.peek(web));
    assertThat(fleet.calls("get")).isZero();
    assertThat(fleet.faults().rejectedCalls("get")).isZero();
  }

  @Test
  void peek_unknownScaleSet_resourceNotFound() {
    SimulatedFleet fleet = SimulatedFleet.create(3);

    assertThatThrownBy(() -> fleet.peek(ScaleSetId.of("rg", "nope"))).isInstanceOf(ResourceNotFoundException.class);
  }
}
