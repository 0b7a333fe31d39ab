package dev.osupgrade.rollout;

import dev.osupgrade.ops.StopCode;
import dev.osupgrade.OsUpgradeException;
import dev.osupgrade.Require;
import dev.osupgrade.event.RolloutEvent;
import dev.osupgrade.event.RolloutListener;
import dev.osupgrade.event.UpgradeListener;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.InstanceIds;
import dev.osupgrade.fleet.ScaleSet;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.governance.Environment;
import dev.osupgrade.governance.GovernanceWaiver;
import dev.osupgrade.governance.GovernedAction;
import dev.osupgrade.governance.ImageNotTrustedException;
import dev.osupgrade.governance.ImageTrustPolicy;
import dev.osupgrade.governance.ProductionReadiness;
import dev.osupgrade.governance.ReadinessCheck;
import dev.osupgrade.governance.ReadinessIncompleteException;
import dev.osupgrade.governance.ReadinessRecord;
import dev.osupgrade.governance.TrustDecision;
import dev.osupgrade.image.ImageVersion;
import dev.osupgrade.ops.RolloutStatus;
import dev.osupgrade.ops.UpgradeError;
import dev.osupgrade.ops.UpgradeProgress;
import dev.osupgrade.plan.RolloutPlan;
import dev.osupgrade.policy.RollingUpgradePolicy;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.image.ImageRelease;
import dev.osupgrade.ops.Stall;
import dev.osupgrade.port.CapacityPort;
import dev.osupgrade.port.Checkpoint;
import dev.osupgrade.port.CheckpointConflictException;
import dev.osupgrade.port.CloudException;
import dev.osupgrade.port.Fencing;
import dev.osupgrade.port.ImageCatalog;
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
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
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
 * <p><b>What ends a rollout, and what only stalls it.</b> A rollout ends on Azure's stop rules and the gates
 * ({@code Faulted}), a {@linkplain #cancel() cancel} ({@code Cancelled}), a {@linkplain RolloutRefusedException refusal}
 * before it changes anything, a call the cloud {@linkplain CloudException#isRejection() rejects} as such
 * ({@code Faulted OperationRejected}), its progress deadline ({@code Faulted RollingUpgradeTimeoutError}), and an
 * instance asked to upgrade {@link RolloutOptions#maxUpgradeRequestsPerInstance} times that never took the target
 * ({@code Faulted InstanceUpgradeNotApplied}: each request accepted, the instance then left out of the looks and found
 * again off the target; it is re-planned at most that many times less one, never forever). Every
 * other failure of a call — reads and writes alike: throttling, server errors, connection failures, a conflicting
 * operation (409) or a changed ETag (412), a lost credential (401/403), a scale set not found, an answer that cannot be
 * read, a listing with no instance while the rollout expects some — <em>stalls</em> it: the action stays in the
 * checkpoint, the cause is in {@link #stall()} and in a {@link dev.osupgrade.event.RolloutStalled} event (one per change
 * of cause), and {@link #advance()} returns when to try again (the cloud's {@code Retry-After}, else a back-off from
 * the poll interval up to {@link #MAX_STALL_BACKOFF}). The next {@code advance()} goes on by itself once
 * the cause is gone ({@link dev.osupgrade.event.RolloutStallCleared}). The progress deadline is one rule, the engine's
 * (the kernel's one deadline rule): time paused by the caller, the pause between batches and waits on a gate
 * never count.
 *
 * <p><b>Once only.</b> An action decided in an earlier {@code advance()} (its answer lost, or the runner crashed after
 * sending it) is reconciled with a fresh read of the scale set before it is sent again
 * (the kernel's {@code remainder} rule; an instance it names that the read does not list is read on its own first, so an
 * incomplete listing does not drop it from the call); after a rollback or a model write whose outcome is unknown the
 * next look reads the model afresh, and the engine points the model back where the rollout intends it. {@code Completed} is said only after
 * a final full read confirms it ({@link dev.osupgrade.event.RolloutCompleted#verification()}). When the look that
 * ended the last batch asks for that read at once and nothing was sent since, the model alone is read
 * ({@link ScaleSetPort#model}) in the same advance, at the same instant, and that look's listing stands for the
 * instances; a rollout resumed in between has no such listing and reads both, and so does one that let go an instance
 * it had asked to upgrade (that listing left it out).
 *
 * <p><b>Vanished instances.</b> An instance the rollout expects that is missing from a listing is not taken as gone:
 * the engine waits for it, and once it has been missing for a poll interval the runner reads it on its own
 * ({@link ScaleSetPort#instance}; at most {@link #MAX_DIRECT_READS} per look). Found, it is back in the look; not
 * found, it is confirmed gone (a confirmation the kernel needs before it settles the instance) and only then settled as removed. A fault-free
 * rollout makes no such read. (A listing shorter than the scale set's {@code sku.capacity} is not taken as a sign of
 * an incomplete one: on Azure the two differ in normal operation — capacity moves before instances are created or
 * deleted, overprovisioning lists extra instances for a while, instances being deleted are still listed, autoscale
 * changes capacity at any time — so the comparison would stall healthy rollouts, max surge's own scale-outs first.)
 *
 * <p><b>Fenced.</b> Immediately before every mutating call the runner renews its lease in the store
 * ({@link RolloutStore#renew}), and makes the call {@linkplain Fencing#under under a fence} that renews it again, so a
 * port checks it before each attempt. A replica that stalled past its lease sends nothing: it forgets its lease and its
 * state, and the next {@code advance()} takes the lease anew and reloads the checkpoint.
 *
 * <p><b>Governed by default.</b> On a production scale set — its tags say so ({@link Environment#of}), or it has no
 * environment tag at all — a rollout starts only with a complete {@linkplain Builder#readiness readiness record} and a
 * {@linkplain Builder#trust trust decision} on the target release, checked on the first {@link #advance()} before any
 * change; otherwise it is refused, naming owner, expected signal, rollout boundary and rollback path and what is
 * missing from each ({@link ReadinessIncompleteException}, {@link ImageNotTrustedException}, or
 * {@link RolloutRefusedException#TRUST_DECISION_MISSING}). A caller may opt out explicitly with a reason
 * ({@link Builder#ungoverned}): the event log's first event ({@link dev.osupgrade.event.GovernanceWaived}) and every
 * checkpoint record who opted out and why. Outside production nothing is asked.
 *
 * <p>Not thread-safe: drive one rollout from one thread at a time.
 */
public final class Rollout {
  /**
   * The most instances one look reads one by one to confirm that they are gone: 3. A look normally costs one listing
   * (Azure's "high cost get" bucket, about 10 per minute per scale set); a read of one scale set VM draws from the
   * VM get bucket (about 12 per minute per scale set, a burst of 36), so three per look at the default poll interval
   * of 30 seconds stay at half that bucket's refill, however many instances vanish at once. More missing at once is
   * a lost page (the first reads find the instances, and nothing is decided about the others) or a scale-in, which
   * is confirmed three per look. Not a stall: a stall would never end for a real scale-in of more than three.
   */
  public static final int MAX_DIRECT_READS = 3;

  /** The longest wait between two attempts of a stalled rollout, unless the cloud asks for longer (Retry-After). */
  public static final Duration MAX_STALL_BACKOFF = Duration.ofMinutes(5);

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
  /** A request was applied to the state in memory and is not saved yet: a look that changes nothing else saves it. */
  private boolean controlUnsaved;
  private final @Nullable CapacityPort capacity;
  private final @Nullable ImageCatalog catalog;
  private final @Nullable Environment environment;
  private final @Nullable ImageTrustPolicy trust;
  private final @Nullable ReadinessRecord readiness;
  private final @Nullable String ungovernedReason;
  /** The target release as the catalog has it, once {@link #checkTargetPublished} found it. */
  private @Nullable ImageRelease targetRelease;
  private RolloutState state;
  private @Nullable ScaleSet model;
  /** The model copy may be wrong (a rollback ran, a write failed): the next look reads it afresh. */
  private boolean modelStale;
  private boolean targetChecked;
  private @Nullable Lease lease;
  /**
   * When the kernel asked to look next, when that is further off than half the lease: advances before it only keep
   * the lease (no read of the fleet), so a rollout that waits for a batch stays the one that drives it.
   */
  private @Nullable Instant lookAt;
  private long checkpointVersion;
  /** Encodes checkpoints, reusing the lines of what did not change since the last save. */
  private final CheckpointCodec.Encoder encoder = new CheckpointCodec.Encoder();
  /** What the runner is doing, in words, for the stall it may cause. */
  private String doing = "reading the scale set";

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
    this.catalog = b.catalog != null ? b.catalog : b.fleet instanceof ImageCatalog c ? c : null;
    this.environment = b.environment;
    this.trust = b.trust;
    this.readiness = b.readiness;
    this.ungovernedReason = b.ungovernedReason;
    this.state = RolloutState.initial(b.scaleSet, target);
  }

  /**
   * Checks that an orchestrated rollout may drive this scale set to the target, without changing anything: automatic
   * OS upgrade must be off and the upgrade mode {@code Manual}. A {@link #advance()} checks it before the first
   * change; a ring checks it before a ring starts.
   *
   * @param fleet the scale set
   * @param target the version to roll out
   * @throws RolloutRefusedException naming the rule that refuses it
   */
  public static void checkCanStart(ScaleSet fleet, ImageVersion target) {
    RolloutEngine.checkCanStart(fleet, target);
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
   * Looks at the fleet, decides, acts, and says when to look again. Failures of the cloud's calls other than a
   * rejection stall the rollout instead of ending it (see the class description): the call returns when to try again,
   * and {@link #stall()} says why.
   *
   * @return when to call again (while stalled: when to try again); empty once the rollout has ended (or while it is
   *     paused, when only {@link #resume()} moves it on)
   * @throws RolloutRefusedException on the first call, when the scale set cannot be driven or the target version is
   *     not published in the scale set's region ({@link RolloutRefusedException#TARGET_VERSION_NOT_PUBLISHED}), or a
   *     production scale set has no trust decision ({@link RolloutRefusedException#TRUST_DECISION_MISSING});
   *     nothing is changed
   * @throws ReadinessIncompleteException on the first call, on a production scale set without a complete readiness
   *     record (and no {@linkplain Builder#ungoverned opt-out}); nothing is changed
   * @throws ImageNotTrustedException on the first call, on a production scale set whose trust policy refuses the
   *     target release; nothing is changed
   * @throws CloudException on the first call, when the cloud rejects a read as such ({@link CloudException#isRejection()});
   *     nothing is changed. Every other cloud failure, before the start too, stalls the rollout (status
   *     {@code NotStarted} until it can start) and is retried.
   * @throws dev.osupgrade.InvalidValueException if the clock reads a time the library cannot compute with (outside
   *     {@link Require#EARLIEST} to {@link Require#LATEST}); nothing is changed
   */
  public Optional<Instant> advance() {
    Instant now = Require.instant("clock.instant()", clock.instant());
    Optional<Instant> notLeader = takeLease(now);
    if (notLeader.isPresent()) {
      return notLeader;
    }
    Instant due = lookAt;
    if (due != null && now.isBefore(due) && !controlPending()) {
      return Optional.of(keepLease(now, due)); // the lease was renewed above; nothing to look at yet
    }
    lookAt = null;
    applyControl(now);
    if (state.status() == RolloutStatus.PAUSED && state.pauseRequested() && !state.cancelRequested()) {
      return Optional.empty();
    }
    try {
      return step(now);
    } catch (LeaseLostException e) {
      // The fence failed before a mutating call: nothing was sent. Another replica may drive now; forget everything.
      forget();
      return Optional.of(now.plus(leaseWait()));
    } catch (CloudException e) {
      return stall(now, e);
    }
  }

  private Optional<Instant> step(Instant now) {
    // 1. Actions decided in an earlier advance (a failed call, a crash): reconcile with a fresh read, send the rest.
    if (!state.outbox().isEmpty()) {
      ScaleSet fresh = read();
      if (!flush(now, fresh)) {
        return Optional.of(now.plus(engine.options().pollInterval()));
      }
    }
    if (state.status().isTerminal()) {
      return ended(now);
    }
    // 2. Look, decide.
    boolean full = model == null || modelStale || state.phase() == RolloutState.Phase.VERIFYING;
    ScaleSet observed = full ? read() : list();
    Optional<String> failedLook = RolloutEngine.failedLook(state, observed);
    if (failedLook.isPresent()) {
      model = null; // read the model afresh too next time
      return stalled(now, new Stall(Stall.EMPTY_LISTING, failedLook.get(), 0, doing, now, 1), Duration.ZERO);
    }
    if (state.status() == RolloutStatus.NOT_STARTED
        && engine.options().modelHandling() == RolloutOptions.ModelHandling.PIN_TARGET) {
      RolloutEngine.checkCanStart(observed, state.target());
      checkTargetPublished(observed);
      checkGoverned(observed, now);
    }
    Observation seen = look(now, observed, full);
    Decision decision = decide(seen);
    if (!commit(decision, now)) {
      return Optional.of(now.plus(engine.options().pollInterval()));
    }
    // 3. The actions just decided, from this look: nothing to reconcile.
    if (!flush(now, null)) {
      return Optional.of(now.plus(engine.options().pollInterval()));
    }
    // 4. The last batch ended on this listing and the kernel asks for the final full read at once: nothing was sent
    //    and no time passed since the listing, so only the model is read, and the listing stands for the instances.
    if (!full && finalReadDue(decision, now)) {
      Observation last = finalRead(now, seen);
      Optional<String> failedFinal = RolloutEngine.failedLook(state, last.fleet());
      if (failedFinal.isPresent()) {
        model = null;
        return stalled(now, new Stall(Stall.EMPTY_LISTING, failedFinal.get(), 0, doing, now, 1), Duration.ZERO);
      }
      decision = decide(last);
      if (!commit(decision, now)) {
        return Optional.of(now.plus(engine.options().pollInterval()));
      }
      if (!flush(now, null)) {
        return Optional.of(now.plus(engine.options().pollInterval()));
      }
    }
    if (state.status().isTerminal()) {
      return ended(now);
    }
    if (!clearStall(now)) {
      return Optional.of(now.plus(engine.options().pollInterval()));
    }
    if (state.status() == RolloutStatus.PAUSED) {
      return Optional.empty();
    }
    Instant next = decision.nextLook().orElse(now.plus(engine.options().pollInterval()));
    return Optional.of(keepLease(now, next));
  }

  /**
   * The next advance: the look the kernel asked for, or, when that is further off than half the lease, half a lease
   * from now, to renew the lease (and nothing else) until the look is due.
   */
  private Instant keepLease(Instant now, Instant look) {
    Instant renew = now.plus(leaseDuration.dividedBy(2));
    if (look.isAfter(renew)) {
      lookAt = look;
      return renew;
    }
    lookAt = null;
    return look;
  }

  /** A cancel, pause or resume the caller asked for and the state does not hold yet: look now. */
  private boolean controlPending() {
    return controlUnsaved || (cancelRequested && !state.cancelRequested())
        || (Boolean.TRUE.equals(pauseControl) && !state.pauseRequested())
        || (Boolean.FALSE.equals(pauseControl) && state.pauseRequested());
  }

  /** The rollout has ended and its outbox is empty: the stall (if any) is over, and the lease goes. */
  private Optional<Instant> ended(Instant now) {
    if (!clearStall(now)) {
      return Optional.of(now.plus(engine.options().pollInterval()));
    }
    releaseLease();
    return Optional.empty();
  }

  private boolean clearStall(Instant now) {
    return state.stall() == null || commit(RolloutEngine.stallCleared(state, now), now);
  }

  /**
   * A call failed. A rejection of the request as such ends the rollout (or, before it started, is thrown: nothing has
   * changed); everything else stalls it.
   */
  private Optional<Instant> stall(Instant now, CloudException e) {
    if (e.isRejection()) {
      if (state.status() == RolloutStatus.NOT_STARTED) {
        throw e;
      }
      Decision fault = engine.fault(RolloutEngine.dropOutbox(state), now, UpgradeError.of(
          StopCode.OPERATION_REJECTED, doing + " was rejected: [" + e.code() + "] " + e.getMessage()), model);
      if (!commit(fault, now)) {
        return Optional.of(now.plus(engine.options().pollInterval()));
      }
      return Optional.of(now); // carry out the fault's own actions (the model pointed back) at once
    }
    Duration retryAfter = e instanceof ThrottledException t ? t.retryAfter() : Duration.ZERO;
    String message = e.getMessage() == null ? e.code() : e.getMessage();
    return stalled(now, new Stall(e.code(), message, e.httpStatus(), doing, now, 1), retryAfter);
  }

  private Optional<Instant> stalled(Instant now, Stall failure, Duration retryAfter) {
    Decision decision = engine.stalled(state, now, failure, retryAfter, model);
    if (!commit(decision, now)) {
      return Optional.of(now.plus(engine.options().pollInterval()));
    }
    if (state.status().isTerminal()) {
      if (state.outbox().isEmpty()) {
        releaseLease();
        return Optional.empty();
      }
      return Optional.of(now); // faulted by the deadline: carry out the fault's own actions at once
    }
    return decision.nextLook().or(() -> Optional.of(now.plus(engine.options().pollInterval())));
  }

  /** Asks the rollout to cancel: the batch in flight finishes, then it ends {@code Cancelled}. */
  public void cancel() {
    cancelRequested = true;
    applyControl(clock.instant());
  }

  /** Asks the rollout to pause before its next batch; {@link #resume()} lets it go on. */
  public void pause() {
    pauseControl = Boolean.TRUE;
    applyControl(clock.instant());
  }

  /**
   * Lets a paused rollout go on. The time it was paused never counts toward its progress deadline. (A stalled
   * rollout needs no call to go on: the next {@link #advance()} tries again.)
   */
  public void resume() {
    pauseControl = Boolean.FALSE;
    applyControl(clock.instant());
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
  private void applyControl(Instant now) {
    RolloutState before = state;
    if (cancelRequested && !state.cancelRequested()) {
      state = RolloutEngine.requestCancel(state);
    }
    if (Boolean.TRUE.equals(pauseControl) && !state.pauseRequested()) {
      state = RolloutEngine.requestPause(state);
    } else if (Boolean.FALSE.equals(pauseControl) && state.pauseRequested()) {
      state = RolloutEngine.resume(state, now);
    }
    if (!state.equals(before)) {
      controlUnsaved = true; // the next look saves it, even one that changes nothing else
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

  /**
   * Says why the rollout cannot go on for now, if it is stalled: an infrastructure failure it keeps retrying. A
   * stalled rollout has not ended; its {@link #status()} is where it stands.
   *
   * @return the cause (code, message, what the rollout was doing, since when), or empty when it is not stalled
   */
  public Optional<Stall> stall() {
    return state.stallIfAny();
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

  /**
   * Says whether this rollout was started on a production scale set without governance, by whom and why (also when it
   * was resumed from a checkpoint by a rollout built without {@link Builder#ungoverned}).
   *
   * @return the opt-out, or empty when the rollout was governed, has not started, or its scale set is not production
   */
  public Optional<GovernanceWaiver> governanceWaiver() {
    return Optional.ofNullable(state.governanceWaiver());
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
        + state.errorIfAny().map(e -> ", " + e.code()).orElse("")
        + state.stallIfAny().map(st -> ", stalled [" + st.code() + "]").orElse("") + "]";
  }

  /** A full read: the model and the instances together. */
  private ScaleSet read() {
    doing = "reading the scale set";
    ScaleSet read = fleet.get(state.scaleSet());
    model = read;
    modelStale = false;
    return read;
  }

  /**
   * Says whether the decision just carried out asks for the rollout's final full read at once, with nothing sent
   * since the look it was decided on: the rollout verifies, the kernel wants to look again now, the model is not
   * in doubt, and no instance the rollout asked to upgrade was let go as gone (then the listing that ended the last
   * batch, which left it out, does not stand for it: the final read reads everything).
   */
  private boolean finalReadDue(Decision decision, Instant now) {
    return !state.status().isTerminal() && state.phase() == RolloutState.Phase.VERIFYING
        && state.outbox().isEmpty() && decision.actions().isEmpty() && model != null && !modelStale
        && decision.nextLook().filter(now::equals).isPresent() && !lostAfterItsRequest();
  }

  /** An instance the rollout asked to upgrade was settled as gone (left out of the looks, not found on its own). */
  private boolean lostAfterItsRequest() {
    for (InstanceProgress p : state.instances().values()) {
      if (p.stage() == InstanceStage.REMOVED && p.requestedAt() != null) {
        return true;
      }
    }
    return false;
  }

  /**
   * The final full read when a listing was taken at this same instant in this advance: the model read alone
   * ({@link ScaleSetPort#model}), with the instances of that listing (or those the port read with the model, when it
   * had to). A resumed rollout, or one whose last look was taken earlier, has no such listing and reads everything.
   */
  private Observation finalRead(Instant now, Observation listed) {
    doing = "reading the scale set's model";
    ScaleSet read = fleet.model(state.scaleSet());
    ScaleSet both = read.instances().isEmpty() ? read.withInstances(listed.fleet().instances()) : read;
    model = both;
    modelStale = false;
    return new Observation(now, both, null, true, listed.confirmedGone(), capacity != null, Map.of(),
        listed.readAlone());
  }

  /** A listing of the instances, with the model as last read or written. */
  private ScaleSet list() {
    doing = "reading the scale set";
    List<Instance> instances = fleet.listInstances(state.scaleSet());
    return Require.nonNull(model, "model").withInstances(instances);
  }

  /**
   * Before the first change: the target must be a version the catalog has published in the scale set's region (a
   * typo is refused here, not by the cloud's answer to the model change). Without a catalog there is no check.
   */
  private void checkTargetPublished(ScaleSet observed) {
    if (targetChecked || catalog == null) {
      return;
    }
    ImageReference wanted = observed.modelImage().withVersion(state.target());
    doing = "checking that " + state.target() + " is published";
    targetRelease = catalog.find(wanted, observed.region()).orElse(null);
    if (targetRelease == null) {
      ImageVersion below = null;
      ImageVersion above = null;
      for (ImageRelease r : catalog.listReleases(wanted, observed.region())) {
        ImageVersion v = r.version();
        if (v.compareTo(state.target()) < 0 && (below == null || v.compareTo(below) > 0)) {
          below = v;
        } else if (v.compareTo(state.target()) > 0 && (above == null || v.compareTo(above) < 0)) {
          above = v;
        }
      }
      throw new RolloutRefusedException(RolloutRefusedException.TARGET_VERSION_NOT_PUBLISHED, "version "
          + state.target() + " of " + wanted.withLatest() + " is not published in " + observed.region().name()
          + "; the nearest published versions are " + (below == null ? "none below" : below + " below") + " and "
          + (above == null ? "none above" : above + " above") + ". Nothing was changed.");
    }
    targetChecked = true;
  }

  /**
   * Before the first change, on a production scale set: a complete readiness record and a trusted target release, or
   * the caller's explicit opt-out, which the state then carries (the start records it in an event, every checkpoint
   * keeps it). A refusal releases the lease: nothing was changed.
   */
  private void checkGoverned(ScaleSet observed, Instant now) {
    Environment env = environment != null ? environment : Environment.of(observed);
    if (!env.isProduction()) {
      return;
    }
    if (ungovernedReason != null) {
      state = state.withGovernanceWaiver(new GovernanceWaiver(owner, ungovernedReason));
      return;
    }
    RollingUpgradePolicy policy = engine.options().explicitPolicy()
        .orElse(observed.upgradePolicy().rollingOrDefaults());
    ReadinessCheck check = ProductionReadiness.check(GovernedAction.START_ORCHESTRATED_ROLLOUT, observed, env,
        readiness, policy);
    ImageRelease release = targetRelease;
    TrustDecision decision = trust == null || release == null ? null : trust.evaluate(release, env, now);
    String trustLine = "  Image trust: " + (trust == null ? "no trust decision, no ImageTrustPolicy was given."
        : decision == null ? "no trust decision, there is no image catalog to find " + state.target() + " in."
        : decision.isTrusted() ? "trusted." : "not trusted, " + decision + ".");
    String howTo = "A scale set counts as production when its environment tag says so or when it has none. Give the "
        + "rollout readiness(record) and trust(policy), or opt out with ungoverned(reason), which the event log and "
        + "the checkpoint record.";
    if (!check.isAllowed()) {
      releaseLease();
      throw new ReadinessIncompleteException(check, trustLine + "\n" + howTo);
    }
    if (decision == null) {
      releaseLease();
      throw new RolloutRefusedException(RolloutRefusedException.TRUST_DECISION_MISSING, check.describe() + "\n"
          + trustLine + "\n" + howTo + "\nNothing was changed.");
    }
    if (!decision.isTrusted()) {
      releaseLease();
      throw new ImageNotTrustedException(decision);
    }
  }

  /**
   * Takes (or renews) the lease; on a new holding, reloads the checkpoint so that the rollout resumes where the last
   * holder stopped.
   */
  private Optional<Instant> takeLease(Instant now) {
    Optional<Lease> taken = store.tryAcquire(state.scaleSet(), owner, now, leaseDuration);
    if (taken.isEmpty()) {
      lease = null;
      return Optional.of(now.plus(leaseWait()));
    }
    boolean newHolding = lease == null || lease.token() != taken.get().token();
    lease = taken.get();
    if (newHolding) {
      reload();
    }
    return Optional.empty();
  }

  private Duration leaseWait() {
    return leaseDuration.compareTo(engine.options().pollInterval()) < 0 ? leaseDuration
        : engine.options().pollInterval();
  }

  /** The lease is lost: forget it and everything read under it; the next holding reloads the checkpoint. */
  private void forget() {
    lease = null;
    lookAt = null;
    model = null;
    modelStale = false;
  }

  private void reload() {
    controlUnsaved = false; // the requests stick: applied to the reloaded state again
    Optional<Checkpoint> saved = store.load(state.scaleSet());
    model = null;
    lookAt = null;
    if (saved.isEmpty()) {
      checkpointVersion = 0;
      return;
    }
    checkpointVersion = saved.get().version();
    RolloutState stored = RolloutState.decode(saved.get().data());
    if (!stored.scaleSet().equals(state.scaleSet())) {
      releaseLease();
      throw new OsUpgradeException(OsUpgradeException.CHECKPOINT_CORRUPT, "the store returned the checkpoint of " + stored.scaleSet()
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
    applyControl(clock.instant());
  }

  private void releaseLease() {
    if (lease != null) {
      store.release(lease);
      lease = null;
    }
  }

  /**
   * The fence of every mutating call: renews the lease, so that a replica whose lease expired (even if nobody took
   * it since) sends nothing.
   */
  private void renewLease() {
    Lease held = lease;
    if (held == null) {
      throw new LeaseLostException(owner + " holds no lease of " + state.scaleSet());
    }
    lease = store.renew(held, clock.instant(), leaseDuration);
  }

  /**
   * The observation of this look. Instances the rollout expects that have been missing from its looks for at least a
   * poll interval are read one by one ({@link ScaleSetPort#instance}), at most {@link #MAX_DIRECT_READS} per look,
   * those missing longest first: one found is put back into the look (it was only missing from the listing), one
   * not found is confirmed gone, and the rest wait for the next look.
   */
  private Observation look(Instant now, ScaleSet observed, boolean full) {
    Duration poll = engine.options().pollInterval();
    List<String> due = state.missingSince().entrySet().stream()
        .filter(e -> observed.instance(e.getKey()).isEmpty() && !now.isBefore(e.getValue().plus(poll)))
        .filter(e -> Optional.ofNullable(state.instances().get(e.getKey()))
            .map(InstanceProgress::readWhenMissing).orElse(false))
        .sorted(Map.Entry.<String, Instant>comparingByValue()
            .thenComparing(Map.Entry.comparingByKey(InstanceIds.ORDER)))
        .limit(MAX_DIRECT_READS)
        .map(Map.Entry::getKey)
        .toList();
    Set<String> gone = new TreeSet<>(InstanceIds.ORDER);
    List<Instance> found = new ArrayList<>();
    for (String id : due) {
      doing = "reading instance " + id + " of " + state.scaleSet() + " (missing from the listings since "
          + state.missingSince().get(id) + ")";
      fleet.instance(state.scaleSet(), id).ifPresentOrElse(found::add, () -> gone.add(id));
    }
    ScaleSet seen = found.isEmpty() ? observed : withInstances(observed, found);
    Set<String> readAlone = new TreeSet<>(InstanceIds.ORDER);
    found.forEach(i -> readAlone.add(i.instanceId()));
    return new Observation(now, seen, null, full, gone, capacity != null, Map.of(), readAlone);
  }

  /** The scale set with instances read one by one added to those it lists. */
  private static ScaleSet withInstances(ScaleSet listed, List<Instance> more) {
    List<Instance> all = new ArrayList<>(listed.instances());
    for (Instance i : more) {
      if (listed.instance(i.instanceId()).isEmpty()) {
        all.add(i);
      }
    }
    all.sort(java.util.Comparator.comparing(Instance::instanceId, InstanceIds.ORDER));
    return listed.withInstances(all);
  }

  /**
   * Before an action decided in an earlier advance is reconciled with a fresh read: the instances it names that the
   * read does not list are read one by one, so that an incomplete listing does not drop them from the call (an
   * instance a read of its own does not find is gone, and left out). Only on this path — after a failed call or a
   * crash — and only for the instances the listing lacks. Instances deleted on purpose (max surge) need no such read.
   */
  private ScaleSet withNamedInstances(ScaleSet fresh, RolloutAction action) {
    List<String> named = action instanceof RolloutAction.UpgradeInstances u ? u.instanceIds()
        : action instanceof RolloutAction.RollBackInstances r ? r.instanceIds() : List.of();
    List<Instance> found = new ArrayList<>();
    for (String id : named) {
      if (fresh.instance(id).isEmpty()) {
        doing = "reading instance " + id + " of " + state.scaleSet() + " (named by " + action + ", missing from the "
            + "listing)";
        fleet.instance(state.scaleSet(), id).ifPresent(found::add);
      }
    }
    return found.isEmpty() ? fresh : withInstances(fresh, found);
  }

  /**
   * Lets the kernel decide on a look, reading first what it asks for (what the step asks for): the capacity headroom
   * when a max-surge batch is about to go, the metric samples its gates read. The kernel never calls a port; a read
   * that fails stalls the rollout like any other.
   */
  private Decision decide(Observation look) {
    Observation seen = look;
    Decision decision = engine.decide(state, seen);
    for (int asked = 0; decision.needs() != null; asked++) {
      Decision.Needs needs = decision.needs();
      if (asked >= 3) {
        throw new IllegalStateException("the engine keeps asking for " + needs);
      }
      if (needs.headroom()) {
        doing = "reading the capacity headroom";
        seen = seen.withHeadroom(requireCapacity().headroom(state.scaleSet()));
      }
      Map<dev.osupgrade.health.MetricQuery, List<dev.osupgrade.port.MetricSample>> samples =
          new java.util.LinkedHashMap<>();
      for (dev.osupgrade.health.MetricQuery q : needs.metrics()) {
        doing = "reading " + q;
        samples.put(q, q.read());
      }
      seen = seen.withMetrics(samples);
      decision = engine.decide(state, seen);
    }
    return decision;
  }

  /** Saves the decision's state (compare-and-set, under the lease), then hands its events to the listeners. */
  private boolean commit(Decision decision, Instant now) {
    if (decision.events().isEmpty() && decision.state().equals(state) && !controlUnsaved) {
      return true; // nothing changed (a look that found a batch still in flight): the checkpoint stands as saved
    }
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
      checkpointVersion = store.save(Require.nonNull(lease, "lease"), checkpointVersion, encoder.encode(next), now)
          .version();
      state = next;
      controlUnsaved = false;
      if (next.status().isTerminal() && next.outbox().isEmpty()) {
        encoder.clear(); // a finished rollout saves little more: its remembered lines would only hold memory
      }
      return true;
    } catch (LeaseLostException | CheckpointConflictException e) {
      // Another replica took over: forget the in-memory state; the next advance reloads if it gets the lease back.
      forget();
      return false;
    }
  }

  /**
   * Runs the outbox in order. With {@code fresh} (a read made in this advance, for actions decided in an earlier
   * one), each action is first reconciled with it and only what the fleet still needs is sent. A rejection ends the
   * rollout; any other cloud failure is thrown, and stalls it with the action kept.
   *
   * @return false when the checkpoint could not be saved (the lease is lost)
   */
  private boolean flush(Instant now, @Nullable ScaleSet fresh) {
    ScaleSet seen = fresh;
    while (!state.outbox().isEmpty()) {
      RolloutAction action = state.outbox().get(0);
      if (action instanceof RolloutAction.ScaleOut out) {
        if (!commit(scaleOut(out), now)) {
          return false;
        }
        continue;
      }
      if (seen != null) {
        seen = withNamedInstances(seen, action);
      }
      Optional<RolloutAction> send = seen == null ? Optional.of(action)
          : RolloutEngine.remainder(action, seen, state.target());
      if (send.isPresent()) {
        try {
          execute(send.get());
        } catch (CloudException e) {
          if (!e.isRejection()) {
            throw e;
          }
          UpgradeError error = UpgradeError.of(StopCode.OPERATION_REJECTED, action + " was rejected: ["
              + e.code() + "] " + e.getMessage());
          if (!commit(engine.fault(RolloutEngine.dropOutbox(state), now, error, model), now)) {
            return false;
          }
          continue;
        }
        if (seen != null && send.get() instanceof RolloutAction.UpdateModelImage u) {
          seen = seen.withModelImage(u.image());
        }
      }
      if (!save(RolloutEngine.acknowledge(state, action, clock.instant()), now)) {
        return false;
      }
    }
    return true;
  }

  /** One mutating call, fenced: the lease is renewed right before it, and again by the port before each attempt. */
  private void execute(RolloutAction action) {
    ScaleSetId id = state.scaleSet();
    doing = action.toString();
    try {
      if (action instanceof RolloutAction.UpdateModelImage u) {
        Fencing.run(this::renewLease, () -> fleet.updateModelImage(id, u.image()));
        if (model != null) {
          model = model.withModelImage(u.image());
        }
      } else if (action instanceof RolloutAction.UpgradeInstances u) {
        Fencing.run(this::renewLease, () -> fleet.upgradeInstances(id, u.instanceIds()));
      } else if (action instanceof RolloutAction.RollBackInstances r) {
        modelStale = true; // a rollback may move the model (Azure's does, for a moment): read it afresh next
        Fencing.run(this::renewLease, () -> fleet.rollBackInstances(id, r.instanceIds(), r.image()));
      } else if (action instanceof RolloutAction.DeleteInstances del) {
        CapacityPort port = requireCapacity();
        Fencing.run(this::renewLease, () -> port.deleteInstances(id, del.instanceIds()));
      }
    } catch (CloudException e) {
      modelStale = true; // the outcome is unknown: the next look reads the model afresh
      throw e;
    }
  }

  /**
   * Creates the surge instances, counting those a crashed predecessor already created (instances that exist now but
   * were neither in the scale set when the action was decided nor known to the rollout), so a repeat creates no more.
   * A scale-out refused for want of capacity ({@link CloudException#isCapacityRefusal()}: quota, allocation, size) or
   * rejected as asked (400) falls back to in-place upgrades, as Azure does after its quota check; any other failure
   * (throttling, server errors, a lost credential, a conflicting operation) stalls the rollout, which says why and
   * tries the same batch again: an identity that may not scale out is not a reason to upgrade in place.
   */
  private Decision scaleOut(RolloutAction.ScaleOut out) {
    java.util.Set<String> before = new java.util.HashSet<>(out.existingIds());
    before.addAll(state.instances().keySet());
    List<String> created = new ArrayList<>();
    doing = "reading the scale set";
    for (Instance i : fleet.listInstances(state.scaleSet())) {
      if (!before.contains(i.instanceId())) {
        created.add(i.instanceId());
      }
    }
    if (created.size() < out.count()) {
      CapacityPort port = requireCapacity();
      int missing = out.count() - created.size();
      doing = out.toString();
      try {
        created.addAll(Fencing.under(this::renewLease, () -> port.scaleOut(state.scaleSet(), missing)));
      } catch (CloudException e) {
        if (e.isRetryable() || !(e.isCapacityRefusal() || e.isRejection())) {
          throw e;
        }
        return engine.surgeRejected(state, out, "[" + e.code() + "] " + e.getMessage(), clock.instant());
      }
    }
    return engine.acknowledgeScaleOut(state, out, dev.osupgrade.fleet.InstanceIds.sorted(created), clock.instant());
  }

  private CapacityPort requireCapacity() {
    if (capacity == null) {
      throw new IllegalStateException("a max-surge action needs a CapacityPort: pass one with capacity(...)");
    }
    return capacity;
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
    private @Nullable ImageCatalog catalog;
    private @Nullable Environment environment;
    private @Nullable ImageTrustPolicy trust;
    private @Nullable ReadinessRecord readiness;
    private @Nullable String ungovernedReason;

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
     * @param value the name, e.g. the host name: one line of at most 256 characters, without surrounding white
     *     space (it is written into the store's header)
     * @return this builder
     */
    public Builder owner(String value) {
      this.owner = Require.name("owner", value, 256);
      return this;
    }

    /**
     * Sets how long the lease lasts without renewal (default 5 minutes); a crashed replica's lease passes to
     * another after this long.
     *
     * @param value positive, at most 1 day
     * @return this builder
     */
    public Builder leaseDuration(Duration value) {
      this.leaseDuration = Require.positive("leaseDuration", value, Duration.ofDays(1));
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
     * @param value positive, at most {@link RolloutOptions#MAX_TIMEOUT} (1 day)
     * @return this builder
     */
    public Builder healthTimeout(Duration value) {
      options.healthTimeout(value);
      return this;
    }

    /**
     * Sets the poll interval while something is in flight.
     *
     * @param value positive, at most {@link RolloutOptions#MAX_TIMEOUT} (1 day)
     * @return this builder
     */
    public Builder pollInterval(Duration value) {
      options.pollInterval(value);
      return this;
    }

    /**
     * Sets how many looks a batch in flight is planned to take (see {@link RolloutOptions#looksPerBatch}): more looks,
     * a shorter rollout for more instance listings.
     *
     * @param value from {@link RolloutOptions#MIN_LOOKS_PER_BATCH} (1) to {@link RolloutOptions#MAX_LOOKS_PER_BATCH}
     *     (20)
     * @return this builder
     */
    public Builder looksPerBatch(int value) {
      options.looksPerBatch(value);
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
     * Adds a listener of the one listener type, {@link UpgradeListener}, that receives every event as it happens (the
     * same listener can be given to a {@link dev.osupgrade.governance.rings.RingRollout}). A lambda goes to
     * {@link #listener(RolloutListener)}.
     *
     * @param listener the listener
     * @return this builder
     */
    public Builder listener(UpgradeListener listener) {
      UpgradeListener l = Require.nonNull(listener, "listener");
      listeners.add(l instanceof RolloutListener r ? r : l::onEvent);
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
     * Sets the catalog the target version is checked in before the first change (by default the fleet itself, when
     * it implements {@link ImageCatalog}, as the simulated fleet and the Azure adapter do). A version the catalog has
     * never published in the scale set's region is refused with
     * {@link RolloutRefusedException#TARGET_VERSION_NOT_PUBLISHED} before anything changes. Without a catalog there is
     * no such check: the cloud's answer to the model change is the first word on the version.
     *
     * @param value the catalog
     * @return this builder
     */
    public Builder catalog(ImageCatalog value) {
      this.catalog = Require.nonNull(value, "catalog");
      return this;
    }

    /**
     * Gives the scale set's readiness record (owner, expected signal, rollout boundary, rollback path). On a
     * production scale set the rollout starts only with a complete one that fits the scale set, and a trust decision
     * ({@link #trust}); outside production it is not asked.
     *
     * @param record the record
     * @return this builder
     */
    public Builder readiness(ReadinessRecord record) {
      this.readiness = Require.nonNull(record, "readiness");
      return this;
    }

    /**
     * Sets the image trust policy the target release must pass on a production scale set before the rollout starts
     * (the release is looked up in the {@link #catalog}). The policy is asked once, before the first change; to ask it
     * again before every batch (a version quarantined elsewhere stops the rollout), add a
     * {@link dev.osupgrade.governance.GovernanceGate} as a {@link #gate}.
     *
     * @param policy the policy
     * @return this builder
     */
    public Builder trust(ImageTrustPolicy policy) {
      this.trust = Require.nonNull(policy, "trust");
      return this;
    }

    /**
     * Says which environment the scale set serves, instead of what its tags say ({@link Environment#of}: an
     * {@code environment}, {@code env} or {@code stage} tag; no such tag means production).
     *
     * @param value the environment
     * @return this builder
     */
    public Builder environment(Environment value) {
      this.environment = Require.nonNull(value, "environment");
      return this;
    }

    /**
     * Opts out of production governance explicitly: on a production scale set the rollout starts without a readiness
     * record and a trust decision. The opt-out is recorded — the rollout's first event
     * ({@link dev.osupgrade.event.GovernanceWaived}) names who opted out (this replica, {@link #owner}) and why, and
     * every checkpoint keeps it, so a rollout resumed from the store still knows. Outside production it changes
     * nothing and is not recorded. Cannot be combined with {@link #readiness} or {@link #trust}.
     *
     * @param reason why, in words an auditor reads (the incident, the ticket, who decided): one line of at most
     *     {@link GovernanceWaiver#MAX_REASON} characters, without surrounding white space
     * @return this builder
     */
    public Builder ungoverned(String reason) {
      this.ungovernedReason = Require.name("reason", reason, GovernanceWaiver.MAX_REASON);
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
     * @param value positive, longer than the instance upgrade timeout, at most
     *     {@link RolloutOptions#MAX_PROGRESS_DEADLINE} (90 days)
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
      if (ungovernedReason != null && (readiness != null || trust != null)) {
        throw new IllegalStateException("ungoverned(reason) opts out of the readiness record and the trust decision: "
            + "give either ungoverned(reason) or readiness(record) and trust(policy), not both");
      }
      return new Rollout(this, version);
    }
  }
}
