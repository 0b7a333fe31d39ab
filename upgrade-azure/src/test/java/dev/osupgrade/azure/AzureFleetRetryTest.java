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
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import dev.osupgrade.port.CloudException;
import dev.osupgrade.port.ForbiddenException;
import dev.osupgrade.port.ThrottledException;
import dev.osupgrade.port.TransientCloudException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

final class AzureFleetRetryTest {
  @RegisterExtension static final WireMockExtension arm = ArmServer.extension();

  private static final String THROTTLED = "{\"error\": {\"code\": \"OperationNotAllowed\", \"message\": \"The server "
      + "rejected the request because too many requests have been received for this subscription.\", \"details\": "
      + "[{\"code\": \"TooManyRequests\", \"target\": \"HighCostGet30Min\", \"message\": \"{\\\"operationGroup\\\":"
      + "\\\"HighCostGet30Min\\\",\\\"allowedRequestCount\\\":800,\\\"measuredRequestCount\\\":1238}\"}]}}";

  private final List<Duration> waits = new CopyOnWriteArrayList<>();
  private final AzureFleet fleet = ArmServer.fleet(arm, waits);

  private static ResponseDefinitionBuilder throttled(String retryAfterSeconds) {
    ResponseDefinitionBuilder r = aResponse().withStatus(429).withHeader("Content-Type", "application/json")
        .withHeader("x-ms-ratelimit-remaining-resource", "Microsoft.Compute/HighCostGet30Min;0")
        .withBody(THROTTLED);
    return retryAfterSeconds == null ? r : r.withHeader("Retry-After", retryAfterSeconds);
  }

  private static ResponseDefinitionBuilder status(int code) {
    return aResponse().withStatus(code).withHeader("Content-Type", "application/json")
        .withBody("{\"error\": {\"code\": \"" + (code == 403 ? "AuthorizationFailed" : "ServiceUnavailable")
            + "\", \"message\": \"status " + code + "\"}}");
  }

  /** Serves the scale set GET from a sequence of responses, the last one repeating. */
  private static void scaleSetAnswers(ResponseDefinitionBuilder... answers) {
    for (int i = 0; i < answers.length; i++) {
      var stub = get(urlPathEqualTo(webPath())).inScenario("seq")
          .whenScenarioStateIs(i == 0 ? Scenario.STARTED : "step" + i).willReturn(answers[i]);
      if (i < answers.length - 1) {
        stub = stub.willSetStateTo("step" + (i + 1));
      }
      arm.stubFor(stub);
    }
    arm.stubFor(get(urlPathEqualTo(webPath() + "/virtualMachines")).willReturn(okJson("{\"value\": []}")));
  }

  @Test
  void get_throttledThenOk_waitsWhatRetryAfterAsksThenSucceeds() {
    scaleSetAnswers(throttled("2"), okJson(body("vmss-web-rolling.json")));

    assertThat(fleet.get(WEB).instanceCount()).isZero();

    assertThat(waits).containsExactly(Duration.ofSeconds(2));
    arm.verify(exactly(2), getRequestedFor(urlPathEqualTo(webPath())));
  }

  @Test
  void get_throttledUntilBudgetSpent_throwsThrottledWithAzureCodeAndRetryAfter() {
    scaleSetAnswers(throttled("3"));

    assertThatThrownBy(() -> fleet.get(WEB))
        .isInstanceOfSatisfying(ThrottledException.class, e -> {
          assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(3));
          assertThat(e.code()).isEqualTo("OperationNotAllowed");
          assertThat(e.httpStatus()).isEqualTo(429);
          assertThat(e.isRetryable()).isTrue();
        })
        .hasMessageContaining("too many requests");
    arm.verify(exactly(4), getRequestedFor(urlPathEqualTo(webPath())));
    assertThat(waits).containsExactly(Duration.ofSeconds(3), Duration.ofSeconds(3), Duration.ofSeconds(3));
  }

  @Test
  void get_retryAfterBeyondCeiling_failsAtOnceWithTheWait() {
    scaleSetAnswers(throttled("1200"));

    assertThatThrownBy(() -> fleet.get(WEB))
        .isInstanceOfSatisfying(ThrottledException.class,
            e -> assertThat(e.retryAfter()).isEqualTo(Duration.ofMinutes(20)));
    arm.verify(exactly(1), getRequestedFor(urlPathEqualTo(webPath())));
    assertThat(waits).isEmpty();
  }

  @Test
  void get_retryAfterInMilliseconds_isHonoured() {
    scaleSetAnswers(throttled(null).withHeader("x-ms-retry-after-ms", "1500"), okJson(body("vmss-web-rolling.json")));

    fleet.get(WEB);

    assertThat(waits).containsExactly(Duration.ofMillis(1500));
  }

  @Test
  void get_throttledWithoutRetryAfter_backsOffAndReportsZeroWhenSpent() {
    scaleSetAnswers(throttled(null));

    assertThatThrownBy(() -> fleet.get(WEB))
        .isInstanceOfSatisfying(ThrottledException.class, e -> assertThat(e.retryAfter()).isZero());
    assertThat(waits).hasSize(3).allSatisfy(w -> assertThat(w).isBetween(Duration.ofMillis(50),
        Duration.ofMillis(800)));
  }

  @Test
  void get_500Then503ThenOk_retriesWithGrowingJitteredBackoff() {
    scaleSetAnswers(status(500), status(503), okJson(body("vmss-web-rolling.json")));

    fleet.get(WEB);

    arm.verify(exactly(3), getRequestedFor(urlPathEqualTo(webPath())));
    assertThat(waits).hasSize(2);
    assertThat(waits.get(0)).isBetween(Duration.ofMillis(50), Duration.ofMillis(100));
    assertThat(waits.get(1)).isBetween(Duration.ofMillis(100), Duration.ofMillis(200));
  }

  @Test
  void get_serverErrorsUntilBudgetSpent_throwsTransientWithBoundedWaits() {
    AzureFleet sixAttempts = AzureFleet.builder().computeManager(ArmServer.computeManager(arm))
        .retry(AzureFleet.RetrySettings.ofDefaults().withMaxAttempts(6)
            .withBackoff(Duration.ofMillis(100), Duration.ofMillis(300)))
        .sleeper(waits::add).build();
    scaleSetAnswers(status(503));

    assertThatThrownBy(() -> sixAttempts.get(WEB))
        .isInstanceOfSatisfying(TransientCloudException.class, e -> {
          assertThat(e.httpStatus()).isEqualTo(503);
          assertThat(e.code()).isEqualTo("ServiceUnavailable");
        });
    arm.verify(exactly(6), getRequestedFor(urlPathEqualTo(webPath())));
    assertThat(waits).hasSize(5).allSatisfy(w -> assertThat(w).isLessThanOrEqualTo(Duration.ofMillis(300)));
    assertThat(waits.get(4)).isGreaterThanOrEqualTo(Duration.ofMillis(150));
  }

  @Test
  void noRetry_503_sendsExactlyOneRequestBecauseTheSdkRetryIsDropped() {
    AzureFleet noRetry = AzureFleet.builder().computeManager(ArmServer.computeManager(arm))
        .retry(AzureFleet.RetrySettings.none()).build();
    scaleSetAnswers(status(503));

    assertThatThrownBy(() -> noRetry.get(WEB)).isInstanceOf(TransientCloudException.class);

    arm.verify(exactly(1), getRequestedFor(urlPathEqualTo(webPath())));
  }

  @Test
  void get_forbidden_isNotRetried() {
    scaleSetAnswers(status(403));

    assertThatThrownBy(() -> fleet.get(WEB))
        .isInstanceOfSatisfying(ForbiddenException.class, e -> assertThat(e.code()).isEqualTo("AuthorizationFailed"));
    arm.verify(exactly(1), getRequestedFor(urlPathEqualTo(webPath())));
    assertThat(waits).isEmpty();
  }

  @Test
  void get_connectionReset_isRetriedAsTransient() {
    scaleSetAnswers(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER), okJson(body("vmss-web-rolling.json")));

    fleet.get(WEB);

    arm.verify(exactly(2), getRequestedFor(urlPathEqualTo(webPath())));
    assertThat(waits).hasSize(1);
  }

  @Test
  void get_truncatedBody_isRetriedAsAnUnreadableAnswerNotARejection() {
    scaleSetAnswers(okJson("{\"location\": \"westeurope\", \"properties\": {\"upgradePolicy\": [1, 2"),
        okJson(body("vmss-web-rolling.json")));

    assertThat(fleet.get(WEB).instanceCount()).isZero();

    arm.verify(exactly(2), getRequestedFor(urlPathEqualTo(webPath())));
    assertThat(waits).hasSize(1);
  }

  @Test
  void get_truncatedBodyEveryTime_failsRetryableUnexpectedResponseAfterTheBudget() {
    scaleSetAnswers(okJson("{\"location\": \"westeurope\", \"properties\": {\"upgradePolicy\": [1, 2"));

    assertThatThrownBy(() -> fleet.get(WEB)).isInstanceOfSatisfying(TransientCloudException.class, e -> {
      assertThat(e.code()).isEqualTo("UnexpectedResponse");
      assertThat(e.isRejection()).isFalse();
      assertThat(e.isRetryable()).isTrue();
    });
    arm.verify(exactly(4), getRequestedFor(urlPathEqualTo(webPath())));
  }

  @Test
  void get_interruptedWhileWaiting_failsWithoutCallingAgain() {
    AzureFleet interrupting = AzureFleet.builder().computeManager(ArmServer.computeManager(arm))
        .sleeper(d -> {
          throw new InterruptedException("shutting down");
        }).build();
    scaleSetAnswers(throttled("1"), okJson(body("vmss-web-rolling.json")));

    try {
      assertThatThrownBy(() -> interrupting.get(WEB))
          .isInstanceOfSatisfying(CloudException.class, e -> assertThat(e.code()).isEqualTo("Interrupted"));
      assertThat(Thread.currentThread().isInterrupted()).isTrue();
    } finally {
      Thread.interrupted();
    }
    arm.verify(exactly(1), getRequestedFor(urlPathEqualTo(webPath())));
  }
}
