package dev.osupgrade.rollout;

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
import dev.osupgrade.port.CloudException;
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
  private final ScaleSetPort fleet;
  private final Clock clock;
  private final RolloutEngine engine;
  private final List<RolloutListener> listeners;
  private final List<RolloutEvent> events = new ArrayList<>();
  private RolloutState state;
  private @Nullable ScaleSet model;
  private int consecutiveReadFailures;

  private Rollout(Builder b) {
    this.fleet = b.fleet;
    this.clock = Require.nonNull(b.clock, "clock");
    this.engine = new RolloutEngine(b.options.build());
    this.listeners = List.copyOf(b.listeners);
    this.state = RolloutState.initial(b.scaleSet, Require.nonNull(b.target, "target"));
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
   * Looks at the fleet, decides, acts, and says when to look again.
   *
   * @return when to call again; empty once the rollout has ended (or while it is paused, when only {@link #resume()}
   *     moves it on)
   * @throws RolloutRefusedException on the first call, when the scale set cannot be driven (nothing is changed)
   * @throws CloudException on the first call, when the scale set cannot be read (nothing is changed)
   */
  public Optional<Instant> advance() {
    Instant now = clock.instant();
    if (state.status() == RolloutStatus.PAUSED && state.pauseRequested()) {
      return Optional.empty();
    }
    Optional<Instant> blocked = flushOutbox(now);
    if (blocked.isPresent()) {
      return blocked;
    }
    if (state.status().isTerminal()) {
      return Optional.empty();
    }
    ScaleSet observed;
    try {
      observed = observe();
      consecutiveReadFailures = 0;
    } catch (CloudException e) {
      if (state.status() == RolloutStatus.NOT_STARTED) {
        throw e;
      }
      if (e.isRetryable()) {
        consecutiveReadFailures++;
        return Optional.of(now.plus(retryDelay(e)));
      }
      apply(engine.fault(state, now, new UpgradeError(e.code(), "reading the scale set failed: " + e.getMessage()),
          model));
      flushOutbox(now);
      return Optional.empty();
    }
    if (state.status() == RolloutStatus.NOT_STARTED
        && engine.options().modelHandling() == RolloutOptions.ModelHandling.PIN_TARGET) {
      RolloutEngine.checkCanStart(observed, state.target());
    }
    Decision decision = engine.decide(state, new Observation(now, observed));
    apply(decision);
    Optional<Instant> retry = flushOutbox(now);
    if (retry.isPresent()) {
      return retry;
    }
    if (state.status() == RolloutStatus.PAUSED || state.status().isTerminal()) {
      return Optional.empty();
    }
    return decision.nextLook().or(() -> Optional.of(now.plus(engine.options().pollInterval())));
  }

  /** Asks the rollout to cancel: the batch in flight finishes, then it ends {@code Cancelled}. */
  public void cancel() {
    state = RolloutEngine.requestCancel(state);
  }

  /** Asks the rollout to pause before its next batch; {@link #resume()} lets it go on. */
  public void pause() {
    state = RolloutEngine.requestPause(state);
  }

  /** Lets a paused rollout go on. */
  public void resume() {
    state = RolloutEngine.resume(state);
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

  private void apply(Decision decision) {
    state = decision.state();
    for (RolloutEvent e : decision.events()) {
      events.add(e);
      for (RolloutListener l : listeners) {
        l.onEvent(e);
      }
    }
  }

  /** Runs the outbox in order; returns a retry time if a call must be repeated later. */
  private Optional<Instant> flushOutbox(Instant now) {
    while (!state.outbox().isEmpty()) {
      RolloutAction action = state.outbox().get(0);
      try {
        execute(action);
        state = RolloutEngine.acknowledge(state, action);
      } catch (CloudException e) {
        if (e.isRetryable()) {
          return Optional.of(now.plus(retryDelay(e)));
        }
        state = RolloutEngine.acknowledge(state, action);
        apply(engine.fault(state, now, new UpgradeError(ErrorCodes.OPERATION_REJECTED,
            action + " was rejected: [" + e.code() + "] " + e.getMessage()), model));
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
    }
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
    private final RolloutOptions.Builder options = RolloutOptions.builder();
    private final List<RolloutListener> listeners = new ArrayList<>();

    private Builder(ScaleSetPort fleet, ScaleSetId scaleSet) {
      this.fleet = Require.nonNull(fleet, "fleet");
      this.scaleSet = Require.nonNull(scaleSet, "scaleSet");
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
      RolloutOptions o = Require.nonNull(value, "options");
      o.explicitPolicy().ifPresent(options::policy);
      options.healthTimeout(o.healthTimeout()).instanceUpgradeTimeout(o.instanceUpgradeTimeout())
          .pollInterval(o.pollInterval()).automaticRollback(o.automaticRollback())
          .revertModelOnFault(o.revertModelOnFault()).modelHandling(o.modelHandling()).planOptions(o.planOptions());
      o.gates().forEach(options::gate);
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

    /** @return the rollout, not yet started: the first {@link Rollout#advance()} starts it */
    public Rollout build() {
      if (target == null) {
        throw new IllegalStateException("target must be set before build()");
      }
      if (clock == null) {
        throw new IllegalStateException("clock must be set before build(): time comes from an injected Clock");
      }
      return new Rollout(this);
    }
  }
}
