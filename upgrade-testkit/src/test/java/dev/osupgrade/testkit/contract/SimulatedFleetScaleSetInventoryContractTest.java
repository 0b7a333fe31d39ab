package dev.osupgrade.testkit.contract;

import dev.osupgrade.port.ScaleSetInventory;
import dev.osupgrade.testkit.SimulatedFleet;

/** The simulator passes its own inventory contract. */
final class SimulatedFleetScaleSetInventoryContractTest extends ScaleSetInventoryContract {
  @Override
  protected ScaleSetInventory inventoryOver(SimulatedFleet world) {
    return world;
  }
}
