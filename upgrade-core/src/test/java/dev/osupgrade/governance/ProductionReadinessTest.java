package dev.osupgrade.governance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osupgrade.Fleets;
import dev.osupgrade.Region;
import dev.osupgrade.fleet.HealthMonitoring;
import dev.osupgrade.fleet.ScaleSet;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.policy.AutomaticOsUpgradePolicy;
import dev.osupgrade.policy.RollingUpgradePolicy;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

final class ProductionReadinessTest {
  private static final ScaleSet FLEET = Fleets.scaleSet(10);

  @ParameterizedTest
  @EnumSource(GovernedAction.class)
  void require_productionWithoutRecord_refusedListingEverything(GovernedAction action) {
    assertThatThrownBy(() -> ProductionReadiness.require(action, FLEET, Environment.PRODUCTION, null))
        .isInstanceOfSatisfying(ReadinessIncompleteException.class, e -> {
          assertThat(e.code()).isEqualTo("ReadinessIncomplete");
          assertThat(e.gaps()).hasSize(9);
          assertThat(e.check().recordGiven()).isFalse();
          assertThat(e.getMessage().lines()).containsExactly(
              action + " on rg/web (PRODUCTION): refused, no readiness record was given.",
              "  Owner: " + ReadinessItem.OWNER_TEAM.sentence() + " " + ReadinessItem.OWNER_CONTACT.sentence(),
              "  Expected signal: " + ReadinessItem.HEALTH_SOURCE.sentence() + " "
                  + ReadinessItem.SIGNAL_THRESHOLDS.sentence(),
              "  Rollout boundary: " + ReadinessItem.BOUNDARY_SCOPE.sentence() + " "
                  + ReadinessItem.BOUNDARY_AT_ONCE.sentence() + " " + ReadinessItem.RING_ORDER.sentence(),
              "  Rollback path: " + ReadinessItem.ROLLBACK_MODE.sentence() + " "
                  + ReadinessItem.ROLLBACK_RUNBOOK.sentence(),
              "Nothing was changed.");
        });
  }

  @ParameterizedTest
  @EnumSource(GovernedAction.class)
  void require_productionWithCompleteRecord_allowed(GovernedAction action) {
    ReadinessCheck check = ProductionReadiness.require(action, FLEET, Environment.PRODUCTION,
        ReadinessRecordTest.complete());

    assertThat(check.isAllowed()).isTrue();
    assertThat(check.gaps()).isEmpty();
    assertThat(check).hasToString(action + " on rg/web (PRODUCTION): ready");
  }

  @ParameterizedTest
  @EnumSource(GovernedAction.class)
  void require_productionWithIncompleteRecord_refusedWithTheMissingItems(GovernedAction action) {
    ReadinessRecord noRollback = ReadinessRecord.builder().owner("team-web", "oncall")
        .healthSource(HealthSource.APPLICATION_HEALTH_EXTENSION)
        .threshold(SignalThreshold.relative(dev.osupgrade.port.Metric.CPU, 0.1))
        .scaleSets(Fleets.ID).atMostPercentAtOnce(20).rings("all").build();

    assertThatThrownBy(() -> ProductionReadiness.require(action, FLEET, Environment.PRODUCTION, noRollback))
        .isInstanceOfSatisfying(ReadinessIncompleteException.class, e -> {
          assertThat(e.check().items()).containsExactly(ReadinessItem.ROLLBACK_MODE, ReadinessItem.ROLLBACK_RUNBOOK);
          assertThat(e.getMessage()).isEqualTo(action + " on rg/web (PRODUCTION): refused, the readiness record is "
              + "incomplete.\n"
              + "  Owner: nothing missing.\n"
              + "  Expected signal: nothing missing.\n"
              + "  Rollout boundary: nothing missing.\n"
              + "  Rollback path: Decide whether automatic rollback is on or off. Write the operator's rollback step in "
              + "words: what to run, and who decides.\n"
              + "Nothing was changed.");
          assertThat(e.check()).hasToString(action + " on rg/web (PRODUCTION): refused, the readiness record is "
              + "incomplete. Owner: nothing missing. Expected signal: nothing missing. Rollout boundary: nothing "
              + "missing. Rollback path: Decide whether automatic rollback is on or off. Write the operator's "
              + "rollback step in words: what to run, and who decides.");
        });
  }

  @Test
  void sectionLines_gapsOfTheScaleSet_standUnderTheirSectionInTheRecordsOrder() {
    ReadinessRecord elsewhere = ReadinessRecordTest.complete().toBuilder()
        .healthSource(HealthSource.LOAD_BALANCER_PROBE).build();
    ReadinessRecord outside = ReadinessRecord.builder().owner("team-web", "oncall")
        .healthSource(HealthSource.LOAD_BALANCER_PROBE).threshold(SignalThreshold.relative(
            dev.osupgrade.port.Metric.CPU, 0.1))
        .scaleSets(ScaleSetId.of("rg", "api")).atMostPercentAtOnce(20).rings("all").automaticRollback(true)
        .runbookStep("page oncall").build();

    ReadinessCheck check = ProductionReadiness.check(GovernedAction.START_ORCHESTRATED_ROLLOUT, FLEET,
        Environment.PRODUCTION, outside);

    assertThat(check.items()).containsExactlyInAnyOrder(ReadinessItem.OUTSIDE_BOUNDARY,
        ReadinessItem.HEALTH_SOURCE_MISMATCH);
    assertThat(check.sectionLines()).hasSize(4);
    assertThat(check.sectionLines().get(0)).isEqualTo("Owner: nothing missing.");
    assertThat(check.sectionLines().get(1)).startsWith("Expected signal: The record names the load balancer health probe");
    assertThat(check.sectionLines().get(2)).startsWith("Rollout boundary: Scale set rg/web in westeurope is outside");
    assertThat(check.sectionLines().get(3)).isEqualTo("Rollback path: nothing missing.");
    assertThat(ProductionReadiness.check(GovernedAction.START_ORCHESTRATED_ROLLOUT, FLEET, Environment.PRODUCTION,
        elsewhere).sectionLines().get(1)).startsWith("Expected signal: The record names");
  }

  @ParameterizedTest
  @EnumSource(value = Environment.class, names = {"DEVELOPMENT", "TEST", "STAGING"})
  void check_outsideProduction_allowedWithGapsAsAdvice(Environment environment) {
    ReadinessCheck check = ProductionReadiness.require(GovernedAction.START_ORCHESTRATED_ROLLOUT, FLEET, environment,
        null);

    assertThat(check.isAllowed()).isTrue();
    assertThat(check.gaps()).hasSize(9);
    assertThat(check.toString()).contains("allowed outside production, but no readiness record was given");
  }

  @Test
  void check_unmarkedScaleSet_treatedAsProduction() {
    Environment env = Environment.fromTags(Map.of("owner", "team-web"));

    assertThat(ProductionReadiness.check(GovernedAction.ENABLE_AUTOMATIC_OS_UPGRADE, FLEET, env, null).isAllowed())
        .isFalse();
  }

  @Test
  void check_scaleSetOutsideBoundary_refused() {
    ReadinessRecord elsewhere = ReadinessRecordTest.complete().toBuilder().build();
    elsewhere = new ReadinessRecord(elsewhere.owner(), elsewhere.expectedSignal(),
        new ReadinessRecord.RolloutBoundary(java.util.Set.of(ScaleSetId.of("rg", "api")),
            java.util.Set.of(Region.of("eastus")), ReadinessRecord.AtOnce.percent(20), java.util.List.of("all")),
        elsewhere.rollback());

    ReadinessCheck check = ProductionReadiness.check(GovernedAction.START_ORCHESTRATED_ROLLOUT, FLEET,
        Environment.PRODUCTION, elsewhere);

    assertThat(check.items()).containsExactly(ReadinessItem.OUTSIDE_BOUNDARY);
    assertThat(check.gaps().get(0).sentence()).isEqualTo("Scale set rg/web in westeurope is outside the rollout "
        + "boundary (scale sets [rg/api], regions [eastus]).");
  }

  @Test
  void check_healthSourceNotOnScaleSet_refused() {
    ReadinessRecord probe = ReadinessRecordTest.complete().toBuilder()
        .healthSource(HealthSource.LOAD_BALANCER_PROBE).build();

    ReadinessCheck check = ProductionReadiness.check(GovernedAction.ENABLE_AUTOMATIC_OS_UPGRADE, FLEET,
        Environment.PRODUCTION, probe);

    assertThat(check.items()).containsExactly(ReadinessItem.HEALTH_SOURCE_MISMATCH);
    assertThat(check.gaps().get(0).sentence()).isEqualTo("The record names the load balancer health probe, but "
        + "scale set rg/web reports health through: extension.");
    assertThat(HealthSource.LOAD_BALANCER_PROBE.isConfiguredOn(HealthMonitoring.probe())).isTrue();
  }

  @Test
  void check_policyBatchLargerThanBoundary_refusedWithTheFix() {
    ReadinessRecord tenPercent = ReadinessRecordTest.complete().toBuilder().atMostPercentAtOnce(10).build();

    ReadinessCheck check = ProductionReadiness.check(GovernedAction.START_ORCHESTRATED_ROLLOUT, FLEET,
        Environment.PRODUCTION, tenPercent);

    assertThat(check.items()).containsExactly(ReadinessItem.BATCH_EXCEEDS_BOUNDARY);
    assertThat(check.gaps().get(0).sentence()).isEqualTo("The upgrade policy's batch is 2 of 10 instances "
        + "(maxBatchInstancePercent 20), but the boundary allows at most 10% of the instances (1): lower "
        + "maxBatchInstancePercent.");
    RollingUpgradePolicy ten = RollingUpgradePolicy.builder().maxBatchInstancePercent(10).build();
    assertThat(ProductionReadiness.check(GovernedAction.START_ORCHESTRATED_ROLLOUT, FLEET, Environment.PRODUCTION,
        tenPercent, ten).isAllowed()).isTrue();
  }

  @Test
  void check_enableWithRollbackDisabledOnScaleSet_refusedAsMismatch() {
    ScaleSet noRollback = FLEET.withUpgradePolicy(FLEET.upgradePolicy()
        .withAutomaticOsUpgrade(AutomaticOsUpgradePolicy.ofDefaults().withDisableAutomaticRollback(true)));

    ReadinessCheck enable = ProductionReadiness.check(GovernedAction.ENABLE_AUTOMATIC_OS_UPGRADE, noRollback,
        Environment.PRODUCTION, ReadinessRecordTest.complete());

    assertThat(enable.items()).containsExactly(ReadinessItem.ROLLBACK_MISMATCH);
    assertThat(enable.gaps().get(0).sentence()).isEqualTo("The record says automatic rollback is on, but the scale "
        + "set has disableAutomaticRollback=true.");
    // An orchestrated rollout's rollback is the rollout's own option, not the scale set's.
    assertThat(ProductionReadiness.check(GovernedAction.START_ORCHESTRATED_ROLLOUT, noRollback,
        Environment.PRODUCTION, ReadinessRecordTest.complete()).isAllowed()).isTrue();
  }
}
