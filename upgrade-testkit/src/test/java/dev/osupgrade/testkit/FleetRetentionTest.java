package dev.osupgrade.testkit;

import static dev.osupgrade.testkit.Images.V1;
import static dev.osupgrade.testkit.Images.V2;
import static dev.osupgrade.testkit.Images.ubuntu;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osupgrade.InvalidValueException;
import dev.osupgrade.fleet.HealthState;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.port.Metric;
import dev.osupgrade.port.MetricSample;
import dev.osupgrade.rollout.Rollout;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

final class FleetRetentionTest {

  private static ScaleSetId web(SimulatedFleet fleet) {
    ScaleSetId id = fleet.add(ScaleSetSpec.named("web").instances(20).zones(2).image(ubuntu(V1)));
    fleet.publish(ubuntu(V2));
    return id;
  }

  private static void setHealthTwelveTimes(SimulatedFleet fleet, ScaleSetId id) {
    for (int k = 0; k < 12; k++) {
      fleet.setHealth(id, k % 2 == 0 ? HealthState.UNHEALTHY : HealthState.HEALTHY, "0");
    }
  }

  @Test
  void create_default_keepsEverything() {
    SimulatedFleet fleet = SimulatedFleet.create(1);

    assertThat(fleet.retention()).isEqualTo(FleetRetention.unbounded());
    assertThat(fleet.retention().isUnbounded()).isTrue();
    assertThat(fleet.retention().logLines()).isEqualTo(Integer.MAX_VALUE);
    assertThat(fleet.retention().metricHistory()).isNull();
  }

  @Test
  void log_fiveLinesKept_holdsTheNewestFiveAndCountsTheDropped() {
    SimulatedFleet all = SimulatedFleet.create(3);
    SimulatedFleet five = SimulatedFleet.create(3).retention(FleetRetention.unbounded().logLines(5));
    setHealthTwelveTimes(all, web(all));
    setHealthTwelveTimes(five, web(five));

    List<String> full = all.log();
    assertThat(full).hasSize(15); // created, two releases published, 12 health changes
    assertThat(five.log()).hasSize(5).containsExactlyElementsOf(full.subList(10, 15));
    assertThat(five.logLinesDropped()).isEqualTo(10);
    assertThat(all.logLinesDropped()).isZero();
  }

  @Test
  void faults_logKeepsOneLine_stillCountsEveryScriptedFault() {
    SimulatedFleet fleet = SimulatedFleet.create(3).retention(FleetRetention.unbounded().logLines(1));
    ScaleSetId id = web(fleet);
    fleet.faults().scaleOutAllocationFailure(id, 1);
    fleet.faults().throttle(PortOperation.LIST_INSTANCES, 2);
    fleet.faults().serverErrors(PortOperation.GET, 1, 503);
    setHealthTwelveTimes(fleet, id);

    assertThat(fleet.log()).hasSize(1).noneSatisfy(l -> assertThat(l).contains("fault scripted"));
    assertThat(fleet.faults().toString()).isEqualTo("Faults[3 scripted]");
  }

  @Test
  void log_lineLimitLoweredLater_dropsTheOldestAtOnceAndKeepsTheLimit() {
    SimulatedFleet fleet = SimulatedFleet.create(3);
    ScaleSetId id = web(fleet);
    setHealthTwelveTimes(fleet, id);
    List<String> before = List.copyOf(fleet.log());

    fleet.retention(FleetRetention.unbounded().logLines(3));
    assertThat(before).hasSize(15);
    assertThat(fleet.log()).containsExactlyElementsOf(before.subList(12, 15));
    assertThat(fleet.logLinesDropped()).isEqualTo(12);

    fleet.setHealth(id, HealthState.UNHEALTHY, "1");
    assertThat(fleet.log()).hasSize(3).startsWith(before.get(13), before.get(14));
    assertThat(fleet.log().get(2)).endsWith("instance 1 health set to UNHEALTHY");
    assertThat(fleet.logLinesDropped()).isEqualTo(13);
  }

  @Test
  void metrics_tenMinutesKept_answersExactlyTheLastTenMinutesOfTheUnboundedFleet() {
    SimulatedFleet all = SimulatedFleet.create(9);
    SimulatedFleet recent = SimulatedFleet.create(9)
        .retention(FleetRetention.unbounded().metricHistory(Duration.ofMinutes(10)));
    ScaleSetId id = web(all);
    web(recent);
    all.run(Rollout.builder(all, id).target(V2).clock(all.clock()).build());
    recent.run(Rollout.builder(recent, id).target(V2).clock(recent.clock()).build());
    Instant now = all.clock().instant();
    assertThat(recent.clock().instant()).isEqualTo(now);

    List<MetricSample> cpu = recent.samples(id, Metric.CPU, now.minus(Duration.ofMinutes(30)), now);
    List<MetricSample> readiness = recent.samples(id, Metric.READINESS_TIME, now.minus(Duration.ofDays(1)),
        now.plusSeconds(1));

    assertThat(all.samples(id, Metric.CPU, now.minus(Duration.ofMinutes(30)), now)).hasSize(20 * 30);
    assertThat(cpu).hasSize(20 * 10)
        .isEqualTo(all.samples(id, Metric.CPU, now.minus(Duration.ofMinutes(10)), now));
    assertThat(readiness)
        .isEqualTo(all.samples(id, Metric.READINESS_TIME, now.minus(Duration.ofMinutes(10)), now.plusSeconds(1)))
        .allSatisfy(s -> assertThat(s.at()).isAfterOrEqualTo(now.minus(Duration.ofMinutes(10))));
    assertThat(all.samples(id, Metric.READINESS_TIME, now.minus(Duration.ofDays(1)), now.plusSeconds(1)))
        .as("one boot before the rollout and one for the upgrade, per instance").hasSize(40);
  }

  @Test
  void record_boundedRetention_groundTruthIsTheUnboundedFleets() {
    SimulatedFleet all = SimulatedFleet.create(5);
    SimulatedFleet bounded = SimulatedFleet.create(5)
        .retention(FleetRetention.unbounded().logLines(1).metricHistory(Duration.ofSeconds(1)));
    ScaleSetId id = web(all);
    web(bounded);

    Rollout a = all.run(Rollout.builder(all, id).target(V2).clock(all.clock()).build());
    Rollout b = bounded.run(Rollout.builder(bounded, id).target(V2).clock(bounded.clock()).build());

    assertThat(b.events()).isEqualTo(a.events());
    FleetRecord truth = all.record(id);
    FleetRecord kept = bounded.record(id);
    assertThat(kept.instances()).hasSize(20).isEqualTo(truth.instances());
    for (String instance : truth.instances()) {
      assertThat(kept.history(instance)).isEqualTo(truth.history(instance));
    }
    assertThat(kept.calls()).hasSameSizeAs(truth.calls());
    assertThat(bounded.log()).hasSize(1).containsExactly(all.log().get(all.log().size() - 1));
  }

  @Test
  void retention_badInput_isRefusedNamingParameterRuleAndValue_andChangesNothing() {
    SimulatedFleet fleet = SimulatedFleet.create(1);

    assertRefused(() -> FleetRetention.unbounded().logLines(0), "logLines", ">= 1", "0");
    assertRefused(() -> new FleetRetention(-3, null), "logLines", ">= 1", "-3");
    assertRefused(() -> FleetRetention.unbounded().metricHistory(Duration.ZERO), "metricHistory", null, "0s");
    assertRefused(() -> FleetRetention.unbounded().metricHistory(Duration.ofMinutes(-1)), "metricHistory", null,
        "-1m");
    assertRefused(() -> FleetRetention.unbounded().metricHistory(null), "metricHistory", null, null);
    assertRefused(() -> fleet.retention(null), "retention", null, null);

    assertThat(fleet.retention()).isEqualTo(FleetRetention.unbounded());
  }

  @SuppressWarnings("NullAway")
  private static void assertRefused(Runnable call, String parameter, @Nullable String rule, @Nullable String value) {
    assertThatThrownBy(call::run).isInstanceOfSatisfying(InvalidValueException.class, e -> {
      assertThat(e.parameter()).isEqualTo(parameter);
      if (rule != null) {
        assertThat(e.rule()).isEqualTo(rule);
      } else {
        assertThat(e.rule()).isNotBlank();
      }
      assertThat(e.value()).isEqualTo(value);
    });
  }
}
