package dev.osupgrade.azure.contract;

import dev.osupgrade.fleet.OrchestrationMode;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import dev.osupgrade.azure.emulator.ArmEmulator;
import dev.osupgrade.fleet.OrchestrationMode;
import dev.osupgrade.port.PlatformUpgradePort;
import dev.osupgrade.testkit.SimulatedFleet;
import dev.osupgrade.testkit.contract.PlatformUpgradePortContract;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The Azure adapter passes the PlatformUpgradePort contract for a Flexible scale set (its VMs read with the VM
 * API, its locks with the locks API), over the ARM emulator serving the contract's world.
 */
final class AzureFleetFlexiblePlatformUpgradePortContractTest extends PlatformUpgradePortContract {
  static final ArmEmulator EMULATOR = ArmEmulator.create().listPageSize(2);
  @RegisterExtension static final WireMockExtension ARM = EMULATOR.extension();

  @Override
  protected PlatformUpgradePort portOver(SimulatedFleet world) {
    return EMULATOR.connect(ARM, world);
  }

  @Override
  protected OrchestrationMode orchestration() {
    return OrchestrationMode.FLEXIBLE;
  }
}
