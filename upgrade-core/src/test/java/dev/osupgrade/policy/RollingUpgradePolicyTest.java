package dev.osupgrade.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.InstanceOfAssertFactories.type;

import dev.osupgrade.InvalidValueException;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

final class RollingUpgradePolicyTest {

  private static RollingUpgradePolicy policy(int batch, int unhealthy, int unhealthyUpgraded) {
    return new RollingUpgradePolicy(batch, unhealthy, unhealthyUpgraded, Duration.ZERO, false, false, false, false);
  }

  private static void assertInvalid(Runnable action, String parameter, String rule, String value) {
    assertThatThrownBy(action::run)
        .asInstanceOf(type(InvalidValueException.class))
        .satisfies(e -> {
          assertThat(e.parameter()).isEqualTo(parameter);
          assertThat(e.rule()).isEqualTo(rule);
          assertThat(e.value()).isEqualTo(value);
        });
  }

  @Test
  void ofDefaults_matchesAzureDefaults() {
    RollingUpgradePolicy p = RollingUpgradePolicy.ofDefaults();

    assertThat(p.maxBatchInstancePercent()).isEqualTo(20);
    assertThat(p.maxUnhealthyInstancePercent()).isEqualTo(20);
    assertThat(p.maxUnhealthyUpgradedInstancePercent()).isEqualTo(20);
    assertThat(p.pauseTimeBetweenBatches()).isEqualTo(Duration.parse("PT0S"));
    assertThat(p.prioritizeUnhealthyInstances()).isFalse();
    assertThat(p.enableCrossZoneUpgrade()).isFalse();
    assertThat(p.rollbackFailedInstancesOnPolicyBreach()).isFalse();
    assertThat(p.maxSurge()).isFalse();
  }

  @Test
  void builder_untouched_equalsDefaults() {
    assertThat(RollingUpgradePolicy.builder().build()).isEqualTo(RollingUpgradePolicy.ofDefaults());
  }

  @ParameterizedTest
  @ValueSource(ints = {5, 100})
  void maxBatchInstancePercent_rangeEdges_accepted(int value) {
    assertThat(policy(value, 20, 20).maxBatchInstancePercent()).isEqualTo(value);
    assertThat(RollingUpgradePolicy.builder().maxBatchInstancePercent(value).build().maxBatchInstancePercent())
        .isEqualTo(value);
  }

  @ParameterizedTest
  @ValueSource(ints = {4, 101, 0, -1})
  void maxBatchInstancePercent_outsideRange_rejectedWithParameterRuleAndValue(int value) {
    assertInvalid(() -> policy(value, 20, 20), "maxBatchInstancePercent", "in [5, 100]", String.valueOf(value));
    assertInvalid(() -> RollingUpgradePolicy.builder().maxBatchInstancePercent(value), "maxBatchInstancePercent",
        "in [5, 100]", String.valueOf(value));
  }

  @Test
  void maxBatchInstancePercent_four_messageNamesParameterRuleAndValue() {
    assertThatThrownBy(() -> policy(4, 20, 20))
        .isInstanceOf(InvalidValueException.class)
        .hasMessage("maxBatchInstancePercent must be in [5, 100], but was 4");
  }

  @ParameterizedTest
  @ValueSource(ints = {5, 100})
  void maxUnhealthyInstancePercent_rangeEdges_accepted(int value) {
    assertThat(policy(20, value, 20).maxUnhealthyInstancePercent()).isEqualTo(value);
    assertThat(RollingUpgradePolicy.builder().maxUnhealthyInstancePercent(value).build()
        .maxUnhealthyInstancePercent()).isEqualTo(value);
  }

  @ParameterizedTest
  @ValueSource(ints = {4, 101})
  void maxUnhealthyInstancePercent_outsideRange_rejected(int value) {
    assertInvalid(() -> policy(20, value, 20), "maxUnhealthyInstancePercent", "in [5, 100]",
        String.valueOf(value));
    assertInvalid(() -> RollingUpgradePolicy.builder().maxUnhealthyInstancePercent(value),
        "maxUnhealthyInstancePercent", "in [5, 100]", String.valueOf(value));
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 100})
  void maxUnhealthyUpgradedInstancePercent_rangeEdges_accepted(int value) {
    assertThat(policy(20, 20, value).maxUnhealthyUpgradedInstancePercent()).isEqualTo(value);
    assertThat(RollingUpgradePolicy.builder().maxUnhealthyUpgradedInstancePercent(value).build()
        .maxUnhealthyUpgradedInstancePercent()).isEqualTo(value);
  }

  @ParameterizedTest
  @ValueSource(ints = {-1, 101})
  void maxUnhealthyUpgradedInstancePercent_outsideRange_rejected(int value) {
    assertInvalid(() -> policy(20, 20, value), "maxUnhealthyUpgradedInstancePercent", "in [0, 100]",
        String.valueOf(value));
    assertInvalid(() -> RollingUpgradePolicy.builder().maxUnhealthyUpgradedInstancePercent(value),
        "maxUnhealthyUpgradedInstancePercent", "in [0, 100]", String.valueOf(value));
  }

  @Test
  void pauseTimeBetweenBatches_negative_rejected() {
    Duration negative = Duration.ofSeconds(-1);
    assertInvalid(() -> new RollingUpgradePolicy(20, 20, 20, negative, false, false, false, false),
        "pauseTimeBetweenBatches", "zero or positive", "-1s");
    assertInvalid(() -> RollingUpgradePolicy.builder().pauseTimeBetweenBatches(negative),
        "pauseTimeBetweenBatches", "zero or positive", "-1s");
  }

  @Test
  void pauseTimeBetweenBatches_negativeIsoString_rejected() {
    assertInvalid(() -> RollingUpgradePolicy.builder().pauseTimeBetweenBatches("-PT5M"),
        "pauseTimeBetweenBatches", "zero or positive", "-5m");
  }

  @Test
  void pauseTimeBetweenBatches_isoString_parsed() {
    RollingUpgradePolicy p = RollingUpgradePolicy.builder().pauseTimeBetweenBatches("PT2M30S").build();

    assertThat(p.pauseTimeBetweenBatches()).isEqualTo(Duration.ofSeconds(150));
  }

  @ParameterizedTest
  @ValueSource(strings = {"5 minutes", "PT", "", "P1X", "00:05:00"})
  void pauseTimeBetweenBatches_badIsoString_rejectedNamingTheFormat(String text) {
    assertThatThrownBy(() -> RollingUpgradePolicy.builder().pauseTimeBetweenBatches(text))
        .asInstanceOf(type(InvalidValueException.class))
        .satisfies(e -> {
          assertThat(e.parameter()).isEqualTo("pauseTimeBetweenBatches");
          assertThat(e.rule()).contains("ISO-8601");
          assertThat(e.value()).isEqualTo(text);
          assertThat(e.getMessage())
              .isEqualTo("pauseTimeBetweenBatches must be an ISO-8601 duration such as PT0S or PT5M, but was '"
                  + text + "'");
        });
  }

  @Test
  void builder_rejectedSetter_leavesBuilderUnchanged() {
    RollingUpgradePolicy.Builder b = RollingUpgradePolicy.builder().maxBatchInstancePercent(30)
        .pauseTimeBetweenBatches("PT1M");

    assertThatThrownBy(() -> b.maxBatchInstancePercent(101)).isInstanceOf(InvalidValueException.class);
    assertThatThrownBy(() -> b.pauseTimeBetweenBatches("soon")).isInstanceOf(InvalidValueException.class);
    assertThatThrownBy(() -> b.pauseTimeBetweenBatches(Duration.ofMinutes(-1)))
        .isInstanceOf(InvalidValueException.class);

    RollingUpgradePolicy built = b.build();
    assertThat(built.maxBatchInstancePercent()).isEqualTo(30);
    assertThat(built.pauseTimeBetweenBatches()).isEqualTo(Duration.ofMinutes(1));
  }

  @Test
  void toBuilder_everyFieldChanged_roundTripsToEqualPolicy() {
    RollingUpgradePolicy p = RollingUpgradePolicy.builder()
        .maxBatchInstancePercent(33)
        .maxUnhealthyInstancePercent(44)
        .maxUnhealthyUpgradedInstancePercent(0)
        .pauseTimeBetweenBatches(Duration.ofMinutes(7))
        .prioritizeUnhealthyInstances(true)
        .enableCrossZoneUpgrade(true)
        .rollbackFailedInstancesOnPolicyBreach(true)
        .maxSurge(true)
        .build();

    assertThat(p.toBuilder().build()).isEqualTo(p).isNotEqualTo(RollingUpgradePolicy.ofDefaults());
    assertThat(p).isEqualTo(new RollingUpgradePolicy(33, 44, 0, Duration.ofMinutes(7), true, true, true, true));
  }

  @Test
  void toBuilder_oneFieldChanged_keepsTheOthers() {
    RollingUpgradePolicy p = RollingUpgradePolicy.builder().maxSurge(true).maxBatchInstancePercent(50).build();

    RollingUpgradePolicy q = p.toBuilder().maxBatchInstancePercent(10).build();

    assertThat(q.maxBatchInstancePercent()).isEqualTo(10);
    assertThat(q.maxSurge()).isTrue();
    assertThat(p.maxBatchInstancePercent()).isEqualTo(50);
  }

  @Test
  void batchSizeFor_roundsDownButNeverBelowOne() {
    RollingUpgradePolicy p = RollingUpgradePolicy.ofDefaults();

    assertThat(p.batchSizeFor(0)).isEqualTo(1);
    assertThat(p.batchSizeFor(5)).isEqualTo(1);
    assertThat(p.batchSizeFor(9)).isEqualTo(1);
    assertThat(p.batchSizeFor(10)).isEqualTo(2);
    assertThat(p.batchSizeFor(14)).isEqualTo(2);
    assertThat(p.batchSizeFor(100)).isEqualTo(20);
    assertThat(RollingUpgradePolicy.builder().maxBatchInstancePercent(100).build().batchSizeFor(7)).isEqualTo(7);
  }

  @Test
  void toString_defaults_listsThreeBudgetsOnly() {
    assertThat(RollingUpgradePolicy.ofDefaults())
        .hasToString("RollingUpgradePolicy[batch 20%, unhealthy 20%, unhealthy upgraded 20%]");
  }
}
