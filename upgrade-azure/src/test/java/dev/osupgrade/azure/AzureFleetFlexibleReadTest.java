package dev.osupgrade.azure;

import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.exactly;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static dev.osupgrade.azure.ArmServer.SUBSCRIPTION;
import static dev.osupgrade.azure.ArmServer.body;
import static dev.osupgrade.azure.ArmServer.page;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import dev.osupgrade.fleet.HealthState;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.OrchestrationMode;
import dev.osupgrade.fleet.PowerState;
import dev.osupgrade.fleet.ProvisioningState;
import dev.osupgrade.fleet.ResourceLock;
import dev.osupgrade.fleet.ScaleSet;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.fleet.Zone;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.image.ImageVersion;
import dev.osupgrade.port.CloudException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Reading a Flexible scale set: its VMs with the VM API ({@code VirtualMachines_List} of the resource group filtered
 * on the scale set, with the instance view; {@code VirtualMachines_Get}), its protection from the resource group's
 * locks; against Microsoft's examples ({@code VirtualMachine_List_*}, {@code VirtualMachine_Get},
 * {@code ManagementLocks_ListAtResourceGroupLevel}) and bodies of our own shaped like them.
 */
final class AzureFleetFlexibleReadTest {
  @RegisterExtension static final WireMockExtension arm = ArmServer.extension();

  private static final ScaleSetId FLEX = ScaleSetId.of(SUBSCRIPTION, "rg", "flex");
  private static final String VMS = "/subscriptions/" + SUBSCRIPTION
      + "/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines";
  private static final String LOCKS = "/subscriptions/" + SUBSCRIPTION
      + "/resourceGroups/rg/providers/Microsoft.Authorization/locks";
  private static final String FILTER = "'virtualMachineScaleSet/id' eq '" + FLEX.armId() + "'";
  private static final ImageVersion V1 = ImageVersion.of("22.04.202407010");
  private static final ImageVersion V2 = ImageVersion.of("22.04.202410010");

  private final AzureFleet fleet = ArmServer.fleet(arm);

  private static String encoded(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private void stubModel() {
    arm.stubFor(get(urlPathEqualTo(FLEX.armId())).willReturn(okJson(body("vmss-flex.json"))));
  }

  /** Our own two pages of VMs, the first pointing at the second, answered only to the filtered listing. */
  private void stubVms() {
    arm.stubFor(get(urlPathEqualTo(VMS)).withQueryParam("$filter", equalTo(FILTER))
        .withQueryParam("$expand", equalTo("instanceView")).withQueryParam("page", equalTo("2"))
        .willReturn(okJson(body("vmss-flex-vms-page2.json"))));
    arm.stubFor(get(urlPathEqualTo(VMS)).withQueryParam("$filter", equalTo(FILTER))
        .withQueryParam("$expand", equalTo("instanceView")).withQueryParam("page", absent())
        .willReturn(okJson(page("vmss-flex-vms-page1.json", arm, VMS + "?$filter=" + encoded(FILTER)
            + "&$expand=instanceView&page=2&api-version=2025-04-01"))));
  }

  private void stubLocks(String file) {
    arm.stubFor(get(urlPathEqualTo(LOCKS)).withQueryParam("api-version", equalTo("2016-09-01"))
        .willReturn(okJson(body(file))));
  }

  private static Instance named(List<Instance> instances, String name) {
    return instances.stream().filter(i -> i.instanceId().equals(name)).findFirst().orElseThrow();
  }

  @Test
  void get_flexibleScaleSet_listsItsVmsWithTheVmApiFilteredOnTheScaleSetNeverTheScaleSetVmApi() {
    stubModel();
    stubVms();
    stubLocks("locks-flex.json");

    ScaleSet flex = fleet.get(FLEX);

    assertThat(flex.orchestrationMode()).isEqualTo(OrchestrationMode.FLEXIBLE);
    assertThat(flex.modelImage()).isEqualTo(ImageReference.marketplace("Canonical", "0001-com-ubuntu-server-jammy",
        "22_04-lts-gen2", V2.toString()));
    assertThat(flex.instances()).extracting(Instance::instanceId)
        .containsExactly("flex_0a1b2c3d", "flex_1a2b3c4d", "flex_5e6f7a8b", "flex_9c0d1e2f");
    arm.verify(exactly(1), getRequestedFor(urlPathEqualTo(FLEX.armId())));
    arm.verify(exactly(2), getRequestedFor(urlPathEqualTo(VMS)).withQueryParam("$filter", equalTo(FILTER))
        .withQueryParam("$expand", equalTo("instanceView")));
    arm.verify(exactly(1), getRequestedFor(urlPathEqualTo(LOCKS)));
    arm.verify(exactly(0), getRequestedFor(urlPathMatching(".*/virtualMachineScaleSets/flex/virtualMachines.*")));
    assertThat(arm.getAllServeEvents()).hasSize(4);
  }

  @Test
  void get_flexibleVms_mapNameFaultDomainImageHealthStateAndLocks() {
    stubModel();
    stubVms();
    stubLocks("locks-flex.json");

    List<Instance> vms = fleet.get(FLEX).instances();

    Instance kept = named(vms, "flex_1a2b3c4d");
    assertThat(kept.zone()).isEqualTo(Zone.REGIONAL);
    assertThat(kept.faultDomain()).isZero();
    assertThat(kept.updateDomain()).as("a Flexible VM reports no update domain").isZero();
    assertThat(kept.imageVersion()).isEqualTo(V2);
    assertThat(kept.latestModelApplied()).as("its image reference is the model's").isTrue();
    assertThat(kept.health()).isEqualTo(HealthState.HEALTHY);
    assertThat(kept.powerState()).isEqualTo(PowerState.RUNNING);
    assertThat(kept.lock()).as("a lock named with other letter case").isEqualTo(ResourceLock.CAN_NOT_DELETE);
    assertThat(kept.protectedFromUpgrade()).isFalse();
    assertThat(kept.deletable()).isFalse();

    Instance held = named(vms, "flex_5e6f7a8b");
    assertThat(held.faultDomain()).isEqualTo(1);
    assertThat(held.imageVersion()).isEqualTo(V1);
    assertThat(held.latestModelApplied()).isFalse();
    assertThat(held.health()).isEqualTo(HealthState.UNHEALTHY);
    assertThat(held.lock()).isEqualTo(ResourceLock.READ_ONLY);
    assertThat(held.protectedFromUpgrade()).as("ReadOnly: Flexible's instance protection").isTrue();

    Instance updating = named(vms, "flex_9c0d1e2f");
    assertThat(updating.faultDomain()).isEqualTo(2);
    assertThat(updating.provisioningState()).isEqualTo(ProvisioningState.UPDATING);
    assertThat(updating.powerState()).isEqualTo(PowerState.STARTING);
    assertThat(updating.health()).as("the extension has not reported yet").isEqualTo(HealthState.INITIALIZING);
    assertThat(updating.lock()).as("a lock on one of its extensions is not the VM's").isEqualTo(ResourceLock.NONE);

    Instance latest = named(vms, "flex_0a1b2c3d");
    assertThat(latest.imageVersion()).as("'latest' with exactVersion").isEqualTo(V1);
    assertThat(latest.latestModelApplied()).isFalse();
    assertThat(latest.health()).isEqualTo(HealthState.UNKNOWN);
    assertThat(latest.healthCode()).isEqualTo("HealthState/degraded");
    assertThat(latest.lock()).isEqualTo(ResourceLock.NONE);
  }

  @Test
  void listInstances_afterGet_oneFilteredListingPerLookAndTheLocksOfTheLastFullRead() {
    stubModel();
    stubVms();
    stubLocks("locks-flex.json");
    List<Instance> first = fleet.get(FLEX).instances();
    arm.resetRequests();

    List<Instance> again = fleet.listInstances(FLEX);

    assertThat(again).isEqualTo(first);
    arm.verify(exactly(2), getRequestedFor(urlPathEqualTo(VMS)));
    assertThat(arm.getAllServeEvents()).as("no model, no locks: the two pages only").hasSize(2);
  }

  @Test
  void get_microsoftsVmListItemsAndLockExample_readTolerantlyAndTheUnplaceableLockAsTheGroups() throws Exception {
    stubModel();
    JsonNode example = new ObjectMapper().readTree(body("vm-list-maximum-excerpt.json"));
    for (int k = 0; k < 2; k++) {
      ScaleSetId one = ScaleSetId.of(SUBSCRIPTION, "rg" + k, "flex");
      arm.stubFor(get(urlPathEqualTo(one.armId())).willReturn(okJson(body("vmss-flex.json"))));
      arm.stubFor(get(urlPathEqualTo("/subscriptions/" + SUBSCRIPTION + "/resourceGroups/rg" + k
          + "/providers/Microsoft.Compute/virtualMachines"))
          .willReturn(okJson("{\"value\": [" + example.get("value").get(k) + "]}")));
      arm.stubFor(get(urlPathEqualTo("/subscriptions/" + SUBSCRIPTION + "/resourceGroups/rg" + k
          + "/providers/Microsoft.Authorization/locks")).willReturn(okJson(body("locks-resource-group.json"))));
    }

    Instance noView = fleet.get(ScaleSetId.of(SUBSCRIPTION, "rg0", "flex")).instances().get(0);
    Instance withView = fleet.get(ScaleSetId.of(SUBSCRIPTION, "rg1", "flex")).instances().get(0);

    ImageReference windows = ImageReference.marketplace("MicrosoftWindowsServer", "WindowsServer",
        "2012-R2-Datacenter", "4.127.20170406");
    assertThat(noView.instanceId()).isEqualTo("{virtualMachineName}");
    assertThat(noView.zone()).isEqualTo(Zone.of("aaaaaaaaaaaaaaaaaaaaaaaaaaa"));
    assertThat(noView.faultDomain()).as("properties.platformFaultDomain").isEqualTo(8);
    assertThat(noView.image()).as("a pinned version wins over an exactVersion that is none").isEqualTo(windows);
    assertThat(noView.health()).as("no instance view: nothing to judge by").isEqualTo(HealthState.UNKNOWN);
    assertThat(noView.provisioningState()).isEqualTo(ProvisioningState.SUCCEEDED);
    assertThat(noView.lock()).as("a lock whose id names no scope counts for every VM").isEqualTo(ResourceLock.READ_ONLY);
    assertThat(noView.protectedFromUpgrade()).isTrue();
    assertThat(withView.faultDomain()).as("the instance view's fault domain").isEqualTo(29);
    assertThat(withView.updateDomain()).isEqualTo(1);
    assertThat(withView.zone()).isEqualTo(Zone.of("aaaaaa"));
    assertThat(withView.health()).isEqualTo(HealthState.UNKNOWN);
    assertThat(withView.healthCode()).isEqualTo("aaa");
    assertThat(withView.powerState()).as("no PowerState/ status").isEqualTo(PowerState.UNKNOWN);
    assertThat(withView.latestModelApplied()).isFalse();
  }

  @Test
  void get_microsoftsVmListExampleNamingOneVmTwice_unreadableNotAGuess() {
    stubModel();
    stubLocks("locks-resource-group.json");
    arm.stubFor(get(urlPathEqualTo(VMS)).willReturn(okJson(page("vm-list-maximum-excerpt.json", arm, null))));

    assertThatThrownBy(() -> fleet.get(FLEX)).isInstanceOfSatisfying(CloudException.class, e -> {
      assertThat(e.code()).isEqualTo("UnexpectedResponse");
      assertThat(e.getMessage()).contains("{virtualMachineName}", "unique");
    });
  }

  @Test
  void get_microsoftsMinimalVmListExample_vmWithoutImageIsUnreadableNamingIt() {
    stubModel();
    stubLocks("locks-resource-group.json");
    arm.stubFor(get(urlPathEqualTo(VMS)).willReturn(okJson(body("vm-list-minimum.json"))));

    assertThatThrownBy(() -> fleet.get(FLEX)).isInstanceOfSatisfying(CloudException.class, e -> {
      assertThat(e.code()).isEqualTo("UnexpectedResponse");
      assertThat(e.getMessage()).contains("VM {virtualMachineName}", "no marketplace or gallery image reference");
    });
  }

  @Test
  void instance_oneVm_oneGetWithTheInstanceViewEqualToItsListingEntry() throws Exception {
    stubModel();
    stubVms();
    stubLocks("locks-flex.json");
    JsonNode listed = new ObjectMapper().readTree(body("vmss-flex-vms-page1.json")).get("value").get(1);
    arm.stubFor(get(urlPathEqualTo(VMS + "/flex_5e6f7a8b")).withQueryParam("$expand", equalTo("instanceView"))
        .willReturn(okJson(listed.toString())));
    Instance fromListing = named(fleet.get(FLEX).instances(), "flex_5e6f7a8b");
    arm.resetRequests();

    assertThat(fleet.instance(FLEX, "flex_5e6f7a8b")).contains(fromListing);
    assertThat(arm.getAllServeEvents()).hasSize(1);
  }

  @Test
  void instance_microsoftsVmGetExampleManagedByAnotherScaleSet_noSuchInstance() {
    stubModel();
    stubLocks("locks-resource-group.json");
    arm.stubFor(get(urlPathEqualTo(VMS + "/myVM")).willReturn(okJson(body("vm-get.json"))));

    assertThat(fleet.instance(FLEX, "myVM")).isEmpty();
  }

  @Test
  void instance_vmNotFound_noSuchInstance() {
    stubModel();
    stubLocks("locks-flex.json");
    arm.stubFor(get(urlPathEqualTo(VMS + "/flex_deadbeef")).willReturn(aResponse().withStatus(404)
        .withHeader("Content-Type", "application/json").withBody("{\"error\": {\"code\": \"ResourceNotFound\", "
            + "\"message\": \"The Resource 'Microsoft.Compute/virtualMachines/flex_deadbeef' under resource group "
            + "'rg' was not found.\"}}")));

    assertThat(fleet.instance(FLEX, "flex_deadbeef")).isEmpty();
    arm.verify(exactly(0), getRequestedFor(anyUrl()).withUrl(FLEX.armId() + "/virtualMachines/flex_deadbeef"));
  }
}
