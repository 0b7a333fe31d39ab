package dev.osupgrade.testkit;

import dev.osupgrade.ops.StopCode;
import dev.osupgrade.event.RolloutEvent;
import dev.osupgrade.fleet.InstanceIds;
import dev.osupgrade.fleet.ProvisioningState;
import dev.osupgrade.fleet.ScaleSet;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.plan.ImageEligibility;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.image.ImageRelease;
import dev.osupgrade.image.ImageVersion;
import dev.osupgrade.ops.RollbackInfo;
import dev.osupgrade.ops.RollingUpgradeStatus;
import dev.osupgrade.ops.RolloutStatus;
import dev.osupgrade.ops.StartedBy;
import dev.osupgrade.ops.UpgradeError;
import dev.osupgrade.ops.UpgradeHistoryEntry;
import dev.osupgrade.ops.UpgradeProgress;
import dev.osupgrade.policy.RollingUpgradePolicy;
import dev.osupgrade.port.ConflictException;
import dev.osupgrade.port.InvalidModelException;
import dev.osupgrade.rollout.Decision;
import dev.osupgrade.rollout.InstanceStage;
import dev.osupgrade.rollout.Observation;
import dev.osupgrade.rollout.RolloutAction;
import dev.osupgrade.rollout.RolloutEngine;
import dev.osupgrade.rollout.RolloutOptions;
import dev.osupgrade.rollout.RolloutState;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * The platform's own OS rolling upgrades in the simulated fleet: the automatic OS upgrade (a check for an eligible
 * image version on a timer, see {@link SimulationProfile}), manual starts, cancel, deferral approvals, the latest
 * status and the history. Each upgrade is run by the core {@link RolloutEngine} with
 * {@link RolloutOptions.ModelHandling#LEAVE_AS_IS}; its actions are carried out on the simulator's internals (not
 * counted as port calls), one engine step per timer.
 */
final class PlatformUpgrades {
  /** Azure keeps the OS upgrade history of the last two months; the simulator reads that as 60 days. */
  static final Duration HISTORY_WINDOW = Duration.ofDays(60);
  /** Azure lists the last five OS upgrade attempts. */
  static final int HISTORY_SIZE = 5;

  private final FleetContext ctx;
  private final InstanceLifecycle lifecycle;
  private final Map<ScaleSetId, State> states = new HashMap<>();

  PlatformUpgrades(FleetContext ctx, InstanceLifecycle lifecycle) {
    this.ctx = ctx;
    this.lifecycle = lifecycle;
  }

  /** Per scale set: the check timer, versions not retried, the running upgrade and the past ones. */
  private static final class State {
    @Nullable Instant firstCheckAt;
    VirtualClock.@Nullable Cancellable check;
    @Nullable Instant checkAt;
    final SortedSet<ImageVersion> notRetried = new TreeSet<>();
    @Nullable Run current;
    final List<Run> runs = new ArrayList<>();
  }

  private State state(SimScaleSet s) {
    return states.computeIfAbsent(s.id, k -> new State());
  }

  // ---- the automatic OS upgrade's checks ------------------------------------------------------------------------

  /** Automatic OS upgrade was switched on: the first check comes after the drawn first-check delay. */
  void enabled(SimScaleSet s) {
    State st = state(s);
    Duration delay = ctx.draw(ctx.profile.platformFirstCheckMin(), ctx.profile.platformFirstCheckMax());
    st.firstCheckAt = ctx.now().plus(delay);
    if (st.check != null) {
      st.check.cancel();
      st.check = null;
      st.checkAt = null;
    }
    ctx.record(s.id, "automatic OS upgrade enabled: first platform check at " + st.firstCheckAt + ", then every "
        + ctx.profile.platformCheckInterval());
    scheduleCheck(s, st, st.firstCheckAt);
  }

  /** A model update (any, even without changes) lets versions that faulted or were cancelled be tried again. */
  void modelUpdated(SimScaleSet s) {
    state(s).notRetried.clear();
    wake(s);
  }

  /** Something the check depends on may have changed: make sure the next check on the grid is scheduled. */
  void wake(SimScaleSet s) {
    if (!s.automaticOsUpgrade()) {
      return;
    }
    State st = state(s);
    if (st.firstCheckAt == null) {
      enabled(s);
      return;
    }
    if (st.current != null) {
      return;
    }
    scheduleCheck(s, st, tickAfter(st, ctx.now()));
  }

  void wakeAll() {
    ctx.scaleSets.values().forEach(this::wake);
  }

  /** The first check-grid time strictly after {@code t} (or the first check itself, if still ahead). */
  private Instant tickAfter(State st, Instant t) {
    Instant first = Objects.requireNonNull(st.firstCheckAt);
    if (t.isBefore(first)) {
      return first;
    }
    Duration interval = ctx.profile.platformCheckInterval();
    long k = Duration.between(first, t).dividedBy(interval) + 1;
    return first.plus(interval.multipliedBy(k));
  }

  /** Schedules a check at {@code at} unless one is already due no later. */
  private void scheduleCheck(SimScaleSet s, State st, Instant at) {
    if (st.check != null && st.checkAt != null && !st.checkAt.isAfter(at)) {
      return;
    }
    if (st.check != null) {
      st.check.cancel();
    }
    st.check = ctx.clock.schedule(at, () -> check(s));
    st.checkAt = at;
  }

  private void check(SimScaleSet s) {
    State st = state(s);
    st.check = null;
    st.checkAt = null;
    if (!s.automaticOsUpgrade() || st.current != null || ctx.scaleSets.get(s.id) != s) {
      return;
    }
    ScaleSet view = ctx.view(s);
    List<ImageRelease> releases = ctx.releases(s.modelImage);
    Optional<ImageRelease> eligible = ImageEligibility.newestEligible(releases, view, ctx.now());
    if (eligible.isPresent() && !st.notRetried.contains(eligible.get().version())) {
      ImageRelease r = eligible.get();
      ctx.record(s.id, "platform check: " + r.version() + " is eligible; starting an automatic OS upgrade");
      AutomaticPolicy p = new AutomaticPolicy(s);
      startRun(s, st, StartedBy.PLATFORM, r.image(), p.policy, p.rollback, p.deferral);
      return;
    }
    if (eligible.isPresent()) {
      ctx.record(s.id, "platform check: " + eligible.get().version() + " is not retried after its last upgrade "
          + "ended " + lastEnding(st) + "; a model update lets it be tried again");
    } else {
      ctx.record(s.id, "platform check: nothing to do" + releases.stream().max(Comparator.comparing(
          ImageRelease::version)).map(r -> " (" + ImageEligibility.check(r, view, ctx.now()) + ")").orElse(""));
    }
    // A release published in the future becomes eligible on its own: look again at the first check after it.
    releases.stream().map(ImageRelease::publishedAt).filter(t -> t.isAfter(ctx.now())).min(Comparator.naturalOrder())
        .ifPresent(t -> scheduleCheck(s, st, tickAfter(st, t.minusNanos(1))));
  }

  private static String lastEnding(State st) {
    return st.runs.isEmpty() ? "?" : st.runs.get(st.runs.size() - 1).state.status().azureName();
  }

  /** The rolling policy, rollback and deferral of an automatic OS upgrade, as the scale set says. */
  private static final class AutomaticPolicy {
    final RollingUpgradePolicy policy;
    final boolean rollback;
    final boolean deferral;

    AutomaticPolicy(SimScaleSet s) {
      this.policy = s.upgradePolicy.policyForAutomaticOsUpgrade();
      this.rollback = !s.upgradePolicy.automaticOsUpgrade().disableAutomaticRollback();
      this.deferral = s.upgradePolicy.automaticOsUpgrade().osRollingUpgradeDeferral();
    }
  }

  // ---- the port -------------------------------------------------------------------------------------------------

  void startManually(SimScaleSet s) {
    State st = state(s);
    if (st.current != null) {
      throw new ConflictException(409, "OperationNotAllowed", "Cannot start an OS Rolling Upgrade on Virtual "
          + "Machine Scale Set '" + s.id.name() + "' because a Rolling Upgrade is already in progress.", null);
    }
    boolean anyUnprotected = s.instances.values().stream().anyMatch(i -> !i.protectedFromUpgrade);
    if (!s.modelImage.isLatest() || !anyUnprotected) {
      throw new InvalidModelException(400, "OperationNotAllowed", "The OS Rolling Upgrade API cannot be used on a "
          + "Virtual Machine Scale Set unless the Virtual Machine Scale Set has some unprotected instances which "
          + "have imageReference.version set to latest.", null);
    }
    ImageReference target = ctx.resolveModelImage(s);
    ctx.record(s.id, "OS rolling upgrade to " + FleetContext.versionOf(target) + " started by a user "
        + "(osRollingUpgrade): no automatic rollback");
    startRun(s, st, StartedBy.USER, target, s.upgradePolicy.rollingOrDefaults(), false, false);
  }

  void cancel(SimScaleSet s) {
    Run run = state(s).current;
    if (run == null || run.state.cancelRequested()) {
      ctx.record(s.id, "cancel: There is no ongoing Rolling Upgrade to cancel. (Azure answers 409; the port "
          + "contract makes it a no-op)");
      return;
    }
    run.cancel();
  }

  Optional<RollingUpgradeStatus> latest(SimScaleSet s) {
    State st = state(s);
    return st.runs.isEmpty() ? Optional.empty() : Optional.of(st.runs.get(st.runs.size() - 1).status());
  }

  List<UpgradeHistoryEntry> history(SimScaleSet s) {
    Instant since = ctx.now().minus(HISTORY_WINDOW);
    List<UpgradeHistoryEntry> out = new ArrayList<>();
    List<Run> runs = state(s).runs;
    for (int k = runs.size() - 1; k >= 0 && out.size() < HISTORY_SIZE; k--) {
      Run r = runs.get(k);
      if (!r.startTime.isBefore(since)) {
        out.add(r.historyEntry());
      }
    }
    return out;
  }

  void approve(SimScaleSet s, List<String> instanceIds) {
    instanceIds.forEach(id -> ctx.instance(s, id));
    if (instanceIds.isEmpty()) {
      ctx.record(s.id, "approve: no instance named; nothing approved (the port never approves all by omission)");
      return;
    }
    Run run = state(s).current;
    if (run == null || run.held.isEmpty()) {
      ctx.record(s.id, "approve " + InstanceIds.format(instanceIds)
          + ": no OS upgrade is pending approval; nothing to do");
      return;
    }
    run.approve(instanceIds);
  }

  List<String> pendingApproval(SimScaleSet s) {
    Run run = state(s).current;
    return run == null ? List.of() : List.copyOf(run.held);
  }

  List<RolloutEvent> events(SimScaleSet s) {
    List<RolloutEvent> out = new ArrayList<>();
    state(s).runs.forEach(r -> out.addAll(r.events));
    return out;
  }

  // ---- one platform upgrade -----------------------------------------------------------------------------------

  private void startRun(SimScaleSet s, State st, StartedBy by, ImageReference target, RollingUpgradePolicy policy,
      boolean rollback, boolean deferral) {
    RolloutOptions.Builder options = RolloutOptions.builder()
        .policy(policy)
        .modelHandling(RolloutOptions.ModelHandling.LEAVE_AS_IS)
        .automaticRollback(rollback ? RolloutOptions.AutomaticRollback.ON : RolloutOptions.AutomaticRollback.OFF);
    if (deferral) {
      // Instances wait for approval while the engine counts them as upgrading; give them room.
      options.instanceUpgradeTimeout(ctx.profile.deferralTimeout())
          .progressDeadline(ctx.profile.deferralTimeout().plus(RolloutOptions.DEFAULT_PROGRESS_DEADLINE));
    }
    Run run = new Run(s, by, target, policy, new RolloutEngine(options.build()), deferral);
    st.current = run;
    st.runs.add(run);
    ctx.record(s.id, "OS rolling upgrade to " + FleetContext.versionOf(target) + " (started by "
        + by.azureName() + "): " + policy
        + ", automatic rollback " + (rollback ? "on" : "off") + (deferral ? ", deferral on" : ""));
    run.step();
  }

  private final class Run {
    final SimScaleSet s;
    final StartedBy by;
    final ImageReference target;
    final RollingUpgradePolicy policy;
    final RolloutEngine engine;
    final boolean deferral;
    final Instant startTime;
    RolloutState state;
    RollingUpgradeStatus.Action lastAction = RollingUpgradeStatus.Action.START;
    Instant lastActionTime;
    @Nullable Instant endTime;
    final SortedSet<String> held = new TreeSet<>(InstanceIds.ORDER);
    final Set<String> withdrawn = new TreeSet<>(InstanceIds.ORDER);
    final List<RolloutEvent> events = new ArrayList<>();
    VirtualClock.@Nullable Cancellable next;

    Run(SimScaleSet s, StartedBy by, ImageReference target, RollingUpgradePolicy policy, RolloutEngine engine,
        boolean deferral) {
      this.s = s;
      this.by = by;
      this.target = target;
      this.policy = policy;
      this.engine = engine;
      this.deferral = deferral;
      this.startTime = ctx.now();
      this.lastActionTime = startTime;
      this.state = RolloutState.initial(s.id, FleetContext.versionOf(target));
    }

    /**
     * The platform sees its own instances: one missing from its look for a poll interval is gone (as the engine
     * confirmed it before direct reads existed, so platform upgrades keep their timing).
     */
    private Set<String> confirmedGone(ScaleSet fleet, Instant now) {
      Set<String> gone = new TreeSet<>(InstanceIds.ORDER);
      state.missingSince().forEach((id, since) -> {
        if (fleet.instance(id).isEmpty() && !now.isBefore(since.plus(engine.options().pollInterval()))) {
          gone.add(id);
        }
      });
      return gone;
    }

    /** One engine step: observe, decide, act, then look again when the engine says. */
    void step() {
      next = null;
      if (state.status().isTerminal()) {
        return;
      }
      Instant now = ctx.now();
      ScaleSet fleet = observe();
      Decision d;
      try {
        d = engine.decide(state, new Observation(now, fleet, null, true, confirmedGone(fleet, now)));
      } catch (RuntimeException e) {
        d = engine.fault(state, now, UpgradeError.of(StopCode.INTERNAL, "the platform upgrade stopped: " + e),
            fleet);
      }
      state = d.state();
      for (RolloutEvent e : d.events()) {
        events.add(e);
        ctx.log.add(e + " [platform upgrade]");
      }
      for (RolloutAction a : d.actions()) {
        execute(a);
        state = RolloutEngine.acknowledge(state, a);
      }
      if (state.status().isTerminal()) {
        finish();
      } else {
        Instant at = d.nextLook().orElse(now.plus(engine.options().pollInterval()));
        next = ctx.clock.schedule(at, this::step);
      }
    }

    /** The scale set as the engine sees it: withdrawn instances (held when cancelled) are left out. */
    private ScaleSet observe() {
      ScaleSet view = ctx.view(s);
      if (withdrawn.isEmpty()) {
        return view;
      }
      return view.withInstances(view.instances().stream().filter(i -> !withdrawn.contains(i.instanceId()))
          .toList());
    }

    private void execute(RolloutAction action) {
      if (action instanceof RolloutAction.UpgradeInstances u) {
        for (String id : u.instanceIds()) {
          SimInstance i = s.instances.get(id);
          if (i == null) {
            continue;
          }
          if (deferral) {
            held.add(id);
            ctx.record(s.id, "instance " + id + " notified of a pending OS upgrade to "
                + FleetContext.versionOf(target) + " (Platform.PendingOSUpgrade); waiting for approval");
          } else {
            upgrade(i);
          }
        }
      } else if (action instanceof RolloutAction.RollBackInstances r) {
        for (String id : r.instanceIds()) {
          SimInstance i = s.instances.get(id);
          if (i != null && !(i.image.equals(r.image()) && i.provisioning == ProvisioningState.SUCCEEDED
              && !i.busy)) {
            lifecycle.reimage(s, i, r.image(), "platform rollback");
          }
        }
      } else {
        // LEAVE_AS_IS: the engine never moves the model; Azure's platform upgrade does not either.
        ctx.record(s.id, "platform upgrade ignored " + action);
      }
    }

    private void upgrade(SimInstance i) {
      if (i.busy || (i.image.equals(target) && i.provisioning == ProvisioningState.SUCCEEDED)) {
        return;
      }
      lifecycle.reimage(s, i, target, "platform upgrade");
    }

    void approve(List<String> ids) {
      for (String id : InstanceIds.sorted(ids)) {
        if (held.remove(id)) {
          ctx.record(s.id, "instance " + id + " OS upgrade approved");
          SimInstance i = s.instances.get(id);
          if (i != null) {
            upgrade(i);
          }
        } else {
          ctx.record(s.id, "approve: instance " + id + " has no pending OS upgrade; nothing to do");
        }
      }
    }

    void cancel() {
      state = RolloutEngine.requestCancel(state);
      lastAction = RollingUpgradeStatus.Action.CANCEL;
      lastActionTime = ctx.now();
      ctx.record(s.id, "cancel requested: the batch in flight finishes, then the upgrade stops"
          + (held.isEmpty() ? "" : "; instances " + held + " still waiting for approval are withdrawn"));
      withdrawn.addAll(held);
      held.clear();
      if (next != null) {
        next.cancel();
      }
      step();
    }

    private void finish() {
      endTime = ctx.now();
      if (next != null) {
        next.cancel();
        next = null;
      }
      State st = state(s);
      st.current = null;
      RolloutStatus status = state.status();
      if (status == RolloutStatus.FAULTED || status == RolloutStatus.CANCELLED) {
        st.notRetried.add(state.target());
      }
      ctx.record(s.id, "OS rolling upgrade to " + state.target() + " ended " + status.azureName() + ": " + progress()
          + state.errorIfAny().map(e -> " (" + e.code() + ")").orElse(""));
      wake(s);
    }

    UpgradeProgress progress() {
      UpgradeProgress p = state.progress();
      return new UpgradeProgress(p.successful(), p.failed(), p.inProgress(), p.pending() + withdrawn.size());
    }

    RolloutStatus azureStatus() {
      return RolloutStatus.fromAzure(state.status().azureCode());
    }

    RollingUpgradeStatus status() {
      return new RollingUpgradeStatus(azureStatus(), startTime, lastAction, lastActionTime, progress(), policy,
          state.error());
    }

    UpgradeHistoryEntry historyEntry() {
      List<String> restored = state.instancesIn(InstanceStage.ROLLED_BACK);
      List<String> notRestored = state.instancesIn(InstanceStage.ROLLBACK_FAILED);
      UpgradeError rollbackError = notRestored.isEmpty() ? null : new UpgradeError("RollbackFailed",
          notRestored.size() + " instance(s) could not be restored to their previous OS image: "
              + InstanceIds.format(notRestored));
      return new UpgradeHistoryEntry(azureStatus(), startTime, endTime, progress(), state.error(), by, target,
          new RollbackInfo(restored.size(), notRestored.size(), rollbackError));
    }
  }
}
