package dev.osupgrade.governance.schedule;

import dev.osupgrade.Durations;
import dev.osupgrade.Region;
import dev.osupgrade.Require;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.image.ImageRelease;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * The release calendar operators keep next to their maintenance windows: how often each publisher (or gallery
 * pipeline) ships a new image version, and how long a new version takes to reach each region (gallery replication,
 * or the platform's phased rollout of marketplace images). {@link #nextExpected} answers "when is the next version
 * of this image due, and when will it reach my regions?" with its reasoning.
 *
 * <pre>{@code
 * ReleaseCalendar calendar = ReleaseCalendar.builder()
 *     .publisher("Canonical", Cadence.monthly(10, 3))
 *     .gallery("golden", Cadence.every(Duration.ofDays(7), firstBuild, Duration.ofHours(6)))
 *     .replication(Region.of("westeurope"), Duration.ofHours(2))
 *     .replication(Region.of("eastus"), Duration.ofHours(6))
 *     .build();
 * calendar.nextExpected(scaleSet.modelImage(), clock.instant()).ifPresent(e -> System.out.println(e.describe()));
 * }</pre>
 *
 * <p>Matching, most specific first: the image itself, then (marketplace) publisher and offer, then publisher;
 * (gallery) the image definition, then the gallery by name. Immutable.
 */
public final class ReleaseCalendar {
  private final Map<String, Entry> cadences;
  private final Map<Region, Duration> replication;
  private final Map<Region, Duration> platformRollout;

  private record Entry(String label, Cadence cadence) {}

  private ReleaseCalendar(Builder b) {
    this.cadences = Map.copyOf(b.cadences);
    this.replication = java.util.Collections.unmodifiableMap(new TreeMap<>(b.replication));
    this.platformRollout = java.util.Collections.unmodifiableMap(new TreeMap<>(b.platformRollout));
  }

  /** @return an empty builder */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The cadence that applies to an image.
   *
   * @param image the image (its version is ignored)
   * @return the most specific cadence, if any
   */
  public Optional<Cadence> cadenceOf(ImageReference image) {
    return entry(Require.nonNull(image, "image")).map(Entry::cadence);
  }

  /**
   * When the next version of an image is expected, not knowing the latest release.
   *
   * @param image the image (its version is ignored)
   * @param now the current time
   * @return the expectation with its reasoning; empty when the calendar has no cadence for the image
   */
  public Optional<ExpectedRelease> nextExpected(ImageReference image, Instant now) {
    return nextExpected(image, null, now);
  }

  /**
   * When the next version of an image is expected after the latest known release.
   *
   * @param image the image (its version is ignored)
   * @param latestKnown the newest release seen so far, or null
   * @param now the current time
   * @return the expectation with its reasoning; empty when the calendar has no cadence for the image
   */
  public Optional<ExpectedRelease> nextExpected(ImageReference image, @Nullable ImageRelease latestKnown,
      Instant now) {
    Require.nonNull(image, "image");
    Require.instant("now", now);
    Optional<Entry> found = entry(image);
    if (found.isEmpty()) {
      return Optional.empty();
    }
    Entry e = found.get();
    Instant last = latestKnown == null ? null : latestKnown.publishedAt();
    Cadence.Occurrence o = e.cadence().next(now, last);
    List<String> why = new ArrayList<>();
    why.add(e.label() + " publishes " + e.cadence().describe() + ".");
    why.add(last == null ? "No release known yet, so the next expected window is the first not yet over."
        : "Latest known release " + latestKnown.version() + " was published " + last
            + "; the next one is expected in the first later window.");
    why.add("Next window: " + o.earliest() + " to " + o.latest() + ", most likely " + o.expected()
        + (now.isBefore(o.expected()) ? "." : " (due now: the most likely time has passed)."));
    Map<Region, Instant> available = new TreeMap<>();
    boolean gallery = image instanceof ImageReference.Gallery;
    Map<Region, Duration> delays = gallery ? replication : platformRollout;
    if (delays.isEmpty()) {
      why.add(gallery ? "No replication times are known: the version reaches a region once replication there "
          + "completes, and Azure upgrades a scale set only after that."
          : "Platform images roll out across Azure in phases over days to weeks; Azure upgrades a scale set only "
              + "once the version is available in its region.");
    } else {
      List<String> parts = new ArrayList<>();
      delays.forEach((region, delay) -> {
        available.put(region, o.expected().plus(delay));
        parts.add(region + " +" + Durations.words(delay) + " (" + o.expected().plus(delay) + ")");
      });
      why.add((gallery ? "Gallery replication: " : "Platform rollout: ") + String.join(", ", parts) + ".");
    }
    return Optional.of(new ExpectedRelease(image.imageKey(), o.earliest(), o.expected(), o.latest(), available,
        why));
  }

  /**
   * When a published release should be available in a region, from the configured delays.
   *
   * @param release the release
   * @param region the region
   * @return publish time plus the region's replication (gallery) or rollout (marketplace) delay; empty when the
   *     region's delay is unknown
   */
  public Optional<Instant> expectedAvailability(ImageRelease release, Region region) {
    Require.nonNull(release, "release");
    Require.nonNull(region, "region");
    Map<Region, Duration> delays = release.image() instanceof ImageReference.Gallery ? replication : platformRollout;
    return Optional.ofNullable(delays.get(region)).map(d -> release.publishedAt().plus(d));
  }

  private Optional<Entry> entry(ImageReference image) {
    List<String> keys = new ArrayList<>();
    keys.add("image:" + image.imageKey().toLowerCase(Locale.ROOT));
    if (image instanceof ImageReference.Marketplace m) {
      keys.add("offer:" + (m.publisher() + ":" + m.offer()).toLowerCase(Locale.ROOT));
      keys.add("publisher:" + m.publisher().toLowerCase(Locale.ROOT));
    } else if (image instanceof ImageReference.Gallery g) {
      keys.add("gallery:" + g.galleryName().toLowerCase(Locale.ROOT));
    }
    return keys.stream().map(cadences::get).filter(java.util.Objects::nonNull).findFirst();
  }

  @Override
  public String toString() {
    List<String> parts = new ArrayList<>();
    new TreeMap<>(cadences).forEach((k, e) -> parts.add(e.label() + " " + e.cadence().describe()));
    if (!replication.isEmpty()) {
      parts.add("replication " + replication);
    }
    if (!platformRollout.isEmpty()) {
      parts.add("platform rollout " + platformRollout);
    }
    return "ReleaseCalendar[" + String.join(", ", parts) + "]";
  }

  /** Accumulates a calendar. Not thread-safe. */
  public static final class Builder {
    private final Map<String, Entry> cadences = new LinkedHashMap<>();
    private final Map<Region, Duration> replication = new TreeMap<>();
    private final Map<Region, Duration> platformRollout = new TreeMap<>();

    private Builder() {}

    /**
     * Sets a marketplace publisher's cadence (all its offers).
     *
     * @param publisher e.g. {@code "Canonical"}
     * @param cadence e.g. {@code Cadence.monthly(10, 3)}
     * @return this builder
     */
    public Builder publisher(String publisher, Cadence cadence) {
      Require.nonBlank("publisher", publisher);
      return put("publisher:" + publisher.toLowerCase(Locale.ROOT), publisher, cadence);
    }

    /**
     * Sets one offer's cadence.
     *
     * @param publisher the publisher
     * @param offer the offer
     * @param cadence the cadence
     * @return this builder
     */
    public Builder offer(String publisher, String offer, Cadence cadence) {
      Require.nonBlank("publisher", publisher);
      Require.nonBlank("offer", offer);
      return put("offer:" + (publisher + ":" + offer).toLowerCase(Locale.ROOT), publisher + " " + offer, cadence);
    }

    /**
     * Sets one image's cadence (a marketplace sku or a gallery image definition).
     *
     * @param image the image (its version is ignored)
     * @param cadence the cadence
     * @return this builder
     */
    public Builder image(ImageReference image, Cadence cadence) {
      Require.nonNull(image, "image");
      return put("image:" + image.imageKey().toLowerCase(Locale.ROOT), image.imageKey(), cadence);
    }

    /**
     * Sets the cadence of every image in a gallery.
     *
     * @param galleryName the gallery's name
     * @param cadence the cadence
     * @return this builder
     */
    public Builder gallery(String galleryName, Cadence cadence) {
      Require.nonBlank("galleryName", galleryName);
      Require.that(!galleryName.contains("/"), "galleryName", "a gallery name (use image(...) for an image "
          + "definition)", galleryName);
      return put("gallery:" + galleryName.toLowerCase(Locale.ROOT), "gallery " + galleryName, cadence);
    }

    /**
     * Sets how long after publishing a gallery version is replicated to a region.
     *
     * @param region the region
     * @param delay zero or positive, at most 90 days
     * @return this builder
     */
    public Builder replication(Region region, Duration delay) {
      Require.nonNull(region, "region");
      replication.put(region, Require.nonNegative("delay", delay, Duration.ofDays(90)));
      return this;
    }

    /**
     * Sets how long after publishing the platform's phased rollout usually reaches a region with a marketplace
     * version (from the operator's own history; Azure does not publish it).
     *
     * @param region the region
     * @param delay zero or positive, at most 90 days
     * @return this builder
     */
    public Builder platformRollout(Region region, Duration delay) {
      Require.nonNull(region, "region");
      platformRollout.put(region, Require.nonNegative("delay", delay, Duration.ofDays(90)));
      return this;
    }

    private Builder put(String key, String label, Cadence cadence) {
      Require.nonNull(cadence, "cadence");
      Require.that(!cadences.containsKey(key), "cadence", "set once per source", label);
      cadences.put(key, new Entry(label, cadence));
      return this;
    }

    /** @return the calendar */
    public ReleaseCalendar build() {
      return new ReleaseCalendar(this);
    }
  }
}
