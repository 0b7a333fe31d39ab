package dev.osupgrade.rollout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.InstanceOfAssertFactories.type;

import dev.osupgrade.InvalidValueException;
import dev.osupgrade.health.FleetUnhealthyGate;
import dev.osupgrade.plan.PlanOptions;
import dev.osupgrade.policy.RollingUpgradePolicy;
import java.time.Duration;
import org.junit.jupiter.api.Test;

final class RolloutOptionsTest {

  @Test
  void ofDefaults_followAzure() {
    RolloutOptions o = RolloutOptions.ofDefaults();

    assertThat(o.healthTimeout()).isEqualTo(Duration.ofMinutes(5));
    assertThat(o.instanceUpgradeTimeout()).isEqualTo(Duration.ofMinutes(30));
    assertThat(o.pollInterval()).isEqualTo(Duration.ofSeconds(30));
    assertThat(o.automaticRollback()).isEqualTo(RolloutOptions.AutomaticRollback.FROM_SCALE_SET);
    assertThat(o.revertModelOnFault()).isTrue();
    assertThat(o.explicitPolicy()).isEmpty();
    assertThat(o.gates()).isEmpty();
    assertThat(o.planOptions()).isEqualTo(PlanOptions.ofDefaults());
    assertThat(o.maxUpgradeRequestsPerInstance()).isEqualTo(3);
    assertThat(o.looksPerBatch()).isEqualTo(3);
  }

  @Test
  void maxUpgradeRequestsPerInstance_outOfRange_rejectedAtTheSetterAndChangesNothing() {
    RolloutOptions.Builder b = RolloutOptions.builder().maxUpgradeRequestsPerInstance(2);

    assertThatThrownBy(() -> b.maxUpgradeRequestsPerInstance(0)).isInstanceOf(InvalidValueException.class)
        .hasMessage("maxUpgradeRequestsPerInstance must be in [1, 10], but was 0");
    assertThatThrownBy(() -> b.maxUpgradeRequestsPerInstance(11)).isInstanceOf(InvalidValueException.class)
        .hasMessage("maxUpgradeRequestsPerInstance must be in [1, 10], but was 11");
    RolloutOptions o = b.build();
    assertThat(o.maxUpgradeRequestsPerInstance()).isEqualTo(2);
    assertThat(o.toBuilder().build()).isEqualTo(o);
  }

  @Test
  void looksPerBatch_outsideOneToTwenty_rejectedNamingParameterRuleAndValue() {
    RolloutOptions.Builder b = RolloutOptions.builder();

    assertThatThrownBy(() -> b.looksPerBatch(0)).asInstanceOf(type(InvalidValueException.class))
        .satisfies(e -> {
          assertThat(e.parameter()).isEqualTo("looksPerBatch");
          assertThat(e.rule()).isEqualTo("in [1, 20]");
          assertThat(e.value()).isEqualTo("0");
        });
    assertThatThrownBy(() -> b.looksPerBatch(21)).isInstanceOf(InvalidValueException.class)
        .hasMessage("looksPerBatch must be in [1, 20], but was 21");
    assertThat(b.build().looksPerBatch()).as("nothing changed").isEqualTo(RolloutOptions.DEFAULT_LOOKS_PER_BATCH);
    assertThat(b.looksPerBatch(20).build().looksPerBatch()).isEqualTo(20);
  }

  @Test
  void build_instanceUpgradeTimeoutShorterThanHealthTimeout_rejectedNamingBoth() {
    RolloutOptions.Builder b = RolloutOptions.builder().healthTimeout(Duration.ofMinutes(10))
        .instanceUpgradeTimeout(Duration.ofMinutes(9));

    assertThatThrownBy(b::build)
        .asInstanceOf(type(InvalidValueException.class))
        .satisfies(e -> {
          assertThat(e.parameter()).isEqualTo("instanceUpgradeTimeout");
          assertThat(e.rule()).isEqualTo(">= healthTimeout (10m)");
          assertThat(e.value()).isEqualTo("9m");
          assertThat(e.getMessage()).isEqualTo("instanceUpgradeTimeout must be >= healthTimeout (10m), but was 9m");
        });
  }

  @Test
  void build_instanceUpgradeTimeoutEqualToHealthTimeout_accepted() {
    RolloutOptions o = RolloutOptions.builder().healthTimeout(Duration.ofMinutes(10))
        .instanceUpgradeTimeout(Duration.ofMinutes(10)).build();

    assertThat(o.instanceUpgradeTimeout()).isEqualTo(o.healthTimeout());
  }

  @Test
  void build_healthTimeoutRaisedAboveDefaultUpgradeTimeout_rejected() {
    assertThatThrownBy(() -> RolloutOptions.builder().healthTimeout(Duration.ofHours(1)).build())
        .isInstanceOf(InvalidValueException.class)
        .hasMessageStartingWith("instanceUpgradeTimeout must be >= healthTimeout (1h)");
  }

  @Test
  void builder_zeroOrNegativeDurations_rejectedAtTheSetter() {
    RolloutOptions.Builder b = RolloutOptions.builder();

    assertThatThrownBy(() -> b.healthTimeout(Duration.ZERO)).isInstanceOf(InvalidValueException.class)
        .hasMessage("healthTimeout must be positive, but was 0s");
    assertThatThrownBy(() -> b.pollInterval(Duration.ofSeconds(-1))).isInstanceOf(InvalidValueException.class)
        .hasMessage("pollInterval must be positive, but was -1s");
    assertThatThrownBy(() -> b.instanceUpgradeTimeout(Duration.ZERO)).isInstanceOf(InvalidValueException.class);
    assertThat(b.build()).isEqualTo(RolloutOptions.ofDefaults());
  }

  @Test
  void toBuilder_roundTrips() {
    RolloutOptions o = RolloutOptions.builder().policy(RollingUpgradePolicy.builder().maxSurge(true).build())
        .healthTimeout(Duration.ofMinutes(2)).instanceUpgradeTimeout(Duration.ofMinutes(20))
        .pollInterval(Duration.ofSeconds(5)).automaticRollback(RolloutOptions.AutomaticRollback.OFF)
        .revertModelOnFault(false).gate(new FleetUnhealthyGate())
        .planOptions(PlanOptions.withBatchTime(Duration.ofMinutes(3))).looksPerBatch(6).build();

    RolloutOptions copy = o.toBuilder().build();

    assertThat(copy.explicitPolicy()).isEqualTo(o.explicitPolicy());
    assertThat(copy.healthTimeout()).isEqualTo(o.healthTimeout());
    assertThat(copy.instanceUpgradeTimeout()).isEqualTo(o.instanceUpgradeTimeout());
    assertThat(copy.pollInterval()).isEqualTo(o.pollInterval());
    assertThat(copy.looksPerBatch()).isEqualTo(6);
    assertThat(copy.automaticRollback()).isEqualTo(o.automaticRollback());
    assertThat(copy.revertModelOnFault()).isFalse();
    assertThat(copy.gates()).isEqualTo(o.gates());
    assertThat(copy.planOptions()).isEqualTo(o.planOptions());
    assertThat(copy).isEqualTo(o);
  }
}
