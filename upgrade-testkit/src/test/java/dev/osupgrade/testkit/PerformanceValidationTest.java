package dev.osupgrade.testkit;

import static dev.osupgrade.testkit.Images.V1;
import static dev.osupgrade.testkit.Images.V2;
import static dev.osupgrade.testkit.Images.ubuntu;
import static dev.osupgrade.testkit.OsUpgradeAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import dev.osupgrade.event.InstanceFailed;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.governance.SignalThreshold;
import dev.osupgrade.governance.performance.PerformanceGate;
import dev.osupgrade.ops.ErrorCodes;
import dev.osupgrade.port.Metric;
import dev.osupgrade.port.MetricSample;
import dev.osupgrade.rollout.Rollout;
import java.time.Duration;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The simulator makes a version heavier; the performance gate catches what health probes miss. */
final class PerformanceValidationTest {

  private static PerformanceGate gate(SimulatedFleet fleet) {
    return PerformanceGate.builder().source(fleet)
        .threshold(SignalThreshold.relative(Metric.CPU, 0.10))
        .threshold(SignalThreshold.relative(Metric.DEPENDENCY_LATENCY, 0.10))
        .build();
  }

  private static ScaleSetId web(SimulatedFleet fleet) {
    ScaleSetId id = fleet.add(ScaleSetSpec.named("web").instances(20).zones(2).image(ubuntu(V1)));
    fleet.publish(ubuntu(V2));
    return id;
  }

  @Test
  void heavierImage_healthyToProbes_completesWithoutTheGate() {
    SimulatedFleet fleet = SimulatedFleet.create(5);
    ScaleSetId id = web(fleet);
    fleet.imagePerformance(V2, Metric.CPU, 1.3);

    Rollout r = fleet.run(Rollout.builder(fleet, id).target(V2).clock(fleet.clock()).build());

    assertThat(r).isCompleted().neverEmitted(InstanceFailed.class);
  }

  @Test
  void heavierImage_performanceGate_stopsAfterTheFirstBatchWithTheNumbers() {
    SimulatedFleet fleet = SimulatedFleet.create(5);
    ScaleSetId id = web(fleet);
    fleet.imagePerformance(V2, Metric.CPU, 1.3);

    Rollout r = fleet.run(Rollout.builder(fleet, id).target(V2).clock(fleet.clock()).gate(gate(fleet)).build());

    assertThat(r).faultedWith(ErrorCodes.PERFORMANCE_REGRESSION).neverEmitted(InstanceFailed.class);
    assertThat(r.error().orElseThrow().message()).contains("cpu");
    assertThat(r.progress().successful()).as("upgraded instances were healthy; only performance stopped it")
        .isLessThan(20).isPositive();
  }

  static LongStream seeds() {
    return LongStream.rangeClosed(1, 8);
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  void sameImagePerformance_noiseOnly_noFalseAlarm(long seed) {
    SimulatedFleet fleet = SimulatedFleet.create(seed);
    ScaleSetId id = web(fleet);

    Rollout r = fleet.run(Rollout.builder(fleet, id).target(V2).clock(fleet.clock()).gate(gate(fleet)).build());

    assertThat(r).isCompleted();
  }

  @Test
  void samples_sameSeed_sameValues_andPerBootSamplesAfterAnUpgrade() {
    SimulatedFleet a = SimulatedFleet.create(9);
    SimulatedFleet b = SimulatedFleet.create(9);
    ScaleSetId ia = web(a);
    web(b);
    a.run(Rollout.builder(a, ia).target(V2).clock(a.clock()).build());
    b.run(Rollout.builder(b, ia).target(V2).clock(b.clock()).build());

    List<MetricSample> cpu = a.samples(ia, Metric.CPU, a.clock().instant().minus(Duration.ofMinutes(30)),
        a.clock().instant());
    List<MetricSample> readiness = a.samples(ia, Metric.READINESS_TIME, a.clock().instant().minus(Duration.ofDays(1)),
        a.clock().instant().plusSeconds(1));

    assertThat(cpu).isEqualTo(b.samples(ia, Metric.CPU, b.clock().instant().minus(Duration.ofMinutes(30)),
        b.clock().instant()));
    assertThat(cpu).hasSize(20 * 30).allSatisfy(s -> assertThat(s.value()).isBetween(20.0, 60.0));
    assertThat(readiness).as("one boot before the rollout and one for the upgrade, per instance").hasSize(40);
  }
}
