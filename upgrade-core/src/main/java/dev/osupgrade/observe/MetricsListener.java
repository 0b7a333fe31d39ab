package dev.osupgrade.observe;

import dev.osupgrade.Require;
import dev.osupgrade.event.BatchCompleted;
import dev.osupgrade.event.BatchSkipped;
import dev.osupgrade.event.BatchStarted;
import dev.osupgrade.event.GateEvaluated;
import dev.osupgrade.event.InstanceFailed;
import dev.osupgrade.event.InstanceHealthy;
import dev.osupgrade.event.InstanceReplaced;
import dev.osupgrade.event.InstanceRolledBack;
import dev.osupgrade.event.InstanceUpgraded;
import dev.osupgrade.event.RolloutCancelled;
import dev.osupgrade.event.RolloutCompleted;
import dev.osupgrade.event.RolloutEvent;
import dev.osupgrade.event.RolloutFaulted;
import dev.osupgrade.event.RolloutListener;
import dev.osupgrade.event.UpgradeEvent;
import dev.osupgrade.event.RolloutStallCleared;
import dev.osupgrade.event.RolloutStalled;
import dev.osupgrade.event.RolloutStarted;
import dev.osupgrade.event.SurgeFallback;
import dev.osupgrade.estate.GovernorDecision;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.event.RingEvent;
import dev.osupgrade.health.GateVerdict;
import dev.osupgrade.ops.UpgradeProgress;
import dev.osupgrade.service.RunnerEvent;
import java.util.HashMap;
import java.util.Map;

/**
 * Turns events into counters and gauges on a {@link MetricsSink}, shaped for Micrometer or OpenTelemetry. Every
 * meter of a rollout carries the tag {@code scale_set} ({@code resourceGroup/name}).
 *
 * <table>
 *   <caption>Counters (grow by one per event unless said)</caption>
 *   <tr><th>name</th><th>more tags</th><th>counts</th></tr>
 *   <tr><td>{@code osupgrade.rollouts.started}</td><td></td><td>rollouts started</td></tr>
 *   <tr><td>{@code osupgrade.rollouts.ended}</td><td>{@code status} ({@code completed}, {@code faulted},
 *       {@code cancelled})</td><td>rollouts ended</td></tr>
 *   <tr><td>{@code osupgrade.batches.started}, {@code .completed}, {@code .skipped}</td><td></td><td>batches</td></tr>
 *   <tr><td>{@code osupgrade.instances.upgraded}</td><td></td><td>instances seen on the target image</td></tr>
 *   <tr><td>{@code osupgrade.instances.healthy}</td><td></td><td>instances healthy in time (succeeded)</td></tr>
 *   <tr><td>{@code osupgrade.instances.failed}</td><td></td><td>instances that failed</td></tr>
 *   <tr><td>{@code osupgrade.instances.rolled_back}</td><td>{@code outcome} ({@code restored}, {@code failed})</td>
 *       <td>rollbacks of failed instances that ended</td></tr>
 *   <tr><td>{@code osupgrade.instances.replaced}</td><td></td><td>instances replaced by surge instances</td></tr>
 *   <tr><td>{@code osupgrade.gate.verdicts}</td><td>{@code gate}, {@code verdict} ({@code pass}, {@code wait},
 *       {@code fail})</td><td>gate verdicts</td></tr>
 *   <tr><td>{@code osupgrade.stalls}</td><td>{@code code}</td><td>stalls begun, or changed cause</td></tr>
 *   <tr><td>{@code osupgrade.surge.fallbacks}</td><td></td><td>batches upgraded in place for want of room</td></tr>
 *   <tr><td>{@code osupgrade.ring.events}</td><td>{@code ring}, {@code kind} (instead of {@code scale_set})</td>
 *       <td>ring rollout events ({@code ring_promoted}, {@code ring_failed}, ...)</td></tr>
 *   <tr><td>{@code osupgrade.runner.events}</td><td>{@code kind} (instead of {@code scale_set})</td><td>service
 *       runner events ({@code advance_failed}, {@code set_aside}, ...)</td></tr>
 *   <tr><td>{@code osupgrade.governor.decisions}</td><td>{@code kind}, {@code family} (instead of
 *       {@code scale_set})</td><td>estate governor decisions ({@code ring_started}, {@code ring_promoted},
 *       {@code governor_paused}, ...)</td></tr>
 * </table>
 *
 * <table>
 *   <caption>Gauges (set at each event that moves them)</caption>
 *   <tr><th>name</th><th>more tags</th><th>value</th></tr>
 *   <tr><td>{@code osupgrade.instances}</td><td>{@code state} ({@code successful}, {@code failed},
 *       {@code in_progress}, {@code pending})</td><td>instances by state: Azure's four counts</td></tr>
 *   <tr><td>{@code osupgrade.progress.percent}</td><td></td><td>instances settled of those to upgrade, 0-100</td></tr>
 *   <tr><td>{@code osupgrade.time_to_go.seconds}</td><td></td><td>fleet time left by the plan's estimate (0 once
 *       the rollout ended, however it ended)</td></tr>
 *   <tr><td>{@code osupgrade.batch.current}</td><td></td><td>the batch last started or settled</td></tr>
 *   <tr><td>{@code osupgrade.stalled}</td><td></td><td>1 while the rollout is stalled, else 0</td></tr>
 *   <tr><td>{@code osupgrade.governor.paused}</td><td>none (not even {@code scale_set})</td><td>1 once an operator
 *       paused the estate governor, 0 once resumed</td></tr>
 *   <tr><td>{@code osupgrade.governor.cancelled}</td><td>none</td><td>1 once an operator cancelled it</td></tr>
 * </table>
 *
 * <p>A process's request budget (the Azure adapter's {@code RequestBudget}) is charted by
 * {@link #onRequestBudget}: gauges {@code osupgrade.request_budget.tokens} ({@code scale_set}, {@code bucket}) and
 * {@code osupgrade.request_budget.subscription_tokens} ({@code subscription}, {@code bucket}), counters
 * {@code osupgrade.request_budget.waits} and {@code osupgrade.request_budget.wait_seconds} ({@code scale_set},
 * {@code bucket}).
 *
 * <p>A rollout first seen after its start (resumed) sets its gauges from its first event that carries the four
 * counts on. One listener may serve any number of rollouts on any threads.
 */
public final class MetricsListener implements RolloutListener {
  private final MetricsSink sink;
  private final Map<ScaleSetId, RolloutProgress> rollouts = new HashMap<>();

  private MetricsListener(MetricsSink sink) {
    this.sink = sink;
  }

  /**
   * Sends the numbers to a sink.
   *
   * @param sink the sink
   * @return the listener
   */
  public static MetricsListener to(MetricsSink sink) {
    return new MetricsListener(Require.nonNull(sink, "sink"));
  }

  @Override
  public synchronized void onEvent(RolloutEvent event) {
    Require.nonNull(event, "event");
    RolloutProgress p = rollouts.computeIfAbsent(event.scaleSet(), id -> new RolloutProgress());
    p.on(event);
    Map<String, String> tags = Map.of("scale_set", event.scaleSet().toString());
    if (event instanceof RolloutStarted) {
      sink.count("osupgrade.rollouts.started", tags, 1);
    } else if (event instanceof BatchStarted) {
      sink.count("osupgrade.batches.started", tags, 1);
    } else if (event instanceof BatchCompleted) {
      sink.count("osupgrade.batches.completed", tags, 1);
    } else if (event instanceof BatchSkipped) {
      sink.count("osupgrade.batches.skipped", tags, 1);
    } else if (event instanceof InstanceUpgraded) {
      sink.count("osupgrade.instances.upgraded", tags, 1);
    } else if (event instanceof InstanceHealthy) {
      sink.count("osupgrade.instances.healthy", tags, 1);
    } else if (event instanceof InstanceFailed) {
      sink.count("osupgrade.instances.failed", tags, 1);
    } else if (event instanceof InstanceRolledBack r) {
      sink.count("osupgrade.instances.rolled_back", with(tags, "outcome", r.succeeded() ? "restored" : "failed"), 1);
    } else if (event instanceof InstanceReplaced) {
      sink.count("osupgrade.instances.replaced", tags, 1);
    } else if (event instanceof GateEvaluated g) {
      GateVerdict v = g.verdict();
      sink.count("osupgrade.gate.verdicts", with(with(tags, "gate", v.gate()), "verdict",
          v instanceof GateVerdict.Pass ? "pass" : v instanceof GateVerdict.Wait ? "wait" : "fail"), 1);
    } else if (event instanceof RolloutStalled s) {
      sink.count("osupgrade.stalls", with(tags, "code", s.stall().code()), 1);
    } else if (event instanceof SurgeFallback) {
      sink.count("osupgrade.surge.fallbacks", tags, 1);
    } else if (event instanceof RolloutCompleted) {
      sink.count("osupgrade.rollouts.ended", with(tags, "status", "completed"), 1);
    } else if (event instanceof RolloutFaulted) {
      sink.count("osupgrade.rollouts.ended", with(tags, "status", "faulted"), 1);
    } else if (event instanceof RolloutCancelled) {
      sink.count("osupgrade.rollouts.ended", with(tags, "status", "cancelled"), 1);
    }
    if (p.percentDone().isPresent()) {
      UpgradeProgress c = p.counts();
      sink.gauge("osupgrade.instances", with(tags, "state", "successful"), c.successful());
      sink.gauge("osupgrade.instances", with(tags, "state", "failed"), c.failed());
      sink.gauge("osupgrade.instances", with(tags, "state", "in_progress"), c.inProgress());
      sink.gauge("osupgrade.instances", with(tags, "state", "pending"), c.pending());
      sink.gauge("osupgrade.progress.percent", tags, p.percentDone().getAsInt());
    }
    boolean ended = event instanceof RolloutCompleted || event instanceof RolloutFaulted
        || event instanceof RolloutCancelled;
    if (ended) {
      sink.gauge("osupgrade.time_to_go.seconds", tags, 0);
    } else {
      p.toGo().ifPresent(d -> sink.gauge("osupgrade.time_to_go.seconds", tags, d.getSeconds()));
    }
    if (p.batch() > 0) {
      sink.gauge("osupgrade.batch.current", tags, p.batch());
    }
    if (event instanceof RolloutStalled || event instanceof RolloutStallCleared || event instanceof RolloutStarted) {
      sink.gauge("osupgrade.stalled", tags, p.stalled() ? 1 : 0);
    }
    if (ended) {
      if (p.stalled()) {
        sink.gauge("osupgrade.stalled", tags, 0);
      }
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
   * Counts a ring rollout's event; pass it as {@code RingRollout.Builder.listener(metrics::onRingEvent)}.
   *
   * @param event the event
   */
  public void onRingEvent(RingEvent event) {
    Require.nonNull(event, "event");
    sink.count("osupgrade.ring.events", Map.of("ring", event.ring(), "kind",
        event.kind().name().toLowerCase(java.util.Locale.ROOT)), 1);
  }

  /**
   * Counts a service runner's event; pass it as {@code RolloutRunner.Builder.listener(metrics::onRunnerEvent)}.
   *
   * @param event the event
   */
  public void onRunnerEvent(RunnerEvent event) {
    Require.nonNull(event, "event");
    sink.count("osupgrade.runner.events", Map.of("kind", event.kind().name().toLowerCase(java.util.Locale.ROOT)), 1);
  }

  /**
   * Counts an estate governor's decision ({@code osupgrade.governor.decisions}, tagged {@code kind} and
   * {@code family}) and sets {@code osupgrade.governor.paused} (1 paused, 0 resumed) and
   * {@code osupgrade.governor.cancelled} (1) on an operator's control; pass it as
   * {@code EstateGovernor.Builder.listener(metrics::onGovernorDecision)}.
   *
   * @param decision the decision
   */
  public void onGovernorDecision(GovernorDecision decision) {
    Require.nonNull(decision, "decision");
    sink.count("osupgrade.governor.decisions", Map.of("kind", decision.kind().name().toLowerCase(java.util.Locale.ROOT),
        "family", decision.family()), 1);
    switch (decision.kind()) {
      case GOVERNOR_PAUSED -> sink.gauge("osupgrade.governor.paused", Map.of(), 1);
      case GOVERNOR_RESUMED -> sink.gauge("osupgrade.governor.paused", Map.of(), 0);
      case GOVERNOR_CANCELLED -> sink.gauge("osupgrade.governor.cancelled", Map.of(), 1);
      default -> { }
    }
  }

  /**
   * Charts a request budget ({@link RequestBudgetReport}): sets {@code osupgrade.request_budget.tokens} (tagged
   * {@code scale_set}, {@code bucket}) to the tokens left in the scale set's bucket and
   * {@code osupgrade.request_budget.subscription_tokens} (tagged {@code subscription}, {@code bucket}) to the
   * subscription's; for a request the budget held back, counts {@code osupgrade.request_budget.waits} and adds the
   * wait, in whole seconds rounded up, to {@code osupgrade.request_budget.wait_seconds} (both tagged
   * {@code scale_set}, {@code bucket}). Pass it as {@code RequestBudget.listener(metrics::onRequestBudget)} (Azure).
   *
   * @param report the report
   */
  public void onRequestBudget(RequestBudgetReport report) {
    Require.nonNull(report, "report");
    Map<String, String> tags = Map.of("scale_set", report.scaleSet().toString(), "bucket", report.bucket());
    sink.gauge("osupgrade.request_budget.tokens", tags, report.scaleSetTokens());
    sink.gauge("osupgrade.request_budget.subscription_tokens", Map.of("subscription",
        report.scaleSet().subscriptionId(), "bucket", report.bucket()), report.subscriptionTokens());
    if (report.heldBack()) {
      sink.count("osupgrade.request_budget.waits", tags, 1);
      long millis = report.retryAfter().toMillis();
      sink.count("osupgrade.request_budget.wait_seconds", tags, Math.max(1, (millis + 999) / 1000));
    }
  }

  private static Map<String, String> with(Map<String, String> tags, String key, String value) {
    Map<String, String> m = new HashMap<>(tags);
    m.put(key, value);
    return Map.copyOf(m);
  }

  @Override
  public String toString() {
    return "MetricsListener[" + sink + "]";
  }
}
