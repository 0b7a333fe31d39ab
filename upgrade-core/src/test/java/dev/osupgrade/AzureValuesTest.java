package dev.osupgrade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osupgrade.fleet.HealthState;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.Zone;
import dev.osupgrade.image.ReplicationState;
import dev.osupgrade.ops.RollingUpgradeStatus;
import dev.osupgrade.ops.RolloutStatus;
import dev.osupgrade.ops.StartedBy;
import dev.osupgrade.ops.UpgradeProgress;
import dev.osupgrade.policy.RollingUpgradePolicy;
import dev.osupgrade.policy.UpgradeMode;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

// The five parsers of Azure's enumeration strings: typed errors for bad text, unknown values kept, never guessed.
final class AzureValuesTest {

  static Stream<Arguments> parsers() {
    return Stream.of(
        Arguments.of("HealthState", (Function<String, Object>) HealthState::fromAzure),
        Arguments.of("RolloutStatus", (Function<String, Object>) RolloutStatus::fromAzure),
        Arguments.of("UpgradeMode", (Function<String, Object>) UpgradeMode::fromAzure),
        Arguments.of("StartedBy", (Function<String, Object>) StartedBy::fromAzure),
        Arguments.of("ReplicationState", (Function<String, Object>) ReplicationState::fromAzure));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("parsers")
  void fromAzure_null_invalidValueNamingTheParameter(String type, Function<String, Object> parse) {
    assertThatThrownBy(() -> parse.apply(null)).isInstanceOfSatisfying(InvalidValueException.class, e -> {
      assertThat(e.parameter()).isIn("text", "code");
      assertThat(e.rule()).contains("an Azure value");
      assertThat(e.value()).isNull();
    });
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("parsers")
  void fromAzure_badText_invalidValueWithTheValue(String type, Function<String, Object> parse) {
    for (String bad : List.of("", "   ", "Roll\ning", "a\u0000b", "x".repeat(ExpandableValue.MAX_LENGTH + 1))) {
      assertThatThrownBy(() -> parse.apply(bad)).as("%s", bad.length() > 20 ? "long text" : bad)
          .isInstanceOfSatisfying(InvalidValueException.class, e -> {
            assertThat(e.rule()).contains("no control characters");
            assertThat(e.value()).isNotNull();
          });
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("parsers")
  void fromAzure_longestAcceptedText_parsesWithoutThrowing(String type, Function<String, Object> parse) {
    assertThat(parse.apply("y".repeat(ExpandableValue.MAX_LENGTH))).isNotNull();
  }

  @Test
  void upgradeMode_unknown_keepsAzureSpellingAndIsNotManual() {
    UpgradeMode eventually = UpgradeMode.fromAzure(" Eventually ");

    assertThat(eventually.isKnown()).isFalse();
    assertThat(eventually.azureName()).isEqualTo("Eventually");
    assertThat(eventually).isNotEqualTo(UpgradeMode.MANUAL).isEqualTo(UpgradeMode.fromAzure("EVENTUALLY"))
        .hasSameHashCodeAs(UpgradeMode.fromAzure("eventually"));
    assertThat(eventually.toString()).isEqualTo("Eventually (unknown)");
  }

  @Test
  void upgradeMode_knownInAnyCase_isTheConstant() {
    assertThat(UpgradeMode.fromAzure("manual")).isSameAs(UpgradeMode.MANUAL);
    assertThat(UpgradeMode.fromAzure("ROLLING")).isSameAs(UpgradeMode.ROLLING);
    assertThat(UpgradeMode.fromAzure("Automatic").isKnown()).isTrue();
    assertThat(UpgradeMode.knownValues()).extracting(UpgradeMode::azureName)
        .containsExactly("Automatic", "Manual", "Rolling");
  }

  @Test
  void startedBy_newInvoker_keptApartFromAzuresOwnUnknown() {
    StartedBy someone = StartedBy.fromAzure("SomeoneNew");

    assertThat(someone.isKnown()).isFalse();
    assertThat(someone.azureName()).isEqualTo("SomeoneNew");
    assertThat(someone).isNotEqualTo(StartedBy.UNKNOWN);
    assertThat(StartedBy.fromAzure("unknown")).isSameAs(StartedBy.UNKNOWN);
    assertThat(StartedBy.UNKNOWN.isKnown()).isTrue();
  }

  @Test
  void replicationState_newState_keptAndNotCompleted() {
    ReplicationState paused = ReplicationState.fromAzure("Paused");

    assertThat(paused.isKnown()).isFalse();
    assertThat(paused.azureName()).isEqualTo("Paused");
    assertThat(paused).isNotEqualTo(ReplicationState.COMPLETED).isNotEqualTo(ReplicationState.UNKNOWN);
    assertThat(ReplicationState.fromAzure("completed")).isSameAs(ReplicationState.COMPLETED);
  }

  @Test
  void rolloutStatus_unknownCode_isUnknownNeitherRunningNorEnded() {
    RolloutStatus s = RolloutStatus.fromAzure("RollingSideways");

    assertThat(s).isEqualTo(RolloutStatus.UNKNOWN);
    assertThat(s.isKnown()).isFalse();
    assertThat(s.isTerminal()).isFalse();
    assertThat(RolloutStatus.fromAzure("rollingforward")).isEqualTo(RolloutStatus.ROLLING_FORWARD);
  }

  @Test
  void rollingUpgradeStatus_unknownCode_carriesTheRawCodeAndSaysLookAgain() {
    RollingUpgradeStatus s = new RollingUpgradeStatus(RolloutStatus.UNKNOWN, Fleets.T0, null, null,
        UpgradeProgress.none(), RollingUpgradePolicy.ofDefaults(), null, "RollingSideways");

    assertThat(s.statusCode()).isEqualTo("RollingSideways");
    assertThat(s.isKnown()).isFalse();
    assertThat(s.isRunning()).isFalse();
    assertThat(s.hasEnded()).isFalse();
  }

  @Test
  void rollingUpgradeStatus_codeThatContradictsTheStatus_rejected() {
    assertThatThrownBy(() -> new RollingUpgradeStatus(RolloutStatus.COMPLETED, Fleets.T0, null, null,
        UpgradeProgress.none(), RollingUpgradePolicy.ofDefaults(), null, "Faulted"))
        .isInstanceOfSatisfying(InvalidValueException.class, e -> assertThat(e.parameter()).isEqualTo("statusCode"));
    assertThatThrownBy(() -> new RollingUpgradeStatus(RolloutStatus.UNKNOWN, Fleets.T0, null, null,
        UpgradeProgress.none(), RollingUpgradePolicy.ofDefaults(), null, "Completed"))
        .isInstanceOf(InvalidValueException.class);
  }

  @Test
  void rollingUpgradeStatus_knownStatusWithoutCode_codeIsAzures() {
    RollingUpgradeStatus s = new RollingUpgradeStatus(RolloutStatus.COMPLETED, Fleets.T0, null, null,
        UpgradeProgress.none(), RollingUpgradePolicy.ofDefaults(), null);

    assertThat(s.statusCode()).isEqualTo("Completed");
    assertThat(s.hasEnded()).isTrue();
  }

  @Test
  void healthState_newCode_readsUnknownAndIsNotRecognized() {
    assertThat(HealthState.fromAzure("HealthState/degraded")).isEqualTo(HealthState.UNKNOWN);
    assertThat(HealthState.recognizes("HealthState/degraded")).isFalse();
    assertThat(HealthState.recognizes("HealthState/unknown")).isTrue();
    assertThat(HealthState.recognizes("Initializing")).isTrue();
    assertThat(HealthState.fromAzure("HealthState/healthy")).isEqualTo(HealthState.HEALTHY);
  }

  @Test
  void instance_rawHealthCode_keptOnlyForAnUnknownHealth() {
    Instance plain = Instance.of("0", Zone.REGIONAL, 0, Fleets.OLD_IMAGE).withHealth(HealthState.UNKNOWN);
    Instance degraded = new Instance("0", Zone.REGIONAL, 0, 0, Fleets.OLD_IMAGE, true, plain.provisioningState(),
        plain.powerState(), HealthState.UNKNOWN, false, "HealthState/degraded");

    assertThat(degraded.healthCode()).isEqualTo("HealthState/degraded");
    assertThat(degraded.toString()).contains("UNKNOWN (HealthState/degraded)");
    assertThat(degraded.withHealth(HealthState.HEALTHY).healthCode()).isNull();
    assertThatThrownBy(() -> new Instance("0", Zone.REGIONAL, 0, 0, Fleets.OLD_IMAGE, true,
        plain.provisioningState(), plain.powerState(), HealthState.UNHEALTHY, false, "HealthState/degraded"))
        .isInstanceOfSatisfying(InvalidValueException.class, e -> assertThat(e.parameter()).isEqualTo("healthCode"));
  }
}
