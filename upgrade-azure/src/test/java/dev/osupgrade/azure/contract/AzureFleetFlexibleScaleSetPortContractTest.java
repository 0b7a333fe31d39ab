package dev.osupgrade.azure.contract;

import dev.osupgrade.fleet.OrchestrationMode;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import dev.osupgrade.azure.emulator.ArmEmulator;
import dev.osupgrade.fleet.OrchestrationMode;
import dev.osupgrade.port.ScaleSetPort;
import dev.osupgrade.testkit.SimulatedFleet;
import dev.osupgrade.testkit.contract.ScaleSetPortContract;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The Azure adapter passes the scale-set contract for a Flexible scale set (its VMs read with the VM
 * API, its locks with the locks API), over the ARM emulator serving the contract's world.
 */
final class AzureFleetFlexibleScaleSetPortContractTest extends ScaleSetPortContract {
  static final ArmEmulator EMULATOR = ArmEmulator.create().vmPageSize(4);
  @RegisterExtension static final WireMockExtension ARM = EMULATOR.extension();

  @Override
  protected ScaleSetPort portOver(SimulatedFleet world) {
    return EMULATOR.connect(ARM, world);
  }

  @Override
  protected OrchestrationMode orchestration() {
    return OrchestrationMode.FLEXIBLE;
  }
}
