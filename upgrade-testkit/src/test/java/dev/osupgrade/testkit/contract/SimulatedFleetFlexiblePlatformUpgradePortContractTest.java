package dev.osupgrade.testkit.contract;

import dev.osupgrade.fleet.OrchestrationMode;
import dev.osupgrade.port.PlatformUpgradePort;
import dev.osupgrade.testkit.SimulatedFleet;

/** The simulator passes its own PlatformUpgradePort contract for a Flexible scale set. */
final class SimulatedFleetFlexiblePlatformUpgradePortContractTest extends PlatformUpgradePortContract {
  @Override
  protected PlatformUpgradePort portOver(SimulatedFleet world) {
    return world;
  }

  @Override
  protected OrchestrationMode orchestration() {
    return OrchestrationMode.FLEXIBLE;
  }
}
