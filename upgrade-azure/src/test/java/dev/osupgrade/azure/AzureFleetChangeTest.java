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
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.patch;
import static com.github.tomakehurst.wiremock.client.WireMock.patchRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static dev.osupgrade.azure.ArmServer.WEB;
import static dev.osupgrade.azure.ArmServer.base;
import static dev.osupgrade.azure.ArmServer.body;
import static dev.osupgrade.azure.ArmServer.webPath;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.policy.AutomaticOsUpgradePolicy;
import dev.osupgrade.policy.RollingUpgradePolicy;
import dev.osupgrade.policy.UpgradeMode;
import dev.osupgrade.policy.UpgradePolicy;
import dev.osupgrade.port.CloudException;
import dev.osupgrade.port.ConflictException;
import dev.osupgrade.port.ForbiddenException;
import dev.osupgrade.port.InvalidModelException;
import dev.osupgrade.port.TransientCloudException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.extension.RegisterExtension;

final class AzureFleetChangeTest {
  @RegisterExtension static final WireMockExtension arm = ArmServer.extension();

  private static final ImageReference.Marketplace JAMMY =
      ImageReference.marketplace("Canonical", "0001-com-ubuntu-server-jammy", "22_04-lts-gen2", "22.04.202407010");
  private static final ImageReference.Marketplace PREVIOUS = JAMMY.withVersion(
      dev.osupgrade.image.ImageVersion.of("22.04.202406140"));

  private final AzureFleet fleet = ArmServer.fleet(arm);

  private static String manualModel(String etag, String version) {
    return ArmJournal.manualModel(etag, version);
  }

  private static String error(String code, String message) {
    return ArmJournal.error(code, message);
  }

  /** @return the requests the server saw, oldest first, as "METHOD path", without LRO polls */
  private static List<String> changes() {
    return ArmJournal.requests(arm);
  }

  // ------------------------------------------------------------------------------------------ upgrade policy

  @Test
  void updateUpgradePolicy_withEtag_sendsIfMatchAndEveryField() {
    arm.stubFor(patch(urlPathEqualTo(webPath())).willReturn(okJson(body("vmss-web-rolling.json"))));
    UpgradePolicy policy = new UpgradePolicy(UpgradeMode.ROLLING,
        RollingUpgradePolicy.builder().maxBatchInstancePercent(10).pauseTimeBetweenBatches(Duration.ofSeconds(90))
            .maxSurge(true).build(),
        AutomaticOsUpgradePolicy.enabled().withUseRollingUpgradePolicy(true));

    fleet.updateUpgradePolicy(WEB, policy, "\"3\"");

    arm.verify(exactly(1), patchRequestedFor(urlPathEqualTo(webPath()))
        .withHeader("If-Match", equalTo("\"3\""))
        .withRequestBody(equalToJson("{\"properties\": {\"upgradePolicy\": {\"mode\": \"Rolling\","
            + " \"rollingUpgradePolicy\": {\"maxBatchInstancePercent\": 10, \"maxUnhealthyInstancePercent\": 20,"
            + " \"maxUnhealthyUpgradedInstancePercent\": 20, \"pauseTimeBetweenBatches\": \"PT1M30S\","
            + " \"enableCrossZoneUpgrade\": false, \"prioritizeUnhealthyInstances\": false,"
            + " \"rollbackFailedInstancesOnPolicyBreach\": false, \"maxSurge\": true},"
            + " \"automaticOSUpgradePolicy\": {\"enableAutomaticOSUpgrade\": true, \"disableAutomaticRollback\": false,"
            + " \"useRollingUpgradePolicy\": true, \"osRollingUpgradeDeferral\": false}}}}", true, true)));
  }

  @Test
  void updateUpgradePolicy_withoutEtag_sendsNoIfMatch() {
    arm.stubFor(patch(urlPathEqualTo(webPath())).willReturn(okJson(body("vmss-web-rolling.json"))));

    fleet.updateUpgradePolicy(WEB, UpgradePolicy.manual(), null);

    arm.verify(exactly(1), patchRequestedFor(urlPathEqualTo(webPath())).withHeader("If-Match", absent())
        .withRequestBody(matchingJsonPath("$.properties.upgradePolicy.mode", equalTo("Manual"))));
  }

  @Test
  void updateUpgradePolicy_etagNoLongerMatches_throwsConflictWithoutRetry() {
    arm.stubFor(patch(urlPathEqualTo(webPath())).willReturn(aResponse().withStatus(412)
        .withHeader("Content-Type", "application/json")
        .withBody(error("PreconditionFailed", "The specified precondition 'If-Match' failed."))));

    assertThatThrownBy(() -> fleet.updateUpgradePolicy(WEB, UpgradePolicy.manual(), "\"2\""))
        .isInstanceOfSatisfying(ConflictException.class, e -> {
          assertThat(e.httpStatus()).isEqualTo(412);
          assertThat(e.code()).isEqualTo("PreconditionFailed");
        })
        .hasMessageContaining("precondition 'If-Match' failed");
    arm.verify(exactly(1), patchRequestedFor(urlPathEqualTo(webPath())));
  }

  @Test
  void updateUpgradePolicy_conflict409_throwsConflictWithoutRetry() {
    arm.stubFor(patch(urlPathEqualTo(webPath())).willReturn(aResponse().withStatus(409)
        .withHeader("Content-Type", "application/json")
        .withBody(error("OperationNotAllowed", "Operation 'Update' is not allowed since a rolling upgrade is "
            + "in progress."))));

    assertThatThrownBy(() -> fleet.updateUpgradePolicy(WEB, UpgradePolicy.manual(), null))
        .isInstanceOfSatisfying(ConflictException.class,
            e -> assertThat(e.code()).isEqualTo("OperationNotAllowed"));
    arm.verify(exactly(1), patchRequestedFor(urlPathEqualTo(webPath())));
  }

  @Test
  void updateUpgradePolicy_conditionalAnd503_isNotRetried() {
    arm.stubFor(patch(urlPathEqualTo(webPath())).willReturn(aResponse().withStatus(503)
        .withHeader("Content-Type", "application/json").withBody(error("ServiceUnavailable", "Try later."))));

    assertThatThrownBy(() -> fleet.updateUpgradePolicy(WEB, UpgradePolicy.manual(), "\"3\""))
        .isInstanceOf(TransientCloudException.class);
    arm.verify(exactly(1), patchRequestedFor(urlPathEqualTo(webPath())));
  }

  @Test
  void updateUpgradePolicy_conditionalAndThrottled_isRetriedBecauseArmDidNotProcessIt() {
    arm.stubFor(patch(urlPathEqualTo(webPath())).inScenario("p").whenScenarioStateIs(Scenario.STARTED)
        .willReturn(aResponse().withStatus(429).withHeader("Retry-After", "1")).willSetStateTo("ok"));
    arm.stubFor(patch(urlPathEqualTo(webPath())).inScenario("p").whenScenarioStateIs("ok")
        .willReturn(okJson(body("vmss-web-rolling.json"))));

    fleet.updateUpgradePolicy(WEB, UpgradePolicy.manual(), "\"3\"");

    arm.verify(exactly(2), patchRequestedFor(urlPathEqualTo(webPath())).withHeader("If-Match", equalTo("\"3\"")));
  }

  @Test
  void updateUpgradePolicy_unconditionalAnd503_isRetriedBecauseTheSameValueTwiceIsTheSame() {
    arm.stubFor(patch(urlPathEqualTo(webPath())).inScenario("p").whenScenarioStateIs(Scenario.STARTED)
        .willReturn(aResponse().withStatus(503)).willSetStateTo("ok"));
    arm.stubFor(patch(urlPathEqualTo(webPath())).inScenario("p").whenScenarioStateIs("ok")
        .willReturn(okJson(body("vmss-web-rolling.json"))));

    fleet.updateUpgradePolicy(WEB, UpgradePolicy.manual(), null);

    arm.verify(exactly(2), patchRequestedFor(urlPathEqualTo(webPath())));
  }

  @Test
  void updateUpgradePolicy_bothHealthSources_throwsInvalidModelWithAzureMessage() {
    String message = "Automatic OS Upgrade is not supported for this Virtual Machine Scale Set because both a "
        + "health probe and a health extension were provided. Remove the health probe or health extension prior to "
        + "enabling automatic OS upgrade.";
    arm.stubFor(patch(urlPathEqualTo(webPath())).willReturn(aResponse().withStatus(400)
        .withHeader("Content-Type", "application/json").withBody(error("BadRequest", message))));

    assertThatThrownBy(() -> fleet.updateUpgradePolicy(WEB,
        UpgradePolicy.manual().withAutomaticOsUpgrade(AutomaticOsUpgradePolicy.enabled()), null))
        .isInstanceOfSatisfying(InvalidModelException.class, e -> {
          assertThat(e.code()).isEqualTo("BadRequest");
          assertThat(e.httpStatus()).isEqualTo(400);
        })
        .hasMessageContaining("both a health probe and a health extension");
    arm.verify(exactly(1), patchRequestedFor(urlPathEqualTo(webPath())));
  }

  // --------------------------------------------------------------------------------------------- model image

  /**
   * CRP answers a model PATCH with 200, provisioningState Updating and an Azure-AsyncOperation to poll; the adapter
   * polls it until it succeeds, and does not GET the scale set after it (the SDK's synchronous update would).
   */
  @Test
  void updateModelImage_updatingWithAzureAsyncOperation_pollsUntilSucceededWithoutGettingTheScaleSet() {
    String op = base(arm) + "/operations/patch-1?api-version=2025-04-01";
    arm.stubFor(patch(urlPathEqualTo(webPath())).willReturn(okJson(manualModel("4", "22.04.202407010")
        .replace("\"provisioningState\": \"Succeeded\"", "\"provisioningState\": \"Updating\""))
        .withHeader("Azure-AsyncOperation", op)));
    arm.stubFor(get(urlPathEqualTo("/operations/patch-1")).inScenario("op").whenScenarioStateIs(Scenario.STARTED)
        .willReturn(okJson("{\"status\": \"InProgress\"}")).willSetStateTo("done"));
    arm.stubFor(get(urlPathEqualTo("/operations/patch-1")).inScenario("op").whenScenarioStateIs("done")
        .willReturn(okJson("{\"status\": \"Succeeded\"}")));
    arm.stubFor(get(urlPathEqualTo(webPath())).willReturn(okJson(manualModel("4", "22.04.202407010"))));

    fleet.updateModelImage(WEB, JAMMY);

    arm.verify(exactly(1), patchRequestedFor(urlPathEqualTo(webPath()))
        .withRequestBody(equalToJson("{\"properties\": {\"virtualMachineProfile\": {\"storageProfile\": "
            + "{\"imageReference\": {\"publisher\": \"Canonical\", \"offer\": \"0001-com-ubuntu-server-jammy\","
            + " \"sku\": \"22_04-lts-gen2\", \"version\": \"22.04.202407010\"}}}}}", true, true)));
    arm.verify(exactly(2), getRequestedFor(urlPathEqualTo("/operations/patch-1")));
    arm.verify(exactly(0), getRequestedFor(urlPathEqualTo(webPath())));
  }

  @Test
  void updateModelImage_gallery_sendsVersionedIdOrDefinitionIdForLatest() {
    String definition = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/images/providers/"
        + "Microsoft.Compute/galleries/corp/images/web-base";
    arm.stubFor(patch(urlPathEqualTo(webPath())).willReturn(okJson(body("vmss-web-rolling.json"))));

    fleet.updateModelImage(WEB, ImageReference.gallery(definition, "1.2.3"));
    fleet.updateModelImage(WEB, ImageReference.gallery(definition, "latest"));

    arm.verify(exactly(1), patchRequestedFor(urlPathEqualTo(webPath())).withRequestBody(matchingJsonPath(
        "$.properties.virtualMachineProfile.storageProfile.imageReference.id", equalTo(definition + "/versions/1.2.3"))));
    arm.verify(exactly(1), patchRequestedFor(urlPathEqualTo(webPath())).withRequestBody(matchingJsonPath(
        "$.properties.virtualMachineProfile.storageProfile.imageReference.id", equalTo(definition))));
  }

  @Test
  void updateModelImage_pinnedWithAutomaticOsUpgrade_throwsInvalidModelWithAzureMessage() {
    String message = "virtualMachineScaleSets with Automatic OS Upgrade enabled must use Platform or Gallery Image "
        + "with version set to 'latest'.";
    arm.stubFor(patch(urlPathEqualTo(webPath())).willReturn(aResponse().withStatus(400)
        .withHeader("Content-Type", "application/json").withBody(error("InvalidParameter", message))));

    assertThatThrownBy(() -> fleet.updateModelImage(WEB, JAMMY))
        .isInstanceOfSatisfying(InvalidModelException.class, e -> assertThat(e.code()).isEqualTo("InvalidParameter"))
        .hasMessageContaining("must use Platform or Gallery Image with version set to 'latest'");
  }

  /** A 404 about the image the PATCH names is a bad model change, not a missing scale set. */
  @Test
  void updateModelImage_galleryVersionNotInRegion404_throwsInvalidModelNotResourceNotFound() {
    arm.stubFor(patch(urlPathEqualTo(webPath())).willReturn(aResponse().withStatus(404)
        .withHeader("Content-Type", "application/json").withBody(error("GalleryImageNotFound", "The gallery image "
            + "/subscriptions/x/resourceGroups/images/providers/Microsoft.Compute/galleries/corp/images/web/versions/"
            + "1.1.0 is not available in westeurope region."))));

    assertThatThrownBy(() -> fleet.updateModelImage(WEB, JAMMY))
        .isInstanceOfSatisfying(InvalidModelException.class, e -> {
          assertThat(e.httpStatus()).isEqualTo(404);
          assertThat(e.code()).isEqualTo("GalleryImageNotFound");
        });
    arm.verify(exactly(1), patchRequestedFor(urlPathEqualTo(webPath())));
  }

  @Test
  void updateModelImage_lroEndsFailed_throwsCloudExceptionWithOperationError() {
    arm.stubFor(patch(urlPathEqualTo(webPath())).willReturn(okJson(manualModel("4", "22.04.202407010")
        .replace("\"provisioningState\": \"Succeeded\"", "\"provisioningState\": \"Updating\""))
        .withHeader("Azure-AsyncOperation", base(arm) + "/operations/patch-3")));
    arm.stubFor(get(urlPathEqualTo("/operations/patch-3")).willReturn(okJson("{\"status\": \"Failed\", \"error\": "
        + "{\"code\": \"ImageNotFound\", \"message\": \"The platform image 'Canonical:x:y:1.0' is not available.\"}}")));

    assertThatThrownBy(() -> fleet.updateModelImage(WEB, JAMMY))
        .isInstanceOfSatisfying(CloudException.class, e -> assertThat(e.code()).isEqualTo("ImageNotFound"))
        .hasMessageContaining("is not available");
    arm.verify(exactly(1), patchRequestedFor(urlPathEqualTo(webPath())));
  }

  /**
   * An operation that does not succeed throws what the SDK's synchronous update threw for it (the mapping of its
   * {@code ManagementException}, compared case by case while the adapter still called that update): ARM's code from
   * the last poll's body, else one named after how it ended, with the poll's HTTP status; one PATCH, not repeated.
   */
  @ParameterizedTest(name = "poll {0} {1}")
  @CsvSource(delimiter = '|', value = {
      "200 | {\"status\": \"Failed\", \"error\": {\"code\": \"InternalExecutionError\", \"message\": \"An "
          + "internal execution error occurred.\"}} | CloudException | 200 | InternalExecutionError",
      "200 | {\"status\": \"Failed\"} | CloudException | 200 | FAILED",
      "200 | {\"status\": \"Failed\", \"error\": {\"code\": \"NoMessage\"}} | CloudException | 200 | FAILED",
      "200 | <html>gateway</html> | CloudException | 200 | FAILED",
      "200 | {\"status\": \"Canceled\"} | CloudException | 0 | UnexpectedResponse",
      "404 | {\"error\": {\"code\": \"NotFound\", \"message\": \"No operation.\"}} | ResourceNotFoundException | 404 "
          + "| NotFound",
  })
  void updateModelImage_operationDoesNotSucceed_throwsWhatTheSynchronousUpdateThrew(int pollStatus, String pollBody,
      String type, int httpStatus, String code) {
    arm.stubFor(patch(urlPathEqualTo(webPath())).willReturn(okJson(manualModel("4", "22.04.202407010")
        .replace("\"provisioningState\": \"Succeeded\"", "\"provisioningState\": \"Updating\""))
        .withHeader("Azure-AsyncOperation", base(arm) + "/operations/patch-4")));
    arm.stubFor(get(urlPathEqualTo("/operations/patch-4")).willReturn(aResponse().withStatus(pollStatus)
        .withHeader("Content-Type", "application/json").withBody(pollBody)));

    assertThatThrownBy(() -> fleet.updateModelImage(WEB, JAMMY))
        .isInstanceOfSatisfying(CloudException.class, e -> {
          assertThat(e.getClass().getSimpleName()).isEqualTo(type);
          assertThat(e.httpStatus()).isEqualTo(httpStatus);
          assertThat(e.code()).isEqualTo(code);
          assertThat(e.isRejection()).isFalse();
        })
        .hasMessageContaining("PATCH model image of");
    arm.verify(exactly(1), patchRequestedFor(urlPathEqualTo(webPath())));
    arm.verify(exactly(0), getRequestedFor(urlPathEqualTo(webPath())));
  }

  // ---------------------------------------------------------------------------------------- manual upgrade

  @Test
  void upgradeInstances_batch_sendsOneManualUpgradeAndDoesNotPoll() {
    arm.stubFor(post(urlPathEqualTo(webPath() + "/manualupgrade")).willReturn(aResponse().withStatus(202)
        .withHeader("Location", base(arm) + "/operations/mu-1")));
    arm.stubFor(get(urlPathEqualTo("/operations/mu-1")).willReturn(aResponse().withStatus(202)));

    fleet.upgradeInstances(WEB, List.of("0", "1", "2", "1"));

    arm.verify(exactly(1), postRequestedFor(urlPathEqualTo(webPath() + "/manualupgrade"))
        .withRequestBody(equalToJson("{\"instanceIds\": [\"0\", \"1\", \"2\"]}")));
    arm.verify(exactly(0), getRequestedFor(urlPathEqualTo("/operations/mu-1")));
  }

  @Test
  void upgradeInstances_twoBatches_sendsOneCallPerBatch() {
    arm.stubFor(post(urlPathEqualTo(webPath() + "/manualupgrade")).willReturn(aResponse().withStatus(200)));

    fleet.upgradeInstances(WEB, List.of("0", "1"));
    fleet.upgradeInstances(WEB, List.of("2", "3"));

    arm.verify(exactly(2), postRequestedFor(urlPathEqualTo(webPath() + "/manualupgrade")));
    arm.verify(exactly(2), anyRequestedFor(anyUrl()));
  }

  @Test
  void upgradeInstances_emptyList_sendsNothing() {
    fleet.upgradeInstances(WEB, List.of());

    arm.verify(exactly(0), anyRequestedFor(anyUrl()));
  }

  @Test
  void upgradeInstances_503ThenAccepted_retriesBecauseManualUpgradeIsIdempotent() {
    arm.stubFor(post(urlPathEqualTo(webPath() + "/manualupgrade")).inScenario("mu")
        .whenScenarioStateIs(Scenario.STARTED).willReturn(aResponse().withStatus(503)).willSetStateTo("up"));
    arm.stubFor(post(urlPathEqualTo(webPath() + "/manualupgrade")).inScenario("mu")
        .whenScenarioStateIs("up").willReturn(aResponse().withStatus(202)
            .withHeader("Location", base(arm) + "/operations/mu-2")));

    fleet.upgradeInstances(WEB, List.of("4"));

    arm.verify(exactly(2), postRequestedFor(urlPathEqualTo(webPath() + "/manualupgrade")));
  }

  // -------------------------------------------------------------------------------------------------- rollback

  private void stubRollback(String restoreStatus) {
    arm.stubFor(get(urlPathEqualTo(webPath())).willReturn(okJson(manualModel("3", "22.04.202407010"))));
    arm.stubFor(patch(urlPathEqualTo(webPath())).withHeader("If-Match", equalTo("\"3\""))
        .willReturn(okJson(manualModel("4", "22.04.202406140"))));
    arm.stubFor(patch(urlPathEqualTo(webPath())).withHeader("If-Match", equalTo("\"4\""))
        .willReturn(restoreStatus.equals("200") ? okJson(manualModel("5", "22.04.202407010"))
            : aResponse().withStatus(Integer.parseInt(restoreStatus)).withHeader("Content-Type", "application/json")
                .withBody(restoreStatus.equals("403") ? error("AuthorizationFailed", "The client does not have "
                    + "authorization to perform action 'Microsoft.Compute/virtualMachineScaleSets/write'.")
                    : error("PreconditionFailed", "The specified precondition 'If-Match' failed."))));
    arm.stubFor(post(urlPathEqualTo(webPath() + "/manualupgrade")).willReturn(aResponse().withStatus(202)
        .withHeader("Location", base(arm) + "/operations/rb-1")));
    arm.stubFor(get(urlPathEqualTo("/operations/rb-1")).inScenario("rb").whenScenarioStateIs(Scenario.STARTED)
        .willReturn(aResponse().withStatus(202).withHeader("Location", base(arm) + "/operations/rb-1"))
        .willSetStateTo("done"));
    arm.stubFor(get(urlPathEqualTo("/operations/rb-1")).inScenario("rb").whenScenarioStateIs("done")
        .willReturn(aResponse().withStatus(200)));
  }

  @Test
  void rollBackInstances_manualMode_movesModelUpgradesPollsLocationThenMovesModelBack() {
    stubRollback("200");

    fleet.rollBackInstances(WEB, List.of("3", "7"), PREVIOUS);

    assertThat(changes()).containsExactly("GET ", "PATCH ", "POST /manualupgrade", "PATCH ");
    arm.verify(exactly(1), patchRequestedFor(urlPathEqualTo(webPath())).withHeader("If-Match", equalTo("\"3\""))
        .withRequestBody(matchingJsonPath("$.properties.virtualMachineProfile.storageProfile.imageReference.version",
            equalTo("22.04.202406140"))));
    arm.verify(exactly(1), postRequestedFor(urlPathEqualTo(webPath() + "/manualupgrade"))
        .withRequestBody(equalToJson("{\"instanceIds\": [\"3\", \"7\"]}")));
    arm.verify(exactly(2), getRequestedFor(urlPathEqualTo("/operations/rb-1")));
    arm.verify(exactly(1), patchRequestedFor(urlPathEqualTo(webPath())).withHeader("If-Match", equalTo("\"4\""))
        .withRequestBody(matchingJsonPath("$.properties.virtualMachineProfile.storageProfile.imageReference.version",
            equalTo("22.04.202407010"))));
  }

  @Test
  void rollBackInstances_rollingMode_refusesBeforeAnyChange() {
    arm.stubFor(get(urlPathEqualTo(webPath())).willReturn(okJson(body("vmss-web-rolling.json"))));

    assertThatThrownBy(() -> fleet.rollBackInstances(WEB, List.of("3"), PREVIOUS))
        .isInstanceOfSatisfying(InvalidModelException.class,
            e -> assertThat(e.code()).isEqualTo("RollbackRequiresManualUpgradeMode"))
        .hasMessageContaining("Rolling");
    assertThat(changes()).containsExactly("GET ");
  }

  @Test
  void rollBackInstances_modelAlreadyOnPreviousImage_onlyUpgradesAndPollsAzureAsyncOperation() {
    stubRollback("200");
    arm.stubFor(get(urlPathEqualTo(webPath())).willReturn(okJson(manualModel("3", "22.04.202406140"))));
    arm.stubFor(post(urlPathEqualTo(webPath() + "/manualupgrade")).willReturn(aResponse().withStatus(202)
        .withHeader("Azure-AsyncOperation", base(arm) + "/operations/rb-2")));
    arm.stubFor(get(urlPathEqualTo("/operations/rb-2")).inScenario("rb2").whenScenarioStateIs(Scenario.STARTED)
        .willReturn(okJson("{\"status\": \"InProgress\"}")).willSetStateTo("done"));
    arm.stubFor(get(urlPathEqualTo("/operations/rb-2")).inScenario("rb2").whenScenarioStateIs("done")
        .willReturn(okJson("{\"status\": \"Succeeded\"}")));

    fleet.rollBackInstances(WEB, List.of("3"), PREVIOUS);

    assertThat(changes()).containsExactly("GET ", "POST /manualupgrade");
    arm.verify(exactly(2), getRequestedFor(urlPathEqualTo("/operations/rb-2")));
  }

  @Test
  void rollBackInstances_restoreRefused_reportsModelLeftOnPreviousImageNotAsARejection() {
    stubRollback("403");

    assertThatThrownBy(() -> fleet.rollBackInstances(WEB, List.of("3"), PREVIOUS))
        .isInstanceOfSatisfying(CloudException.class, e -> {
          assertThat(e.code()).isEqualTo("RollbackModelNotRestored");
          assertThat(e.isRejection()).isFalse();
          assertThat(e.getCause()).isInstanceOf(ForbiddenException.class);
        })
        .hasMessageContaining("was left on " + PREVIOUS)
        .hasMessageContaining("set it back to " + JAMMY);
  }

  @Test
  void rollBackInstances_upgradeFails_stillRestoresModelAndThrowsTheFailure() {
    stubRollback("200");
    arm.stubFor(post(urlPathEqualTo(webPath() + "/manualupgrade")).willReturn(aResponse().withStatus(409)
        .withHeader("Content-Type", "application/json")
        .withBody(error("OperationNotAllowed", "The operation is not allowed while a rolling upgrade is running."))));

    assertThatThrownBy(() -> fleet.rollBackInstances(WEB, List.of("3"), PREVIOUS))
        .isInstanceOf(ConflictException.class);
    assertThat(changes()).containsExactly("GET ", "PATCH ", "POST /manualupgrade", "PATCH ");
  }

  @Test
  void rollBackInstances_latestImage_isRejectedAsBadInput() {
    assertThatThrownBy(() -> fleet.rollBackInstances(WEB, List.of("3"), JAMMY.withLatest()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("previousImage must be pinned");
    arm.verify(exactly(0), anyRequestedFor(anyUrl()));
  }
}
