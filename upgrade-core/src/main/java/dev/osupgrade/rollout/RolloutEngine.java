package dev.osupgrade.rollout;

import dev.osupgrade.ops.StopCode;
import dev.osupgrade.Durations;
import dev.osupgrade.Require;
import dev.osupgrade.event.RolloutEvent;
import dev.osupgrade.event.RolloutStallCleared;
import dev.osupgrade.event.RolloutStalled;
import dev.osupgrade.event.SurgeFallback;
import dev.osupgrade.event.SurgeInstancesCreated;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.ProvisioningState;
import dev.osupgrade.fleet.ScaleSet;
import dev.osupgrade.health.FleetUnhealthyGate;
import dev.osupgrade.health.GatePhase;
import dev.osupgrade.health.HealthGate;
import dev.osupgrade.health.UpgradedUnhealthyGate;
import dev.osupgrade.image.ImageVersion;
import dev.osupgrade.ops.FleetVerification;
import dev.osupgrade.ops.RolloutStatus;
import dev.osupgrade.ops.Stall;
import dev.osupgrade.ops.UpgradeError;
import dev.osupgrade.policy.UpgradeMode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The rollout's decision step: a pure function from (state, observation) to a {@link Decision}. <b>The rules are a
 * table</b>: {@code RolloutStep.RULES} lists them phase by phase, in the order they are asked, each returning "does not
 * apply", "go on in a phase", "wait until" or "hold", with its reason; what one look does to one instance in flight is
 * one pure function, {@code InstanceTransition.of}. In Azure's terms:
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
 * has been missing for a poll interval), since a listing can be incomplete the same way twice; a listing
 * with no instance at all while the rollout expects some is a failed look ({@link #failedLook}); the model is compared with the one the rollout intends on every look and pointed
 * back when it is found elsewhere; and {@code Completed} is said only on a full read (model and instances together)
 * that shows the model on the target and every instance on the target and healthy, or explains each one that is not
 * ({@link FleetVerification}).
 *
 * <p>Infrastructure failures of the runner's calls are not the engine's to judge one by one: the runner reports each
 * through {@link #stalled}, which keeps the rollout resumable and applies the one progress deadline
 * ({@link #progressDeadline}).
 */
final class RolloutEngine {
  /** The longest wait between two attempts of a stalled rollout, unless the cloud asks for longer (Retry-After). */
  static final Duration MAX_STALL_BACKOFF = Rollout.MAX_STALL_BACKOFF;

  private final RolloutOptions options;
  private final List<HealthGate> beforeGates;
  private final List<HealthGate> afterGates;
  /**
   * What the batches so far taught the look schedule, computed once per batch rather than on every look: a cache of a
   * pure function of the state, not part of it (safe when the engine is shared between threads).
   */
  private final LookSchedule.Memo looks = new LookSchedule.Memo();

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
    RolloutStep step = new RolloutStep(options, beforeGates, afterGates, state, observation, observation.now(),
        looks);
    try {
      step.run();
    } catch (RolloutStep.NeedsInput e) {
      return new Decision(state, List.of(), List.of(), null, e.needs);
    }
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
    RolloutStep step = new RolloutStep(options, beforeGates, afterGates, state,
        fleet == null ? null : new Observation(now, fleet), now, looks);
    step.faultFromOutside(error);
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
    return Optional.ofNullable(deadlineAt(options.progressDeadline(), state.status(), state.phase(),
        state.pauseRequested(),
        state.lastProgressAt(), state.pauseUntil(), state.stall(), state.endedAt()));
  }

  static @Nullable Instant deadlineAt(Duration deadline, RolloutStatus status, RolloutState.Phase phase,
      boolean pauseRequested, @Nullable Instant lastProgressAt, @Nullable Instant pauseUntil, @Nullable Stall stall,
      @Nullable Instant endedAt) {
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
          "gave up after the progress deadline of " + Durations.words(options.progressDeadline()) + "; not carried out: "
              + undone);
      return new Decision(d.build(), List.of(), List.of(event), null);
    }
    UpgradeError error = UpgradeError.of(StopCode.TIMEOUT, "The rolling upgrade made no progress for "
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
}
