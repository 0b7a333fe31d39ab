package dev.osupgrade.azure;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.patch;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import dev.osupgrade.azure.emulator.ArmEmulator;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.image.ImageRelease;
import dev.osupgrade.image.ImageVersion;
import dev.osupgrade.testkit.ScaleSetSpec;
import dev.osupgrade.testkit.SimulatedFleet;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

// A rollback against the ARM emulator, checked against the simulator's own state: the instance runs the previous
// image and the model is back on the target, also when ARM answers one PATCH with 412 or loses one PATCH's answer.
final class AzureFleetRollbackOverEmulatorTest {
  private static final ArmEmulator EMULATOR = ArmEmulator.create();
  @RegisterExtension static final WireMockExtension ARM = EMULATOR.extension();

  private static final ImageReference.Marketplace UBUNTU =
      ImageReference.marketplace("Canonical", "0001-com-ubuntu-server-jammy", "22_04-lts-gen2", "latest");
  private static final ImageReference V1 = UBUNTU.withVersion(ImageVersion.parse("22.04.202407010"));
  private static final ImageReference V2 = UBUNTU.withVersion(ImageVersion.parse("22.04.202410010"));

  private final SimulatedFleet world = SimulatedFleet.create(21);
  private ScaleSetId web;

  /** Four instances on V1, the model on V2 and instance 0 upgraded to it: the state a rollout rolls back from. */
  private AzureFleet upgradedOne() {
    web = world.add(ScaleSetSpec.named("web").instances(4).image(V1));
    world.publish(ImageRelease.marketplace(V2, world.clock().instant().minus(Duration.ofDays(1))));
    AzureFleet azure = EMULATOR.connect(ARM, world);
    world.updateModelImage(web, V2);
    world.upgradeInstances(web, List.of("0"));
    world.clock().advance(Duration.ofMinutes(30));
    assertThat(world.peek(web).instances().get(0).image()).isEqualTo(V2);
    return azure;
  }

  private static long patches() {
    return ArmJournal.changes(ARM).stream().filter(r -> r.startsWith("PATCH")).count();
  }

  private static String faultState() {
    return ARM.getAllScenarios().getScenarios().stream().filter(s -> s.getName().equals("fault")).findFirst()
        .orElseThrow().getState();
  }

  private void assertRolledBack() {
    assertThat(world.peek(web).modelImage()).isEqualTo(V2);
    assertThat(world.peek(web).instances()).extracting(Instance::image).containsExactly(V1, V1, V1, V1);
  }

  @Test
  void rollBack_faultFree_instanceOnThePreviousImageAndModelBackOnTheTarget() {
    AzureFleet azure = upgradedOne();

    azure.rollBackInstances(web, List.of("0"), V1);

    assertRolledBack();
    assertThat(patches()).isEqualTo(2);
  }

  @Test
  void rollBack_restorePatchAnswered412Once_reReadsAndTheModelIsBackOnTheTarget() {
    AzureFleet azure = upgradedOne();
    ARM.stubFor(patch(urlPathMatching(".*/virtualMachineScaleSets/web")).atPriority(1)
        .withRequestBody(containing("22.04.202410010")).inScenario("fault").whenScenarioStateIs(Scenario.STARTED)
        .willReturn(aResponse().withStatus(412).withHeader("Content-Type", "application/json")
            .withBody(ArmJournal.error("PreconditionFailed", "The specified precondition 'If-Match' failed.")))
        .willSetStateTo("spent"));

    azure.rollBackInstances(web, List.of("0"), V1);

    assertRolledBack();
    assertThat(faultState()).isEqualTo("spent");
    assertThat(patches()).as("move, restore answered 412, restore again").isEqualTo(3);
  }

  @Test
  void rollBack_firstPatchConnectionReset_reconciledFromAFreshReadAndFinished() {
    AzureFleet azure = upgradedOne();
    // the reset happens before the emulator sees the request: nothing applied, and a fresh read says so
    ARM.stubFor(patch(urlPathMatching(".*/virtualMachineScaleSets/web")).atPriority(1)
        .withRequestBody(containing("22.04.202407010")).inScenario("fault").whenScenarioStateIs(Scenario.STARTED)
        .willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)).willSetStateTo("spent"));

    azure.rollBackInstances(web, List.of("0"), V1);

    assertRolledBack();
    assertThat(faultState()).isEqualTo("spent");
    assertThat(patches()).as("move reset, move again after the read, restore").isEqualTo(3);
  }
}
