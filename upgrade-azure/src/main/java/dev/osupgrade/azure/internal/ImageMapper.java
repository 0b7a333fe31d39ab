package dev.osupgrade.azure.internal;

import com.azure.resourcemanager.compute.fluent.models.GalleryImageVersionInner;
import com.azure.resourcemanager.compute.models.AggregatedReplicationState;
import com.azure.resourcemanager.compute.models.GalleryImageVersionPublishingProfile;
import com.azure.resourcemanager.compute.models.RegionalReplicationStatus;
import com.azure.resourcemanager.compute.models.ReplicationStatus;
import com.azure.resourcemanager.compute.models.TargetRegion;
import dev.osupgrade.Region;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.image.ImageRelease;
import dev.osupgrade.image.ImageVersion;
import dev.osupgrade.image.ReplicationState;
import java.time.Instant;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/** Image references and gallery releases between ARM's models and the domain. */
final class ImageMapper {
  private ImageMapper() {}

  /**
   * Reads an ARM image reference as it appears in a model or an instance.
   *
   * @param ref the reference
   * @param preferExact use {@code exactVersion} when {@code version} is {@code latest} or missing (an instance's
   *     reference: it says what the disk really runs)
   * @return the reference, or empty when ARM named no image this library understands
   */
  static Optional<ImageReference> read(com.azure.resourcemanager.compute.models.@Nullable ImageReference ref,
      boolean preferExact) {
    if (ref == null) {
      return Optional.empty();
    }
    if (notBlank(ref.publisher()) && notBlank(ref.offer()) && notBlank(ref.sku())) {
      String version = version(ref.version(), ref.exactVersion(), preferExact);
      ImageReference.Marketplace m = ImageReference.marketplace(ref.publisher(), ref.offer(), ref.sku(), "latest");
      return Optional.of(version == null ? m : m.withVersion(ImageVersion.parse(version)));
    }
    String id = ref.id();
    if (notBlank(id) && id.toLowerCase(Locale.ROOT).contains("/providers/microsoft.compute/galleries/")) {
      ImageReference parsed = ImageReference.parse(id);
      if (parsed.isLatest() && preferExact && notBlank(ref.exactVersion())) {
        return Optional.of(parsed.withVersion(ImageVersion.parse(ref.exactVersion())));
      }
      return Optional.of(parsed);
    }
    return Optional.empty();
  }

  private static @Nullable String version(@Nullable String version, @Nullable String exact, boolean preferExact) {
    boolean latest = version == null || version.isBlank() || version.equalsIgnoreCase("latest");
    if (!latest) {
      return version;
    }
    return preferExact && notBlank(exact) ? exact : null;
  }

  /**
   * Writes a domain image as an ARM image reference for a model PATCH.
   *
   * @param image the image
   * @return the ARM reference
   */
  static com.azure.resourcemanager.compute.models.ImageReference write(ImageReference image) {
    var ref = new com.azure.resourcemanager.compute.models.ImageReference();
    if (image instanceof ImageReference.Marketplace m) {
      return ref.withPublisher(m.publisher()).withOffer(m.offer()).withSku(m.sku())
          .withVersion(m.version().map(ImageVersion::toString).orElse("latest"));
    }
    ImageReference.Gallery g = (ImageReference.Gallery) image;
    ref.withId(g.version().map(v -> g.imageDefinitionId() + "/versions/" + v).orElse(g.imageDefinitionId()));
    return ref;
  }

  /**
   * Reads one gallery image version read with {@code $expand=ReplicationStatus}.
   *
   * @param definition the image definition
   * @param v the version
   * @param firstSeen when a version without a published date was first seen
   * @return the release
   */
  static ImageRelease galleryRelease(ImageReference.Gallery definition, GalleryImageVersionInner v,
      Instant firstSeen) {
    ImageVersion version = ImageVersion.parse(v.name());
    GalleryImageVersionPublishingProfile publishing = v.publishingProfile();
    Instant published = publishing != null && publishing.publishedDate() != null
        ? publishing.publishedDate().toInstant() : firstSeen;
    boolean excluded = publishing != null && Boolean.TRUE.equals(publishing.excludeFromLatest());
    Set<Region> excludedRegions = new HashSet<>();
    Map<Region, ReplicationState> replication = new LinkedHashMap<>();
    List<TargetRegion> targets = publishing == null || publishing.targetRegions() == null ? List.of()
        : publishing.targetRegions();
    ReplicationStatus status = v.replicationStatus();
    ReplicationState aggregated = aggregated(status == null ? null : status.aggregatedState());
    for (TargetRegion t : targets) {
      if (t == null || !notBlank(t.name())) {
        continue;
      }
      Region r = Region.of(t.name());
      replication.put(r, aggregated == ReplicationState.COMPLETED ? ReplicationState.COMPLETED
          : ReplicationState.UNKNOWN);
      if (Boolean.TRUE.equals(t.excludeFromLatest())) {
        excludedRegions.add(r);
      }
    }
    if (status != null && status.summary() != null) {
      for (RegionalReplicationStatus s : status.summary()) {
        if (s != null && notBlank(s.region())) {
          replication.put(Region.of(s.region()),
              s.state() == null || !notBlank(s.state().toString()) ? ReplicationState.UNKNOWN
                  : ReplicationState.fromAzure(s.state().toString()));
        }
      }
    }
    if (replication.isEmpty()) {
      // never leave the map empty: an empty map means "everywhere" (marketplace) to the domain
      String home = v.location();
      replication.put(Region.of(notBlank(home) ? home : "unknown"), aggregated);
    }
    Instant endOfLife = publishing != null && publishing.endOfLifeDate() != null
        ? publishing.endOfLifeDate().toInstant() : null;
    return new ImageRelease(definition.withVersion(version), published, replication, excluded, excludedRegions,
        endOfLife);
  }

  private static ReplicationState aggregated(@Nullable AggregatedReplicationState state) {
    if (state == null) {
      return ReplicationState.UNKNOWN;
    }
    if (AggregatedReplicationState.COMPLETED.equals(state)) {
      return ReplicationState.COMPLETED;
    }
    if (AggregatedReplicationState.FAILED.equals(state)) {
      return ReplicationState.FAILED;
    }
    if (AggregatedReplicationState.IN_PROGRESS.equals(state)) {
      return ReplicationState.REPLICATING;
    }
    // Unknown, or a state a newer API version added: kept with Azure's spelling, never read as Completed
    return notBlank(state.toString()) ? ReplicationState.fromAzure(state.toString()) : ReplicationState.UNKNOWN;
  }

  static boolean notBlank(@Nullable String s) {
    return s != null && !s.isBlank();
  }
}
