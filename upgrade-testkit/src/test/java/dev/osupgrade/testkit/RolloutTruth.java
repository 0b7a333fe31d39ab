package dev.osupgrade.testkit;

import dev.osupgrade.event.BatchStarted;
import dev.osupgrade.event.GateEvaluated;
import dev.osupgrade.event.InstanceHealthy;
import dev.osupgrade.event.InstanceUpgraded;
import dev.osupgrade.event.PlanExtended;
import dev.osupgrade.event.RolloutCompleted;
import dev.osupgrade.event.RolloutEvent;
import dev.osupgrade.event.SurgeFallback;
import dev.osupgrade.event.SurgeInstancesCreated;
import dev.osupgrade.fleet.HealthState;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.fleet.Zone;
import dev.osupgrade.health.FleetUnhealthyGate;
import dev.osupgrade.health.GatePhase;
import dev.osupgrade.health.GateVerdict;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.image.ImageVersion;
import dev.osupgrade.ops.ErrorCodes;
import dev.osupgrade.ops.FleetVerification;
import dev.osupgrade.ops.RolloutStatus;
import dev.osupgrade.plan.Batch;
import dev.osupgrade.plan.RolloutPlan;
import dev.osupgrade.policy.RollingUpgradePolicy;
import dev.osupgrade.rollout.Rollout;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * Oracles that grade a finished rollout by the simulator's own record ({@link FleetRecord}): what the fleet was
 * sent, what it really was when, and what became of each instance. The rollout's events are used only as pointers
 * (which look a gate was asked at, which batch the rollout said it started, which instance an event explains), never
 * as the measure: every number checked comes from the record.
 *
 * <p>Each check adds violations, one line each, starting with the invariant's name ({@link #BATCH_SIZE}, ...), so a
 * sweep can tell which rule a seed broke.
 */
final class RolloutTruth {
  static final String BATCH_SIZE = "batch-size";
  static final String ZONE = "batch-zone";
  /** Update-domain boundaries (Uniform), fault-domain boundaries (Flexible, which has no update domains). */
  static final String UPDATE_DOMAINS = "domain-boundaries";
  static final String BUDGET = "before-batch-budget";
  static final String LOOK = "decision-look";
  static final String BREACH = "breach-stops";
  static final String COMPLETED = "completed-on-target";
  static final String ROLLBACK = "rollback-image";
  static final String REIMAGES = "reimaged-twice";
  static final String PLANNED = "planned-vs-executed";

  /** Events that report progress, not an exception: naming an instance does not explain why it is off target. */
  private static final Set<Class<?>> PROGRESS = Set.of(InstanceUpgraded.class, InstanceHealthy.class,
      BatchStarted.class, SurgeInstancesCreated.class, PlanExtended.class);

  private final SimulatedFleet fleet;
  private final ScaleSetId id;
  private final FleetRecord record;
  private final Rollout rollout;
  private final RollingUpgradePolicy policy;
  private final ImageVersion target;
  private final List<PortCall> calls;
  private final PortCall planLook;
  private final List<Violation> violations = new ArrayList<>();

  /**
   * One broken invariant.
   *
   * @param invariant the invariant's name, e.g. {@link #COMPLETED}
   * @param instanceId the instance it is about, or null when it is about a call or the rollout
   * @param what what happened, with the record's numbers
   */
  record Violation(String invariant, @Nullable String instanceId, String what) {
    @Override
    public String toString() {
      return invariant + ": " + what;
    }
  }

  private RolloutTruth(SimulatedFleet fleet, Rollout rollout, RollingUpgradePolicy policy) {
    this.fleet = fleet;
    this.id = rollout.scaleSet();
    this.record = fleet.record(id);
    this.rollout = rollout;
    this.policy = policy;
    this.target = rollout.target();
    this.calls = record.calls();
    // The rollout plans from its first look, a get of the scale set.
    this.planLook = calls.stream().filter(c -> c.is("get") && c.accepted()).findFirst()
        .orElseThrow(() -> new AssertionError("the rollout never read the scale set: " + calls));
  }

  /**
   * Grades a rollout that has ended.
   *
   * @param fleet the fleet it ran on
   * @param rollout the rollout
   * @param policy the rolling policy it was given
   * @return the oracle, ready for its checks
   */
  static RolloutTruth of(SimulatedFleet fleet, Rollout rollout, RollingUpgradePolicy policy) {
    return new RolloutTruth(fleet, rollout, policy);
  }

  /** @return the violations found so far */
  List<Violation> violations() {
    return List.copyOf(violations);
  }

  private void violate(String invariant, String what) {
    violations.add(new Violation(invariant, null, what));
  }

  private void violate(String invariant, String instanceId, String what) {
    violations.add(new Violation(invariant, instanceId, what));
  }

  /** The batches as executed: the upgrades and surge scale-outs the fleet carried out, in order. */
  private List<PortCall> batchCalls() {
    return calls.stream().filter(c -> c.accepted() && (c.is("upgradeInstances") || c.is("scaleOut"))).toList();
  }

  // ---- executed batches -------------------------------------------------------------------------------------------

  /**
   * Each executed batch against the policy: at most {@code maxBatchInstancePercent} of the instances the rollout
   * started with (rounded down, at least one); without cross-zone upgrade in one zone; within update-domain
   * boundaries as README's design note defines them (a part of one update domain, or whole update domains, each
   * pass of {@code prioritizeUnhealthyInstances} on its own) — on a Flexible scale set fault-domain boundaries by the
   * same rule; and the unhealthy budget held at the look the batch was decided from, by the fleet's truth.
   *
   * @return this
   */
  RolloutTruth checkExecutedBatches() {
    List<Instance> atPlan = record.fleetAt(planLook);
    int size = Math.max(1, atPlan.size() * policy.maxBatchInstancePercent() / 100);
    Map<String, String> domainOf = new HashMap<>();
    Map<String, Set<String>> domains = new HashMap<>();
    boolean flexible = fleet.peek(id).isFlexible();
    String kind = flexible ? "fault domain" : "update domain";
    for (Instance i : atPlan) {
      if (!i.runs(target) && !i.protectedFromUpgrade()) {
        String pass = policy.prioritizeUnhealthyInstances() && unhealthy(i.health()) ? "unhealthy first" : "";
        String zone = policy.enableCrossZoneUpgrade() ? "" : i.zone().toString();
        String key = pass + "|" + zone + (flexible ? "|FD" + i.faultDomain() : "|UD" + i.updateDomain());
        domainOf.put(i.instanceId(), key);
        domains.computeIfAbsent(key, k -> new TreeSet<>()).add(i.instanceId());
      }
    }
    for (PortCall c : batchCalls()) {
      int sent = c.is("scaleOut") ? c.count() : c.instanceIds().size();
      if (sent > size) {
        violate(BATCH_SIZE, c + " sends " + sent + " instances, more than " + policy.maxBatchInstancePercent()
            + "% of " + atPlan.size() + " = " + size);
      }
      checkBudget(c);
      if (c.is("scaleOut")) {
        continue; // which instances a surge batch replaces is the rollout's business; its size and budget are checked
      }
      Map<String, Instance> then = new HashMap<>();
      record.fleetAt(c).forEach(i -> then.put(i.instanceId(), i));
      Set<Zone> zones = new TreeSet<>();
      Set<String> keys = new TreeSet<>();
      for (String i : c.instanceIds()) {
        Instance instance = then.get(i);
        if (instance != null) {
          zones.add(instance.zone());
        }
        keys.add(domainOf.getOrDefault(i, "not planned"));
      }
      if (!policy.enableCrossZoneUpgrade() && zones.size() > 1) {
        violate(ZONE, c + " spans zones " + zones + " without enableCrossZoneUpgrade");
      }
      if (keys.size() > 1) {
        Set<String> passes = new TreeSet<>();
        for (String key : keys) {
          passes.add(key.substring(0, key.indexOf('|')));
          Set<String> missing = new TreeSet<>(domains.getOrDefault(key, Set.of()));
          missing.removeAll(c.instanceIds());
          if (!missing.isEmpty()) {
            violate(UPDATE_DOMAINS, c + " takes part of " + kind + " " + key + " (without " + missing
                + ") together with other domains " + keys);
          }
        }
        if (passes.size() > 1) {
          violate(UPDATE_DOMAINS, c + " mixes the unhealthy-first pass with the healthy pass");
        }
      }
    }
    return this;
  }

  /**
   * The look an executed batch call was decided from. The runner looks once per step (a {@code get} the first time,
   * a {@code listInstances} after), decides, and carries the decision out right after, at the same instant: the
   * model's move, the batch's upgrade, or for max surge a listing (to count surge instances a crashed predecessor
   * created) and the scale-out, plus the previous batch's deletions. A call rejected with a retryable error is sent
   * again at a later step, before any new look. So, walking back from the batch call, every call met is part of
   * carrying out the same decision, except accepted reads; the first accepted read met that is not the listing
   * right before a scale-out is the look. The clock can only have moved between the look and the call across a
   * rejected attempt (the throttled call waited for its retry); that is checked too.
   */
  private PortCall decisionLook(PortCall batchCall) {
    int index = calls.indexOf(batchCall);
    PortCall later = batchCall;
    for (int k = index - 1; k >= 0; k--) {
      PortCall c = calls.get(k);
      if (later.at().isAfter(c.at()) && c.accepted()) {
        violate(LOOK, batchCall + " was sent at " + later.at() + " after " + c + " was carried out at " + c.at()
            + ": the clock moved between a look and its decision with no rejected call to retry");
      }
      if (isLook(k)) {
        return c;
      }
      later = c;
    }
    violate(LOOK, batchCall + " has no look before it");
    return planLook;
  }

  /** An accepted read, other than the listing the runner makes right before a scale-out. */
  private boolean isLook(int k) {
    PortCall c = calls.get(k);
    boolean surgeListing = c.is("listInstances") && k + 1 < calls.size() && calls.get(k + 1).is("scaleOut");
    return c.accepted() && c.isRead() && !surgeListing;
  }

  private void checkBudget(PortCall batchCall) {
    PortCall look = decisionLook(batchCall);
    FleetHealth truth = look.health();
    if (exceeds(truth)) {
      violate(BUDGET, batchCall + " was decided at " + look + ": " + truth + " is more than "
          + policy.maxUnhealthyInstancePercent() + "% (maxUnhealthyInstancePercent)");
    }
  }

  private boolean exceeds(FleetHealth truth) {
    return (long) truth.unhealthyOrUnknown() * 100 > (long) policy.maxUnhealthyInstancePercent() * truth.instances();
  }

  private static boolean unhealthy(HealthState h) {
    return h == HealthState.UNHEALTHY || h == HealthState.UNKNOWN;
  }

  // ---- breaches -----------------------------------------------------------------------------------------------

  /**
   * The before-batch budget at every look the rollout asked it at (its {@code fleet-unhealthy} gate events point at
   * the looks; the verdict is recomputed from the fleet's truth at that look): a true breach must fail the gate,
   * stop every further batch and end the rollout {@code Faulted} with Azure's code, unless the gate held the batch
   * (waited: its look left out instances it could not judge; the batch, if it goes later, is judged at its own
   * decision look); a look within the budget must not fail it.
   *
   * @return this
   */
  RolloutTruth checkBreaches() {
    for (RolloutEvent e : rollout.events()) {
      if (!(e instanceof GateEvaluated g) || g.phase() != GatePhase.BEFORE_BATCH
          || !g.verdict().gate().equals(FleetUnhealthyGate.NAME)) {
        continue;
      }
      // The runner looks once per instant, and the gate is asked at the look's instant.
      PortCall found = null;
      for (int k = 0; k < calls.size(); k++) {
        if (calls.get(k).at().equals(g.at()) && isLook(k)) {
          found = calls.get(k);
        }
      }
      final PortCall look = found;
      if (look == null) {
        violate(LOOK, "the rollout asked its budget at " + g.at() + " but read no instances then");
        continue;
      }
      boolean failed = g.verdict() instanceof GateVerdict.Fail;
      if (!exceeds(look.health())) {
        if (failed) {
          violate(BREACH, "before batch " + g.batch() + " the rollout failed the budget at " + look + " but the fleet "
              + "was within " + policy.maxUnhealthyInstancePercent() + "%");
        }
        continue;
      }
      if (g.verdict() instanceof GateVerdict.Wait) {
        continue; // held, not passed: the batch it held is judged by the budget at its own decision look
      }
      if (!failed) {
        violate(BREACH, "before batch " + g.batch() + " the fleet was over budget at " + look + " but the rollout "
            + "passed it");
      }
      batchCalls().stream().filter(c -> c.sequence() > look.sequence()).findFirst().ifPresent(c -> violate(BREACH,
          c + " was sent after the breach at " + look));
      String code = rollout.error().map(x -> x.code()).orElse("none");
      if (rollout.status() != RolloutStatus.FAULTED || !(code.equals(ErrorCodes.MAX_UNHEALTHY_BEFORE)
          || code.equals(ErrorCodes.MAX_UNHEALTHY_IN))) {
        violate(BREACH, "after the breach at " + look + " the rollout ended " + rollout.status() + " (" + code + ")");
      }
    }
    return this;
  }

  // ---- the end ------------------------------------------------------------------------------------------------

  /**
   * A {@code Completed} rollout leaves every existing, unprotected instance on the target and healthy, by the fleet's
   * truth when it ended, or explained: by an event that names the instance (an event other than progress reports), or
   * by the final read's verification in {@link RolloutCompleted#verification()} — and then the explanation must be
   * true of the fleet too (an instance said to be unhealthy on the target runs the target and is not Healthy; one said
   * to have failed, drifted or not been upgraded does not run the target, or, when it failed without a rollback, is
   * not Healthy on it; one said to be protected is protected), and the verification's count of instances on the target
   * and healthy is the fleet's.
   *
   * @return this
   */
  RolloutTruth checkCompleted() {
    if (rollout.status() != RolloutStatus.COMPLETED) {
      return this;
    }
    Set<String> explained = new HashSet<>();
    Map<String, FleetVerification.Reason> verified = new HashMap<>();
    FleetVerification verification = null;
    for (RolloutEvent e : rollout.events()) {
      if (e instanceof RolloutCompleted c) {
        verification = c.verification();
        c.verification().explained().forEach(x -> verified.put(x.instanceId(), x.reason()));
      } else if (!PROGRESS.contains(e.getClass())) {
        explained.addAll(named(e));
      }
    }
    int good = 0;
    for (Instance i : fleet.peek(id).instances()) {
      boolean onTargetAndHealthy = i.runs(target) && i.health() == HealthState.HEALTHY;
      good += onTargetAndHealthy ? 1 : 0;
      FleetVerification.Reason reason = verified.get(i.instanceId());
      if (reason != null && !agrees(reason, i)) {
        violate(COMPLETED, i.instanceId(), "Completed, and the final read says instance " + i.instanceId() + " is "
            + reason + ", but it runs " + i.imageVersion() + " and is " + i.health()
            + (i.protectedFromUpgrade() ? " (protected)" : ""));
      }
      if (i.protectedFromUpgrade() || explained.contains(i.instanceId()) || reason != null) {
        continue;
      }
      if (!i.runs(target)) {
        violate(COMPLETED, i.instanceId(), "Completed, but instance " + i.instanceId() + " runs " + i.imageVersion()
            + ", not " + target + ", and nothing explains it");
      } else if (i.health() != HealthState.HEALTHY) {
        violate(COMPLETED, i.instanceId(), "Completed, but instance " + i.instanceId() + " is " + i.health()
            + " on the target, and nothing explains it");
      }
    }
    if (verification != null && verification.onTargetAndHealthy() != good) {
      violate(COMPLETED, "Completed, and the final read counts " + verification.onTargetAndHealthy()
          + " instances on the target and healthy, but the fleet has " + good);
    }
    return this;
  }

  private boolean agrees(FleetVerification.Reason reason, Instance i) {
    return switch (reason) {
      case PROTECTED -> i.protectedFromUpgrade();
      case UNHEALTHY_ON_TARGET -> i.runs(target) && i.health() != HealthState.HEALTHY;
      case FAILED -> !i.runs(target) || i.health() != HealthState.HEALTHY;
      case DRIFTED, NOT_UPGRADED -> !i.runs(target);
    };
  }

  /** The instances an event names, by its record components {@code instanceId} and {@code instanceIds}. */
  private static Set<String> named(RolloutEvent e) {
    Set<String> out = new LinkedHashSet<>();
    for (RecordComponent c : e.getClass().getRecordComponents()) {
      try {
        Object value = c.getAccessor().invoke(e);
        if (c.getName().equals("instanceId") && value instanceof String s) {
          out.add(s);
        } else if (c.getName().equals("instanceIds") && value instanceof List<?> l) {
          l.forEach(x -> out.add(String.valueOf(x)));
        }
      } catch (ReflectiveOperationException x) {
        throw new IllegalStateException(x);
      }
    }
    return out;
  }

  /**
   * Reimages, counted from the record: each instance upgraded at most once and rolled back at most once, a rollback
   * only after an upgrade; each rollback asked for the image the instance ran before its upgrade.
   *
   * @return this
   */
  RolloutTruth checkReimages() {
    for (String i : record.instances()) {
      List<InstanceChange> h = record.history(i);
      int upgrades = 0;
      int rollbacks = 0;
      ImageReference before = h.get(0).image();
      for (InstanceChange e : h) {
        if (e.kind() == InstanceChange.Kind.UPGRADE_STARTED) {
          upgrades++;
          before = upgrades == 1 ? e.image() : before;
        } else if (e.kind() == InstanceChange.Kind.ROLLBACK_STARTED) {
          rollbacks++;
          if (upgrades == 0) {
            violate(REIMAGES, "instance " + i + " rolled back without an upgrade: " + h);
          } else if (!Objects.equals(e.reimageTo(), before)) {
            violate(ROLLBACK, "instance " + i + " rolled back to " + e.reimageTo() + ", but it ran " + before
                + " before its upgrade");
          }
        }
      }
      if (upgrades > 1 || rollbacks > 1) {
        violate(REIMAGES, "instance " + i + " upgraded " + upgrades + " and rolled back " + rollbacks + " times: "
            + h);
      }
    }
    return this;
  }

  /**
   * After the fleet has settled (call {@code fleet.clock().runUntilIdle()} first): an instance whose last reimage was
   * a rollback runs the image the rollback restored.
   *
   * @return this
   */
  RolloutTruth checkRolledBackInstancesRunTheirPreviousImage() {
    for (Instance now : fleet.peek(id).instances()) {
      List<InstanceChange> h = record.history(now.instanceId());
      InstanceChange last = null;
      for (InstanceChange e : h) {
        last = e.isReimage() ? e : last;
      }
      if (last != null && last.kind() == InstanceChange.Kind.ROLLBACK_STARTED
          && !now.image().equals(last.reimageTo())) {
        violate(ROLLBACK, "instance " + now.instanceId() + " was rolled back to " + last.reimageTo() + " but runs "
            + now.image() + " once the fleet settled");
      }
    }
    return this;
  }

  /**
   * Planned versus executed: the plan holds exactly the instances that, at the look it was made from, were not on
   * the target and not protected, each once; every upgrade the fleet carried out named instances of one planned
   * batch that the rollout said it started (its decision), each instance in at most one upgrade; no instance's disk
   * was replaced without a call that named it; surge instances are created on the target and only planned or surge
   * instances are deleted.
   *
   * @return this
   */
  RolloutTruth checkPlannedVersusExecuted() {
    RolloutPlan plan = rollout.plan().orElse(null);
    if (plan == null) {
      if (!batchCalls().isEmpty()) {
        violate(PLANNED, "no plan, yet the fleet carried out " + batchCalls());
      }
      return this;
    }
    Set<String> eligible = new TreeSet<>();
    for (Instance i : record.fleetAt(planLook)) {
      if (!i.runs(target) && !i.protectedFromUpgrade()) {
        eligible.add(i.instanceId());
      }
    }
    Map<String, Integer> plannedIn = new HashMap<>();
    for (Batch b : plan.batches()) {
      for (String i : b.instanceIds()) {
        if (plannedIn.put(i, b.number()) != null) {
          violate(PLANNED, "instance " + i + " is planned twice");
        }
      }
    }
    Set<String> originallyPlanned = new TreeSet<>(plannedIn.keySet());
    rollout.events().stream().filter(PlanExtended.class::isInstance).map(PlanExtended.class::cast)
        .forEach(x -> originallyPlanned.removeAll(x.instanceIds()));
    if (!originallyPlanned.equals(eligible)) {
      violate(PLANNED, "the plan holds " + originallyPlanned + " but at " + planLook + " the instances off the "
          + "target and unprotected were " + eligible);
    }
    Map<Integer, Set<String>> decided = new HashMap<>();
    for (RolloutEvent e : rollout.events()) {
      if (e instanceof BatchStarted b) {
        decided.computeIfAbsent(b.batch(), k -> new HashSet<>()).addAll(b.instanceIds());
      }
    }
    Set<String> upgradedBy = new HashSet<>();
    for (PortCall c : calls) {
      if (!c.accepted() || !c.is("upgradeInstances")) {
        continue;
      }
      Set<Integer> batches = new TreeSet<>();
      for (String i : c.instanceIds()) {
        Integer batch = plannedIn.get(i);
        if (batch == null) {
          violate(PLANNED, c + " upgrades instance " + i + ", which the plan does not hold");
          continue;
        }
        batches.add(batch);
        if (!decided.getOrDefault(batch, Set.of()).contains(i)) {
          violate(PLANNED, c + " upgrades instance " + i + ", which the rollout never said it started (batch "
              + batch + ")");
        }
        if (!upgradedBy.add(i)) {
          violate(PLANNED, c + " upgrades instance " + i + " again");
        }
      }
      if (batches.size() > 1) {
        violate(PLANNED, c + " mixes planned batches " + batches);
      }
    }
    Set<String> created = new HashSet<>();
    record.calls("scaleOut").stream().filter(PortCall::accepted).forEach(c -> created.addAll(c.instanceIds()));
    Set<String> rolledBackBy = new HashSet<>();
    record.calls("rollBackInstances").stream().filter(PortCall::accepted)
        .forEach(c -> rolledBackBy.addAll(c.instanceIds()));
    for (String i : record.instances()) {
      List<InstanceChange> h = record.history(i);
      for (InstanceChange e : h) {
        if (e.kind() == InstanceChange.Kind.UPGRADE_STARTED && !upgradedBy.contains(i)) {
          violate(PLANNED, "instance " + i + " was upgraded with no upgrade call naming it: " + h);
        }
        if (e.kind() == InstanceChange.Kind.ROLLBACK_STARTED && !rolledBackBy.contains(i)) {
          violate(PLANNED, "instance " + i + " was rolled back with no rollback call naming it: " + h);
        }
      }
      if (created.contains(i) && !h.get(0).image().version().map(target::equals).orElse(false)) {
        violate(PLANNED, "surge instance " + i + " was created on " + h.get(0).image() + ", not the target");
      }
    }
    for (PortCall c : record.calls("deleteInstances")) {
      for (String i : c.instanceIds()) {
        if (c.accepted() && !plannedIn.containsKey(i) && !created.contains(i)) {
          violate(PLANNED, c + " deletes instance " + i + ", neither planned nor created by the rollout");
        }
      }
    }
    return this;
  }

  /** @return the surge fallbacks the rollout reported (for scenarios that must not fall back) */
  List<SurgeFallback> surgeFallbacks() {
    return rollout.events().stream().filter(SurgeFallback.class::isInstance).map(SurgeFallback.class::cast).toList();
  }
}
