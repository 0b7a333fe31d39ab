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
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static dev.osupgrade.azure.ArmServer.WEB;
import static dev.osupgrade.azure.ArmServer.base;
import static dev.osupgrade.azure.ArmServer.body;
import static dev.osupgrade.azure.ArmServer.page;
import static dev.osupgrade.azure.ArmServer.webPath;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.ops.RollbackInfo;
import dev.osupgrade.ops.RollingUpgradeStatus;
import dev.osupgrade.ops.RolloutStatus;
import dev.osupgrade.ops.StartedBy;
import dev.osupgrade.ops.UpgradeError;
import dev.osupgrade.ops.UpgradeHistoryEntry;
import dev.osupgrade.ops.UpgradeProgress;
import dev.osupgrade.port.CloudException;
import dev.osupgrade.port.ConflictException;
import dev.osupgrade.port.ResourceNotFoundException;
import dev.osupgrade.port.TransientCloudException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

final class AzureFleetPlatformUpgradeTest {
  @RegisterExtension static final WireMockExtension arm = ArmServer.extension();

  private final AzureFleet fleet = ArmServer.fleet(arm);

  private static String error(String code, String message) {
    return "{\"error\": {\"code\": \"" + code + "\", \"message\": \"" + message + "\"}}";
  }

  // --------------------------------------------------------------------------------------------------- start

  @Test
  void startOsUpgrade_accepted_sendsOnePostAndDoesNotWaitForTheRollout() {
    arm.stubFor(post(urlPathEqualTo(webPath() + "/osRollingUpgrade")).willReturn(aResponse().withStatus(202)
        .withHeader("Location", base(arm) + "/operations/os-1")));
    arm.stubFor(get(urlPathEqualTo("/operations/os-1")).willReturn(aResponse().withStatus(202)));

    fleet.startOsUpgrade(WEB);

    arm.verify(exactly(1), postRequestedFor(urlPathEqualTo(webPath() + "/osRollingUpgrade")));
    arm.verify(exactly(0), getRequestedFor(urlPathEqualTo("/operations/os-1")));
  }

  @Test
  void startOsUpgrade_serverError_isNotRetriedBecauseItMayHaveStarted() {
    arm.stubFor(post(urlPathEqualTo(webPath() + "/osRollingUpgrade")).willReturn(aResponse().withStatus(500)
        .withHeader("Content-Type", "application/json")
        .withBody(error("InternalExecutionError", "An internal execution error occurred."))));

    assertThatThrownBy(() -> fleet.startOsUpgrade(WEB))
        .isInstanceOfSatisfying(TransientCloudException.class,
            e -> assertThat(e.code()).isEqualTo("InternalExecutionError"));
    arm.verify(exactly(1), postRequestedFor(urlPathEqualTo(webPath() + "/osRollingUpgrade")));
  }

  @Test
  void startOsUpgrade_throttledOnce_isRetriedBecauseArmDidNotProcessIt() {
    arm.stubFor(post(urlPathEqualTo(webPath() + "/osRollingUpgrade")).inScenario("t")
        .whenScenarioStateIs(Scenario.STARTED).willReturn(aResponse().withStatus(429).withHeader("Retry-After", "1")
            .withHeader("Content-Type", "application/json")
            .withBody(error("OperationNotAllowed", "The server rejected the request because too many requests "
                + "have been received for this subscription.")))
        .willSetStateTo("ok"));
    arm.stubFor(post(urlPathEqualTo(webPath() + "/osRollingUpgrade")).inScenario("t").whenScenarioStateIs("ok")
        .willReturn(aResponse().withStatus(200)));

    fleet.startOsUpgrade(WEB);

    arm.verify(exactly(2), postRequestedFor(urlPathEqualTo(webPath() + "/osRollingUpgrade")));
  }

  @Test
  void startOsUpgrade_notLatest_throwsWithAzureMessage() {
    String message = "The OS Rolling Upgrade API cannot be used on a Virtual Machine Scale Set unless the Virtual "
        + "Machine Scale Set has some unprotected instances which have imageReference.version set to latest.";
    arm.stubFor(post(urlPathEqualTo(webPath() + "/osRollingUpgrade")).willReturn(aResponse().withStatus(409)
        .withHeader("Content-Type", "application/json").withBody(error("OperationNotAllowed", message))));

    assertThatThrownBy(() -> fleet.startOsUpgrade(WEB))
        .isInstanceOfSatisfying(ConflictException.class, e -> assertThat(e.code()).isEqualTo("OperationNotAllowed"))
        .hasMessageContaining("imageReference.version set to latest");
  }

  // -------------------------------------------------------------------------------------------------- cancel

  @Test
  void cancelRollingUpgrade_running_sendsOnePost() {
    arm.stubFor(post(urlPathEqualTo(webPath() + "/rollingUpgrades/cancel")).willReturn(aResponse().withStatus(202)
        .withHeader("Location", base(arm) + "/operations/cancel-1")));

    fleet.cancelRollingUpgrade(WEB);

    arm.verify(exactly(1), postRequestedFor(urlPathEqualTo(webPath() + "/rollingUpgrades/cancel")));
  }

  @Test
  void cancelRollingUpgrade_nothingRunning_isANoOp() {
    arm.stubFor(post(urlPathEqualTo(webPath() + "/rollingUpgrades/cancel")).willReturn(aResponse().withStatus(409)
        .withHeader("Content-Type", "application/json")
        .withBody(error("OperationNotAllowed", "There is no ongoing Rolling Upgrade to cancel."))));

    fleet.cancelRollingUpgrade(WEB);

    arm.verify(exactly(1), postRequestedFor(urlPathEqualTo(webPath() + "/rollingUpgrades/cancel")));
  }

  @Test
  void cancelRollingUpgrade_otherConflict_throws() {
    arm.stubFor(post(urlPathEqualTo(webPath() + "/rollingUpgrades/cancel")).willReturn(aResponse().withStatus(409)
        .withHeader("Content-Type", "application/json")
        .withBody(error("OperationNotAllowed", "The scale set is being deleted."))));

    assertThatThrownBy(() -> fleet.cancelRollingUpgrade(WEB)).isInstanceOf(ConflictException.class)
        .hasMessageContaining("being deleted");
  }

  // -------------------------------------------------------------------------------------------------- latest

  @Test
  void latestRollingUpgrade_microsoftExample_mapsStatusProgressPolicyAndError() {
    arm.stubFor(get(urlPathEqualTo(webPath() + "/rollingUpgrades/latest"))
        .willReturn(okJson(body("rolling-upgrade-latest.json"))));

    RollingUpgradeStatus latest = fleet.latestRollingUpgrade(WEB).orElseThrow();

    assertThat(latest.status()).isEqualTo(RolloutStatus.ROLLING_FORWARD);
    assertThat(latest.isRunning()).isTrue();
    assertThat(latest.startTime()).isEqualTo(Instant.parse("2021-11-30T13:06:23.362Z"));
    assertThat(latest.lastAction()).isEqualTo(RollingUpgradeStatus.Action.START);
    assertThat(latest.lastActionTime()).isEqualTo(Instant.parse("2021-11-30T13:06:23.362Z"));
    assertThat(latest.progress()).isEqualTo(new UpgradeProgress(6, 25, 20, 27));
    assertThat(latest.policy().maxBatchInstancePercent()).isEqualTo(49);
    assertThat(latest.policy().maxUnhealthyInstancePercent()).isEqualTo(81);
    assertThat(latest.policy().maxUnhealthyUpgradedInstancePercent()).isEqualTo(98);
    assertThat(latest.policy().pauseTimeBetweenBatches()).isEqualTo(Duration.ZERO); // "aaaa…" in the example
    assertThat(latest.policy().maxSurge()).isTrue();
    assertThat(latest.error()).isEqualTo(new UpgradeError("aaaaaaa", "aaaaaaaaa"));
  }

  @Test
  void latestRollingUpgrade_faultedAfterCancel_mapsCodeAndAction() {
    arm.stubFor(get(urlPathEqualTo(webPath() + "/rollingUpgrades/latest")).willReturn(okJson("{\"properties\": {"
        + "\"runningStatus\": {\"code\": \"Cancelled\", \"startTime\": \"2024-01-12T20:20:04.4363788+00:00\","
        + " \"lastAction\": \"Cancel\", \"lastActionTime\": \"2024-01-12T20:30:00+00:00\"},"
        + " \"progress\": {\"successfulInstanceCount\": 8, \"failedInstanceCount\": 0,"
        + " \"inProgressInstanceCount\": 0, \"pendingInstanceCount\": 2}}}")));

    RollingUpgradeStatus latest = fleet.latestRollingUpgrade(WEB).orElseThrow();

    assertThat(latest.status()).isEqualTo(RolloutStatus.CANCELLED);
    assertThat(latest.lastAction()).isEqualTo(RollingUpgradeStatus.Action.CANCEL);
    assertThat(latest.error()).isNull();
    assertThat(latest.policy().maxBatchInstancePercent()).isEqualTo(20);
  }

  @Test
  void latestRollingUpgrade_unknownStatusCodeFromNewerApi_readsUnknownWithTheRawCodeNeitherRunningNorEnded() {
    arm.stubFor(get(urlPathEqualTo(webPath() + "/rollingUpgrades/latest")).willReturn(okJson("{\"properties\": {"
        + "\"runningStatus\": {\"code\": \"RollingBackward\", \"startTime\": \"2024-01-12T20:20:04Z\","
        + " \"lastAction\": \"Pause\"}}}")));

    RollingUpgradeStatus latest = fleet.latestRollingUpgrade(WEB).orElseThrow();

    assertThat(latest.status()).isEqualTo(RolloutStatus.UNKNOWN);
    assertThat(latest.statusCode()).isEqualTo("RollingBackward");
    assertThat(latest.isKnown()).isFalse();
    assertThat(latest.isRunning()).isFalse();
    assertThat(latest.hasEnded()).isFalse();
    assertThat(latest.lastAction()).isNull();
    assertThat(latest.progress()).isEqualTo(UpgradeProgress.none());
  }

  @Test
  void latestRollingUpgrade_noneYet404_isEmpty() {
    arm.stubFor(get(urlPathEqualTo(webPath() + "/rollingUpgrades/latest")).willReturn(aResponse().withStatus(404)
        .withHeader("Content-Type", "application/json")
        .withBody(error("NotFound", "The entity was not found in this Azure location."))));

    assertThat(fleet.latestRollingUpgrade(WEB)).isEqualTo(Optional.empty());
    arm.verify(exactly(1), getRequestedFor(urlPathEqualTo(webPath() + "/rollingUpgrades/latest")));
  }

  @Test
  void latestRollingUpgrade_scaleSetMissing_throwsResourceNotFound() {
    arm.stubFor(get(urlPathEqualTo(webPath() + "/rollingUpgrades/latest")).willReturn(aResponse().withStatus(404)
        .withHeader("Content-Type", "application/json")
        .withBody(error("ResourceNotFound", "The Resource 'Microsoft.Compute/virtualMachineScaleSets/web' under "
            + "resource group 'rg' was not found."))));

    assertThatThrownBy(() -> fleet.latestRollingUpgrade(WEB)).isInstanceOf(ResourceNotFoundException.class);
  }

  @Test
  void latestRollingUpgrade_noStartTime_failsWithCloudException() {
    arm.stubFor(get(urlPathEqualTo(webPath() + "/rollingUpgrades/latest")).willReturn(okJson(
        "{\"properties\": {\"runningStatus\": {\"code\": \"Completed\"}}}")));

    assertThatThrownBy(() -> fleet.latestRollingUpgrade(WEB))
        .isInstanceOfSatisfying(CloudException.class, e -> assertThat(e.code()).isEqualTo("UnexpectedResponse"))
        .hasMessageContaining("startTime");
  }

  // ------------------------------------------------------------------------------------------------- history

  @Test
  void osUpgradeHistory_twoPages_readsEveryEntryNewestFirst() {
    arm.stubFor(get(urlPathEqualTo(webPath() + "/osUpgradeHistory")).withQueryParam("page", absent())
        .willReturn(okJson(page("os-upgrade-history-maximum.json", arm,
            webPath() + "/osUpgradeHistory?page=2&api-version=2025-04-01"))));
    arm.stubFor(get(urlPathEqualTo(webPath() + "/osUpgradeHistory")).withQueryParam("page", equalTo("2"))
        .willReturn(okJson(body("os-upgrade-history-page2.json"))));

    List<UpgradeHistoryEntry> history = fleet.osUpgradeHistory(WEB);

    assertThat(history).extracting(UpgradeHistoryEntry::status)
        .containsExactly(RolloutStatus.COMPLETED, RolloutStatus.FAULTED, RolloutStatus.ROLLING_FORWARD);
    arm.verify(exactly(2), getRequestedFor(urlPathEqualTo(webPath() + "/osUpgradeHistory")));

    UpgradeHistoryEntry completed = history.get(0);
    assertThat(completed.startedBy()).isEqualTo(StartedBy.PLATFORM);
    assertThat(completed.endTime()).isEqualTo(Instant.parse("2024-07-24T18:29:25.05Z"));
    assertThat(completed.targetImage()).isEqualTo(ImageReference.marketplace("Canonical",
        "0001-com-ubuntu-server-jammy", "22_04-lts-gen2", "22.04.202407010"));
    assertThat(completed.progress()).isEqualTo(new UpgradeProgress(10, 0, 0, 0));

    UpgradeHistoryEntry faulted = history.get(1);
    assertThat(faulted.error()).isNotNull();
    assertThat(faulted.error().code()).isEqualTo("MaxUnhealthyUpgradedInstancePercentExceededInRollingUpgrade");
    assertThat(faulted.startedBy().isKnown()).isFalse(); // "SomeoneNew" from a newer API version, kept
    assertThat(faulted.startedBy().azureName()).isEqualTo("SomeoneNew");
    assertThat(faulted.startedBy()).isNotEqualTo(StartedBy.UNKNOWN);
    assertThat(faulted.targetImage()).isEqualTo(ImageReference.marketplace("Canonical",
        "0001-com-ubuntu-server-jammy", "22_04-lts-gen2", "22.04.202406140"));
    assertThat(faulted.rollbackInfo()).isEqualTo(new RollbackInfo(3, 0, null));

    UpgradeHistoryEntry example = history.get(2);
    assertThat(example.startTime()).isEqualTo(Instant.parse("2021-11-30T13:05:40.442Z"));
    assertThat(example.targetImage()).isNull(); // exactVersion "aaaaaaa" is no version
    assertThat(example.rollbackInfo().successfullyRolledBack()).isEqualTo(12);
    assertThat(example.rollbackInfo().rollbackError()).isEqualTo(new UpgradeError("aaaaaaa", "aaaaaaaaa"));
  }

  @Test
  void osUpgradeHistory_loopingNextLink_failsInsteadOfLoopingForever() {
    arm.stubFor(get(urlPathEqualTo(webPath() + "/osUpgradeHistory")).willReturn(okJson(page(
        "os-upgrade-history-page2.json", arm, null).replace("\"value\"", "\"nextLink\": \"" + base(arm) + webPath()
        + "/osUpgradeHistory?page=2\", \"value\""))));

    assertThatThrownBy(() -> fleet.osUpgradeHistory(WEB))
        .isInstanceOf(CloudException.class)
        .hasMessageContaining("loops");
  }

  // ------------------------------------------------------------------------------------------------- approve

  @Test
  void approveRollingUpgrade_instances_sendsTheirIdsOnce() {
    arm.stubFor(post(urlPathEqualTo(webPath() + "/approveRollingUpgrade")).willReturn(aResponse().withStatus(202)
        .withHeader("Location", base(arm) + "/operations/approve-1")));

    fleet.approveRollingUpgrade(WEB, List.of("0", "1", "2"));

    arm.verify(exactly(1), postRequestedFor(urlPathEqualTo(webPath() + "/approveRollingUpgrade"))
        .withRequestBody(equalToJson("{\"instanceIds\": [\"0\", \"1\", \"2\"]}")));
    arm.verify(exactly(1), anyRequestedFor(anyUrl()));
  }

  @Test
  void approveRollingUpgrade_emptyList_sendsNothingRatherThanApprovingAll() {
    fleet.approveRollingUpgrade(WEB, List.of());

    arm.verify(exactly(0), anyRequestedFor(anyUrl()));
  }
}
