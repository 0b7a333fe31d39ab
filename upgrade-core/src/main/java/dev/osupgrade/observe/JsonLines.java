package dev.osupgrade.observe;

import dev.osupgrade.Require;
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
import dev.osupgrade.event.RolloutListener;
import dev.osupgrade.event.UpgradeEvent;
import dev.osupgrade.event.RolloutPaused;
import dev.osupgrade.event.RolloutResumed;
import dev.osupgrade.event.RolloutStallCleared;
import dev.osupgrade.event.RolloutStalled;
import dev.osupgrade.event.RolloutStarted;
import dev.osupgrade.event.SurgeFallback;
import dev.osupgrade.event.SurgeInstancesCreated;
import dev.osupgrade.estate.GovernorDecision;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.event.RingEvent;
import dev.osupgrade.health.GatePhase;
import dev.osupgrade.health.GateVerdict;
import dev.osupgrade.health.Measurement;
import dev.osupgrade.ops.UpgradeProgress;
import dev.osupgrade.service.ManagedRollout;
import dev.osupgrade.service.RunnerEvent;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/**
 * Every event as one JSON object on one line (JSON Lines), for a log shipper or a platform's event store. Needs no
 * JSON library: strings are escaped by hand (quotes, backslashes, every control character, U+2028 and U+2029, and
 * unpaired surrogates), so a line is always one line of valid JSON whatever a reason says.
 *
 * <p><b>Schema</b> (version 1). Field names are stable: fields may be added, none renamed or retyped. A field with
 * nothing to say is left out, never {@code null}; a measurement that is not a finite number is {@code null}.
 *
 * <table>
 *   <caption>Fields of every line</caption>
 *   <tr><th>field</th><th>type</th><th>meaning</th></tr>
 *   <tr><td>{@code seq}</td><td>number</td><td>the event's number within its rollout, ring rollout or runner (a
 *       governor decision's: within its governor, across replicas)</td></tr>
 *   <tr><td>{@code at}</td><td>string</td><td>when, ISO-8601 UTC ({@code 2026-01-05T00:06:00Z}), by the injected
 *       clock</td></tr>
 *   <tr><td>{@code source}</td><td>string</td><td>{@code rollout}, {@code ring}, {@code runner} or
 *       {@code governor}</td></tr>
 *   <tr><td>{@code type}</td><td>string</td><td>what happened, kebab-case: for {@code rollout} one of
 *       {@code governance-waived rollout-started model-image-changed gate-evaluated batch-started batch-skipped
 *       instance-upgraded instance-healthy instance-failed instance-rolled-back batch-completed rollout-completed
 *       rollout-faulted rollout-cancelled rollout-paused rollout-resumed surge-fallback surge-instances-created
 *       instance-replaced plan-extended rollout-stalled rollout-stall-cleared}; for {@code ring} the
 *       {@link RingEvent.Kind} ({@code ring-started}, {@code gate-evaluated}, ...); for {@code runner} the
 *       {@link RunnerEvent.Kind} ({@code advance-failed}, ...); for {@code governor} the
 *       {@link GovernorDecision.Kind} ({@code campaign-started}, {@code ring-started}, {@code ring-promoted},
 *       {@code governor-paused}, ...)</td></tr>
 *   <tr><td>{@code level}</td><td>string</td><td>{@code DEBUG}, {@code INFO}, {@code WARNING} or {@code ERROR}, as
 *       {@link LoggingListener} logs it</td></tr>
 *   <tr><td>{@code message}</td><td>string</td><td>what happened and why, in words: the event's line without its
 *       number, time and scale set (a ring event's may have several lines)</td></tr>
 * </table>
 *
 * <table>
 *   <caption>Fields of some lines</caption>
 *   <tr><th>field</th><th>type</th><th>on</th></tr>
 *   <tr><td>{@code scaleSet}</td><td>string</td><td>{@code resourceGroup/name}: every rollout event, ring events
 *       about one scale set, runner events about a rollout (its name)</td></tr>
 *   <tr><td>{@code scaleSetId}</td><td>string</td><td>the scale set's ARM resource id, with {@code scaleSet}</td></tr>
 *   <tr><td>{@code batch}, {@code totalBatches}</td><td>number</td><td>batch events, gates, instance events
 *       ({@code batch}), paused and resumed (the next batch)</td></tr>
 *   <tr><td>{@code instanceIds}</td><td>array of strings</td><td>batch started (its instances), instance events
 *       (the one instance), surge instances created (the new ones), plan extended</td></tr>
 *   <tr><td>{@code code}</td><td>string</td><td>Azure's or the gate's error code: a failed gate, faulted, stalled,
 *       stall cleared</td></tr>
 *   <tr><td>{@code reason}</td><td>string</td><td>the event's own reason or detail: gates, skipped, instance failed,
 *       rolled back, model image changed, faulted (the error's message), stalled, stall cleared (the resolution),
 *       surge fallback, governance waived</td></tr>
 *   <tr><td>{@code target}</td><td>string</td><td>the version rolled out: started, completed</td></tr>
 *   <tr><td>{@code from}, {@code to}</td><td>string</td><td>versions (instance upgraded, rolled back:
 *       {@code to}) or image references (model image changed)</td></tr>
 *   <tr><td>{@code zone}</td><td>string</td><td>batch started ({@code regional} when not zonal)</td></tr>
 *   <tr><td>{@code unhealthyInstances}, {@code totalInstances}</td><td>number</td><td>batch started: the whole set
 *       when it started</td></tr>
 *   <tr><td>{@code toUpgrade}, {@code skipped}, {@code estimateSeconds}, {@code policy}</td><td>number, number,
 *       number, string</td><td>rollout started (the plan's fleet time estimate)</td></tr>
 *   <tr><td>{@code gate}, {@code phase}, {@code verdict}, {@code until}, {@code measurements}</td><td>string,
 *       string ({@code before-batch}, {@code after-batch}), string ({@code pass}, {@code wait}, {@code fail}),
 *       string, object of numbers</td><td>gate evaluated</td></tr>
 *   <tr><td>{@code healthy}, {@code failed}</td><td>number</td><td>batch completed: instances of the batch</td></tr>
 *   <tr><td>{@code progress}</td><td>object {@code {successful, failed, inProgress, pending}}</td><td>batch
 *       completed, completed, faulted, cancelled: Azure's four counts</td></tr>
 *   <tr><td>{@code tookSeconds}</td><td>number</td><td>instance healthy (since its batch started), completed</td></tr>
 *   <tr><td>{@code health}, {@code rollingBack}</td><td>string, boolean</td><td>instance failed</td></tr>
 *   <tr><td>{@code restored}</td><td>boolean</td><td>instance rolled back: whether it runs {@code to} again</td></tr>
 *   <tr><td>{@code rolledBack}, {@code failedToRollBack}</td><td>number</td><td>faulted</td></tr>
 *   <tr><td>{@code verified}</td><td>string</td><td>completed: what the final read showed</td></tr>
 *   <tr><td>{@code batchesDone}</td><td>number</td><td>cancelled</td></tr>
 *   <tr><td>{@code needed}, {@code headroom}</td><td>number</td><td>surge fallback ({@code headroom} -1 when
 *       unknown)</td></tr>
 *   <tr><td>{@code replacing}, {@code replacedBy}</td><td>array of strings, string</td><td>surge instances created,
 *       instance replaced</td></tr>
 *   <tr><td>{@code addedBatches}</td><td>number</td><td>plan extended</td></tr>
 *   <tr><td>{@code httpStatus}, {@code during}, {@code attempts}, {@code since}, {@code stalledForSeconds}</td>
 *       <td>number, string, number, string, number</td><td>stalled, stall cleared ({@code stalledForSeconds})</td></tr>
 *   <tr><td>{@code by}</td><td>string</td><td>governance waived: who opted out</td></tr>
 *   <tr><td>{@code ring}</td><td>string</td><td>ring events: the ring's name ({@code *} for the whole
 *       rollout); governor decisions about a ring</td></tr>
 *   <tr><td>{@code family}</td><td>string</td><td>governor decisions: the image family ({@code *} for the estate as
 *       a whole)</td></tr>
 *   <tr><td>{@code version}</td><td>string</td><td>governor decisions about a version</td></tr>
 *   <tr><td>{@code scaleSets}, {@code scaleSetIds}</td><td>array of strings</td><td>governor decisions about scale
 *       sets: {@code resourceGroup/name} and ARM resource ids, in the same order</td></tr>
 *   <tr><td>{@code rolloutId}, {@code rollout}</td><td>number, string</td><td>runner events about a rollout</td></tr>
 *   <tr><td>{@code error}, {@code errorMessage}</td><td>string, string</td><td>runner events with a failure: its
 *       class and (masked) message</td></tr>
 * </table>
 *
 * <p>For example (one line each):
 *
 * <pre>
 * {"seq":18,"at":"2026-01-05T00:06:00Z","source":"rollout","type":"batch-completed","level":"INFO","scaleSet":"shop-prod/web","scaleSetId":"/subscriptions/.../virtualMachineScaleSets/web","message":"batch 1/6 completed: 6 healthy, 0 failed; rollout: 6 succeeded, 0 failed, 0 in progress, 24 pending","batch":1,"totalBatches":6,"healthy":6,"failed":0,"progress":{"successful":6,"failed":0,"inProgress":0,"pending":24}}
 * </pre>
 */
public final class JsonLines implements RolloutListener {
  /** The schema's version: fields may be added within it, never renamed or retyped. */
  public static final int SCHEMA_VERSION = 1;

  private final Consumer<String> out;

  private JsonLines(Consumer<String> out) {
    this.out = out;
  }

  /**
   * Writes each event's line to {@code out}, without a line end: {@code JsonLines.to(System.out::println)}.
   *
   * @param out where the lines go, one call per event, in the order the events arrive
   * @return the listener
   */
  public static JsonLines to(Consumer<String> out) {
    return new JsonLines(Require.nonNull(out, "out"));
  }

  @Override
  public void onEvent(RolloutEvent event) {
    String line = json(event);
    synchronized (this) {
      out.accept(line);
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
   * Writes a ring rollout's event; pass it as {@code RingRollout.Builder.listener(json::onRingEvent)}.
   *
   * @param event the event
   */
  public void onRingEvent(RingEvent event) {
    String line = json(event);
    synchronized (this) {
      out.accept(line);
    }
  }

  /**
   * Writes a service runner's event; pass it as {@code RolloutRunner.Builder.listener(json::onRunnerEvent)}.
   *
   * @param event the event
   */
  public void onRunnerEvent(RunnerEvent event) {
    String line = json(event);
    synchronized (this) {
      out.accept(line);
    }
  }

  /**
   * Writes an estate governor's decision; pass it as {@code EstateGovernor.Builder.listener(json::onGovernorDecision)}.
   *
   * @param decision the decision
   */
  public void onGovernorDecision(GovernorDecision decision) {
    String line = json(decision);
    synchronized (this) {
      out.accept(line);
    }
  }

  /**
   * An estate governor's decision as one line of JSON: {@code source} {@code governor}, {@code type} its
   * {@link GovernorDecision.Kind} ({@code ring-started}, {@code governor-paused}, ...), and {@code family},
   * {@code version}, {@code ring}, {@code scaleSets} and {@code scaleSetIds} as the decision has them.
   *
   * @param d the decision
   * @return the line, without a line end
   */
  public static String json(GovernorDecision d) {
    Require.nonNull(d, "decision");
    Json j = new Json().number("seq", d.sequence()).text("at", d.at()).text("source", "governor")
        .text("type", Lines.kebab(d.kind())).text("level", LoggingListener.level(d).getName())
        .text("message", Lines.body(d)).text("family", d.family());
    d.versionIfAny().ifPresent(v -> j.text("version", v));
    d.ringIfAny().ifPresent(r -> j.text("ring", r));
    if (!d.scaleSets().isEmpty()) {
      j.texts("scaleSets", d.scaleSets().stream().map(ScaleSetId::toString).toList());
      j.texts("scaleSetIds", d.scaleSets().stream().map(ScaleSetId::armId).toList());
    }
    return j.toString();
  }

  /**
   * A rollout event as one line of JSON, by the schema above.
   *
   * @param e the event
   * @return the line, without a line end
   */
  public static String json(RolloutEvent e) {
    Require.nonNull(e, "event");
    Json j = new Json().number("seq", e.sequence()).text("at", e.at()).text("source", "rollout")
        .text("type", type(e)).text("level", LoggingListener.level(e).getName());
    scaleSet(j, e.scaleSet());
    j.text("message", Lines.body(e));
    if (e instanceof GovernanceWaived w) {
      j.text("by", w.by()).text("reason", w.reason());
    } else if (e instanceof RolloutStarted s) {
      j.text("target", s.target()).number("totalBatches", s.plannedBatches()).number("toUpgrade", s.toUpgrade())
          .number("skipped", s.skipped()).number("estimateSeconds", seconds(s.estimate().fleetTime()))
          .text("policy", s.policy());
    } else if (e instanceof ModelImageChanged m) {
      j.text("from", m.from()).text("to", m.to()).text("reason", m.reason());
    } else if (e instanceof GateEvaluated g) {
      gate(j, g);
    } else if (e instanceof BatchStarted b) {
      j.number("batch", b.batch()).number("totalBatches", b.totalBatches()).text("zone", b.zone())
          .texts("instanceIds", b.instanceIds()).number("unhealthyInstances", b.unhealthyInstances())
          .number("totalInstances", b.totalInstances());
    } else if (e instanceof BatchSkipped b) {
      j.number("batch", b.batch()).number("totalBatches", b.totalBatches()).text("reason", b.reason());
    } else if (e instanceof InstanceUpgraded u) {
      j.number("batch", u.batch()).texts("instanceIds", List.of(u.instanceId())).text("from", u.from())
          .text("to", u.to());
    } else if (e instanceof InstanceHealthy h) {
      j.number("batch", h.batch()).texts("instanceIds", List.of(h.instanceId()))
          .number("tookSeconds", seconds(h.took()));
    } else if (e instanceof InstanceFailed f) {
      j.number("batch", f.batch()).texts("instanceIds", List.of(f.instanceId())).text("health", f.health())
          .text("reason", f.reason()).bool("rollingBack", f.rollingBack());
    } else if (e instanceof InstanceRolledBack r) {
      j.number("batch", r.batch()).texts("instanceIds", List.of(r.instanceId())).text("to", r.to())
          .bool("restored", r.succeeded()).text("reason", r.detail());
    } else if (e instanceof BatchCompleted c) {
      j.number("batch", c.batch()).number("totalBatches", c.totalBatches()).number("healthy", c.succeeded())
          .number("failed", c.failed()).object("progress", progress(c.progress()));
    } else if (e instanceof RolloutCompleted c) {
      j.text("target", c.target()).object("progress", progress(c.progress()))
          .number("tookSeconds", seconds(c.took())).text("verified", c.verification());
    } else if (e instanceof RolloutFaulted f) {
      j.text("code", f.error().code()).text("reason", f.error().message())
          .object("progress", progress(f.progress())).number("rolledBack", f.rollback().successfullyRolledBack())
          .number("failedToRollBack", f.rollback().failedToRollBack());
    } else if (e instanceof RolloutCancelled c) {
      j.number("batchesDone", c.batchesDone()).object("progress", progress(c.progress()));
    } else if (e instanceof RolloutPaused p) {
      j.number("batch", p.nextBatch());
    } else if (e instanceof RolloutResumed r) {
      j.number("batch", r.nextBatch());
    } else if (e instanceof SurgeFallback s) {
      j.number("batch", s.batch()).number("needed", s.needed()).number("headroom", s.headroom())
          .text("reason", s.reason());
    } else if (e instanceof SurgeInstancesCreated s) {
      j.number("batch", s.batch()).texts("instanceIds", s.created()).texts("replacing", s.replacing());
    } else if (e instanceof InstanceReplaced r) {
      j.number("batch", r.batch()).texts("instanceIds", List.of(r.replaced())).text("replacedBy", r.by());
    } else if (e instanceof PlanExtended p) {
      j.number("addedBatches", p.addedBatches()).texts("instanceIds", p.instanceIds());
    } else if (e instanceof RolloutStalled s) {
      j.text("code", s.stall().code()).text("reason", s.stall().message()).text("during", s.stall().during())
          .number("attempts", s.stall().attempts()).text("since", s.stall().since());
      if (s.stall().httpStatus() != 0) {
        j.number("httpStatus", s.stall().httpStatus());
      }
    } else if (e instanceof RolloutStallCleared c) {
      j.text("code", c.stall().code()).text("reason", c.resolution()).text("during", c.stall().during())
          .number("attempts", c.stall().attempts()).number("stalledForSeconds", seconds(c.stalledFor()));
    }
    return j.toString();
  }

  /**
   * A ring rollout's event as one line of JSON.
   *
   * @param e the event
   * @return the line, without a line end
   */
  public static String json(RingEvent e) {
    Require.nonNull(e, "event");
    Json j = new Json().number("seq", e.sequence()).text("at", e.at()).text("source", "ring")
        .text("type", Lines.kebab(e.kind())).text("level", LoggingListener.level(e).getName());
    ScaleSetId id = e.scaleSet();
    if (id != null) {
      scaleSet(j, id);
    }
    return j.text("message", Lines.body(e)).text("ring", e.ring()).toString();
  }

  /**
   * A service runner's event as one line of JSON.
   *
   * @param e the event
   * @return the line, without a line end
   */
  public static String json(RunnerEvent e) {
    Require.nonNull(e, "event");
    Json j = new Json().number("seq", e.sequence()).text("at", e.at()).text("source", "runner")
        .text("type", Lines.kebab(e.kind())).text("level", LoggingListener.level(e).getName());
    ManagedRollout r = e.rollout();
    if (r != null) {
      j.text("scaleSet", r.name());
    }
    j.text("message", Lines.body(e));
    if (r != null) {
      j.number("rolloutId", r.id()).text("rollout", r.name());
    }
    e.errorIfAny().ifPresent(t -> j.text("error", t.getClass().getName())
        .text("errorMessage", dev.osupgrade.Redaction.redact(String.valueOf(t.getMessage()))));
    return j.toString();
  }

  /**
   * The {@code type} of a rollout event in the schema.
   *
   * @param e the event
   * @return e.g. {@code batch-started}
   */
  public static String type(RolloutEvent e) {
    Require.nonNull(e, "event");
    if (e instanceof GovernanceWaived) {
      return "governance-waived";
    } else if (e instanceof RolloutStarted) {
      return "rollout-started";
    } else if (e instanceof ModelImageChanged) {
      return "model-image-changed";
    } else if (e instanceof GateEvaluated) {
      return "gate-evaluated";
    } else if (e instanceof BatchStarted) {
      return "batch-started";
    } else if (e instanceof BatchSkipped) {
      return "batch-skipped";
    } else if (e instanceof InstanceUpgraded) {
      return "instance-upgraded";
    } else if (e instanceof InstanceHealthy) {
      return "instance-healthy";
    } else if (e instanceof InstanceFailed) {
      return "instance-failed";
    } else if (e instanceof InstanceRolledBack) {
      return "instance-rolled-back";
    } else if (e instanceof BatchCompleted) {
      return "batch-completed";
    } else if (e instanceof RolloutCompleted) {
      return "rollout-completed";
    } else if (e instanceof RolloutFaulted) {
      return "rollout-faulted";
    } else if (e instanceof RolloutCancelled) {
      return "rollout-cancelled";
    } else if (e instanceof RolloutPaused) {
      return "rollout-paused";
    } else if (e instanceof RolloutResumed) {
      return "rollout-resumed";
    } else if (e instanceof SurgeFallback) {
      return "surge-fallback";
    } else if (e instanceof SurgeInstancesCreated) {
      return "surge-instances-created";
    } else if (e instanceof InstanceReplaced) {
      return "instance-replaced";
    } else if (e instanceof PlanExtended) {
      return "plan-extended";
    } else if (e instanceof RolloutStalled) {
      return "rollout-stalled";
    } else if (e instanceof RolloutStallCleared) {
      return "rollout-stall-cleared";
    }
    throw new IllegalStateException("an event type this version does not know: " + e.getClass().getName());
  }

  private static void scaleSet(Json j, ScaleSetId id) {
    j.text("scaleSet", id).text("scaleSetId", id.armId());
  }

  private static void gate(Json j, GateEvaluated g) {
    GateVerdict v = g.verdict();
    j.number("batch", g.batch()).text("gate", v.gate())
        .text("phase", g.phase() == GatePhase.BEFORE_BATCH ? "before-batch" : "after-batch")
        .text("verdict", v instanceof GateVerdict.Pass ? "pass" : v instanceof GateVerdict.Wait ? "wait" : "fail");
    if (v instanceof GateVerdict.Fail f) {
      j.text("code", f.code());
    }
    if (v instanceof GateVerdict.Wait w) {
      j.text("until", w.until());
    }
    j.text("reason", v.reason());
    Json m = new Json();
    for (Measurement x : v.measurements()) {
      m.number(x.name(), x.value());
    }
    j.object("measurements", m);
  }

  private static Json progress(UpgradeProgress p) {
    return new Json().number("successful", p.successful()).number("failed", p.failed())
        .number("inProgress", p.inProgress()).number("pending", p.pending());
  }

  private static double seconds(Duration d) {
    return d.getSeconds() + d.getNano() / 1e9;
  }

  @Override
  public String toString() {
    return "JsonLines[schema " + SCHEMA_VERSION + "]";
  }
}
