package dev.osupgrade.plan;

import dev.osupgrade.Require;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.ScaleSet;
import dev.osupgrade.image.Eligibility;
import dev.osupgrade.image.ImageRelease;
import dev.osupgrade.image.ImageVersion;
import dev.osupgrade.image.ReplicationState;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Azure's eligibility rule for a new image version on a scale set: a version of the model's image, newer than what
 * runs, published, replicated to the scale set's region, and not excluded from {@code latest}. Governance adds its
 * own rules (image trust, quarantine) on top.
 */
public final class ImageEligibility {
  private ImageEligibility() {}

  /**
   * Checks one release against one scale set.
   *
   * @param release the release
   * @param scaleSet the scale set
   * @param now the current time (from the injected clock)
   * @return the verdict with every reason it fails
   */
  public static Eligibility check(ImageRelease release, ScaleSet scaleSet, Instant now) {
    Require.nonNull(release, "release");
    Require.nonNull(scaleSet, "scaleSet");
    Require.instant("now", now);
    List<Eligibility.Reason> reasons = new ArrayList<>();
    if (!release.image().sameImageAs(scaleSet.modelImage())) {
      reasons.add(new Eligibility.Reason(Eligibility.Code.DIFFERENT_IMAGE,
          release.image().imageKey() + " is not the model's image " + scaleSet.modelImage().imageKey()));
    }
    Optional<ImageVersion> running = newestRunning(scaleSet);
    if (running.isPresent() && !release.version().isNewerThan(running.get())) {
      reasons.add(new Eligibility.Reason(Eligibility.Code.NOT_NEWER,
          release.version() + " is not newer than " + running.get() + ", which the scale set runs"));
    }
    if (release.publishedAt().isAfter(now)) {
      reasons.add(new Eligibility.Reason(Eligibility.Code.NOT_YET_PUBLISHED,
          "publishes at " + release.publishedAt()));
    }
    ReplicationState state = release.replicationIn(scaleSet.region());
    if (ReplicationState.FAILED.equals(state)) {
      reasons.add(new Eligibility.Reason(Eligibility.Code.REPLICATION_FAILED,
          "replication to " + scaleSet.region() + " failed"));
    } else if (!ReplicationState.COMPLETED.equals(state)) {
      reasons.add(new Eligibility.Reason(Eligibility.Code.NOT_REPLICATED_TO_REGION,
          "replication to " + scaleSet.region() + " is " + state));
    }
    if (release.isExcludedFromLatestIn(scaleSet.region())) {
      reasons.add(new Eligibility.Reason(Eligibility.Code.EXCLUDED_FROM_LATEST,
          release.excludedFromLatest() ? "excluded from latest everywhere"
              : "excluded from latest in " + scaleSet.region()));
    }
    release.endOfLifeDate().filter(eol -> !eol.isAfter(now)).ifPresent(eol -> reasons.add(
        new Eligibility.Reason(Eligibility.Code.END_OF_LIFE, "end of life since " + eol)));
    return new Eligibility(release, reasons);
  }

  /**
   * Picks the newest eligible release, as {@code latest} would resolve for this scale set.
   *
   * @param releases the catalog's releases of the model's image
   * @param scaleSet the scale set
   * @param now the current time
   * @return the newest eligible release, if any
   */
  public static Optional<ImageRelease> newestEligible(List<ImageRelease> releases, ScaleSet scaleSet, Instant now) {
    return Require.noNulls("releases", releases).stream()
        .filter(r -> check(r, scaleSet, now).isEligible())
        .max(Comparator.comparing(ImageRelease::version));
  }

  private static Optional<ImageVersion> newestRunning(ScaleSet scaleSet) {
    Optional<ImageVersion> fromInstances =
        scaleSet.instances().stream().map(Instance::imageVersion).max(Comparator.naturalOrder());
    return fromInstances.isPresent() ? fromInstances : scaleSet.modelImage().version();
  }
}
