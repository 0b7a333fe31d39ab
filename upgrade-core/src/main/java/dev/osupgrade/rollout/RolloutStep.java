package dev.osupgrade.rollout;

import dev.osupgrade.Durations;
import dev.osupgrade.event.BatchCompleted;
import dev.osupgrade.event.BatchSkipped;
import dev.osupgrade.event.BatchStarted;
import dev.osupgrade.event.GateEvaluated;
import dev.osupgrade.event.GovernanceWaived;
import dev.osupgrade.event.InstanceFailed;
import dev.osupgrade.event.InstanceHealthy;
import dev.osupgrade.event.InstanceReplaced;
import dev.osupgrade.event.InstanceRolledBack;
import dev.osupgrade.event.InstanceUpgraded;
import dev.osupgrade.event.ModelImageChanged;
import dev.osupgrade.event.PlanExtended;
import dev.osupgrade.event.RolloutCancelled;
import dev.osupgrade.event.RolloutCompleted;
import dev.osupgrade.event.RolloutEvent;
import dev.osupgrade.event.RolloutFaulted;
import dev.osupgrade.event.RolloutPaused;
import dev.osupgrade.event.RolloutResumed;
import dev.osupgrade.event.RolloutStarted;
import dev.osupgrade.event.SurgeFallback;
import dev.osupgrade.fleet.HealthState;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.InstanceIds;
import dev.osupgrade.fleet.ScaleSet;
import dev.osupgrade.governance.GovernanceWaiver;
import dev.osupgrade.health.FleetUnhealthyGate;
import dev.osupgrade.health.GateContext;
import dev.osupgrade.health.GatePhase;
import dev.osupgrade.health.GateVerdict;
import dev.osupgrade.health.HealthGate;
import dev.osupgrade.health.MetricQuery;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.image.ImageVersion;
import dev.osupgrade.ops.FleetVerification;
import dev.osupgrade.ops.RollbackInfo;
import dev.osupgrade.ops.RolloutStatus;
import dev.osupgrade.ops.StopCode;
import dev.osupgrade.ops.UpgradeError;
import dev.osupgrade.plan.Batch;
import dev.osupgrade.plan.BatchPlanner;
import dev.osupgrade.plan.RolloutPlan;
import dev.osupgrade.policy.RollingUpgradePolicy;
import dev.osupgrade.rollout.RolloutState.Phase;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.LongFunction;
import org.jspecify.annotations.Nullable;

/**
 * One decision step of a rollout, written as a table of named rules: {@link #RULES} lists, phase by phase, the rules
 * asked in order. Each rule returns an {@link Outcome}: it does not apply (the next rule is asked), go on in a phase
 * now, wait until a time, hold for the caller, or look again at once. Before any phase's rules, every look applies
 * {@link #EVERY_LOOK}; before each phase's rules, the one progress deadline ({@link RolloutEngine#progressDeadline}).
 *
 * <pre>
 * every look      instances back in the look are not missing; the model is where the rollout intends it
 * every phase     the progress deadline has passed: fault RollingUpgradeTimeoutError
 * NOT_STARTED     start: plan the batches
 * BEFORE_BATCH    every batch sent: verify | cancel requested: end Cancelled | pause requested: hold |
 *                 resumed: go on | an instance of the batch is missing: confirm it gone first |
 *                 before-batch gates | sort the batch | nothing to send: skip the batch | send the batch
 * IN_BATCH        settle the batch's instances (looks by prediction: {@link LookSchedule}) | after-batch gates |
 *                 batch completed: pause or next batch
 * PAUSING         cancel requested: the pause ends | the pause between batches is over
 * VERIFYING       instances off the target that the plan does not hold get batches (one asked to upgrade
 *                 maxUpgradeRequestsPerInstance times already is not asked again: with only such left, fault
 *                 InstanceUpgradeNotApplied) | complete on a full read
 * ROLLING_BACK    rollbacks in flight settle | rollbacks settled: fault
 * </pre>
 *
 * <p>What happens to one instance in flight is one pure function, {@link InstanceTransition#of}. The step works on a
 * {@link RolloutState.Draft}; nothing outside it changes.
 */
final class RolloutStep {
  private static final int MAX_TRANSITIONS_PER_STEP = 10_000;

  /** The step cannot decide without a read the observation lacks: the engine returns {@link Decision#needs()}. */
  static final class NeedsInput extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final transient Decision.Needs needs;

    NeedsInput(Decision.Needs needs) {
      super("needs " + needs, null, false, false);
      this.needs = needs;
    }
  }

  /** A named rule. */
  record Rule(String name, Function<RolloutStep, Outcome> apply) {}

  /** The rules of each phase, in the order they are asked. */
  static final Map<Phase, List<Rule>> RULES = table();

  private static Map<Phase, List<Rule>> table() {
    Map<Phase, List<Rule>> t = new EnumMap<>(Phase.class);
    t.put(Phase.NOT_STARTED, List.of(
        new Rule("start: plan the batches", RolloutStep::start)));
    t.put(Phase.BEFORE_BATCH, List.of(
        new Rule("every batch sent: verify", RolloutStep::everyBatchSent),
        new Rule("cancel requested: end Cancelled", RolloutStep::cancelBeforeBatch),
        new Rule("pause requested: hold before the batch", RolloutStep::pauseBeforeBatch),
        new Rule("resumed: go on", RolloutStep::resumed),
        new Rule("an instance of the batch is missing: confirm it gone first", RolloutStep::confirmMissing),
        new Rule("before-batch gates", RolloutStep::beforeBatchGates),
        new Rule("sort the batch: on the target, protected, to send", RolloutStep::sortBatch),
        new Rule("nothing to send: skip the batch", RolloutStep::skipBatch),
        new Rule("send the batch", RolloutStep::sendBatch)));
    t.put(Phase.IN_BATCH, List.of(
        new Rule("settle the batch's instances", RolloutStep::settleBatch),
        new Rule("after-batch gates", RolloutStep::afterBatchGates),
        new Rule("batch completed: pause or next batch", RolloutStep::batchCompleted)));
    t.put(Phase.PAUSING, List.of(
        new Rule("cancel requested: the pause ends", RolloutStep::cancelEndsPause),
        new Rule("the pause between batches is over", RolloutStep::pauseOver)));
    t.put(Phase.VERIFYING, List.of(
        new Rule("instances off the target that the plan does not hold get batches", RolloutStep::planLateJoiners),
        new Rule("complete on a full read", RolloutStep::complete)));
    t.put(Phase.ROLLING_BACK, List.of(
        new Rule("rollbacks in flight settle", RolloutStep::settleRollbacks),
        new Rule("rollbacks settled: fault", RolloutStep::faultAfterRollback)));
    return t;
  }

  /** The rules every look applies first, whatever the phase. */
  static final List<String> EVERY_LOOK = List.of(
      "instances back in the listing are not missing; those settled as gone need no confirmation",
      "the model is where the rollout intends it");

  private final RolloutOptions options;
  /** The engine's memo of what earlier batches taught the look schedule (not state: a cache of a pure function). */
  private final LookSchedule.@Nullable Memo looks;
  private final List<HealthGate> beforeGates;
  private final List<HealthGate> afterGates;
  private final RolloutState.Draft d;
  private final @Nullable Observation obs;
  private final Instant now;
  private final List<RolloutAction> actions = new ArrayList<>();
  private final List<RolloutEvent> events = new ArrayList<>();
  private @Nullable Instant wakeAt;
  private boolean yield;
  /** The batch being sent, sorted by {@link #sortBatch}: instances to send (or on the target already), and why not. */
  private final List<String> toSend = new ArrayList<>();
  private final List<String> notSent = new ArrayList<>();

  RolloutStep(RolloutOptions options, List<HealthGate> beforeGates, List<HealthGate> afterGates, RolloutState state,
      @Nullable Observation observation, Instant now, LookSchedule.@Nullable Memo looks) {
    this.options = options;
    this.looks = looks;
    this.beforeGates = beforeGates;
    this.afterGates = afterGates;
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

  /** Applies the rules until one ends the step. */
  void run() {
    if (d.status.isTerminal()) {
      return;
    }
    // Every look: an instance that was missing from an earlier look and is back was never gone; one that has settled
    // meanwhile needs no confirmation any more.
    // An instance found only by a read of its own is still missing from the listings: it stays due for its read. An
    // instance that has settled and still exists (upgraded, failed, rolled back) stays until it is back or confirmed
    // gone: the before-batch budget and the final read count it (see unaccounted).
    d.missingSince.keySet().removeIf(id -> fleet().instance(id).isPresent() && !obs().readAlone().contains(id)
        || Optional.ofNullable(d.instances.get(id)).map(p -> !p.readWhenMissing()
            || p.stage().isSettled() && obs().isConfirmedGone(id)).orElse(true));
    ensureModel();
    int guard = 0;
    while (!yield && d.phase != Phase.DONE) {
      if (++guard > MAX_TRANSITIONS_PER_STEP) {
        throw new IllegalStateException("rollout engine made no progress in " + guard + " transitions");
      }
      if (d.status != RolloutStatus.NOT_STARTED && progressDeadlinePassed()) {
        fault(UpgradeError.of(StopCode.TIMEOUT, "The rolling upgrade made no progress for "
            + Durations.words(options.progressDeadline()) + " (no instance settled and no batch started since "
            + d.lastProgressAt + ")."));
        return;
      }
      apply(ask(RULES.get(d.phase)));
    }
  }

  private Outcome ask(List<Rule> rules) {
    for (Rule rule : rules) {
      Outcome outcome = rule.apply().apply(this);
      if (outcome.kind() != Outcome.Kind.NEXT) {
        return outcome;
      }
    }
    throw new IllegalStateException("no rule of phase " + d.phase + " decided");
  }

  private void apply(Outcome outcome) {
    if (outcome.phase() != null) {
      d.phase = outcome.phase();
    }
    switch (outcome.kind()) {
      case WAIT -> waitUntil(Objects.requireNonNull(outcome.until(), "until"));
      case HOLD -> yield = true;
      case LOOK_AGAIN_NOW -> {
        wakeAt = now;
        yield = true;
      }
      default -> { }
    }
  }

  /** Ends the step: a fault from outside the rules (a rejected call, the deadline while stalled). */
  void faultFromOutside(UpgradeError error) {
    fault(error);
  }

  Decision finish() {
    if (d.phase == Phase.DONE) {
      wakeAt = null;
    }
    d.outbox.addAll(actions);
    return new Decision(d.build(), actions, events, wakeAt);
  }

  // ---- NOT_STARTED ------------------------------------------------------------------------------------------------

  private Outcome start() {
    ScaleSet fleet = fleet();
    if (pinsModel()) {
      RolloutEngine.checkCanStart(fleet, d.target);
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
    return Outcome.goTo(Phase.BEFORE_BATCH, "planned " + plan.batches().size() + " batches");
  }

  // ---- BEFORE_BATCH -----------------------------------------------------------------------------------------------

  private Outcome everyBatchSent() {
    if (d.batch <= plan().batches().size()) {
      return Outcome.NEXT;
    }
    Outcome late = planLateJoiners();
    return late.kind() == Outcome.Kind.NEXT ? complete() : late; // batches added, or the rollout ended
  }

  private Outcome cancelBeforeBatch() {
    return d.cancelRequested ? end(RolloutStatus.CANCELLED, null) : Outcome.NEXT;
  }

  private Outcome pauseBeforeBatch() {
    if (!d.pauseRequested) {
      return Outcome.NEXT;
    }
    if (d.status != RolloutStatus.PAUSED) {
      d.status = RolloutStatus.PAUSED;
      emit(seq -> new RolloutPaused(seq, now, d.scaleSet, d.batch));
    }
    return Outcome.hold("paused by the caller before batch " + d.batch);
  }

  private Outcome resumed() {
    if (d.status == RolloutStatus.PAUSED) {
      d.status = RolloutStatus.ROLLING_FORWARD;
      progressed();
      emit(seq -> new RolloutResumed(seq, now, d.scaleSet, d.batch));
    }
    d.status = RolloutStatus.ROLLING_FORWARD;
    return Outcome.NEXT;
  }

  /** An instance of the batch missing from this look: a read of it confirms it gone before the batch goes. */
  private Outcome confirmMissing() {
    Instant confirmAt = null;
    for (String id : plan().batch(d.batch).instanceIds()) {
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
    return confirmAt == null ? Outcome.NEXT : Outcome.waitUntil(confirmAt, "an instance of batch " + d.batch
        + " is missing from the look: a read of its own confirms it gone first");
  }

  /**
   * The before-batch gates, over the whole set the rollout knows: instances it knows exist that this look does not
   * show are {@linkplain GateContext#unaccounted unaccounted} for the gates ({@link #unaccounted}). When the fleet's
   * budget waits for them ({@link FleetUnhealthyGate}: they could put the fleet over it), they are read one by one
   * from the next look on; that wait is not progress (the progress deadline bounds it, as it bounds
   * {@link #confirmMissing}).
   */
  private Outcome beforeBatchGates() {
    return gates(GatePhase.BEFORE_BATCH, beforeGates);
  }

  /**
   * Instances the rollout knows exist ({@link InstanceProgress#expectedToExist}) that this look does not show and no
   * read of their own found gone in it. A pending instance a read found gone is settled as removed here, whatever its
   * batch; one that has settled otherwise (upgraded, failed) keeps its stage and is simply not counted in this look.
   */
  private List<String> unaccounted() {
    List<String> out = new ArrayList<>();
    for (InstanceProgress p : List.copyOf(d.instances.values())) {
      String id = p.instanceId();
      if (!p.expectedToExist() || fleet().instance(id).isPresent()) {
        continue;
      }
      if (obs().isConfirmedGone(id)) {
        if (p.stage() == InstanceStage.PENDING) {
          d.missingSince.remove(id);
          d.instances.put(id, p.settled(InstanceStage.REMOVED, now));
        }
        continue;
      }
      out.add(id);
    }
    return out;
  }

  /**
   * Instances already on the target go straight to waiting for health, protected ones are left out, gone ones are
   * named; the rest are to be sent.
   */
  private Outcome sortBatch() {
    toSend.clear();
    notSent.clear();
    for (String id : plan().batch(d.batch).instanceIds()) {
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
    return Outcome.NEXT;
  }

  private Outcome skipBatch() {
    if (!toSend.isEmpty()) {
      return Outcome.NEXT;
    }
    int total = plan().batches().size();
    String why = "nothing left to upgrade" + (notSent.isEmpty() ? "" : ": " + String.join(", ", notSent));
    emit(seq -> new BatchSkipped(seq, now, d.scaleSet, d.batch, total, why));
    return nextBatch();
  }

  private Outcome sendBatch() {
    RolloutPlan plan = plan();
    Batch batch = plan.batch(d.batch);
    List<String> needCall = toSend.stream().filter(id -> !fleet().instance(id).orElseThrow().runs(d.target))
        .toList();
    boolean surge = !needCall.isEmpty() && surgeEligible(needCall);
    if (!needCall.isEmpty()) {
      pinModelBeforeTheFirstCall();
      if (surge) {
        for (String id : needCall) {
          InstanceProgress p = Objects.requireNonNull(d.instances.get(id));
          d.instances.put(id, p.requested(InstanceStage.REPLACING, now));
        }
        act(new RolloutAction.ScaleOut(needCall, fleet().instances().stream().map(Instance::instanceId).toList()));
      } else {
        act(new RolloutAction.UpgradeInstances(needCall));
      }
    }
    d.batchStartedAt = now;
    progressed();
    int unhealthy = fleet().unhealthyCount();
    int total = fleet().instanceCount() + unaccounted().size(); // the whole set, as the gate counted it
    List<String> sent = List.copyOf(toSend);
    emit(seq -> new BatchStarted(seq, now, d.scaleSet, d.batch, plan.batches().size(), batch.zone(), sent,
        unhealthy, total));
    // No look before the batch can plausibly be done.
    return Outcome.goToAndWait(Phase.IN_BATCH, LookSchedule.of(options, d.instances.values(), d.batch, now, looks)
        .next(now, null), "batch " + d.batch + " sent");
  }

  /**
   * Max surge: the batch is replaced by new instances when the runner reports room for all of them
   * ({@link Observation#headroom()}; a look without it, from a runner that can read it, is asked for it first);
   * otherwise, or when a {@code CanNotDelete} lock forbids deleting what it replaces, it is upgraded in place, and a
   * {@link SurgeFallback} says why.
   */
  private boolean surgeEligible(List<String> needCall) {
    if (!policy().maxSurge()) {
      return false;
    }
    int needed = needCall.size();
    List<String> undeletable = needCall.stream()
        .filter(id -> !fleet().instance(id).map(Instance::deletable).orElse(true)).toList();
    if (!undeletable.isEmpty()) {
      // Max surge deletes what it replaced; a resource lock that forbids the delete keeps the batch in place.
      emit(seq -> new SurgeFallback(seq, now, d.scaleSet, d.batch, needed, -1, "a CanNotDelete resource lock "
          + "applies to " + InstanceIds.format(undeletable) + ": the instances max surge replaces could not be "
          + "deleted"));
      return false;
    }
    Integer headroom = obs().headroom();
    if (headroom == null && obs().headroomReadable()) {
      throw new NeedsInput(new Decision.Needs(true, List.of())); // the kernel reads nothing: it asks the runner
    }
    if (headroom != null && headroom >= needed) {
      return true;
    }
    int room = headroom == null ? -1 : headroom;
    String why = headroom == null ? "no capacity port to create instances with"
        : "room for " + headroom + " new instances, " + needed + " needed (quota check before the batch)";
    emit(seq -> new SurgeFallback(seq, now, d.scaleSet, d.batch, needed, room, why));
    return false;
  }

  /** The model moves only when the first batch is about to go, so a stop before it changes nothing. */
  private void pinModelBeforeTheFirstCall() {
    ImageReference model = currentModel();
    ImageReference targetModel = model.withVersion(d.target);
    if (pinsModel() && !targetModel.equals(model)) {
      act(new RolloutAction.UpdateModelImage(targetModel));
      d.intendedModel = targetModel;
      emit(seq -> new ModelImageChanged(seq, now, d.scaleSet, model, targetModel,
          "orchestrated rollout: the model takes the target, then instances are upgraded to it batch by batch"));
    }
  }

  // ---- IN_BATCH ---------------------------------------------------------------------------------------------------

  private Outcome settleBatch() {
    Map<ImageReference, List<String>> rollbacks = new LinkedHashMap<>();
    List<String> deletes = new ArrayList<>();
    boolean allSettled = true;
    Instant nextDeadline = null;
    for (InstanceProgress p : d.instances.snapshot()) {
      if (p.batch() != d.batch || p.stage().isSettled()) {
        continue;
      }
      InstanceProgress after = observe(p, rollbacks, deletes);
      if (!after.stage().isSettled()) {
        allSettled = false;
        nextDeadline = earlier(nextDeadline, InstanceTransition.deadline(after, timeouts(), now));
      }
    }
    Instant replacedMissing = null;
    if (allSettled) {
      // Max surge: every old instance replaced by a healthy new one goes in one call, once the batch has settled. One
      // missing from the look is not taken as deleted: it is read on its own first (found, it is deleted with the
      // others; gone, it is left out), and nothing is deleted until each is accounted for.
      List<String> replaced = new ArrayList<>();
      for (InstanceProgress p : d.instances.values()) {
        if (p.batch() != d.batch || p.stage() != InstanceStage.REPLACED) {
          continue;
        }
        String id = p.instanceId();
        if (fleet().instance(id).isPresent()) {
          replaced.add(id);
        } else if (!obs().isConfirmedGone(id)) {
          Instant at = confirmationDue(id);
          replacedMissing = replacedMissing == null || at.isBefore(replacedMissing) ? at : replacedMissing;
        }
      }
      if (replacedMissing == null) {
        deletes.addAll(replaced);
      }
    }
    rollbacks.forEach((image, ids) -> act(new RolloutAction.RollBackInstances(ids, image)));
    if (!deletes.isEmpty()) {
      act(new RolloutAction.DeleteInstances(deletes));
    }
    if (!allSettled) {
      Instant at = LookSchedule.of(options, d.instances.values(), d.batch,
          Objects.requireNonNull(d.batchStartedAt, "batchStartedAt"), looks).next(now, nextDeadline);
      return Outcome.waitUntil(at, "instances of batch " + d.batch + " in flight");
    }
    if (replacedMissing != null) {
      return Outcome.waitUntil(replacedMissing, "an instance max surge replaced in batch " + d.batch
          + " is missing from the look: a read of its own finds it (to delete it) or confirms it gone first");
    }
    return Outcome.NEXT;
  }

  private Outcome afterBatchGates() {
    return gates(GatePhase.AFTER_BATCH, afterGates);
  }

  private Outcome batchCompleted() {
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
    return nextBatch();
  }

  /** The batch is over: the pause between batches (unless it was the last, or a cancel waits), then the next. */
  private Outcome nextBatch() {
    d.batchStartedAt = null;
    d.gateWaits.clear();
    boolean more = d.batch < plan().batches().size();
    Duration pause = policy().pauseTimeBetweenBatches();
    d.batch++;
    if (more && !pause.isZero() && !d.cancelRequested) {
      d.pauseUntil = now.plus(pause);
      return Outcome.goTo(Phase.PAUSING, "pauseTimeBetweenBatches " + pause);
    }
    return Outcome.goTo(Phase.BEFORE_BATCH, "next batch");
  }

  // ---- the gates --------------------------------------------------------------------------------------------------

  /**
   * Asks gates in order: a failure is a breach, a wait ends the step until the gate's time (and does not count as a
   * lack of progress), and when every gate passes the next rule is asked.
   */
  private Outcome gates(GatePhase phase, List<HealthGate> gates) {
    Instant startedAt = Objects.requireNonNull(d.startedAt);
    List<MetricQuery> missing = new ArrayList<>();
    for (HealthGate gate : gates) {
      for (MetricQuery q : gate.reads(d.scaleSet, startedAt, now)) {
        if (!obs().metrics().containsKey(q) && !missing.contains(q)) {
          missing.add(q);
        }
      }
    }
    if (!missing.isEmpty()) {
      throw new NeedsInput(new Decision.Needs(false, missing)); // the kernel reads nothing: it asks the runner
    }
    List<String> unaccounted = phase == GatePhase.BEFORE_BATCH ? unaccounted() : List.of();
    GateContext ctx = gateContext(phase).withUnaccounted(new HashSet<>(unaccounted));
    for (HealthGate gate : gates) {
      String key = phase + "/" + d.batch + "/" + gate.name();
      GateVerdict verdict = gate.evaluate(ctx.withWaits(d.gateWaits.getOrDefault(key, 0)));
      emit(seq -> new GateEvaluated(seq, now, d.scaleSet, phase, d.batch, verdict));
      if (verdict instanceof GateVerdict.Fail f) {
        return breach(new UpgradeError(f.code(), f.reason()));
      }
      if (verdict instanceof GateVerdict.Wait w) {
        Instant until = w.until().isAfter(now) ? w.until() : now.plus(options.pollInterval());
        if (phase == GatePhase.BEFORE_BATCH && verdict.gate().equals(FleetUnhealthyGate.NAME)) {
          // The fleet's budget waits for instances it cannot judge: those the look left out are read each on its
          // own from a poll interval after it was first missed. Not progress: an instance that is never accounted
          // for (or never reports a health the library can read) ends in the progress deadline's timeout, not in
          // a claim about the fleet's health.
          if (!unaccounted.isEmpty()) {
            awaitReads(unaccounted);
          }
        } else {
          // Waiting on a gate (a closed maintenance window, more samples) is not a lack of progress.
          d.lastProgressAt = until;
        }
        d.gateWaits.merge(key, 1, Integer::sum); // the gate's state is the rollout's, in its checkpoint
        return Outcome.waitUntil(until, gate.name() + " waits");
      }
    }
    return Outcome.NEXT;
  }

  private GateContext gateContext(GatePhase phase) {
    List<String> upgraded = new ArrayList<>(d.instances.values().size()); // ids are unique: a list holds the set
    List<String> failed = new ArrayList<>();
    for (InstanceProgress p : d.instances.values()) {
      if (p.isSurge()) {
        // A healthy surge instance stands for the one it replaced (deleted by now): its health is what counts.
        if (p.stage() == InstanceStage.SUCCEEDED) {
          upgraded.add(p.instanceId());
        }
        continue;
      }
      if (p.stage() != InstanceStage.PENDING && p.stage() != InstanceStage.REMOVED
          && p.stage() != InstanceStage.REPLACED && p.stage() != InstanceStage.REPLACING) {
        upgraded.add(p.instanceId());
      }
      if (p.stage().isFailed()) {
        failed.add(p.instanceId());
      }
    }
    return new GateContext(phase, d.batch, plan().batches().size(), fleet(), d.target, policy(),
        distinct(upgraded), distinct(failed), Objects.requireNonNull(d.startedAt), now, 0, obs().metrics());
  }

  /** A list of distinct ids as a set (the context copies it). */
  private static java.util.Set<String> distinct(List<String> ids) {
    return new java.util.AbstractSet<>() {
      @Override
      public java.util.Iterator<String> iterator() {
        return java.util.Collections.unmodifiableList(ids).iterator();
      }

      @Override
      public int size() {
        return ids.size();
      }
    };
  }

  // ---- one instance in flight ---------------------------------------------------------------------------------

  /** Applies {@link InstanceTransition#of} to one instance: its new stage, its events, its rollback or delete. */
  private InstanceProgress observe(InstanceProgress p, Map<ImageReference, List<String>> rollbacks,
      List<String> deletes) {
    String id = p.instanceId();
    Instance live = fleet().instance(id).orElse(null);
    InstanceTransition t = InstanceTransition.of(p, live, obs().isConfirmedGone(id), d.target, timeouts(), now);
    InstanceProgress next;
    if (t instanceof InstanceTransition.Stays) {
      return p;
    } else if (t instanceof InstanceTransition.Missing) {
      d.missingSince.putIfAbsent(id, now);
      return p; // missing from this look, not confirmed gone by a read of it: it stays in play
    } else if (t instanceof InstanceTransition.SurgeDeleted) {
      next = p.settled(InstanceStage.ROLLED_BACK, now);
      emit(seq -> new InstanceRolledBack(seq, now, d.scaleSet, p.batch(), id,
          p.previousImage().version().orElseThrow(), true, "the failed surge instance was deleted; "
              + p.replaces() + " stays on its image"));
      progressed();
      d.instances.put(id, next);
      return next;
    } else if (t instanceof InstanceTransition.Removed || t instanceof InstanceTransition.ProtectedSince) {
      d.missingSince.remove(id);
      next = p.settled(InstanceStage.REMOVED, now);
      progressed();
      d.instances.put(id, next);
      return next;
    } else if (t instanceof InstanceTransition.Upgraded) {
      next = p.upgraded(upgradeEnded(p, Objects.requireNonNull(live)));
      ImageVersion from = p.previousImage().version().orElseThrow();
      emit(seq -> new InstanceUpgraded(seq, now, d.scaleSet, p.batch(), id, from, d.target));
      d.instances.put(id, next);
      return observe(next, rollbacks, deletes); // it may be Healthy in the same look
    } else if (t instanceof InstanceTransition.Healthy) {
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
    } else if (t instanceof InstanceTransition.Failed f) {
      next = fail(p, f.health(), f.reason(), rollbacks, deletes);
    } else {
      InstanceTransition.RolledBack r = (InstanceTransition.RolledBack) t;
      ImageVersion previous = p.previousImage().version().orElseThrow();
      next = p.settled(r.restored() ? InstanceStage.ROLLED_BACK : InstanceStage.ROLLBACK_FAILED, now);
      emit(seq -> new InstanceRolledBack(seq, now, d.scaleSet, p.batch(), id, previous, r.restored(), r.why()));
    }
    if (next.stage() != p.stage()) {
      progressed();
    }
    d.instances.put(id, next);
    return next;
  }

  /**
   * When the instance's upgrade ended: the time its instance view gives for the end of its last provisioning, when it
   * gives one after the request (looks are sparse: the look that first sees it upgraded may come minutes later, and
   * Azure's 5-minute health wait counts from the upgrade), else now.
   */
  private Instant upgradeEnded(InstanceProgress p, Instance live) {
    Instant ended = live.provisionedAt();
    Instant requested = p.requestedAt();
    if (ended == null || requested == null || ended.isBefore(requested) || ended.isAfter(now)) {
      return now;
    }
    return ended;
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

  // ---- PAUSING ----------------------------------------------------------------------------------------------------

  private Outcome cancelEndsPause() {
    return d.cancelRequested ? endPause("cancel requested") : Outcome.NEXT;
  }

  private Outcome pauseOver() {
    Instant until = Objects.requireNonNull(d.pauseUntil, "pauseUntil");
    return now.isBefore(until) ? Outcome.waitUntil(until, "pauseTimeBetweenBatches") : endPause("pause over");
  }

  private Outcome endPause(String why) {
    d.pauseUntil = null;
    progressed();
    return Outcome.goTo(Phase.BEFORE_BATCH, why);
  }

  // ---- VERIFYING --------------------------------------------------------------------------------------------------

  /**
   * Before completing, looks for instances the plan never knew (created by a scale-out while the rollout ran) that
   * do not run the target, and has the planner add batches for them ({@link BatchPlanner#extend}: the same batch
   * size, zone, update-domain and unhealthy-first rules as the plan's own).
   *
   * <p>An instance the rollout asked to upgrade and let go (left out of the looks and of its own read, so settled as
   * gone) that a read shows again off the target is planned again too, but only so often: once it has been asked
   * {@link RolloutOptions#maxUpgradeRequestsPerInstance()} times it is not asked again. The others are planned first;
   * when only such instances are left, the rollout faults with {@link StopCode#UPGRADE_NOT_APPLIED}, naming them and
   * how many times each was asked ({@link RolloutState#replanned()} keeps the count, in the checkpoint).
   */
  private Outcome planLateJoiners() {
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
      return Outcome.NEXT;
    }
    List<Instance> toPlan = new ArrayList<>();
    List<String> askedAgain = new ArrayList<>();
    List<String> exhausted = new ArrayList<>();
    for (Instance i : stragglers) {
      String id = i.instanceId();
      if (!askedBefore(id)) {
        toPlan.add(i);
      } else if (requestsFor(id) < options.maxUpgradeRequestsPerInstance()) {
        toPlan.add(i);
        askedAgain.add(id);
      } else {
        exhausted.add(id);
      }
    }
    if (toPlan.isEmpty()) {
      return upgradeNotApplied(exhausted);
    }
    askedAgain.forEach(id -> d.replanned.merge(id, 1, Integer::sum));
    RolloutPlan extended = BatchPlanner.extend(plan, fleet(), toPlan);
    for (Batch b : extended.batches().subList(plan.batches().size(), extended.batches().size())) {
      for (String id : b.instanceIds()) {
        Instance i = fleet().instance(id).orElseThrow();
        d.instances.put(id, InstanceProgress.pending(id, b.number(), i.image()));
      }
    }
    d.plan = extended;
    int added = extended.batches().size() - plan.batches().size();
    List<String> ids = toPlan.stream().map(Instance::instanceId).toList();
    emit(seq -> new PlanExtended(seq, now, d.scaleSet, added, ids));
    return Outcome.goTo(Phase.BEFORE_BATCH, added + " batches added for instances the plan did not hold"
        + (askedAgain.isEmpty() ? "" : " (asked again: " + InstanceIds.format(askedAgain) + ")"));
  }

  /** The rollout asked for this instance's upgrade before and let it go (its stage is REMOVED now). */
  private boolean askedBefore(String id) {
    InstanceProgress known = d.instances.get(id);
    return known != null && known.stage() == InstanceStage.REMOVED && known.requestedAt() != null;
  }

  /** How many times the rollout has asked for this instance's upgrade, counting the request it was let go after. */
  private int requestsFor(String id) {
    return d.replanned.getOrDefault(id, 0) + 1;
  }

  /**
   * Instances asked as often as the rollout allows and found off the target again: they count as failed (left as they
   * are: they never ran the target, so there is nothing to roll back), and the rollout faults, saying so.
   */
  private Outcome upgradeNotApplied(List<String> exhausted) {
    StringBuilder each = new StringBuilder();
    for (String id : exhausted) {
      Instance live = fleet().instance(id).orElseThrow();
      InstanceProgress p = Objects.requireNonNull(d.instances.get(id));
      d.instances.put(id, p.settled(InstanceStage.FAILED, now));
      each.append(each.length() == 0 ? "" : "; ").append("instance ").append(id).append(" asked ")
          .append(requestsFor(id)).append(" times, runs ").append(live.imageVersion()).append(" (")
          .append(live.health()).append(')');
    }
    String who = exhausted.size() == 1 ? "An instance was" : exhausted.size() + " instances were";
    return fault(UpgradeError.of(StopCode.UPGRADE_NOT_APPLIED, who + " asked to upgrade to " + d.target + " "
        + options.maxUpgradeRequestsPerInstance() + " times (maxUpgradeRequestsPerInstance) and found off the target "
        + "after each: every request was accepted, the instance was then left out of the looks and settled as gone, "
        + "and a read found it again on its old image. It is not asked again: " + each + "."));
  }

  /**
   * The truth rule: {@code Completed} only on a full read (model and instances read together) that shows the model
   * on the target, when the rollout pins it; each instance not on the target and healthy is explained in the
   * {@link RolloutCompleted} event.
   */
  private Outcome complete() {
    if (!obs().fullRead()) {
      return Outcome.goToAndLookAgainNow(Phase.VERIFYING, "Completed is said on a full read only");
    }
    // A full read can be short too: an instance the rollout knows exists that it does not show is read on its own
    // first (found, it joins the read and is verified with it; gone, it is not counted). Not progress: one never
    // accounted for ends in the progress deadline's timeout.
    List<String> unaccounted = unaccounted();
    if (!unaccounted.isEmpty()) {
      Instant accountAt = awaitReads(unaccounted);
      return Outcome.goToAndWait(Phase.VERIFYING, accountAt, "Completed is said when every instance the rollout "
          + "knows is accounted "
          + "for: some are missing from the read");
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
      return Outcome.goToAndLookAgainNow(Phase.VERIFYING, "confirm the model on the next full read");
    }
    return end(RolloutStatus.COMPLETED, null);
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

  // ---- ROLLING_BACK -----------------------------------------------------------------------------------------------

  private Outcome settleRollbacks() {
    boolean settled = true;
    Instant nextDeadline = null;
    for (InstanceProgress p : d.instances.snapshot()) {
      if (p.stage() == InstanceStage.ROLLING_BACK) {
        InstanceProgress after = observe(p, new LinkedHashMap<>(), new ArrayList<>());
        if (!after.stage().isSettled()) {
          settled = false;
          nextDeadline = earlier(nextDeadline, InstanceTransition.deadline(after, timeouts(), now));
        }
      }
    }
    return settled ? Outcome.NEXT : Outcome.waitUntil(nextPoll(nextDeadline), "rollbacks in flight");
  }

  private Outcome faultAfterRollback() {
    return fault(Objects.requireNonNull(d.error, "error"));
  }

  // ---- breach, fault, end -----------------------------------------------------------------------------------------

  /**
   * A safety rule stopped the rollout. With {@code rollbackFailedInstancesOnPolicyBreach}, failed instances that are
   * still on the new image go back to their previous one first (status RollingBack), then the rollout faults.
   */
  private Outcome breach(UpgradeError error) {
    List<InstanceProgress> toRestore = d.instances.values().stream()
        .filter(p -> p.stage() == InstanceStage.FAILED && !p.isSurge())
        .filter(p -> obs != null && fleet().instance(p.instanceId())
            .map(i -> !i.runs(p.previousImage().version().orElseThrow())).orElse(false))
        .toList();
    if (!policy().rollbackFailedInstancesOnPolicyBreach() || toRestore.isEmpty()) {
      return fault(error);
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
    return Outcome.goToAndWait(Phase.ROLLING_BACK, now.plus(options.pollInterval()),
        "rollbackFailedInstancesOnPolicyBreach: restoring " + toRestore.size() + " failed instances first");
  }

  private Outcome fault(UpgradeError error) {
    // An instance ARM never upgraded says nothing against the image: every other instance took it, so the model
    // stays on the target and instances created later take it too.
    boolean imageStands = error.stopCode().filter(c -> c == StopCode.UPGRADE_NOT_APPLIED).isPresent();
    if (pinsModel() && options.revertModelOnFault() && !imageStands && d.previousModelImage != null && obs != null) {
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
    return end(RolloutStatus.FAULTED, error);
  }

  private Outcome end(RolloutStatus status, @Nullable UpgradeError error) {
    d.status = status;
    d.error = error;
    d.phase = Phase.DONE;
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
    return Outcome.goTo(Phase.DONE, status.azureName());
  }

  // ---- every look -------------------------------------------------------------------------------------------------

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

  /** The one deadline rule ({@link RolloutEngine#progressDeadline}), on the step's state. */
  private boolean progressDeadlinePassed() {
    Instant at = RolloutEngine.deadlineAt(options.progressDeadline(), d.status, d.phase, d.pauseRequested,
        d.lastProgressAt, d.pauseUntil, null, d.endedAt);
    return at != null && !now.isBefore(at);
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

  /**
   * Has the runner read instances on its own, all from the earliest time any of them was first missed, so that one
   * look reads them together (up to {@link Rollout#MAX_DIRECT_READS}) and accounts for all of them at once: one found
   * by a read of its own is back in that look only, and instances read in turn would never all be in the same look.
   *
   * @return when they are due
   */
  private Instant awaitReads(List<String> ids) {
    Instant since = now;
    for (String id : ids) {
      Instant t = d.missingSince.get(id);
      if (t != null && t.isBefore(since)) {
        since = t;
      }
    }
    for (String id : ids) {
      d.missingSince.put(id, since);
    }
    Instant at = since.plus(options.pollInterval());
    return now.isBefore(at) ? at : now.plus(options.pollInterval());
  }

  // ---- small helpers ----------------------------------------------------------------------------------------------

  private InstanceTransition.Timeouts timeouts() {
    return InstanceTransition.Timeouts.of(options);
  }

  /** The earlier of two instance deadlines, counting only those still ahead. */
  private @Nullable Instant earlier(@Nullable Instant current, @Nullable Instant candidate) {
    if (candidate == null || !candidate.isAfter(now)) {
      return current;
    }
    return current == null || candidate.isBefore(current) ? candidate : current;
  }

  /** A poll interval from now, or the next instance deadline if that comes first (and is still ahead). */
  private Instant nextPoll(@Nullable Instant nextDeadline) {
    Instant poll = now.plus(options.pollInterval());
    return nextDeadline != null && nextDeadline.isAfter(now) && nextDeadline.isBefore(poll) ? nextDeadline : poll;
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
}
