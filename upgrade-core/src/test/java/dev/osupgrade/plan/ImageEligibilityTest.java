package dev.osupgrade.plan;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osupgrade.Fleets;
import dev.osupgrade.Region;
import dev.osupgrade.fleet.HealthMonitoring;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.OrchestrationMode;
import dev.osupgrade.fleet.ScaleSet;
import dev.osupgrade.fleet.Zone;
import dev.osupgrade.image.Eligibility;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.image.ImageRelease;
import dev.osupgrade.image.ImageVersion;
import dev.osupgrade.image.ReplicationState;
import dev.osupgrade.policy.UpgradePolicy;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

final class ImageEligibilityTest {
  private static final String DEFINITION =
      "/subscriptions/s/resourceGroups/images/providers/Microsoft.Compute/galleries/gal/images/web";
  private static final ImageReference.Gallery IMAGE = ImageReference.gallery(DEFINITION, "latest");
  private static final Region WEST = Region.of("westeurope");
  private static final Region NORTH = Region.of("northeurope");
  private static final Instant NOW = Fleets.T0;
  private static final Instant YESTERDAY = NOW.minus(Duration.ofDays(1));

  // A scale set in westeurope whose model and instances run 1.0.0 of the gallery image.
  private static ScaleSet scaleSet(String... runningVersions) {
    List<Instance> instances = new java.util.ArrayList<>();
    for (int i = 0; i < runningVersions.length; i++) {
      instances.add(Instance.of(String.valueOf(i), Zone.REGIONAL, 0, IMAGE.withVersion(v(runningVersions[i]))));
    }
    return new ScaleSet(Fleets.ID, WEST, List.of(), OrchestrationMode.UNIFORM, UpgradePolicy.manual(),
        IMAGE.withVersion(v("1.0.0")), HealthMonitoring.extension(), null, instances);
  }

  private static ScaleSet fleet() {
    return scaleSet("1.0.0", "1.0.0");
  }

  private static ImageVersion v(String text) {
    return ImageVersion.parse(text);
  }

  private static ImageRelease release(String version, ReplicationState west) {
    return ImageRelease.gallery(IMAGE.withVersion(v(version)), YESTERDAY, Map.of(WEST, west));
  }

  private static ImageRelease replicated(String version) {
    return release(version, ReplicationState.COMPLETED);
  }

  @Test
  void check_newerPublishedReplicatedRelease_eligible() {
    Eligibility e = ImageEligibility.check(replicated("1.1.0"), fleet(), NOW);

    assertThat(e.isEligible()).isTrue();
    assertThat(e.reasons()).isEmpty();
    assertThat(e).hasToString("1.1.0 is eligible");
  }

  @Test
  void check_versionOfAnotherImage_differentImage() {
    ImageRelease other = ImageRelease.gallery(ImageReference.gallery(DEFINITION.replace("/web", "/api"), "2.0.0"),
        YESTERDAY, Map.of(WEST, ReplicationState.COMPLETED));

    Eligibility e = ImageEligibility.check(other, fleet(), NOW);

    assertThat(e.reasons()).extracting(Eligibility.Reason::code).containsExactly(Eligibility.Code.DIFFERENT_IMAGE);
    assertThat(e.refusedBy(Eligibility.Code.DIFFERENT_IMAGE)).isTrue();
  }

  @Test
  void check_marketplaceReleaseForGalleryModel_differentImage() {
    ImageRelease market = ImageRelease.marketplace(Fleets.NEW_IMAGE, YESTERDAY);

    assertThat(ImageEligibility.check(market, fleet(), NOW).reasons()).extracting(Eligibility.Reason::code)
        .containsExactly(Eligibility.Code.DIFFERENT_IMAGE);
  }

  @Test
  void check_sameVersionAsRunning_notNewer() {
    Eligibility e = ImageEligibility.check(replicated("1.0.0"), fleet(), NOW);

    assertThat(e.reasons()).extracting(Eligibility.Reason::code).containsExactly(Eligibility.Code.NOT_NEWER);
  }

  @Test
  void check_olderThanNewestRunningInstance_notNewer() {
    // One instance already runs 1.2.0: 1.1.0 is not newer than what the scale set runs.
    Eligibility e = ImageEligibility.check(replicated("1.1.0"), scaleSet("1.0.0", "1.2.0"), NOW);

    assertThat(e.reasons()).extracting(Eligibility.Reason::code).containsExactly(Eligibility.Code.NOT_NEWER);
    assertThat(e.reasons().get(0).detail()).isEqualTo("1.1.0 is not newer than 1.2.0, which the scale set runs");
  }

  @Test
  void check_noInstances_comparesWithModelVersion() {
    assertThat(ImageEligibility.check(replicated("1.0.0"), scaleSet(), NOW).refusedBy(Eligibility.Code.NOT_NEWER))
        .isTrue();
    assertThat(ImageEligibility.check(replicated("1.0.1"), scaleSet(), NOW).isEligible()).isTrue();
  }

  @Test
  void check_publishedInTheFuture_notYetPublished() {
    ImageRelease future = ImageRelease.gallery(IMAGE.withVersion(v("1.1.0")), NOW.plusSeconds(1),
        Map.of(WEST, ReplicationState.COMPLETED));

    Eligibility e = ImageEligibility.check(future, fleet(), NOW);

    assertThat(e.reasons()).extracting(Eligibility.Reason::code)
        .containsExactly(Eligibility.Code.NOT_YET_PUBLISHED);
  }

  @Test
  void check_publishedExactlyNow_eligible() {
    ImageRelease now = ImageRelease.gallery(IMAGE.withVersion(v("1.1.0")), NOW,
        Map.of(WEST, ReplicationState.COMPLETED));

    assertThat(ImageEligibility.check(now, fleet(), NOW).isEligible()).isTrue();
  }

  @Test
  void check_stillReplicatingToRegion_notReplicated() {
    Eligibility e = ImageEligibility.check(release("1.1.0", ReplicationState.REPLICATING), fleet(), NOW);

    assertThat(e.reasons()).extracting(Eligibility.Reason::code)
        .containsExactly(Eligibility.Code.NOT_REPLICATED_TO_REGION);
    assertThat(e.reasons().get(0).detail()).isEqualTo("replication to westeurope is Replicating");
  }

  @Test
  void check_regionNotATarget_notReplicated() {
    ImageRelease elsewhere = ImageRelease.gallery(IMAGE.withVersion(v("1.1.0")), YESTERDAY,
        Map.of(NORTH, ReplicationState.COMPLETED));

    assertThat(ImageEligibility.check(elsewhere, fleet(), NOW).reasons()).extracting(Eligibility.Reason::code)
        .containsExactly(Eligibility.Code.NOT_REPLICATED_TO_REGION);
  }

  @Test
  void check_replicationFailedInRegion_replicationFailed() {
    Eligibility e = ImageEligibility.check(release("1.1.0", ReplicationState.FAILED), fleet(), NOW);

    assertThat(e.reasons()).extracting(Eligibility.Reason::code)
        .containsExactly(Eligibility.Code.REPLICATION_FAILED);
  }

  @Test
  void check_excludedFromLatestEverywhere_excluded() {
    Eligibility e = ImageEligibility.check(replicated("1.1.0").withExcludedFromLatest(true), fleet(), NOW);

    assertThat(e.reasons()).extracting(Eligibility.Reason::code)
        .containsExactly(Eligibility.Code.EXCLUDED_FROM_LATEST);
    assertThat(e.reasons().get(0).detail()).isEqualTo("excluded from latest everywhere");
  }

  @Test
  void check_excludedFromLatestInTheRegion_excluded() {
    ImageRelease r = new ImageRelease(IMAGE.withVersion(v("1.1.0")), YESTERDAY,
        Map.of(WEST, ReplicationState.COMPLETED, NORTH, ReplicationState.COMPLETED), false, Set.of(WEST), null);

    Eligibility e = ImageEligibility.check(r, fleet(), NOW);

    assertThat(e.reasons()).extracting(Eligibility.Reason::code)
        .containsExactly(Eligibility.Code.EXCLUDED_FROM_LATEST);
    assertThat(e.reasons().get(0).detail()).isEqualTo("excluded from latest in westeurope");
  }

  @Test
  void check_excludedFromLatestInAnotherRegion_eligible() {
    ImageRelease r = new ImageRelease(IMAGE.withVersion(v("1.1.0")), YESTERDAY,
        Map.of(WEST, ReplicationState.COMPLETED), false, Set.of(NORTH), null);

    assertThat(ImageEligibility.check(r, fleet(), NOW).isEligible()).isTrue();
  }

  @Test
  void check_endOfLifeReached_endOfLife() {
    ImageRelease r = new ImageRelease(IMAGE.withVersion(v("1.1.0")), YESTERDAY,
        Map.of(WEST, ReplicationState.COMPLETED), false, Set.of(), NOW);

    assertThat(ImageEligibility.check(r, fleet(), NOW).reasons()).extracting(Eligibility.Reason::code)
        .containsExactly(Eligibility.Code.END_OF_LIFE);
  }

  @Test
  void check_endOfLifeInTheFuture_eligible() {
    ImageRelease r = new ImageRelease(IMAGE.withVersion(v("1.1.0")), YESTERDAY,
        Map.of(WEST, ReplicationState.COMPLETED), false, Set.of(), NOW.plusSeconds(1));

    assertThat(ImageEligibility.check(r, fleet(), NOW).isEligible()).isTrue();
  }

  @Test
  void check_marketplaceRelease_availableInEveryRegion() {
    ScaleSet marketFleet = Fleets.scaleSet(2);

    Eligibility e = ImageEligibility.check(ImageRelease.marketplace(Fleets.NEW_IMAGE, YESTERDAY), marketFleet, NOW);

    assertThat(e.isEligible()).isTrue();
  }

  @Test
  void check_severalRulesBroken_everyReasonListed() {
    ImageRelease r = ImageRelease.gallery(IMAGE.withVersion(v("0.9.0")), NOW.plus(Duration.ofHours(1)),
        Map.of(WEST, ReplicationState.FAILED)).withExcludedFromLatest(true);

    Eligibility e = ImageEligibility.check(r, fleet(), NOW);

    assertThat(e.isEligible()).isFalse();
    assertThat(e.reasons()).extracting(Eligibility.Reason::code).containsExactly(Eligibility.Code.NOT_NEWER,
        Eligibility.Code.NOT_YET_PUBLISHED, Eligibility.Code.REPLICATION_FAILED,
        Eligibility.Code.EXCLUDED_FROM_LATEST);
    assertThat(e.toString()).isEqualTo("0.9.0 is not eligible: "
        + "NOT_NEWER (0.9.0 is not newer than 1.0.0, which the scale set runs); "
        + "NOT_YET_PUBLISHED (publishes at 2026-01-05T01:00:00Z); "
        + "REPLICATION_FAILED (replication to westeurope failed); "
        + "EXCLUDED_FROM_LATEST (excluded from latest everywhere)");
  }

  @Test
  void newestEligible_picksHighestEligibleVersion() {
    List<ImageRelease> releases = List.of(replicated("1.1.0"), replicated("1.10.0"), replicated("1.9.0"),
        release("2.0.0", ReplicationState.REPLICATING), replicated("0.9.0"));

    assertThat(ImageEligibility.newestEligible(releases, fleet(), NOW)).map(ImageRelease::version)
        .contains(v("1.10.0"));
  }

  @Test
  void newestEligible_noneEligible_empty() {
    List<ImageRelease> releases = List.of(replicated("1.0.0"), release("2.0.0", ReplicationState.FAILED));

    assertThat(ImageEligibility.newestEligible(releases, fleet(), NOW)).isEmpty();
    assertThat(ImageEligibility.newestEligible(List.of(), fleet(), NOW)).isEmpty();
  }
}
