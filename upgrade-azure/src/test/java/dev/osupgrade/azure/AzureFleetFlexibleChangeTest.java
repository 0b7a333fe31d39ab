package dev.osupgrade.azure;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.exactly;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static dev.osupgrade.azure.ArmServer.SUBSCRIPTION;
import static dev.osupgrade.azure.ArmServer.body;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.ResourceLock;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.port.ConflictException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Changing a Flexible scale set's instances: the scale set's own calls ({@code manualupgrade}, {@code delete}), with
 * the VMs named by their names (Azure: "The instanceIds parameter refers to the ID of the instance if using Uniform
 * Orchestration and the instance name if using Flexible Orchestration"), shaped like Microsoft's
 * {@code VirtualMachineScaleSet_UpdateInstances} example; and a refusal because of a resource lock.
 */
final class AzureFleetFlexibleChangeTest {
  @RegisterExtension static final WireMockExtension arm = ArmServer.extension();

  private static final ScaleSetId FLEX = ScaleSetId.of(SUBSCRIPTION, "rg", "flex");
  private static final String VMS = "/subscriptions/" + SUBSCRIPTION
      + "/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines";
  private static final String LOCKS = "/subscriptions/" + SUBSCRIPTION
      + "/resourceGroups/rg/providers/Microsoft.Authorization/locks";

  private final AzureFleet fleet = ArmServer.fleet(arm);

  /** The model and one page of VMs (our page 1 with its nextLink dropped), and the locks. */
  private void stubReads() {
    arm.stubFor(get(urlPathEqualTo(FLEX.armId())).willReturn(okJson(body("vmss-flex.json"))));
    arm.stubFor(get(urlPathEqualTo(VMS)).willReturn(okJson(ArmServer.page("vmss-flex-vms-page1.json", arm, null))));
    arm.stubFor(get(urlPathEqualTo(LOCKS)).willReturn(okJson(body("locks-flex.json"))));
  }

  @Test
  void upgradeInstances_flexible_oneManualUpgradeNamingTheVms() {
    arm.stubFor(post(urlPathEqualTo(FLEX.armId() + "/manualupgrade")).willReturn(aResponse().withStatus(200)));

    fleet.upgradeInstances(FLEX, List.of("flex_1a2b3c4d", "flex_9c0d1e2f", "flex_1a2b3c4d"));

    arm.verify(exactly(1), postRequestedFor(urlPathEqualTo(FLEX.armId() + "/manualupgrade"))
        .withRequestBody(equalToJson("{\"instanceIds\": [\"flex_1a2b3c4d\", \"flex_9c0d1e2f\"]}")));
    arm.verify(exactly(1), anyRequestedFor(anyUrl()));
  }

  @Test
  void upgradeInstances_scopeLocked_conflictNotRetriedAndTheNextListingReadsTheLocksAgain() {
    stubReads();
    fleet.get(FLEX);
    arm.stubFor(post(urlPathEqualTo(FLEX.armId() + "/manualupgrade")).willReturn(aResponse().withStatus(409)
        .withHeader("Content-Type", "application/json").withBody("{\"error\": {\"code\": \"ScopeLocked\", "
            + "\"message\": \"The scope '" + VMS + "/flex_5e6f7a8b' cannot perform write operation because "
            + "following scope(s) are locked: '" + VMS + "/flex_5e6f7a8b'. Please remove the lock and try "
            + "again.\"}}")));
    arm.resetRequests();
    fleet.listInstances(FLEX);
    arm.verify(exactly(0), getRequestedFor(urlPathEqualTo(LOCKS)));

    assertThatThrownBy(() -> fleet.upgradeInstances(FLEX, List.of("flex_5e6f7a8b")))
        .isInstanceOfSatisfying(ConflictException.class, e -> {
          assertThat(e.httpStatus()).isEqualTo(409);
          assertThat(e.code()).isEqualTo("ScopeLocked");
        });
    fleet.listInstances(FLEX);

    arm.verify(exactly(1), postRequestedFor(urlPathEqualTo(FLEX.armId() + "/manualupgrade")));
    arm.verify(exactly(1), getRequestedFor(urlPathEqualTo(LOCKS)));
  }

  @Test
  void deleteInstances_flexible_listsTheVmsThenOneDeleteOfThosePresentByName() {
    stubReads();
    fleet.get(FLEX);
    arm.stubFor(post(urlPathEqualTo(FLEX.armId() + "/delete")).willReturn(aResponse().withStatus(200)));
    arm.resetRequests();

    fleet.deleteInstances(FLEX, List.of("flex_9c0d1e2f", "flex_gone0000", "flex_1a2b3c4d"));

    arm.verify(exactly(1), getRequestedFor(urlPathEqualTo(VMS)).withQueryParam("$filter",
        equalTo("'virtualMachineScaleSet/id' eq '" + FLEX.armId() + "'")));
    arm.verify(exactly(1), postRequestedFor(urlPathEqualTo(FLEX.armId() + "/delete"))
        .withRequestBody(equalToJson("{\"instanceIds\": [\"flex_9c0d1e2f\", \"flex_1a2b3c4d\"]}")));
    arm.verify(exactly(2), anyRequestedFor(anyUrl()));
  }

  /**
   * A listing of locks that comes back empty cannot be told from one that was lost: a lock ARM reports in a refusal
   * (ScopeLocked names the locked scope) is kept, so the VM reads as locked afterwards even when the lock listing says
   * nothing.
   */
  @Test
  void upgradeInstances_scopeLockedNamingAVm_theVmReadsLockedEvenWhenTheLockListingIsEmpty() {
    arm.stubFor(get(urlPathEqualTo(FLEX.armId())).willReturn(okJson(body("vmss-flex.json"))));
    arm.stubFor(get(urlPathEqualTo(VMS)).willReturn(okJson(ArmServer.page("vmss-flex-vms-page1.json", arm, null))));
    arm.stubFor(get(urlPathEqualTo(LOCKS)).willReturn(okJson("{\"value\": []}")));
    assertThat(fleet.get(FLEX).instance("flex_9c0d1e2f").orElseThrow().lock()).isEqualTo(ResourceLock.NONE);
    arm.stubFor(post(urlPathEqualTo(FLEX.armId() + "/manualupgrade")).willReturn(aResponse().withStatus(409)
        .withHeader("Content-Type", "application/json").withBody("{\"error\": {\"code\": \"ScopeLocked\", "
            + "\"message\": \"The scope '" + VMS + "/flex_9c0d1e2f' cannot perform write operation because "
            + "following scope(s) are locked: '" + VMS + "/flex_9c0d1e2f'. Please remove the lock and try "
            + "again.\"}}")));

    assertThatThrownBy(() -> fleet.upgradeInstances(FLEX, List.of("flex_9c0d1e2f")))
        .isInstanceOf(ConflictException.class);

    Instance after = fleet.listInstances(FLEX).stream().filter(i -> i.instanceId().equals("flex_9c0d1e2f"))
        .findFirst().orElseThrow();
    assertThat(after.lock()).isEqualTo(ResourceLock.READ_ONLY);
    assertThat(after.protectedFromUpgrade()).isTrue();
    assertThat(fleet.get(FLEX).instances()).filteredOn(i -> i.lock() != ResourceLock.NONE).extracting(
        Instance::instanceId).as("only the VM ARM named").containsExactly("flex_9c0d1e2f");
  }
}
