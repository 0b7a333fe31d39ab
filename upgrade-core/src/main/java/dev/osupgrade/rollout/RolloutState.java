package dev.osupgrade.rollout;

import dev.osupgrade.Require;
import dev.osupgrade.fleet.InstanceIds;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.governance.GovernanceWaiver;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.image.ImageVersion;
import dev.osupgrade.ops.RolloutStatus;
import dev.osupgrade.ops.Stall;
import dev.osupgrade.ops.UpgradeError;
import dev.osupgrade.ops.UpgradeProgress;
import dev.osupgrade.plan.RolloutPlan;
import dev.osupgrade.policy.RollingUpgradePolicy;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * Everything a rollout remembers between two looks at the fleet. Immutable; the engine returns a new state from each
 * step. The fleet remains the truth about images and health; the state records what was intended (target, plan,
 * batch, actions not yet confirmed) and what only the rollout knows (which instances failed and were rolled back).
 *
 * @param scaleSet the scale set
 * @param target the version being rolled out
 * @param status where the rollout stands
 * @param phase what the engine is doing
 * @param policy the rolling policy in force (fixed at start)
 * @param plan the plan, or null before start
 * @param previousModelImage the model image before the rollout, or null before start
 * @param startedAt when it started, or null
 * @param endedAt when it ended, or null
 * @param batch the current batch number, 0 before the first
 * @param batchStartedAt when the current batch was sent, or null
 * @param pauseUntil when the pause between batches ends, or null
 * @param lastProgressAt when the rollout last made progress (an instance settled, a batch started or a gate asked it
 *     to wait), or null before start; the progress deadline counts from here
 * @param instances per-instance progress of every planned instance
 * @param outbox actions decided but not yet confirmed done
 * @param error why the rollout stopped, or null
 * @param lastSequence the sequence number of the last event emitted
 * @param cancelRequested the caller asked to cancel
 * @param pauseRequested the caller asked to pause
 * @param stall why the rollout cannot go on for now (an infrastructure failure it retries), or null
 * @param intendedModel the image the rollout means the model to have (set when it decides a model change: the target
 *     while it rolls forward, the pinned previous image after a fault), or null while it has not moved the model;
 *     every look compares the model with it
 * @param missingSince instances the rollout expects that were missing from a look, with when they were first missed:
 *     one look never settles an instance as gone, a later one at least a poll interval on confirms it
 * @param governanceWaiver who started this rollout on a production scale set without governance, and why
 *     ({@code Rollout.Builder.ungoverned}); null when the rollout was governed or governance did not apply
 * @param gateWaits how many times each gate has said "wait" in the current batch, keyed {@code phase/batch/gate}: the
 *     state a gate needs (a performance gate's bound on marginal waits) lives here, in the checkpoint, not in the gate
 * @param replanned instances the rollout asked to upgrade, let go (left out of the looks, settled as gone) and found
 *     again off the target, so planned again: how many times each; with the first request, an instance has been asked
 *     one more time than this. The bound is {@link RolloutOptions#maxUpgradeRequestsPerInstance()}; empty for a
 *     rollout that never re-planned an instance it had asked to upgrade (and for checkpoints written before it was
 *     kept)
 */
public record RolloutState(
    ScaleSetId scaleSet,
    ImageVersion target,
    RolloutStatus status,
    Phase phase,
    @Nullable RollingUpgradePolicy policy,
    @Nullable RolloutPlan plan,
    @Nullable ImageReference previousModelImage,
    @Nullable Instant startedAt,
    @Nullable Instant endedAt,
    int batch,
    @Nullable Instant batchStartedAt,
    @Nullable Instant pauseUntil,
    @Nullable Instant lastProgressAt,
    SortedMap<String, InstanceProgress> instances,
    List<RolloutAction> outbox,
    @Nullable UpgradeError error,
    long lastSequence,
    boolean cancelRequested,
    boolean pauseRequested,
    @Nullable Stall stall,
    @Nullable ImageReference intendedModel,
    SortedMap<String, Instant> missingSince,
    @Nullable GovernanceWaiver governanceWaiver,
    SortedMap<String, Integer> gateWaits,
    SortedMap<String, Integer> replanned) {

  /** Validates and copies. */
  public RolloutState {
    Require.nonNull(scaleSet, "scaleSet");
    Require.nonNull(target, "target");
    Require.nonNull(status, "status");
    Require.nonNull(phase, "phase");
    Require.atLeast("batch", batch, 0);
    // a state shares the instances of the state it was made from where they did not change (InstanceTable)
    instances = InstanceTable.copyOf(Require.nonNull(instances, "instances"));
    outbox = List.copyOf(Require.noNulls("outbox", outbox));
    if (Require.noNulls("missingSince", missingSince).isEmpty()) {
      missingSince = NONE_MISSING;
    } else {
      SortedMap<String, Instant> missing = new TreeMap<>(InstanceIds.ORDER);
      missing.putAll(missingSince);
      missingSince = Collections.unmodifiableSortedMap(missing);
    }
    gateWaits = Require.noNulls("gateWaits", gateWaits).isEmpty() ? NO_GATE_WAITS
        : Collections.unmodifiableSortedMap(new TreeMap<>(gateWaits));
    if (Require.noNulls("replanned", replanned).isEmpty()) {
      replanned = NONE_REPLANNED;
    } else {
      SortedMap<String, Integer> again = new TreeMap<>(InstanceIds.ORDER);
      again.putAll(replanned);
      for (Object n : again.values()) {
        if (!(n instanceof Integer count) || count < 1) {
          throw new dev.osupgrade.InvalidValueException("replanned", "counts of at least 1", n);
        }
      }
      replanned = Collections.unmodifiableSortedMap(again);
    }
  }

  private static final SortedMap<String, Instant> NONE_MISSING =
      Collections.unmodifiableSortedMap(new TreeMap<>(InstanceIds.ORDER));
  private static final SortedMap<String, Integer> NO_GATE_WAITS = Collections.unmodifiableSortedMap(new TreeMap<>());
  private static final SortedMap<String, Integer> NONE_REPLANNED =
      Collections.unmodifiableSortedMap(new TreeMap<>(InstanceIds.ORDER));

  /**
   * The state of a rollout that has not started.
   *
   * @param scaleSet the scale set
   * @param target the version to roll out
   * @return the initial state
   */
  public static RolloutState initial(ScaleSetId scaleSet, ImageVersion target) {
    return new RolloutState(scaleSet, target, RolloutStatus.NOT_STARTED, Phase.NOT_STARTED, null, null, null, null,
        null, 0, null, null, null, new TreeMap<>(), List.of(), null, 0, false, false, null, null, new TreeMap<>(),
        null, new TreeMap<>(), new TreeMap<>());
  }

  /**
   * This state, not started yet, with the caller's opt-out of production governance; the start records it in an
   * event and every checkpoint keeps it.
   *
   * @param waiver who opted out, and why
   * @return the state with the waiver
   */
  RolloutState withGovernanceWaiver(GovernanceWaiver waiver) {
    Draft d = new Draft(this);
    d.governanceWaiver = Require.nonNull(waiver, "waiver");
    return d.build();
  }

  /** @return Azure's four progress counts */
  public UpgradeProgress progress() {
    int ok = 0;
    int failed = 0;
    int inProgress = 0;
    int pending = 0;
    for (InstanceProgress p : instances.values()) {
      if (p.isSurge()) {
        continue; // a surge instance's outcome is its planned instance's
      }
      InstanceStage s = p.stage();
      if (s == InstanceStage.SUCCEEDED || s == InstanceStage.REPLACED) {
        ok++;
      } else if (s.isFailed()) {
        failed++;
      } else if (s == InstanceStage.UPGRADING || s == InstanceStage.AWAITING_HEALTH || s == InstanceStage.REPLACING) {
        inProgress++;
      } else if (s == InstanceStage.PENDING) {
        pending++;
      }
    }
    return new UpgradeProgress(ok, failed, inProgress, pending);
  }

  /**
   * How the rollbacks of failed instances went, as Azure's history reports it.
   *
   * @return instances restored, instances whose restore failed
   */
  public dev.osupgrade.ops.RollbackInfo rollbackInfo() {
    int ok = 0;
    int failed = 0;
    for (InstanceProgress p : instances.values()) {
      if (p.isSurge()) {
        continue;
      }
      if (p.stage() == InstanceStage.ROLLED_BACK) {
        ok++;
      } else if (p.stage() == InstanceStage.ROLLBACK_FAILED) {
        failed++;
      }
    }
    return new dev.osupgrade.ops.RollbackInfo(ok, failed, null);
  }

  /** @return the plan, if the rollout has started */
  public Optional<RolloutPlan> planIfStarted() {
    return Optional.ofNullable(plan);
  }

  /** @return why the rollout cannot go on for now, if it is stalled */
  public Optional<Stall> stallIfAny() {
    return Optional.ofNullable(stall);
  }

  /** @return the error, if the rollout stopped with one */
  public Optional<UpgradeError> errorIfAny() {
    return Optional.ofNullable(error);
  }

  /**
   * Encodes the state as text, for a {@link dev.osupgrade.port.RolloutStore}.
   *
   * @return the text; {@link #decode(String)} reads it back to an equal state
   */
  public String encode() {
    return CheckpointCodec.encode(this);
  }

  /**
   * Reads a state written by {@link #encode()}.
   *
   * @param text the text
   * @return the state
   * @throws dev.osupgrade.OsUpgradeException with code {@code CheckpointCorrupt} when the text cannot be read
   */
  public static RolloutState decode(String text) {
    return CheckpointCodec.decode(text);
  }

  /** @return the planned instances in a stage */
  public List<String> instancesIn(InstanceStage stage) {
    return instances.values().stream().filter(p -> p.stage() == stage).map(InstanceProgress::instanceId).toList();
  }

  /** What the engine is doing. */
  public enum Phase {
    /** Not started. */
    NOT_STARTED,
    /** About to start batch {@link #batch()}: gates come first. */
    BEFORE_BATCH,
    /** Batch {@link #batch()} is in flight. */
    IN_BATCH,
    /** Pausing between batches until {@link #pauseUntil()}. */
    PAUSING,
    /**
     * Every batch is done: the rollout waits for a full read of the scale set (model and instances together) to
     * confirm the outcome before it says {@code Completed}.
     */
    VERIFYING,
    /**
     * A policy breach stopped the rollout and {@code rollbackFailedInstancesOnPolicyBreach} is restoring the failed
     * instances; it ends {@code Faulted} with {@link #error()} once they settle.
     */
    ROLLING_BACK,
    /** Finished: see {@link #status()}. */
    DONE
  }

  /** A mutable copy used by the engine within one step. */
  static final class Draft {
    ScaleSetId scaleSet;
    ImageVersion target;
    RolloutStatus status;
    Phase phase;
    @Nullable RollingUpgradePolicy policy;
    @Nullable RolloutPlan plan;
    @Nullable ImageReference previousModelImage;
    @Nullable Instant startedAt;
    @Nullable Instant endedAt;
    int batch;
    @Nullable Instant batchStartedAt;
    @Nullable Instant pauseUntil;
    @Nullable Instant lastProgressAt;
    final InstanceTable.Builder instances;
    final List<RolloutAction> outbox = new ArrayList<>();
    @Nullable UpgradeError error;
    long lastSequence;
    boolean cancelRequested;
    boolean pauseRequested;
    @Nullable Stall stall;
    @Nullable ImageReference intendedModel;
    final SortedMap<String, Instant> missingSince = new TreeMap<>(InstanceIds.ORDER);
    @Nullable GovernanceWaiver governanceWaiver;
    final SortedMap<String, Integer> gateWaits = new TreeMap<>();
    final SortedMap<String, Integer> replanned = new TreeMap<>(InstanceIds.ORDER);

    Draft(RolloutState s) {
      scaleSet = s.scaleSet;
      target = s.target;
      status = s.status;
      phase = s.phase;
      policy = s.policy;
      plan = s.plan;
      previousModelImage = s.previousModelImage;
      startedAt = s.startedAt;
      endedAt = s.endedAt;
      batch = s.batch;
      batchStartedAt = s.batchStartedAt;
      pauseUntil = s.pauseUntil;
      lastProgressAt = s.lastProgressAt;
      instances = new InstanceTable.Builder((InstanceTable) s.instances);
      outbox.addAll(s.outbox);
      error = s.error;
      lastSequence = s.lastSequence;
      cancelRequested = s.cancelRequested;
      pauseRequested = s.pauseRequested;
      stall = s.stall;
      intendedModel = s.intendedModel;
      missingSince.putAll(s.missingSince);
      governanceWaiver = s.governanceWaiver;
      gateWaits.putAll(s.gateWaits);
      replanned.putAll(s.replanned);
    }

    RolloutState build() {
      return new RolloutState(scaleSet, target, status, phase, policy, plan, previousModelImage, startedAt, endedAt,
          batch, batchStartedAt, pauseUntil, lastProgressAt, instances.build(), outbox, error, lastSequence,
          cancelRequested, pauseRequested, stall, intendedModel, missingSince, governanceWaiver, gateWaits, replanned);
    }
  }
}
