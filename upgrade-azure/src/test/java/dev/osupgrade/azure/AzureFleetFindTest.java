package dev.osupgrade.azure;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.exactly;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static dev.osupgrade.azure.ArmServer.SUBSCRIPTION;
import static dev.osupgrade.azure.ArmServer.body;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import dev.osupgrade.InvalidValueException;
import dev.osupgrade.Region;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.image.ImageRelease;
import dev.osupgrade.image.ReplicationState;
import dev.osupgrade.port.ForbiddenException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

// ImageCatalog.find over ARM: one GET of the version, 404 is "never published".
final class AzureFleetFindTest {
  @RegisterExtension static final WireMockExtension arm = ArmServer.extension();

  private static final String DEFINITION = "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/"
      + "images/providers/Microsoft.Compute/galleries/corp/images/web-base";
  private static final ImageReference.Marketplace JAMMY =
      ImageReference.marketplace("Canonical", "0001-com-ubuntu-server-jammy", "22_04-lts-gen2", "22.04.202407010");
  private static final String VERSIONS = "/subscriptions/" + SUBSCRIPTION + "/providers/Microsoft.Compute"
      + "/locations/westeurope/publishers/Canonical/artifacttypes/vmimage/offers/0001-com-ubuntu-server-jammy"
      + "/skus/22_04-lts-gen2/versions/";
  private static final Region WEST_EUROPE = Region.of("westeurope");
  private static final Instant NOW = Instant.parse("2024-07-03T12:00:00Z");

  private final AzureFleet fleet = AzureFleet.builder().computeManager(ArmServer.computeManager(arm))
      .clock(Clock.fixed(NOW, ZoneOffset.UTC)).build();

  @Test
  void find_marketplaceVersionOffered_oneGetOfThatVersion() {
    arm.stubFor(get(urlPathEqualTo(VERSIONS + "22.04.202407010"))
        .willReturn(okJson(body("marketplace-version-westeurope.json"))));

    Optional<ImageRelease> found = fleet.find(JAMMY, WEST_EUROPE);

    assertThat(found).hasValueSatisfying(r -> {
      assertThat(r.image()).isEqualTo(JAMMY);
      assertThat(r.publishedAt()).isEqualTo(NOW); // ARM has no publish date for marketplace versions
      assertThat(r.replicationIn(WEST_EUROPE)).isEqualTo(ReplicationState.COMPLETED);
    });
    arm.verify(exactly(1), anyRequestedFor(anyUrl()));
  }

  @Test
  void find_marketplaceVersionNeverPublished_404IsEmpty() {
    arm.stubFor(get(urlPathEqualTo(VERSIONS + "22.04.202407011")).willReturn(aResponse().withStatus(404)
        .withHeader("Content-Type", "application/json")
        .withBody(ArmJournal.error("NotFound", "Artifact: VMImage was not found."))));

    assertThat(fleet.find(JAMMY.withVersion(dev.osupgrade.image.ImageVersion.of("22.04.202407011")), WEST_EUROPE))
        .isEmpty();
    arm.verify(exactly(1), anyRequestedFor(anyUrl()));
  }

  @Test
  void find_galleryVersion_oneGetWithReplicationStatus() {
    arm.stubFor(get(urlPathEqualTo(DEFINITION + "/versions/1.10.0")).withQueryParam("$expand",
        equalTo("ReplicationStatus")).willReturn(okJson(body("gallery-version-1.10.0-replicating.json"))));

    Optional<ImageRelease> found = fleet.find(ImageReference.gallery(DEFINITION, "1.10.0"), WEST_EUROPE);

    assertThat(found).hasValueSatisfying(r -> {
      assertThat(r.image()).isEqualTo(ImageReference.gallery(DEFINITION, "1.10.0"));
      assertThat(r.replicationIn(WEST_EUROPE)).isEqualTo(ReplicationState.REPLICATING);
    });
    arm.verify(exactly(1), anyRequestedFor(anyUrl()));
    arm.verify(exactly(1), getRequestedFor(urlPathEqualTo(DEFINITION + "/versions/1.10.0")));
  }

  @Test
  void find_galleryReplicationStatesFromANewerApi_keptWithAzuresSpellingNotReadAsCompleted() {
    arm.stubFor(get(urlPathEqualTo(DEFINITION + "/versions/1.10.0")).withQueryParam("$expand",
        equalTo("ReplicationStatus")).willReturn(okJson(body("gallery-version-1.10.0-replicating.json")
            .replace("\"state\": \"Replicating\"", "\"state\": \"Paused\"")
            .replace("\"aggregatedState\": \"InProgress\"", "\"aggregatedState\": \"PartiallyPaused\""))));

    ImageRelease found = fleet.find(ImageReference.gallery(DEFINITION, "1.10.0"), WEST_EUROPE).orElseThrow();

    ReplicationState west = found.replicationIn(WEST_EUROPE);
    assertThat(west.isKnown()).isFalse();
    assertThat(west.azureName()).isEqualTo("Paused");
    assertThat(west).isNotEqualTo(ReplicationState.COMPLETED);
    assertThat(found.replicationIn(Region.of("northeurope"))).isEqualTo(ReplicationState.COMPLETED);
  }

  @Test
  void find_galleryVersionMissing_404IsEmpty() {
    arm.stubFor(get(urlPathEqualTo(DEFINITION + "/versions/1.10.9")).willReturn(aResponse().withStatus(404)
        .withHeader("Content-Type", "application/json").withBody(ArmJournal.error("ResourceNotFound",
            "The Resource 'Microsoft.Compute/galleries/corp/images/web-base/versions/1.10.9' under resource group "
                + "'images' was not found."))));

    assertThat(fleet.find(ImageReference.gallery(DEFINITION, "1.10.9"), WEST_EUROPE)).isEmpty();
    arm.verify(exactly(1), anyRequestedFor(anyUrl()));
  }

  @Test
  void find_forbidden_isNotReadAsNeverPublished() {
    arm.stubFor(get(urlPathEqualTo(VERSIONS + "22.04.202407010")).willReturn(aResponse().withStatus(403)
        .withHeader("Content-Type", "application/json").withBody(ArmJournal.error("AuthorizationFailed",
            "The client does not have authorization to perform action 'Microsoft.Compute/locations/publishers/"
                + "artifacttypes/offers/skus/versions/read'."))));

    assertThatThrownBy(() -> fleet.find(JAMMY, WEST_EUROPE)).isInstanceOfSatisfying(ForbiddenException.class,
        e -> assertThat(e.isRejection()).isFalse());
  }

  @Test
  void find_latest_invalidValueAndNoRequest() {
    assertThatThrownBy(() -> fleet.find(JAMMY.withLatest(), WEST_EUROPE))
        .isInstanceOfSatisfying(InvalidValueException.class, e -> assertThat(e.parameter()).isEqualTo("image"));
    arm.verify(exactly(0), anyRequestedFor(anyUrl()));
  }
}
