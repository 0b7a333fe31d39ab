package dev.osupgrade.testkit;

import dev.osupgrade.Durations;
import dev.osupgrade.ops.StopCode;
import dev.osupgrade.event.BatchCompleted;
import dev.osupgrade.event.BatchStarted;
import dev.osupgrade.event.InstanceFailed;
import dev.osupgrade.event.InstanceHealthy;
import dev.osupgrade.event.InstanceRolledBack;
import dev.osupgrade.event.InstanceUpgraded;
import dev.osupgrade.event.RolloutCancelled;
import dev.osupgrade.event.RolloutEvent;
import dev.osupgrade.event.RolloutFaulted;
import dev.osupgrade.event.RolloutStarted;
import dev.osupgrade.fleet.HealthState;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.InstanceIds;
import dev.osupgrade.fleet.ProvisioningState;
import dev.osupgrade.fleet.ScaleSet;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.image.ImageRelease;
import dev.osupgrade.image.ImageVersion;
import dev.osupgrade.ops.RollbackInfo;
import dev.osupgrade.ops.RollingUpgradeStatus;
import dev.osupgrade.ops.RolloutStatus;
import dev.osupgrade.ops.StartedBy;
import dev.osupgrade.ops.StopCode;
import dev.osupgrade.ops.UpgradeError;
import dev.osupgrade.ops.UpgradeHistoryEntry;
import dev.osupgrade.ops.UpgradeProgress;
import dev.osupgrade.plan.Batch;
import dev.osupgrade.plan.BatchPlanner;
import dev.osupgrade.plan.ImageEligibility;
import dev.osupgrade.plan.RolloutPlan;
import dev.osupgrade.policy.RollingUpgradePolicy;
import dev.osupgrade.port.ConflictException;
import dev.osupgrade.port.InvalidModelException;
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
 * status and the history. Each upgrade is a small model of Azure's documented algorithm of its own ({@code Run}), not
 * the library's rollout engine, so that the simulator checks the engine against an independent implementation; its
 * actions are carried out on the simulator's internals (not counted as port calls), one look per timer.
 */
final class PlatformUpgrades {
  /** Azure keeps the OS upgrade history of the last two months; the simulator reads that as 60 days. */
  static final Duration HISTORY_WINDOW = Duration.ofDays(60);
  /** Azure lists the last five OS upgrade attempts. */
  static final int HISTORY_SIZE = 5;
  /** How often the platform looks at an upgrade in flight. */
  static final Duration POLL = Duration.ofSeconds(30);
  /** How long an upgraded instance has to report Healthy before its previous OS disk is restored (Azure: 5 min). */
  static final Duration HEALTH_WAIT = Duration.ofMinutes(5);
  /** How long one instance's OS disk replacement (or restore) may take before it counts as failed. */
  static final Duration INSTANCE_TIMEOUT = Duration.ofMinutes(30);

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
        + Durations.words(ctx.profile.platformCheckInterval()));
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
    return st.runs.isEmpty() ? "?" : st.runs.get(st.runs.size() - 1).status.azureName();
  }

  /** The rolling policy, rollback and deferral of an automatic OS upgrade, as the scale set says. */
  private static final class AutomaticPolicy {
    final RollingUpgradePolicy policy;
    final boolean rollback;
    final boolean deferral;

    AutomaticPolicy(SimScaleSet s) {
      RollingUpgradePolicy asked = s.upgradePolicy.policyForAutomaticOsUpgrade();
      // Flexible: "enabling automatic OS image upgrades and MaxSurge together is not yet supported" (upgrades in
      // place), and rollbackFailedInstancesOnPolicyBreach is "Uniform Orchestration only".
      this.policy = s.flexible() && (asked.maxSurge() || asked.rollbackFailedInstancesOnPolicyBreach())
          ? asked.toBuilder().maxSurge(false).rollbackFailedInstancesOnPolicyBreach(false).build() : asked;
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
    boolean anyUnprotected = s.instances.values().stream().anyMatch(i -> !i.leftAloneByUpgrades());
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
    if (run == null || run.cancelRequested) {
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
    Run run = new Run(s, by, target, policy, rollback, deferral);
    st.current = run;
    st.runs.add(run);
    ctx.record(s.id, "OS rolling upgrade to " + FleetContext.versionOf(target) + " (started by "
        + by.azureName() + "): " + policy
        + ", automatic rollback " + (rollback ? "on" : "off") + (deferral ? ", deferral on" : ""));
    run.step();
  }

  /** Where one instance stands in a platform upgrade. */
  private enum Stage {
    PENDING, HELD, UPGRADING, AWAITING_HEALTH, SUCCEEDED, FAILED, ROLLING_BACK, ROLLED_BACK, ROLLBACK_FAILED, GONE,
    WITHDRAWN;

    boolean settled() {
      return this == SUCCEEDED || this == FAILED || this == ROLLED_BACK || this == ROLLBACK_FAILED || this == GONE
          || this == WITHDRAWN;
    }

    boolean failed() {
      return this == FAILED || this == ROLLING_BACK || this == ROLLED_BACK || this == ROLLBACK_FAILED;
    }
  }

  /** One instance of a platform upgrade: its stage, the image it had, and when its upgrade (or rollback) began. */
  private static final class Member {
    final String id;
    final int batch;
    final ImageReference previous;
    Stage stage = Stage.PENDING;
    @Nullable Instant requestedAt;
    @Nullable Instant upgradedAt;

    Member(String id, int batch, ImageReference previous) {
      this.id = id;
      this.batch = batch;
      this.previous = previous;
    }
  }

  /**
   * One platform OS rolling upgrade, modelled on Azure's documented algorithm (azure-facts §1.3, §1.10) on its own,
   * independently of the library's rollout engine, so that each checks the other:
   *
   * <ol>
   *   <li>Before every batch: more than {@code maxUnhealthyInstancePercent} of the whole set unhealthy stops the
   *       upgrade ({@code ...BeforeRollingUpgrade} before the first batch, {@code ...InRollingUpgrade} later).</li>
   *   <li>A batch is at most {@code maxBatchInstancePercent} of the instances, at least one, zone by zone, by update
   *       domain (the library's {@link BatchPlanner}, Azure's documented batching); each OS disk is replaced.</li>
   *   <li>Each instance must come up on the new image and report Healthy within 5 minutes (Initializing waits);
   *       one that does not has its previous OS disk restored, unless automatic rollback is off (always off for an
   *       upgrade a user started).</li>
   *   <li>When the batch has settled: more than {@code maxUnhealthyUpgradedInstancePercent} of the upgraded
   *       instances unhealthy stops the upgrade. Then {@code pauseTimeBetweenBatches}, then the next batch.</li>
   *   <li>Cancel lets the batch in flight finish. With {@code osRollingUpgradeDeferral}, each instance waits for an
   *       approval and its time starts then; a cancel withdraws those still waiting.</li>
   * </ol>
   * Its actions are carried out on the simulator's internals (not counted as port calls), one look per timer.
   */
  private final class Run {
    final SimScaleSet s;
    final StartedBy by;
    final ImageReference target;
    final ImageVersion version;
    final RollingUpgradePolicy policy;
    final boolean rollback;
    final boolean deferral;
    final Instant startTime;
    final List<List<String>> batches = new ArrayList<>();
    final List<dev.osupgrade.fleet.Zone> zones = new ArrayList<>();
    final Map<String, Member> members = new java.util.TreeMap<>(InstanceIds.ORDER);
    RolloutStatus status = RolloutStatus.ROLLING_FORWARD;
    @Nullable UpgradeError error;
    /** The breach that stops the upgrade once the failed instances it restores have settled. */
    @Nullable UpgradeError breach;
    int batch; // the current batch, from 1; 0 before the first
    boolean inBatch;
    boolean cancelRequested;
    @Nullable Instant batchStartedAt;
    @Nullable Instant pauseUntil;
    RollingUpgradeStatus.Action lastAction = RollingUpgradeStatus.Action.START;
    Instant lastActionTime;
    @Nullable Instant endTime;
    final SortedSet<String> held = new TreeSet<>(InstanceIds.ORDER);
    final Set<String> withdrawn = new TreeSet<>(InstanceIds.ORDER);
    final List<RolloutEvent> events = new ArrayList<>();
    long sequence;
    VirtualClock.@Nullable Cancellable next;

    Run(SimScaleSet s, StartedBy by, ImageReference target, RollingUpgradePolicy policy, boolean rollback,
        boolean deferral) {
      this.s = s;
      this.by = by;
      this.target = target;
      this.version = FleetContext.versionOf(target);
      this.policy = policy;
      this.rollback = rollback;
      this.deferral = deferral;
      this.startTime = ctx.now();
      this.lastActionTime = startTime;
      RolloutPlan plan = BatchPlanner.plan(ctx.view(s), policy, version);
      for (Batch b : plan.batches()) {
        batches.add(b.instanceIds());
        zones.add(b.zone());
        for (String id : b.instanceIds()) {
          members.put(id, new Member(id, b.number(), Objects.requireNonNull(s.instances.get(id)).image));
        }
      }
      emit(seq -> new RolloutStarted(seq, startTime, s.id, version, plan.batches().size(), plan.instancesToUpgrade(),
          plan.skipped().size(), policy, plan.estimate()));
    }

    private void emit(java.util.function.LongFunction<RolloutEvent> event) {
      RolloutEvent e = event.apply(++sequence);
      events.add(e);
      ctx.log.add(e + " [platform upgrade]");
    }

    /** One look: settle the batch in flight, or check the set and send the next batch. */
    void step() {
      next = null;
      if (status.isTerminal()) {
        return;
      }
      Instant now = ctx.now();
      ScaleSet view = ctx.view(s);
      Instant wake = null;
      for (int guard = 0; guard < 1000 && wake == null && !status.isTerminal(); guard++) {
        wake = inBatch ? settle(view, now) : beforeBatch(view, now);
      }
      if (status.isTerminal()) {
        finish();
      } else {
        next = ctx.clock.schedule(Objects.requireNonNull(wake, "wake"), this::step);
      }
    }

    /** Between batches: the pause, the end, a cancel, the health of the whole set; then the batch goes. */
    private @Nullable Instant beforeBatch(ScaleSet view, Instant now) {
      if (pauseUntil != null && now.isBefore(pauseUntil) && !cancelRequested) {
        return pauseUntil;
      }
      pauseUntil = null;
      if (batch >= batches.size()) {
        end(RolloutStatus.COMPLETED, null, now);
        return null;
      }
      if (cancelRequested) {
        end(RolloutStatus.CANCELLED, null, now);
        return null;
      }
      int unhealthy = (int) view.instances().stream().filter(i -> i.health().countsAsUnhealthy()).count();
      int total = view.instances().size();
      if (policy.unhealthyPercent().isExceededBy(unhealthy, total)) {
        StopCode code = batch == 0 ? StopCode.MAX_UNHEALTHY_BEFORE : StopCode.MAX_UNHEALTHY_IN;
        stop(UpgradeError.of(code, unhealthy + " of " + total + " instances are unhealthy - more than the threshold "
            + "of " + policy.maxUnhealthyInstancePercent() + "%"), now);
        return null;
      }
      batch++;
      List<String> sent = new ArrayList<>();
      for (String id : batches.get(batch - 1)) {
        Member m = Objects.requireNonNull(members.get(id));
        SimInstance i = s.instances.get(id);
        if (i == null) {
          m.stage = Stage.GONE;
          continue;
        }
        sent.add(id);
        if (deferral) {
          m.stage = Stage.HELD;
          held.add(id);
          ctx.record(s.id, "instance " + id + " notified of a pending OS upgrade to " + version
              + " (Platform.PendingOSUpgrade); waiting for approval");
        } else {
          m.stage = Stage.UPGRADING;
          m.requestedAt = now;
          upgrade(i);
        }
      }
      batchStartedAt = now;
      inBatch = true;
      int number = batch;
      emit(seq -> new BatchStarted(seq, now, s.id, number, batches.size(), zones.get(number - 1), sent, unhealthy,
          total));
      return now.plus(POLL);
    }

    /** A batch in flight: each instance's next stage; once all have settled, the upgraded instances' health. */
    private @Nullable Instant settle(ScaleSet view, Instant now) {
      Instant wake = now.plus(POLL);
      boolean settled = true;
      for (Member m : members.values()) {
        if ((m.batch != batch && m.stage != Stage.ROLLING_BACK) || m.stage.settled()) {
          continue;
        }
        look(m, view.instance(m.id).orElse(null), now);
        if (!m.stage.settled()) {
          settled = false;
          Instant due = dueAt(m, now);
          if (due != null && due.isAfter(now) && due.isBefore(wake)) {
            wake = due;
          }
        }
      }
      if (!settled) {
        return wake;
      }
      if (breach != null) {
        stop(breach, now); // the failed instances it restored have settled
        return null;
      }
      inBatch = false;
      int ok = 0;
      int failed = 0;
      for (Member m : members.values()) {
        if (m.batch == batch) {
          ok += m.stage == Stage.SUCCEEDED ? 1 : 0;
          failed += m.stage.failed() ? 1 : 0;
        }
      }
      // The upgraded instances' health, by the fleet's truth now: failed ones count, and so do those unhealthy now.
      List<String> upgraded = new ArrayList<>();
      List<String> bad = new ArrayList<>();
      for (Member m : members.values()) {
        if (m.stage == Stage.SUCCEEDED || m.stage.failed()) {
          upgraded.add(m.id);
          boolean unhealthyNow = view.instance(m.id).map(i -> i.health().countsAsUnhealthy()).orElse(false);
          if (m.stage.failed() || unhealthyNow) {
            bad.add(m.id);
          }
        }
      }
      if (policy.unhealthyUpgradedPercent().isExceededBy(bad.size(), upgraded.size())) {
        long share = Math.round(100.0 * bad.size() / upgraded.size());
        UpgradeError e = UpgradeError.of(StopCode.MAX_UNHEALTHY_UPGRADED, "Rolling Upgrade failed after exceeding "
            + "the MaxUnhealthyUpgradedInstancePercent value defined in the RollingUpgradePolicy. " + share
            + "% of instances are in an unhealthy state after being upgraded - more than the threshold of "
            + policy.maxUnhealthyUpgradedInstancePercent() + "%. The most impactful error is: Instance found to be "
            + "unhealthy or unreachable. First failed instance ID is: " + bad.get(0) + ".");
        breachOrStop(e, now);
        return breach != null ? now.plus(POLL) : null;
      }
      int number = batch;
      int succeeded = ok;
      int failures = failed;
      UpgradeProgress progress = progress();
      emit(seq -> new BatchCompleted(seq, now, s.id, number, batches.size(), succeeded, failures, progress));
      Duration pause = policy.pauseTimeBetweenBatches();
      if (batch < batches.size() && !pause.isZero() && !cancelRequested) {
        pauseUntil = now.plus(pause);
      }
      return null; // on to the next batch, in this look
    }

    /** One instance's next stage in this look. */
    private void look(Member m, @Nullable Instance live, Instant now) {
      if (m.stage == Stage.HELD) {
        return; // waits for its approval; its time starts then
      }
      if (live == null) {
        m.stage = m.stage == Stage.ROLLING_BACK ? Stage.ROLLBACK_FAILED : Stage.GONE;
        return;
      }
      Instant requested = Objects.requireNonNull(m.requestedAt);
      boolean timedOut = !now.isBefore(requested.plus(INSTANCE_TIMEOUT));
      switch (m.stage) {
        case UPGRADING -> {
          if (live.runs(version) && live.provisioningState() == ProvisioningState.SUCCEEDED) {
            m.stage = Stage.AWAITING_HEALTH;
            m.upgradedAt = now;
            emit(seq -> new InstanceUpgraded(seq, now, s.id, m.batch, m.id, m.previous.version().orElse(version),
                version));
            look(m, live, now);
          } else if (live.provisioningState() == ProvisioningState.FAILED) {
            fail(m, live, "the OS disk replacement failed (provisioning state Failed)", now);
          } else if (timedOut) {
            fail(m, live, "not upgraded within " + INSTANCE_TIMEOUT, now);
          }
        }
        case AWAITING_HEALTH -> {
          HealthState h = live.health();
          if (h == HealthState.HEALTHY) {
            m.stage = Stage.SUCCEEDED;
            Duration took = Duration.between(Objects.requireNonNull(batchStartedAt), now);
            emit(seq -> new InstanceHealthy(seq, now, s.id, m.batch, m.id, took));
          } else if (h.countsAsUnhealthy() && !now.isBefore(Objects.requireNonNull(m.upgradedAt).plus(HEALTH_WAIT))) {
            fail(m, live, "still " + h + " " + HEALTH_WAIT + " after the upgrade", now);
          } else if (timedOut) {
            fail(m, live, "not Healthy within " + INSTANCE_TIMEOUT + " (last state " + h + ")", now);
          }
        }
        case ROLLING_BACK -> {
          ImageVersion previous = m.previous.version().orElseThrow();
          if (live.runs(previous) && live.provisioningState() == ProvisioningState.SUCCEEDED) {
            m.stage = Stage.ROLLED_BACK;
            emit(seq -> new InstanceRolledBack(seq, now, s.id, m.batch, m.id, previous, true, "the previous OS disk "
                + "is restored (" + live.health() + ")"));
          } else if (live.provisioningState() == ProvisioningState.FAILED || timedOut) {
            m.stage = Stage.ROLLBACK_FAILED;
            emit(seq -> new InstanceRolledBack(seq, now, s.id, m.batch, m.id, previous, false,
                live.provisioningState() == ProvisioningState.FAILED ? "provisioning state Failed"
                    : "not restored within " + INSTANCE_TIMEOUT));
          }
        }
        default -> { }
      }
    }

    /** The next moment an instance in flight can time out, or null. */
    private @Nullable Instant dueAt(Member m, Instant now) {
      if (m.requestedAt == null) {
        return null;
      }
      Instant overall = m.requestedAt.plus(INSTANCE_TIMEOUT);
      if (m.stage == Stage.AWAITING_HEALTH && m.upgradedAt != null) {
        Instant health = m.upgradedAt.plus(HEALTH_WAIT);
        if (health.isAfter(now) && health.isBefore(overall)) {
          return health;
        }
      }
      return overall;
    }

    private void fail(Member m, Instance live, String reason, Instant now) {
      boolean restore = rollback;
      emit(seq -> new InstanceFailed(seq, now, s.id, m.batch, m.id, live.health(), reason, restore));
      if (restore) {
        restore(m, now, "platform rollback");
      } else {
        m.stage = Stage.FAILED;
      }
    }

    private void restore(Member m, Instant now, String why) {
      m.stage = Stage.ROLLING_BACK;
      m.requestedAt = now;
      SimInstance i = s.instances.get(m.id);
      if (i != null && !(i.image.equals(m.previous) && i.provisioning == ProvisioningState.SUCCEEDED && !i.busy)) {
        lifecycle.reimage(s, i, m.previous, why);
      }
    }

    /**
     * A breach stops the upgrade; with {@code rollbackFailedInstancesOnPolicyBreach}, failed instances still on the
     * new image get their previous OS disk back first (status RollingBack).
     */
    private void breachOrStop(UpgradeError e, Instant now) {
      List<Member> toRestore = members.values().stream().filter(m -> m.stage == Stage.FAILED).toList();
      if (!policy.rollbackFailedInstancesOnPolicyBreach() || toRestore.isEmpty()) {
        stop(e, now);
        return;
      }
      breach = e;
      status = RolloutStatus.ROLLING_BACK;
      toRestore.forEach(m -> restore(m, now, "platform rollback on a policy breach"));
    }

    private void stop(UpgradeError e, Instant now) {
      end(RolloutStatus.FAULTED, e, now);
    }

    private void end(RolloutStatus end, @Nullable UpgradeError e, Instant now) {
      status = end;
      error = e;
      if (end == RolloutStatus.FAULTED) {
        UpgradeError err = Objects.requireNonNull(e);
        UpgradeProgress progress = progress();
        RollbackInfo info = rollbackInfo();
        emit(seq -> new RolloutFaulted(seq, now, s.id, err, progress, info));
      } else if (end == RolloutStatus.CANCELLED) {
        int started = batch;
        UpgradeProgress progress = progress();
        emit(seq -> new RolloutCancelled(seq, now, s.id, started, progress));
      }
    }

    private void upgrade(SimInstance i) {
      if (i.busy || (i.image.equals(target) && i.provisioning == ProvisioningState.SUCCEEDED)) {
        return;
      }
      lifecycle.reimage(s, i, target, "platform upgrade");
    }

    void approve(List<String> ids) {
      Instant now = ctx.now();
      for (String id : InstanceIds.sorted(ids)) {
        if (held.remove(id)) {
          ctx.record(s.id, "instance " + id + " OS upgrade approved");
          Member m = members.get(id);
          SimInstance i = s.instances.get(id);
          if (m != null) {
            m.stage = Stage.UPGRADING;
            m.requestedAt = now; // its time starts with the approval
          }
          if (i != null) {
            upgrade(i);
          }
        } else {
          ctx.record(s.id, "approve: instance " + id + " has no pending OS upgrade; nothing to do");
        }
      }
    }

    void cancel() {
      cancelRequested = true;
      lastAction = RollingUpgradeStatus.Action.CANCEL;
      lastActionTime = ctx.now();
      ctx.record(s.id, "cancel requested: the batch in flight finishes, then the upgrade stops"
          + (held.isEmpty() ? "" : "; instances " + held + " still waiting for approval are withdrawn"));
      for (String id : held) {
        Member m = members.get(id);
        if (m != null) {
          m.stage = Stage.WITHDRAWN;
        }
      }
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
      if (status == RolloutStatus.FAULTED || status == RolloutStatus.CANCELLED) {
        st.notRetried.add(version);
      }
      ctx.record(s.id, "OS rolling upgrade to " + version + " ended " + status.azureName() + ": " + progress()
          + (error == null ? "" : " (" + error.code() + ")"));
      wake(s);
    }

    UpgradeProgress progress() {
      int ok = 0;
      int failed = 0;
      int inProgress = 0;
      int pending = 0;
      for (Member m : members.values()) {
        switch (m.stage) {
          case SUCCEEDED -> ok++;
          case FAILED, ROLLING_BACK, ROLLED_BACK, ROLLBACK_FAILED -> failed++;
          case HELD, UPGRADING, AWAITING_HEALTH -> inProgress++;
          case PENDING, WITHDRAWN -> pending++;
          default -> { }
        }
      }
      return new UpgradeProgress(ok, failed, inProgress, pending);
    }

    private RollbackInfo rollbackInfo() {
      int restored = (int) members.values().stream().filter(m -> m.stage == Stage.ROLLED_BACK).count();
      int notRestored = (int) members.values().stream().filter(m -> m.stage == Stage.ROLLBACK_FAILED).count();
      return new RollbackInfo(restored, notRestored, null);
    }

    RollingUpgradeStatus status() {
      return new RollingUpgradeStatus(status, startTime, lastAction, lastActionTime, progress(), policy, error);
    }

    UpgradeHistoryEntry historyEntry() {
      List<String> notRestored = members.values().stream().filter(m -> m.stage == Stage.ROLLBACK_FAILED)
          .map(m -> m.id).toList();
      UpgradeError rollbackError = notRestored.isEmpty() ? null : new UpgradeError("RollbackFailed",
          notRestored.size() + " instance(s) could not be restored to their previous OS image: "
              + InstanceIds.format(notRestored));
      int restored = (int) members.values().stream().filter(m -> m.stage == Stage.ROLLED_BACK).count();
      return new UpgradeHistoryEntry(status, startTime, endTime, progress(), error, by, target,
          new RollbackInfo(restored, notRestored.size(), rollbackError));
    }
  }
}
