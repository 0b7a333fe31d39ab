package dev.osupgrade.testkit.contract;

import dev.osupgrade.port.ImageCatalog;
import dev.osupgrade.testkit.SimulatedFleet;

/** The simulator passes its own ImageCatalog contract. */
final class SimulatedFleetImageCatalogContractTest extends ImageCatalogContract {
  @Override
  protected ImageCatalog catalogOver(SimulatedFleet world) {
    return world;
  }
}
