package dev.osupgrade.azure.contract;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import dev.osupgrade.azure.emulator.ArmEmulator;
import dev.osupgrade.port.ImageCatalog;
import dev.osupgrade.testkit.SimulatedFleet;
import dev.osupgrade.testkit.contract.ImageCatalogContract;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The Azure adapter passes the ImageCatalog contract, over the ARM emulator serving the contract's world. */
final class AzureFleetImageCatalogContractTest extends ImageCatalogContract {
  static final ArmEmulator EMULATOR = ArmEmulator.create().listPageSize(2);
  @RegisterExtension static final WireMockExtension ARM = EMULATOR.extension();

  @Override
  protected ImageCatalog catalogOver(SimulatedFleet world) {
    return EMULATOR.connect(ARM, world);
  }
}
