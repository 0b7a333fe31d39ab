package dev.osupgrade.testkit;

import dev.osupgrade.Redaction;
import dev.osupgrade.Require;
import dev.osupgrade.fleet.HealthState;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.ResourceLock;
import dev.osupgrade.fleet.PowerState;
import dev.osupgrade.fleet.ProvisioningState;
import dev.osupgrade.fleet.ScaleSet;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.image.Eligibility;
import dev.osupgrade.plan.ImageEligibility;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.image.ImageRelease;
import dev.osupgrade.image.ImageVersion;
import dev.osupgrade.port.ResourceNotFoundException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * The simulation's shared state and the helpers every collaborator of {@link SimulatedFleet} needs: the clock, the
 * two seeded random streams, the scale sets, the image catalog and the fleet log.
 */
final class FleetContext {
  final long seed;
  final VirtualClock clock;
  final SimulationProfile profile;
  /** Durations of upgrades, boots and settling, and the platform's first-check delay. */
  final SplittableRandom timing;
  /**
   * Seeded fault draws (rates, random instances). A separate stream, so that scripting a fault does not shift the
   * timings of everything else.
   */
  final SplittableRandom faults;
  final Map<ScaleSetId, SimScaleSet> scaleSets = new LinkedHashMap<>();
  final Map<String, List<ImageRelease>> catalog = new TreeMap<>();
  final Map<ImageVersion, ImageBehavior> behaviors = new HashMap<>();
  final FleetLog log = new FleetLog();
  FleetRetention retention = FleetRetention.unbounded();
  final SimMetrics metrics = new SimMetrics(this);
  /** The ground truth: what happened to each instance and which port calls arrived, see {@link FleetRecord}. */
  final Recorder recorder;
  /** Listings that leave instances out ({@link Faults#leaveOutOfListings}), by scale set. */
  final Map<ScaleSetId, ListingGap> listingGaps = new HashMap<>();

  /**
   * The next {@code left} listings of a scale set leave out the instances {@code hides} picks.
   */
  static final class ListingGap {
    int left;
    final java.util.function.Predicate<Instance> hides;
    final String what;

    ListingGap(int left, java.util.function.Predicate<Instance> hides, String what) {
      this.left = left;
      this.hides = hides;
      this.what = what;
    }
  }

  /**
   * A listing as a {@linkplain Faults#leaveOutOfListings listing fault} shortens it (and counts it); the whole
   * listing when no such fault is scripted or nothing is left out.
   */
  List<Instance> listed(SimScaleSet s, List<Instance> all) {
    ListingGap gap = listingGaps.get(s.id);
    if (gap == null) {
      return all;
    }
    if (--gap.left <= 0) {
      listingGaps.remove(s.id);
    }
    List<Instance> kept = new ArrayList<>();
    List<String> out = new ArrayList<>();
    for (Instance i : all) {
      if (gap.hides.test(i)) {
        out.add(i.instanceId());
      } else {
        kept.add(i);
      }
    }
    record(s.id, "listing left out " + (out.isEmpty() ? "nothing" : out) + " (" + gap.what + ", " + gap.left
        + " more listings)");
    return kept;
  }

  FleetContext(long seed, VirtualClock clock, SimulationProfile profile) {
    this.seed = seed;
    this.clock = clock;
    this.profile = profile;
    this.recorder = new Recorder(clock);
    this.timing = new SplittableRandom(seed);
    this.faults = new SplittableRandom(seed).split();
  }

  Instant now() {
    return clock.instant();
  }

  /** Logs a line about one scale set; secrets in it are masked, as in every log the library writes. */
  void record(ScaleSetId id, String what) {
    log.add(clock.instant(), id, Redaction.redact(what));
  }

  /**
   * Logs a line about a scale set, put together (and its secrets masked) when first read: for the lines every
   * instance writes on every upgrade. {@code what} must capture only values that do not change.
   */
  void recordLater(ScaleSetId id, java.util.function.Supplier<String> what) {
    log.addLater(clock.instant(), id, what);
  }

  /** Logs a line; secrets in it are masked. */
  void note(String what) {
    log.add(clock.instant() + " " + Redaction.redact(what));
  }

  Duration draw(Duration min, Duration max) {
    long span = max.toMillis() - min.toMillis();
    return span <= 0 ? min : min.plusMillis(timing.nextLong(span + 1));
  }

  SimScaleSet require(ScaleSetId id) {
    SimScaleSet s = scaleSets.get(Require.nonNull(id, "id"));
    if (s == null) {
      throw new ResourceNotFoundException(404, "ResourceNotFound", "The Resource "
          + "'Microsoft.Compute/virtualMachineScaleSets/" + id.name() + "' under resource group '"
          + id.resourceGroup() + "' was not found.", null);
    }
    return s;
  }

  SimInstance instance(SimScaleSet s, String instanceId) {
    SimInstance i = s.instances.get(Require.nonNull(instanceId, "instanceId"));
    if (i == null) {
      throw new ResourceNotFoundException(404, "NotFound", "The instance '" + instanceId
          + "' does not exist in scale set " + s.id + ".", null);
    }
    return i;
  }

  /** The instances as a health probe and ARM see them now. */
  List<Instance> snapshot(SimScaleSet s) {
    ImageReference model = resolveModelImage(s);
    Instant now = clock.instant();
    List<Instance> out = new ArrayList<>(s.instances.size());
    for (SimInstance i : s.instances.values()) {
      out.add(shown(i, s.onModel(i.image, model, s.modelImage.isLatest()), now));
    }
    return out;
  }

  /** One instance as ARM shows it now, or empty when the scale set has no such instance (any more). */
  Optional<Instance> snapshot(SimScaleSet s, String instanceId) {
    SimInstance i = s.instances.get(instanceId);
    if (i == null) {
      return Optional.empty();
    }
    return Optional.of(shown(i, s.onModel(i.image, resolveModelImage(s), s.modelImage.isLatest()), clock.instant()));
  }

  /**
   * One instance as ARM shows it now: the view shown last when nothing in it has changed since (a listing of a large
   * scale set builds only the instances that changed), else a new one.
   */
  private static Instance shown(SimInstance i, boolean latestModelApplied, Instant now) {
    HealthState health = i.effectiveHealth(now);
    boolean protectedFromUpgrade = i.leftAloneByUpgrades();
    Instance last = i.shown;
    if (last != null && (last.image() == i.image || last.image().equals(i.image))
        && last.latestModelApplied() == latestModelApplied && last.provisioningState() == i.provisioning
        && last.powerState() == i.power && last.health() == health
        && last.protectedFromUpgrade() == protectedFromUpgrade && last.lock() == i.lock
        && java.util.Objects.equals(last.provisionedAt(), provisionedAt(i.provisioning, i.provisionedAt))) {
      return last;
    }
    Instance fresh = instance(i, i.image, latestModelApplied, i.provisioning, i.power, health, protectedFromUpgrade,
        i.lock, i.provisionedAt);
    i.shown = fresh;
    return fresh;
  }

  /** The provisioning status carries the time its operation ended; while one runs, there is no end to tell. */
  private static @Nullable Instant provisionedAt(ProvisioningState provisioning, @Nullable Instant provisionedAt) {
    boolean ended = provisioning == ProvisioningState.SUCCEEDED || provisioning == ProvisioningState.FAILED;
    return ended ? provisionedAt : null;
  }

  /** One instance as ARM shows it: the one place snapshots and the record's replays of them are built. */
  static Instance instance(SimInstance i, ImageReference image, boolean latestModelApplied,
      ProvisioningState provisioning, PowerState power, HealthState health, boolean protectedFromUpgrade,
      ResourceLock lock, @Nullable Instant provisionedAt) {
    return new Instance(i.id, i.zone, i.updateDomain, i.faultDomain, image, latestModelApplied, provisioning, power,
        health, protectedFromUpgrade, null, lock, provisionedAt(provisioning, provisionedAt));
  }

  /** The scale set with its instances, read without counting a port call. */
  ScaleSet view(SimScaleSet s) {
    return new ScaleSet(s.id, s.region, s.zones, s.orchestration, s.upgradePolicy, s.modelImage,
        s.healthMonitoring, s.etagText(), snapshot(s), s.tags);
  }

  List<ImageRelease> releases(ImageReference image) {
    return catalog.getOrDefault(image.imageKey(), List.of());
  }

  Optional<ImageRelease> releaseOf(ImageReference image) {
    return releases(image).stream()
        .filter(r -> image.version().map(v -> v.equals(r.version())).orElse(false)).findFirst();
  }

  /** Adds or replaces (by version) a release in the catalog. */
  void putRelease(ImageRelease release) {
    List<ImageRelease> releases = catalog.computeIfAbsent(release.image().imageKey(), k -> new ArrayList<>());
    releases.removeIf(r -> r.version().equals(release.version()));
    releases.add(release);
    releases.sort(Comparator.comparing(ImageRelease::version));
  }

  /**
   * What {@code latest} resolves to in the scale set's region now: the newest release of the model's image that is
   * published, replicated to the region, not excluded from latest and not past end of life, whatever the instances
   * run.
   */
  Optional<ImageRelease> latestAvailable(SimScaleSet s) {
    ScaleSet view = new ScaleSet(s.id, s.region, s.zones, s.orchestration, s.upgradePolicy, s.modelImage,
        s.healthMonitoring, null, List.of());
    Instant now = clock.instant();
    return releases(s.modelImage).stream()
        .filter(r -> {
          Eligibility e = ImageEligibility.check(r, view, now);
          return e.reasons().stream().allMatch(reason -> reason.code() == Eligibility.Code.NOT_NEWER);
        })
        .max(Comparator.comparing(ImageRelease::version));
  }

  /** The model's image with {@code latest} resolved as Azure would for this scale set's region. */
  ImageReference resolveModelImage(SimScaleSet s) {
    if (!s.modelImage.isLatest()) {
      return s.modelImage;
    }
    return latestAvailable(s).map(ImageRelease::image)
        .or(() -> s.instances.values().stream().map(i -> i.image).max(Comparator.comparing(FleetContext::versionOf)))
        .orElseThrow(() -> new IllegalStateException("latest resolves to nothing for " + s.id
            + ": no release of " + s.modelImage.imageKey() + " is available in " + s.region
            + " and the scale set has no instances"));
  }

  static ImageVersion versionOf(ImageReference image) {
    return image.version().orElseThrow();
  }
}
