package dev.osupgrade.rollout;

import dev.osupgrade.OsUpgradeException;
import dev.osupgrade.Require;
import dev.osupgrade.event.RolloutEvent;
import dev.osupgrade.event.RolloutListener;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.ScaleSet;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.image.ImageVersion;
import dev.osupgrade.ops.ErrorCodes;
import dev.osupgrade.ops.RolloutStatus;
import dev.osupgrade.ops.UpgradeError;
import dev.osupgrade.ops.UpgradeProgress;
import dev.osupgrade.plan.RolloutPlan;
import dev.osupgrade.policy.RollingUpgradePolicy;
import dev.osupgrade.port.CapacityPort;
import dev.osupgrade.port.Checkpoint;
import dev.osupgrade.port.CheckpointConflictException;
import dev.osupgrade.port.CloudException;
import dev.osupgrade.port.Lease;
import dev.osupgrade.port.LeaseLostException;
import dev.osupgrade.port.RolloutStore;
import dev.osupgrade.port.ScaleSetPort;
import dev.osupgrade.port.ThrottledException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * An orchestrated rollout of one scale set to a target image version: the runner around {@link RolloutEngine}.
 *
 * <p>Each {@link #advance()} looks at the fleet once, lets the engine decide, runs the decided actions through the
 * {@link ScaleSetPort}, hands the events to the listeners, and returns when it must look again. It never sleeps:
 * the caller's scheduler (or a virtual clock in tests) calls {@link #advance()} again at that time. Calling it
 * earlier is harmless.
 *
 * <pre>{@code
 * Rollout rollout = Rollout.builder(fleet, ScaleSetId.of("rg", "web"))
 *     .target(ImageVersion.parse("22.04.202410010"))
 *     .clock(clock)
 *     .listener(System.out::println)
 *     .build();
 * for (Optional<Instant> next = rollout.advance(); next.isPresent(); next = rollout.advance()) {
 *   scheduler.waitUntil(next.get());
 * }
 * }</pre>
 *
 * <p>Not thread-safe: drive one rollout from one thread at a time.
 */
public final class Rollout {
  /** The default lease duration: 5 minutes. */
  public static final Duration DEFAULT_LEASE = Duration.ofMinutes(5);

  private final ScaleSetPort fleet;
  private final Clock clock;
  private final RolloutEngine engine;
  private final List<RolloutListener> listeners;
  private final List<RolloutEvent> events = new ArrayList<>();
  private final RolloutStore store;
  private final String owner;
  private final Duration leaseDuration;
  private final boolean startOver;
  private boolean cancelRequested;
  private @Nullable Boolean pauseControl;
  private final @Nullable CapacityPort capacity;
  private RolloutState state;
  private @Nullable ScaleSet model;
  private @Nullable Lease lease;
  private long checkpointVersion;

  private Rollout(Builder b, ImageVersion target) {
    this.fleet = b.fleet;
    this.clock = Require.nonNull(b.clock, "clock");
    this.engine = new RolloutEngine(b.options.build());
    this.listeners = List.copyOf(b.listeners);
    this.store = b.store;
    this.owner = b.owner;
    this.leaseDuration = b.leaseDuration;
    this.startOver = b.startOver;
    this.capacity = b.capacity != null ? b.capacity : b.fleet instanceof CapacityPort c ? c : null;
    this.state = RolloutState.initial(b.scaleSet, target);
  }

  /**
   * Starts building a rollout.
   *
   * @param fleet the port to the scale set (the Azure adapter or a simulated fleet)
   * @param scaleSet the scale set to upgrade
   * @return a builder
   */
  public static Builder builder(ScaleSetPort fleet, ScaleSetId scaleSet) {
    return new Builder(fleet, scaleSet);
  }

  /**
   * Starts building a rollout that resumes the one checkpointed in {@code store} (its target is read from there),
   * for example after the process that drove it crashed.
   *
   * @param fleet the port to the scale set
   * @param scaleSet the scale set
   * @param store the store holding the checkpoint
   * @return a builder
   */
  public static Builder resuming(ScaleSetPort fleet, ScaleSetId scaleSet, RolloutStore store) {
    Builder b = new Builder(fleet, scaleSet).store(store);
    b.resume = true;
    return b;
  }

  /**
   * Looks at the fleet, decides, acts, and says when to look again.
   *
   * @return when to call again; empty once the rollout has ended (or while it is paused, when only {@link #resume()}
   *     moves it on)
   * @throws RolloutRefusedException on the first call, when the scale set cannot be driven (nothing is changed)
   * @throws CloudException on the first call, when the scale set cannot be read for a reason that will not pass
   *     (not found, forbidden); nothing is changed. Throttling and transient errors are retried.
   */
  public Optional<Instant> advance() {
    Instant now = clock.instant();
    Optional<Instant> notLeader = takeLease(now);
    if (notLeader.isPresent()) {
      return notLeader;
    }
    applyControl();
    if (state.status() == RolloutStatus.PAUSED && state.pauseRequested() && !state.cancelRequested()) {
      return Optional.empty();
    }
    Optional<Instant> blocked = flushOutbox(now);
    if (blocked.isPresent()) {
      return blocked;
    }
    if (state.status().isTerminal()) {
      releaseLease();
      return Optional.empty();
    }
    ScaleSet observed;
    try {
      observed = observe();
    } catch (CloudException e) {
      if (state.status() == RolloutStatus.NOT_STARTED) {
        if (e.isRetryable()) {
          return Optional.of(now.plus(retryDelay(e))); // nothing has changed yet: simply look again
        }
        throw e;
      }
      if (e.isRetryable() && !progressDeadlinePassed(now)) {
        return Optional.of(now.plus(retryDelay(e)));
      }
      UpgradeError error = e.isRetryable()
          ? new UpgradeError(ErrorCodes.TIMEOUT, "the scale set could not be read for "
              + engine.options().progressDeadline() + "; last error: [" + e.code() + "] " + e.getMessage())
          : new UpgradeError(e.code(), "reading the scale set failed: " + e.getMessage());
      if (!commit(engine.fault(state, now, error, model), now)) {
        return Optional.of(now.plus(engine.options().pollInterval()));
      }
      flushOutbox(now);
      return Optional.empty();
    }
    if (state.status() == RolloutStatus.NOT_STARTED
        && engine.options().modelHandling() == RolloutOptions.ModelHandling.PIN_TARGET) {
      RolloutEngine.checkCanStart(observed, state.target());
    }
    Decision decision = engine.decide(state, new Observation(now, observed, headroomIfSurging(observed)));
    if (!commit(decision, now)) {
      return Optional.of(now.plus(engine.options().pollInterval()));
    }
    Optional<Instant> retry = flushOutbox(now);
    if (retry.isPresent()) {
      return retry;
    }
    if (state.status() == RolloutStatus.PAUSED || state.status().isTerminal()) {
      if (state.status().isTerminal()) {
        releaseLease();
      }
      return Optional.empty();
    }
    return decision.nextLook().or(() -> Optional.of(now.plus(engine.options().pollInterval())));
  }

  /** Asks the rollout to cancel: the batch in flight finishes, then it ends {@code Cancelled}. */
  public void cancel() {
    cancelRequested = true;
    applyControl();
  }

  /** Asks the rollout to pause before its next batch; {@link #resume()} lets it go on. */
  public void pause() {
    pauseControl = Boolean.TRUE;
    applyControl();
  }

  /** Lets a paused rollout go on. */
  public void resume() {
    pauseControl = Boolean.FALSE;
    applyControl();
  }

  /**
   * Lets go of the scale set without ending the rollout: releases this replica's lease if it holds one, so that
   * another replica, or this service after a restart, takes the rollout over at once instead of after the lease
   * expires. The checkpoint stays in the store, and a rollout built the same way on the same store resumes from it; a
   * later {@link #advance()} of this object takes the lease again and resumes from the checkpoint too. A service calls
   * it when it shuts down, never while an {@link #advance()} of this rollout runs. Does nothing once the rollout has
   * ended (it released the lease then).
   */
  public void close() {
    releaseLease();
  }

  /**
   * The caller's requests stick to this runner until they are in the state it saves: reloading a checkpoint (after a
   * lease lapsed during a long wait, or when resuming another process's rollout) must not lose a cancel.
   */
  private void applyControl() {
    if (cancelRequested && !state.cancelRequested()) {
      state = RolloutEngine.requestCancel(state);
    }
    if (Boolean.TRUE.equals(pauseControl) && !state.pauseRequested()) {
      state = RolloutEngine.requestPause(state);
    } else if (Boolean.FALSE.equals(pauseControl) && state.pauseRequested()) {
      state = RolloutEngine.resume(state);
    }
  }

  /** @return the scale set being upgraded */
  public ScaleSetId scaleSet() {
    return state.scaleSet();
  }

  /** @return the version being rolled out */
  public ImageVersion target() {
    return state.target();
  }

  /** @return where the rollout stands */
  public RolloutStatus status() {
    return state.status();
  }

  /** @return true once the rollout has ended (completed, faulted or cancelled) */
  public boolean isDone() {
    return state.status().isTerminal() && state.outbox().isEmpty();
  }

  /** @return Azure's four progress counts */
  public UpgradeProgress progress() {
    return state.progress();
  }

  /** @return the plan, once the rollout has started */
  public Optional<RolloutPlan> plan() {
    return state.planIfStarted();
  }

  /** @return the rolling policy in force, once the rollout has started */
  public Optional<RollingUpgradePolicy> policy() {
    return Optional.ofNullable(state.policy());
  }

  /** @return why the rollout stopped, if it stopped with an error */
  public Optional<UpgradeError> error() {
    return state.errorIfAny();
  }

  /** @return every event so far, in order */
  public List<RolloutEvent> events() {
    return Collections.unmodifiableList(events);
  }

  /** @return the full state (for checkpoints, diagnostics and tests) */
  public RolloutState state() {
    return state;
  }

  /** @return the event log, one line per event */
  public String eventLog() {
    StringBuilder out = new StringBuilder();
    events.forEach(e -> out.append(e).append('\n'));
    return out.toString();
  }

  @Override
  public String toString() {
    return "Rollout[" + state.scaleSet() + " -> " + state.target() + ", " + state.status() + ", " + progress()
        + state.errorIfAny().map(e -> ", " + e.code()).orElse("") + "]";
  }

  private ScaleSet observe() {
    if (model == null) {
      model = fleet.get(state.scaleSet());
      return model;
    }
    List<Instance> instances = fleet.listInstances(state.scaleSet());
    return model.withInstances(instances);
  }

  /**
   * Takes (or renews) the lease; on a new holding, reloads the checkpoint so that the rollout resumes where the last
   * holder stopped.
   */
  private Optional<Instant> takeLease(Instant now) {
    Optional<Lease> taken = store.tryAcquire(state.scaleSet(), owner, now, leaseDuration);
    if (taken.isEmpty()) {
      lease = null;
      Duration wait = leaseDuration.compareTo(engine.options().pollInterval()) < 0 ? leaseDuration
          : engine.options().pollInterval();
      return Optional.of(now.plus(wait));
    }
    boolean newHolding = lease == null || lease.token() != taken.get().token();
    lease = taken.get();
    if (newHolding) {
      reload();
    }
    return Optional.empty();
  }

  private void reload() {
    Optional<Checkpoint> saved = store.load(state.scaleSet());
    if (saved.isEmpty()) {
      checkpointVersion = 0;
      return;
    }
    checkpointVersion = saved.get().version();
    RolloutState stored = RolloutState.decode(saved.get().data());
    if (!stored.scaleSet().equals(state.scaleSet())) {
      releaseLease();
      throw new OsUpgradeException("CheckpointCorrupt", "the store returned the checkpoint of " + stored.scaleSet()
          + " for " + state.scaleSet() + "; refusing to drive either from it");
    }
    if (!stored.target().equals(state.target())) {
      if (stored.status().isTerminal()) {
        return; // an earlier rollout to another version ended: this one starts afresh and overwrites its checkpoint
      }
      releaseLease();
      throw new RolloutRefusedException(RolloutRefusedException.ROLLOUT_IN_PROGRESS, state.scaleSet()
          + " has a rollout to " + stored.target() + " in progress (" + stored.status().azureName() + ", "
          + stored.progress() + "); cancel it or let it finish before rolling out " + state.target());
    }
    if (stored.status().isTerminal() && startOver && state.status() == RolloutStatus.NOT_STARTED) {
      return; // the caller restarts an ended rollout: only what is not on the target yet will be upgraded
    }
    state = stored;
    model = null;
    applyControl();
  }

  private void releaseLease() {
    if (lease != null) {
      store.release(lease);
      lease = null;
    }
  }

  /** Reads the capacity headroom only when the next step may start a max-surge batch (one extra read). */
  private @Nullable Integer headroomIfSurging(ScaleSet observed) {
    if (capacity == null) {
      return null;
    }
    RolloutState.Phase phase = state.phase();
    boolean batchMayStart = phase == RolloutState.Phase.NOT_STARTED || phase == RolloutState.Phase.BEFORE_BATCH
        || (phase == RolloutState.Phase.PAUSING && state.pauseUntil() != null
            && !clock.instant().isBefore(state.pauseUntil()))
        // in a batch, only once no instance of it is still being upgraded or replaced: it may end this step
        || (phase == RolloutState.Phase.IN_BATCH && state.instances().values().stream()
            .filter(p -> p.batch() == state.batch())
            .noneMatch(p -> p.stage() == InstanceStage.UPGRADING || p.stage() == InstanceStage.REPLACING));
    if (!batchMayStart) {
      return null;
    }
    RollingUpgradePolicy policy = state.policy() != null ? state.policy()
        : engine.options().explicitPolicy().orElse(observed.upgradePolicy().rollingOrDefaults());
    return policy.maxSurge() ? capacity.headroom(state.scaleSet()) : null;
  }

  private boolean progressDeadlinePassed(Instant now) {
    Instant last = state.lastProgressAt();
    return last != null && !now.isBefore(last.plus(engine.options().progressDeadline()));
  }

  /** Saves the decision's state (compare-and-set, under the lease), then hands its events to the listeners. */
  private boolean commit(Decision decision, Instant now) {
    if (!save(decision.state(), now)) {
      return false;
    }
    for (RolloutEvent e : decision.events()) {
      events.add(e);
      for (RolloutListener l : listeners) {
        l.onEvent(e);
      }
    }
    return true;
  }

  private boolean save(RolloutState next, Instant now) {
    try {
      checkpointVersion = store.save(Require.nonNull(lease, "lease"), checkpointVersion, next.encode(), now)
          .version();
      state = next;
      return true;
    } catch (LeaseLostException | CheckpointConflictException e) {
      // Another replica took over: forget the in-memory state; the next advance reloads if it gets the lease back.
      lease = null;
      return false;
    }
  }

  /** Runs the outbox in order; returns a retry time if a call must be repeated later. */
  private Optional<Instant> flushOutbox(Instant now) {
    while (!state.outbox().isEmpty()) {
      RolloutAction action = state.outbox().get(0);
      try {
        if (action instanceof RolloutAction.ScaleOut out) {
          Decision next;
          try {
            next = engine.acknowledgeScaleOut(state, out, scaleOut(out), clock.instant());
          } catch (CloudException e) {
            if (e.isRetryable()) {
              throw e;
            }
            next = engine.surgeRejected(state, out, "[" + e.code() + "] " + e.getMessage(), clock.instant());
          }
          if (!commit(next, now)) {
            return Optional.of(now.plus(engine.options().pollInterval()));
          }
          continue;
        }
        execute(action);
      } catch (CloudException e) {
        if (e.isRetryable() && !progressDeadlinePassed(now)) {
          return Optional.of(now.plus(retryDelay(e)));
        }
        RolloutState dropped = RolloutEngine.dropOutbox(state);
        UpgradeError error = e.isRetryable()
            ? new UpgradeError(ErrorCodes.TIMEOUT, action + " could not be carried out for "
                + engine.options().progressDeadline() + "; last error: [" + e.code() + "] " + e.getMessage())
            : new UpgradeError(ErrorCodes.OPERATION_REJECTED, action + " was rejected: [" + e.code() + "] "
                + e.getMessage());
        Decision fault = engine.fault(dropped, now, error, model);
        if (!commit(fault, now)) {
          return Optional.of(now.plus(engine.options().pollInterval()));
        }
        continue;
      }
      if (!save(RolloutEngine.acknowledge(state, action, clock.instant()), now)) {
        return Optional.of(now.plus(engine.options().pollInterval()));
      }
    }
    return Optional.empty();
  }

  private void execute(RolloutAction action) {
    ScaleSetId id = state.scaleSet();
    if (action instanceof RolloutAction.UpdateModelImage u) {
      fleet.updateModelImage(id, u.image());
      if (model != null) {
        model = model.withModelImage(u.image());
      }
    } else if (action instanceof RolloutAction.UpgradeInstances u) {
      fleet.upgradeInstances(id, u.instanceIds());
    } else if (action instanceof RolloutAction.RollBackInstances r) {
      fleet.rollBackInstances(id, r.instanceIds(), r.image());
    } else if (action instanceof RolloutAction.DeleteInstances del) {
      requireCapacity().deleteInstances(id, del.instanceIds());
    }
  }

  /**
   * Creates the surge instances, counting those a crashed predecessor already created (instances that exist now but
   * were neither in the scale set when the action was decided nor known to the rollout), so a repeat creates no more.
   */
  private List<String> scaleOut(RolloutAction.ScaleOut out) {
    java.util.Set<String> before = new java.util.HashSet<>(out.existingIds());
    before.addAll(state.instances().keySet());
    List<String> created = new ArrayList<>();
    for (Instance i : fleet.listInstances(state.scaleSet())) {
      if (!before.contains(i.instanceId())) {
        created.add(i.instanceId());
      }
    }
    if (created.size() < out.count()) {
      created.addAll(requireCapacity().scaleOut(state.scaleSet(), out.count() - created.size()));
    }
    return dev.osupgrade.fleet.InstanceIds.sorted(created);
  }

  private CapacityPort requireCapacity() {
    if (capacity == null) {
      throw new IllegalStateException("a max-surge action needs a CapacityPort: pass one with capacity(...)");
    }
    return capacity;
  }

  private Duration retryDelay(CloudException e) {
    Duration poll = engine.options().pollInterval();
    if (e instanceof ThrottledException t && t.retryAfter().compareTo(poll) > 0) {
      return t.retryAfter();
    }
    return poll;
  }

  /** Builds a {@link Rollout}. Not thread-safe. */
  public static final class Builder {
    private final ScaleSetPort fleet;
    private final ScaleSetId scaleSet;
    private @Nullable ImageVersion target;
    private @Nullable Clock clock;
    private RolloutOptions.Builder options = RolloutOptions.builder();
    private final List<RolloutListener> listeners = new ArrayList<>();
    private RolloutStore store = RolloutStore.inMemory();
    private String owner = "local";
    private Duration leaseDuration = DEFAULT_LEASE;
    private boolean resume;
    private boolean startOver;
    private @Nullable CapacityPort capacity;

    private Builder(ScaleSetPort fleet, ScaleSetId scaleSet) {
      this.fleet = Require.nonNull(fleet, "fleet");
      this.scaleSet = Require.nonNull(scaleSet, "scaleSet");
    }

    /**
     * Keeps checkpoints in this store (by default a store in memory, which does not survive the JVM: use
     * {@link RolloutStore#file(java.nio.file.Path)} or a shared store to resume after a crash).
     *
     * @param value the store
     * @return this builder
     */
    public Builder store(RolloutStore value) {
      this.store = Require.nonNull(value, "store");
      return this;
    }

    /**
     * Names this replica for the scale set's lease (default {@code "local"}). Replicas that share a store must use
     * different names; a restarted replica should keep its name to take its lease back at once.
     *
     * @param value the name, e.g. the host name
     * @return this builder
     */
    public Builder owner(String value) {
      this.owner = Require.nonBlank("owner", value);
      return this;
    }

    /**
     * Sets how long the lease lasts without renewal (default 5 minutes); a crashed replica's lease passes to
     * another after this long.
     *
     * @param value positive
     * @return this builder
     */
    public Builder leaseDuration(Duration value) {
      this.leaseDuration = Require.positive("leaseDuration", value);
      return this;
    }

    /**
     * Sets the version to roll out (required).
     *
     * @param version the version
     * @return this builder
     */
    public Builder target(ImageVersion version) {
      this.target = Require.nonNull(version, "target");
      return this;
    }

    /**
     * Sets the version to roll out (required).
     *
     * @param version the version's text, e.g. {@code "22.04.202410010"}
     * @return this builder
     */
    public Builder target(String version) {
      return target(ImageVersion.parse(version));
    }

    /**
     * Sets the clock all times come from (required; a {@code VirtualClock} in tests).
     *
     * @param value the clock
     * @return this builder
     */
    public Builder clock(Clock value) {
      this.clock = Require.nonNull(value, "clock");
      return this;
    }

    /**
     * Uses this rolling policy instead of the scale set's own.
     *
     * @param policy the policy
     * @return this builder
     */
    public Builder policy(RollingUpgradePolicy policy) {
      options.policy(policy);
      return this;
    }

    /**
     * Replaces every option at once.
     *
     * @param value the options
     * @return this builder
     */
    public Builder options(RolloutOptions value) {
      this.options = Require.nonNull(value, "options").toBuilder();
      return this;
    }

    /**
     * Sets the health timeout (Azure: 5 minutes).
     *
     * @param value positive
     * @return this builder
     */
    public Builder healthTimeout(Duration value) {
      options.healthTimeout(value);
      return this;
    }

    /**
     * Sets the poll interval while something is in flight.
     *
     * @param value positive
     * @return this builder
     */
    public Builder pollInterval(Duration value) {
      options.pollInterval(value);
      return this;
    }

    /**
     * Says whether failed instances are rolled back.
     *
     * @param value the choice
     * @return this builder
     */
    public Builder automaticRollback(RolloutOptions.AutomaticRollback value) {
      options.automaticRollback(value);
      return this;
    }

    /**
     * Adds a gate asked before and after each batch.
     *
     * @param gate the gate
     * @return this builder
     */
    public Builder gate(dev.osupgrade.health.HealthGate gate) {
      options.gate(gate);
      return this;
    }

    /**
     * Adds a listener that receives every event as it happens.
     *
     * @param listener the listener
     * @return this builder
     */
    public Builder listener(RolloutListener listener) {
      listeners.add(Require.nonNull(listener, "listener"));
      return this;
    }

    /**
     * Sets the port that adds and removes instances for max surge (by default the fleet itself, when it implements
     * {@link CapacityPort}). Without one, a max-surge policy falls back to in-place upgrades and says so.
     *
     * @param value the port
     * @return this builder
     */
    public Builder capacity(CapacityPort value) {
      this.capacity = Require.nonNull(value, "capacity");
      return this;
    }

    /**
     * Starts the rollout again if the store holds an ended (completed, faulted or cancelled) rollout to the same
     * target; only instances not yet on the target are upgraded. Without it, an ended rollout to the same target is
     * reported as it ended (so a replica that restarts after a crash picks up the outcome instead of redoing it),
     * and a rollout in progress is resumed either way.
     *
     * @return this builder
     */
    public Builder startOver() {
      this.startOver = true;
      return this;
    }

    /**
     * Sets the progress deadline (default 2 hours).
     *
     * @param value positive, longer than the instance upgrade timeout
     * @return this builder
     */
    public Builder progressDeadline(Duration value) {
      options.progressDeadline(value);
      return this;
    }

    /**
     * The rollout, not yet started: the first {@link Rollout#advance()} takes the lease and starts it, or resumes
     * the rollout to the same target that the store holds a checkpoint of.
     *
     * @return the rollout
     */
    public Rollout build() {
      if (clock == null) {
        throw new IllegalStateException("clock must be set before build(): time comes from an injected Clock");
      }
      ImageVersion version = target;
      if (version == null && resume) {
        Checkpoint saved = store.load(scaleSet).orElseThrow(() -> new IllegalStateException(
            "there is no checkpoint of " + scaleSet + " in " + store + " to resume"));
        version = RolloutState.decode(saved.data()).target();
      }
      if (version == null) {
        throw new IllegalStateException("target must be set before build()");
      }
      return new Rollout(this, version);
    }
  }
}
