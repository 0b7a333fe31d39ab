package dev.osupgrade.azure.contract;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import dev.osupgrade.azure.emulator.ArmEmulator;
import dev.osupgrade.port.PlatformUpgradePort;
import dev.osupgrade.testkit.SimulatedFleet;
import dev.osupgrade.testkit.contract.PlatformUpgradePortContract;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The Azure adapter passes the PlatformUpgradePort contract, over the ARM emulator serving the contract's world. */
final class AzureFleetPlatformUpgradePortContractTest extends PlatformUpgradePortContract {
  static final ArmEmulator EMULATOR = ArmEmulator.create().listPageSize(2);
  @RegisterExtension static final WireMockExtension ARM = EMULATOR.extension();

  @Override
  protected PlatformUpgradePort portOver(SimulatedFleet world) {
    return EMULATOR.connect(ARM, world);
  }
}
