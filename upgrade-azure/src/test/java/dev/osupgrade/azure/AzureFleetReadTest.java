package dev.osupgrade.azure;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.exactly;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.matching;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static dev.osupgrade.azure.ArmServer.WEB;
import static dev.osupgrade.azure.ArmServer.body;
import static dev.osupgrade.azure.ArmServer.page;
import static dev.osupgrade.azure.ArmServer.webPath;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import dev.osupgrade.Region;
import dev.osupgrade.fleet.HealthMonitoring;
import dev.osupgrade.fleet.HealthState;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.OrchestrationMode;
import dev.osupgrade.fleet.PowerState;
import dev.osupgrade.fleet.ProvisioningState;
import dev.osupgrade.fleet.ScaleSet;
import dev.osupgrade.fleet.Zone;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.image.ImageVersion;
import dev.osupgrade.policy.RollingUpgradePolicy;
import dev.osupgrade.policy.UpgradeMode;
import dev.osupgrade.port.CloudException;
import dev.osupgrade.port.ResourceNotFoundException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

final class AzureFleetReadTest {
  @RegisterExtension static final WireMockExtension arm = ArmServer.extension();

  private final AzureFleet fleet = ArmServer.fleet(arm);

  private void stubWeb(String vmssBody) {
    arm.stubFor(get(urlPathEqualTo(webPath())).willReturn(okJson(vmssBody)));
    arm.stubFor(get(urlPathEqualTo(webPath() + "/virtualMachines"))
        .withQueryParam("$expand", equalTo("instanceView"))
        .withQueryParam("page", matching("2"))
        .willReturn(okJson(body("vmss-web-vms-page2.json"))));
    arm.stubFor(get(urlPathEqualTo(webPath() + "/virtualMachines"))
        .withQueryParam("$expand", equalTo("instanceView"))
        .withQueryParam("page", absent())
        .willReturn(okJson(page("vmss-web-vms-page1.json", arm,
            webPath() + "/virtualMachines?$expand=instanceView&page=2&api-version=2025-04-01"))));
  }

  @Test
  void get_rollingScaleSetWithExtensionAndZones_readsModel() {
    stubWeb(body("vmss-web-rolling.json"));

    ScaleSet web = fleet.get(WEB);

    assertThat(web.region()).isEqualTo(Region.of("West Europe"));
    assertThat(web.zones()).containsExactly(Zone.of("1"), Zone.of("2"), Zone.of("3"));
    assertThat(web.orchestrationMode()).isEqualTo(OrchestrationMode.UNIFORM);
    assertThat(web.etag()).isEqualTo("\"3\"");
    assertThat(web.modelImage()).isEqualTo(
        ImageReference.marketplace("Canonical", "0001-com-ubuntu-server-jammy", "22_04-lts-gen2", "latest"));
    assertThat(web.healthMonitoring()).isEqualTo(HealthMonitoring.extension());
    assertThat(web.upgradePolicy().mode()).isEqualTo(UpgradeMode.ROLLING);
    assertThat(web.upgradePolicy().rolling()).isEqualTo(RollingUpgradePolicy.builder()
        .maxBatchInstancePercent(25).maxUnhealthyInstancePercent(30).maxUnhealthyUpgradedInstancePercent(10)
        .pauseTimeBetweenBatches(Duration.ofMinutes(2)).prioritizeUnhealthyInstances(true).build());
    assertThat(web.upgradePolicy().automaticOsUpgrade().enableAutomaticOSUpgrade()).isTrue();
    assertThat(web.upgradePolicy().automaticOsUpgrade().useRollingUpgradePolicy()).isTrue();
  }

  @Test
  void get_instancesOnTwoPages_followsNextLinkAndSortsById() {
    stubWeb(body("vmss-web-rolling.json"));

    ScaleSet web = fleet.get(WEB);

    assertThat(web.instances()).extracting(Instance::instanceId).containsExactly("0", "1", "2", "3", "10");
    arm.verify(exactly(1), getRequestedFor(urlPathEqualTo(webPath())));
    arm.verify(exactly(2), getRequestedFor(urlPathEqualTo(webPath() + "/virtualMachines")));
  }

  @Test
  void get_instanceView_mapsZoneDomainsImageHealthAndState() {
    stubWeb(body("vmss-web-rolling.json"));

    List<Instance> instances = fleet.get(WEB).instances();

    Instance i0 = instances.get(0);
    assertThat(i0.zone()).isEqualTo(Zone.of("1"));
    assertThat(i0.updateDomain()).isZero();
    assertThat(i0.imageVersion()).isEqualTo(ImageVersion.of("22.04.202407010"));
    assertThat(i0.health()).isEqualTo(HealthState.HEALTHY);
    assertThat(i0.powerState()).isEqualTo(PowerState.RUNNING);
    assertThat(i0.provisioningState()).isEqualTo(ProvisioningState.SUCCEEDED);
    assertThat(i0.latestModelApplied()).isTrue();
    assertThat(i0.protectedFromUpgrade()).isFalse();

    Instance i1 = instances.get(1);
    assertThat(i1.health()).isEqualTo(HealthState.UNHEALTHY);
    assertThat(i1.protectedFromUpgrade()).isTrue();

    Instance i2 = instances.get(2);
    assertThat(i2.health()).isEqualTo(HealthState.INITIALIZING);
    assertThat(i2.provisioningState()).isEqualTo(ProvisioningState.UPDATING);
    assertThat(i2.powerState()).isEqualTo(PowerState.STARTING);
    assertThat(i2.updateDomain()).isEqualTo(2);
    assertThat(i2.faultDomain()).isEqualTo(1);

    Instance i10 = instances.get(4);
    assertThat(i10.imageVersion()).isEqualTo(ImageVersion.of("22.04.202406140"));
    assertThat(i10.latestModelApplied()).isFalse();
  }

  @Test
  void get_healthCodeFromNewerApi_readsUnknownWithoutFailing() {
    stubWeb(body("vmss-web-rolling.json"));

    Instance i3 = fleet.get(WEB).instances().get(3);

    assertThat(i3.instanceId()).isEqualTo("3");
    assertThat(i3.health()).isEqualTo(HealthState.UNKNOWN);
  }

  @Test
  void get_extensionButNoHealthReported_readsUnknown() {
    stubWeb(body("vmss-web-rolling.json"));

    Instance i10 = fleet.get(WEB).instances().get(4);

    assertThat(i10.health()).isEqualTo(HealthState.UNKNOWN);
  }

  @Test
  void get_noHealthSource_judgesByPowerAndProvisioningState() {
    stubWeb(body("vmss-web-rolling.json").replace("Microsoft.ManagedServices", "Contoso.Other"));

    List<Instance> instances = fleet.get(WEB).instances();

    assertThat(instances.get(4).health()).isEqualTo(HealthState.HEALTHY);
    assertThat(instances.get(0).health()).isEqualTo(HealthState.HEALTHY);
  }

  @Test
  void get_probeAndExtension_reportsBothSources() {
    String both = body("vmss-web-rolling.json").replace("\"networkProfile\": {",
        "\"networkProfile\": { \"healthProbe\": { \"id\": \"/subscriptions/00000000-0000-0000-0000-000000000001"
            + "/resourceGroups/rg/providers/Microsoft.Network/loadBalancers/lb/probes/http\" },");
    stubWeb(both);

    ScaleSet web = fleet.get(WEB);

    assertThat(web.healthMonitoring()).isEqualTo(new HealthMonitoring(true, true));
    assertThat(web.healthMonitoring().hasExactlyOneSource()).isFalse();
  }

  @Test
  void get_galleryImageLatest_readsGalleryReferenceAndInstanceExactVersion() {
    String gallery = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/images/providers/"
        + "Microsoft.Compute/galleries/corp/images/web-base";
    String vmss = body("vmss-web-rolling.json").replace(
        "\"publisher\": \"Canonical\",\n          \"offer\": \"0001-com-ubuntu-server-jammy\",\n"
            + "          \"sku\": \"22_04-lts-gen2\",\n          \"version\": \"latest\"",
        "\"id\": \"" + gallery + "\"");
    arm.stubFor(get(urlPathEqualTo(webPath())).willReturn(okJson(vmss)));
    arm.stubFor(get(urlPathEqualTo(webPath() + "/virtualMachines")).willReturn(okJson("{\"value\": [ {"
        + "\"instanceId\": \"0\", \"zones\": [\"1\"], \"properties\": { \"latestModelApplied\": true,"
        + " \"provisioningState\": \"Succeeded\", \"storageProfile\": { \"imageReference\": { \"id\": \"" + gallery
        + "\", \"exactVersion\": \"1.4.2\" } }, \"instanceView\": { \"platformUpdateDomain\": 0,"
        + " \"platformFaultDomain\": 0, \"vmHealth\": { \"status\": { \"code\": \"HealthState/healthy\" } },"
        + " \"statuses\": [ { \"code\": \"PowerState/running\" } ] } } },"
        + "{ \"instanceId\": \"1\", \"zones\": [\"2\"], \"properties\": { \"latestModelApplied\": false,"
        + " \"provisioningState\": \"Succeeded\", \"storageProfile\": { \"imageReference\": { \"id\": \"" + gallery
        + "/versions/1.3.0\" } } } } ] }")));

    ScaleSet web = fleet.get(WEB);

    assertThat(web.modelImage()).isEqualTo(ImageReference.gallery(gallery, "latest"));
    assertThat(web.instances()).extracting(Instance::image).containsExactly(
        ImageReference.gallery(gallery, "1.4.2"), ImageReference.gallery(gallery, "1.3.0"));
    assertThat(web.instances().get(1).powerState()).isEqualTo(PowerState.UNKNOWN);
  }

  @Test
  void get_instanceWithoutExactVersionAndNotOnTheModel_unknownVersionIsAnErrorNotAGuess() {
    arm.stubFor(get(urlPathEqualTo(webPath())).willReturn(okJson(body("vmss-web-rolling.json"))));
    arm.stubFor(get(urlPathEqualTo(webPath() + "/virtualMachines")).willReturn(okJson("{\"value\": [ {"
        + "\"instanceId\": \"0\", \"properties\": { \"latestModelApplied\": false,"
        + " \"provisioningState\": \"Succeeded\", \"storageProfile\": { \"imageReference\": {"
        + " \"publisher\": \"Canonical\", \"offer\": \"0001-com-ubuntu-server-jammy\","
        + " \"sku\": \"22_04-lts-gen2\", \"version\": \"latest\" } } } } ] }")));

    assertThatThrownBy(() -> fleet.get(WEB)).isInstanceOfSatisfying(CloudException.class,
        e -> assertThat(e.getMessage()).contains("instance 0", "not on the latest model"));
  }

  @Test
  void get_microsoftExamples_readAutomaticModeAndPinnedImage() {
    arm.stubFor(get(urlPathEqualTo(webPath())).willReturn(okJson(body("vmss-get-with-user-data.json"))));
    arm.stubFor(get(urlPathEqualTo(webPath() + "/virtualMachines"))
        .willReturn(okJson(page("vmss-vms-list-maximum.json", arm, null))));

    ScaleSet web = fleet.get(WEB);

    assertThat(web.upgradePolicy().mode()).isEqualTo(UpgradeMode.AUTOMATIC);
    assertThat(web.upgradePolicy().rollingUpgradePolicy()).isEmpty();
    assertThat(web.upgradePolicy().automaticOsUpgrade().enableAutomaticOSUpgrade()).isFalse();
    assertThat(web.modelImage()).isEqualTo(
        ImageReference.marketplace("azuredatabricks", "databricks", "databricksworker", "3.15.2"));
    assertThat(web.zones()).isEmpty();
    assertThat(web.healthMonitoring()).isEqualTo(HealthMonitoring.none());
    Instance only = web.instances().get(0);
    assertThat(only.instanceId()).isEqualTo("aaaaaaaaaaaa");
    assertThat(only.zone()).isEqualTo(Zone.of("a"));
    assertThat(only.image()).isEqualTo(
        ImageReference.marketplace("MicrosoftWindowsServer", "WindowsServer", "2012-R2-Datacenter", "4.127.20180315"));
    assertThat(only.updateDomain()).isEqualTo(23);
    assertThat(only.faultDomain()).isEqualTo(14);
    assertThat(only.protectedFromUpgrade()).isTrue();
    assertThat(only.health()).isEqualTo(HealthState.UNKNOWN); // vmHealth code "aaaa…" is not one Azure documents
  }

  @Test
  void get_instanceWithoutImageReference_runsPinnedModelImage() {
    arm.stubFor(get(urlPathEqualTo(webPath())).willReturn(okJson(body("vmss-get-dedicated-host-group.json"))));
    arm.stubFor(get(urlPathEqualTo(webPath() + "/virtualMachines")).willReturn(okJson(
        "{\"value\": [ { \"instanceId\": \"7\", \"properties\": { \"latestModelApplied\": true } } ] }")));

    Instance seven = fleet.get(WEB).instances().get(0);

    assertThat(seven.image()).isEqualTo(
        ImageReference.marketplace("azuredatabricks", "databricks", "databricksworker", "3.15.2"));
    assertThat(seven.zone()).isEqualTo(Zone.REGIONAL);
    assertThat(seven.provisioningState()).isEqualTo(ProvisioningState.UPDATING);
  }

  @Test
  void get_unknownModeAndOrchestrationFromNewerApi_keepsTheModeAsUnknownNotManual() {
    stubWeb(body("vmss-web-rolling.json").replace("\"mode\": \"Rolling\"", "\"mode\": \"Eventually\"")
        .replace("\"orchestrationMode\": \"Uniform\"", "\"orchestrationMode\": \"Elastic\""));

    ScaleSet web = fleet.get(WEB);

    assertThat(web.upgradePolicy().mode()).isNotEqualTo(UpgradeMode.MANUAL);
    assertThat(web.upgradePolicy().mode().isKnown()).isFalse();
    assertThat(web.upgradePolicy().mode().azureName()).isEqualTo("Eventually");
    assertThat(web.orchestrationMode()).isEqualTo(OrchestrationMode.UNIFORM);
  }

  @Test
  void get_malformedJson_failsWithCloudException() {
    arm.stubFor(get(urlPathEqualTo(webPath())).willReturn(okJson("{\"name\": \"web\", \"properties\": {")));

    assertThatThrownBy(() -> fleet.get(WEB))
        .isInstanceOf(CloudException.class)
        .hasMessageContaining("GET scale set rg/web");
  }

  @Test
  void get_policyOutOfRange_failsWithCloudExceptionNamingTheField() {
    stubWeb(body("vmss-web-rolling.json").replace("\"maxBatchInstancePercent\": 25",
        "\"maxBatchInstancePercent\": 250"));

    assertThatThrownBy(() -> fleet.get(WEB))
        .isInstanceOfSatisfying(CloudException.class, e -> assertThat(e.code()).isEqualTo("UnexpectedResponse"))
        .hasMessageContaining("maxBatchInstancePercent");
  }

  @Test
  void get_unreadablePause_failsWithCloudException() {
    stubWeb(body("vmss-web-rolling.json").replace("\"PT2M\"", "\"two minutes\""));

    assertThatThrownBy(() -> fleet.get(WEB))
        .isInstanceOf(CloudException.class)
        .hasMessageContaining("pauseTimeBetweenBatches");
  }

  @Test
  void get_sharedGalleryImage_failsWithClearMessage() {
    stubWeb(body("vmss-web-rolling.json").replace("\"publisher\": \"Canonical\",",
        "\"sharedGalleryImageId\": \"/SharedGalleries/x/Images/y/Versions/latest\",")
        .replace("\"offer\": \"0001-com-ubuntu-server-jammy\",", ""));

    assertThatThrownBy(() -> fleet.get(WEB))
        .isInstanceOf(CloudException.class)
        .hasMessageContaining("shared gallery image");
  }

  @Test
  void get_missingScaleSet_throwsResourceNotFoundWithAzureCodeAndMessage() {
    arm.stubFor(get(urlPathEqualTo(webPath())).willReturn(aResponse().withStatus(404)
        .withHeader("Content-Type", "application/json")
        .withBody("{\"error\": {\"code\": \"ResourceNotFound\", \"message\": \"The Resource "
            + "'Microsoft.Compute/virtualMachineScaleSets/web' under resource group 'rg' was not found.\"}}")));

    assertThatThrownBy(() -> fleet.get(WEB))
        .isInstanceOfSatisfying(ResourceNotFoundException.class, e -> {
          assertThat(e.code()).isEqualTo("ResourceNotFound");
          assertThat(e.httpStatus()).isEqualTo(404);
        })
        .hasMessageContaining("under resource group 'rg' was not found");
    arm.verify(exactly(1), getRequestedFor(urlPathEqualTo(webPath())));
  }

  @Test
  void listInstances_afterGet_listsInstancesOnly() {
    stubWeb(body("vmss-web-rolling.json"));
    fleet.get(WEB);
    arm.resetRequests();

    List<Instance> instances = fleet.listInstances(WEB);

    assertThat(instances).hasSize(5);
    arm.verify(exactly(0), getRequestedFor(urlPathEqualTo(webPath())));
    arm.verify(exactly(2), getRequestedFor(urlPathEqualTo(webPath() + "/virtualMachines")));
  }

  @Test
  void listInstances_firstCall_readsModelToo() {
    stubWeb(body("vmss-web-rolling.json"));

    List<Instance> instances = fleet.listInstances(WEB);

    assertThat(instances).extracting(Instance::health).containsExactly(HealthState.HEALTHY, HealthState.UNHEALTHY,
        HealthState.INITIALIZING, HealthState.UNKNOWN, HealthState.UNKNOWN);
    arm.verify(exactly(1), getRequestedFor(urlPathEqualTo(webPath())));
  }
}
