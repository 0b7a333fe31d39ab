package dev.osupgrade.azure;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.exactly;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static dev.osupgrade.azure.ArmServer.WEB;
import static dev.osupgrade.azure.ArmServer.webPath;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import dev.osupgrade.Region;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.port.CloudException;
import dev.osupgrade.port.ConflictException;
import dev.osupgrade.port.ForbiddenException;
import dev.osupgrade.port.InvalidModelException;
import dev.osupgrade.port.TransientCloudException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

// What each ARM failure becomes: only a 400 (InvalidModelException) is a rejection; everything else stalls a rollout.
final class AzureFleetErrorMappingTest {
  @RegisterExtension static final WireMockExtension arm = ArmServer.extension();

  private static final ImageReference JAMMY =
      ImageReference.marketplace("Canonical", "0001-com-ubuntu-server-jammy", "22_04-lts-gen2", "latest");

  private final AzureFleet fleet = ArmServer.fleet(arm);

  private static Class<? extends CloudException> type(String name) {
    return switch (name) {
      case "InvalidModel" -> InvalidModelException.class;
      case "Forbidden" -> ForbiddenException.class;
      case "Conflict" -> ConflictException.class;
      case "Transient" -> TransientCloudException.class;
      default -> throw new IllegalArgumentException(name);
    };
  }

  @ParameterizedTest(name = "HTTP {0} {1}")
  @CsvSource({
      "400, InvalidParameter, InvalidModel, true",
      "401, InvalidAuthenticationToken, Forbidden, false",
      "403, AuthorizationFailed, Forbidden, false",
      "409, OperationNotAllowed, Conflict, false",
      "412, PreconditionFailed, Conflict, false",
      "500, InternalServerError, Transient, false",
      "503, ServiceUnavailable, Transient, false"})
  void upgradeInstances_armStatus_mapsToTheTypeAndOnly400IsARejection(int status, String code, String type,
      boolean rejection) {
    arm.stubFor(post(urlPathEqualTo(webPath() + "/manualupgrade")).willReturn(aResponse().withStatus(status)
        .withHeader("Content-Type", "application/json").withBody(ArmJournal.error(code, "status " + status))));

    assertThatThrownBy(() -> fleet.upgradeInstances(WEB, List.of("0"))).isInstanceOfSatisfying(type(type), e -> {
      assertThat(e.code()).isEqualTo(code);
      assertThat(e.httpStatus()).isEqualTo(status);
      assertThat(e.isRejection()).isEqualTo(rejection);
    });
  }

  @ParameterizedTest(name = "HTTP {0} {1}")
  @CsvSource({
      "401, InvalidAuthenticationToken, Forbidden",
      "403, AuthorizationFailed, Forbidden",
      "409, Conflict, Conflict"})
  void get_armStatusOnARead_notARejection(int status, String code, String type) {
    arm.stubFor(get(urlPathEqualTo(webPath())).willReturn(aResponse().withStatus(status)
        .withHeader("Content-Type", "application/json").withBody(ArmJournal.error(code, "status " + status))));

    assertThatThrownBy(() -> fleet.get(WEB)).isInstanceOfSatisfying(type(type), e -> {
      assertThat(e.code()).isEqualTo(code);
      assertThat(e.isRejection()).isFalse();
    });
    arm.verify(exactly(1), getRequestedFor(urlPathEqualTo(webPath())));
  }

  @Test
  void listReleases_truncatedMarketplaceListing_retriedAsUnreadable() {
    String path = "/subscriptions/" + ArmServer.SUBSCRIPTION + "/providers/Microsoft.Compute/locations/westeurope"
        + "/publishers/Canonical/artifacttypes/vmimage/offers/0001-com-ubuntu-server-jammy/skus/22_04-lts-gen2"
        + "/versions";
    arm.stubFor(get(urlPathEqualTo(path)).willReturn(okJson("[{\"name\": \"22.04.20240701")));

    assertThatThrownBy(() -> fleet.listReleases(JAMMY, Region.of("westeurope")))
        .isInstanceOfSatisfying(TransientCloudException.class,
            e -> assertThat(e.code()).isEqualTo("UnexpectedResponse"));
    arm.verify(exactly(4), getRequestedFor(urlPathEqualTo(path)));
  }
}
