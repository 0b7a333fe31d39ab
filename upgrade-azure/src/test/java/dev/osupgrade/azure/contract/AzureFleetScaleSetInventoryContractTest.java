package dev.osupgrade.azure.contract;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import dev.osupgrade.azure.emulator.ArmEmulator;
import dev.osupgrade.port.ScaleSetInventory;
import dev.osupgrade.testkit.SimulatedFleet;
import dev.osupgrade.testkit.contract.ScaleSetInventoryContract;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The Azure adapter passes the inventory contract, over the ARM emulator serving the contract's world, with pages of
 * two scale sets so that every listing follows several {@code nextLink}s.
 */
final class AzureFleetScaleSetInventoryContractTest extends ScaleSetInventoryContract {
  static final ArmEmulator EMULATOR = ArmEmulator.create().listPageSize(2);
  @RegisterExtension static final WireMockExtension ARM = EMULATOR.extension();

  @Override
  protected ScaleSetInventory inventoryOver(SimulatedFleet world) {
    return EMULATOR.connect(ARM, world);
  }
}
