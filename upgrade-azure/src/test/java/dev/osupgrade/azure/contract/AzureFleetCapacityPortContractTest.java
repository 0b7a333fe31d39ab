package dev.osupgrade.azure.contract;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import dev.osupgrade.azure.emulator.ArmEmulator;
import dev.osupgrade.port.CapacityPort;
import dev.osupgrade.testkit.SimulatedFleet;
import dev.osupgrade.testkit.contract.CapacityPortContract;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The Azure adapter passes the capacity contract, over the ARM emulator serving the contract's world. */
final class AzureFleetCapacityPortContractTest extends CapacityPortContract {
  static final ArmEmulator EMULATOR = ArmEmulator.create().vmPageSize(3);
  @RegisterExtension static final WireMockExtension ARM = EMULATOR.extension();

  @Override
  protected CapacityPort portOver(SimulatedFleet world) {
    return EMULATOR.connect(ARM, world);
  }
}
