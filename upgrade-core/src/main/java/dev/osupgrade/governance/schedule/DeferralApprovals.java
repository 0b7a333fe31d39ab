package dev.osupgrade.governance.schedule;

import dev.osupgrade.Durations;
import dev.osupgrade.Require;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.InstanceIds;
import dev.osupgrade.fleet.ScaleSet;
import dev.osupgrade.health.GateContext;
import dev.osupgrade.health.GatePhase;
import dev.osupgrade.health.GateVerdict;
import dev.osupgrade.health.HealthGate;
import dev.osupgrade.image.ImageVersion;
import dev.osupgrade.policy.RollingUpgradePolicy;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The approval broker for {@code osRollingUpgradeDeferral}: with deferral on, each instance is told of its pending
 * OS upgrade and waits until approved. This decides whether approvals may be granted now: the maintenance schedule
 * must be open (long enough), and every gate must pass (they are asked as before a batch, with the scale set's
 * automatic OS upgrade policy); then it approves the longest-deferred instances, at most a batch at a time. It also
 * tracks how long each instance has deferred, and reports every one past {@code maximumDeferral} as a typed
 * {@link DeferralOverdue} in the decision (and to the {@code onOverdue} listener), whatever the decision.
 *
 * <pre>{@code
 * DeferralApprovals approvals = DeferralApprovals.builder()
 *     .schedule(schedule).gate(new FleetUnhealthyGate()).gate(performanceGate)
 *     .maximumDeferral(Duration.ofDays(3)).onOverdue(pager::page).build();
 * DeferralDecision d = approvals.decide(fleet, target, pending, clock.instant());
 * if (d instanceof DeferralDecision.Approve a && !a.instanceIds().isEmpty()) {
 *   platform.approveRollingUpgrade(fleet.id(), a.instanceIds());
 * }
 * }</pre>
 *
 * <p>Pure apart from the listener: the caller reads the pending instances and calls the platform. Immutable.
 */
public final class DeferralApprovals {
  /** The default maximum deferral: 7 days. */
  public static final Duration DEFAULT_MAXIMUM_DEFERRAL = Duration.ofDays(7);

  private final MaintenanceWindowGate window;
  private final List<HealthGate> gates;
  private final Duration maximumDeferral;
  private final int maxAtOnce;
  private final Duration recheckAfter;
  private final Consumer<DeferralOverdue> onOverdue;

  private DeferralApprovals(Builder b) {
    this.window = MaintenanceWindowGate.of(b.schedule, b.minimumRemaining);
    this.gates = List.copyOf(b.gates);
    this.maximumDeferral = b.maximumDeferral;
    this.maxAtOnce = b.maxAtOnce;
    this.recheckAfter = b.recheckAfter;
    this.onOverdue = b.onOverdue;
  }

  /** @return a builder: always open, no gates, 7-day maximum deferral, a batch at a time */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Decides whether to approve pending upgrades now.
   *
   * @param fleet the scale set as observed now
   * @param target the version the platform wants to install
   * @param pending the instances waiting for approval (instances not in the fleet are ignored)
   * @param now the current time
   * @return approve these instances, or hold until a time; with every overdue deferral
   */
  public DeferralDecision decide(ScaleSet fleet, ImageVersion target, List<PendingUpgrade> pending, Instant now) {
    Require.nonNull(fleet, "fleet");
    Require.nonNull(target, "target");
    Require.noNulls("pending", pending);
    Require.instant("now", now);
    Set<String> present = new HashSet<>();
    fleet.instances().forEach(i -> present.add(i.instanceId()));
    List<PendingUpgrade> waiting = pending.stream().filter(p -> present.contains(p.instanceId()))
        .sorted(Comparator.comparing(PendingUpgrade::noticedAt)
            .thenComparing(PendingUpgrade::instanceId, InstanceIds.ORDER))
        .toList();
    List<DeferralOverdue> overdue = new ArrayList<>();
    for (PendingUpgrade p : waiting) {
      Duration deferred = Duration.between(p.noticedAt(), now);
      if (deferred.compareTo(maximumDeferral) > 0) {
        overdue.add(new DeferralOverdue(fleet.id(), p.instanceId(), p.noticedAt(), deferred, maximumDeferral, now));
      }
    }
    overdue.forEach(onOverdue);
    List<GateVerdict> verdicts = new ArrayList<>();
    if (waiting.isEmpty()) {
      return new DeferralDecision.Approve(now, List.of(), List.of(), "nothing is waiting for approval", verdicts,
          overdue);
    }
    GateVerdict w = window.evaluate(now);
    verdicts.add(w);
    if (!(w instanceof GateVerdict.Pass)) {
      Instant until = w instanceof GateVerdict.Wait wait ? wait.until() : now.plus(recheckAfter);
      return new DeferralDecision.Hold(now, until, w.reason(), verdicts, overdue);
    }
    RollingUpgradePolicy policy = fleet.upgradePolicy().policyForAutomaticOsUpgrade();
    Set<String> onTarget = new HashSet<>();
    for (Instance i : fleet.instances()) {
      if (i.runs(target)) {
        onTarget.add(i.instanceId());
      }
    }
    GateContext context = new GateContext(GatePhase.BEFORE_BATCH, 1, 1, fleet, target, policy, onTarget, Set.of(),
        waiting.get(0).noticedAt(), now);
    for (HealthGate gate : gates) {
      if (!gate.appliesTo(GatePhase.BEFORE_BATCH)) {
        continue;
      }
      GateVerdict v = gate.evaluate(context);
      verdicts.add(v);
      if (v instanceof GateVerdict.Fail f) {
        return new DeferralDecision.Hold(now, now.plus(recheckAfter), "gate " + f.gate() + " failed ["
            + f.code() + "]: " + f.reason(), verdicts, overdue);
      }
      if (v instanceof GateVerdict.Wait wait) {
        Instant until = wait.until().isAfter(now) ? wait.until() : now.plus(recheckAfter);
        return new DeferralDecision.Hold(now, until, "gate " + wait.gate() + " waits: " + wait.reason(), verdicts,
            overdue);
      }
    }
    int limit = maxAtOnce > 0 ? maxAtOnce : policy.batchSizeFor(fleet.instanceCount());
    List<String> ids = waiting.stream().map(PendingUpgrade::instanceId).toList();
    List<String> approve = ids.subList(0, Math.min(limit, ids.size()));
    List<String> later = ids.subList(approve.size(), ids.size());
    return new DeferralDecision.Approve(now, approve, later, "window open and " + (verdicts.size() - 1)
        + " gate(s) passed; approving " + approve.size() + " of " + ids.size() + " (at most " + limit
        + " at once)", verdicts, overdue);
  }

  @Override
  public String toString() {
    return "DeferralApprovals[" + window + ", gates " + gates.stream().map(HealthGate::name).toList()
        + ", maximum deferral " + Durations.words(maximumDeferral)
        + (maxAtOnce > 0 ? ", at most " + maxAtOnce + " at once" : "") + "]";
  }

  /** Accumulates the settings. Not thread-safe. */
  public static final class Builder {
    private MaintenanceSchedule schedule = MaintenanceSchedule.always();
    private Duration minimumRemaining = Duration.ZERO;
    private final List<HealthGate> gates = new ArrayList<>();
    private Duration maximumDeferral = DEFAULT_MAXIMUM_DEFERRAL;
    private int maxAtOnce;
    private Duration recheckAfter = Duration.ofMinutes(5);
    private Consumer<DeferralOverdue> onOverdue = o -> { };

    private Builder() {}

    /**
     * Approves only while this schedule is open.
     *
     * @param value the schedule
     * @return this builder
     */
    public Builder schedule(MaintenanceSchedule value) {
      this.schedule = Require.nonNull(value, "schedule");
      return this;
    }

    /**
     * Approves only when the schedule stays open at least this long (a batch's expected duration).
     *
     * @param value zero or positive, at most 1 day
     * @return this builder
     */
    public Builder minimumRemaining(Duration value) {
      this.minimumRemaining = Require.nonNegative("minimumRemaining", value, Duration.ofDays(1));
      return this;
    }

    /**
     * Adds a gate that must pass (asked as before a batch).
     *
     * @param gate the gate
     * @return this builder
     */
    public Builder gate(HealthGate gate) {
      gates.add(Require.nonNull(gate, "gate"));
      return this;
    }

    /**
     * Sets how long an instance may defer before it is reported overdue.
     *
     * @param value positive, at most 90 days
     * @return this builder
     */
    public Builder maximumDeferral(Duration value) {
      this.maximumDeferral = Require.positive("maximumDeferral", value, Duration.ofDays(90));
      return this;
    }

    /**
     * Approves at most this many instances per decision (default: the batch size of the scale set's automatic OS
     * upgrade policy).
     *
     * @param value in [1, 1000] (a scale set has at most 1,000 instances)
     * @return this builder
     */
    public Builder maxAtOnce(int value) {
      this.maxAtOnce = Require.inRange("maxAtOnce", value, 1, 1000);
      return this;
    }

    /**
     * Sets when to decide again after a failed gate.
     *
     * @param value positive, at most 1 day
     * @return this builder
     */
    public Builder recheckAfter(Duration value) {
      this.recheckAfter = Require.positive("recheckAfter", value, Duration.ofDays(1));
      return this;
    }

    /**
     * Registers a listener told of every overdue deferral on every decision (page someone).
     *
     * @param listener the listener
     * @return this builder
     */
    public Builder onOverdue(Consumer<DeferralOverdue> listener) {
      this.onOverdue = Require.nonNull(listener, "listener");
      return this;
    }

    /** @return the broker */
    public DeferralApprovals build() {
      return new DeferralApprovals(this);
    }
  }
}
