package dev.osupgrade.azure;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
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
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.azure.core.credential.TokenRequestContext;
import com.azure.core.http.HttpHeaderName;
import com.azure.core.http.policy.HttpPipelinePolicy;
import com.azure.core.management.AzureEnvironment;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import dev.osupgrade.InvalidValueException;
import dev.osupgrade.fleet.ScaleSet;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Mono;

/**
 * {@code AzureFleet.builder().credential(...).subscriptionId(...)}: the builder authenticates its own compute manager,
 * tested over HTTPS against WireMock (the requests it sends, the token it asks for), and its conflicts and bad values.
 */
final class AzureFleetCredentialTest {
  @RegisterExtension static final WireMockExtension arm = ArmServer.extension();

  /** A credential that hands out a fixed token and records the scopes it was asked for. */
  private static final class RecordingCredential implements TokenCredential {
    final List<List<String>> scopes = new CopyOnWriteArrayList<>();

    @Override
    public Mono<AccessToken> getToken(TokenRequestContext request) {
      scopes.add(List.copyOf(request.getScopes()));
      return Mono.just(new AccessToken("token-from-credential", OffsetDateTime.now().plusHours(1)));
    }
  }

  private final RecordingCredential credential = new RecordingCredential();
  private final List<Duration> waits = new CopyOnWriteArrayList<>();

  private AzureFleet.Builder overServer() {
    return AzureFleet.builder().credential(credential).subscriptionId(SUBSCRIPTION)
        .environment(ArmServer.environment(arm)).httpClient(ArmServer.trustingClient())
        .retry(AzureFleet.RetrySettings.ofDefaults().withBackoff(Duration.ofMillis(100), Duration.ofMillis(800)))
        .sleeper(waits::add);
  }

  private static void serveWeb() {
    arm.stubFor(get(urlPathEqualTo(webPath())).willReturn(okJson(body("vmss-web-rolling.json"))));
    arm.stubFor(get(urlPathEqualTo(webPath() + "/virtualMachines"))
        .willReturn(okJson(body("vmss-web-vms-page2.json"))));
  }

  @Test
  void credential_subscription_readsTheScaleSetWithTheCredentialsToken() {
    serveWeb();

    ScaleSet web = overServer().build().get(WEB);

    assertThat(web.id()).isEqualTo(WEB);
    assertThat(web.instanceCount()).isPositive();
    arm.verify(exactly(1), getRequestedFor(urlPathEqualTo(webPath()))
        .withHeader("Authorization", equalTo("Bearer token-from-credential")));
    arm.verify(exactly(1), getRequestedFor(urlPathEqualTo(webPath() + "/virtualMachines"))
        .withHeader("Authorization", equalTo("Bearer token-from-credential")));
    // ARM's scope is the management endpoint + "/.default" (in public Azure "https://management.core.windows.net//.default")
    assertThat(credential.scopes).isNotEmpty()
        .allSatisfy(s -> assertThat(s).containsExactly(ArmServer.base(arm) + "//.default"));
  }

  @Test
  void addPolicy_runsOnEveryRequest() {
    serveWeb();
    HttpPipelinePolicy tag = (context, next) -> {
      context.getHttpRequest().setHeader(HttpHeaderName.fromString("x-replica"), "r1");
      return next.process();
    };

    overServer().addPolicy(tag).build().get(WEB);

    arm.verify(exactly(1), getRequestedFor(urlPathEqualTo(webPath())).withHeader("x-replica", equalTo("r1")));
    arm.verify(exactly(1), getRequestedFor(urlPathEqualTo(webPath() + "/virtualMachines"))
        .withHeader("x-replica", equalTo("r1")));
  }

  @Test
  void credential_serverError_isRetriedByTheAdapterOnlyNotAlsoByTheSdk() {
    arm.stubFor(get(urlPathEqualTo(webPath())).inScenario("seq").whenScenarioStateIs(Scenario.STARTED)
        .willReturn(aResponse().withStatus(503).withHeader("Content-Type", "application/json")
            .withBody("{\"error\": {\"code\": \"ServiceUnavailable\", \"message\": \"busy\"}}"))
        .willSetStateTo("ok"));
    arm.stubFor(get(urlPathEqualTo(webPath())).inScenario("seq").whenScenarioStateIs("ok")
        .willReturn(okJson(body("vmss-web-rolling.json"))));
    arm.stubFor(get(urlPathEqualTo(webPath() + "/virtualMachines")).willReturn(okJson("{\"value\": []}")));

    overServer().build().get(WEB);

    arm.verify(exactly(2), getRequestedFor(urlPathEqualTo(webPath())));
    assertThat(waits).as("one backoff, spent by the adapter's sleeper (the SDK's retry would not use it)")
        .hasSize(1);
  }

  @Test
  void environment_defaultsToPublicAzure() {
    AzureFleet fleet = AzureFleet.builder().credential(credential).subscriptionId(SUBSCRIPTION).build();

    assertThat(fleet.toString()).contains("subscription " + SUBSCRIPTION)
        .contains("at " + AzureEnvironment.AZURE.getResourceManagerEndpoint());
    assertThat(credential.scopes).as("no request is sent before the adapter is used").isEmpty();
  }

  @Test
  void subscriptionId_upperCaseGuid_isAcceptedInLowerCase() {
    assertThat(AzureFleet.builder().subscriptionId("ABCDEF01-2345-6789-ABCD-EF0123456789").toString())
        .isEqualTo("AzureFleet.Builder{subscriptionId=abcdef01-2345-6789-abcd-ef0123456789}");
  }

  @Test
  void builder_toString_namesTheConnectionSettings() {
    assertThat(overServer().toString()).startsWith("AzureFleet.Builder{credential, subscriptionId=" + SUBSCRIPTION
        + ", environment=" + ArmServer.base(arm) + "/, httpClient, retry 4 attempts");
    assertThat(AzureFleet.builder().environment(AzureEnvironment.AZURE_CHINA).toString())
        .isEqualTo("AzureFleet.Builder{environment=AZURE_CHINA}");
  }

  @Test
  void build_managerAndCredential_conflictNamesBoth() {
    var builder = AzureFleet.builder().computeManager(ArmServer.computeManager(arm)).credential(credential);

    assertThatThrownBy(builder::build).isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("computeManager and credential cannot both be set");
  }

  @Test
  void build_managerAndHttpOptions_conflictNamesBoth() {
    assertThatThrownBy(() -> AzureFleet.builder().computeManager(ArmServer.computeManager(arm))
        .httpClient(ArmServer.trustingClient()).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("computeManager and httpClient cannot both be set");
    assertThatThrownBy(() -> AzureFleet.builder().computeManager(ArmServer.computeManager(arm))
        .environment(AzureEnvironment.AZURE).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("computeManager and environment cannot both be set");
    assertThatThrownBy(() -> AzureFleet.builder().computeManager(ArmServer.computeManager(arm))
        .addPolicy((context, next) -> next.process()).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("computeManager and addPolicy cannot both be set");
  }

  @Test
  void build_credentialWithoutSubscription_orTheOtherWayRound_failsNamingTheMissingOne() {
    assertThatThrownBy(() -> AzureFleet.builder().credential(credential).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("credential is set but subscriptionId is not");
    assertThatThrownBy(() -> AzureFleet.builder().subscriptionId(SUBSCRIPTION).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("subscriptionId is set but credential is not");
  }

  @Test
  void subscriptionId_notAGuid_isRejectedAndChangesNothing() {
    AzureFleet.Builder builder = AzureFleet.builder().credential(credential).subscriptionId(SUBSCRIPTION);

    assertThatThrownBy(() -> builder.subscriptionId("my-subscription"))
        .isInstanceOf(InvalidValueException.class)
        .hasMessageStartingWith("subscriptionId must be an Azure subscription id: a GUID")
        .hasMessageEndingWith("but was 'my-subscription'");
    assertThat(builder.toString()).contains("subscriptionId=" + SUBSCRIPTION);
  }

  @Test
  void environment_plainHttpEndpoint_isRejected() {
    Map<String, String> endpoints = new HashMap<>(AzureEnvironment.AZURE.getEndpoints());
    endpoints.put("resourceManagerEndpointUrl", "http://127.0.0.1:8080/");

    assertThatThrownBy(() -> AzureFleet.builder().environment(new AzureEnvironment(endpoints)))
        .isInstanceOf(InvalidValueException.class)
        .hasMessageStartingWith("environment must be an environment whose resource manager endpoint is an https URL")
        .hasMessageContaining("http://127.0.0.1:8080/");
  }

  @Test
  void connectionSettings_null_areRejected() {
    assertThatThrownBy(() -> AzureFleet.builder().credential(null)).isInstanceOf(InvalidValueException.class)
        .hasMessageContaining("credential");
    assertThatThrownBy(() -> AzureFleet.builder().subscriptionId(null)).isInstanceOf(InvalidValueException.class)
        .hasMessageContaining("subscriptionId");
    assertThatThrownBy(() -> AzureFleet.builder().environment(null)).isInstanceOf(InvalidValueException.class)
        .hasMessageContaining("environment");
    assertThatThrownBy(() -> AzureFleet.builder().httpClient(null)).isInstanceOf(InvalidValueException.class)
        .hasMessageContaining("httpClient");
    assertThatThrownBy(() -> AzureFleet.builder().addPolicy(null)).isInstanceOf(InvalidValueException.class)
        .hasMessageContaining("policy");
  }
}
