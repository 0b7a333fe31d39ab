package dev.osupgrade.image;

import dev.osupgrade.Region;
import dev.osupgrade.Require;
import java.time.Instant;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * One published version of an image, as the image catalog reports it: when it was published, where it has been
 * replicated, and whether it is excluded from {@code latest} (everywhere or in some regions).
 *
 * <p>Marketplace images are available in every region once published; build them with {@link #marketplace}.
 *
 * @param image the image, pinned to this release's version
 * @param publishedAt when the version was published
 * @param replication replication state per region; empty means "available everywhere" (marketplace)
 * @param excludedFromLatest the version is excluded from {@code latest} in every region
 * @param excludedRegions regions in which the version is excluded from {@code latest}
 * @param endOfLife when the version reaches end of life, or null
 */
public record ImageRelease(
    ImageReference image,
    Instant publishedAt,
    Map<Region, ReplicationState> replication,
    boolean excludedFromLatest,
    Set<Region> excludedRegions,
    @Nullable Instant endOfLife) {

  /** Validates that the image is pinned and copies the collections. */
  public ImageRelease {
    Require.nonNull(image, "image");
    Require.that(!image.isLatest(), "image", "pinned to a concrete version", image);
    Require.instant("publishedAt", publishedAt);
    if (endOfLife != null) {
      Require.instant("endOfLife", endOfLife);
    }
    replication = Collections.unmodifiableMap(new TreeMap<>(Require.noNulls("replication", replication)));
    excludedRegions = Collections.unmodifiableSet(new TreeSet<>(Require.noNulls("excludedRegions", excludedRegions)));
  }

  /**
   * A marketplace release: available in every region once published.
   *
   * @param image the image, pinned
   * @param publishedAt when it was published
   * @return the release
   */
  public static ImageRelease marketplace(ImageReference image, Instant publishedAt) {
    return new ImageRelease(image, publishedAt, Map.of(), false, Set.of(), null);
  }

  /**
   * A gallery release replicated to the given regions.
   *
   * @param image the image, pinned
   * @param publishedAt when it was published
   * @param replication the state per region
   * @return the release
   */
  public static ImageRelease gallery(ImageReference image, Instant publishedAt,
      Map<Region, ReplicationState> replication) {
    return new ImageRelease(image, publishedAt, replication, false, Set.of(), null);
  }

  /** @return the release's version */
  public ImageVersion version() {
    return image.version().orElseThrow();
  }

  /**
   * Tells where this release stands in a region.
   *
   * @param region the region
   * @return {@link ReplicationState#COMPLETED} for marketplace releases, else the reported state
   *     ({@link ReplicationState#UNKNOWN} when the region is not a target)
   */
  public ReplicationState replicationIn(Region region) {
    Require.nonNull(region, "region");
    if (replication.isEmpty()) {
      return ReplicationState.COMPLETED;
    }
    return replication.getOrDefault(region, ReplicationState.UNKNOWN);
  }

  /**
   * Says whether {@code latest} resolves to this version in a region.
   *
   * @param region the region
   * @return false when excluded everywhere or in that region
   */
  public boolean isExcludedFromLatestIn(Region region) {
    Require.nonNull(region, "region");
    return excludedFromLatest || excludedRegions.contains(region);
  }

  /** @return the end-of-life date, if any */
  public Optional<Instant> endOfLifeDate() {
    return Optional.ofNullable(endOfLife);
  }

  /**
   * Returns this release with one region's replication state changed.
   *
   * @param region the region
   * @param state its new state
   * @return the changed release
   */
  public ImageRelease withReplication(Region region, ReplicationState state) {
    Require.nonNull(region, "region");
    Require.nonNull(state, "state");
    Map<Region, ReplicationState> copy = new TreeMap<>(replication);
    copy.put(region, state);
    return new ImageRelease(image, publishedAt, copy, excludedFromLatest, excludedRegions, endOfLife);
  }

  /**
   * Returns this release excluded from (or included in) {@code latest} everywhere.
   *
   * @param excluded the flag
   * @return the changed release
   */
  public ImageRelease withExcludedFromLatest(boolean excluded) {
    return new ImageRelease(image, publishedAt, replication, excluded, excludedRegions, endOfLife);
  }

  @Override
  public String toString() {
    return "ImageRelease[" + image + ", published " + publishedAt
        + (replication.isEmpty() ? "" : ", replication " + replication)
        + (excludedFromLatest ? ", excluded from latest" : "")
        + (excludedRegions.isEmpty() ? "" : ", excluded from latest in " + excludedRegions)
        + (endOfLife == null ? "" : ", end of life " + endOfLife) + "]";
  }
}
