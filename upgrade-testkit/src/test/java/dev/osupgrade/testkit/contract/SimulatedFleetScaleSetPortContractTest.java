package dev.osupgrade.testkit.contract;

import dev.osupgrade.port.ScaleSetPort;
import dev.osupgrade.testkit.SimulatedFleet;

/** The simulator passes its own scale-set contract. */
final class SimulatedFleetScaleSetPortContractTest extends ScaleSetPortContract {
  @Override
  protected ScaleSetPort portOver(SimulatedFleet world) {
    return world;
  }
}
