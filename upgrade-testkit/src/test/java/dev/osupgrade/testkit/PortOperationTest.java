package dev.osupgrade.testkit;

import static dev.osupgrade.testkit.Images.V1;
import static dev.osupgrade.testkit.Images.V2;
import static dev.osupgrade.testkit.Images.ubuntu;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osupgrade.InvalidValueException;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.ops.RolloutStatus;
import dev.osupgrade.rollout.Rollout;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

final class PortOperationTest {

  @Test
  void methodName_everyOperation_isAMethodFaultsAccept() {
    assertThat(Arrays.stream(PortOperation.values()).map(PortOperation::methodName))
        .containsExactlyInAnyOrderElementsOf(Faults.METHODS);
    assertThat(PortOperation.of("listInstances")).isEqualTo(PortOperation.LIST_INSTANCES);
    assertThatThrownBy(() -> PortOperation.of("listinstances")).isInstanceOf(InvalidValueException.class)
        .hasMessageContaining("methodName");
  }

  @Test
  void faults_typedOperation_rejectTheCallsAndCountThemByOperation() {
    SimulatedFleet fleet = SimulatedFleet.create(3);
    ScaleSetId id = fleet.add(ScaleSetSpec.named("web").instances(4).image(ubuntu(V1)));
    fleet.publish(ubuntu(V2));
    fleet.faults().throttle(PortOperation.UPGRADE_INSTANCES, 2).serverErrors(PortOperation.LIST_INSTANCES, 1, 503);

    Rollout r = fleet.run(Rollout.builder(fleet, id).target(V2).clock(fleet.clock()).build());

    assertThat(r.status()).isEqualTo(RolloutStatus.COMPLETED);
    assertThat(fleet.faults().rejectedCalls(PortOperation.UPGRADE_INSTANCES)).isEqualTo(2);
    assertThat(fleet.faults().rejectedCalls(PortOperation.LIST_INSTANCES)).isEqualTo(1);
    FleetRecord record = fleet.record(id);
    assertThat(record.calls(PortOperation.UPGRADE_INSTANCES)).filteredOn(c -> !c.accepted()).hasSize(2)
        .allSatisfy(c -> assertThat(c.operation()).isEqualTo(PortOperation.UPGRADE_INSTANCES));
    assertThat(fleet.calls(PortOperation.UPGRADE_INSTANCES)).isEqualTo(fleet.calls("upgradeInstances"))
        .isEqualTo(record.calls(PortOperation.UPGRADE_INSTANCES).size());
  }
}
