package dev.osupgrade.observe;

import dev.osupgrade.Durations;
import dev.osupgrade.Require;
import dev.osupgrade.event.BatchCompleted;
import dev.osupgrade.event.BatchSkipped;
import dev.osupgrade.event.BatchStarted;
import dev.osupgrade.event.GateEvaluated;
import dev.osupgrade.event.GovernanceWaived;
import dev.osupgrade.event.PlanExtended;
import dev.osupgrade.event.RolloutCancelled;
import dev.osupgrade.event.RolloutCompleted;
import dev.osupgrade.event.RolloutEvent;
import dev.osupgrade.event.RolloutFaulted;
import dev.osupgrade.event.RolloutListener;
import dev.osupgrade.event.UpgradeEvent;
import dev.osupgrade.event.RolloutPaused;
import dev.osupgrade.event.RolloutResumed;
import dev.osupgrade.event.RolloutStallCleared;
import dev.osupgrade.event.RolloutStalled;
import dev.osupgrade.event.RolloutStarted;
import dev.osupgrade.event.SurgeFallback;
import dev.osupgrade.estate.GovernorDecision;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.event.RingEvent;
import dev.osupgrade.health.GatePhase;
import dev.osupgrade.health.GateVerdict;
import dev.osupgrade.service.RunnerEvent;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * The log an operator reads, in one of two modes.
 *
 * <ul>
 *   <li>{@link #detailed(Consumer) detailed}: every event as its line ({@code toString()}), the same as
 *       {@code listener(System.out::println)}.
 *   <li>{@link #summary(Consumer) summary}: one line per batch and per gate, plus the start, the end, stalls, pauses
 *       and fallbacks; each batch line says how far the rollout is (instances settled of those to upgrade) and how
 *       much fleet time is left by the plan's estimate ({@link dev.osupgrade.plan.RolloutPlan#estimate()}). Instance
 *       events are left out (the batch lines count them). A ring rollout's events come one line each, a folded gate
 *       line as its first line only.
 * </ul>
 *
 * <p>A summary of the demo's 30-instance rollout (87 events) has 26 lines, such as:
 *
 * <pre>
 * 2026-01-05T00:00:00Z shop-prod/web started 22.04.202410010: 30 instances in 6 batches, 0 skipped; plan ~36m
 * 2026-01-05T00:06:00Z shop-prod/web gate upgraded-unhealthy after batch 1: PASS - 0 of 6 upgraded instances (0%) are unhealthy, within the threshold of 20%
 * 2026-01-05T00:06:00Z shop-prod/web batch 1/6 completed: 6 healthy, 0 failed | 20% done, ~30m to go
 * </pre>
 *
 * <p>A rollout first seen after its start (resumed from a checkpoint) has no estimate: its lines say the percent
 * once a batch has settled, and no time to go. One log may serve any number of rollouts on any threads; lines go to
 * {@code out} one at a time.
 */
public final class OperatorLog implements RolloutListener {
  /** How much the log says. */
  public enum Mode {
    /** One line per batch and gate, with percent done and time to go. */
    SUMMARY,
    /** Every event as its line. */
    DETAILED
  }

  private final Mode mode;
  private final Consumer<String> out;
  private final Map<ScaleSetId, RolloutProgress> rollouts = new HashMap<>();

  private OperatorLog(Mode mode, Consumer<String> out) {
    this.mode = mode;
    this.out = out;
  }

  /**
   * A log of one line per batch and gate: {@code OperatorLog.summary(System.out::println)}.
   *
   * @param out where the lines go
   * @return the log
   */
  public static OperatorLog summary(Consumer<String> out) {
    return new OperatorLog(Mode.SUMMARY, Require.nonNull(out, "out"));
  }

  /**
   * A log of every event.
   *
   * @param out where the lines go
   * @return the log
   */
  public static OperatorLog detailed(Consumer<String> out) {
    return new OperatorLog(Mode.DETAILED, Require.nonNull(out, "out"));
  }

  /**
   * A log in the given mode.
   *
   * @param mode how much it says
   * @param out where the lines go
   * @return the log
   */
  public static OperatorLog of(Mode mode, Consumer<String> out) {
    return new OperatorLog(Require.nonNull(mode, "mode"), Require.nonNull(out, "out"));
  }

  /** @return how much it says */
  public Mode mode() {
    return mode;
  }

  @Override
  public synchronized void onEvent(RolloutEvent event) {
    Require.nonNull(event, "event");
    if (mode == Mode.DETAILED) {
      out.accept(event.toString());
      return;
    }
    RolloutProgress p = rollouts.computeIfAbsent(event.scaleSet(), id -> new RolloutProgress());
    p.on(event);
    String line = summary(event, p);
    if (line != null) {
      out.accept(event.at() + " " + event.scaleSet() + " " + line);
    }
    if (event instanceof RolloutCompleted || event instanceof RolloutFaulted || event instanceof RolloutCancelled) {
      rollouts.remove(event.scaleSet());
    }
  }

  /**
   * Takes an event of either family: a rollout's ({@link #onEvent(RolloutEvent)}) or a ring rollout's
   * ({@link #onRingEvent(RingEvent)}), so one listener given to {@code RingRollout.Builder.listener} hears the rings
   * and the rollouts they run.
   *
   * @param event the event
   */
  @Override
  public void onEvent(UpgradeEvent event) {
    if (event instanceof RingEvent ring) {
      onRingEvent(ring);
    } else if (event instanceof RolloutEvent rollout) {
      onEvent(rollout);
    }
  }

  /**
   * Logs a ring rollout's event; pass it as {@code RingRollout.Builder.listener(log::onRingEvent)}. A summary keeps
   * the first line of a folded gate line.
   *
   * @param event the event
   */
  public synchronized void onRingEvent(RingEvent event) {
    Require.nonNull(event, "event");
    if (mode == Mode.DETAILED) {
      out.accept(event.toString());
      return;
    }
    out.accept(event.at() + " [" + event.ring() + "]" + (event.scaleSet() == null ? "" : " " + event.scaleSet())
        + " " + Lines.firstLine(Lines.body(event)));
  }

  /**
   * Logs a service runner's event; pass it as {@code RolloutRunner.Builder.listener(log::onRunnerEvent)}. A summary
   * keeps failed advances, rollouts set aside and the runner's own shutdown.
   *
   * @param event the event
   */
  public synchronized void onRunnerEvent(RunnerEvent event) {
    Require.nonNull(event, "event");
    if (mode == Mode.DETAILED) {
      out.accept(event.toString());
      return;
    }
    switch (event.kind()) {
      case ADVANCE_FAILED, SET_ASIDE, SHUTTING_DOWN, TERMINATED -> out.accept(event.at() + " "
          + (event.rollout() == null ? "runner" : event.rollout().name()) + " " + Lines.body(event));
      default -> {
        // submitted, requested, paused, ended, released: the rollouts' own lines say it
      }
    }
  }

  /**
   * Logs an estate governor's decision; pass it as {@code EstateGovernor.Builder.listener(log::onGovernorDecision)}.
   * Detailed: the decision's line ({@code toString()}). Summary: one line — time, {@code governor}, what it concerns,
   * what it decided, the first line of why — for every decision but a rehearsal within its budget (the ring's start
   * that follows says it) and a wait (the report's {@code Next} says it).
   *
   * @param decision the decision
   */
  public synchronized void onGovernorDecision(GovernorDecision decision) {
    Require.nonNull(decision, "decision");
    if (mode == Mode.DETAILED) {
      out.accept(decision.toString());
      return;
    }
    GovernorDecision.Kind kind = decision.kind();
    if (kind == GovernorDecision.Kind.RELEASE_WAITING || kind == GovernorDecision.Kind.RING_WAITING
        || (kind == GovernorDecision.Kind.RING_REHEARSED && !decision.detail().endsWith(": breached"))) {
      return;
    }
    out.accept(decision.at() + " governor " + Lines.subject(decision) + " " + Lines.firstLine(Lines.body(decision)));
  }

  /** The summary's words for an event, without time and scale set; null for an event the summary leaves out. */
  private static @Nullable String summary(RolloutEvent e, RolloutProgress p) {
    if (e instanceof RolloutStarted s) {
      return "started " + s.target() + ": " + s.toUpgrade() + " instances in " + s.plannedBatches() + " batches, "
          + s.skipped() + " skipped; plan ~" + Durations.words(s.estimate().fleetTime());
    }
    if (e instanceof GateEvaluated g) {
      GateVerdict v = g.verdict();
      String outcome = v instanceof GateVerdict.Pass ? "PASS"
          : v instanceof GateVerdict.Wait w ? "WAIT until " + w.until()
          : "FAIL " + ((GateVerdict.Fail) v).code();
      return "gate " + v.gate() + (g.phase() == GatePhase.BEFORE_BATCH ? " before" : " after") + " batch "
          + g.batch() + ": " + outcome + " - " + v.reason();
    }
    if (e instanceof BatchStarted b) {
      return "batch " + b.batch() + "/" + b.totalBatches() + " started in " + b.zone() + ": "
          + b.instanceIds().size() + (b.instanceIds().size() == 1 ? " instance" : " instances") + where(p);
    }
    if (e instanceof BatchCompleted c) {
      return "batch " + c.batch() + "/" + c.totalBatches() + " completed: " + c.succeeded() + " healthy, "
          + c.failed() + " failed" + where(p);
    }
    if (e instanceof BatchSkipped s) {
      return "batch " + s.batch() + "/" + s.totalBatches() + " skipped: " + s.reason() + where(p);
    }
    if (e instanceof RolloutCompleted c) {
      return "COMPLETED in " + Durations.words(c.took())
          + p.estimate().map(x -> " (plan ~" + Durations.words(x.fleetTime()) + ")").orElse("") + ": "
          + c.progress() + "; verified: " + c.verification();
    }
    if (e instanceof RolloutFaulted f) {
      return "FAULTED [" + f.error().code() + "]: " + f.error().message() + "; " + f.progress()
          + (f.rollback().successfullyRolledBack() + f.rollback().failedToRollBack() == 0 ? ""
              : "; rolled back " + f.rollback().successfullyRolledBack() + ", failed to roll back "
                  + f.rollback().failedToRollBack())
          + where(p);
    }
    if (e instanceof RolloutCancelled c) {
      return "CANCELLED after " + c.batchesDone() + " batches: " + c.progress() + where(p);
    }
    if (e instanceof GovernanceWaived || e instanceof RolloutPaused || e instanceof RolloutResumed
        || e instanceof RolloutStalled || e instanceof RolloutStallCleared || e instanceof SurgeFallback
        || e instanceof PlanExtended) {
      return Lines.body(e);
    }
    return null;
  }

  /** {@code  | 20% done, ~30m to go}, as much of it as is known. */
  private static String where(RolloutProgress p) {
    OptionalInt percent = p.percentDone();
    Optional<Duration> toGo = p.toGo();
    if (percent.isEmpty() && toGo.isEmpty()) {
      return "";
    }
    StringBuilder b = new StringBuilder(" | ");
    percent.ifPresent(x -> b.append(x).append("% done"));
    toGo.filter(d -> !d.isZero()).ifPresent(d -> b.append(percent.isPresent() ? ", ~" : "~")
        .append(Durations.words(d)).append(" to go"));
    return b.toString();
  }

  @Override
  public String toString() {
    return "OperatorLog[" + mode + "]";
  }
}
