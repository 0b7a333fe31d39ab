package dev.osupgrade.azure;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.exactly;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.patch;
import static com.github.tomakehurst.wiremock.client.WireMock.patchRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static dev.osupgrade.azure.ArmServer.WEB;
import static dev.osupgrade.azure.ArmServer.webPath;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.image.ImageVersion;
import dev.osupgrade.port.CloudException;
import dev.osupgrade.port.ConflictException;
import dev.osupgrade.port.TransientCloudException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

// rollBackInstances decides every repeat of its two model PATCHes from a fresh read: a 412 re-reads and re-decides
// with the new etag, a lost answer is reconciled, and the model is moved back even when the upgrade in between failed.
// Each test scripts ARM as a small state machine (WireMock scenario "model"), so that GETs answer what earlier
// PATCHes really did.
final class AzureFleetRollbackTest {
  @RegisterExtension static final WireMockExtension arm = ArmServer.extension();

  private static final String TARGET = "22.04.202407010";
  private static final String PREVIOUS_VERSION = "22.04.202406140";
  private static final ImageReference.Marketplace JAMMY =
      ImageReference.marketplace("Canonical", "0001-com-ubuntu-server-jammy", "22_04-lts-gen2", TARGET);
  private static final ImageReference PREVIOUS = JAMMY.withVersion(ImageVersion.of(PREVIOUS_VERSION));
  private static final String VERSION_PATH = "$.properties.virtualMachineProfile.storageProfile.imageReference.version";

  private final AzureFleet fleet = ArmServer.fleet(arm);

  private static String model(String etag, String version) {
    return ArmJournal.manualModel(etag, version);
  }

  private static ResponseDefinitionBuilder status(int code, String armCode) {
    return aResponse().withStatus(code).withHeader("Content-Type", "application/json")
        .withBody(ArmJournal.error(armCode, "status " + code));
  }

  /** In state {@code state}, a GET reads the model on {@code version} with {@code etag}. */
  private static void reads(String state, String etag, String version) {
    arm.stubFor(get(urlPathEqualTo(webPath())).inScenario("model").whenScenarioStateIs(state)
        .willReturn(okJson(model(etag, version))));
  }

  /** In state {@code state}, a PATCH with {@code If-Match: etag} answers {@code answer} and moves to {@code next}. */
  private static void patches(String state, String etag, ResponseDefinitionBuilder answer, String next) {
    arm.stubFor(patch(urlPathEqualTo(webPath())).inScenario("model").whenScenarioStateIs(state)
        .withHeader("If-Match", equalTo("\"" + etag + "\"")).willReturn(answer).willSetStateTo(next));
  }

  private static void upgradeAnswers(ResponseDefinitionBuilder answer) {
    arm.stubFor(post(urlPathEqualTo(webPath() + "/manualupgrade")).willReturn(answer));
  }

  private static String state() {
    return arm.getAllScenarios().getScenarios().stream().filter(s -> s.getName().equals("model")).findFirst().orElseThrow()
        .getState();
  }

  @Test
  void rollBack_restorePatch412_reReadsAndRestoresWithTheNewEtag() {
    reads(Scenario.STARTED, "3", TARGET);
    patches(Scenario.STARTED, "3", okJson(model("4", PREVIOUS_VERSION)), "moved");
    upgradeAnswers(aResponse().withStatus(200));
    patches("moved", "4", status(412, "PreconditionFailed"), "bumped"); // the platform bumped the etag meanwhile
    reads("bumped", "6", PREVIOUS_VERSION);
    patches("bumped", "6", okJson(model("7", TARGET)), "restored");

    fleet.rollBackInstances(WEB, List.of("3"), PREVIOUS);

    assertThat(ArmJournal.requests(arm)).containsExactly("GET ", "PATCH ", "POST /manualupgrade", "PATCH ", "GET ",
        "PATCH ");
    assertThat(state()).isEqualTo("restored");
    arm.verify(exactly(1), patchRequestedFor(urlPathEqualTo(webPath())).withHeader("If-Match", equalTo("\"6\""))
        .withRequestBody(matchingJsonPath(VERSION_PATH, equalTo(TARGET))));
  }

  @Test
  void rollBack_restoreAppliedButItsAnswerLost_reconciledFromAFreshReadNotSentAgain() {
    reads(Scenario.STARTED, "3", TARGET);
    patches(Scenario.STARTED, "3", okJson(model("4", PREVIOUS_VERSION)), "moved");
    upgradeAnswers(aResponse().withStatus(200));
    patches("moved", "4", aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER), "restored"); // applied, then reset
    reads("restored", "5", TARGET);

    fleet.rollBackInstances(WEB, List.of("3"), PREVIOUS);

    assertThat(ArmJournal.requests(arm)).containsExactly("GET ", "PATCH ", "POST /manualupgrade", "PATCH ", "GET ");
    assertThat(state()).isEqualTo("restored");
  }

  @Test
  void rollBack_firstPatchAppliedBut500_continuesAndRestoresWithTheEtagItRead() {
    reads(Scenario.STARTED, "3", TARGET);
    patches(Scenario.STARTED, "3", status(500, "InternalServerError"), "moved"); // applied, then failed
    reads("moved", "4", PREVIOUS_VERSION);
    upgradeAnswers(aResponse().withStatus(200));
    patches("moved", "4", okJson(model("5", TARGET)), "restored");

    fleet.rollBackInstances(WEB, List.of("3"), PREVIOUS);

    assertThat(ArmJournal.requests(arm)).containsExactly("GET ", "PATCH ", "GET ", "POST /manualupgrade", "PATCH ");
    assertThat(state()).isEqualTo("restored");
  }

  @Test
  void rollBack_firstPatch412WithTheModelUnchanged_sentAgainWithTheNewEtag() {
    reads(Scenario.STARTED, "3", TARGET);
    patches(Scenario.STARTED, "3", status(412, "PreconditionFailed"), "bumped");
    reads("bumped", "8", TARGET);
    patches("bumped", "8", okJson(model("9", PREVIOUS_VERSION)), "moved");
    upgradeAnswers(aResponse().withStatus(200));
    patches("moved", "9", okJson(model("10", TARGET)), "restored");

    fleet.rollBackInstances(WEB, List.of("3"), PREVIOUS);

    assertThat(ArmJournal.requests(arm)).containsExactly("GET ", "PATCH ", "GET ", "PATCH ", "POST /manualupgrade",
        "PATCH ");
    assertThat(state()).isEqualTo("restored");
  }

  @Test
  void rollBack_modelChangedBySomeoneElse_notOverwrittenAndNothingUpgraded() {
    reads(Scenario.STARTED, "3", TARGET);
    patches(Scenario.STARTED, "3", status(412, "PreconditionFailed"), "other");
    reads("other", "8", "22.04.202409010");

    assertThatThrownBy(() -> fleet.rollBackInstances(WEB, List.of("3"), PREVIOUS))
        .isInstanceOfSatisfying(ConflictException.class, e -> {
          assertThat(e.code()).isEqualTo("ModelChangedConcurrently");
          assertThat(e.isRejection()).isFalse();
        })
        .hasMessageContaining("22.04.202409010");
    assertThat(ArmJournal.requests(arm)).containsExactly("GET ", "PATCH ", "GET ");
  }

  @Test
  void rollBack_upgradeFailsEveryAttempt_modelStillMovedBackAndTheUpgradeFailureThrown() {
    reads(Scenario.STARTED, "3", TARGET);
    patches(Scenario.STARTED, "3", okJson(model("4", PREVIOUS_VERSION)), "moved");
    upgradeAnswers(status(500, "InternalServerError"));
    patches("moved", "4", okJson(model("5", TARGET)), "restored");

    assertThatThrownBy(() -> fleet.rollBackInstances(WEB, List.of("3"), PREVIOUS))
        .isInstanceOf(TransientCloudException.class);

    assertThat(ArmJournal.requests(arm)).containsExactly("GET ", "PATCH ", "POST /manualupgrade",
        "POST /manualupgrade", "POST /manualupgrade", "POST /manualupgrade", "PATCH ");
    assertThat(state()).isEqualTo("restored");
  }

  @Test
  void rollBack_upgradeConnectionResetThenRestoreAnswerLost_restoreStillReconciled() {
    reads(Scenario.STARTED, "3", TARGET);
    patches(Scenario.STARTED, "3", okJson(model("4", PREVIOUS_VERSION)), "moved");
    upgradeAnswers(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER));
    patches("moved", "4", aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER), "restored");
    reads("restored", "5", TARGET);

    assertThatThrownBy(() -> fleet.rollBackInstances(WEB, List.of("3"), PREVIOUS))
        .isInstanceOfSatisfying(TransientCloudException.class,
            e -> assertThat(e.code()).isEqualTo("ConnectionFailed"));
    assertThat(ArmJournal.changes(arm)).containsExactly("PATCH ", "POST /manualupgrade", "POST /manualupgrade",
        "POST /manualupgrade", "POST /manualupgrade", "PATCH ");
    assertThat(state()).isEqualTo("restored");
  }

  @Test
  void rollBack_restore412EveryRound_reportsTheImageToRestoreAfterThreeRounds() {
    reads(Scenario.STARTED, "3", TARGET);
    patches(Scenario.STARTED, "3", okJson(model("4", PREVIOUS_VERSION)), "moved");
    upgradeAnswers(aResponse().withStatus(200));
    reads("moved", "6", PREVIOUS_VERSION);
    arm.stubFor(patch(urlPathEqualTo(webPath())).inScenario("model").whenScenarioStateIs("moved")
        .willReturn(status(412, "PreconditionFailed")));

    assertThatThrownBy(() -> fleet.rollBackInstances(WEB, List.of("3"), PREVIOUS))
        .isInstanceOfSatisfying(CloudException.class, e -> {
          assertThat(e.code()).isEqualTo("RollbackModelNotRestored");
          assertThat(e.isRejection()).isFalse();
          assertThat(e.getCause()).isInstanceOf(ConflictException.class);
        })
        .hasMessageContaining("was left on " + PREVIOUS)
        .hasMessageContaining("set it back to " + JAMMY);
    assertThat(ArmJournal.changes(arm)).containsExactly("PATCH ", "POST /manualupgrade", "PATCH ", "PATCH ",
        "PATCH ");
  }

  /**
   * An upgrade mode the library does not know is neither Manual nor a reason to give up: the call fails before any
   * change, but not as a rejection, so a rollout stalls and rolls back once the mode reads Manual again.
   */
  @Test
  void rollBack_unknownUpgradeMode_failsBeforeAnyChangeWithoutRejecting() {
    arm.stubFor(get(urlPathEqualTo(webPath())).willReturn(okJson(model("3", TARGET)
        .replace("\"mode\": \"Manual\"", "\"mode\": \"Eventually\""))));

    assertThatThrownBy(() -> fleet.rollBackInstances(WEB, List.of("3"), PREVIOUS))
        .isInstanceOfSatisfying(CloudException.class, e -> {
          assertThat(e.code()).isEqualTo("UpgradeModeUnknown");
          assertThat(e.isRejection()).isFalse();
          assertThat(e.isRetryable()).isFalse();
        })
        .hasMessageContaining("'Eventually'");
    assertThat(ArmJournal.requests(arm)).containsExactly("GET ");
  }
}
