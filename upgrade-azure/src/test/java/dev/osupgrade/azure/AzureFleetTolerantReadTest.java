package dev.osupgrade.azure;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.exactly;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static dev.osupgrade.azure.ArmServer.WEB;
import static dev.osupgrade.azure.ArmServer.body;
import static dev.osupgrade.azure.ArmServer.webPath;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import dev.osupgrade.fleet.HealthState;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.PowerState;
import dev.osupgrade.ops.RolloutStatus;
import dev.osupgrade.ops.StartedBy;
import dev.osupgrade.ops.UpgradeHistoryEntry;
import dev.osupgrade.ops.UpgradeProgress;
import dev.osupgrade.port.CloudException;
import dev.osupgrade.port.TransientCloudException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

// Reads that neither fail a whole answer for one odd item nor read an unreadable answer as "nothing there".
final class AzureFleetTolerantReadTest {
  @RegisterExtension static final WireMockExtension arm = ArmServer.extension();

  private static final String VMS = webPath() + "/virtualMachines";
  private static final String LATEST = webPath() + "/rollingUpgrades/latest";
  private static final String HISTORY = webPath() + "/osUpgradeHistory";

  private final List<Duration> waits = new CopyOnWriteArrayList<>();
  private final AzureFleet fleet = ArmServer.fleet(arm, waits);

  /** An instance on the model's image, healthy, in Azure's shape; {@code identity} holds its name/id fields. */
  private static String vm(String identity, String view) {
    return "{" + identity + (identity.isEmpty() ? "" : ", ") + "\"properties\": {\"latestModelApplied\": true,"
        + " \"provisioningState\": \"Succeeded\", \"storageProfile\": {\"imageReference\": {\"publisher\": "
        + "\"Canonical\", \"offer\": \"0001-com-ubuntu-server-jammy\", \"sku\": \"22_04-lts-gen2\", \"version\": "
        + "\"latest\", \"exactVersion\": \"22.04.202407010\"}}" + (view.isEmpty() ? "" : ", \"instanceView\": " + view)
        + "}}";
  }

  private static final String HEALTHY_VIEW = "{\"platformUpdateDomain\": 0, \"platformFaultDomain\": 0, \"vmHealth\":"
      + " {\"status\": {\"code\": \"HealthState/healthy\"}}, \"statuses\": [{\"code\": \"ProvisioningState/succeeded\"},"
      + " {\"code\": \"PowerState/running\"}]}";

  private static String resourceId(String instanceId) {
    return "\"id\": \"" + WEB.armId() + "/virtualMachines/" + instanceId + "\"";
  }

  private void stubModel(String vmssBody) {
    arm.stubFor(get(urlPathEqualTo(webPath())).willReturn(okJson(vmssBody)));
  }

  private void stubInstances(String... items) {
    arm.stubFor(get(urlPathEqualTo(VMS)).willReturn(okJson("{\"value\": [" + String.join(", ", items) + "]}")));
  }

  // ------------------------------------------------------------------------------------------- instance ids

  @Test
  void listInstances_vmWithoutInstanceId_takesTheIdFromItsResourceId() {
    stubModel(body("vmss-web-rolling.json"));
    stubInstances(vm("\"instanceId\": \"0\", \"name\": \"web_0\", " + resourceId("0"), HEALTHY_VIEW),
        vm("\"name\": \"web_7\", " + resourceId("7"), HEALTHY_VIEW));

    List<Instance> instances = fleet.listInstances(WEB);

    assertThat(instances).extracting(Instance::instanceId).containsExactly("0", "7");
    assertThat(instances.get(1).health()).isEqualTo(HealthState.HEALTHY);
  }

  @Test
  void listInstances_vmWithOnlyAName_takesTheIdFromTheName() {
    stubModel(body("vmss-web-rolling.json"));
    stubInstances(vm("\"name\": \"web_12\"", HEALTHY_VIEW));

    assertThat(fleet.listInstances(WEB)).extracting(Instance::instanceId).containsExactly("12");
  }

  @Test
  void listInstances_vmWithNothingToDeriveAnIdFrom_failsTheListingAsMalformedNamingTheItem() {
    stubModel(body("vmss-web-rolling.json"));
    stubInstances(vm("\"instanceId\": \"0\"", HEALTHY_VIEW), vm("\"name\": \"other_3\"", HEALTHY_VIEW));

    assertThatThrownBy(() -> fleet.listInstances(WEB)).isInstanceOfSatisfying(CloudException.class, e -> {
      assertThat(e.code()).isEqualTo("UnexpectedResponse");
      assertThat(e.isRejection()).isFalse();
    }).hasMessageContaining("item 1 of page 1").hasMessageContaining("other_3");
  }

  @Test
  void listInstances_nullItem_failsNamingItRatherThanDroppingAnInstance() {
    stubModel(body("vmss-web-rolling.json"));
    stubInstances(vm("\"instanceId\": \"0\"", HEALTHY_VIEW), "null");

    assertThatThrownBy(() -> fleet.listInstances(WEB)).isInstanceOf(CloudException.class)
        .hasMessageContaining("item 1 of page 1 is null");
  }

  @Test
  void scaleOut_newVmWithoutInstanceId_isReportedByItsDerivedId() {
    stubModel(body("vmss-web-rolling.json").replace("\"mode\": \"Rolling\"", "\"mode\": \"Manual\""));
    arm.stubFor(get(urlPathEqualTo(VMS)).inScenario("out").whenScenarioStateIs(Scenario.STARTED)
        .willReturn(okJson("{\"value\": [" + vm("\"instanceId\": \"0\"", HEALTHY_VIEW) + "]}")));
    arm.stubFor(com.github.tomakehurst.wiremock.client.WireMock.patch(urlPathEqualTo(webPath())).inScenario("out")
        .willReturn(okJson(body("vmss-web-rolling.json"))).willSetStateTo("scaled"));
    arm.stubFor(get(urlPathEqualTo(VMS)).inScenario("out").whenScenarioStateIs("scaled")
        .willReturn(okJson("{\"value\": [" + vm("\"instanceId\": \"0\"", HEALTHY_VIEW) + ", "
            + vm("\"name\": \"web_5\", " + resourceId("5"), "") + "]}")));

    assertThat(fleet.scaleOut(WEB, 1)).containsExactly("5");
  }

  // ----------------------------------------------------------------------------------------- empty listings

  @Test
  void listInstances_answerWithoutValueOnce_isRetriedNotReadAsNoInstances() {
    stubModel(body("vmss-web-rolling.json"));
    arm.stubFor(get(urlPathEqualTo(VMS)).inScenario("vms").whenScenarioStateIs(Scenario.STARTED)
        .willReturn(okJson("{}")).willSetStateTo("fixed"));
    arm.stubFor(get(urlPathEqualTo(VMS)).inScenario("vms").whenScenarioStateIs("fixed")
        .willReturn(okJson("{\"value\": [" + vm("\"instanceId\": \"4\"", HEALTHY_VIEW) + "]}")));

    assertThat(fleet.listInstances(WEB)).extracting(Instance::instanceId).containsExactly("4");

    arm.verify(exactly(2), getRequestedFor(urlPathEqualTo(VMS)));
    assertThat(waits).hasSize(1);
  }

  @Test
  void listInstances_answerWithoutValueEveryTime_failsRetryableUnexpectedResponse() {
    stubModel(body("vmss-web-rolling.json"));
    arm.stubFor(get(urlPathEqualTo(VMS)).willReturn(okJson("{}")));

    assertThatThrownBy(() -> fleet.listInstances(WEB)).isInstanceOfSatisfying(TransientCloudException.class, e -> {
      assertThat(e.code()).isEqualTo("UnexpectedResponse");
      assertThat(e.isRejection()).isFalse();
    }).hasMessageContaining("no 'value' array");
    arm.verify(exactly(4), getRequestedFor(urlPathEqualTo(VMS)));
  }

  @Test
  void listInstances_emptyValue_isAnEmptyListing() {
    stubModel(body("vmss-web-rolling.json"));
    stubInstances();

    assertThat(fleet.listInstances(WEB)).isEmpty();
    arm.verify(exactly(1), getRequestedFor(urlPathEqualTo(VMS)));
  }

  // ------------------------------------------------------------------------------------------------- health

  @Test
  void get_instanceWithoutInstanceView_readsHealthAndPowerUnknown() {
    stubModel(body("vmss-web-rolling.json"));
    stubInstances(vm("\"instanceId\": \"0\"", ""));

    Instance only = fleet.get(WEB).instances().get(0);

    assertThat(only.health()).isEqualTo(HealthState.UNKNOWN);
    assertThat(only.powerState()).isEqualTo(PowerState.UNKNOWN);
  }

  @Test
  void get_instanceWithoutInstanceViewAndNoHealthSource_readsUnknownNotUnhealthy() {
    stubModel(body("vmss-web-rolling.json").replace("Microsoft.ManagedServices", "Contoso.Other"));
    stubInstances(vm("\"instanceId\": \"0\"", ""));

    assertThat(fleet.get(WEB).instances().get(0).health()).isEqualTo(HealthState.UNKNOWN);
  }

  @Test
  void get_healthCodeFromNewerApi_keepsAzuresCodeOnTheInstance() {
    stubModel(body("vmss-web-rolling.json"));
    stubInstances(vm("\"instanceId\": \"0\"", HEALTHY_VIEW.replace("HealthState/healthy", "HealthState/degraded")),
        vm("\"instanceId\": \"1\"", HEALTHY_VIEW));

    List<Instance> instances = fleet.get(WEB).instances();

    assertThat(instances.get(0).health()).isEqualTo(HealthState.UNKNOWN);
    assertThat(instances.get(0).healthCode()).isEqualTo("HealthState/degraded");
    assertThat(instances.get(1).healthCode()).isNull();
  }

  // --------------------------------------------------------------------------------------------- latest

  @Test
  void latestRollingUpgrade_200WithoutBody_isUnreadableNotNeverHadOne() {
    arm.stubFor(get(urlPathEqualTo(LATEST)).willReturn(aResponse().withStatus(200)));

    assertThatThrownBy(() -> fleet.latestRollingUpgrade(WEB))
        .isInstanceOfSatisfying(TransientCloudException.class,
            e -> assertThat(e.code()).isEqualTo("UnexpectedResponse"))
        .hasMessageContaining("empty");
    arm.verify(exactly(4), getRequestedFor(urlPathEqualTo(LATEST)));
  }

  @Test
  void latestRollingUpgrade_emptyObjectOnce_isRetriedAndThenRead() {
    arm.stubFor(get(urlPathEqualTo(LATEST)).inScenario("latest").whenScenarioStateIs(Scenario.STARTED)
        .willReturn(okJson("{}")).willSetStateTo("fixed"));
    arm.stubFor(get(urlPathEqualTo(LATEST)).inScenario("latest").whenScenarioStateIs("fixed")
        .willReturn(okJson(body("rolling-upgrade-latest.json"))));

    assertThat(fleet.latestRollingUpgrade(WEB)).isPresent();
    arm.verify(exactly(2), getRequestedFor(urlPathEqualTo(LATEST)));
  }

  // --------------------------------------------------------------------------------------------- history

  @Test
  void osUpgradeHistory_recordedShape_endTimeFromCompletedTimeAndUnreadableEntriesLeftOutAndReported() {
    arm.stubFor(get(urlPathEqualTo(HISTORY)).willReturn(okJson(body("os-upgrade-history-recorded.json"))));
    List<LogRecord> warnings = new CopyOnWriteArrayList<>();
    Handler capture = new Handler() {
      @Override
      public void publish(LogRecord r) {
        if (r.getLevel().intValue() >= Level.WARNING.intValue()) {
          warnings.add(r);
        }
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    Logger log = Logger.getLogger("dev.osupgrade.azure.internal.AzureOperations");
    log.addHandler(capture);
    AzureFleet.OsUpgradeHistory read;
    try {
      read = fleet.readOsUpgradeHistory(WEB);
    } finally {
      log.removeHandler(capture);
    }

    assertThat(read.entries()).extracting(UpgradeHistoryEntry::status)
        .containsExactly(RolloutStatus.COMPLETED, RolloutStatus.FAULTED);
    UpgradeHistoryEntry completed = read.entries().get(0);
    assertThat(completed.startTime()).isEqualTo(Instant.parse("2024-09-03T02:11:40.2934527Z"));
    assertThat(completed.endTime()).isEqualTo(Instant.parse("2024-09-03T02:58:12.8127719Z"));
    assertThat(completed.progress()).isEqualTo(new UpgradeProgress(6, 0, 0, 0));
    assertThat(completed.startedBy()).isEqualTo(StartedBy.PLATFORM);
    assertThat(read.entries().get(1).endTime()).isEqualTo(Instant.parse("2024-08-14T01:31:44.441221Z"));
    assertThat(read.skipped()).isEqualTo(2);
    assertThat(read.isComplete()).isFalse();
    assertThat(read.unreadable().get(0)).startsWith("item 1 of page 1").contains("no properties");
    assertThat(read.unreadable().get(1)).startsWith("item 3 of page 1").contains("startTime");
    assertThat(warnings).hasSize(2);
    assertThat(fleet.osUpgradeHistory(WEB)).isEqualTo(read.entries());
  }

  @Test
  void osUpgradeHistory_specificationShape_keepsEndTime() {
    arm.stubFor(get(urlPathEqualTo(HISTORY)).willReturn(okJson(body("os-upgrade-history-page2.json"))));

    AzureFleet.OsUpgradeHistory read = fleet.readOsUpgradeHistory(WEB);

    assertThat(read.isComplete()).isTrue();
    assertThat(read.entries()).allSatisfy(e -> assertThat(e.endTime()).isNotNull());
    assertThat(read.entries().get(0).endTime()).isEqualTo(Instant.parse("2024-07-24T18:29:25.05Z"));
  }

  @Test
  void osUpgradeHistory_unknownCode_keptAsUnknownWithTheRawCode() {
    arm.stubFor(get(urlPathEqualTo(HISTORY)).willReturn(okJson(body("os-upgrade-history-page2.json")
        .replaceFirst("\"code\": \"Completed\"", "\"code\": \"PartiallyCompleted\""))));

    UpgradeHistoryEntry first = fleet.osUpgradeHistory(WEB).get(0);

    assertThat(first.status()).isEqualTo(RolloutStatus.UNKNOWN);
    assertThat(first.statusCode()).isEqualTo("PartiallyCompleted");
    assertThat(first.isKnown()).isFalse();
  }

  @Test
  void osUpgradeHistory_pageWithoutValue_isMalformedNotAnEmptyHistory() {
    ResponseDefinitionBuilder empty = okJson("{\"nextLink\": null}");
    arm.stubFor(get(urlPathEqualTo(HISTORY)).willReturn(empty));

    assertThatThrownBy(() -> fleet.osUpgradeHistory(WEB)).isInstanceOfSatisfying(TransientCloudException.class,
        e -> assertThat(e.code()).isEqualTo("UnexpectedResponse"));
  }
}
