package dev.osupgrade.testkit.contract;

import dev.osupgrade.fleet.OrchestrationMode;
import dev.osupgrade.port.ScaleSetPort;
import dev.osupgrade.testkit.SimulatedFleet;

/** The simulator passes its own ScaleSetPort contract for a Flexible scale set. */
final class SimulatedFleetFlexibleScaleSetPortContractTest extends ScaleSetPortContract {
  @Override
  protected ScaleSetPort portOver(SimulatedFleet world) {
    return world;
  }

  @Override
  protected OrchestrationMode orchestration() {
    return OrchestrationMode.FLEXIBLE;
  }
}
