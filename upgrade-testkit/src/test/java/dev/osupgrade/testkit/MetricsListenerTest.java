package dev.osupgrade.testkit;

import static dev.osupgrade.testkit.Images.V1;
import static dev.osupgrade.testkit.Images.V2;
import static dev.osupgrade.testkit.Images.V3;
import static dev.osupgrade.testkit.Images.ubuntu;
import static org.assertj.core.api.Assertions.assertThat;

import dev.osupgrade.fleet.HealthState;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.observe.MetricsListener;
import dev.osupgrade.observe.MetricsSink;
import dev.osupgrade.plan.BatchPlanner;
import dev.osupgrade.policy.RollingUpgradePolicy;
import dev.osupgrade.rollout.Rollout;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** Counters and gauges from a rollout's events, graded by what the simulated fleet really did. */
final class MetricsListenerTest {

  /** Keeps counters summed and gauges as last set, keyed {@code name{k=v,...}}; and every gauge value set. */
  static final class RecordingSink implements MetricsSink {
    final Map<String, Long> counters = new TreeMap<>();
    final Map<String, Double> gauges = new TreeMap<>();
    final Map<String, List<Double>> history = new TreeMap<>();

    static String key(String name, Map<String, String> tags) {
      return name + new TreeMap<>(tags);
    }

    @Override
    public synchronized void count(String name, Map<String, String> tags, long amount) {
      assertThat(amount).isPositive();
      counters.merge(key(name, tags), amount, Long::sum);
    }

    @Override
    public synchronized void gauge(String name, Map<String, String> tags, double value) {
      gauges.put(key(name, tags), value);
      history.computeIfAbsent(key(name, tags), k -> new ArrayList<>()).add(value);
    }

    long counter(String key) {
      return counters.getOrDefault(key, 0L);
    }
  }

  private static ScaleSetId web(SimulatedFleet fleet) {
    ScaleSetId web = fleet.add(ScaleSetSpec.named("web").resourceGroup("shop-prod").instances(20).zones(2)
        .image(ubuntu(V1)));
    fleet.publish(ubuntu(V2));
    fleet.publish(ubuntu(V3));
    return web;
  }

  @Test
  void goodRollout_countersAndFinalGaugesMatchTheFleet() {
    SimulatedFleet fleet = SimulatedFleet.create(11);
    ScaleSetId web = web(fleet);
    int batches = BatchPlanner.plan(fleet.get(web), RollingUpgradePolicy.ofDefaults(), V2).batches().size();
    RecordingSink sink = new RecordingSink();

    fleet.run(Rollout.builder(fleet, web).target(V2).clock(fleet.clock()).listener(MetricsListener.to(sink))
        .build());

    List<Instance> onTargetAndHealthy = fleet.get(web).instances().stream()
        .filter(i -> i.runs(V2) && i.health() == HealthState.HEALTHY).toList();
    assertThat(onTargetAndHealthy).hasSize(20);
    long reimagedByTheFleet = fleet.record(web).instances().stream()
        .mapToLong(id -> fleet.record(web).count(id, InstanceChange.Kind.UPGRADE_STARTED)).sum();
    String ss = "{scale_set=shop-prod/web}";
    assertThat(sink.counter("osupgrade.rollouts.started" + ss)).isEqualTo(1);
    assertThat(sink.counter("osupgrade.batches.started" + ss)).isEqualTo(batches);
    assertThat(sink.counter("osupgrade.batches.completed" + ss)).isEqualTo(batches);
    assertThat(sink.counter("osupgrade.instances.upgraded" + ss)).isEqualTo(reimagedByTheFleet);
    assertThat(sink.counter("osupgrade.instances.healthy" + ss)).isEqualTo(onTargetAndHealthy.size());
    assertThat(sink.counter("osupgrade.instances.failed" + ss)).isZero();
    assertThat(sink.counter("osupgrade.gate.verdicts{gate=fleet-unhealthy, scale_set=shop-prod/web, verdict=pass}"))
        .isEqualTo(batches);
    assertThat(sink.counter("osupgrade.gate.verdicts{gate=upgraded-unhealthy, scale_set=shop-prod/web, verdict=pass}"))
        .isEqualTo(batches);
    assertThat(sink.counter("osupgrade.rollouts.ended{scale_set=shop-prod/web, status=completed}")).isEqualTo(1);

    assertThat(sink.gauges).containsEntry("osupgrade.instances{scale_set=shop-prod/web, state=successful}", 20.0)
        .containsEntry("osupgrade.instances{scale_set=shop-prod/web, state=pending}", 0.0)
        .containsEntry("osupgrade.instances{scale_set=shop-prod/web, state=in_progress}", 0.0)
        .containsEntry("osupgrade.instances{scale_set=shop-prod/web, state=failed}", 0.0)
        .containsEntry("osupgrade.progress.percent" + ss, 100.0)
        .containsEntry("osupgrade.time_to_go.seconds" + ss, 0.0)
        .containsEntry("osupgrade.batch.current" + ss, (double) batches)
        .containsEntry("osupgrade.stalled" + ss, 0.0);
    assertThat(sink.history.get("osupgrade.progress.percent" + ss)).as("percent never goes back").isSorted();
    assertThat(sink.history.get("osupgrade.time_to_go.seconds" + ss)).as("time to go never grows")
        .isSortedAccordingTo((a, b) -> Double.compare(b, a));
    assertThat(sink.history.get("osupgrade.instances{scale_set=shop-prod/web, state=in_progress}"))
        .as("a batch in flight shows up").anySatisfy(v -> assertThat(v).isPositive());
  }

  @Test
  void faultyImage_failuresRollbacksAndTheFailedGateCounted() {
    SimulatedFleet fleet = SimulatedFleet.create(11);
    ScaleSetId web = web(fleet);
    fleet.imageBehavior(V3, ImageBehavior.comesUpUnhealthy());
    RecordingSink sink = new RecordingSink();

    fleet.run(Rollout.builder(fleet, web).target(V3).clock(fleet.clock()).listener(MetricsListener.to(sink))
        .build());

    long rolledBackByTheFleet = fleet.record(web).instances().stream()
        .filter(id -> fleet.record(web).count(id, InstanceChange.Kind.ROLLBACK_STARTED) == 1).count();
    long backOnV1 = fleet.get(web).instances().stream().filter(i -> i.runs(V1)).count();
    assertThat(rolledBackByTheFleet).isPositive();
    String ss = "{scale_set=shop-prod/web}";
    assertThat(sink.counter("osupgrade.instances.failed" + ss)).isEqualTo(rolledBackByTheFleet);
    assertThat(sink.counter("osupgrade.instances.rolled_back{outcome=restored, scale_set=shop-prod/web}"))
        .isEqualTo(rolledBackByTheFleet);
    assertThat(backOnV1).as("every instance on its old image again").isEqualTo(20);
    assertThat(sink.counter("osupgrade.gate.verdicts{gate=upgraded-unhealthy, scale_set=shop-prod/web, verdict=fail}"))
        .isEqualTo(1);
    assertThat(sink.counter("osupgrade.rollouts.ended{scale_set=shop-prod/web, status=faulted}")).isEqualTo(1);
    assertThat(sink.gauges).containsEntry("osupgrade.instances{scale_set=shop-prod/web, state=failed}",
        (double) rolledBackByTheFleet);
    assertThat(sink.gauges).as("nothing to go once it stopped").containsEntry("osupgrade.time_to_go.seconds" + ss, 0.0);
  }

  @Test
  void stalledRollout_stallCountedWithItsCode_stalledGaugeUpThenDown() {
    SimulatedFleet fleet = SimulatedFleet.create(11);
    ScaleSetId web = web(fleet);
    fleet.faults().serverErrors("upgradeInstances", 3, 503);
    RecordingSink sink = new RecordingSink();

    fleet.run(Rollout.builder(fleet, web).target(V2).clock(fleet.clock()).listener(MetricsListener.to(sink))
        .build());

    long refusedByTheFleet = fleet.record(web).calls("upgradeInstances").stream()
        .filter(c -> c.toString().contains("REJECTED") || c.toString().contains("503")).count();
    assertThat(refusedByTheFleet).isEqualTo(3);
    assertThat(sink.counters).hasEntrySatisfying("osupgrade.stalls{code=ServiceUnavailable, scale_set=shop-prod/web}",
        n -> assertThat(n).isEqualTo(1));
    assertThat(sink.history.get("osupgrade.stalled{scale_set=shop-prod/web}")).containsExactly(0.0, 1.0, 0.0);
  }
}
