package dev.osupgrade.testkit.contract;

import dev.osupgrade.port.PlatformUpgradePort;
import dev.osupgrade.testkit.SimulatedFleet;

/** The simulator passes its own PlatformUpgradePort contract. */
final class SimulatedFleetPlatformUpgradePortContractTest extends PlatformUpgradePortContract {
  @Override
  protected PlatformUpgradePort portOver(SimulatedFleet world) {
    return world;
  }
}
