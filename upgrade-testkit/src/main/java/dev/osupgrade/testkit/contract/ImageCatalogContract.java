package dev.osupgrade.testkit.contract;

import static dev.osupgrade.testkit.contract.Worlds.UBUNTU;
import static dev.osupgrade.testkit.contract.Worlds.V1;
import static dev.osupgrade.testkit.contract.Worlds.V2;
import static dev.osupgrade.testkit.contract.Worlds.V3;
import static dev.osupgrade.testkit.contract.Worlds.ubuntu;
import static org.assertj.core.api.Assertions.assertThat;

import dev.osupgrade.Region;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.image.ImageRelease;
import dev.osupgrade.image.ImageVersion;
import dev.osupgrade.image.ReplicationState;
import dev.osupgrade.port.ImageCatalog;
import dev.osupgrade.testkit.SimulatedFleet;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link ImageCatalog} guarantees: every release, oldest first, with per-region replication for gallery
 * images. The world holds a gallery image definition {@code corp/web-base} with three versions (one replicating to
 * West Europe, one excluded from {@code latest} with an end of life) and three marketplace versions of Ubuntu
 * 22.04, all published in the past.
 *
 * <h2>What the contract leaves to the implementation</h2>
 * <ul>
 *   <li>The publish time of a marketplace version: ARM reports none, so the Azure adapter reports when it first saw
 *       the version; the simulator reports the real time. Guaranteed: never before the real time, never after the
 *       listing, and the same on every listing.</li>
 *   <li>Listing a marketplace image without naming a region: ARM lists marketplace versions per region, so the
 *       Azure adapter needs a configured marketplace region for {@link ImageCatalog#listReleases(ImageReference)}
 *       (else {@link IllegalStateException}). The cases name the region.</li>
 *   <li>Releases whose publish time is still ahead: the simulator lists them (its catalog knows the future), Azure
 *       does not offer them yet. The cases publish in the past only.</li>
 *   <li>An image definition that does not exist: the simulator lists nothing; ARM would answer 404. Not a case.</li>
 *   <li>A gallery release without replication targets (the simulator's "everywhere"): Azure always has at least the
 *       gallery's region. Not a case.</li>
 * </ul>
 */
public abstract class ImageCatalogContract {
  private static final Region WEST_EUROPE = Region.of("westeurope");
  private static final Region NORTH_EUROPE = Region.of("northeurope");
  private static final ImageReference.Gallery WEB_BASE = ImageReference.gallery("/subscriptions/"
      + ScaleSetId.LOCAL_SUBSCRIPTION + "/resourceGroups/rg-images/providers/Microsoft.Compute/galleries/corp/images"
      + "/web-base", "latest");

  /** Creates the contract. */
  protected ImageCatalogContract() {}

  /**
   * Returns the catalog under test, answering from the world. Called once per case, after the case has built its
   * world.
   *
   * @param world the world the case built
   * @return the catalog
   */
  protected abstract ImageCatalog catalogOver(SimulatedFleet world);

  /** @return a fresh, empty world; override to use another seed or profile */
  protected SimulatedFleet newWorld() {
    return SimulatedFleet.create(Worlds.SEED);
  }

  private SimulatedFleet world;
  private Instant now = Instant.EPOCH;

  /** Starts each case with a fresh, empty world. */
  @BeforeEach
  void createWorld() {
    world = newWorld();
    now = world.clock().instant();
  }

  private static ImageReference webBase(String version) {
    return WEB_BASE.withVersion(ImageVersion.parse(version));
  }

  /** Publishes the gallery's versions out of order. */
  private ImageCatalog givenGallery() {
    world.publish(new ImageRelease(webBase("1.10.0"), now.minus(Duration.ofDays(1)),
        Map.of(WEST_EUROPE, ReplicationState.REPLICATING, NORTH_EUROPE, ReplicationState.COMPLETED), false,
        Set.of(NORTH_EUROPE), null));
    world.publish(ImageRelease.gallery(webBase("1.0.0"), now.minus(Duration.ofDays(30)),
        Map.of(WEST_EUROPE, ReplicationState.COMPLETED, NORTH_EUROPE, ReplicationState.COMPLETED)));
    world.publish(new ImageRelease(webBase("1.9.0"), now.minus(Duration.ofDays(10)),
        Map.of(WEST_EUROPE, ReplicationState.COMPLETED, NORTH_EUROPE, ReplicationState.FAILED), true, Set.of(),
        now.plus(Duration.ofDays(180))));
    return catalogOver(world);
  }

  /** Publishes the marketplace versions out of order. */
  private ImageCatalog givenMarketplace() {
    world.publish(ImageRelease.marketplace(ubuntu(V3), now.minus(Duration.ofDays(1))));
    world.publish(ImageRelease.marketplace(ubuntu(V1), now.minus(Duration.ofDays(60))));
    world.publish(ImageRelease.marketplace(ubuntu(V2), now.minus(Duration.ofDays(20))));
    return catalogOver(world);
  }

  // ---------------------------------------------------------------------------------------------- gallery

  /** Gallery versions are listed oldest first (by version, not by name), each pinned to its version. */
  @Test
  void listReleases_gallery_oldestFirst() {
    ImageCatalog catalog = givenGallery();

    List<ImageRelease> releases = catalog.listReleases(WEB_BASE);

    assertThat(releases).extracting(ImageRelease::image)
        .containsExactly(webBase("1.0.0"), webBase("1.9.0"), webBase("1.10.0"));
  }

  /**
   * Each gallery release carries its replication state per target region, its publish time, its exclusion from
   * {@code latest} (everywhere or per region) and its end of life: the releases equal the world's.
   */
  @Test
  void listReleases_gallery_replicationPerRegionAndPublishingProfile() {
    ImageCatalog catalog = givenGallery();

    List<ImageRelease> releases = catalog.listReleases(WEB_BASE);

    ImageRelease v110 = releases.get(2);
    assertThat(v110.replication()).isEqualTo(Map.of(WEST_EUROPE, ReplicationState.REPLICATING, NORTH_EUROPE,
        ReplicationState.COMPLETED));
    assertThat(v110.replicationIn(WEST_EUROPE)).isEqualTo(ReplicationState.REPLICATING);
    assertThat(v110.isExcludedFromLatestIn(NORTH_EUROPE)).isTrue();
    assertThat(v110.isExcludedFromLatestIn(WEST_EUROPE)).isFalse();
    assertThat(v110.publishedAt()).isEqualTo(now.minus(Duration.ofDays(1)));
    ImageRelease v190 = releases.get(1);
    assertThat(v190.excludedFromLatest()).isTrue();
    assertThat(v190.replicationIn(NORTH_EUROPE)).isEqualTo(ReplicationState.FAILED);
    assertThat(v190.endOfLifeDate()).contains(now.plus(Duration.ofDays(180)));
    assertThat(releases).isEqualTo(world.listReleases(WEB_BASE));
  }

  /** For a gallery image, listing "as seen from a region" lists the same releases: replication says the rest. */
  @Test
  void listReleasesInRegion_gallery_sameAsEverywhere() {
    ImageCatalog catalog = givenGallery();

    assertThat(catalog.listReleases(WEB_BASE, WEST_EUROPE)).isEqualTo(catalog.listReleases(WEB_BASE));
  }

  /** The version of the reference passed in is ignored. */
  @Test
  void listReleases_pinnedReference_versionIgnored() {
    ImageCatalog catalog = givenGallery();

    assertThat(catalog.listReleases(webBase("1.9.0"))).isEqualTo(catalog.listReleases(WEB_BASE));
  }

  // ------------------------------------------------------------------------------------------- marketplace

  /**
   * Marketplace versions published by now are listed oldest first, available everywhere (no replication map), not
   * excluded from {@code latest}.
   */
  @Test
  void listReleasesInRegion_marketplace_oldestFirstAvailableEverywhere() {
    ImageCatalog catalog = givenMarketplace();

    List<ImageRelease> releases = catalog.listReleases(UBUNTU, WEST_EUROPE);

    assertThat(releases).extracting(ImageRelease::image).containsExactly(ubuntu(V1), ubuntu(V2), ubuntu(V3));
    assertThat(releases).allSatisfy(r -> {
      assertThat(r.replication()).isEmpty();
      assertThat(r.replicationIn(NORTH_EUROPE)).isEqualTo(ReplicationState.COMPLETED);
      assertThat(r.excludedFromLatest()).isFalse();
      assertThat(r.endOfLifeDate()).isEmpty();
    });
  }

  /**
   * A marketplace release's publish time is never before the real one and never after the listing (the Azure adapter
   * reports when it first saw the version: soak rules then err on the side of waiting).
   */
  @Test
  void listReleasesInRegion_marketplace_publishedAtBetweenTruthAndListing() {
    ImageCatalog catalog = givenMarketplace();
    Worlds.advance(world, Duration.ofMinutes(7));

    List<ImageRelease> releases = catalog.listReleases(UBUNTU, WEST_EUROPE);

    Instant listedAt = world.clock().instant();
    List<ImageRelease> truth = world.listReleases(UBUNTU);
    for (int k = 0; k < releases.size(); k++) {
      assertThat(releases.get(k).publishedAt()).isAfterOrEqualTo(truth.get(k).publishedAt())
          .isBeforeOrEqualTo(listedAt);
    }
  }

  /** Listing again later reports the same publish times. */
  @Test
  void listReleasesInRegion_marketplaceTwice_samePublishTimes() {
    ImageCatalog catalog = givenMarketplace();
    List<ImageRelease> first = catalog.listReleases(UBUNTU, WEST_EUROPE);
    Worlds.advance(world, Duration.ofHours(5));

    assertThat(catalog.listReleases(UBUNTU, WEST_EUROPE)).isEqualTo(first);
  }
}
