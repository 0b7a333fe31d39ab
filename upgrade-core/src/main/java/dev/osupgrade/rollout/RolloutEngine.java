package dev.osupgrade.rollout;

import dev.osupgrade.Durations;
import dev.osupgrade.Require;
import dev.osupgrade.event.BatchCompleted;
import dev.osupgrade.event.BatchSkipped;
import dev.osupgrade.event.BatchStarted;
import dev.osupgrade.event.GateEvaluated;
import dev.osupgrade.event.GovernanceWaived;
import dev.osupgrade.event.InstanceFailed;
import dev.osupgrade.event.InstanceHealthy;
import dev.osupgrade.event.InstanceRolledBack;
import dev.osupgrade.event.InstanceUpgraded;
import dev.osupgrade.event.ModelImageChanged;
import dev.osupgrade.event.RolloutCompleted;
import dev.osupgrade.event.RolloutEvent;
import dev.osupgrade.event.RolloutCancelled;
import dev.osupgrade.event.RolloutFaulted;
import dev.osupgrade.event.RolloutPaused;
import dev.osupgrade.event.RolloutResumed;
import dev.osupgrade.event.InstanceReplaced;
import dev.osupgrade.event.PlanExtended;
import dev.osupgrade.event.RolloutStallCleared;
import dev.osupgrade.event.RolloutStalled;
import dev.osupgrade.event.RolloutStarted;
import dev.osupgrade.event.SurgeFallback;
import dev.osupgrade.event.SurgeInstancesCreated;
import dev.osupgrade.fleet.HealthState;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.InstanceIds;
import dev.osupgrade.fleet.ProvisioningState;
import dev.osupgrade.fleet.ScaleSet;
import dev.osupgrade.fleet.Zone;
import dev.osupgrade.governance.GovernanceWaiver;
import dev.osupgrade.health.FleetUnhealthyGate;
import dev.osupgrade.health.GateContext;
import dev.osupgrade.health.GatePhase;
import dev.osupgrade.health.GateVerdict;
import dev.osupgrade.health.HealthGate;
import dev.osupgrade.health.UpgradedUnhealthyGate;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.image.ImageVersion;
import dev.osupgrade.ops.ErrorCodes;
import dev.osupgrade.ops.FleetVerification;
import dev.osupgrade.ops.RollbackInfo;
import dev.osupgrade.ops.RolloutStatus;
import dev.osupgrade.ops.Stall;
import dev.osupgrade.ops.UpgradeError;
import dev.osupgrade.plan.Batch;
import dev.osupgrade.plan.BatchPlanner;
import dev.osupgrade.plan.RolloutPlan;
import dev.osupgrade.policy.RollingUpgradePolicy;
import dev.osupgrade.policy.UpgradeMode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.LongFunction;
import org.jspecify.annotations.Nullable;

/**
 * The rollout's decision step: a pure function from (state, observation) to a {@link Decision}. It applies Azure's
 * rules in this order:
 *
 * <ol>
 *   <li>Before every batch, the gates: {@link FleetUnhealthyGate} (more than {@code maxUnhealthyInstancePercent} of
 *       the whole set unhealthy stops the rollout) and any user gate.</li>
 *   <li>The batch is sent in one action; instances already on the target, protected or gone are left out.</li>
 *   <li>Each instance must reach the target image and then report Healthy. Unhealthy or Unknown for longer than the
 *       health timeout fails it; Initializing waits, up to the instance upgrade timeout. A failed instance is
 *       restored to its previous image unless automatic rollback is off.</li>
 *   <li>When every instance of the batch has settled, the after-batch gates: {@link UpgradedUnhealthyGate} (more
 *       than {@code maxUnhealthyUpgradedInstancePercent} of the upgraded instances unhealthy stops the rollout) and
 *       any user gate.</li>
 *   <li>{@code pauseTimeBetweenBatches}, then the next batch; after the last, {@code Completed}.</li>
 * </ol>
 *
 * <p>A stopped rollout is {@code Faulted} with Azure's code; by default the model is pointed back at its previous
 * image so that new instances do not take the failing one (instances upgraded successfully keep the new image and
 * then show {@code latestModelApplied=false}).
 *
 * <p>What the engine never takes from a listing: an instance missing from it is only dropped when a read of the
 * instance itself confirms it gone ({@link Observation#confirmedGone()}; the runner makes that read once the instance
 * has been missing for a poll interval), since a listing can be incomplete the same way twice; a listing with no instance at all while the rollout expects some is a
 * failed look ({@link #failedLook}); the model is compared with the one the rollout intends on every look and pointed
 * back when it is found elsewhere; and {@code Completed} is said only on a full read (model and instances together)
 * that shows the model on the target and every instance on the target and healthy, or explains each one that is not
 * ({@link FleetVerification}).
 *
 * <p>Infrastructure failures of the runner's calls are not the engine's to judge one by one: the runner reports each
 * through {@link #stalled}, which keeps the rollout resumable and applies the one progress deadline
 * ({@link #progressDeadline}).
 */
public final class RolloutEngine {
  private static final int MAX_TRANSITIONS_PER_STEP = 10_000;
  /** The longest wait between two attempts of a stalled rollout, unless the cloud asks for longer (Retry-After). */
  public static final Duration MAX_STALL_BACKOFF = Duration.ofMinutes(5);

  private final RolloutOptions options;
  private final List<HealthGate> beforeGates;
  private final List<HealthGate> afterGates;

  /**
   * Creates an engine.
   *
   * @param options how rollouts behave
   */
  public RolloutEngine(RolloutOptions options) {
    this.options = Require.nonNull(options, "options");
    List<HealthGate> all = new ArrayList<>();
    all.add(new FleetUnhealthyGate());
    all.add(new UpgradedUnhealthyGate());
    all.addAll(options.gates());
    this.beforeGates = all.stream().filter(g -> g.appliesTo(GatePhase.BEFORE_BATCH)).toList();
    this.afterGates = all.stream().filter(g -> g.appliesTo(GatePhase.AFTER_BATCH)).toList();
  }

  /** @return the options this engine runs with */
  public RolloutOptions options() {
    return options;
  }

  /**
   * Checks that an orchestrated rollout may drive this scale set to the target, without changing anything.
   *
   * @param fleet the scale set
   * @param target the version to roll out
   * @throws RolloutRefusedException naming the rule that refuses it
   */
  public static void checkCanStart(ScaleSet fleet, ImageVersion target) {
    Require.nonNull(fleet, "fleet");
    Require.nonNull(target, "target");
    if (fleet.upgradePolicy().automaticOsUpgrade().enableAutomaticOSUpgrade()) {
      throw new RolloutRefusedException(RolloutRefusedException.AUTOMATIC_OS_UPGRADE_ENABLED,
          fleet.id() + " has automatic OS upgrade enabled, so Azure drives its OS upgrades; an orchestrated "
              + "rollout would fight it. Disable enableAutomaticOSUpgrade first, or govern the platform upgrade "
              + "instead.");
    }
    UpgradeMode mode = fleet.upgradePolicy().mode();
    if (!mode.isKnown()) {
      throw new RolloutRefusedException(RolloutRefusedException.UPGRADE_MODE_UNKNOWN,
          fleet.id() + " has upgrade mode '" + mode.azureName() + "', which this library does not know; Azure may "
              + "apply a model change to its instances by itself in it. Set upgradePolicy.mode to Manual for an "
              + "orchestrated rollout.");
    }
    if (!mode.equals(UpgradeMode.MANUAL)) {
      throw new RolloutRefusedException(RolloutRefusedException.UPGRADE_MODE_NOT_MANUAL,
          fleet.id() + " has upgrade mode " + fleet.upgradePolicy().mode().azureName() + ", so Azure would apply "
              + "the model change to its instances by itself. Set upgradePolicy.mode to Manual for an orchestrated "
              + "rollout.");
    }
  }

  /**
   * Takes one step.
   *
   * @param state the state after the previous step
   * @param observation what the runner sees now
   * @return the new state, the actions to run, the events emitted and when to look again
   */
  public Decision decide(RolloutState state, Observation observation) {
    Require.nonNull(state, "state");
    Require.nonNull(observation, "observation");
    Step step = new Step(state, observation);
    step.run();
    return step.finish();
  }

  /**
   * Stops a rollout with an error that came from outside the decision step (a rejected call, an unreadable fleet).
   *
   * @param state the current state
   * @param now the time
   * @param error the error
   * @param fleet the last known snapshot of the scale set, used to revert its model; null if unknown
   * @return the decision
   */
  public Decision fault(RolloutState state, Instant now, UpgradeError error, @Nullable ScaleSet fleet) {
    Require.nonNull(state, "state");
    Require.nonNull(now, "now");
    Require.nonNull(error, "error");
    if (state.status().isTerminal()) {
      return new Decision(state, List.of(), List.of(), null);
    }
    Step step = new Step(state, fleet == null ? null : new Observation(now, fleet), now);
    step.fault(error);
    return step.finish();
  }

  /**
   * Removes an action from the outbox once the port confirmed it.
   *
   * @param state the state
   * @param action the confirmed action
   * @return the new state
   */
  public static RolloutState acknowledge(RolloutState state, RolloutAction action) {
    Require.nonNull(state, "state");
    Require.nonNull(action, "action");
    RolloutState.Draft d = new RolloutState.Draft(state);
    d.outbox.remove(action);
    return d.build();
  }

  /**
   * Removes an action from the outbox once the port accepted it, and starts the instances' timeouts from that moment
   * (a call held back by throttling does not eat into the time the instances have to upgrade).
   *
   * @param state the state
   * @param action the confirmed action
   * @param acceptedAt when the port accepted the call
   * @return the new state
   */
  public static RolloutState acknowledge(RolloutState state, RolloutAction action, Instant acceptedAt) {
    Require.nonNull(state, "state");
    Require.nonNull(action, "action");
    Require.nonNull(acceptedAt, "acceptedAt");
    RolloutState.Draft d = new RolloutState.Draft(state);
    d.outbox.remove(action);
    List<String> ids = action instanceof RolloutAction.UpgradeInstances u ? u.instanceIds()
        : action instanceof RolloutAction.RollBackInstances r ? r.instanceIds() : List.of();
    InstanceStage stage = action instanceof RolloutAction.UpgradeInstances ? InstanceStage.UPGRADING
        : InstanceStage.ROLLING_BACK;
    for (String id : ids) {
      InstanceProgress p = d.instances.get(id);
      if (p != null && p.stage() == stage && p.requestedAt() != null && p.requestedAt().isBefore(acceptedAt)) {
        d.instances.put(id, p.requested(stage, acceptedAt));
      }
    }
    return d.build();
  }

  /**
   * Records the instances a {@link RolloutAction.ScaleOut} created, pairs them with the instances they replace, and
   * removes the action from the outbox.
   *
   * @param state the state
   * @param action the confirmed action
   * @param created the new instances' ids, at least as many as the action asked for
   * @param now the time
   * @return the new state and a {@link SurgeInstancesCreated} event
   */
  public Decision acknowledgeScaleOut(RolloutState state, RolloutAction.ScaleOut action, List<String> created,
      Instant now) {
    Require.nonNull(state, "state");
    Require.nonNull(action, "action");
    Require.noNulls("created", created);
    Require.nonNull(now, "now");
    for (String replaced : action.replacing()) {
      Require.that(state.instances().containsKey(replaced), "action", "replacing instances of this rollout",
          replaced);
    }
    Require.that(created.size() >= action.count(), "created", "at least " + action.count() + " instance ids",
        created);
    RolloutState.Draft d = new RolloutState.Draft(state);
    d.outbox.remove(action);
    List<String> ids = created.subList(0, action.count());
    int batch = d.batch;
    for (int k = 0; k < ids.size(); k++) {
      InstanceProgress old = Objects.requireNonNull(d.instances.get(action.replacing().get(k)),
          "replaced instance");
      batch = old.batch();
      d.instances.put(ids.get(k), new InstanceProgress(ids.get(k), old.batch(), old.previousImage(),
          InstanceStage.UPGRADING, now, null, null, old.instanceId()));
    }
    d.lastSequence++;
    RolloutEvent event = new SurgeInstancesCreated(d.lastSequence, now, d.scaleSet, batch, ids, action.replacing());
    return new Decision(d.build(), List.of(), List.of(event), null);
  }

  /**
   * A scale-out for max surge was refused for good (allocation failure, quota): the batch is upgraded in place
   * instead, as Azure falls back when it cannot surge.
   *
   * @param state the state
   * @param action the refused action
   * @param reason the cloud's error, in words
   * @param now the time
   * @return the new state, an {@link RolloutAction.UpgradeInstances} for the batch, and a {@link SurgeFallback}
   */
  public Decision surgeRejected(RolloutState state, RolloutAction.ScaleOut action, String reason, Instant now) {
    Require.nonNull(state, "state");
    Require.nonNull(action, "action");
    Require.nonNull(reason, "reason");
    Require.nonNull(now, "now");
    RolloutState.Draft d = new RolloutState.Draft(state);
    d.outbox.remove(action);
    int batch = d.batch;
    for (String id : action.replacing()) {
      InstanceProgress p = d.instances.get(id);
      if (p != null && p.stage() == InstanceStage.REPLACING) {
        d.instances.put(id, p.requested(InstanceStage.UPGRADING, now));
        batch = p.batch();
      }
    }
    RolloutAction upgrade = new RolloutAction.UpgradeInstances(action.replacing());
    d.outbox.add(upgrade);
    d.lastSequence++;
    RolloutEvent event = new SurgeFallback(d.lastSequence, now, d.scaleSet, batch, action.count(), -1,
        "creating the surge instances failed: " + reason);
    return new Decision(d.build(), List.of(upgrade), List.of(event), null);
  }

  /**
   * Asks the rollout to cancel: the batch in flight finishes, then the rollout ends {@code Cancelled}.
   *
   * @param state the state
   * @return the new state
   */
  public static RolloutState requestCancel(RolloutState state) {
    Require.nonNull(state, "state");
    RolloutState.Draft d = new RolloutState.Draft(state);
    d.cancelRequested = true;
    return d.build();
  }

  /**
   * Asks the rollout to pause before its next batch.
   *
   * @param state the state
   * @return the new state
   */
  public static RolloutState requestPause(RolloutState state) {
    Require.nonNull(state, "state");
    RolloutState.Draft d = new RolloutState.Draft(state);
    d.pauseRequested = true;
    return d.build();
  }

  /**
   * Lets a paused rollout go on from a moment: the progress deadline counts again from then, so the time the caller
   * held the rollout never counts as a lack of progress.
   *
   * @param state the state
   * @param now when the caller resumed it
   * @return the new state
   */
  public static RolloutState resume(RolloutState state, Instant now) {
    Require.nonNull(state, "state");
    Require.nonNull(now, "now");
    RolloutState.Draft d = new RolloutState.Draft(state);
    if (d.pauseRequested && d.status == RolloutStatus.PAUSED) {
      d.lastProgressAt = now;
    }
    d.pauseRequested = false;
    return d.build();
  }

  /**
   * When the rollout's progress deadline passes, by the one rule every part of the library applies: the deadline
   * counts from the last progress (an instance settled, a batch started, the rollout resumed), and the time the rollout
   * waits on purpose never counts — paused by the caller, pausing between batches until {@code pauseTimeBetweenBatches}
   * is over, waiting on a gate (a closed maintenance window). Before a rollout has started it counts from the start of
   * a stall; once it has ended, from its end (for actions it could not carry out yet).
   *
   * @param state the state
   * @return the moment, or empty while nothing counts (paused by the caller, or not started and not stalled)
   */
  public Optional<Instant> progressDeadline(RolloutState state) {
    Require.nonNull(state, "state");
    return Optional.ofNullable(deadlineAt(state.status(), state.phase(), state.pauseRequested(),
        state.lastProgressAt(), state.pauseUntil(), state.stall(), state.endedAt()));
  }

  private @Nullable Instant deadlineAt(RolloutStatus status, RolloutState.Phase phase, boolean pauseRequested,
      @Nullable Instant lastProgressAt, @Nullable Instant pauseUntil, @Nullable Stall stall,
      @Nullable Instant endedAt) {
    Duration deadline = options.progressDeadline();
    if (status.isTerminal()) {
      Instant from = endedAt != null ? endedAt : stall != null ? stall.since() : null;
      return from == null ? null : from.plus(deadline);
    }
    if (status == RolloutStatus.PAUSED && pauseRequested) {
      return null;
    }
    if (status == RolloutStatus.NOT_STARTED || lastProgressAt == null) {
      return stall == null ? null : stall.since().plus(deadline);
    }
    Instant from = lastProgressAt;
    if (phase == RolloutState.Phase.PAUSING && pauseUntil != null && pauseUntil.isAfter(from)) {
      from = pauseUntil;
    }
    return from.plus(deadline);
  }

  /**
   * Records that a call of the runner failed for a reason that may pass (anything but a rejection of the request as
   * such): the rollout stays as it is, resumable, with the cause in {@link RolloutState#stall()}, and is looked at
   * again after a back-off — the cloud's {@code Retry-After} when it named one, else the poll interval doubling per
   * attempt up to {@link #MAX_STALL_BACKOFF}. A {@link RolloutStalled} event is emitted when the stall begins and
   * when its cause changes, not on every retry. Once the {@linkplain #progressDeadline progress deadline} has passed,
   * the rollout faults with {@code RollingUpgradeTimeoutError} instead (the actions not carried out are dropped and the
   * model pointed back, as on any fault); a rollout that had already ended gives up the actions it could not carry
   * out, with a {@link RolloutStallCleared} event naming them.
   *
   * @param state the state
   * @param now the time
   * @param failure the failure ({@link Stall#since()} and {@link Stall#attempts()} are taken from the stall in
   *     progress, if any)
   * @param retryAfter how long the cloud asked to wait, or {@link Duration#ZERO}
   * @param lastKnown the last snapshot of the scale set the runner has, used to point the model back on a fault; null
   *     if none
   * @return the new state, its events and when to try again (none once the rollout has ended)
   */
  public Decision stalled(RolloutState state, Instant now, Stall failure, Duration retryAfter,
      @Nullable ScaleSet lastKnown) {
    Require.nonNull(state, "state");
    Require.instant("now", now);
    Require.nonNull(failure, "failure");
    Require.nonNegative("retryAfter", retryAfter, dev.osupgrade.port.ThrottledException.MAX_RETRY_AFTER);
    Stall previous = state.stall();
    Stall merged = previous == null
        ? new Stall(failure.code(), failure.message(), failure.httpStatus(), failure.during(), now, 1)
        : new Stall(failure.code(), failure.message(), failure.httpStatus(), failure.during(), previous.since(),
            previous.attempts() + 1);
    RolloutState.Draft d = new RolloutState.Draft(state);
    d.stall = merged;
    RolloutState stalled = d.build();
    Instant deadline = progressDeadline(stalled).orElse(null);
    if (deadline != null && !now.isBefore(deadline)) {
      return giveUp(stalled, merged, now, lastKnown);
    }
    List<RolloutEvent> events = new ArrayList<>();
    if (previous == null || !previous.sameCause(merged)) {
      d.lastSequence++;
      events.add(new RolloutStalled(d.lastSequence, now, d.scaleSet, merged));
    }
    Instant retry = now.plus(backoff(merged.attempts(), retryAfter));
    if (deadline != null && deadline.isAfter(now) && deadline.isBefore(retry)) {
      retry = deadline; // be there when the deadline passes
    }
    return new Decision(d.build(), List.of(), events, retry);
  }

  private Decision giveUp(RolloutState stalled, Stall cause, Instant now, @Nullable ScaleSet lastKnown) {
    RolloutState.Draft d = new RolloutState.Draft(dropOutbox(stalled));
    d.stall = null;
    if (stalled.status().isTerminal()) {
      String undone = stalled.outbox().stream().map(Object::toString).reduce((a, b) -> a + "; " + b)
          .orElse("nothing");
      d.lastSequence++;
      RolloutEvent event = new RolloutStallCleared(d.lastSequence, now, d.scaleSet, cause, cause.duration(now),
          "gave up after the progress deadline of " + Durations.words(options.progressDeadline()) + "; not carried out: " + undone);
      return new Decision(d.build(), List.of(), List.of(event), null);
    }
    UpgradeError error = new UpgradeError(ErrorCodes.TIMEOUT, "The rolling upgrade made no progress for "
        + Durations.words(options.progressDeadline()) + ": stalled since " + cause.since() + " " + cause.during() + " ("
        + cause.attempts() + " failed attempt(s); last error: [" + cause.code() + "] " + cause.message() + ").");
    return fault(d.build(), now, error, lastKnown);
  }

  private Duration backoff(int attempts, Duration retryAfter) {
    Duration poll = options.pollInterval();
    if (!retryAfter.isZero()) {
      return retryAfter.compareTo(poll) > 0 ? retryAfter : poll;
    }
    Duration cap = poll.compareTo(MAX_STALL_BACKOFF) > 0 ? poll : MAX_STALL_BACKOFF;
    Duration wait = poll;
    for (int k = 1; k < attempts && wait.compareTo(cap) < 0; k++) {
      wait = wait.multipliedBy(2);
    }
    return wait.compareTo(cap) > 0 ? cap : wait;
  }

  /**
   * Records that the calls go through again after a stall.
   *
   * @param state the state
   * @param now the time
   * @return the state without its stall and a {@link RolloutStallCleared} event; the state as it is when it was not
   *     stalled
   */
  public static Decision stallCleared(RolloutState state, Instant now) {
    Require.nonNull(state, "state");
    Require.nonNull(now, "now");
    Stall stall = state.stall();
    if (stall == null) {
      return new Decision(state, List.of(), List.of(), null);
    }
    RolloutState.Draft d = new RolloutState.Draft(state);
    d.stall = null;
    d.lastSequence++;
    RolloutEvent event = new RolloutStallCleared(d.lastSequence, now, d.scaleSet, stall, stall.duration(now),
        "the calls go through again; the rollout goes on");
    return new Decision(d.build(), List.of(), List.of(event), null);
  }

  /**
   * Says whether a look is to be trusted: a look that lists no instance at all while the rollout still expects some
   * is a failed look (an empty page, a glitch), never "every instance was removed".
   *
   * @param state the state
   * @param observed what the look showed
   * @return why the look failed, or empty when it can be used
   */
  public static Optional<String> failedLook(RolloutState state, ScaleSet observed) {
    Require.nonNull(state, "state");
    Require.nonNull(observed, "observed");
    if (!observed.instances().isEmpty()) {
      return Optional.empty();
    }
    long expected = state.instances().values().stream()
        .filter(p -> p.isSurge() ? !p.stage().isSettled()
            : p.stage() != InstanceStage.REMOVED && p.stage() != InstanceStage.REPLACED)
        .count();
    return expected == 0 ? Optional.empty() : Optional.of("the look listed no instance of " + state.scaleSet()
        + " while the rollout expects " + expected + "; an empty listing is not taken as every instance removed");
  }

  /**
   * Reconciles an action decided in an earlier step (its previous attempt may have been applied with the answer lost,
   * or the runner crashed after sending it) with a fresh read of the scale set, so that a repeat sends only what the
   * fleet still needs: a model change only if the model is not already on the image, an upgrade only to instances not
   * already on the target and not being updated, a rollback only to instances not already on their previous image and
   * not being updated, a delete only of instances that still exist.
   *
   * @param action the action
   * @param fresh the scale set as just read (model and instances)
   * @param target the rollout's target version
   * @return what is still to be sent, or empty when nothing is
   */
  public static Optional<RolloutAction> remainder(RolloutAction action, ScaleSet fresh, ImageVersion target) {
    Require.nonNull(action, "action");
    Require.nonNull(fresh, "fresh");
    Require.nonNull(target, "target");
    if (action instanceof RolloutAction.UpdateModelImage u) {
      return fresh.modelImage().equals(u.image()) ? Optional.empty() : Optional.of(u);
    }
    if (action instanceof RolloutAction.UpgradeInstances u) {
      // an instance protected since (instance protection, a ReadOnly lock) is left alone, as upgrades leave it
      List<String> ids = u.instanceIds().stream().filter(id -> fresh.instance(id)
          .map(i -> !i.runs(target) && !busy(i) && !i.protectedFromUpgrade()).orElse(false)).toList();
      return ids.isEmpty() ? Optional.empty()
          : Optional.of(ids.size() == u.instanceIds().size() ? u : new RolloutAction.UpgradeInstances(ids));
    }
    if (action instanceof RolloutAction.RollBackInstances r) {
      ImageVersion previous = r.image().version().orElseThrow();
      List<String> ids = r.instanceIds().stream().filter(id -> fresh.instance(id)
          .map(i -> !i.runs(previous) && !busy(i)).orElse(false)).toList();
      return ids.isEmpty() ? Optional.empty()
          : Optional.of(ids.size() == r.instanceIds().size() ? r : new RolloutAction.RollBackInstances(ids, r.image()));
    }
    if (action instanceof RolloutAction.DeleteInstances del) {
      List<String> ids = del.instanceIds().stream().filter(id -> fresh.instance(id).isPresent()).toList();
      return ids.isEmpty() ? Optional.empty()
          : Optional.of(ids.size() == del.instanceIds().size() ? del : new RolloutAction.DeleteInstances(ids));
    }
    return Optional.of(action); // a scale-out counts the instances a previous attempt created (see ScaleOut)
  }

  private static boolean busy(Instance i) {
    ProvisioningState s = i.provisioningState();
    return s == ProvisioningState.UPDATING || s == ProvisioningState.CREATING || s == ProvisioningState.DELETING;
  }

  /**
   * Drops every action not yet confirmed: used when a call was rejected for good, so that later intents (decided
   * before the rejection) are not carried out.
   *
   * @param state the state
   * @return the new state with an empty outbox
   */
  public static RolloutState dropOutbox(RolloutState state) {
    Require.nonNull(state, "state");
    RolloutState.Draft d = new RolloutState.Draft(state);
    for (RolloutAction a : d.outbox) {
      // Instances whose call is dropped were never touched: they go back to where they were.
      if (a instanceof RolloutAction.UpgradeInstances u) {
        revert(d, u.instanceIds(), InstanceStage.UPGRADING, InstanceStage.PENDING);
      } else if (a instanceof RolloutAction.ScaleOut o) {
        revert(d, o.replacing(), InstanceStage.REPLACING, InstanceStage.PENDING);
      } else if (a instanceof RolloutAction.RollBackInstances r) {
        revert(d, r.instanceIds(), InstanceStage.ROLLING_BACK, InstanceStage.FAILED);
      }
    }
    d.outbox.clear();
    return d.build();
  }

  private static void revert(RolloutState.Draft d, List<String> ids, InstanceStage from, InstanceStage to) {
    for (String id : ids) {
      InstanceProgress p = d.instances.get(id);
      if (p != null && p.stage() == from) {
        d.instances.put(id, to == InstanceStage.PENDING
            ? InstanceProgress.pending(p.instanceId(), p.batch(), p.previousImage())
            : p.settled(to, Objects.requireNonNull(p.requestedAt())));
      }
    }
  }

  /** One step's working area. */
  private final class Step {
    private final RolloutState.Draft d;
    private final @Nullable Observation obs;
    private final Instant now;
    private final List<RolloutAction> actions = new ArrayList<>();
    private final List<RolloutEvent> events = new ArrayList<>();
    private @Nullable Instant wakeAt;
    private boolean yield;

    Step(RolloutState state, Observation observation) {
      this(state, observation, observation.now());
    }

    Step(RolloutState state, @Nullable Observation observation, Instant now) {
      this.d = new RolloutState.Draft(state);
      this.obs = observation;
      this.now = now;
    }

    private Observation obs() {
      return Objects.requireNonNull(obs, "observation");
    }

    private ScaleSet fleet() {
      return obs().fleet();
    }

    void run() {
      if (d.status.isTerminal()) {
        return;
      }
      // An instance that was missing from an earlier look and is back was never gone; one that has settled meanwhile
      // needs no confirmation any more.
      d.missingSince.keySet().removeIf(id -> fleet().instance(id).isPresent()
          || Optional.ofNullable(d.instances.get(id)).map(p -> p.stage().isSettled()).orElse(true));
      ensureModel();
      int guard = 0;
      while (!yield && d.phase != RolloutState.Phase.DONE) {
        if (++guard > MAX_TRANSITIONS_PER_STEP) {
          throw new IllegalStateException("rollout engine made no progress in " + guard + " transitions");
        }
        if (d.status != RolloutStatus.NOT_STARTED && progressDeadlinePassed()) {
          fault(new UpgradeError(ErrorCodes.TIMEOUT, "The rolling upgrade made no progress for "
              + Durations.words(options.progressDeadline()) + " (no instance settled and no batch started since "
              + d.lastProgressAt + ")."));
          return;
        }
        switch (d.phase) {
          case NOT_STARTED -> start();
          case BEFORE_BATCH -> beforeBatch();
          case IN_BATCH -> inBatch();
          case PAUSING -> pausing();
          case VERIFYING -> verifying();
          case ROLLING_BACK -> rollingBack();
          default -> yield = true;
        }
      }
    }

    Decision finish() {
      if (d.phase == RolloutState.Phase.DONE) {
        wakeAt = null;
      }
      d.outbox.addAll(actions);
      return new Decision(d.build(), actions, events, wakeAt);
    }

    /** The one deadline rule ({@link RolloutEngine#progressDeadline}), on the step's state. */
    private boolean progressDeadlinePassed() {
      Instant at = deadlineAt(d.status, d.phase, d.pauseRequested, d.lastProgressAt, d.pauseUntil, null, d.endedAt);
      return at != null && !now.isBefore(at);
    }

    /** Looks again at once (a full read the runner makes next), not after a poll interval. */
    private void lookAgainNow() {
      wakeAt = now;
      yield = true;
    }

    /**
     * Compares the model with the one the rollout intends, on every look: a model write whose answer was lost, a
     * rollback that moved the model and failed midway, or someone else's change is found here and undone.
     */
    private void ensureModel() {
      ImageReference intended = d.intendedModel;
      if (!pinsModel() || intended == null) {
        return;
      }
      ImageReference found = currentModel();
      if (found.equals(intended)) {
        return;
      }
      act(new RolloutAction.UpdateModelImage(intended));
      emit(seq -> new ModelImageChanged(seq, now, d.scaleSet, found, intended, "the model was found on "
          + found.version().map(Object::toString).orElse("latest") + " where the rollout keeps it on "
          + intended.version().map(Object::toString).orElse("latest") + " (a model write whose answer was lost, a "
          + "rollback that moved the model, or a change from outside): pointing it back"));
    }

    /**
     * Says whether an instance missing from this look is gone for good: only when a read of the instance itself
     * confirmed it in this look ({@link Observation#confirmedGone()}). Otherwise the look only marks it missing (the
     * runner reads it directly once it has been missing for a poll interval), and it stays in play.
     */
    private boolean confirmedGone(String id) {
      if (obs().isConfirmedGone(id)) {
        d.missingSince.remove(id);
        return true;
      }
      d.missingSince.putIfAbsent(id, now);
      return false;
    }

    /**
     * When to look again for an instance missing from this look and not confirmed gone: a poll interval after it was
     * first missed (the runner reads it directly then), or a poll interval from now once that has passed (its direct
     * read is still to come: the runner reads a few per look).
     */
    private Instant confirmationDue(String id) {
      Instant at = d.missingSince.computeIfAbsent(id, k -> now).plus(options.pollInterval());
      return now.isBefore(at) ? at : now.plus(options.pollInterval());
    }

    private void progressed() {
      d.lastProgressAt = now;
    }

    private void emit(LongFunction<RolloutEvent> event) {
      d.lastSequence++;
      events.add(event.apply(d.lastSequence));
    }

    private void act(RolloutAction action) {
      actions.add(action);
    }

    private void waitUntil(Instant at) {
      if (!at.isAfter(now)) {
        throw new IllegalStateException("engine asked to wait until " + at + ", which is not after " + now);
      }
      wakeAt = wakeAt == null || at.isBefore(wakeAt) ? at : wakeAt;
      yield = true;
    }

    private boolean pinsModel() {
      return options.modelHandling() == RolloutOptions.ModelHandling.PIN_TARGET;
    }

    private RollingUpgradePolicy policy() {
      return Objects.requireNonNull(d.policy, "policy");
    }

    private RolloutPlan plan() {
      return Objects.requireNonNull(d.plan, "plan");
    }

    private boolean rollbackEnabled() {
      return switch (options.automaticRollback()) {
        case ON -> true;
        case OFF -> false;
        case FROM_SCALE_SET -> !fleet().upgradePolicy().automaticOsUpgrade().disableAutomaticRollback();
      };
    }

    // ---- start ----------------------------------------------------------------------------------------------

    private void start() {
      ScaleSet fleet = fleet();
      if (pinsModel()) {
        checkCanStart(fleet, d.target);
      }
      RollingUpgradePolicy policy = options.explicitPolicy().orElse(fleet.upgradePolicy().rollingOrDefaults());
      RolloutPlan plan = BatchPlanner.plan(fleet, policy, d.target, options.planOptions());
      d.policy = policy;
      d.plan = plan;
      // The model to go back to on a fault is pinned: 'latest' might resolve to the failing version by then.
      d.previousModelImage = fleet.modelImage().isLatest() && !fleet.instances().isEmpty()
          ? fleet.modelImage().withVersion(fleet.instances().stream().map(Instance::imageVersion)
              .max(ImageVersion::compareTo).orElseThrow())
          : fleet.modelImage();
      d.startedAt = now;
      d.lastProgressAt = now;
      d.status = RolloutStatus.ROLLING_FORWARD;
      for (Batch b : plan.batches()) {
        for (String id : b.instanceIds()) {
          Instance i = fleet.instance(id).orElseThrow();
          d.instances.put(id, InstanceProgress.pending(id, b.number(), i.image()));
        }
      }
      GovernanceWaiver waiver = d.governanceWaiver;
      if (waiver != null) {
        emit(seq -> new GovernanceWaived(seq, now, d.scaleSet, waiver.by(), waiver.reason()));
      }
      emit(seq -> new RolloutStarted(seq, now, d.scaleSet, d.target, plan.batches().size(),
          plan.instancesToUpgrade(), plan.skipped().size(), policy, plan.estimate()));
      d.batch = 1;
      d.phase = RolloutState.Phase.BEFORE_BATCH;
    }

    // ---- before a batch -------------------------------------------------------------------------------------

    private void beforeBatch() {
      RolloutPlan plan = plan();
      if (d.batch > plan.batches().size()) {
        if (!extendPlan()) {
          complete();
        }
        return;
      }
      if (d.cancelRequested) {
        end(RolloutStatus.CANCELLED, null);
        return;
      }
      if (d.pauseRequested) {
        if (d.status != RolloutStatus.PAUSED) {
          d.status = RolloutStatus.PAUSED;
          emit(seq -> new RolloutPaused(seq, now, d.scaleSet, d.batch));
        }
        yield = true;
        return;
      }
      if (d.status == RolloutStatus.PAUSED) {
        d.status = RolloutStatus.ROLLING_FORWARD;
        progressed();
        emit(seq -> new RolloutResumed(seq, now, d.scaleSet, d.batch));
      }
      d.status = RolloutStatus.ROLLING_FORWARD;
      Instant confirmAt = null;
      for (String id : plan.batch(d.batch).instanceIds()) {
        InstanceProgress p = d.instances.get(id);
        if (p == null || p.stage() != InstanceStage.PENDING || fleet().instance(id).isPresent()) {
          continue;
        }
        if (obs().isConfirmedGone(id)) {
          // Settled now, even if the batch still waits for another: the next look reads the others.
          d.missingSince.remove(id);
          d.instances.put(id, p.settled(InstanceStage.REMOVED, now));
        } else {
          Instant at = confirmationDue(id);
          confirmAt = confirmAt == null || at.isBefore(confirmAt) ? at : confirmAt;
        }
      }
      if (confirmAt != null) {
        // An instance of the batch is missing from this look: a read of it confirms it gone before the batch goes.
        waitUntil(confirmAt);
        return;
      }
      GateContext ctx = gateContext(GatePhase.BEFORE_BATCH);
      for (HealthGate gate : beforeGates) {
        GateVerdict verdict = gate.evaluate(ctx);
        emit(seq -> new GateEvaluated(seq, now, d.scaleSet, GatePhase.BEFORE_BATCH, d.batch, verdict));
        if (verdict instanceof GateVerdict.Fail f) {
          breach(new UpgradeError(f.code(), f.reason()));
          return;
        }
        if (verdict instanceof GateVerdict.Wait w) {
          // Waiting on a gate (a closed maintenance window, more samples) is not a lack of progress.
          Instant until = w.until().isAfter(now) ? w.until() : now.plus(options.pollInterval());
          d.lastProgressAt = until;
          waitUntil(until);
          return;
        }
      }
      Batch batch = plan.batch(d.batch);
      List<String> toSend = new ArrayList<>();
      List<String> notSent = new ArrayList<>();
      for (String id : batch.instanceIds()) {
        InstanceProgress p = d.instances.get(id);
        Instance live = fleet().instance(id).orElse(null);
        if (p != null && p.stage() == InstanceStage.REMOVED && live == null) {
          notSent.add(id + " gone"); // confirmed above, or in an earlier look
        }
        if (p == null || p.stage() != InstanceStage.PENDING) {
          continue;
        }
        if (live == null) {
          throw new IllegalStateException("instance " + id + " is missing and was neither settled nor waited for");
        } else if (live.runs(d.target)) {
          d.instances.put(id, p.requested(InstanceStage.UPGRADING, now).upgraded(now));
          toSend.add(id);
        } else if (live.protectedFromUpgrade()) {
          d.instances.put(id, p.settled(InstanceStage.REMOVED, now));
          notSent.add(id + " protected");
        } else {
          d.instances.put(id, p.requested(InstanceStage.UPGRADING, now));
          toSend.add(id);
        }
      }
      List<String> needCall = toSend.stream().filter(id -> !fleet().instance(id).orElseThrow().runs(d.target))
          .toList();
      if (toSend.isEmpty()) {
        emit(seq -> new BatchSkipped(seq, now, d.scaleSet, d.batch, plan.batches().size(),
            "nothing left to upgrade" + (notSent.isEmpty() ? "" : ": " + String.join(", ", notSent))));
        nextBatch();
        return;
      }
      boolean surge = false;
      List<String> undeletable = needCall.stream()
          .filter(id -> !fleet().instance(id).map(Instance::deletable).orElse(true)).toList();
      if (policy().maxSurge() && !needCall.isEmpty() && !undeletable.isEmpty()) {
        // Max surge deletes what it replaced; a resource lock that forbids the delete keeps the batch in place.
        int needed = needCall.size();
        emit(seq -> new SurgeFallback(seq, now, d.scaleSet, d.batch, needed, -1, "a CanNotDelete resource lock "
            + "applies to " + InstanceIds.format(undeletable) + ": the instances max surge replaces could not be "
            + "deleted"));
      } else if (policy().maxSurge() && !needCall.isEmpty()) {
        Integer headroom = obs().headroom();
        if (headroom != null && headroom >= needCall.size()) {
          surge = true;
        } else {
          int room = headroom == null ? -1 : headroom;
          int needed = needCall.size();
          String why = headroom == null ? "no capacity port to create instances with"
              : "room for " + headroom + " new instances, " + needed + " needed (quota check before the batch)";
          emit(seq -> new SurgeFallback(seq, now, d.scaleSet, d.batch, needed, room, why));
        }
      }
      if (!needCall.isEmpty()) {
        ImageReference model = currentModel();
        ImageReference targetModel = model.withVersion(d.target);
        if (pinsModel() && !targetModel.equals(model)) {
          // The model moves only when the first batch is about to go, so a stop before it changes nothing.
          act(new RolloutAction.UpdateModelImage(targetModel));
          d.intendedModel = targetModel;
          emit(seq -> new ModelImageChanged(seq, now, d.scaleSet, model, targetModel,
              "orchestrated rollout: the model takes the target, then instances are upgraded to it batch by batch"));
        }
        if (surge) {
          for (String id : needCall) {
            InstanceProgress p = Objects.requireNonNull(d.instances.get(id));
            d.instances.put(id, p.requested(InstanceStage.REPLACING, now));
          }
          act(new RolloutAction.ScaleOut(needCall,
              fleet().instances().stream().map(Instance::instanceId).toList()));
        } else {
          act(new RolloutAction.UpgradeInstances(needCall));
        }
      }
      d.batchStartedAt = now;
      d.phase = RolloutState.Phase.IN_BATCH;
      progressed();
      int unhealthy = fleet().unhealthyCount();
      int total = fleet().instanceCount();
      emit(seq -> new BatchStarted(seq, now, d.scaleSet, d.batch, plan.batches().size(), batch.zone(), toSend,
          unhealthy, total));
      // Look again after one poll interval: nothing can have happened yet.
      waitUntil(now.plus(options.pollInterval()));
    }

    // ---- a batch in flight ----------------------------------------------------------------------------------

    private void inBatch() {
      Map<ImageReference, List<String>> rollbacks = new LinkedHashMap<>();
      List<String> deletes = new ArrayList<>();
      boolean allSettled = true;
      Instant nextDeadline = null;
      for (InstanceProgress p : List.copyOf(d.instances.values())) {
        if (p.batch() != d.batch || p.stage().isSettled()) {
          continue;
        }
        InstanceProgress after = observe(p, rollbacks, deletes);
        if (!after.stage().isSettled()) {
          allSettled = false;
          Instant deadline = deadlineOf(after);
          if (deadline != null && deadline.isAfter(now)) {
            nextDeadline = nextDeadline == null || deadline.isBefore(nextDeadline) ? deadline : nextDeadline;
          }
        }
      }
      if (allSettled) {
        // Max surge: every old instance replaced by a healthy new one goes in one call, once the batch has settled.
        for (InstanceProgress p : d.instances.values()) {
          if (p.batch() == d.batch && p.stage() == InstanceStage.REPLACED
              && fleet().instance(p.instanceId()).isPresent()) {
            deletes.add(p.instanceId());
          }
        }
      }
      rollbacks.forEach((image, ids) -> act(new RolloutAction.RollBackInstances(ids, image)));
      if (!deletes.isEmpty()) {
        act(new RolloutAction.DeleteInstances(deletes));
      }
      if (!allSettled) {
        Instant poll = now.plus(options.pollInterval());
        waitUntil(nextDeadline != null && nextDeadline.isBefore(poll) ? nextDeadline : poll);
        return;
      }
      GateContext ctx = gateContext(GatePhase.AFTER_BATCH);
      for (HealthGate gate : afterGates) {
        GateVerdict verdict = gate.evaluate(ctx);
        emit(seq -> new GateEvaluated(seq, now, d.scaleSet, GatePhase.AFTER_BATCH, d.batch, verdict));
        if (verdict instanceof GateVerdict.Fail f) {
          breach(new UpgradeError(f.code(), f.reason()));
          return;
        }
        if (verdict instanceof GateVerdict.Wait w) {
          // Waiting on a gate (a closed maintenance window, more samples) is not a lack of progress.
          Instant until = w.until().isAfter(now) ? w.until() : now.plus(options.pollInterval());
          d.lastProgressAt = until;
          waitUntil(until);
          return;
        }
      }
      int ok = 0;
      int failed = 0;
      for (InstanceProgress p : d.instances.values()) {
        if (p.batch() == d.batch && !p.isSurge()) {
          if (p.stage() == InstanceStage.SUCCEEDED || p.stage() == InstanceStage.REPLACED) {
            ok++;
          } else if (p.stage().isFailed()) {
            failed++;
          }
        }
      }
      int succeeded = ok;
      int failures = failed;
      int total = plan().batches().size();
      emit(seq -> new BatchCompleted(seq, now, d.scaleSet, d.batch, total, succeeded, failures, progress()));
      nextBatch();
    }

    private InstanceProgress observe(InstanceProgress p, Map<ImageReference, List<String>> rollbacks,
        List<String> deletes) {
      String id = p.instanceId();
      Instance live = fleet().instance(id).orElse(null);
      InstanceProgress next = p;
      if (p.stage() == InstanceStage.REPLACING) {
        return p; // settles with its surge instance
      }
      if (live == null) {
        if (p.isSurge() && p.stage() == InstanceStage.ROLLING_BACK) {
          next = p.settled(InstanceStage.ROLLED_BACK, now);
          emit(seq -> new InstanceRolledBack(seq, now, d.scaleSet, p.batch(), id,
              p.previousImage().version().orElseThrow(), true, "the failed surge instance was deleted; "
                  + p.replaces() + " stays on its image"));
        } else if (confirmedGone(id)) {
          next = p.settled(InstanceStage.REMOVED, now);
        } else {
          return p; // missing from this look, not confirmed gone by a read of it: it stays in play
        }
        progressed();
        d.instances.put(id, next);
        return next;
      }
      Instant requested = Objects.requireNonNull(p.requestedAt(), "requestedAt");
      boolean overall = !now.isBefore(requested.plus(options.instanceUpgradeTimeout()));
      switch (p.stage()) {
        case UPGRADING -> {
          if (live.protectedFromUpgrade() && live.image().equals(p.previousImage())
              && live.provisioningState() == ProvisioningState.SUCCEEDED) {
            // Protected (instance protection, a ReadOnly lock) before its upgrade started: upgrades leave it alone.
            next = p.settled(InstanceStage.REMOVED, now);
            progressed();
            d.instances.put(id, next);
            return next;
          }
          if (live.runs(d.target) && live.provisioningState() == ProvisioningState.SUCCEEDED) {
            next = p.upgraded(now);
            ImageVersion from = p.previousImage().version().orElseThrow();
            emit(seq -> new InstanceUpgraded(seq, now, d.scaleSet, p.batch(), id, from, d.target));
            d.instances.put(id, next);
            return observe(next, rollbacks, deletes);
          }
          if (live.provisioningState() == ProvisioningState.FAILED) {
            next = fail(p, live.health(), "the upgrade failed (provisioning state Failed, "
                + (live.runs(d.target) ? "the new image is on its disk" : "still on " + live.imageVersion())
                + ", power " + live.powerState() + ")", rollbacks, deletes);
          } else if (overall) {
            next = fail(p, live.health(), "the upgrade did not complete within "
                + Durations.words(options.instanceUpgradeTimeout()), rollbacks, deletes);
          }
        }
        case AWAITING_HEALTH -> {
          Instant upgraded = Objects.requireNonNull(p.upgradedAt(), "upgradedAt");
          HealthState h = live.health();
          if (h == HealthState.HEALTHY) {
            next = p.settled(InstanceStage.SUCCEEDED, now);
            Duration took = Duration.between(Objects.requireNonNull(d.batchStartedAt), now);
            emit(seq -> new InstanceHealthy(seq, now, d.scaleSet, p.batch(), id, took));
            String old = p.replaces();
            if (old != null) {
              // Replaced now; the old instance is deleted with the others of its batch when the batch ends.
              InstanceProgress replaced = Objects.requireNonNull(d.instances.get(old));
              d.instances.put(old, replaced.settled(InstanceStage.REPLACED, now));
              emit(seq -> new InstanceReplaced(seq, now, d.scaleSet, p.batch(), old, id));
            }
          } else if (h.countsAsUnhealthy() && !now.isBefore(upgraded.plus(options.healthTimeout()))) {
            next = fail(p, h, "still " + h + " " + Durations.words(options.healthTimeout()) + " after the upgrade (health timeout)",
                rollbacks, deletes);
          } else if (overall) {
            next = fail(p, h, "not Healthy within the instance upgrade timeout " + Durations.words(options.instanceUpgradeTimeout())
                + " (last state " + h + ")", rollbacks, deletes);
          }
        }
        case ROLLING_BACK -> {
          ImageVersion previous = p.previousImage().version().orElseThrow();
          if (live.runs(previous) && live.provisioningState() == ProvisioningState.SUCCEEDED) {
            next = p.settled(InstanceStage.ROLLED_BACK, now);
            emit(seq -> new InstanceRolledBack(seq, now, d.scaleSet, p.batch(), id, previous, true,
                "runs " + previous + " again (" + live.health() + ")"));
          } else if (live.provisioningState() == ProvisioningState.FAILED || overall) {
            next = p.settled(InstanceStage.ROLLBACK_FAILED, now);
            String why = live.provisioningState() == ProvisioningState.FAILED ? "provisioning state Failed"
                : "not restored within " + Durations.words(options.instanceUpgradeTimeout());
            emit(seq -> new InstanceRolledBack(seq, now, d.scaleSet, p.batch(), id, previous, false, why));
          }
        }
        default -> {
          return p;
        }
      }
      if (next.stage() != p.stage()) {
        progressed();
      }
      d.instances.put(id, next);
      return next;
    }

    private InstanceProgress fail(InstanceProgress p, HealthState health, String reason,
        Map<ImageReference, List<String>> rollbacks, List<String> deletes) {
      String old = p.replaces();
      if (old != null) {
        // A failed surge instance is deleted; the instance it was to replace never changed and counts as failed.
        InstanceProgress replaced = Objects.requireNonNull(d.instances.get(old));
        d.instances.put(old, replaced.settled(InstanceStage.FAILED, now));
        deletes.add(p.instanceId());
        emit(seq -> new InstanceFailed(seq, now, d.scaleSet, p.batch(), p.instanceId(), health,
            "surge instance replacing " + old + ": " + reason + "; it is deleted and " + old
                + " stays on its image", true));
        return new InstanceProgress(p.instanceId(), p.batch(), p.previousImage(), InstanceStage.ROLLING_BACK, now,
            p.upgradedAt(), null, old);
      }
      boolean rollBack = rollbackEnabled();
      InstanceProgress next;
      if (rollBack) {
        next = new InstanceProgress(p.instanceId(), p.batch(), p.previousImage(), InstanceStage.ROLLING_BACK, now,
            p.upgradedAt(), null, null);
        rollbacks.computeIfAbsent(p.previousImage(), k -> new ArrayList<>()).add(p.instanceId());
      } else {
        next = p.settled(InstanceStage.FAILED, now);
      }
      emit(seq -> new InstanceFailed(seq, now, d.scaleSet, p.batch(), p.instanceId(), health, reason, rollBack));
      return next;
    }

    /**
     * The next moment something can time out for this instance, or null when nothing can (an instance being replaced
     * waits on its surge instance, which has its own deadline).
     */
    private @Nullable Instant deadlineOf(InstanceProgress p) {
      if (p.stage() == InstanceStage.REPLACING) {
        return null;
      }
      Instant overall = Objects.requireNonNull(p.requestedAt()).plus(options.instanceUpgradeTimeout());
      if (p.stage() == InstanceStage.AWAITING_HEALTH) {
        Instant health = Objects.requireNonNull(p.upgradedAt()).plus(options.healthTimeout());
        if (health.isAfter(now) && health.isBefore(overall)) {
          return health;
        }
      }
      return overall;
    }

    // ---- between batches and at the end --------------------------------------------------------------------

    private void nextBatch() {
      d.batchStartedAt = null;
      boolean more = d.batch < plan().batches().size();
      Duration pause = policy().pauseTimeBetweenBatches();
      d.batch++;
      if (more && !pause.isZero() && !d.cancelRequested) {
        d.phase = RolloutState.Phase.PAUSING;
        d.pauseUntil = now.plus(pause);
      } else {
        d.phase = RolloutState.Phase.BEFORE_BATCH;
      }
    }

    private void pausing() {
      Instant until = Objects.requireNonNull(d.pauseUntil, "pauseUntil");
      if (d.cancelRequested || !now.isBefore(until)) {
        d.pauseUntil = null;
        d.phase = RolloutState.Phase.BEFORE_BATCH;
        progressed();
      } else {
        waitUntil(until);
      }
    }

    /**
     * Before completing, looks for instances the plan never knew (created by a scale-out while the rollout ran) that
     * do not run the target, and adds batches for them, by the same batch size and zone rule.
     *
     * @return true if batches were added
     */
    private boolean extendPlan() {
      RolloutPlan plan = plan();
      // Instances the plan never knew, and instances it let go (protected then, or once missing) that are here,
      // unprotected and off the target now.
      List<Instance> stragglers = fleet().instances().stream()
          .filter(i -> !i.runs(d.target) && !i.protectedFromUpgrade())
          .filter(i -> {
            InstanceProgress known = d.instances.get(i.instanceId());
            return known == null || known.stage() == InstanceStage.REMOVED;
          })
          .toList();
      if (stragglers.isEmpty()) {
        return false;
      }
      int size = policy().batchSizeFor(fleet().instanceCount());
      Map<Zone, List<Instance>> groups = new TreeMap<>();
      for (Instance i : stragglers) {
        groups.computeIfAbsent(policy().enableCrossZoneUpgrade() ? Zone.REGIONAL : i.zone(), z -> new ArrayList<>())
            .add(i);
      }
      List<Batch> batches = new ArrayList<>(plan.batches());
      for (List<Instance> group : groups.values()) {
        for (int from = 0; from < group.size(); from += size) {
          List<Instance> chunk = group.subList(from, Math.min(group.size(), from + size));
          int number = batches.size() + 1;
          batches.add(new Batch(number, chunk.stream().map(Instance::instanceId).toList(),
              chunk.stream().map(Instance::zone).distinct().sorted().toList(),
              chunk.stream().map(Instance::updateDomain).distinct().sorted().toList(), false));
          for (Instance i : chunk) {
            d.instances.put(i.instanceId(), InstanceProgress.pending(i.instanceId(), number, i.image()));
          }
        }
      }
      int added = batches.size() - plan.batches().size();
      d.plan = new RolloutPlan(plan.scaleSet(), plan.target(), plan.policy(), plan.instanceCount(), plan.batchSize(),
          batches, plan.skipped(), plan.estimate());
      List<String> ids = stragglers.stream().map(Instance::instanceId).toList();
      emit(seq -> new PlanExtended(seq, now, d.scaleSet, added, ids));
      return true;
    }

    /** Every batch is done: a full read confirms the outcome, or adds batches for instances that need them. */
    private void verifying() {
      if (extendPlan()) {
        d.phase = RolloutState.Phase.BEFORE_BATCH;
        return;
      }
      complete();
    }

    /**
     * The truth rule: {@code Completed} only on a full read (model and instances read together) that shows the model
     * on the target, when the rollout pins it; each instance not on the target and healthy is explained in the
     * {@link RolloutCompleted} event.
     */
    private void complete() {
      if (!obs().fullRead()) {
        d.phase = RolloutState.Phase.VERIFYING;
        lookAgainNow();
        return;
      }
      ImageReference read = fleet().modelImage();
      ImageReference targetModel = read.withVersion(d.target);
      if (pinsModel() && !targetModel.equals(read)) {
        ImageReference pending = currentModel();
        if (!pending.equals(targetModel)) {
          // No batch moved the model (every instance already ran the target), or it was moved away: move it now.
          act(new RolloutAction.UpdateModelImage(targetModel));
          emit(seq -> new ModelImageChanged(seq, now, d.scaleSet, read, targetModel,
              "the rollout ends with the model on its target, so that new instances take it too"));
        }
        d.intendedModel = targetModel;
        d.phase = RolloutState.Phase.VERIFYING;
        lookAgainNow(); // and confirm it on the next full read
        return;
      }
      end(RolloutStatus.COMPLETED, null);
    }

    /** What the final full read shows, instance by instance. */
    private FleetVerification verification() {
      ScaleSet fleet = fleet();
      int ok = 0;
      List<FleetVerification.Explained> explained = new ArrayList<>();
      for (Instance i : fleet.instances()) {
        String id = i.instanceId();
        InstanceProgress p = d.instances.get(id);
        if (i.runs(d.target)) {
          if (i.health() == HealthState.HEALTHY) {
            ok++;
          } else {
            explained.add(new FleetVerification.Explained(id, FleetVerification.Reason.UNHEALTHY_ON_TARGET,
                "runs " + d.target + ", health " + i.health()));
          }
        } else if (p != null && p.stage().isFailed()) {
          String how = switch (p.stage()) {
            case ROLLED_BACK -> "failed on " + d.target + ", rolled back";
            case ROLLBACK_FAILED -> "failed on " + d.target + ", and its rollback failed";
            case ROLLING_BACK -> "failed on " + d.target + ", rollback in flight";
            default -> "failed on " + d.target + ", left as it was (automatic rollback off)";
          };
          explained.add(new FleetVerification.Explained(id, FleetVerification.Reason.FAILED,
              how + "; runs " + i.imageVersion()));
        } else if (i.protectedFromUpgrade()) {
          explained.add(new FleetVerification.Explained(id, FleetVerification.Reason.PROTECTED,
              (i.lock().blocksUpdate() ? "under a ReadOnly resource lock" : "protected from scale-set actions")
                  + "; runs " + i.imageVersion()));
        } else if (p != null && p.stage() == InstanceStage.SUCCEEDED) {
          explained.add(new FleetVerification.Explained(id, FleetVerification.Reason.DRIFTED,
              "upgraded and healthy" + (p.settledAt() == null ? "" : " at " + p.settledAt()) + ", runs "
                  + i.imageVersion() + " now"));
        } else {
          explained.add(new FleetVerification.Explained(id, FleetVerification.Reason.NOT_UPGRADED,
              "runs " + i.imageVersion() + (p == null ? ", unknown to the rollout" : ", " + p.stage())));
        }
      }
      ImageReference model = fleet.modelImage();
      boolean modelOnTarget = model.isLatest() || model.version().map(d.target::equals).orElse(false);
      return new FleetVerification(model, modelOnTarget, fleet.instances().size(), ok, explained);
    }

    /**
     * A safety rule stopped the rollout. With {@code rollbackFailedInstancesOnPolicyBreach}, failed instances that are
     * still on the new image go back to their previous one first (status RollingBack), then the rollout faults.
     */
    private void breach(UpgradeError error) {
      List<InstanceProgress> toRestore = d.instances.values().stream()
          .filter(p -> p.stage() == InstanceStage.FAILED && !p.isSurge())
          .filter(p -> obs != null && fleet().instance(p.instanceId())
              .map(i -> !i.runs(p.previousImage().version().orElseThrow())).orElse(false))
          .toList();
      if (!policy().rollbackFailedInstancesOnPolicyBreach() || toRestore.isEmpty()) {
        fault(error);
        return;
      }
      Map<ImageReference, List<String>> byImage = new LinkedHashMap<>();
      for (InstanceProgress p : toRestore) {
        d.instances.put(p.instanceId(), new InstanceProgress(p.instanceId(), p.batch(), p.previousImage(),
            InstanceStage.ROLLING_BACK, now, p.upgradedAt(), null, null));
        byImage.computeIfAbsent(p.previousImage(), k -> new ArrayList<>()).add(p.instanceId());
      }
      byImage.forEach((image, ids) -> act(new RolloutAction.RollBackInstances(ids, image)));
      progressed(); // the rollback has its own timeouts; the deadline counts from here
      d.error = error;
      d.status = RolloutStatus.ROLLING_BACK;
      d.phase = RolloutState.Phase.ROLLING_BACK;
      waitUntil(now.plus(options.pollInterval()));
    }

    private void rollingBack() {
      boolean settled = true;
      Instant nextDeadline = null;
      for (InstanceProgress p : List.copyOf(d.instances.values())) {
        if (p.stage() == InstanceStage.ROLLING_BACK) {
          InstanceProgress after = observe(p, new LinkedHashMap<>(), new ArrayList<>());
          if (!after.stage().isSettled()) {
            settled = false;
            Instant deadline = deadlineOf(after);
            if (deadline != null && deadline.isAfter(now)) {
              nextDeadline = nextDeadline == null || deadline.isBefore(nextDeadline) ? deadline : nextDeadline;
            }
          }
        }
      }
      if (settled) {
        fault(Objects.requireNonNull(d.error, "error"));
        return;
      }
      Instant poll = now.plus(options.pollInterval());
      waitUntil(nextDeadline != null && nextDeadline.isBefore(poll) ? nextDeadline : poll);
    }

    void fault(UpgradeError error) {
      if (pinsModel() && options.revertModelOnFault() && d.previousModelImage != null && obs != null) {
        ImageReference current = currentModel();
        ImageReference previous = d.previousModelImage;
        d.intendedModel = previous;
        if (!current.equals(previous)) {
          act(new RolloutAction.UpdateModelImage(previous));
          emit(seq -> new ModelImageChanged(seq, now, d.scaleSet, current, previous,
              "rollout faulted: instances created from now on take the last good image again; instances already "
                  + "upgraded keep the new image and show latestModelApplied=false"));
        }
      }
      end(RolloutStatus.FAULTED, error);
    }

    private void end(RolloutStatus status, @Nullable UpgradeError error) {
      d.status = status;
      d.error = error;
      d.phase = RolloutState.Phase.DONE;
      d.endedAt = now;
      d.pauseUntil = null;
      if (status == RolloutStatus.COMPLETED) {
        Duration took = Duration.between(Objects.requireNonNull(d.startedAt), now);
        FleetVerification verified = verification();
        emit(seq -> new RolloutCompleted(seq, now, d.scaleSet, d.target, progress(), took, verified));
      } else if (status == RolloutStatus.FAULTED) {
        UpgradeError e = Objects.requireNonNull(error);
        RollbackInfo rollback = d.build().rollbackInfo();
        emit(seq -> new RolloutFaulted(seq, now, d.scaleSet, e, progress(), rollback));
      } else if (status == RolloutStatus.CANCELLED) {
        int started = Math.max(0, d.batch - 1);
        emit(seq -> new RolloutCancelled(seq, now, d.scaleSet, started, progress()));
      }
    }

    /** The model image as it will be once every decided action has run. */
    private ImageReference currentModel() {
      ImageReference model = fleet().modelImage();
      List<RolloutAction> pending = new ArrayList<>(d.outbox);
      pending.addAll(actions);
      for (RolloutAction a : pending) {
        if (a instanceof RolloutAction.UpdateModelImage u) {
          model = u.image();
        }
      }
      return model;
    }

    private dev.osupgrade.ops.UpgradeProgress progress() {
      return d.build().progress();
    }

    private GateContext gateContext(GatePhase phase) {
      Map<String, Boolean> upgraded = new HashMap<>();
      List<String> failed = new ArrayList<>();
      for (InstanceProgress p : d.instances.values()) {
        if (p.isSurge()) {
          // A healthy surge instance stands for the one it replaced (deleted by now): its health is what counts.
          if (p.stage() == InstanceStage.SUCCEEDED) {
            upgraded.put(p.instanceId(), Boolean.TRUE);
          }
          continue;
        }
        if (p.stage() != InstanceStage.PENDING && p.stage() != InstanceStage.REMOVED
            && p.stage() != InstanceStage.REPLACED && p.stage() != InstanceStage.REPLACING) {
          upgraded.put(p.instanceId(), Boolean.TRUE);
        }
        if (p.stage().isFailed()) {
          failed.add(p.instanceId());
        }
      }
      return new GateContext(phase, d.batch, plan().batches().size(), fleet(), d.target, policy(),
          upgraded.keySet(), new java.util.HashSet<>(failed), Objects.requireNonNull(d.startedAt), now);
    }
  }
}
