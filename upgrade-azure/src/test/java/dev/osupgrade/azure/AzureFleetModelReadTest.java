package dev.osupgrade.azure;

import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.exactly;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static dev.osupgrade.azure.ArmServer.SUBSCRIPTION;
import static dev.osupgrade.azure.ArmServer.WEB;
import static dev.osupgrade.azure.ArmServer.body;
import static dev.osupgrade.azure.ArmServer.webPath;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.OrchestrationMode;
import dev.osupgrade.fleet.ResourceLock;
import dev.osupgrade.fleet.ScaleSet;
import dev.osupgrade.fleet.ScaleSetId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link AzureFleet#model}: the scale set's model without its instances, the rollout's final read. One GET of the
 * scale set for a Uniform scale set; for a Flexible one the resource group's locks too (they give the VMs their
 * protection, which every full read reads afresh), and the VM listing as well when the locks changed since the
 * listings used them.
 */
final class AzureFleetModelReadTest {
  @RegisterExtension static final WireMockExtension arm = ArmServer.extension();

  private static final ScaleSetId FLEX = ScaleSetId.of(SUBSCRIPTION, "rg", "flex");
  private static final String VMS = "/subscriptions/" + SUBSCRIPTION
      + "/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines";
  private static final String LOCKS = "/subscriptions/" + SUBSCRIPTION
      + "/resourceGroups/rg/providers/Microsoft.Authorization/locks";

  private final AzureFleet fleet = ArmServer.fleet(arm);

  @Test
  void model_uniform_oneGetOfTheScaleSetAndNoInstances() {
    arm.stubFor(get(urlPathEqualTo(webPath())).willReturn(okJson(body("vmss-web-rolling.json"))));
    arm.stubFor(get(urlPathEqualTo(webPath() + "/virtualMachines"))
        .willReturn(okJson(ArmServer.page("vmss-web-vms-page1.json", arm, null))));
    ScaleSet full = fleet.get(WEB);
    arm.resetRequests();

    ScaleSet model = fleet.model(WEB);

    assertThat(model.instances()).isEmpty();
    assertThat(model.withInstances(full.instances())).isEqualTo(full);
    arm.verify(exactly(1), getRequestedFor(urlPathEqualTo(webPath())));
    arm.verify(exactly(1), anyRequestedFor(anyUrl()));
    arm.resetRequests();
    assertThat(fleet.listInstances(WEB)).as("the model read serves the listings as a full read does")
        .isEqualTo(full.instances());
    arm.verify(exactly(1), anyRequestedFor(anyUrl()));
  }

  @Test
  void model_flexibleLocksUnchanged_theScaleSetAndItsLocksButNoVmListing() {
    stubFlexible(body("locks-flex.json"));
    ScaleSet full = fleet.get(FLEX);
    arm.resetRequests();

    ScaleSet model = fleet.model(FLEX);

    assertThat(model.orchestrationMode()).isEqualTo(OrchestrationMode.FLEXIBLE);
    assertThat(model.instances()).isEmpty();
    assertThat(model.withInstances(full.instances())).isEqualTo(full);
    arm.verify(exactly(1), getRequestedFor(urlPathEqualTo(FLEX.armId())));
    arm.verify(exactly(1), getRequestedFor(urlPathEqualTo(LOCKS)));
    arm.verify(exactly(2), anyRequestedFor(anyUrl()));
  }

  @Test
  void model_flexibleLockAddedSinceTheListings_listsTheVmsAndAnswersThemWithTheLock() {
    stubFlexible("{\"value\": []}");
    assertThat(fleet.get(FLEX).instance("flex_5e6f7a8b").orElseThrow().lock()).isEqualTo(ResourceLock.NONE);
    stubFlexible(body("locks-flex.json"));
    arm.resetRequests();

    ScaleSet model = fleet.model(FLEX);

    Instance locked = model.instance("flex_5e6f7a8b").orElseThrow();
    assertThat(locked.lock()).isEqualTo(ResourceLock.READ_ONLY);
    assertThat(locked.protectedFromUpgrade()).isTrue();
    assertThat(model).as("every instance, as a full read shows them").isEqualTo(fleet.get(FLEX));
    arm.verify(exactly(2), getRequestedFor(urlPathEqualTo(FLEX.armId())));
    arm.verify(exactly(2), getRequestedFor(urlPathEqualTo(VMS)));
  }

  private void stubFlexible(String locks) {
    arm.stubFor(get(urlPathEqualTo(FLEX.armId())).willReturn(okJson(body("vmss-flex.json"))));
    arm.stubFor(get(urlPathEqualTo(VMS)).willReturn(okJson(ArmServer.page("vmss-flex-vms-page1.json", arm, null))));
    arm.stubFor(get(urlPathEqualTo(LOCKS)).willReturn(okJson(locks)));
  }
}
