package dev.osupgrade.health;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osupgrade.Fleets;
import dev.osupgrade.fleet.HealthState;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.ScaleSet;
import dev.osupgrade.ops.ErrorCodes;
import dev.osupgrade.policy.RollingUpgradePolicy;
import java.util.List;
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

  // ---- a short look: instances the rollout knows exist that the listing left out ----------------------------------

  /** The fleet of ten with the instances {@code left} missing from the listing the gate judges. */
  private static ScaleSet listedWithout(ScaleSet ten, String... left) {
    Set<String> out = Set.of(left);
    return ten.withInstances(ten.instances().stream().filter(i -> !out.contains(i.instanceId())).toList());
  }

  /**
   * The case: ten instances, three Unhealthy, the listing leaves out two of them. Judged on the listing alone
   * it is 1 of 8 (12%) and passes; the fleet really has 3 of 10 (30%). The gate counts the two it knows exist: it
   * holds the batch instead of passing it.
   */
  @Test
  void evaluate_listingLeavesOutTwoOfThreeUnhealthy_holdsTheBatchInsteadOfPassing() {
    ScaleSet listed = listedWithout(tenWith(HealthState.UNHEALTHY, "0", "8", "9"), "8", "9");
    assertThat(gate.evaluate(before(2, listed))).as("judged on the listing alone").isInstanceOf(GateVerdict.Pass.class);

    GateVerdict v = gate.evaluate(before(2, listed).withUnaccounted(Set.of("8", "9")));

    assertThat(v).isInstanceOf(GateVerdict.Wait.class);
    assertThat(((GateVerdict.Wait) v).until()).isEqualTo(Fleets.T0);
    assertThat(v.measurement("instances")).isEqualTo(10.0);
    assertThat(v.measurement("unhealthy")).isEqualTo(1.0);
    assertThat(v.measurement("unaccounted")).isEqualTo(2.0);
    assertThat(v.reason()).isEqualTo("1 of 10 instances (10%) are unhealthy; 2 known to the rollout but missing from "
        + "the look [8, 9] - more than the threshold of 20% if the 2 undetermined are unhealthy: the batch waits "
        + "until they are accounted for");
  }

  /** Over budget even if every instance left out is healthy: a true breach, whatever the listing lacks. */
  @Test
  void evaluate_reportedUnhealthyAloneOverBudgetOfTheWholeSet_fails() {
    ScaleSet listed = listedWithout(tenWith(HealthState.UNHEALTHY, "0", "1", "2"), "8", "9");

    GateVerdict v = gate.evaluate(before(3, listed).withUnaccounted(Set.of("8", "9")));

    assertThat(v).isInstanceOfSatisfying(GateVerdict.Fail.class, f ->
        assertThat(f.code()).isEqualTo(ErrorCodes.MAX_UNHEALTHY_IN));
    assertThat(v.measurement("instances")).isEqualTo(10.0);
  }

  /** Within budget whatever the left-out instance reports: the batch goes, and the denominator is the whole set. */
  @Test
  void evaluate_leftOutInstancesCannotTipTheBudget_passesOverTheWholeSet() {
    ScaleSet listed = listedWithout(tenWith(HealthState.UNHEALTHY, "0"), "9");

    GateVerdict v = gate.evaluate(before(2, listed).withUnaccounted(Set.of("9")));

    assertThat(v).isInstanceOf(GateVerdict.Pass.class);
    assertThat(v.reason()).isEqualTo("1 of 10 instances (10%) are unhealthy; 1 known to the rollout but missing from "
        + "the look [9], within the threshold of 20%");
  }

  /** An id the look does show is not unaccounted: it is counted once, with its health. */
  @Test
  void withUnaccounted_idTheLookShows_isIgnored() {
    GateContext ctx = before(2, tenWith(HealthState.UNHEALTHY, "0")).withUnaccounted(Set.of("3", "42"));

    assertThat(ctx.unaccounted()).containsExactly("42");
    assertThat(gate.evaluate(ctx).measurement("instances")).isEqualTo(11.0);
  }

  /**
   * A health code the library cannot read (a newer API version's, e.g. HealthState/Degraded, read as UNKNOWN with its
   * text kept) is undetermined: the gate holds rather than stop the rollout for it. Azure's own Unknown counts as
   * unhealthy, as Azure counts it: three reported Unknown fail.
   */
  @Test
  void evaluate_unreadableHealthCodeHolds_butAzuresUnknownCountsAsUnhealthy() {
    ScaleSet ten = tenWith(HealthState.UNHEALTHY, "0");
    List<Instance> degraded = ten.instances().stream().map(i -> i.instanceId().equals("1")
        || i.instanceId().equals("2") ? unreadable(i) : i).toList();

    GateVerdict held = gate.evaluate(before(2, ten.withInstances(degraded)));
    GateVerdict unknown = gate.evaluate(before(2, Fleets.withHealth(ten, HealthState.UNKNOWN, "1", "2")));

    assertThat(held).isInstanceOf(GateVerdict.Wait.class);
    assertThat(held.measurement("unreadableHealth")).isEqualTo(2.0);
    assertThat(held.reason()).contains("2 with a health code the library cannot read [1, 2]");
    assertThat(unknown).isInstanceOf(GateVerdict.Fail.class);
    assertThat(unknown.measurement("unhealthy")).isEqualTo(3.0);
  }

  private static Instance unreadable(Instance i) {
    return new Instance(i.instanceId(), i.zone(), i.updateDomain(), i.faultDomain(), i.image(),
        i.latestModelApplied(), i.provisioningState(), i.powerState(), HealthState.UNKNOWN, i.protectedFromUpgrade(),
        "HealthState/Degraded");
  }
}
