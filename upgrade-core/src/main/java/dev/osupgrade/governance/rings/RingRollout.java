package dev.osupgrade.governance.rings;

import dev.osupgrade.Durations;
import dev.osupgrade.Require;
import dev.osupgrade.event.RingEvent;
import dev.osupgrade.event.RolloutListener;
import dev.osupgrade.event.UpgradeListener;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.ScaleSet;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.governance.Environment;
import dev.osupgrade.governance.GovernanceGate;
import dev.osupgrade.governance.GovernedAction;
import dev.osupgrade.governance.ImageTrustPolicy;
import dev.osupgrade.governance.ProductionReadiness;
import dev.osupgrade.governance.ReadinessCheck;
import dev.osupgrade.governance.ReadinessRecord;
import dev.osupgrade.governance.TrustDecision;
import dev.osupgrade.governance.TrustRule;
import dev.osupgrade.governance.schedule.DeferralApprovals;
import dev.osupgrade.governance.schedule.DeferralDecision;
import dev.osupgrade.governance.schedule.PendingUpgrade;
import dev.osupgrade.health.GateContext;
import dev.osupgrade.health.GatePhase;
import dev.osupgrade.health.GateVerdict;
import dev.osupgrade.health.HealthGate;
import dev.osupgrade.health.MetricQuery;
import dev.osupgrade.health.UpgradedUnhealthyGate;
import dev.osupgrade.image.Eligibility;
import dev.osupgrade.image.ImageRelease;
import dev.osupgrade.image.ImageVersion;
import dev.osupgrade.ops.RollingUpgradeStatus;
import dev.osupgrade.ops.RolloutStatus;
import dev.osupgrade.ops.StopCode;
import dev.osupgrade.ops.UpgradeError;
import dev.osupgrade.plan.ImageEligibility;
import dev.osupgrade.policy.AutomaticOsUpgradePolicy;
import dev.osupgrade.policy.RollingUpgradePolicy;
import dev.osupgrade.port.Checkpoint;
import dev.osupgrade.port.CheckpointConflictException;
import dev.osupgrade.port.CloudException;
import dev.osupgrade.port.ImageCatalog;
import dev.osupgrade.port.Lease;
import dev.osupgrade.port.LeaseLostException;
import dev.osupgrade.port.MetricSample;
import dev.osupgrade.port.PlatformUpgradePort;
import dev.osupgrade.port.RolloutStore;
import dev.osupgrade.port.ScaleSetPort;
import dev.osupgrade.rollout.Rollout;
import dev.osupgrade.rollout.RolloutOptions;
import dev.osupgrade.rollout.RolloutRefusedException;
import dev.osupgrade.rollout.RolloutState;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Spreads one image version ring by ring. Before a ring starts, each of its scale sets must pass the image trust
 * policy (including the quarantine), the production readiness record, and the release must be replicated to its
 * region (the ring waits while replication lags). Then the ring is upgraded — by orchestrated {@link Rollout}s
 * ({@link Mode#ORCHESTRATED}), or by enabling Azure's automatic OS upgrade on its scale sets and watching the
 * platform's rolling upgrade ({@link Mode#GOVERNED_PLATFORM}) — and soaks: for the ring's soak time the upgraded
 * instances must stay healthy ({@code maxUnhealthyUpgradedInstancePercent}) and every extra gate (a performance gate,
 * a maintenance window for promotion) must pass. Only then is the next ring promoted.
 *
 * <p>A failure the image is to blame for (upgraded instances unhealthy, a performance regression, the platform's
 * rolling upgrade faulted) stops promotion, <b>quarantines the version</b> in the trust policy's quarantine so that
 * no ring (of this or any other ring rollout sharing the policy) takes it, and rolls the failed ring back as its
 * readiness record says (orchestrated: a rollout back to the previous version; platform: cancel the platform's
 * upgrade and disable automatic OS upgrade, Azure restoring failed instances). A refusal (trust, readiness,
 * replication failure) or a failure that is not the image's (the fleet was already unhealthy) stops without a
 * quarantine.
 *
 * <p>Governance reaches every change the rings make: each ring's orchestrated rollouts carry the scale set's
 * environment, readiness record and the trust policy (so a {@link Rollout} checks them again before it starts, on the
 * same terms), the governed platform mode checks them before it enables automatic OS upgrade (before the policy
 * PATCH), and a rollback to the previous version is started {@linkplain Rollout.Builder#ungoverned ungoverned} with
 * a reason naming the ring — it follows the record's rollback path and must not wait for a trust decision on an old
 * version — which its event log records.
 *
 * <p>A ring's orchestrated rollout that is stalled by an infrastructure failure ({@link Rollout#stall()}) has not
 * finished: the ring waits for it, neither failed nor promoted, until it goes on or its progress deadline ends it.
 *
 * <p>Like {@link Rollout}, it never sleeps: {@link #advance()} returns when to look again. Not thread-safe.
 */
public final class RingRollout {
  /** The default time between looks while a ring runs or soaks: 5 minutes. */
  public static final Duration DEFAULT_POLL = Duration.ofMinutes(5);

  /** How rings are upgraded. */
  public enum Mode {
    /** The library upgrades each scale set with an orchestrated {@link Rollout} (model pinned, upgrade mode Manual). */
    ORCHESTRATED,
    /** Azure upgrades: the library enables automatic OS upgrade ring by ring and watches (model on {@code latest}). */
    GOVERNED_PLATFORM
  }

  /**
   * Where the ring rollout stands, in the words of {@link RolloutStatus} where a state means the same:
   * {@link #NOT_STARTED}, {@link #COMPLETED} and {@link #FAULTED} are a single rollout's states of the same names.
   * Two differ: {@link #RUNNING} covers more than a rollout's {@link RolloutStatus#ROLLING_FORWARD} (waiting for
   * replication or a gate, soaking, rolling a failed ring back), and {@link #REFUSED} is what a single rollout reports
   * by throwing {@link dev.osupgrade.rollout.RolloutRefusedException} instead. A ring rollout has no
   * {@code PAUSED} or {@code CANCELLED}: it takes no pause or cancel of its own.
   */
  public enum Status {
    /** Nothing done yet (as {@link RolloutStatus#NOT_STARTED}). */
    NOT_STARTED,
    /** A ring is waiting, upgrading, soaking or rolling back. */
    RUNNING,
    /** Every ring was promoted (as {@link RolloutStatus#COMPLETED}). */
    COMPLETED,
    /**
     * A ring failed: stopped by a safety rule or an error, promotion stopped, the version may be quarantined (as
     * {@link RolloutStatus#FAULTED}; formerly {@code FAILED}).
     */
    FAULTED,
    /** A ring was refused before any change (a single rollout throws a refusal instead). */
    REFUSED;

    /** @return true once nothing more will happen */
    public boolean isTerminal() {
      return this == COMPLETED || this == FAULTED || this == REFUSED;
    }
  }

  private final RingPlan plan;
  private final ScaleSetPort fleet;
  private final ImageCatalog catalog;
  private final @Nullable PlatformUpgradePort platform;
  private final Mode mode;
  private final Clock clock;
  private final ImageVersion target;
  private final ImageTrustPolicy trust;
  private final @Nullable Function<ScaleSetId, Environment> environments;
  private final Map<ScaleSetId, Environment> environmentOf = new HashMap<>();
  private final Map<ScaleSetId, ReadinessRecord> records;
  private final List<HealthGate> gates;
  private final RolloutOptions rolloutOptions;
  private final Duration poll;
  private final List<UpgradeListener> listeners;
  private final @Nullable DeferralApprovals deferrals;
  private final RolloutStore store;
  private final String owner;

  private Status status = Status.NOT_STARTED;
  private RingState.Phase phase = RingState.Phase.PENDING;
  private int ringIndex;
  private @Nullable Instant ringStartedAt;
  private @Nullable Instant soakUntil;
  private @Nullable UpgradeError failure;
  private @Nullable ImageRelease release;
  private String waitingFor = "";
  private final Map<ScaleSetId, Rollout> rollouts = new LinkedHashMap<>();
  private final Map<ScaleSetId, Rollout> rollbacks = new LinkedHashMap<>();
  private final Map<ScaleSetId, ImageVersion> previous = new HashMap<>();
  private final Map<ScaleSetId, String> toRollBack = new LinkedHashMap<>();
  private final Map<ScaleSetId, String> heldFor = new HashMap<>();
  private final Set<ScaleSetId> done = new TreeSet<>((a, b) -> a.armId().compareTo(b.armId()));
  private final List<RingEvent> events = new ArrayList<>();
  /** How many times each soak gate said "wait", by ring, scale set, phase and gate: the gates keep no count. */
  private final Map<String, Integer> gateWaits = new HashMap<>();
  private final Set<ScaleSetId> rollbacksStarted = new TreeSet<>(RingState.ORDER);
  private long sequence;
  /** Where the ring state is checkpointed, and leased: one key per ring plan. */
  private final ScaleSetId key;
  private @Nullable Lease lease;
  private long checkpointVersion;
  private @Nullable String saved;

  private RingRollout(Builder b, ImageVersion target) {
    this.plan = b.plan;
    this.fleet = b.fleet;
    this.catalog = b.catalog;
    this.platform = b.platform;
    this.mode = b.platform == null ? Mode.ORCHESTRATED : Mode.GOVERNED_PLATFORM;
    this.clock = Require.nonNull(b.clock, "clock");
    this.target = target;
    this.trust = Require.nonNull(b.trust, "trust");
    this.environments = b.environments;
    this.records = Map.copyOf(b.records);
    this.gates = List.copyOf(b.gates);
    this.rolloutOptions = b.rolloutOptions;
    this.poll = b.poll;
    this.listeners = List.copyOf(b.listeners);
    this.deferrals = b.deferrals;
    this.store = b.store;
    this.owner = b.owner;
    this.key = RingState.key(b.plan);
  }

  /**
   * Starts building a ring rollout.
   *
   * @param plan the rings
   * @param fleet the scale sets (the Azure adapter or a simulated fleet)
   * @param catalog where the target release is looked up (per region)
   * @return a builder
   */
  public static Builder builder(RingPlan plan, ScaleSetPort fleet, ImageCatalog catalog) {
    return new Builder(plan, fleet, catalog);
  }

  /**
   * Moves the ring rollout on as far as it can now, and says when to look again.
   *
   * @return when to call again; empty once it has ended
   */
  public Optional<Instant> advance() {
    Instant now = Require.instant("clock.instant()", clock.instant());
    if (status.isTerminal() && lease == null) {
      return Optional.empty();
    }
    Optional<Instant> notLeader = takeLease(now);
    if (notLeader.isPresent()) {
      return notLeader;
    }
    Optional<Instant> next = step(now);
    if (!save(now)) {
      return Optional.of(now.plus(poll)); // another replica took the rings over; the next advance reloads
    }
    if (status.isTerminal()) {
      releaseLease();
      return Optional.empty();
    }
    return next;
  }

  private Optional<Instant> step(Instant now) {
    if (status.isTerminal()) {
      return Optional.empty();
    }
    if (status == Status.NOT_STARTED) {
      status = Status.RUNNING;
      emit(now, RingEvent.Kind.STARTED, "*", null, "rolling " + target + " out over " + plan.rings().size()
          + " rings (" + mode.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ') + "): "
          + String.join(" -> ", plan.rings().stream().map(Ring::name).toList()));
    }
    for (int guard = 0; guard < 1000; guard++) {
      Ring ring = plan.rings().get(ringIndex);
      Optional<Instant> next;
      switch (phase) {
        case PENDING, WAITING -> next = startRing(ring, now);
        case RUNNING -> next = mode == Mode.ORCHESTRATED ? runOrchestrated(ring, now) : runPlatform(ring, now);
        case SOAKING -> next = soak(ring, now);
        case ROLLING_BACK -> next = rollBack(ring, now);
        default -> next = Optional.empty();
      }
      if (next.isPresent() || status.isTerminal()) {
        return status.isTerminal() ? Optional.empty() : next;
      }
    }
    throw new IllegalStateException("ring rollout made no progress: " + this);
  }

  // ---- the checkpoint -----------------------------------------------------------------------------------------

  /** What this ring rollout remembers, as its checkpoint holds it. */
  private RingState snapshot() {
    SortedMap<String, Integer> waits = new TreeMap<>(gateWaits);
    return new RingState(target, status, phase, ringIndex, ringStartedAt, soakUntil, failure, waitingFor,
        release == null ? null : release.image(), previous, toRollBack, rollbacksStarted, done, heldFor, waits,
        sequence);
  }

  private void restore(RingState s) {
    status = s.status();
    phase = s.phase();
    ringIndex = s.ringIndex();
    ringStartedAt = s.ringStartedAt();
    soakUntil = s.soakUntil();
    failure = s.failure();
    waitingFor = s.waitingFor();
    release = null; // looked up again in the catalog when needed
    previous.clear();
    previous.putAll(s.previous());
    toRollBack.clear();
    toRollBack.putAll(s.toRollBack());
    rollbacksStarted.clear();
    rollbacksStarted.addAll(s.rollbacksStarted());
    done.clear();
    done.addAll(s.done());
    heldFor.clear();
    heldFor.putAll(s.heldFor());
    gateWaits.clear();
    gateWaits.putAll(s.gateWaits());
    sequence = s.sequence();
  }

  /**
   * Takes (or renews) the ring plan's lease in the store; on a new holding, reloads the checkpoint, so that a ring
   * rollout rebuilt after a crash goes on where the last holder stopped (a soak is not spent again).
   */
  private Optional<Instant> takeLease(Instant now) {
    Optional<Lease> taken = store.tryAcquire(key, owner, now, Rollout.DEFAULT_LEASE);
    if (taken.isEmpty()) {
      lease = null;
      return Optional.of(now.plus(poll));
    }
    boolean newHolding = lease == null || lease.token() != taken.get().token();
    lease = taken.get();
    if (newHolding) {
      Optional<Checkpoint> stored = store.load(key);
      checkpointVersion = stored.map(Checkpoint::version).orElse(0L);
      saved = null;
      if (stored.isPresent()) {
        RingState state = RingState.decode(stored.get().data());
        if (state.target().equals(target)) {
          restore(state);
          saved = stored.get().data();
        } else if (!state.status().isTerminal()) {
          releaseLease();
          throw new RolloutRefusedException(RolloutRefusedException.ROLLOUT_IN_PROGRESS, "these rings have a "
              + "rollout of " + state.target() + " in progress (" + state.status() + ", ring "
              + plan.rings().get(Math.min(state.ringIndex(), plan.rings().size() - 1)).name() + "); let it end "
              + "before spreading " + target);
        }
      }
    }
    return Optional.empty();
  }

  /** Saves the state if it changed (compare-and-set, under the lease). */
  private boolean save(Instant now) {
    String data = snapshot().encode();
    if (data.equals(saved)) {
      return true;
    }
    try {
      checkpointVersion = store.save(Require.nonNull(lease, "lease"), checkpointVersion, data, now).version();
      saved = data;
      return true;
    } catch (LeaseLostException | CheckpointConflictException e) {
      lease = null;
      return false;
    }
  }

  private void releaseLease() {
    if (lease != null) {
      store.release(lease);
      lease = null;
    }
  }

  /** The target release, looked up in the catalog again after a restart. */
  private ImageRelease release(Ring ring) {
    if (release == null) {
      ScaleSet s = fleet.get(ring.scaleSets().get(0));
      release = catalog.listReleases(s.modelImage(), s.region()).stream().filter(r -> r.version().equals(target))
          .findFirst().orElseThrow(() -> new IllegalStateException(target + " is no longer in the catalog"));
    }
    return release;
  }

  // ---- starting a ring ----------------------------------------------------------------------------------------

  private Optional<Instant> startRing(Ring ring, Instant now) {
    List<String> waits = new ArrayList<>();
    Map<ScaleSetId, ScaleSet> sets = new LinkedHashMap<>();
    for (ScaleSetId id : ring.scaleSets()) {
      ScaleSet s;
      try {
        s = fleet.get(id);
      } catch (CloudException e) {
        if (e.isRetryable()) {
          return Optional.of(now.plus(poll));
        }
        return refuse(ring, id, now, "cannot read the scale set: [" + e.code() + "] " + e.getMessage());
      }
      Optional<ImageRelease> found = catalog.listReleases(s.modelImage(), s.region()).stream()
          .filter(r -> r.version().equals(target)).findFirst();
      if (found.isEmpty()) {
        return refuse(ring, id, now, target + " of " + s.modelImage().imageKey() + " is not in the catalog for "
            + s.region());
      }
      ImageRelease r = found.get();
      release = r;
      Environment env = environments != null ? environments.apply(id) : Environment.of(s);
      environmentOf.put(id, env);
      TrustDecision decision = trust.evaluate(r, env, now);
      if (!decision.isTrusted()) {
        if (decision.refusedBy(TrustRule.QUARANTINE)) {
          failure = UpgradeError.of(StopCode.IMAGE_NOT_TRUSTED, decision.toString());
          emit(now, RingEvent.Kind.RING_FAILED, ring.name(), id, "the version is quarantined: " + decision);
          return stop(Status.FAULTED, ring, now);
        }
        return refuse(ring, id, now, decision.toString());
      }
      GovernedAction action = mode == Mode.ORCHESTRATED ? GovernedAction.START_ORCHESTRATED_ROLLOUT
          : GovernedAction.ENABLE_AUTOMATIC_OS_UPGRADE;
      ReadinessCheck readiness = ProductionReadiness.check(action, s, env, records.get(id));
      if (!readiness.isAllowed()) {
        return refuse(ring, id, now, readiness.toString());
      }
      if (mode == Mode.ORCHESTRATED) {
        try {
          Rollout.checkCanStart(s, target);
        } catch (RolloutRefusedException e) {
          return refuse(ring, id, now, "[" + e.code() + "] " + e.getMessage());
        }
      }
      if (mode == Mode.GOVERNED_PLATFORM && !s.modelImage().isLatest()) {
        return refuse(ring, id, now, "governed platform upgrades need the model's image version set to 'latest', "
            + "but it is " + s.modelImage());
      }
      Eligibility eligibility = ImageEligibility.check(r, s, now);
      if (eligibility.refusedBy(Eligibility.Code.REPLICATION_FAILED)
          || eligibility.refusedBy(Eligibility.Code.DIFFERENT_IMAGE)
          || eligibility.refusedBy(Eligibility.Code.END_OF_LIFE)
          || (mode == Mode.GOVERNED_PLATFORM && eligibility.refusedBy(Eligibility.Code.EXCLUDED_FROM_LATEST))) {
        return refuse(ring, id, now, eligibility.toString());
      }
      if (eligibility.refusedBy(Eligibility.Code.NOT_YET_PUBLISHED)
          || eligibility.refusedBy(Eligibility.Code.NOT_REPLICATED_TO_REGION)) {
        waits.add(id + ": " + eligibility);
      }
      if (mode == Mode.GOVERNED_PLATFORM && eligibility.isEligible()) {
        Optional<ImageRelease> newest = ImageEligibility.newestEligible(catalog.listReleases(s.modelImage(),
            s.region()), s, now);
        if (newest.isPresent() && !newest.get().version().equals(target)) {
          return refuse(ring, id, now, "the platform would roll out " + newest.get().version() + ", not " + target
              + ": exclude it from latest or make it the target");
        }
      }
      sets.put(id, s);
    }
    if (!waits.isEmpty()) {
      String why = waits.size() == 1 ? waits.get(0)
          : waits.size() + " scale sets wait:\n  " + String.join("\n  ", waits);
      if (phase != RingState.Phase.WAITING || !why.equals(waitingFor)) {
        emit(now, RingEvent.Kind.RING_WAITING, ring.name(), null, why);
      }
      phase = RingState.Phase.WAITING;
      waitingFor = why;
      return Optional.of(now.plus(poll));
    }
    ringStartedAt = now;
    List<String> started = new ArrayList<>();
    for (Map.Entry<ScaleSetId, ScaleSet> e : sets.entrySet()) {
      ScaleSetId id = e.getKey();
      ScaleSet s = e.getValue();
      previous.put(id, previousVersion(s));
      if (s.instances().stream().allMatch(i -> i.runs(target))) {
        done.add(id);
        emit(now, RingEvent.Kind.SCALE_SET_SKIPPED, ring.name(), id, "every instance already runs " + target);
        continue;
      }
      if (mode == Mode.ORCHESTRATED) {
        rollouts.put(id, rolloutOf(id, Require.nonNull(environmentOf.get(id), "environment"), release(ring)));
      } else {
        AutomaticOsUpgradePolicy auto = s.upgradePolicy().automaticOsUpgrade();
        if (!auto.enableAutomaticOSUpgrade()) {
          fleet.updateUpgradePolicy(id, s.upgradePolicy().withAutomaticOsUpgrade(
              auto.withEnableAutomaticOSUpgrade(true)), s.etag());
        }
      }
      started.add(id.toString());
    }
    phase = RingState.Phase.RUNNING;
    emit(now, RingEvent.Kind.RING_STARTED, ring.name(), null, started.isEmpty() ? "nothing to upgrade"
        : (mode == Mode.ORCHESTRATED ? "orchestrated rollouts of " : "automatic OS upgrade enabled on ")
            + started + " (trust and readiness passed)");
    return Optional.empty();
  }

  /**
   * The version a failed ring goes back to: what the model had before this version's rollout began — read from the
   * rollout's checkpoint when a rebuilt ring rollout resumes one (the model may already be on the target), else the
   * model's version (or the newest version the instances run, when the model follows {@code latest}).
   */
  private ImageVersion previousVersion(ScaleSet s) {
    Optional<ImageVersion> fromCheckpoint = store.load(s.id()).map(c -> RolloutState.decode(c.data()))
        .filter(st -> st.target().equals(target)).map(RolloutState::previousModelImage)
        .flatMap(img -> img == null ? Optional.empty() : img.version());
    if (fromCheckpoint.isPresent()) {
      return fromCheckpoint.get();
    }
    Optional<ImageVersion> model = s.modelImage().version().filter(v -> !v.equals(target));
    if (model.isPresent()) {
      return model.get();
    }
    return s.instances().stream().map(Instance::imageVersion).filter(v -> !v.equals(target))
        .max(ImageVersion::compareTo).orElse(target);
  }

  // ---- upgrading a ring ---------------------------------------------------------------------------------------

  /** A scale set's orchestrated rollout, governed on the same terms as the ring; it resumes its own checkpoint. */
  private Rollout rolloutOf(ScaleSetId id, Environment env, ImageRelease r) {
    Rollout.Builder rb = Rollout.builder(fleet, id).target(target).clock(clock).options(rolloutOptions)
        .store(store).owner(owner).environment(env).trust(trust)
        .gate(GovernanceGate.of(env, trust, records.get(id), r));
    ReadinessRecord record = records.get(id);
    if (record != null) {
      rb.readiness(record);
    }
    listeners.forEach(rb::listener);
    return rb.build();
  }

  private Optional<Instant> runOrchestrated(Ring ring, Instant now) {
    Instant next = null;
    for (ScaleSetId id : ring.scaleSets()) {
      if (!done.contains(id) && !rollouts.containsKey(id)) {
        // A ring rollout rebuilt after a crash: the scale set's rollout resumes from its own checkpoint.
        Environment env = environmentOf.computeIfAbsent(id, k -> environments != null ? environments.apply(k)
            : Environment.of(fleet.get(k)));
        rollouts.put(id, rolloutOf(id, env, release(ring)));
      }
      Rollout r = rollouts.get(id);
      if (r == null || done.contains(id)) {
        continue;
      }
      Optional<Instant> again;
      try {
        again = r.advance();
      } catch (RolloutRefusedException | CloudException e) {
        String errorCode = e instanceof RolloutRefusedException x ? x.code() : ((CloudException) e).code();
        return fail(ring, id, now, new UpgradeError(errorCode, e.getMessage() == null ? errorCode : e.getMessage()),
            false);
      }
      if (again.isPresent()) {
        next = next == null || again.get().isBefore(next) ? again.get() : next;
        continue;
      }
      if (r.status() == RolloutStatus.COMPLETED) {
        done.add(id);
        emit(now, RingEvent.Kind.SCALE_SET_UPGRADED, ring.name(), id, r.progress().toString());
      } else if (r.status().isTerminal()) {
        UpgradeError error = r.error().orElse(new UpgradeError(r.status().azureName(), "the rollout was "
            + r.status()));
        return fail(ring, id, now, error, error.blamesImage());
      } else {
        return Optional.of(now.plus(poll)); // paused by someone: look again later
      }
    }
    if (next != null) {
      return Optional.of(next);
    }
    return startSoak(ring, now);
  }

  private Optional<Instant> runPlatform(Ring ring, Instant now) {
    PlatformUpgradePort p = Require.nonNull(platform, "platform");
    for (ScaleSetId id : ring.scaleSets()) {
      if (done.contains(id)) {
        continue;
      }
      ScaleSet s = fleet.get(id);
      Optional<RollingUpgradeStatus> latest = p.latestRollingUpgrade(id);
      Instant started = Require.nonNull(ringStartedAt, "ringStartedAt");
      if (latest.isPresent() && !latest.get().startTime().isBefore(started)
          && latest.get().status() == RolloutStatus.FAULTED) {
        UpgradeError error = latest.get().errorIfAny().orElse(new UpgradeError("Faulted",
            "the platform's rolling upgrade faulted"));
        return fail(ring, id, now, error, error.blamesImage());
      }
      Optional<GateVerdict.Fail> gateFailure = checkGates(ring, s, now, false).failure;
      if (gateFailure.isPresent()) {
        p.cancelRollingUpgrade(id);
        UpgradeError error = new UpgradeError(gateFailure.get().code(), gateFailure.get().reason());
        return fail(ring, id, now, error, error.blamesImage());
      }
      boolean running = latest.isPresent() && latest.get().isRunning();
      if (running && deferrals != null && s.upgradePolicy().automaticOsUpgrade().osRollingUpgradeDeferral()) {
        approveDeferred(ring, s, latest.get(), now);
      }
      if (!running && s.instances().stream().allMatch(i -> i.runs(target))) {
        done.add(id);
        emit(now, RingEvent.Kind.SCALE_SET_UPGRADED, ring.name(), id, "the platform upgraded every instance to "
            + target + latest.map(l -> " (" + l.progress() + ")").orElse(""));
      }
    }
    if (ring.scaleSets().stream().allMatch(done::contains)) {
      return startSoak(ring, now);
    }
    return Optional.of(now.plus(poll));
  }

  /**
   * With {@code osRollingUpgradeDeferral} each instance waits for an approval: grant it only when the window and the
   * approval gates allow, and say loudly when an instance has waited past the maximum deferral. ARM does not list
   * which instances hold a notice, so every instance not yet on the target while the platform's upgrade runs counts
   * as pending since that upgrade started.
   */
  private void approveDeferred(Ring ring, ScaleSet s, RollingUpgradeStatus latest, Instant now) {
    DeferralApprovals approvals = Require.nonNull(deferrals, "deferrals");
    List<PendingUpgrade> pending = new ArrayList<>();
    for (Instance i : s.instances()) {
      if (!i.runs(target)) {
        pending.add(PendingUpgrade.of(i.instanceId(), latest.startTime()));
      }
    }
    if (pending.isEmpty()) {
      return;
    }
    DeferralDecision decision = approvals.decide(s, target, pending, now);
    for (var overdue : decision.overdue()) {
      emit(now, RingEvent.Kind.DEFERRAL_OVERDUE, ring.name(), s.id(), overdue.toString());
    }
    if (decision instanceof DeferralDecision.Approve approve && !approve.instanceIds().isEmpty()) {
      Require.nonNull(platform, "platform").approveRollingUpgrade(s.id(), approve.instanceIds());
      emit(now, RingEvent.Kind.DEFERRAL_APPROVED, ring.name(), s.id(), approve.toString());
    } else if (decision instanceof DeferralDecision.Hold hold && !hold.reason().equals(heldFor.get(s.id()))) {
      heldFor.put(s.id(), hold.reason());
      emit(now, RingEvent.Kind.DEFERRAL_HELD, ring.name(), s.id(), hold.toString());
    }
  }

  private Optional<Instant> startSoak(Ring ring, Instant now) {
    phase = RingState.Phase.SOAKING;
    soakUntil = now.plus(ring.soak());
    emit(now, RingEvent.Kind.SOAK_STARTED, ring.name(), null, "every scale set runs " + target + "; soaking for "
        + Durations.words(ring.soak()) + " until " + soakUntil);
    return Optional.empty();
  }

  // ---- soaking and promotion ----------------------------------------------------------------------------------

  private Optional<Instant> soak(Ring ring, Instant now) {
    Instant until = Require.nonNull(soakUntil, "soakUntil");
    boolean ended = !now.isBefore(until);
    Instant waitUntil = null;
    Map<ScaleSetId, List<GateVerdict>> verdicts = new LinkedHashMap<>();
    for (ScaleSetId id : ring.scaleSets()) {
      ScaleSet s = fleet.get(id);
      Gates g = checkGates(ring, s, now, ended);
      if (g.failure.isPresent()) {
        GateVerdict.Fail f = g.failure.get();
        emit(now, RingEvent.Kind.GATE_EVALUATED, ring.name(), id, f.toString());
        UpgradeError error = new UpgradeError(f.code(), f.reason());
        return fail(ring, id, now, error, error.blamesImage());
      }
      if (g.waitUntil != null) {
        waitUntil = waitUntil == null || g.waitUntil.isBefore(waitUntil) ? g.waitUntil : waitUntil;
      }
      verdicts.put(id, g.verdicts);
    }
    if (!ended) {
      Instant next = now.plus(poll);
      return Optional.of(next.isBefore(until) ? next : until);
    }
    if (waitUntil != null) {
      String why = "promotion waits until " + waitUntil + ": " + folded(verdicts);
      if (!why.equals(waitingFor)) {
        emit(now, RingEvent.Kind.RING_WAITING, ring.name(), null, why);
        waitingFor = why;
      }
      return Optional.of(waitUntil.isAfter(now) ? waitUntil : now.plus(poll));
    }
    emit(now, RingEvent.Kind.GATE_EVALUATED, ring.name(), null, folded(verdicts));
    emit(now, RingEvent.Kind.RING_PROMOTED, ring.name(), null, "healthy on " + target + " for " + Durations.words(ring.soak())
        + (ringIndex + 1 < plan.rings().size() ? "; next: " + plan.rings().get(ringIndex + 1).name()
            : "; that was the last ring"));
    ringIndex++;
    waitingFor = "";
    if (ringIndex >= plan.rings().size()) {
      emit(now, RingEvent.Kind.COMPLETED, "*", null, target + " reached every ring");
      return stop(Status.COMPLETED, ring, now);
    }
    phase = RingState.Phase.PENDING;
    return Optional.empty();
  }

  /** The outcome of asking the soak gates for one scale set. */
  private record Gates(Optional<GateVerdict.Fail> failure, @Nullable Instant waitUntil, List<GateVerdict> verdicts) {}

  /**
   * The verdicts of a ring's gates folded per scale set: a count on the first line, then each scale set on a line of
   * its own with each of its verdicts indented below it, so that no line holds more than one verdict.
   */
  static String folded(Map<ScaleSetId, List<GateVerdict>> verdicts) {
    int total = 0;
    int waiting = 0;
    for (List<GateVerdict> vs : verdicts.values()) {
      total += vs.size();
      waiting += (int) vs.stream().filter(v -> v instanceof GateVerdict.Wait).count();
    }
    StringBuilder b = new StringBuilder();
    b.append(total).append(total == 1 ? " verdict" : " verdicts").append(" on ").append(verdicts.size())
        .append(verdicts.size() == 1 ? " scale set: " : " scale sets: ").append(total - waiting).append(" passed")
        .append(waiting == 0 ? "" : ", " + waiting + " waiting");
    verdicts.forEach((id, vs) -> {
      b.append("\n  ").append(id);
      vs.forEach(v -> b.append("\n    ").append(v));
    });
    return b.toString();
  }

  /**
   * Asks the soak gates about one scale set: the after-batch gates (health of the upgraded instances, performance)
   * always, and the before-batch gates (a maintenance window) too when {@code promoting}.
   */
  private Gates checkGates(Ring ring, ScaleSet s, Instant now, boolean promoting) {
    Set<String> upgraded = new TreeSet<>();
    for (Instance i : s.instances()) {
      if (i.runs(target)) {
        upgraded.add(i.instanceId());
      }
    }
    RollingUpgradePolicy policy = rolloutOptions.explicitPolicy().orElse(mode == Mode.ORCHESTRATED
        ? s.upgradePolicy().rollingOrDefaults() : s.upgradePolicy().policyForAutomaticOsUpgrade());
    Instant started = Require.nonNull(ringStartedAt, "ringStartedAt");
    List<HealthGate> all = new ArrayList<>();
    all.add(new UpgradedUnhealthyGate());
    all.addAll(gates);
    // The gates read nothing while they decide: their samples are read here first.
    Map<MetricQuery, List<MetricSample>> samples = new LinkedHashMap<>();
    for (HealthGate gate : all) {
      for (MetricQuery q : gate.reads(s.id(), started, now)) {
        samples.computeIfAbsent(q, MetricQuery::read);
      }
    }
    GateContext after = new GateContext(GatePhase.AFTER_BATCH, 1, 1, s, target, policy, upgraded, Set.of(),
        started, now, 0, samples);
    GateContext before = new GateContext(GatePhase.BEFORE_BATCH, 1, 1, s, target, policy, upgraded, Set.of(),
        started, now, 0, samples);
    Instant wait = null;
    List<GateVerdict> verdicts = new ArrayList<>();
    for (HealthGate gate : all) {
      List<GateContext> asks = new ArrayList<>();
      if (gate.appliesTo(GatePhase.AFTER_BATCH)) {
        asks.add(after);
      }
      if (promoting && gate.appliesTo(GatePhase.BEFORE_BATCH)) {
        asks.add(before);
      }
      for (GateContext ctx : asks) {
        String key = ring.name() + "/" + s.id() + "/" + ctx.phase() + "/" + gate.name();
        GateVerdict v = gate.evaluate(ctx.withWaits(gateWaits.getOrDefault(key, 0)));
        if (v instanceof GateVerdict.Fail f) {
          return new Gates(Optional.of(f), null, verdicts);
        }
        if (v instanceof GateVerdict.Wait w) {
          gateWaits.merge(key, 1, Integer::sum);
          wait = wait == null || w.until().isBefore(wait) ? w.until() : wait;
        }
        verdicts.add(v);
      }
    }
    return new Gates(Optional.empty(), wait, verdicts);
  }

  // ---- failure and rollback -----------------------------------------------------------------------------------

  private Optional<Instant> fail(Ring ring, ScaleSetId id, Instant now, UpgradeError error, boolean imageToBlame) {
    failure = error;
    emit(now, RingEvent.Kind.RING_FAILED, ring.name(), id, "[" + error.code() + "] " + error.message());
    ImageRelease r = release(ring);
    if (imageToBlame) {
      trust.quarantine().add(r.image(), "ring " + ring.name(), now, "[" + error.code() + "] " + error.message());
      emit(now, RingEvent.Kind.VERSION_QUARANTINED, ring.name(), id, r.image() + " is quarantined: no ring may take "
          + "it (trust rule 'quarantine')");
    }
    for (ScaleSetId sid : ring.scaleSets()) {
      ReadinessRecord record = records.get(sid);
      boolean automatic = record == null || !Boolean.FALSE.equals(record.rollback().automaticRollback());
      String runbook = record == null || record.rollback().runbookStep() == null ? ""
          : "; runbook: " + record.rollback().runbookStep();
      Rollout current = rollouts.get(sid);
      if (current != null && !current.isDone()) {
        current.cancel();
      }
      if (mode == Mode.GOVERNED_PLATFORM) {
        PlatformUpgradePort p = Require.nonNull(platform, "platform");
        p.cancelRollingUpgrade(sid);
        ScaleSet s = fleet.get(sid);
        AutomaticOsUpgradePolicy auto = s.upgradePolicy().automaticOsUpgrade();
        if (auto.enableAutomaticOSUpgrade()) {
          fleet.updateUpgradePolicy(sid, s.upgradePolicy().withAutomaticOsUpgrade(
              auto.withEnableAutomaticOSUpgrade(false)), s.etag());
        }
        emit(now, RingEvent.Kind.ROLLBACK_ENDED, ring.name(), sid, "the platform's rolling upgrade was cancelled and "
            + "automatic OS upgrade disabled; Azure's automatic rollback restores failed instances" + runbook);
        continue;
      }
      if (!automatic) {
        emit(now, RingEvent.Kind.ROLLBACK_ENDED, ring.name(), sid, "no automatic rollback (readiness record)"
            + runbook);
        continue;
      }
      if (previous.containsKey(sid)) {
        toRollBack.put(sid, runbook);
      }
    }
    if (toRollBack.isEmpty()) {
      return stop(Status.FAULTED, ring, now);
    }
    phase = RingState.Phase.ROLLING_BACK;
    return Optional.empty();
  }

  /**
   * Lets the failed ring's cancelled rollouts finish their batch in flight, then rolls each scale set that has
   * instances on the target back to its previous version.
   */
  private Optional<Instant> rollBack(Ring ring, Instant now) {
    Instant next = null;
    for (Map.Entry<ScaleSetId, String> e : toRollBack.entrySet()) {
      ScaleSetId sid = e.getKey();
      Rollout draining = rollouts.get(sid);
      Rollout back = rollbacks.get(sid);
      Optional<Instant> again = Optional.empty();
      if (back == null && draining != null && !draining.isDone()) {
        again = draining.advance();
      } else if (back == null) {
        ScaleSet s = fleet.get(sid);
        if (s.instances().stream().noneMatch(i -> i.runs(target))) {
          continue;
        }
        ImageVersion version = previous.get(sid);
        if (version == null || version.equals(target)) {
          emit(now, RingEvent.Kind.ROLLBACK_ENDED, ring.name(), sid, "no earlier version is known to roll back to; "
              + "the operator decides" + e.getValue());
          continue;
        }
        // The ring was governed; its rollback follows the readiness record's rollback path, to a version the scale set
        // ran before, and must not wait for a trust decision on it: the opt-out says so in the rollback's event log.
        Rollout.Builder rb = Rollout.builder(fleet, sid).target(version).clock(clock).startOver().store(store)
            .owner(owner).environment(environmentOf.getOrDefault(sid, Environment.PRODUCTION))
            .ungoverned("rollback of ring " + ring.name() + " after its failure, as its readiness record's rollback "
                + "path says");
        rolloutOptions.explicitPolicy().ifPresent(rb::policy);
        listeners.forEach(rb::listener);
        back = rb.build();
        rollbacks.put(sid, back);
        if (rollbacksStarted.add(sid)) { // not again when a rebuilt ring rollout resumes it
          emit(now, RingEvent.Kind.ROLLBACK_STARTED, ring.name(), sid, "rolling back to " + version + e.getValue());
        }
        again = back.advance();
      } else if (!back.isDone()) {
        again = back.advance();
      } else {
        continue;
      }
      if (again.isPresent()) {
        next = next == null || again.get().isBefore(next) ? again.get() : next;
      } else if (back != null && back.isDone()) {
        emit(now, RingEvent.Kind.ROLLBACK_ENDED, ring.name(), sid, "rollback to " + previous.get(sid) + " "
            + back.status() + ": " + back.progress());
      } else {
        next = next == null ? now : next;
      }
    }
    if (next != null) {
      return Optional.of(next.isAfter(now) ? next : now.plusSeconds(1));
    }
    return stop(Status.FAULTED, ring, now);
  }

  private Optional<Instant> refuse(Ring ring, ScaleSetId id, Instant now, String why) {
    failure = UpgradeError.of(StopCode.RING_REFUSED, why);
    emit(now, RingEvent.Kind.RING_REFUSED, ring.name(), id, why + " (nothing was changed in this ring)");
    return stop(Status.REFUSED, ring, now);
  }

  private Optional<Instant> stop(Status end, Ring ring, Instant now) {
    status = end;
    phase = RingState.Phase.DONE;
    if (end != Status.COMPLETED) {
      emit(now, RingEvent.Kind.STOPPED, ring.name(), null, "promotion stopped at ring " + ring.name() + " ("
          + end + ")" + (failure == null ? "" : ": " + failure.code()));
    }
    return Optional.empty();
  }

  private void emit(Instant at, RingEvent.Kind kind, String ring, @Nullable ScaleSetId id, String detail) {
    RingEvent e = new RingEvent(++sequence, at, kind, ring, id, detail);
    events.add(e);
    listeners.forEach(l -> l.onEvent(e));
  }

  /**
   * Lets go of the scale sets without ending the ring rollout: {@link Rollout#close() closes} every orchestrated
   * rollout and rollback it started, releasing their leases, so that a ring rollout rebuilt on the same store (after
   * a restart, or in another replica) resumes them at once. A service calls it when it shuts down, never while an
   * {@link #advance()} runs.
   */
  public void close() {
    rollouts.values().forEach(Rollout::close);
    rollbacks.values().forEach(Rollout::close);
    releaseLease();
  }

  // ---- reading ------------------------------------------------------------------------------------------------

  /** @return where the ring rollout stands */
  public Status status() {
    return status;
  }

  /** @return the rings, in promotion order */
  public RingPlan plan() {
    return plan;
  }

  /** @return how rings are upgraded */
  public Mode mode() {
    return mode;
  }

  /** @return the version being spread */
  public ImageVersion target() {
    return target;
  }

  /** @return the ring being worked on (the last one once completed) */
  public Ring currentRing() {
    return plan.rings().get(Math.min(ringIndex, plan.rings().size() - 1));
  }

  /** @return how many rings were promoted */
  public int promotedRings() {
    return ringIndex;
  }

  /**
   * Says why the ring rollout stopped, if it did: the same word as {@link Rollout#error()}.
   *
   * @return the error (a ring's failure or refusal)
   */
  public Optional<UpgradeError> error() {
    return Optional.ofNullable(failure);
  }

  /**
   * Says why the ring rollout stopped.
   *
   * @return the same as {@link #error()}
   * @deprecated use {@link #error()}, the word {@link Rollout} uses too
   */
  @Deprecated
  public Optional<UpgradeError> failure() {
    return error();
  }

  /** @return true once the ring rollout has ended (completed, faulted or refused), as {@link Rollout#isDone()} */
  public boolean isDone() {
    return status.isTerminal();
  }

  /** @return the orchestrated rollouts started so far, by scale set */
  public Map<ScaleSetId, Rollout> rollouts() {
    return Collections.unmodifiableMap(rollouts);
  }

  /** @return the rollback rollouts started so far, by scale set */
  public Map<ScaleSetId, Rollout> rollbacks() {
    return Collections.unmodifiableMap(rollbacks);
  }

  /** @return every event so far */
  public List<RingEvent> events() {
    return Collections.unmodifiableList(events);
  }

  /**
   * @return the event log (the ring timeline), as {@link Rollout#eventLog()}: one entry per event; an entry with
   *     several gate verdicts goes on with a line per scale set and a line per verdict, indented
   */
  public String eventLog() {
    StringBuilder b = new StringBuilder();
    events.forEach(e -> b.append(e).append('\n'));
    return b.toString();
  }

  /**
   * Returns the ring timeline.
   *
   * @return the same as {@link #eventLog()}
   * @deprecated use {@link #eventLog()}, the word {@link Rollout} uses too
   */
  @Deprecated
  public String timeline() {
    return eventLog();
  }

  @Override
  public String toString() {
    return "RingRollout[" + target + ", " + mode + ", " + status + ", ring " + currentRing().name() + ", "
        + promotedRings() + "/" + plan.rings().size() + " promoted"
        + (failure == null ? "" : ", " + failure.code()) + "]";
  }

  /** Builds a {@link RingRollout}. Not thread-safe. */
  public static final class Builder {
    private final RingPlan plan;
    private final ScaleSetPort fleet;
    private final ImageCatalog catalog;
    private @Nullable PlatformUpgradePort platform;
    private @Nullable Clock clock;
    private @Nullable ImageVersion target;
    private @Nullable ImageTrustPolicy trust;
    private @Nullable Function<ScaleSetId, Environment> environments;
    private final Map<ScaleSetId, ReadinessRecord> records = new HashMap<>();
    private final List<HealthGate> gates = new ArrayList<>();
    private RolloutOptions rolloutOptions = RolloutOptions.ofDefaults();
    private Duration poll = DEFAULT_POLL;
    private final List<UpgradeListener> listeners = new ArrayList<>();
    private @Nullable DeferralApprovals deferrals;
    private RolloutStore store = RolloutStore.inMemory();
    private String owner = "local";

    private Builder(RingPlan plan, ScaleSetPort fleet, ImageCatalog catalog) {
      this.plan = Require.nonNull(plan, "plan");
      this.fleet = Require.nonNull(fleet, "fleet");
      this.catalog = Require.nonNull(catalog, "catalog");
    }

    /**
     * Sets the version to spread (required).
     *
     * @param version the version
     * @return this builder
     */
    public Builder target(ImageVersion version) {
      this.target = Require.nonNull(version, "target");
      return this;
    }

    /**
     * Sets the version to spread (required).
     *
     * @param version e.g. {@code "22.04.202410010"}
     * @return this builder
     */
    public Builder target(String version) {
      return target(ImageVersion.parse(version));
    }

    /**
     * Sets the clock (required).
     *
     * @param value the clock
     * @return this builder
     */
    public Builder clock(Clock value) {
      this.clock = Require.nonNull(value, "clock");
      return this;
    }

    /**
     * Sets the image trust policy (required); its quarantine receives versions that fail in a ring.
     *
     * @param value the policy
     * @return this builder
     */
    public Builder trust(ImageTrustPolicy value) {
      this.trust = Require.nonNull(value, "trust");
      return this;
    }

    /**
     * Upgrades rings through the platform: enables Azure's automatic OS upgrade ring by ring and watches it.
     * Without this, rings are upgraded by orchestrated rollouts.
     *
     * @param value the platform port
     * @return this builder
     */
    public Builder governedPlatform(PlatformUpgradePort value) {
      this.platform = Require.nonNull(value, "platform");
      return this;
    }

    /**
     * Keeps the checkpoints of the rings' orchestrated rollouts in this store, under this replica's name, so that a
     * ring rollout rebuilt after a crash resumes each scale set's rollout where it stopped (rings already on the
     * target are found so again and soak once more before promotion).
     *
     * @param value the store
     * @param replica this replica's name for the scale sets' leases: one line of at most 256 characters
     * @return this builder
     */
    public Builder store(RolloutStore value, String replica) {
      this.store = Require.nonNull(value, "store");
      this.owner = Require.name("replica", replica, 256);
      return this;
    }

    /**
     * Grants {@code osRollingUpgradeDeferral} approvals in governed platform mode, only when its window and gates
     * allow (without it, deferred instances wait for someone else to approve them).
     *
     * @param value the approval policy
     * @return this builder
     */
    public Builder deferralApprovals(DeferralApprovals value) {
      this.deferrals = Require.nonNull(value, "deferralApprovals");
      return this;
    }

    /**
     * Says which environment each scale set is in (default: what its tags say, {@link Environment#of}; a scale set
     * without an environment tag counts as production, the safe assumption).
     *
     * @param value the mapping
     * @return this builder
     */
    public Builder environments(Function<ScaleSetId, Environment> value) {
      this.environments = Require.nonNull(value, "environments");
      return this;
    }

    /**
     * Gives a scale set its readiness record.
     *
     * @param id the scale set
     * @param record the record
     * @return this builder
     */
    public Builder readiness(ScaleSetId id, ReadinessRecord record) {
      records.put(Require.nonNull(id, "id"), Require.nonNull(record, "record"));
      return this;
    }

    /**
     * Gives every scale set of the plan the same readiness record.
     *
     * @param record the record
     * @return this builder
     */
    public Builder readiness(ReadinessRecord record) {
      plan.scaleSets().forEach(id -> readiness(id, record));
      return this;
    }

    /**
     * Adds a gate asked during every ring's soak (as after a batch) and before promotion (as before a batch): a
     * performance gate, a maintenance window.
     *
     * @param gate the gate
     * @return this builder
     */
    public Builder gate(HealthGate gate) {
      gates.add(Require.nonNull(gate, "gate"));
      return this;
    }

    /**
     * Sets the options of each orchestrated rollout (policy, timeouts, their own gates).
     *
     * @param value the options
     * @return this builder
     */
    public Builder rolloutOptions(RolloutOptions value) {
      this.rolloutOptions = Require.nonNull(value, "rolloutOptions");
      return this;
    }

    /**
     * Sets how often to look while a ring runs or soaks (default 5 minutes).
     *
     * @param value positive, at most 1 day
     * @return this builder
     */
    public Builder pollInterval(Duration value) {
      this.poll = Require.positive("pollInterval", value, Duration.ofDays(1));
      return this;
    }

    /**
     * Adds a listener: it receives the ring timeline ({@link RingEvent}s) and the events of every orchestrated rollout
     * and rollback the rings start ({@link dev.osupgrade.event.RolloutEvent}s), in the order they happen — one
     * listener type, {@link UpgradeListener}, for both (a {@link RolloutListener} takes only the rollouts' events).
     *
     * @param listener the listener
     * @return this builder
     */
    public Builder listener(UpgradeListener listener) {
      listeners.add(Require.nonNull(listener, "listener"));
      return this;
    }

    /**
     * Adds a listener for the events of every orchestrated rollout the rings start (not the ring timeline); the same
     * as {@link #listener} with a {@link RolloutListener}.
     *
     * @param listener the listener
     * @return this builder
     */
    public Builder rolloutListener(RolloutListener listener) {
      return listener(listener);
    }

    /** @return the ring rollout, not yet started */
    public RingRollout build() {
      if (target == null) {
        throw new IllegalStateException("target must be set before build()");
      }
      if (trust == null) {
        throw new IllegalStateException("trust must be set before build(): rings refuse untrusted images");
      }
      return new RingRollout(this, target);
    }
  }
}
