package dev.osupgrade.health;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osupgrade.Fleets;
import dev.osupgrade.fleet.HealthState;
import dev.osupgrade.fleet.ScaleSet;
import dev.osupgrade.ops.ErrorCodes;
import dev.osupgrade.policy.RollingUpgradePolicy;
import java.util.Set;
import org.junit.jupiter.api.Test;

final class FleetUnhealthyGateTest {
  private final FleetUnhealthyGate gate = new FleetUnhealthyGate();

  private static GateContext before(int batch, ScaleSet fleet, RollingUpgradePolicy policy) {
    return new GateContext(GatePhase.BEFORE_BATCH, batch, 5, fleet, Fleets.NEW, policy, Set.of(), Set.of(),
        Fleets.T0, Fleets.T0);
  }

  private static GateContext before(int batch, ScaleSet fleet) {
    return before(batch, fleet, RollingUpgradePolicy.ofDefaults());
  }

  private static ScaleSet tenWith(HealthState health, String... ids) {
    return Fleets.withHealth(Fleets.scaleSet(10), health, ids);
  }

  @Test
  void appliesTo_beforeBatchOnly() {
    assertThat(gate.appliesTo(GatePhase.BEFORE_BATCH)).isTrue();
    assertThat(gate.appliesTo(GatePhase.AFTER_BATCH)).isFalse();
    assertThat(gate.name()).isEqualTo("fleet-unhealthy").isEqualTo(FleetUnhealthyGate.NAME);
  }

  @Test
  void evaluate_exactlyTwentyPercentUnhealthy_passes() {
    GateVerdict v = gate.evaluate(before(1, tenWith(HealthState.UNHEALTHY, "0", "1")));

    assertThat(v).isInstanceOf(GateVerdict.Pass.class);
    assertThat(v.reason()).isEqualTo("2 of 10 instances (20%) are unhealthy, within the threshold of 20%");
  }

  @Test
  void evaluate_moreThanTwentyPercentBeforeFirstBatch_failsBeforeRollingUpgrade() {
    GateVerdict v = gate.evaluate(before(1, tenWith(HealthState.UNHEALTHY, "0", "1", "2")));

    assertThat(v).isInstanceOfSatisfying(GateVerdict.Fail.class, f -> {
      assertThat(f.code()).isEqualTo(ErrorCodes.MAX_UNHEALTHY_BEFORE)
          .isEqualTo("MaxUnhealthyInstancePercentExceededBeforeRollingUpgrade");
      assertThat(f.gate()).isEqualTo("fleet-unhealthy");
      assertThat(f.reason()).isEqualTo("3 of 10 instances (30%) are unhealthy - more than the threshold of 20%");
    });
  }

  @Test
  void evaluate_moreThanTwentyPercentBeforeLaterBatch_failsInRollingUpgrade() {
    GateVerdict v = gate.evaluate(before(2, tenWith(HealthState.UNHEALTHY, "0", "1", "2")));

    assertThat(v).isInstanceOfSatisfying(GateVerdict.Fail.class, f -> assertThat(f.code())
        .isEqualTo(ErrorCodes.MAX_UNHEALTHY_IN).isEqualTo("MaxUnhealthyInstancePercentExceededInRollingUpgrade"));
  }

  @Test
  void evaluate_unknownCountsAsUnhealthy() {
    ScaleSet fleet = Fleets.withHealth(tenWith(HealthState.UNKNOWN, "0", "1"), HealthState.UNHEALTHY, "2");

    GateVerdict v = gate.evaluate(before(1, fleet));

    assertThat(v).isInstanceOf(GateVerdict.Fail.class);
    assertThat(v.measurement("unhealthy")).isEqualTo(3.0);
  }

  @Test
  void evaluate_initializingDoesNotCount() {
    ScaleSet fleet = Fleets.withHealth(tenWith(HealthState.INITIALIZING, "0", "1", "2", "3", "4"),
        HealthState.UNHEALTHY, "5", "6");

    GateVerdict v = gate.evaluate(before(1, fleet));

    assertThat(v).isInstanceOf(GateVerdict.Pass.class);
    assertThat(v.measurement("unhealthy")).isEqualTo(2.0);
  }

  @Test
  void evaluate_measurementsCarryTheNumbers() {
    GateVerdict v = gate.evaluate(before(1, tenWith(HealthState.UNHEALTHY, "0", "1", "2")));

    assertThat(v.measurements()).containsExactly(Measurement.of("unhealthy", 3), Measurement.of("instances", 10),
        Measurement.of("limitPercent", 20));
    assertThat(v.measurement("instances")).isEqualTo(10.0);
    assertThat(v.measurement("absent")).isNaN();
  }

  @Test
  void evaluate_policyLimitUsed() {
    RollingUpgradePolicy strict = RollingUpgradePolicy.builder().maxUnhealthyInstancePercent(5).build();
    ScaleSet twenty = Fleets.withHealth(Fleets.scaleSet(20), HealthState.UNHEALTHY, "0");
    ScaleSet twentyTwo = Fleets.withHealth(Fleets.scaleSet(20), HealthState.UNHEALTHY, "0", "1");

    assertThat(gate.evaluate(before(1, twenty, strict))).isInstanceOf(GateVerdict.Pass.class);
    assertThat(gate.evaluate(before(1, twentyTwo, strict))).isInstanceOf(GateVerdict.Fail.class);
    assertThat(gate.evaluate(before(1, twentyTwo, strict)).measurement("limitPercent")).isEqualTo(5.0);
  }

  @Test
  void evaluate_emptyFleet_passes() {
    assertThat(gate.evaluate(before(1, Fleets.scaleSet(0)))).isInstanceOf(GateVerdict.Pass.class);
  }
}
