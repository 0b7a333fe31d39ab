package dev.osupgrade.testkit;

import dev.osupgrade.Require;
import dev.osupgrade.fleet.HealthState;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.InstanceIds;
import dev.osupgrade.fleet.OrchestrationMode;
import dev.osupgrade.fleet.PowerState;
import dev.osupgrade.fleet.ProvisioningState;
import dev.osupgrade.fleet.ScaleSet;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.fleet.Zone;
import dev.osupgrade.image.ImageEligibility;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.image.ImageRelease;
import dev.osupgrade.image.ImageVersion;
import dev.osupgrade.policy.UpgradeMode;
import dev.osupgrade.policy.UpgradePolicy;
import dev.osupgrade.port.ConflictException;
import dev.osupgrade.port.ImageCatalog;
import dev.osupgrade.port.InvalidModelException;
import dev.osupgrade.port.ResourceNotFoundException;
import dev.osupgrade.port.ScaleSetPort;
import dev.osupgrade.rollout.Rollout;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
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
 * A seeded, in-memory fleet of scale sets that behaves like Azure, on a {@link VirtualClock}. It implements the
 * ports ({@link ScaleSetPort}, {@link ImageCatalog}), so the same rollouts that run against Azure run here, and a
 * rollout of hours of fleet time finishes in milliseconds. The same seed gives the same behaviour every time.
 *
 * <p>What it models:
 * <ul>
 *   <li>the model image versus each instance's image, and {@code latestModelApplied};</li>
 *   <li>upgrades that take time ({@link SimulationProfile}): the instance is Updating, then runs the model's image
 *       (taken at the time of the request), boots, and its health extension goes Initializing, then Healthy;</li>
 *   <li>scripted faults: a version that fails to boot, comes up Unhealthy or initializes slowly
 *       ({@link #imageBehavior}); chosen instances unhealthy ({@link #setHealth});</li>
 *   <li>Azure's validation of model changes (pinned versions with automatic OS upgrade, health sources, etags).</li>
 * </ul>
 *
 * <pre>{@code
 * SimulatedFleet fleet = SimulatedFleet.create(42);
 * ScaleSetId web = fleet.add(ScaleSetSpec.named("web").instances(30).zones(3).image(ubuntu.withVersion(v1)));
 * fleet.publish(ImageRelease.marketplace(ubuntu.withVersion(v2), fleet.clock().instant()));
 * Rollout rollout = Rollout.builder(fleet, web).target(v2).clock(fleet.clock()).build();
 * fleet.run(rollout);
 * }</pre>
 *
 * <p>Not thread-safe: one test thread drives it through its clock.
 */
public final class SimulatedFleet implements ScaleSetPort, ImageCatalog {
  /** The longest a {@link #run} may take in fleet time before it gives up. */
  public static final Duration MAX_RUN = Duration.ofDays(60);

  private final long seed;
  private final VirtualClock clock;
  private final SplittableRandom random;
  private final SimulationProfile profile;
  private final Map<ScaleSetId, SimScaleSet> scaleSets = new LinkedHashMap<>();
  private final Map<String, List<ImageRelease>> catalog = new TreeMap<>();
  private final Map<ImageVersion, ImageBehavior> behaviors = new HashMap<>();
  private final Map<String, Integer> calls = new TreeMap<>();
  private final List<String> log = new ArrayList<>();
  private final List<Rollout> rollouts = new ArrayList<>();

  private SimulatedFleet(long seed, VirtualClock clock, SimulationProfile profile) {
    this.seed = seed;
    this.clock = clock;
    this.random = new SplittableRandom(seed);
    this.profile = profile;
  }

  /**
   * Creates an empty fleet with its own clock at {@link VirtualClock#DEFAULT_START} and the default profile.
   *
   * @param seed the seed of every random choice
   * @return the fleet
   */
  public static SimulatedFleet create(long seed) {
    return new SimulatedFleet(seed, VirtualClock.create(), SimulationProfile.ofDefaults());
  }

  /**
   * Creates an empty fleet on a given clock.
   *
   * @param seed the seed of every random choice
   * @param clock the clock
   * @param profile how long things take
   * @return the fleet
   */
  public static SimulatedFleet create(long seed, VirtualClock clock, SimulationProfile profile) {
    return new SimulatedFleet(seed, Require.nonNull(clock, "clock"), Require.nonNull(profile, "profile"));
  }

  /** @return the seed */
  public long seed() {
    return seed;
  }

  /** @return the fleet's clock */
  public VirtualClock clock() {
    return clock;
  }

  /** @return the timing profile */
  public SimulationProfile profile() {
    return profile;
  }

  // ---- building the fleet -------------------------------------------------------------------------------------

  /**
   * Creates a scale set. Its image's release is added to the catalog if missing (published an hour ago).
   *
   * @param spec what to create
   * @return the new scale set's id
   */
  public ScaleSetId add(ScaleSetSpec spec) {
    Require.nonNull(spec, "spec");
    ImageReference image = Require.nonNull(spec.image, "spec.image");
    ScaleSetId id = ScaleSetId.of(spec.resourceGroup, spec.name);
    Require.that(!scaleSets.containsKey(id), "spec.name", "unique in the fleet", id);
    List<Zone> zones = new ArrayList<>();
    for (int z = 1; z <= spec.zones; z++) {
      zones.add(Zone.of(String.valueOf(z)));
    }
    SimScaleSet s = new SimScaleSet(id, spec.region, zones, spec.upgradePolicy,
        spec.upgradePolicy.automaticOsUpgrade().enableAutomaticOSUpgrade() ? image.withLatest() : image,
        spec.healthMonitoring);
    int[] perZone = new int[Math.max(1, spec.zones)];
    for (int k = 0; k < spec.instances; k++) {
      int zoneIndex = spec.zones == 0 ? 0 : k % spec.zones;
      Zone zone = spec.zones == 0 ? Zone.REGIONAL : zones.get(zoneIndex);
      int j = perZone[zoneIndex]++;
      s.instances.put(String.valueOf(k), new SimInstance(String.valueOf(k), zone, j % spec.updateDomains,
          j % spec.faultDomains, image));
    }
    scaleSets.put(id, s);
    if (releaseOf(image).isEmpty()) {
      publish(ImageRelease.marketplace(image, clock.instant().minus(Duration.ofHours(1))));
    }
    record(id, "created: " + spec.instances + " instances on " + image);
    return id;
  }

  /**
   * Adds a release to the catalog.
   *
   * @param release the release
   */
  public void publish(ImageRelease release) {
    Require.nonNull(release, "release");
    List<ImageRelease> releases = catalog.computeIfAbsent(release.image().imageKey(), k -> new ArrayList<>());
    releases.removeIf(r -> r.version().equals(release.version()));
    releases.add(release);
    releases.sort(Comparator.comparing(ImageRelease::version));
    log.add(clock.instant() + " catalog: published " + release.image());
  }

  /**
   * Publishes a marketplace version now, available in every region.
   *
   * @param image the image, pinned to the new version
   * @return the release
   */
  public ImageRelease publish(ImageReference image) {
    ImageRelease release = ImageRelease.marketplace(image, clock.instant());
    publish(release);
    return release;
  }

  /**
   * Says how instances behave after booting a version (by default: Healthy).
   *
   * @param version the version
   * @param behavior the behaviour
   */
  public void imageBehavior(ImageVersion version, ImageBehavior behavior) {
    behaviors.put(Require.nonNull(version, "version"), Require.nonNull(behavior, "behavior"));
  }

  /**
   * Sets instances' health now (a later upgrade or rollback replaces it with the image's behaviour).
   *
   * @param id the scale set
   * @param health the health
   * @param instanceIds the instances
   */
  public void setHealth(ScaleSetId id, HealthState health, String... instanceIds) {
    SimScaleSet s = require(id);
    for (String instanceId : instanceIds) {
      instance(s, instanceId).health = Require.nonNull(health, "health");
      record(id, "instance " + instanceId + " health set to " + health);
    }
  }

  /**
   * Protects instances from scale-set actions (or lifts the protection).
   *
   * @param id the scale set
   * @param isProtected the flag
   * @param instanceIds the instances
   */
  public void protect(ScaleSetId id, boolean isProtected, String... instanceIds) {
    SimScaleSet s = require(id);
    for (String instanceId : instanceIds) {
      instance(s, instanceId).protectedFromUpgrade = isProtected;
    }
  }

  // ---- driving rollouts ---------------------------------------------------------------------------------------

  /**
   * Drives a rollout to its end on this fleet's clock: advance, move the clock to the time it asks for, repeat.
   *
   * @param rollout the rollout (built with this fleet's clock)
   * @return the rollout
   * @throws IllegalStateException if it has not ended after {@link #MAX_RUN} of fleet time
   */
  public Rollout run(Rollout rollout) {
    Require.nonNull(rollout, "rollout");
    track(rollout);
    Instant deadline = clock.instant().plus(MAX_RUN);
    for (Optional<Instant> next = rollout.advance(); next.isPresent(); next = rollout.advance()) {
      if (next.get().isAfter(deadline)) {
        throw new IllegalStateException("rollout still running after " + MAX_RUN + " of fleet time: " + rollout);
      }
      clock.advanceTo(next.get());
    }
    return rollout;
  }

  /**
   * Remembers a rollout so that its event log is printed when a test using the JUnit extension fails.
   *
   * @param rollout the rollout
   */
  public void track(Rollout rollout) {
    if (!rollouts.contains(rollout)) {
      rollouts.add(rollout);
    }
  }

  /** @return the rollouts run on or tracked by this fleet */
  public List<Rollout> rollouts() {
    return Collections.unmodifiableList(rollouts);
  }

  // ---- inspection ---------------------------------------------------------------------------------------------

  /** @return the ids of every scale set, in creation order */
  public List<ScaleSetId> scaleSetIds() {
    return List.copyOf(scaleSets.keySet());
  }

  /**
   * Counts the calls made to one port method.
   *
   * @param method e.g. {@code "upgradeInstances"}
   * @return how many times it was called
   */
  public int calls(String method) {
    return calls.getOrDefault(method, 0);
  }

  /** @return calls per port method, by name */
  public Map<String, Integer> callCounts() {
    return Collections.unmodifiableMap(calls);
  }

  /**
   * How many times an instance's OS disk was replaced (upgrades plus rollbacks).
   *
   * @param id the scale set
   * @param instanceId the instance
   * @return the count
   */
  public int reimageCount(ScaleSetId id, String instanceId) {
    return instance(require(id), instanceId).reimages;
  }

  /** @return the fleet's own log: what happened to which instance, when */
  public List<String> log() {
    return Collections.unmodifiableList(log);
  }

  // ---- ScaleSetPort -------------------------------------------------------------------------------------------

  @Override
  public ScaleSet get(ScaleSetId id) {
    count("get");
    SimScaleSet s = require(id);
    return new ScaleSet(s.id, s.region, s.zones, OrchestrationMode.UNIFORM, s.upgradePolicy, s.modelImage,
        s.healthMonitoring, s.etagText(), snapshot(s));
  }

  @Override
  public List<Instance> listInstances(ScaleSetId id) {
    count("listInstances");
    return snapshot(require(id));
  }

  @Override
  public void updateModelImage(ScaleSetId id, ImageReference image) {
    count("updateModelImage");
    SimScaleSet s = require(id);
    Require.nonNull(image, "image");
    if (s.upgradePolicy.automaticOsUpgrade().enableAutomaticOSUpgrade() && !image.isLatest()) {
      throw latestRequired();
    }
    if (!image.isLatest() && catalog.containsKey(image.imageKey()) && releaseOf(image).isEmpty()) {
      throw new InvalidModelException(404, "ImageNotFound", "The image '" + image + "' is not available.", null);
    }
    if (!image.equals(s.modelImage)) {
      record(id, "model image " + s.modelImage + " -> " + image);
      s.modelImage = image;
      s.etag++;
    }
  }

  @Override
  public void updateUpgradePolicy(ScaleSetId id, UpgradePolicy policy, @Nullable String ifMatchEtag) {
    count("updateUpgradePolicy");
    SimScaleSet s = require(id);
    Require.nonNull(policy, "policy");
    if (ifMatchEtag != null && !ifMatchEtag.equals(s.etagText())) {
      throw new ConflictException(412, "PreconditionFailed", "The etag " + ifMatchEtag
          + " does not match the current etag " + s.etagText() + " of " + id + ".", null);
    }
    boolean auto = policy.automaticOsUpgrade().enableAutomaticOSUpgrade();
    if (auto || policy.mode() == UpgradeMode.ROLLING) {
      if (s.healthMonitoring.loadBalancerProbe() && s.healthMonitoring.applicationHealthExtension()) {
        throw new InvalidModelException(400, "BadRequest", "Automatic OS Upgrade is not supported for this Virtual "
            + "Machine Scale Set because both a health probe and a health extension were provided. Remove the "
            + "health probe or health extension prior to enabling automatic OS upgrade.", null);
      }
      if (!s.healthMonitoring.hasExactlyOneSource()) {
        throw new InvalidModelException(400, "BadRequest", auto
            ? "Automatic OS Upgrade is not supported for this Virtual Machine Scale Set because a health probe or "
                + "health extension was not specified."
            : "Rolling Upgrade mode is not supported for this Virtual Machine Scale Set because a health probe or "
                + "health extension was not provided.", null);
      }
    }
    if (auto && !s.modelImage.isLatest()) {
      throw latestRequired();
    }
    if (!policy.equals(s.upgradePolicy)) {
      record(id, "upgrade policy -> " + policy.mode().azureName() + ", " + policy.automaticOsUpgrade()
          + policy.rollingUpgradePolicy().map(p -> ", " + p).orElse(""));
      s.upgradePolicy = policy;
      s.etag++;
    }
  }

  @Override
  public void upgradeInstances(ScaleSetId id, List<String> instanceIds) {
    count("upgradeInstances");
    SimScaleSet s = require(id);
    List<SimInstance> targets = resolve(s, instanceIds);
    ImageReference image = resolveModelImage(s);
    for (SimInstance i : targets) {
      if (i.busy || (i.image.equals(image) && i.provisioning == ProvisioningState.SUCCEEDED)) {
        continue;
      }
      reimage(s, i, image, "upgrade");
    }
  }

  @Override
  public void rollBackInstances(ScaleSetId id, List<String> instanceIds, ImageReference previousImage) {
    count("rollBackInstances");
    SimScaleSet s = require(id);
    Require.nonNull(previousImage, "previousImage");
    Require.that(!previousImage.isLatest(), "previousImage", "pinned to a version", previousImage);
    List<SimInstance> targets = resolve(s, instanceIds);
    for (SimInstance i : targets) {
      if (i.image.equals(previousImage) && i.provisioning == ProvisioningState.SUCCEEDED && !i.busy) {
        continue;
      }
      reimage(s, i, previousImage, "rollback");
    }
  }

  // ---- ImageCatalog -------------------------------------------------------------------------------------------

  @Override
  public List<ImageRelease> listReleases(ImageReference image) {
    count("listReleases");
    return List.copyOf(catalog.getOrDefault(Require.nonNull(image, "image").imageKey(), List.of()));
  }

  // ---- internals ----------------------------------------------------------------------------------------------

  private void reimage(SimScaleSet s, SimInstance i, ImageReference image, String why) {
    long generation = ++i.generation;
    i.busy = true;
    i.provisioning = ProvisioningState.UPDATING;
    i.power = PowerState.STARTING;
    i.health = HealthState.INITIALIZING;
    Duration upgrade = draw(profile.upgradeMin(), profile.upgradeMax());
    Duration boot = draw(profile.bootMin(), profile.bootMax());
    Duration settle = draw(profile.settleMin(), profile.settleMax());
    record(s.id, "instance " + i.id + " " + why + " to " + versionOf(image) + " started");
    clock.schedule(upgrade, () -> {
      if (i.generation != generation) {
        return;
      }
      i.image = image;
      i.reimages++;
      i.busy = false;
      i.provisioning = ProvisioningState.SUCCEEDED;
      i.power = PowerState.RUNNING;
      ImageBehavior behavior = behaviors.getOrDefault(versionOf(image), ImageBehavior.healthy());
      record(s.id, "instance " + i.id + " runs " + versionOf(image) + ", booting");
      switch (behavior.kind()) {
        case BOOT_FAILURE -> {
          i.health = HealthState.UNKNOWN;
          record(s.id, "instance " + i.id + " does not boot " + versionOf(image) + ": health Unknown");
        }
        case UNHEALTHY -> settleLater(s, i, generation, boot.plus(settle), HealthState.UNHEALTHY);
        case SLOW_INITIALIZING -> settleLater(s, i, generation, boot.plus(behavior.initializingFor()),
            HealthState.HEALTHY);
        case HEALTHY -> settleLater(s, i, generation, boot.plus(settle), HealthState.HEALTHY);
      }
    });
  }

  private void settleLater(SimScaleSet s, SimInstance i, long generation, Duration after, HealthState health) {
    clock.schedule(after, () -> {
      if (i.generation == generation) {
        i.health = health;
        record(s.id, "instance " + i.id + " health " + health);
      }
    });
  }

  private Duration draw(Duration min, Duration max) {
    long span = max.toMillis() - min.toMillis();
    return span <= 0 ? min : min.plusMillis(random.nextLong(span + 1));
  }

  private List<Instance> snapshot(SimScaleSet s) {
    ImageReference model = resolveModelImage(s);
    List<Instance> out = new ArrayList<>(s.instances.size());
    for (SimInstance i : s.instances.values()) {
      out.add(new Instance(i.id, i.zone, i.updateDomain, i.faultDomain, i.image, i.image.equals(model),
          i.provisioning, i.power, i.health, i.protectedFromUpgrade));
    }
    return out;
  }

  /** The model's image with {@code latest} resolved as Azure would for this scale set's region. */
  ImageReference resolveModelImage(SimScaleSet s) {
    if (!s.modelImage.isLatest()) {
      return s.modelImage;
    }
    ScaleSet view = new ScaleSet(s.id, s.region, s.zones, OrchestrationMode.UNIFORM, s.upgradePolicy, s.modelImage,
        s.healthMonitoring, null, List.of());
    List<ImageRelease> releases = catalog.getOrDefault(s.modelImage.imageKey(), List.of());
    return ImageEligibility.newestEligible(releases, view, clock.instant()).map(ImageRelease::image)
        .orElseGet(() -> s.instances.values().stream().map(i -> i.image)
            .max(Comparator.comparing(SimulatedFleet::versionOf)).orElseThrow());
  }

  private Optional<ImageRelease> releaseOf(ImageReference image) {
    return catalog.getOrDefault(image.imageKey(), List.of()).stream()
        .filter(r -> image.version().map(v -> v.equals(r.version())).orElse(false)).findFirst();
  }

  private static ImageVersion versionOf(ImageReference image) {
    return image.version().orElseThrow();
  }

  private List<SimInstance> resolve(SimScaleSet s, List<String> instanceIds) {
    Require.nonEmpty("instanceIds", Require.nonNull(instanceIds, "instanceIds"));
    List<SimInstance> out = new ArrayList<>();
    for (String instanceId : InstanceIds.sorted(instanceIds)) {
      out.add(instance(s, instanceId));
    }
    return out;
  }

  private SimInstance instance(SimScaleSet s, String instanceId) {
    SimInstance i = s.instances.get(instanceId);
    if (i == null) {
      throw new ResourceNotFoundException(404, "NotFound", "The instance '" + instanceId
          + "' does not exist in scale set " + s.id + ".", null);
    }
    return i;
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

  private static InvalidModelException latestRequired() {
    return new InvalidModelException(400, "InvalidParameter", "virtualMachineScaleSets with Automatic OS Upgrade "
        + "enabled must use Platform or Gallery Image with version set to 'latest'.", null);
  }

  private void count(String method) {
    calls.merge(method, 1, Integer::sum);
  }

  private void record(ScaleSetId id, String what) {
    log.add(clock.instant() + " " + id + " " + what);
  }

  @Override
  public String toString() {
    return "SimulatedFleet[seed " + seed + ", " + scaleSets.size() + " scale sets, " + clock + "]";
  }
}
