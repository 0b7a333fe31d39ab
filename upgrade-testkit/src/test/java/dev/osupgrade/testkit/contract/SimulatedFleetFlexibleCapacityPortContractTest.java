package dev.osupgrade.testkit.contract;

import dev.osupgrade.fleet.OrchestrationMode;
import dev.osupgrade.port.CapacityPort;
import dev.osupgrade.testkit.SimulatedFleet;

/** The simulator passes its own CapacityPort contract for a Flexible scale set. */
final class SimulatedFleetFlexibleCapacityPortContractTest extends CapacityPortContract {
  @Override
  protected CapacityPort portOver(SimulatedFleet world) {
    return world;
  }

  @Override
  protected OrchestrationMode orchestration() {
    return OrchestrationMode.FLEXIBLE;
  }
}
