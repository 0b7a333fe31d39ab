package dev.osupgrade.azure;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.exactly;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static dev.osupgrade.azure.ArmServer.WEB;
import static dev.osupgrade.azure.ArmServer.webPath;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import dev.osupgrade.port.ForbiddenException;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** ARM error text that echoes a credential is masked in the adapter's exception, its cause chain included. */
final class AzureFleetRedactionTest {
  @RegisterExtension static final WireMockExtension arm = ArmServer.extension();

  private static final String JWT = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL21hbmFnZW1lbnQifQ"
      + ".c2lnbmF0dXJlLW9ubHktZm9yLXRlc3Rz";
  private static final String SIG = "Zm9yZ2VkJTJCc2lnbmF0dXJl%3D";

  private final AzureFleet fleet = ArmServer.fleet(arm);

  @Test
  void get_401EchoingAuthorizationAndSas_messageAndCauseChainMasked() {
    arm.stubFor(get(urlPathEqualTo(webPath())).willReturn(aResponse().withStatus(401)
        .withHeader("Content-Type", "application/json")
        .withBody("{\"error\": {\"code\": \"InvalidAuthenticationToken\", \"message\": \"The access token is "
            + "invalid. Received Authorization: Bearer " + JWT + " for https://x.blob.core.windows.net/c/d?sp=r"
            + "&sig=" + SIG + "\"}}")));

    assertThatThrownBy(() -> fleet.get(WEB)).isInstanceOfSatisfying(ForbiddenException.class, e -> {
      assertThat(e.code()).isEqualTo("InvalidAuthenticationToken");
      assertThat(e.getMessage()).startsWith("The access token is invalid. Received Authorization: Bearer *** for "
          + "https://x.blob.core.windows.net/c/d?sp=r&sig=***");
      StringWriter trace = new StringWriter();
      e.printStackTrace(new PrintWriter(trace));
      assertThat(trace.toString()).as("the whole stack trace, causes included")
          .contains("Bearer ***").doesNotContain(JWT).doesNotContain(SIG);
    });
    arm.verify(exactly(1), getRequestedFor(urlPathEqualTo(webPath())));
  }
}
