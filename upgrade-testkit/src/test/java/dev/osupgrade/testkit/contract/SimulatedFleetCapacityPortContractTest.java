package dev.osupgrade.testkit.contract;

import dev.osupgrade.port.CapacityPort;
import dev.osupgrade.testkit.SimulatedFleet;

/** The simulator passes its own capacity contract. */
final class SimulatedFleetCapacityPortContractTest extends CapacityPortContract {
  @Override
  protected CapacityPort portOver(SimulatedFleet world) {
    return world;
  }
}
