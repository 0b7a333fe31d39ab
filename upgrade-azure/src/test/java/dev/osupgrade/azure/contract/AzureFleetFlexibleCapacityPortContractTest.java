package dev.osupgrade.azure.contract;

import dev.osupgrade.fleet.OrchestrationMode;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import dev.osupgrade.azure.emulator.ArmEmulator;
import dev.osupgrade.fleet.OrchestrationMode;
import dev.osupgrade.port.CapacityPort;
import dev.osupgrade.testkit.SimulatedFleet;
import dev.osupgrade.testkit.contract.CapacityPortContract;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The Azure adapter passes the capacity contract for a Flexible scale set (its VMs read with the VM
 * API, its locks with the locks API), over the ARM emulator serving the contract's world.
 */
final class AzureFleetFlexibleCapacityPortContractTest extends CapacityPortContract {
  static final ArmEmulator EMULATOR = ArmEmulator.create().vmPageSize(3);
  @RegisterExtension static final WireMockExtension ARM = EMULATOR.extension();

  @Override
  protected CapacityPort portOver(SimulatedFleet world) {
    return EMULATOR.connect(ARM, world);
  }

  @Override
  protected OrchestrationMode orchestration() {
    return OrchestrationMode.FLEXIBLE;
  }
}
