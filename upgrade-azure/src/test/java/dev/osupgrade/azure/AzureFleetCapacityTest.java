package dev.osupgrade.azure;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.exactly;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.patch;
import static com.github.tomakehurst.wiremock.client.WireMock.patchRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static dev.osupgrade.azure.ArmServer.SUBSCRIPTION;
import static dev.osupgrade.azure.ArmServer.WEB;
import static dev.osupgrade.azure.ArmServer.base;
import static dev.osupgrade.azure.ArmServer.body;
import static dev.osupgrade.azure.ArmServer.webPath;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import dev.osupgrade.port.CloudException;
import dev.osupgrade.port.ConflictException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link AzureFleet} as a {@link dev.osupgrade.port.CapacityPort}, against stubbed ARM answers. */
final class AzureFleetCapacityTest {
  @RegisterExtension static final WireMockExtension arm = ArmServer.extension();

  private final AzureFleet fleet = ArmServer.fleet(arm);

  private static final String LOCATION = "/subscriptions/" + SUBSCRIPTION + "/providers/Microsoft.Compute/locations/"
      + "westeurope";

  /** vmss-web-rolling.json: Standard_D2s_v3, capacity 4, not in a single placement group, etag "3". */
  private void stubScaleSet(String singlePlacementGroup) {
    arm.stubFor(get(urlPathEqualTo(webPath())).willReturn(okJson(body("vmss-web-rolling.json")
        .replace("\"singlePlacementGroup\": false", "\"singlePlacementGroup\": " + singlePlacementGroup))));
  }

  private void stubSkus() {
    arm.stubFor(get(urlPathEqualTo("/subscriptions/" + SUBSCRIPTION + "/providers/Microsoft.Compute/skus"))
        .withQueryParam("$filter", equalTo("location eq 'westeurope'"))
        .willReturn(okJson("{\"value\": ["
            + "{\"resourceType\": \"disks\", \"name\": \"Standard_D2s_v3\", \"locations\": [\"westeurope\"]},"
            + "{\"resourceType\": \"virtualMachines\", \"name\": \"Standard_D2s_v3\", \"tier\": \"Standard\","
            + " \"size\": \"D2s_v3\", \"family\": \"standardDSv3Family\", \"locations\": [\"westeurope\"],"
            + " \"capabilities\": [{\"name\": \"MemoryGB\", \"value\": \"8\"}, {\"name\": \"vCPUs\", \"value\": \"2\"}],"
            + " \"restrictions\": []}]}")));
  }

  private void stubUsages(int regionalUsed, int regionalLimit, int familyUsed, int familyLimit) {
    arm.stubFor(get(urlPathEqualTo(LOCATION + "/usages")).willReturn(okJson("{\"value\": ["
        + usage("availabilitySets", 3, 2500) + ","
        + usage("cores", regionalUsed, regionalLimit) + ","
        + usage("virtualMachines", 12, 25000) + ","
        + usage("standardDSv3Family", familyUsed, familyLimit) + ","
        + usage("standardBSFamily", 0, 10) + "]}")));
  }

  private static String usage(String name, int current, int limit) {
    return "{\"unit\": \"Count\", \"currentValue\": " + current + ", \"limit\": " + limit + ", \"name\": {\"value\": \""
        + name + "\", \"localizedValue\": \"" + name + "\"}}";
  }

  // ---------------------------------------------------------------------------------------------- headroom

  @Test
  void headroom_familyQuotaTighterThanRegional_familyWins() {
    stubScaleSet("false");
    stubSkus();
    stubUsages(24, 100, 20, 30); // regional: 76 cores = 38 instances; family: 10 cores = 5 instances

    assertThat(fleet.headroom(WEB)).isEqualTo(5);
  }

  @Test
  void headroom_regionalQuotaTighter_oddCoresRoundDown() {
    stubScaleSet("false");
    stubSkus();
    stubUsages(95, 100, 20, 350); // regional: 5 cores = 2 instances of 2 vCPUs

    assertThat(fleet.headroom(WEB)).isEqualTo(2);
  }

  @Test
  void headroom_singlePlacementGroup_cappedAt100() {
    stubScaleSet("true");
    stubSkus();
    stubUsages(0, 10_000, 0, 10_000);

    assertThat(fleet.headroom(WEB)).isEqualTo(96);
  }

  @Test
  void headroom_quotaExhausted_zeroNotNegative() {
    stubScaleSet("false");
    stubSkus();
    stubUsages(110, 100, 20, 350);

    assertThat(fleet.headroom(WEB)).isZero();
  }

  @Test
  void headroom_maxScaleSetCapacity_limitsTheScaleSet() {
    AzureFleet managedImages = AzureFleet.builder().computeManager(ArmServer.computeManager(arm))
        .maxScaleSetCapacity(10).build();
    stubScaleSet("false");
    stubSkus();
    stubUsages(0, 10_000, 0, 10_000);

    assertThat(managedImages.headroom(WEB)).isEqualTo(6);
  }

  @Test
  void headroom_twice_resourceSkusReadOnce() {
    stubScaleSet("false");
    stubSkus();
    stubUsages(0, 100, 0, 100);

    fleet.headroom(WEB);
    fleet.headroom(WEB);

    arm.verify(exactly(1), getRequestedFor(urlPathEqualTo("/subscriptions/" + SUBSCRIPTION
        + "/providers/Microsoft.Compute/skus")));
    arm.verify(exactly(2), getRequestedFor(urlPathEqualTo(LOCATION + "/usages")));
    arm.verify(exactly(2), getRequestedFor(urlPathEqualTo(webPath())));
  }

  @Test
  void headroom_vmSizeNotListed_unexpectedResponse() {
    stubScaleSet("false");
    arm.stubFor(get(urlPathEqualTo("/subscriptions/" + SUBSCRIPTION + "/providers/Microsoft.Compute/skus"))
        .willReturn(okJson("{\"value\": []}")));

    assertThatThrownBy(() -> fleet.headroom(WEB)).isInstanceOfSatisfying(CloudException.class,
        e -> assertThat(e.code()).isEqualTo("UnexpectedResponse")).hasMessageContaining("Standard_D2s_v3");
  }

  // ---------------------------------------------------------------------------------------------- scaleOut

  private void stubInstances(String scenarioState, String nextState, String... ids) {
    StringBuilder value = new StringBuilder();
    for (String id : ids) {
      value.append(value.length() == 0 ? "" : ",").append("{\"instanceId\": \"").append(id)
          .append("\", \"name\": \"web_").append(id).append("\", \"properties\": {\"latestModelApplied\": true}}");
    }
    arm.stubFor(get(urlPathEqualTo(webPath() + "/virtualMachines")).inScenario("vms")
        .whenScenarioStateIs(scenarioState).willReturn(okJson("{\"value\": [" + value + "]}"))
        .willSetStateTo(nextState));
  }

  @Test
  void scaleOut_two_patchesCapacityWithIfMatchAndReturnsTheNewIds() {
    stubInstances(Scenario.STARTED, "scaled", "0", "1", "2", "10");
    stubScaleSet("false");
    arm.stubFor(patch(urlPathEqualTo(webPath())).willReturn(okJson(body("vmss-web-rolling.json"))));
    stubInstances("scaled", "scaled", "0", "1", "2", "10", "11", "12");

    List<String> created = fleet.scaleOut(WEB, 2);

    assertThat(created).containsExactly("11", "12");
    arm.verify(exactly(1), patchRequestedFor(urlPathEqualTo(webPath()))
        .withHeader("If-Match", equalTo("\"3\""))
        .withRequestBody(equalToJson("{\"sku\": {\"capacity\": 6}}")));
  }

  @Test
  void scaleOut_concurrentChange412_conflictNotRetried() {
    stubInstances(Scenario.STARTED, Scenario.STARTED, "0");
    stubScaleSet("false");
    arm.stubFor(patch(urlPathEqualTo(webPath())).willReturn(aResponse().withStatus(412)
        .withHeader("Content-Type", "application/json")
        .withBody("{\"error\": {\"code\": \"PreconditionFailed\", \"message\": \"The etag does not match.\"}}")));

    assertThatThrownBy(() -> fleet.scaleOut(WEB, 1)).isInstanceOf(ConflictException.class);
    arm.verify(exactly(1), patchRequestedFor(urlPathEqualTo(webPath())));
  }

  @Test
  void scaleOut_allocationFailedInTheOperation_cloudExceptionWithArmCode() {
    stubInstances(Scenario.STARTED, Scenario.STARTED, "0");
    stubScaleSet("false");
    arm.stubFor(patch(urlPathEqualTo(webPath())).willReturn(okJson(body("vmss-web-rolling.json")
        .replace("\"provisioningState\": \"Succeeded\"", "\"provisioningState\": \"Updating\""))
        .withHeader("Azure-AsyncOperation", base(arm) + "/operations/so-1")));
    arm.stubFor(get(urlPathEqualTo("/operations/so-1")).willReturn(okJson("{\"status\": \"Failed\", \"error\": "
        + "{\"code\": \"AllocationFailed\", \"message\": \"Allocation failed. We do not have sufficient capacity "
        + "for the requested VM size in this region.\"}}")));

    assertThatThrownBy(() -> fleet.scaleOut(WEB, 1)).isInstanceOfSatisfying(CloudException.class,
        e -> assertThat(e.code()).isEqualTo("AllocationFailed"));
  }

  // ---------------------------------------------------------------------------------------- deleteInstances

  @Test
  void deleteInstances_someGone_oneDeleteOfThoseStillPresent() {
    stubScaleSet("false"); // read first: the orchestration mode says how to list the instances
    stubInstances(Scenario.STARTED, Scenario.STARTED, "0", "2", "10");
    arm.stubFor(post(urlPathEqualTo(webPath() + "/delete")).willReturn(aResponse().withStatus(200)));

    fleet.deleteInstances(WEB, List.of("2", "1", "10", "2"));

    arm.verify(exactly(1), postRequestedFor(urlPathEqualTo(webPath() + "/delete"))
        .withQueryParam("forceDeletion", absent())
        .withRequestBody(equalToJson("{\"instanceIds\": [\"2\", \"10\"]}")));
  }

  @Test
  void deleteInstances_allGone_onlyLists() {
    stubScaleSet("false");
    stubInstances(Scenario.STARTED, Scenario.STARTED, "0");

    fleet.deleteInstances(WEB, List.of("5", "6"));

    arm.verify(exactly(0), postRequestedFor(urlPathEqualTo(webPath() + "/delete")));
  }

  @Test
  void deleteInstances_emptyList_sendsNothing() {
    fleet.deleteInstances(WEB, List.of());

    arm.verify(exactly(0), anyRequestedFor(anyUrl()));
  }
}
