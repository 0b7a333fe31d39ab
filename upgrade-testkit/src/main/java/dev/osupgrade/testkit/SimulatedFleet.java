package dev.osupgrade.testkit;

import dev.osupgrade.Durations;
import dev.osupgrade.OsUpgradeException;
import dev.osupgrade.Require;
import dev.osupgrade.event.RolloutEvent;
import dev.osupgrade.fleet.HealthState;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.InstanceIds;
import dev.osupgrade.fleet.OrchestrationMode;
import dev.osupgrade.fleet.ProvisioningState;
import dev.osupgrade.fleet.ResourceLock;
import dev.osupgrade.fleet.ScaleSet;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.fleet.ScaleSetSummary;
import dev.osupgrade.fleet.Zone;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.image.ImageRelease;
import dev.osupgrade.image.ImageVersion;
import dev.osupgrade.image.ReplicationState;
import dev.osupgrade.ops.RollingUpgradeStatus;
import dev.osupgrade.ops.UpgradeHistoryEntry;
import dev.osupgrade.policy.UpgradeMode;
import dev.osupgrade.policy.UpgradePolicy;
import dev.osupgrade.port.CapacityPort;
import dev.osupgrade.port.ConflictException;
import dev.osupgrade.port.DiscoveryScope;
import dev.osupgrade.port.Fencing;
import dev.osupgrade.port.ImageCatalog;
import dev.osupgrade.port.InvalidModelException;
import dev.osupgrade.port.Metric;
import dev.osupgrade.port.MetricSample;
import dev.osupgrade.port.MetricsSource;
import dev.osupgrade.port.PlatformUpgradePort;
import dev.osupgrade.port.ScaleSetInventory;
import dev.osupgrade.port.ScaleSetPort;
import dev.osupgrade.report.InstanceObservations;
import dev.osupgrade.rollout.Rollout;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * A seeded, in-memory fleet of scale sets that behaves like Azure, on a {@link VirtualClock}. It implements the
 * ports ({@link ScaleSetPort}, {@link ImageCatalog}, {@link PlatformUpgradePort}, {@link CapacityPort}), so the same
 * rollouts that run against Azure run here, and a rollout of hours of fleet time finishes in milliseconds. The same
 * seed gives the same behaviour, and the same {@link #log()}, every time.
 *
 * <p>What it models:
 * <ul>
 *   <li>the model image versus each instance's image, and {@code latestModelApplied};</li>
 *   <li>upgrades that take time ({@link SimulationProfile}): the instance is Updating, then runs the model's image
 *       (taken at the time of the request), boots, and its health extension goes Initializing, then Healthy;</li>
 *   <li>per-version behaviour ({@link #imageBehavior}): a version that fails to boot, comes up Unhealthy,
 *       initializes slowly, flaps or recovers late; chosen instances unhealthy ({@link #setHealth});</li>
 *   <li>faults, scripted or seeded, all in {@link #faults()}: extension, application start-up and allocation
 *       failures, replication lag and failure, zone outages, concurrent maintenance, throttling, server errors,
 *       quota;</li>
 *   <li>Azure's own automatic OS upgrade: when a scale set has {@code enableAutomaticOSUpgrade} and a newer
 *       eligible release appears (published, replicated to its region, not excluded from latest), the platform
 *       starts an OS rolling upgrade by Azure's rules, with rollback, deferral, cancel, the latest status and the
 *       history (see {@link #startOsUpgrade});</li>
 *   <li>Azure's throttling buckets, when asked ({@link #throttling(ComputeThrottling, int)}): each call charged the
 *       requests the Azure adapter sends for it, a call beyond a bucket refused 429 with its {@code Retry-After};</li>
 *   <li>capacity for surge ({@link #headroom}, {@link #scaleOut}, {@link #deleteInstances});</li>
 *   <li>Azure's validation of model changes (pinned versions with automatic OS upgrade, health sources, etags,
 *       gallery versions not replicated to the region);</li>
 *   <li>the client-side fencing check the Azure adapter makes: every mutating method first calls
 *       {@link dev.osupgrade.port.Fencing#check()}, so a caller whose lease is lost sends (and counts) nothing.</li>
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
 * <p><b>Driving the platform's upgrades.</b> They run on the fleet's clock: a test moves the clock
 * ({@code fleet.clock().advance(Duration.ofHours(4))}) or lets it run until nothing is left to do
 * ({@code fleet.clock().runUntilIdle()}, which ends because the platform only schedules a check when something
 * it depends on changed, see {@link SimulationProfile}). A manual {@link #startOsUpgrade} takes its first step at
 * once.
 *
 * <p>Not thread-safe: one test thread drives it through its clock.
 */
public final class SimulatedFleet implements ScaleSetPort, ScaleSetInventory, ImageCatalog, PlatformUpgradePort,
    CapacityPort, MetricsSource {
  /** The longest a {@link #run} may take in fleet time before it gives up. */
  public static final Duration MAX_RUN = Duration.ofDays(60);

  private final FleetContext ctx;
  private final InstanceLifecycle lifecycle;
  private final Throttle throttle;
  private final RequestCharges charges;
  private final PlatformUpgrades platform;
  private final Capacity capacity;
  private final Faults faults;
  private final Map<String, Integer> calls = new TreeMap<>();
  private final List<Rollout> rollouts = new ArrayList<>();

  private SimulatedFleet(long seed, VirtualClock clock, SimulationProfile profile) {
    this.ctx = new FleetContext(seed, clock, profile);
    this.lifecycle = new InstanceLifecycle(ctx);
    this.throttle = new Throttle(ctx);
    this.charges = new RequestCharges(ctx);
    this.platform = new PlatformUpgrades(ctx, lifecycle);
    this.capacity = new Capacity(ctx, lifecycle);
    this.faults = new Faults(ctx, lifecycle, throttle, platform);
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
    return ctx.seed;
  }

  /** @return the fleet's clock */
  public VirtualClock clock() {
    return ctx.clock;
  }

  /** @return the timing profile */
  public SimulationProfile profile() {
    return ctx.profile;
  }

  /** @return every fault the fleet can inject, scripted or seeded */
  public Faults faults() {
    return faults;
  }

  // ---- building the fleet -------------------------------------------------------------------------------------

  /**
   * Creates a scale set. Its image's release is added to the catalog if missing (published an hour ago). With
   * automatic OS upgrade enabled, the model follows {@code latest} and the platform's first check is scheduled. It is
   * tagged {@code environment=test} unless its spec marks an environment ({@link ScaleSetSpec#environment}): a
   * simulated scale set is not production unless its spec says so.
   *
   * @param spec what to create
   * @return the new scale set's id
   */
  public ScaleSetId add(ScaleSetSpec spec) {
    Require.nonNull(spec, "spec");
    ImageReference image = Require.nonNull(spec.image, "spec.image");
    ScaleSetId id = ScaleSetId.of(spec.resourceGroup, spec.name);
    Require.that(!ctx.scaleSets.containsKey(id), "spec.name", "unique in the fleet", id);
    boolean flexible = spec.orchestration == OrchestrationMode.FLEXIBLE;
    int faultDomains = spec.effectiveFaultDomains();
    if (flexible) {
      Require.that(spec.name.length() <= InstanceIds.MAX_LENGTH - 9, "spec.name",
          "at most " + (InstanceIds.MAX_LENGTH - 9) + " characters for a Flexible scale set (its VM names add 9)",
          spec.name);
      Require.that(spec.zones == 0 ? faultDomains <= 3 : faultDomains == 1, "spec.faultDomains",
          spec.zones == 0 ? "1 to 3 for a regional Flexible scale set" : "1 for a zonal Flexible scale set",
          faultDomains);
    }
    List<Zone> zones = new ArrayList<>();
    for (int z = 1; z <= spec.zones; z++) {
      zones.add(Zone.of(String.valueOf(z)));
    }
    if (spec.layout != null) {
      zones.clear();
      zones.addAll(spec.zoneNames); // a twin: the zones as read
    }
    boolean auto = spec.upgradePolicy.automaticOsUpgrade().enableAutomaticOSUpgrade();
    SimScaleSet s = new SimScaleSet(id, spec.orchestration, ctx.seed, spec.region, zones,
        flexible ? 1 : spec.updateDomains, faultDomains, spec.upgradePolicy, auto ? image.withLatest() : image,
        spec.healthMonitoring);
    s.tags.putAll(spec.tagsWithEnvironment());
    int[] perZone = new int[Math.max(1, spec.zones)];
    for (int k = 0; k < spec.instances; k++) {
      int zoneIndex = spec.zones == 0 ? 0 : k % spec.zones;
      Zone zone = spec.zones == 0 ? Zone.REGIONAL : zones.get(zoneIndex);
      int j = perZone[zoneIndex]++;
      String instanceId = s.newInstanceId();
      s.instances.put(instanceId, new SimInstance(instanceId, zone, j % s.updateDomains, j % faultDomains, image));
    }
    if (spec.layout != null) {
      spec.layOut(s); // a twin: each instance as read
    }
    s.instances.values().forEach(ctx.recorder::created);
    ctx.scaleSets.put(id, s);
    ctx.metrics.existing(id, List.copyOf(s.instances.keySet()), FleetContext.versionOf(image), ctx.now());
    ctx.record(id, "created: " + spec.instances + " instances on " + image
        + (flexible ? " (Flexible, " + faultDomains + " fault domain" + (faultDomains == 1 ? "" : "s") + ")" : ""));
    if (auto) {
      platform.enabled(s);
    }
    if (ctx.releaseOf(image).isEmpty()) {
      publish(ImageRelease.marketplace(image, ctx.now().minus(Duration.ofHours(1))));
    }
    return id;
  }

  /**
   * Creates a scale set as a snapshot shows it, instance by instance (ids, zones, update and fault domains, images,
   * health, protection), for a what-if replay ({@link WhatIf}).
   *
   * @param shape the scale set to copy
   * @param replay the scripts its reimages follow
   */
  void addCopy(ScaleSet shape, Replay replay) {
    ScaleSetId id = shape.id();
    Require.that(!ctx.scaleSets.containsKey(id), "shape.id", "unique in the fleet", id);
    int updateDomains = 1;
    int faultDomains = 1;
    for (Instance i : shape.instances()) {
      updateDomains = Math.max(updateDomains, i.updateDomain() + 1);
      faultDomains = Math.max(faultDomains, i.faultDomain() + 1);
    }
    SimScaleSet s = new SimScaleSet(id, shape.orchestrationMode(), ctx.seed, shape.region(), shape.zones(),
        updateDomains, faultDomains, shape.upgradePolicy(), shape.modelImage(), shape.healthMonitoring());
    s.replay = replay;
    s.tags.putAll(shape.tags()); // the copy is the same environment as the original (production or not)
    int next = 0;
    for (Instance i : shape.instances()) {
      SimInstance copy = new SimInstance(i.instanceId(), i.zone(), i.updateDomain(), i.faultDomain(), i.image());
      copy.health = i.health();
      copy.provisioning = i.provisioningState();
      copy.power = i.powerState();
      copy.protectedFromUpgrade = i.protectedFromUpgrade();
      copy.lock = i.lock();
      s.instances.put(i.instanceId(), copy);
      try {
        next = Math.max(next, Integer.parseInt(i.instanceId()) + 1);
      } catch (NumberFormatException e) {
        next = Math.max(next, s.instances.size());
      }
    }
    s.nextInstanceId = next;
    s.instances.values().forEach(ctx.recorder::created);
    ctx.scaleSets.put(id, s);
    ctx.record(id, "created as a copy for a what-if replay: " + shape.instances().size() + " instances");
  }

  /**
   * Sets an instance's own health at a moment, unless a reimage has begun on it by then (what-if replays play back
   * the health changes an instance showed before its upgrade).
   */
  void healthAt(ScaleSetId id, String instanceId, Instant at, HealthState health) {
    SimScaleSet s = ctx.require(id);
    SimInstance i = ctx.instance(s, instanceId);
    long generation = i.generation;
    Duration after = Duration.between(ctx.now(), at);
    ctx.clock.schedule(after.isNegative() ? Duration.ZERO : after, () -> {
      if (i.generation == generation && s.instances.get(instanceId) == i) {
        i.health = health;
        ctx.recorder.changed(i);
        ctx.record(id, "instance " + instanceId + " health " + health + " (replayed)");
      }
    });
  }

  /**
   * Adds a release to the catalog (replacing one of the same version).
   *
   * @param release the release
   */
  public void publish(ImageRelease release) {
    Require.nonNull(release, "release");
    ctx.putRelease(release);
    ctx.note("catalog: published " + release.image()
        + (release.replication().isEmpty() ? "" : ", replication " + release.replication())
        + (release.excludedFromLatest() ? ", excluded from latest" : ""));
    platform.wakeAll();
  }

  /**
   * Publishes a marketplace version now, available in every region.
   *
   * @param image the image, pinned to the new version
   * @return the release
   */
  public ImageRelease publish(ImageReference image) {
    ImageRelease release = ImageRelease.marketplace(image, ctx.now());
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
    ctx.behaviors.put(Require.nonNull(version, "version"), Require.nonNull(behavior, "behavior"));
  }

  /**
   * Sets instances' health now (a later upgrade or rollback replaces it with the image's behaviour; an outage or
   * maintenance in progress still hides it).
   *
   * @param id the scale set
   * @param health the health
   * @param instanceIds the instances
   */
  public void setHealth(ScaleSetId id, HealthState health, String... instanceIds) {
    SimScaleSet s = ctx.require(id);
    Require.nonNull(health, "health");
    List<SimInstance> chosen = new ArrayList<>();
    for (String instanceId : Require.noNulls("instanceIds", instanceIds)) {
      chosen.add(ctx.instance(s, instanceId));
    }
    for (SimInstance i : chosen) {
      i.health = health;
      i.stopFlapping();
      ctx.recorder.changed(i);
      ctx.record(id, "instance " + i.id + " health set to " + health);
    }
  }

  /**
   * Protects instances of a Uniform scale set from scale-set actions (or lifts the protection). On a Flexible scale
   * set use {@link #lock}: Azure documents resource locks as Flexible's instance protection, and they are what the
   * library reads (Azure's instance protection for Flexible VMs, API 2023-09-01 and later, is not in the VM listing
   * the library reads).
   *
   * @param id the scale set
   * @param isProtected the flag
   * @param instanceIds the instances
   */
  public void protect(ScaleSetId id, boolean isProtected, String... instanceIds) {
    SimScaleSet s = ctx.require(id);
    Require.that(!s.flexible(), "id", "a Uniform scale set: a Flexible instance's protection is a resource lock "
        + "(lock(id, ResourceLock.READ_ONLY, …)), the protection the library reads for Flexible", id);
    List<SimInstance> chosen = new ArrayList<>();
    for (String instanceId : Require.noNulls("instanceIds", instanceIds)) {
      chosen.add(ctx.instance(s, instanceId));
    }
    for (SimInstance i : chosen) {
      i.protectedFromUpgrade = isProtected;
      ctx.recorder.changed(i);
    }
  }

  /**
   * Puts a resource lock on instances' VMs, or lifts it ({@link ResourceLock#NONE}): Flexible orchestration's
   * protection, as Azure's comparison of the orchestration modes says. A {@link ResourceLock#READ_ONLY} VM shows
   * {@code protectedFromUpgrade} and refuses upgrades and rollbacks, a {@link ResourceLock#CAN_NOT_DELETE} or read-only
   * one refuses deletion: the whole call fails with 409 {@code ScopeLocked}, as ARM answers, and changes nothing.
   *
   * @param id the scale set, Flexible
   * @param lock the lock, or {@link ResourceLock#NONE}
   * @param instanceIds the instances
   * @throws dev.osupgrade.InvalidValueException for a Uniform scale set, whose instances are no resources of their
   *     own to lock
   */
  public void lock(ScaleSetId id, ResourceLock lock, String... instanceIds) {
    SimScaleSet s = ctx.require(id);
    Require.nonNull(lock, "lock");
    Require.that(s.flexible(), "id", "a Flexible scale set (a Uniform scale set's instances cannot be locked one by "
        + "one)", id);
    List<SimInstance> chosen = new ArrayList<>();
    for (String instanceId : Require.noNulls("instanceIds", instanceIds)) {
      chosen.add(ctx.instance(s, instanceId));
    }
    for (SimInstance i : chosen) {
      i.lock = lock;
      ctx.recorder.changed(i);
      ctx.record(id, "instance " + i.id + (lock == ResourceLock.NONE ? " unlocked" : " locked " + lock.azureName()));
    }
  }

  /**
   * Every instance id the scale set ever had, in order of creation, deleted ones included: {@code "0"}, {@code "1"},
   * … for Uniform, VM names for Flexible (the k-th instance of the spec is the k-th entry).
   *
   * @param id the scale set
   * @return the ids
   */
  public List<String> createdInstanceIds(ScaleSetId id) {
    return List.copyOf(ctx.require(id).created);
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
    Instant deadline = ctx.now().plus(MAX_RUN);
    for (Optional<Instant> next = rollout.advance(); next.isPresent(); next = rollout.advance()) {
      if (next.get().isAfter(deadline)) {
        throw new IllegalStateException("rollout still running after " + Durations.words(MAX_RUN) + " of fleet time: " + rollout);
      }
      ctx.clock.advanceTo(next.get());
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

  /**
   * What every instance really did, for a {@link dev.osupgrade.report.Timeline}: each scale set's
   * {@link FleetRecord#tracks}.
   *
   * <pre>{@code
   * Timeline.of(rollout).observed(fleet.observations()).writeTo(Path.of("target/timeline.html"));
   * }</pre>
   *
   * @return the observations, read from this fleet's record when asked
   */
  public InstanceObservations observations() {
    return (id, target, from, to) -> record(id).tracks(target, from, to);
  }

  /**
   * Reads a scale set as {@link #get} would, without counting a port call and without letting a scripted or seeded
   * fault reject the read: for assertions, and for test doubles that answer from this fleet (an ARM emulator).
   *
   * @param id the scale set
   * @return the snapshot, with its instances
   * @throws dev.osupgrade.port.ResourceNotFoundException for an unknown scale set
   */
  public ScaleSet peek(ScaleSetId id) {
    return ctx.view(ctx.require(id));
  }

  /** @return the ids of every scale set, in creation order */
  public List<ScaleSetId> scaleSetIds() {
    return List.copyOf(ctx.scaleSets.keySet());
  }

  /**
   * Counts the calls made to one port method, including those a fault (or bad input) rejected
   * ({@link Faults#rejectedCalls}).
   *
   * @param method e.g. {@code "upgradeInstances"}
   * @return how many times it was called
   */
  public int calls(String method) {
    Require.nonNull(method, "method");
    return calls.getOrDefault(method, 0);
  }

  /**
   * Counts the calls made to one port operation, including those a fault (or bad input) rejected.
   *
   * @param operation e.g. {@link PortOperation#UPGRADE_INSTANCES}
   * @return how many times it was called
   */
  public int calls(PortOperation operation) {
    return calls(Require.nonNull(operation, "operation").methodName());
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
    return ctx.instance(ctx.require(id), instanceId).reimages;
  }

  /**
   * The ground truth of a scale set: what really happened to each of its instances (creation, every reimage and
   * what it put on the disk, health, provisioning and power changes, deletion, with times) and every port call that
   * named it (with the scale set's true health when the call arrived, whether it was carried out, and what a read
   * showed). An oracle grades a rollout by this record, not by the rollout's own events.
   *
   * @param id the scale set
   * @return a live, read-only view of its record
   * @throws dev.osupgrade.port.ResourceNotFoundException for an unknown scale set
   */
  public FleetRecord record(ScaleSetId id) {
    return new FleetRecord(ctx.require(id), ctx.recorder);
  }

  /**
   * The instances notified of a deferred platform OS upgrade ({@code Platform.PendingOSUpgrade}) and waiting for
   * {@link #approveRollingUpgrade}.
   *
   * @param id the scale set
   * @return their ids, in instance-id order
   */
  public List<String> pendingApproval(ScaleSetId id) {
    return platform.pendingApproval(ctx.require(id));
  }

  /**
   * The events of the platform's OS rolling upgrades of a scale set (automatic and manual), oldest first: the core
   * engine runs them, so they read as any rollout's events.
   *
   * @param id the scale set
   * @return the events
   */
  public List<RolloutEvent> platformEvents(ScaleSetId id) {
    return platform.events(ctx.require(id));
  }

  /**
   * @return the fleet's own log: what happened to which instance, when, and every fault (the newest {@link
   *     FleetRetention#logLines()} lines)
   */
  public List<String> log() {
    return Collections.unmodifiableList(ctx.log);
  }

  /** @return how many of the log's lines were dropped to keep within the {@link #retention()} */
  public long logLinesDropped() {
    return ctx.log.dropped();
  }

  /**
   * Bounds how much of its own history the fleet keeps from now on: its log lines and metric samples (what is already
   * beyond the new bounds is dropped at once). The fleet's {@link #record ground truth} is never trimmed.
   *
   * @param retention the bounds; {@link FleetRetention#unbounded()} is the default
   * @return this fleet
   */
  public SimulatedFleet retention(FleetRetention retention) {
    Require.nonNull(retention, "retention");
    ctx.retention = retention;
    ctx.log.limit(retention.logLines());
    ctx.metrics.prune();
    return this;
  }

  /** @return how much of its own history the fleet keeps */
  public FleetRetention retention() {
    return ctx.retention;
  }

  /**
   * Enforces Azure's throttling buckets on this fleet's port calls from now on, as the ARM emulator does with
   * {@code throttling(true)}: each call is charged the ARM requests the Azure adapter sends for it, each to the bucket
   * {@link ComputeThrottling} gives it (an instance listing one High Cost Get per page of {@code listingPageSize}
   * instances; a read of the scale set a Low Cost Get; a change an Update; see {@link #armRequests()}), and a call
   * that finds a bucket empty is refused, before it changes anything, with the {@link
   * dev.osupgrade.port.ThrottledException} the Azure adapter throws for a 429 ({@code OperationNotAllowed} for CRP's
   * buckets, {@code TooManyRequests} for ARM's), its {@code Retry-After} the time to that bucket's next refill in
   * whole seconds. The refusal is counted with the calls, recorded in the scale set's {@link FleetRecord} and
   * written to the {@link #log()}. Off by default.
   *
   * <pre>{@code
   * SimulatedFleet fleet = SimulatedFleet.create(7).throttling(ComputeThrottling.create(), 100);
   * }</pre>
   *
   * @param buckets the model whose buckets to take tokens from (share one between fleets of one subscription)
   * @param listingPageSize how many instances a page of an instance listing holds, at least 1
   * @return this fleet
   */
  public SimulatedFleet throttling(ComputeThrottling buckets, int listingPageSize) {
    Require.nonNull(buckets, "buckets");
    Require.atLeast("listingPageSize", listingPageSize, 1);
    charges.enforce(buckets, listingPageSize);
    ctx.note("throttling: Azure's buckets enforced, listing pages of "
        + (listingPageSize == Integer.MAX_VALUE ? "any size" : listingPageSize + " instances"));
    return this;
  }

  /**
   * Enforces Azure's throttling buckets with every instance listing on one page ({@link #throttling(ComputeThrottling,
   * int)}).
   *
   * @param buckets the model whose buckets to take tokens from
   * @return this fleet
   */
  public SimulatedFleet throttling(ComputeThrottling buckets) {
    return throttling(buckets, Integer.MAX_VALUE);
  }

  /** @return the buckets this fleet enforces, if it does ({@link #throttling(ComputeThrottling, int)}) */
  public Optional<ComputeThrottling> throttling() {
    return Optional.ofNullable(charges.buckets());
  }

  /**
   * @return the port calls Azure's buckets refused ({@link #throttling(ComputeThrottling, int)}); 0 when they are
   *     not enforced
   */
  public int throttledCalls() {
    return charges.refused();
  }

  /**
   * The ARM requests the enforced buckets served, by bucket: a CRP policy's header name ({@code
   * VMScaleSetHighCostGet}, {@code VMScaleSetLowCostGet}, {@code VMScaleSetVMGet}, {@code VMScaleSetUpdate},
   * {@code VMScaleSetDelete}) or {@code ARMReads} / {@code ARMWrites} for requests only ARM's buckets count (a
   * Flexible scale set's VM reads, images, SKUs, usages). Empty when the buckets are not enforced.
   *
   * <table>
   *   <caption>What a port call is charged (Uniform)</caption>
   *   <tr><th>call</th><th>requests</th></tr>
   *   <tr><td>{@code get}</td><td>Low Cost Get, then High Cost Get per listing page (Flexible: an ARM read per page
   *       and one for the locks)</td></tr>
   *   <tr><td>{@code model}</td><td>Low Cost Get (Flexible: and an ARM read for the locks)</td></tr>
   *   <tr><td>{@code listInstances}</td><td>High Cost Get per page (Flexible: an ARM read per page)</td></tr>
   *   <tr><td>{@code instance}</td><td>the instance's VM Get (Flexible: an ARM read)</td></tr>
   *   <tr><td>a change (model, policy, upgrade, scale-out, platform upgrade start, cancel, approve)</td>
   *       <td>Update</td></tr>
   *   <tr><td>{@code rollBackInstances}</td><td>Low Cost Get and three Updates</td></tr>
   *   <tr><td>{@code deleteInstances}</td><td>Delete</td></tr>
   *   <tr><td>{@code latestRollingUpgrade}, {@code osUpgradeHistory}</td><td>Low Cost Get</td></tr>
   *   <tr><td>{@code headroom}; {@code listReleases}, {@code listScaleSets}</td><td>two ARM reads; one</td></tr>
   * </table>
   *
   * @return requests served, by bucket
   */
  public Map<String, Integer> armRequests() {
    return charges.served();
  }

  // ---- ScaleSetPort -------------------------------------------------------------------------------------------

  @Override
  public ScaleSet get(ScaleSetId id) {
    return recorded("get", id, null, null, 0, () -> {
      SimScaleSet s = ctx.require(id);
      ScaleSet view = ctx.view(s);
      return view.withInstances(ctx.listed(s, view.instances()));
    });
  }

  /**
   * {@inheritDoc}
   *
   * <p>The scale set as {@link #get} reads it, without its instances. Counted and recorded as {@code "model"}; charged,
   * when Azure's buckets are enforced, what the Azure adapter sends: a Low Cost Get (Flexible: and an ARM read of the
   * locks).
   */
  @Override
  public ScaleSet model(ScaleSetId id) {
    return recorded("model", id, null, null, 0, () -> ctx.view(ctx.require(id)).withInstances(List.of()));
  }

  @Override
  public List<Instance> listInstances(ScaleSetId id) {
    return recorded("listInstances", id, null, null, 0, () -> {
      SimScaleSet s = ctx.require(id);
      return ctx.listed(s, ctx.snapshot(s));
    });
  }

  /**
   * {@inheritDoc}
   *
   * <p>Read from the fleet's own state, never from a listing: a deleted instance is empty at once. Counted and
   * recorded as {@code "instance"} ({@link #calls}, {@link FleetRecord#calls()} with the instance named), and
   * scripted or seeded faults of {@code "instance"} apply to it.
   */
  @Override
  public Optional<Instance> instance(ScaleSetId id, String instanceId) {
    Require.nonNull(id, "id");
    InstanceIds.require("instanceId", instanceId);
    return recorded("instance", id, List.of(instanceId), null, 0, () -> ctx.snapshot(ctx.require(id), instanceId));
  }

  @Override
  public void updateModelImage(ScaleSetId id, ImageReference image) {
    Fencing.check();
    recorded("updateModelImage", id, null, image, 0, () -> {
      modelImage(id, image);
      return null;
    });
  }

  private void modelImage(ScaleSetId id, ImageReference image) {
    SimScaleSet s = ctx.require(id);
    Require.nonNull(image, "image");
    if (s.automaticOsUpgrade() && !image.isLatest()) {
      throw latestRequired();
    }
    if (!image.isLatest() && ctx.catalog.containsKey(image.imageKey())) {
      ImageRelease release = ctx.releaseOf(image).orElseThrow(() -> new InvalidModelException(404, "ImageNotFound",
          "The image '" + image + "' is not available.", null));
      if (!ReplicationState.COMPLETED.equals(release.replicationIn(s.region))) {
        throw new InvalidModelException(404, "GalleryImageNotFound", "The gallery image " + image + " is not "
            + "available in " + s.region.name() + " region. Please contact image owner to replicate to this "
            + "region, or change your requested region.", null);
      }
    }
    if (!image.equals(s.modelImage)) {
      ctx.record(id, "model image " + s.modelImage + " -> " + image);
      s.modelImage = image;
      s.followsLatest.put(2 * ctx.recorder.lastSequence() + 1, image.isLatest());
      s.etag++;
    }
    platform.modelUpdated(s);
  }

  @Override
  public void updateUpgradePolicy(ScaleSetId id, UpgradePolicy policy, @Nullable String ifMatchEtag) {
    Fencing.check();
    recorded("updateUpgradePolicy", id, null, null, 0, () -> {
      upgradePolicy(id, policy, ifMatchEtag);
      return null;
    });
  }

  private void upgradePolicy(ScaleSetId id, UpgradePolicy policy, @Nullable String ifMatchEtag) {
    SimScaleSet s = ctx.require(id);
    Require.nonNull(policy, "policy");
    if (ifMatchEtag != null && !ifMatchEtag.equals(s.etagText())) {
      throw new ConflictException(412, "PreconditionFailed", "The etag " + ifMatchEtag
          + " does not match the current etag " + s.etagText() + " of " + id + ".", null);
    }
    boolean auto = policy.automaticOsUpgrade().enableAutomaticOSUpgrade();
    if (auto || UpgradeMode.ROLLING.equals(policy.mode())) {
      if (s.healthMonitoring.loadBalancerProbe() && s.healthMonitoring.applicationHealthExtension()) {
        throw new InvalidModelException(400, "BadRequest", "Automatic OS Upgrade is not supported for this Virtual "
            + "Machine Scale Set because both a health probe and a health extension were provided. Remove the "
            + "health probe or health extension prior to enabling automatic OS upgrade.", null);
      }
      if (s.flexible() && !s.healthMonitoring.applicationHealthExtension()) {
        throw new InvalidModelException(400, "BadRequest", (auto ? "Automatic OS Upgrade" : "Rolling Upgrade mode")
            + " is not supported for this Virtual Machine Scale Set because a health extension was not provided: "
            + "a scale set with Flexible orchestration must use the Application Health extension. (simulator's "
            + "wording)", null);
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
    boolean wasAuto = s.automaticOsUpgrade();
    if (policy.rolling() == null && s.upgradePolicy.rolling() != null) {
      policy = policy.withRolling(s.upgradePolicy.rolling()); // ARM keeps a rolling policy the PATCH leaves out
    }
    if (!policy.equals(s.upgradePolicy)) {
      ctx.record(id, "upgrade policy -> " + policy.mode().azureName() + ", " + policy.automaticOsUpgrade()
          + policy.rollingUpgradePolicy().map(p -> ", " + p).orElse(""));
      s.upgradePolicy = policy;
      s.etag++;
    }
    if (auto && !wasAuto) {
      platform.enabled(s);
    }
    platform.modelUpdated(s);
  }

  @Override
  public void upgradeInstances(ScaleSetId id, List<String> instanceIds) {
    Fencing.check();
    recorded("upgradeInstances", id, instanceIds, null, 0, () -> {
      SimScaleSet s = ctx.require(id);
      List<SimInstance> targets = resolve(s, instanceIds);
      refuseLocked(s, targets, ResourceLock::blocksUpdate, "write");
      ImageReference image = ctx.resolveModelImage(s);
      for (SimInstance i : targets) {
        if (i.busy || (i.image.equals(image) && i.provisioning == ProvisioningState.SUCCEEDED)) {
          continue;
        }
        lifecycle.reimage(s, i, image, "upgrade");
      }
      platform.wake(s);
      return null;
    });
  }

  @Override
  public void rollBackInstances(ScaleSetId id, List<String> instanceIds, ImageReference previousImage) {
    Fencing.check();
    recorded("rollBackInstances", id, instanceIds, previousImage, 0, () -> {
      SimScaleSet s = ctx.require(id);
      Require.nonNull(previousImage, "previousImage");
      Require.that(!previousImage.isLatest(), "previousImage", "pinned to a version", previousImage);
      List<SimInstance> targets = resolve(s, instanceIds);
      refuseLocked(s, targets, ResourceLock::blocksUpdate, "write");
      for (SimInstance i : targets) {
        if (i.image.equals(previousImage) && i.provisioning == ProvisioningState.SUCCEEDED && !i.busy) {
          continue;
        }
        lifecycle.reimage(s, i, previousImage, "rollback");
      }
      platform.wake(s);
      return null;
    });
  }

  // ---- ScaleSetInventory --------------------------------------------------------------------------------------

  /**
   * {@inheritDoc}
   *
   * <p>Every scale set of the fleet inside the scope, by resource group, then name; the capacity is the instance
   * count. A resource group without scale sets lists empty (ARM answers 404 for one that does not exist; the
   * simulator has no resource groups of its own). Counted as {@code "listScaleSets"}, and scripted or seeded faults
   * of that name apply; not part of any scale set's {@link FleetRecord}.
   */
  @Override
  public List<ScaleSetSummary> listScaleSets(DiscoveryScope scope) {
    Require.nonNull(scope, "scope");
    enter("listScaleSets", null, scope.subscriptionId(), null);
    List<ScaleSetSummary> out = new ArrayList<>();
    ctx.scaleSets.values().stream().filter(s -> scope.contains(s.id))
        .sorted(java.util.Comparator.comparing((SimScaleSet s) -> s.id.resourceGroup())
            .thenComparing(s -> s.id.name()))
        .forEach(s -> out.add(new ScaleSetSummary(s.id, s.region, s.zones, OrchestrationMode.UNIFORM,
            s.upgradePolicy, s.modelImage, s.instances.size(), s.tags)));
    return out;
  }

  // ---- ImageCatalog -------------------------------------------------------------------------------------------

  @Override
  public List<ImageRelease> listReleases(ImageReference image) {
    enter("listReleases", null);
    return List.copyOf(ctx.releases(Require.nonNull(image, "image")));
  }

  // ---- PlatformUpgradePort ------------------------------------------------------------------------------------

  /**
   * {@inheritDoc}
   *
   * <p>As Azure: the upgrade goes to what {@code latest} resolves to in the scale set's region, follows the scale
   * set's rolling upgrade policy (Azure's defaults when it has none), and has no automatic rollback. It fails with
   * {@link InvalidModelException} when the model's image is not {@code latest} or every instance is protected, and
   * with {@link ConflictException} while a rolling upgrade is in progress. Its first step runs at once; automatic
   * upgrades instead start on the platform's own checks, with {@code policyForAutomaticOsUpgrade()}, rollback
   * unless {@code disableAutomaticRollback}, and deferral when {@code osRollingUpgradeDeferral}.
   */
  @Override
  public void startOsUpgrade(ScaleSetId id) {
    Fencing.check();
    recorded("startOsUpgrade", id, null, null, 0, () -> {
      platform.startManually(ctx.require(id));
      return null;
    });
  }

  /**
   * {@inheritDoc}
   *
   * <p>The batch in flight finishes (its instances are not called back), no new batch starts, and the upgrade ends
   * {@code Cancelled} with last action {@code Cancel}. Instances still waiting for deferral approval are withdrawn:
   * they are not upgraded and count as pending. With nothing running (Azure: 409 "There is no ongoing Rolling
   * Upgrade to cancel.") it only writes the log.
   */
  @Override
  public void cancelRollingUpgrade(ScaleSetId id) {
    Fencing.check();
    recorded("cancelRollingUpgrade", id, null, null, 0, () -> {
      platform.cancel(ctx.require(id));
      return null;
    });
  }

  @Override
  public Optional<RollingUpgradeStatus> latestRollingUpgrade(ScaleSetId id) {
    enter("latestRollingUpgrade", id);
    return platform.latest(ctx.require(id));
  }

  /**
   * {@inheritDoc}
   *
   * <p>As Azure: the last five upgrades that started within two months (60 days), newest first, the running one
   * included.
   */
  @Override
  public List<UpgradeHistoryEntry> osUpgradeHistory(ScaleSetId id) {
    enter("osUpgradeHistory", id);
    return platform.history(ctx.require(id));
  }

  /**
   * {@inheritDoc}
   *
   * <p>An empty list approves every instance waiting for approval (as ARM, where the body is optional). Named
   * instances that are not waiting are noted in the log and otherwise ignored; unknown ids fail with
   * {@link dev.osupgrade.port.ResourceNotFoundException}.
   */
  @Override
  public void approveRollingUpgrade(ScaleSetId id, List<String> instanceIds) {
    Fencing.check();
    recorded("approveRollingUpgrade", id, instanceIds, null, 0, () -> {
      platform.approve(ctx.require(id), List.copyOf(Require.noNulls("instanceIds", instanceIds)));
      return null;
    });
  }

  // ---- CapacityPort -------------------------------------------------------------------------------------------

  /**
   * {@inheritDoc}
   *
   * <p>The scale set's quota ({@link Faults#quota}, default 1000 instances) less its instances.
   */
  @Override
  public int headroom(ScaleSetId id) {
    enter("headroom", id);
    return capacity.headroom(ctx.require(id));
  }

  /**
   * {@inheritDoc}
   *
   * <p>New instances take the model's image as {@code latest} resolves now, go to the least-populated zone (the
   * lowest on a tie), get ids after the highest ever used, and go through creation, boot and health like an
   * upgrade. Beyond the headroom it fails with {@link ConflictException} {@code QuotaExceeded}; a scripted
   * allocation failure fails it with code {@code AllocationFailed}. Either way nothing is created.
   */
  @Override
  public List<String> scaleOut(ScaleSetId id, int count) {
    Fencing.check();
    return recorded("scaleOut", id, null, null, count, () -> capacity.scaleOut(ctx.require(id), count));
  }

  /**
   * {@inheritDoc}
   *
   * <p>Instances disappear at once; ids that are already gone are ignored.
   */
  @Override
  public void deleteInstances(ScaleSetId id, List<String> instanceIds) {
    Fencing.check();
    recorded("deleteInstances", id, instanceIds, null, 0, () -> {
      SimScaleSet s = ctx.require(id);
      List<SimInstance> present = new ArrayList<>();
      for (String instanceId : Require.noNulls("instanceIds", instanceIds)) {
        SimInstance i = s.instances.get(instanceId);
        if (i != null) {
          present.add(i);
        }
      }
      refuseLocked(s, present, ResourceLock::blocksDelete, "delete");
      capacity.deleteInstances(s, instanceIds);
      return null;
    });
  }

  // ---- internals ----------------------------------------------------------------------------------------------

  /**
   * Counts the call, then lets a scripted or seeded fault reject it before anything changes. Mutating methods first
   * make the client-side fencing check ({@link Fencing#check()}) the Azure adapter makes before it sends anything: a
   * caller whose fence fails (a replica that lost its lease) sends nothing, so the call is not counted either.
   */
  private void enter(String method, @Nullable ScaleSetId id) {
    enter(method, id, null, null);
  }

  /**
   * {@link #enter}s a call, charging it to Azure's buckets first when they are enforced ({@link #throttling}): a
   * request a bucket refuses never reaches the fleet, so no scripted fault is spent on it.
   */
  private void enter(String method, @Nullable ScaleSetId id, @Nullable String subscription,
      @Nullable String instanceId) {
    calls.merge(method, 1, Integer::sum);
    charges.charge(method, id, subscription, instanceId);
    throttle.check(method, id);
  }

  /**
   * {@link #enter}s a call and runs it, recording it in the scale set's {@link FleetRecord} with the scale set's true
   * health as it arrived (after bringing every instance's history up to date, so the record replays what it saw)
   * and whether it was carried out.
   */
  private <T> T recorded(String method, @Nullable ScaleSetId id, @Nullable List<String> instanceIds,
      @Nullable ImageReference image, int count, Supplier<T> body) {
    SimScaleSet s = id == null ? null : ctx.scaleSets.get(id);
    if (s == null) {
      enter(method, id); // an unknown scale set has no record; the body says it is not found
      return body.get();
    }
    FleetHealth health = ctx.recorder.sync(s);
    long sequence = ctx.recorder.nextSequence(); // after the sync: the call sees what the sync recorded
    Instant at = ctx.now();
    ImageReference model = resolvedModel(s);
    List<String> named = instanceIds == null || instanceIds.stream().anyMatch(Objects::isNull)
        ? List.of() : instanceIds;
    try {
      enter(method, id, null, method.equals("instance") && named.size() == 1 ? named.get(0) : null);
      T result = body.get();
      List<String> ids = method.equals("scaleOut") && result instanceof List<?> created
          ? created.stream().map(String::valueOf).toList() : named;
      s.calls.add(new PortCall(sequence, at, method, ids, image, count, null, health, model));
      return result;
    } catch (RuntimeException e) {
      String code = e instanceof OsUpgradeException o ? o.code() : e.getClass().getSimpleName();
      s.calls.add(new PortCall(sequence, at, method, named, image, count, code, health, model));
      throw e;
    }
  }

  private ImageReference resolvedModel(SimScaleSet s) {
    try {
      return ctx.resolveModelImage(s);
    } catch (IllegalStateException nothingToResolve) {
      return s.modelImage;
    }
  }

  private List<SimInstance> resolve(SimScaleSet s, List<String> instanceIds) {
    Require.nonEmpty("instanceIds", Require.nonNull(instanceIds, "instanceIds"));
    List<SimInstance> out = new ArrayList<>();
    for (String instanceId : InstanceIds.sorted(instanceIds)) {
      out.add(ctx.instance(s, instanceId));
    }
    return out;
  }

  /**
   * Refuses a call that would change a locked VM, as ARM does before anything changes: 409 {@code ScopeLocked},
   * naming the first locked VM's resource id.
   */
  private void refuseLocked(SimScaleSet s, List<SimInstance> targets,
      java.util.function.Predicate<ResourceLock> blocks, String operation) {
    for (SimInstance i : targets) {
      if (blocks.test(i.lock)) {
        String scope = ctx.view(s).identity(i.id).resourceId();
        ctx.record(s.id, "instance " + i.id + " is locked " + i.lock.azureName() + ": " + operation + " refused");
        throw new ConflictException(409, "ScopeLocked", "The scope '" + scope + "' cannot perform " + operation
            + " operation because following scope(s) are locked: '" + scope + "'. Please remove the lock and try "
            + "again.", null);
      }
    }
  }

  private static InvalidModelException latestRequired() {
    return new InvalidModelException(400, "InvalidParameter", "virtualMachineScaleSets with Automatic OS Upgrade "
        + "enabled must use Platform or Gallery Image with version set to 'latest'.", null);
  }

  /**
   * Makes a version slower or heavier than the baseline for one metric (startup and readiness time, CPU, memory,
   * disk and dependency latency, network throughput): the simulated samples of instances running it are scaled by
   * {@code factor}. Health probes see nothing of it, which is the point.
   *
   * @param version the version
   * @param metric the metric
   * @param factor e.g. {@code 1.25} for 25% slower or heavier; must be positive
   */
  public void imagePerformance(ImageVersion version, Metric metric, double factor) {
    Require.nonNull(version, "version");
    Require.nonNull(metric, "metric");
    Require.that(factor > 0 && Double.isFinite(factor), "factor", "positive and finite", factor);
    ctx.metrics.factor(version, metric, factor);
    ctx.log.add(ctx.now() + " metrics: " + version + " " + metric.name() + " x" + factor);
  }

  @Override
  public List<MetricSample> samples(ScaleSetId scaleSet, Metric metric, Instant from, Instant to) {
    ctx.require(scaleSet);
    Require.nonNull(metric, "metric");
    Require.instant("from", from);
    Require.instant("to", to);
    Require.that(!to.isBefore(from), "to", "not before from (" + from + ")", to);
    return ctx.metrics.samples(scaleSet, metric, from, to);
  }

  @Override
  public String toString() {
    return "SimulatedFleet[seed " + ctx.seed + ", " + ctx.scaleSets.size() + " scale sets, " + ctx.clock + "]";
  }
}
