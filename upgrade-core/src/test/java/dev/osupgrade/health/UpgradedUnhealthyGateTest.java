package dev.osupgrade.health;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osupgrade.Fleets;
import dev.osupgrade.fleet.HealthState;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.ScaleSet;
import dev.osupgrade.ops.ErrorCodes;
import dev.osupgrade.policy.RollingUpgradePolicy;
import java.util.Set;
import org.junit.jupiter.api.Test;

final class UpgradedUnhealthyGateTest {
  private static final Set<String> TEN_UPGRADED = Set.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");

  private final UpgradedUnhealthyGate gate = new UpgradedUnhealthyGate();

  // A fleet of 20 where instances 0-9 have been upgraded.
  private static GateContext after(ScaleSet fleet, Set<String> upgraded, Set<String> failed,
      RollingUpgradePolicy policy) {
    return new GateContext(GatePhase.AFTER_BATCH, 2, 5, fleet, Fleets.NEW, policy, upgraded, failed, Fleets.T0,
        Fleets.T0);
  }

  private static GateContext after(ScaleSet fleet, Set<String> failed) {
    return after(fleet, TEN_UPGRADED, failed, RollingUpgradePolicy.ofDefaults());
  }

  private static ScaleSet twenty() {
    return Fleets.scaleSet(20);
  }

  @Test
  void appliesTo_afterBatchOnly() {
    assertThat(gate.appliesTo(GatePhase.AFTER_BATCH)).isTrue();
    assertThat(gate.appliesTo(GatePhase.BEFORE_BATCH)).isFalse();
    assertThat(gate.name()).isEqualTo("upgraded-unhealthy");
  }

  @Test
  void evaluate_failedPlusCurrentlyUnhealthyUpgraded_counted() {
    // 0 failed its health timeout; 1 is upgraded and Unhealthy now; 15 is unhealthy but was not upgraded.
    ScaleSet fleet = Fleets.withHealth(twenty(), HealthState.UNHEALTHY, "1", "15");

    GateVerdict v = gate.evaluate(after(fleet, Set.of("0")));

    assertThat(v).isInstanceOf(GateVerdict.Pass.class);
    assertThat(v.measurement("unhealthyUpgraded")).isEqualTo(2.0);
    assertThat(v.measurement("upgraded")).isEqualTo(10.0);
    assertThat(v.measurements()).containsExactly(Measurement.of("unhealthyUpgraded", 2),
        Measurement.of("upgraded", 10), Measurement.of("limitPercent", 20));
    assertThat(v.reason()).isEqualTo("2 of 10 upgraded instances (20%) are unhealthy, within the threshold of 20%");
  }

  @Test
  void evaluate_failedAndUnhealthySameInstance_countedOnce() {
    ScaleSet fleet = Fleets.withHealth(twenty(), HealthState.UNKNOWN, "1");

    GateVerdict v = gate.evaluate(after(fleet, Set.of("1")));

    assertThat(v.measurement("unhealthyUpgraded")).isEqualTo(1.0);
  }

  @Test
  void evaluate_moreThanTwentyPercent_failsWithAzureCodeAndMessage() {
    ScaleSet fleet = Fleets.withHealth(twenty(), HealthState.UNKNOWN, "1");

    GateVerdict v = gate.evaluate(after(fleet, Set.of("3", "4")));

    assertThat(v).isInstanceOfSatisfying(GateVerdict.Fail.class, f -> {
      assertThat(f.code()).isEqualTo(ErrorCodes.MAX_UNHEALTHY_UPGRADED)
          .isEqualTo("MaxUnhealthyUpgradedInstancePercentExceededInRollingUpgrade");
      assertThat(f.reason()).contains("30% of instances (3 of 10) are in an unhealthy state after being upgraded")
          .contains("more than the threshold of 20%").endsWith("First failed instance ID is: 1.");
    });
  }

  /** The named instances report a health code the library does not know (Unknown, the raw code kept). */
  private static ScaleSet degraded(ScaleSet fleet, String... ids) {
    return Fleets.change(fleet, i -> new Instance(i.instanceId(), i.zone(), i.updateDomain(), i.faultDomain(),
        i.image(), i.latestModelApplied(), i.provisioningState(), i.powerState(), HealthState.UNKNOWN,
        i.protectedFromUpgrade(), "HealthState/Degraded", i.lock(), i.provisionedAt()), ids);
  }

  @Test
  void evaluate_breachOnlyByHealthCodesItDoesNotKnow_waitsTenLooksThenFails() {
    // 3 and 4 failed; 1 reports HealthState/Degraded: 3 of 10 only with it.
    ScaleSet fleet = degraded(twenty(), "1");
    GateContext ctx = after(fleet, Set.of("3", "4"));

    GateVerdict first = gate.evaluate(ctx);
    GateVerdict tenth = gate.evaluate(ctx.withWaits(UpgradedUnhealthyGate.UNRECOGNIZED_WAITS - 1));
    GateVerdict after = gate.evaluate(ctx.withWaits(UpgradedUnhealthyGate.UNRECOGNIZED_WAITS));

    assertThat(first).isInstanceOfSatisfying(GateVerdict.Wait.class, w -> {
      assertThat(w.until()).isEqualTo(Fleets.T0);
      assertThat(w.reason()).isEqualTo("1 of 10 upgraded instances report a health state this library does not know;"
          + " looking again before counting them as unhealthy");
    });
    assertThat(tenth).isInstanceOf(GateVerdict.Wait.class);
    assertThat(after).isInstanceOf(GateVerdict.Fail.class);
    assertThat(gate.evaluate(after(fleet, Set.of("3", "4", "5")))).as("a breach without it fails at once")
        .isInstanceOf(GateVerdict.Fail.class);
    assertThat(gate.evaluate(after(fleet, Set.of("3")))).as("within the threshold with it")
        .isInstanceOf(GateVerdict.Pass.class);
  }

  @Test
  void evaluate_initializingUpgradedInstance_notCounted() {
    ScaleSet fleet = Fleets.withHealth(twenty(), HealthState.INITIALIZING, "0", "1", "2", "3", "4");

    GateVerdict v = gate.evaluate(after(fleet, Set.of()));

    assertThat(v).isInstanceOf(GateVerdict.Pass.class);
    assertThat(v.measurement("unhealthyUpgraded")).isZero();
  }

  @Test
  void evaluate_zeroPercentAllowed_failsOnAnyFailure() {
    RollingUpgradePolicy zero = RollingUpgradePolicy.builder().maxUnhealthyUpgradedInstancePercent(0).build();

    GateVerdict oneFailed = gate.evaluate(after(twenty(), TEN_UPGRADED, Set.of("9"), zero));
    GateVerdict noneFailed = gate.evaluate(after(twenty(), TEN_UPGRADED, Set.of(), zero));

    assertThat(oneFailed).isInstanceOf(GateVerdict.Fail.class);
    assertThat(oneFailed.measurement("limitPercent")).isZero();
    assertThat(noneFailed).isInstanceOf(GateVerdict.Pass.class);
  }

  @Test
  void evaluate_hundredPercentAllowed_passesEvenIfAllFailed() {
    RollingUpgradePolicy all = RollingUpgradePolicy.builder().maxUnhealthyUpgradedInstancePercent(100).build();

    assertThat(gate.evaluate(after(twenty(), TEN_UPGRADED, TEN_UPGRADED, all))).isInstanceOf(GateVerdict.Pass.class);
  }

  @Test
  void evaluate_nothingUpgradedYet_passes() {
    ScaleSet fleet = Fleets.withHealth(twenty(), HealthState.UNHEALTHY, "0", "1", "2", "3", "4", "5");

    GateVerdict v = gate.evaluate(after(fleet, Set.of(), Set.of(), RollingUpgradePolicy.ofDefaults()));

    assertThat(v).isInstanceOf(GateVerdict.Pass.class);
    assertThat(v.measurement("upgraded")).isZero();
  }
}
