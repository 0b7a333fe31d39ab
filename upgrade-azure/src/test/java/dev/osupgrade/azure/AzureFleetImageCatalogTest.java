package dev.osupgrade.azure;

import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.exactly;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static dev.osupgrade.azure.ArmServer.SUBSCRIPTION;
import static dev.osupgrade.azure.ArmServer.body;
import static dev.osupgrade.azure.ArmServer.page;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import dev.osupgrade.Region;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.image.ImageRelease;
import dev.osupgrade.image.ImageVersion;
import dev.osupgrade.image.ReplicationState;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

final class AzureFleetImageCatalogTest {
  @RegisterExtension static final WireMockExtension arm = ArmServer.extension();

  private static final String IMAGES_SUBSCRIPTION = "11111111-2222-3333-4444-555555555555";
  private static final String DEFINITION = "/subscriptions/" + IMAGES_SUBSCRIPTION + "/resourceGroups/images/providers/"
      + "Microsoft.Compute/galleries/corp/images/web-base";
  private static final ImageReference.Gallery GALLERY = ImageReference.gallery(DEFINITION, "latest");
  private static final ImageReference.Marketplace JAMMY =
      ImageReference.marketplace("Canonical", "0001-com-ubuntu-server-jammy", "22_04-lts-gen2", "latest");
  private static final String MARKETPLACE_PATH = "/subscriptions/" + SUBSCRIPTION + "/providers/Microsoft.Compute"
      + "/locations/westeurope/publishers/Canonical/artifacttypes/vmimage/offers/0001-com-ubuntu-server-jammy"
      + "/skus/22_04-lts-gen2/versions";
  private static final Instant NOW = Instant.parse("2024-07-03T12:00:00Z");

  private final AzureFleet fleet = AzureFleet.builder()
      .computeManager(ArmServer.computeManager(arm))
      .clock(Clock.fixed(NOW, ZoneOffset.UTC))
      .marketplaceRegion("West Europe")
      .build();

  private void stubGallery() {
    arm.stubFor(get(urlPathEqualTo(DEFINITION + "/versions")).withQueryParam("page", absent())
        .willReturn(okJson(page("gallery-versions-list.json", arm,
            DEFINITION + "/versions?page=2&api-version=2024-03-03"))));
    arm.stubFor(get(urlPathEqualTo(DEFINITION + "/versions")).withQueryParam("page", equalTo("2"))
        .willReturn(okJson(body("gallery-versions-list-page2.json"))));
    arm.stubFor(get(urlPathEqualTo(DEFINITION + "/versions/1.0.0")).withQueryParam("$expand",
        equalTo("ReplicationStatus")).willReturn(okJson(body("gallery-version-1.0.0-replication.json"))));
    arm.stubFor(get(urlPathEqualTo(DEFINITION + "/versions/1.10.0")).withQueryParam("$expand",
        equalTo("ReplicationStatus")).willReturn(okJson(body("gallery-version-1.10.0-replicating.json"))));
    arm.stubFor(get(urlPathEqualTo(DEFINITION + "/versions/1.9.0")).withQueryParam("$expand",
        equalTo("ReplicationStatus")).willReturn(okJson(body("gallery-version-1.9.0-excluded.json"))));
  }

  @Test
  void listReleases_gallery_readsEveryPageThenEachVersionWithReplicationStatus() {
    stubGallery();

    List<ImageRelease> releases = fleet.listReleases(GALLERY);

    assertThat(releases).extracting(ImageRelease::version).containsExactly(
        ImageVersion.of("1.0.0"), ImageVersion.of("1.9.0"), ImageVersion.of("1.10.0"));
    assertThat(releases).extracting(ImageRelease::image).allMatch(i -> i.sameImageAs(GALLERY));
    arm.verify(exactly(2), getRequestedFor(urlPathEqualTo(DEFINITION + "/versions")));
    arm.verify(exactly(3), getRequestedFor(urlPathMatching(DEFINITION + "/versions/[0-9.]+"))
        .withQueryParam("$expand", equalTo("ReplicationStatus")));
  }

  @Test
  void listReleases_galleryExample_readsPublishedDateAndPerRegionReplication() {
    stubGallery();

    ImageRelease v100 = fleet.listReleases(GALLERY).get(0);

    assertThat(v100.publishedAt()).isEqualTo(Instant.parse("2018-01-01T00:00:00Z"));
    assertThat(v100.replication()).containsOnly(
        org.assertj.core.api.Assertions.entry(Region.of("West US"), ReplicationState.COMPLETED),
        org.assertj.core.api.Assertions.entry(Region.of("East US"), ReplicationState.COMPLETED));
    assertThat(v100.excludedFromLatest()).isFalse();
    assertThat(v100.excludedRegions()).isEmpty();
    assertThat(v100.endOfLife()).isNull();
  }

  @Test
  void listReleases_galleryStillReplicating_reportsStatePerRegionAndRegionalExclusion() {
    stubGallery();

    ImageRelease v110 = fleet.listReleases(GALLERY).get(2);

    assertThat(v110.replicationIn(Region.of("westeurope"))).isEqualTo(ReplicationState.REPLICATING);
    assertThat(v110.replicationIn(Region.of("northeurope"))).isEqualTo(ReplicationState.COMPLETED);
    assertThat(v110.replicationIn(Region.of("eastus"))).isEqualTo(ReplicationState.UNKNOWN);
    assertThat(v110.excludedFromLatest()).isFalse();
    assertThat(v110.isExcludedFromLatestIn(Region.of("North Europe"))).isTrue();
    assertThat(v110.isExcludedFromLatestIn(Region.of("West Europe"))).isFalse();
  }

  @Test
  void listReleases_galleryExcludedAndEndOfLife_readsBoth() {
    stubGallery();

    ImageRelease v190 = fleet.listReleases(GALLERY).get(1);

    assertThat(v190.excludedFromLatest()).isTrue();
    assertThat(v190.endOfLife()).isEqualTo(Instant.parse("2025-06-01T00:00:00Z"));
    assertThat(v190.replicationIn(Region.of("northeurope"))).isEqualTo(ReplicationState.FAILED);
  }

  @Test
  void listReleases_galleryWithoutReplicationSummary_neverReadsAsAvailableEverywhere() {
    arm.stubFor(get(urlPathEqualTo(DEFINITION + "/versions")).willReturn(okJson(
        "{\"value\": [ {\"name\": \"2.0.0\", \"location\": \"westeurope\", \"properties\": {}} ]}")));
    arm.stubFor(get(urlPathEqualTo(DEFINITION + "/versions/2.0.0")).willReturn(okJson(
        "{\"name\": \"2.0.0\", \"location\": \"westeurope\", \"properties\": {\"provisioningState\": \"Creating\"}}")));

    ImageRelease v200 = fleet.listReleases(GALLERY).get(0);

    assertThat(v200.replication()).isNotEmpty();
    assertThat(v200.replicationIn(Region.of("westeurope"))).isEqualTo(ReplicationState.UNKNOWN);
    assertThat(v200.replicationIn(Region.of("eastus"))).isEqualTo(ReplicationState.UNKNOWN);
    assertThat(v200.publishedAt()).isEqualTo(NOW); // no publishedDate yet: first seen
  }

  @Test
  void listReleases_marketplace_listsVersionsInRegionOldestFirstStampedFirstSeen() {
    arm.stubFor(get(urlPathEqualTo(MARKETPLACE_PATH)).willReturn(okJson(body("marketplace-versions-westeurope.json"))));

    List<ImageRelease> releases = fleet.listReleases(JAMMY);

    assertThat(releases).extracting(r -> r.version().toString())
        .containsExactly("22.04.202311010", "22.04.202406140", "22.04.202407010"); // "preview-2024" is skipped
    assertThat(releases).allSatisfy(r -> {
      assertThat(r.publishedAt()).isEqualTo(NOW);
      assertThat(r.replication()).isEmpty();
      assertThat(r.replicationIn(Region.of("anywhere"))).isEqualTo(ReplicationState.COMPLETED);
      assertThat(r.image().sameImageAs(JAMMY)).isTrue();
    });
    arm.verify(exactly(1), getRequestedFor(urlPathEqualTo(MARKETPLACE_PATH)));
  }

  @Test
  void listReleases_marketplaceSeenAgainLater_keepsFirstSeenTime() {
    arm.stubFor(get(urlPathEqualTo(MARKETPLACE_PATH)).willReturn(okJson(body("marketplace-versions-westeurope.json"))));
    MutableClock clock = new MutableClock(NOW);
    AzureFleet withClock = AzureFleet.builder().computeManager(ArmServer.computeManager(arm)).clock(clock).build();
    withClock.listReleases(JAMMY, Region.of("westeurope"));
    clock.now = NOW.plusSeconds(86_400);

    List<ImageRelease> again = withClock.listReleases(JAMMY, Region.of("westeurope"));

    assertThat(again).extracting(ImageRelease::publishedAt).containsOnly(NOW);
  }

  @Test
  void listReleases_marketplaceWithoutRegion_failsWithHint() {
    AzureFleet noRegion = AzureFleet.of(ArmServer.computeManager(arm));

    assertThatThrownBy(() -> noRegion.listReleases(JAMMY))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("marketplaceRegion");
  }

  /** A clock whose time the test sets. */
  private static final class MutableClock extends Clock {
    private Instant now;

    MutableClock(Instant start) {
      this.now = start;
    }

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }
}
