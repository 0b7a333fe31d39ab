package dev.osupgrade.testkit;

import static dev.osupgrade.testkit.Images.V1;
import static dev.osupgrade.testkit.Images.V2;
import static dev.osupgrade.testkit.Images.V3;
import static dev.osupgrade.testkit.Images.ubuntu;
import static org.assertj.core.api.Assertions.assertThat;

import dev.osupgrade.event.BatchCompleted;
import dev.osupgrade.event.RolloutEvent;
import dev.osupgrade.fleet.HealthState;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.governance.ImageTrustPolicy;
import dev.osupgrade.governance.rings.Ring;
import dev.osupgrade.event.RingEvent;
import dev.osupgrade.governance.rings.RingPlan;
import dev.osupgrade.governance.rings.RingRollout;
import dev.osupgrade.health.GateContext;
import dev.osupgrade.health.GatePhase;
import dev.osupgrade.health.GateVerdict;
import dev.osupgrade.health.HealthGate;
import dev.osupgrade.health.Measurement;
import dev.osupgrade.image.ImageVersion;
import dev.osupgrade.observe.OperatorLog;
import dev.osupgrade.plan.BatchPlanner;
import dev.osupgrade.plan.RolloutPlan;
import dev.osupgrade.policy.RollingUpgradePolicy;
import dev.osupgrade.rollout.Rollout;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The operator's log: the summary mode's lines (one per batch and gate, percent done checked against the fleet's own
 * record, time to go against the plan's estimate), the detailed mode, and ring gate lines folded per scale set.
 */
final class OperatorLogTest {
  private static final Pattern BATCH_DONE = Pattern.compile("batch (\\d+)/(\\d+) completed: .* \\| (\\d+)% done(?:, ~(\\S+) to go)?");

  /** The demo's scale set: 30 instances in 3 zones, seed 42. */
  private static SimulatedFleet fleet() {
    return SimulatedFleet.create(42);
  }

  private static ScaleSetId web(SimulatedFleet fleet) {
    ScaleSetId web = fleet.add(ScaleSetSpec.named("web").resourceGroup("shop-prod").region("westeurope")
        .instances(30).zones(3).image(ubuntu(V1)));
    fleet.publish(ubuntu(V2));
    return web;
  }

  @Test
  void summary_goodImage_oneLinePerBatchAndGateWithPercentAndTimeToGo() {
    SimulatedFleet fleet = fleet();
    ScaleSetId web = web(fleet);
    RolloutPlan plan = BatchPlanner.plan(fleet.get(web), RollingUpgradePolicy.ofDefaults(), V2);
    List<String> lines = new ArrayList<>();

    Rollout rollout = fleet.run(Rollout.builder(fleet, web).target(V2).clock(fleet.clock())
        .listener(OperatorLog.summary(lines::add)).build());

    int batches = plan.batches().size();
    assertThat(batches).isEqualTo(6);
    assertThat(lines).as("start, then per batch: gate, started, gate, completed; then the end")
        .hasSize(2 + 4 * batches);
    assertThat(rollout.events()).hasSize(87);
    assertThat(lines.subList(0, 5)).containsExactly(
        "2026-01-05T00:00:00Z shop-prod/web started 22.04.202410010: 30 instances in 6 batches, 0 skipped; plan ~36m",
        "2026-01-05T00:00:00Z shop-prod/web gate fleet-unhealthy before batch 1: PASS - 0 of 30 instances (0%) are "
            + "unhealthy, within the threshold of 20%",
        "2026-01-05T00:00:00Z shop-prod/web batch 1/6 started in zone 1: 6 instances | 0% done, ~36m to go",
        "2026-01-05T00:05:34Z shop-prod/web gate upgraded-unhealthy after batch 1: PASS - 0 of 6 upgraded instances "
            + "(0%) are unhealthy, within the threshold of 20%",
        "2026-01-05T00:05:34Z shop-prod/web batch 1/6 completed: 6 healthy, 0 failed | 20% done, ~30m to go");
    assertThat(lines.subList(lines.size() - 2, lines.size())).containsExactly(
        "2026-01-05T00:30:47Z shop-prod/web batch 6/6 completed: 4 healthy, 0 failed | 100% done",
        "2026-01-05T00:30:47Z shop-prod/web COMPLETED in 30m47s (plan ~36m): 30 succeeded, 0 failed, 0 in progress, "
            + "0 pending; verified: model on the target, 30 of 30 instances on the target and healthy");

    FleetRecord record = fleet.record(web);
    int checked = 0;
    for (String line : lines) {
      Matcher m = BATCH_DONE.matcher(line);
      if (!m.find()) {
        continue;
      }
      Instant at = Instant.parse(line.substring(0, line.indexOf(' ')));
      int k = Integer.parseInt(m.group(1));
      assertThat(Integer.parseInt(m.group(3))).as("percent done by the fleet's record at %s: %s", at, line)
          .isEqualTo(100 * healthyOn(record, V2, at) / 30);
      Duration toGo = plan.estimate().fleetTime().multipliedBy(batches - k).dividedBy(batches);
      assertThat(Optional.ofNullable(m.group(4))).as(line)
          .isEqualTo(toGo.isZero() ? Optional.empty() : Optional.of(dev.osupgrade.Durations.words(toGo)));
      checked++;
    }
    assertThat(checked).isEqualTo(batches);
    assertThat(lines).allSatisfy(l -> assertThat(l.length()).isLessThan(200));
  }

  @Test
  void summary_pausesBetweenBatches_timeToGoCountsThePausesLeft() {
    SimulatedFleet fleet = fleet();
    ScaleSetId web = web(fleet);
    RollingUpgradePolicy paused = RollingUpgradePolicy.builder().pauseTimeBetweenBatches("PT10M").build();
    RolloutPlan plan = BatchPlanner.plan(fleet.get(web), paused, V2);
    List<String> lines = new ArrayList<>();

    fleet.run(Rollout.builder(fleet, web).target(V2).clock(fleet.clock()).policy(paused)
        .listener(OperatorLog.summary(lines::add)).build());

    // 6 batches of ~6m each and 5 pauses of 10m: 86m in all; after batch 1, 5 batches and 5 pauses are left
    assertThat(plan.estimate().fleetTime()).isEqualTo(Duration.ofMinutes(86));
    assertThat(lines).contains(
        "2026-01-05T00:00:00Z shop-prod/web started 22.04.202410010: 30 instances in 6 batches, 0 skipped; plan ~1h26m",
        "2026-01-05T00:00:00Z shop-prod/web batch 1/6 started in zone 1: 6 instances | 0% done, ~1h26m to go",
        "2026-01-05T00:05:34Z shop-prod/web batch 1/6 completed: 6 healthy, 0 failed | 20% done, ~1h20m to go",
        "2026-01-05T00:15:34Z shop-prod/web batch 2/6 started in zone 1: 4 instances | 20% done, ~1h10m to go");
  }

  @Test
  void summary_faultyImage_theFailingGateAndTheFaultWithWhereItStopped() {
    SimulatedFleet fleet = fleet();
    ScaleSetId web = web(fleet);
    fleet.publish(ubuntu(V3));
    fleet.imageBehavior(V3, ImageBehavior.comesUpUnhealthy());
    List<String> lines = new ArrayList<>();

    Rollout rollout = fleet.run(Rollout.builder(fleet, web).target(V3).clock(fleet.clock())
        .listener(OperatorLog.summary(lines::add)).build());

    assertThat(lines).hasSize(5);
    assertThat(lines.get(3)).startsWith("2026-01-05T00:12:09Z shop-prod/web gate upgraded-unhealthy after batch 1: "
        + "FAIL MaxUnhealthyUpgradedInstancePercentExceededInRollingUpgrade - Rolling Upgrade failed after exceeding");
    assertThat(lines.get(4)).startsWith("2026-01-05T00:12:09Z shop-prod/web FAULTED "
        + "[MaxUnhealthyUpgradedInstancePercentExceededInRollingUpgrade]: ")
        .endsWith("; 0 succeeded, 6 failed, 0 in progress, 24 pending; rolled back 6, failed to roll back 0 "
            + "| 20% done");
    long rolledBack = fleet.record(web).instances().stream()
        .filter(id -> fleet.record(web).count(id, InstanceChange.Kind.ROLLBACK_STARTED) > 0).count();
    assertThat(rolledBack).as("by the fleet's record").isEqualTo(6);
    assertThat(rollout.error()).isPresent();
  }

  @Test
  void summary_resumedRollout_noEstimateSoPercentOnlyOnceABatchSettled() {
    SimulatedFleet fleet = fleet();
    ScaleSetId web = web(fleet);
    Rollout rollout = fleet.run(Rollout.builder(fleet, web).target(V2).clock(fleet.clock()).build());
    List<RolloutEvent> events = rollout.events();
    int firstBatch = events.indexOf(events.stream().filter(BatchCompleted.class::isInstance).findFirst()
        .orElseThrow());
    List<String> lines = new ArrayList<>();
    OperatorLog log = OperatorLog.summary(lines::add);

    events.subList(firstBatch - 1, events.size()).forEach(log::onEvent);

    assertThat(lines.get(0)).isEqualTo("2026-01-05T00:05:34Z shop-prod/web gate upgraded-unhealthy after batch 1: "
        + "PASS - 0 of 6 upgraded instances (0%) are unhealthy, within the threshold of 20%");
    assertThat(lines.get(1)).isEqualTo(
        "2026-01-05T00:05:34Z shop-prod/web batch 1/6 completed: 6 healthy, 0 failed | 20% done");
    assertThat(lines.get(3)).isEqualTo("2026-01-05T00:05:34Z shop-prod/web batch 2/6 started in zone 1: 4 instances "
        + "| 20% done");
    assertThat(lines.get(lines.size() - 1)).startsWith("2026-01-05T00:30:47Z shop-prod/web COMPLETED in 30m47s: ");
  }

  @Test
  void detailed_everyEventAsItsLine() {
    SimulatedFleet fleet = fleet();
    ScaleSetId web = web(fleet);
    List<String> lines = new ArrayList<>();

    Rollout rollout = fleet.run(Rollout.builder(fleet, web).target(V2).clock(fleet.clock())
        .listener(OperatorLog.detailed(lines::add)).build());

    assertThat(String.join("\n", lines) + "\n").isEqualTo(rollout.eventLog());
    assertThat(lines.get(0)).isEqualTo("#0001 2026-01-05T00:00:00Z shop-prod/web rollout to 22.04.202410010 started: "
        + "30 instances in 6 batches (~36m), 0 skipped; RollingUpgradePolicy[batch 20%, unhealthy 20%, unhealthy "
        + "upgraded 20%]");
    // looks by prediction: the first look at batch 1 comes when it can plausibly be done, and sees it healthy
    assertThat(lines).contains("#0006 2026-01-05T00:05:24Z shop-prod/web instance 0 healthy after 5m24s");
  }

  @Test
  void rings_gateLinesFoldedPerScaleSet_summaryKeepsTheirFirstLine() {
    SimulatedFleet fleet = fleet();
    ScaleSetId a = fleet.add(ScaleSetSpec.named("web-a").resourceGroup("shop-prod").instances(4)
        .image(ubuntu(V1)));
    ScaleSetId b = fleet.add(ScaleSetSpec.named("web-b").resourceGroup("shop-prod").instances(4)
        .image(ubuntu(V1)));
    fleet.publish(ubuntu(V2));
    List<String> detailed = new ArrayList<>();
    List<String> summary = new ArrayList<>();
    OperatorLog full = OperatorLog.detailed(detailed::add);
    OperatorLog brief = OperatorLog.summary(summary::add);
    RingRollout rings = RingRollout.builder(RingPlan.of(Ring.of("early", Duration.ofHours(1), a, b)), fleet, fleet)
        .target(V2).clock(fleet.clock()).trust(ImageTrustPolicy.trustingPublishers("Canonical"))
        .gate(new CapacityGate()).listener(full).listener(brief).build();

    for (Optional<Instant> next = rings.advance(); next.isPresent(); next = rings.advance()) {
      fleet.clock().advanceTo(next.get());
    }

    assertThat(rings.status()).isEqualTo(RingRollout.Status.COMPLETED);
    String gate = detailed.stream().filter(l -> l.contains("gate evaluated")).findFirst().orElseThrow();
    assertThat(gate).isEqualTo("#006 2026-01-05T01:20:05Z [early] gate evaluated: 4 verdicts on 2 scale sets: 4 passed\n"
        + "  shop-prod/web-a\n"
        + "    upgraded-unhealthy passed: 0 of 4 upgraded instances (0%) are unhealthy, within the threshold of 20%\n"
        + "    capacity passed: 4 of 4 instances serve\n"
        + "  shop-prod/web-b\n"
        + "    upgraded-unhealthy passed: 0 of 4 upgraded instances (0%) are unhealthy, within the threshold of 20%\n"
        + "    capacity passed: 4 of 4 instances serve");
    assertThat(rings.eventLog()).contains(gate + "\n");
    // one listener hears the rings and the rollouts they run: a summary line per ring event, and the rollouts' lines
    assertThat(summary.stream().filter(l -> l.matches("\\S+ \\[[^\\]]+\\] .*")).toList())
        .hasSameSizeAs(rings.events());
    assertThat(summary).contains("2026-01-05T00:00:00Z shop-prod/web-a batch 1/4 started in regional: 1 instance | 0% "
        + "done, ~24m to go");
    assertThat(summary).contains("2026-01-05T01:20:05Z [early] gate evaluated: 4 verdicts on 2 scale sets: 4 passed");
    assertThat(summary).allSatisfy(l -> assertThat(l).doesNotContain("\n"));
  }

  /** A second gate, so that each scale set has two verdicts to fold. */
  private static final class CapacityGate implements HealthGate {
    @Override
    public String name() {
      return "capacity";
    }

    @Override
    public boolean appliesTo(GatePhase phase) {
      return phase == GatePhase.AFTER_BATCH;
    }

    @Override
    public GateVerdict evaluate(GateContext context) {
      long serving = context.fleet().instances().stream().filter(i -> i.health() == HealthState.HEALTHY).count();
      return GateVerdict.pass(name(), serving + " of " + context.fleet().instances().size() + " instances serve",
          Measurement.of("serving", serving));
    }
  }

  /** Instances the fleet's record shows running {@code version} and Healthy at {@code at}. */
  private static int healthyOn(FleetRecord record, ImageVersion version, Instant at) {
    int n = 0;
    for (String id : record.instances()) {
      InstanceChange last = null;
      for (InstanceChange c : record.history(id)) {
        if (!c.at().isAfter(at)) {
          last = c;
        }
      }
      if (last != null && last.image().version().filter(version::equals).isPresent()
          && last.health() == HealthState.HEALTHY) {
        n++;
      }
    }
    return n;
  }
}
