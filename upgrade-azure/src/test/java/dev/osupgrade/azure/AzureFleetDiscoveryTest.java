package dev.osupgrade.azure;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static dev.osupgrade.azure.ArmServer.SUBSCRIPTION;
import static dev.osupgrade.azure.ArmServer.body;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import dev.osupgrade.Region;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.fleet.ScaleSetSummary;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.policy.UpgradeMode;
import dev.osupgrade.port.DiscoveryScope;
import dev.osupgrade.port.ResourceNotFoundException;
import dev.osupgrade.port.TransientCloudException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

// Discovery: the listing of a subscription's or resource group's scale sets, request by request, from Microsoft's
// example bodies (vmss-get-with-user-data.json) and our own (vmss-web-rolling.json) as the items of ARM's list shape.
final class AzureFleetDiscoveryTest {
  @RegisterExtension static final WireMockExtension arm = ArmServer.extension();

  private static final String ALL = "/subscriptions/" + SUBSCRIPTION + "/providers/Microsoft.Compute/"
      + "virtualMachineScaleSets";
  private static final String GROUP = "/subscriptions/" + SUBSCRIPTION + "/resourceGroups/rg/providers/"
      + "Microsoft.Compute/virtualMachineScaleSets";

  private final List<Duration> waits = new CopyOnWriteArrayList<>();
  private final AzureFleet fleet = ArmServer.fleet(arm, waits);

  private static String page(String nextLink, String... items) {
    return "{\"value\": [" + String.join(", ", items) + "]" + (nextLink == null ? "" : ", \"nextLink\": \""
        + nextLink + "\"") + "}";
  }

  @Test
  void listScaleSets_subscriptionOverTwoPages_oneRequestPerPageEveryScaleSetRead() {
    String next = arm.getRuntimeInfo().getHttpsBaseUrl() + ALL + "?api-version=2025-04-01&$skiptoken=1";
    arm.stubFor(get(urlPathEqualTo(ALL)).withQueryParam("$skiptoken", com.github.tomakehurst.wiremock.client
        .WireMock.absent()).willReturn(okJson(page(next, body("vmss-web-rolling.json")))));
    arm.stubFor(get(urlPathEqualTo(ALL)).withQueryParam("$skiptoken", com.github.tomakehurst.wiremock.client
        .WireMock.equalTo("1")).willReturn(okJson(page(null, body("vmss-get-with-user-data.json")))));

    List<ScaleSetSummary> listed = fleet.listScaleSets(DiscoveryScope.subscription(SUBSCRIPTION));

    assertThat(ArmJournal.requests(arm)).containsExactly("GET " + ALL, "GET " + ALL);
    assertThat(listed).extracting(ScaleSetSummary::id).containsExactly(ArmServer.WEB,
        ScaleSetId.of("{subscription-id}", "myResourceGroup", "myVirtualMachineScaleSet"));
    ScaleSetSummary web = listed.get(0);
    assertThat(web.region()).isEqualTo(Region.of("westeurope"));
    assertThat(web.capacity()).isEqualTo(4);
    assertThat(web.zones()).hasSize(3);
    assertThat(web.upgradePolicy().mode()).isEqualTo(UpgradeMode.ROLLING);
    assertThat(web.upgradePolicy().automaticOsUpgrade().enableAutomaticOSUpgrade()).isTrue();
    assertThat(web.modelImage().isLatest()).isTrue();
    ScaleSetSummary example = listed.get(1);
    assertThat(example.region()).isEqualTo(Region.of("westus"));
    assertThat(example.upgradePolicy().mode()).isEqualTo(UpgradeMode.AUTOMATIC);
    assertThat(example.modelImage()).isInstanceOf(ImageReference.Marketplace.class);
    assertThat(example.modelImage().version()).hasValueSatisfying(v -> assertThat(v.toString()).isEqualTo("3.15.2"));
    assertThat(example.capacity()).isEqualTo(4);
  }

  @Test
  void listScaleSets_resourceGroup_listsThatGroupInOneRequest() {
    arm.stubFor(get(urlPathEqualTo(GROUP)).willReturn(okJson(page(null, body("vmss-web-rolling.json")))));

    List<ScaleSetSummary> listed = fleet.listScaleSets(DiscoveryScope.resourceGroup(SUBSCRIPTION, "RG"));

    assertThat(ArmJournal.requests(arm)).containsExactly("GET " + GROUP);
    assertThat(listed).extracting(ScaleSetSummary::id).containsExactly(ArmServer.WEB);
  }

  @Test
  void listScaleSets_unknownUpgradeMode_keptWithAzuresSpelling() {
    arm.stubFor(get(urlPathEqualTo(GROUP)).willReturn(okJson(page(null, body("vmss-web-rolling.json")
        .replace("\"mode\": \"Rolling\"", "\"mode\": \"Staged\"")))));

    ScaleSetSummary web = fleet.listScaleSets(DiscoveryScope.resourceGroup(SUBSCRIPTION, "rg")).get(0);

    assertThat(web.upgradePolicy().mode().isKnown()).isFalse();
    assertThat(web.upgradePolicy().mode().toString()).contains("Staged");
  }

  @Test
  void listScaleSets_itemThatIsNoScaleSet_failsAsUnreadableAfterRetries() {
    arm.stubFor(get(urlPathEqualTo(GROUP)).willReturn(okJson(page(null, body("vmss-web-rolling.json"),
        "\"not a scale set\""))));

    assertThatThrownBy(() -> fleet.listScaleSets(DiscoveryScope.resourceGroup(SUBSCRIPTION, "rg")))
        .isInstanceOfSatisfying(TransientCloudException.class, e -> {
          assertThat(e.code()).isEqualTo("UnexpectedResponse");
          assertThat(e.getMessage()).contains("item 1 of page 1 is a string, not a scale set");
        });
    assertThat(ArmJournal.requests(arm)).hasSize(fleet.retrySettings().maxAttempts());
  }

  @Test
  void listScaleSets_throttledOnce_retriedAfterRetryAfter() {
    arm.stubFor(get(urlPathEqualTo(GROUP)).inScenario("throttle").whenScenarioStateIs(Scenario.STARTED)
        .willReturn(aResponse().withStatus(429).withHeader("Retry-After", "7").withHeader("Content-Type",
            "application/json").withBody(ArmJournal.error("TooManyRequests", "slow down")))
        .willSetStateTo("open"));
    arm.stubFor(get(urlPathEqualTo(GROUP)).inScenario("throttle").whenScenarioStateIs("open")
        .willReturn(okJson(page(null, body("vmss-web-rolling.json")))));

    assertThat(fleet.listScaleSets(DiscoveryScope.resourceGroup(SUBSCRIPTION, "rg"))).hasSize(1);

    assertThat(waits).containsExactly(Duration.ofSeconds(7));
    assertThat(ArmJournal.requests(arm)).hasSize(2);
  }

  @Test
  void listScaleSets_missingResourceGroup_notFoundAfterOneRequest() {
    arm.stubFor(get(urlPathEqualTo(GROUP)).willReturn(aResponse().withStatus(404).withHeader("Content-Type",
        "application/json").withBody(ArmJournal.error("ResourceGroupNotFound",
            "Resource group 'rg' could not be found."))));

    assertThatThrownBy(() -> fleet.listScaleSets(DiscoveryScope.resourceGroup(SUBSCRIPTION, "rg")))
        .isInstanceOf(ResourceNotFoundException.class);
    assertThat(ArmJournal.requests(arm)).hasSize(1);
  }
}
