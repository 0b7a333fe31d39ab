package dev.osupgrade.plan;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osupgrade.Fleets;
import dev.osupgrade.fleet.HealthMonitoring;
import dev.osupgrade.fleet.ScaleSet;
import dev.osupgrade.policy.AutomaticOsUpgradePolicy;
import dev.osupgrade.policy.RollingUpgradePolicy;
import dev.osupgrade.policy.UpgradeMode;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

final class PolicyLinterTest {

  private static List<String> codes(List<LintFinding> findings) {
    return findings.stream().map(LintFinding::code).toList();
  }

  private static ScaleSet withPolicy(ScaleSet s, UpgradeMode mode, AutomaticOsUpgradePolicy auto) {
    return s.withUpgradePolicy(s.upgradePolicy().withMode(mode).withAutomaticOsUpgrade(auto));
  }

  @Test
  void lint_hundredInstancesDefaults_findsNothing() {
    assertThat(PolicyLinter.lint(Fleets.scaleSet(100))).isEmpty();
  }

  @Test
  void lint_tenInstancesDefaults_saysTheFirstFailureStopsTheRollout() {
    assertThat(PolicyLinter.lint(Fleets.scaleSet(10))).singleElement().satisfies(f -> {
      assertThat(f.code()).isEqualTo("ONE_FAILURE_STOPS");
      assertThat(f.severity()).isEqualTo(LintFinding.Severity.INFO);
      assertThat(f.message()).contains("first batch of 2 is 50%");
    });
  }

  @Test
  void lint_fourInstancesDefaultBudget_singleUnhealthyInstanceBlocksEveryBatch() {
    List<LintFinding> findings = PolicyLinter.lint(Fleets.scaleSet(4));

    assertThat(codes(findings)).contains("SINGLE_UNHEALTHY_BLOCKS", "ONE_AT_A_TIME");
    LintFinding blocks = findings.stream().filter(f -> f.code().equals("SINGLE_UNHEALTHY_BLOCKS")).findFirst()
        .orElseThrow();
    assertThat(blocks.severity()).isEqualTo(LintFinding.Severity.WARNING);
    assertThat(blocks.message()).contains("1 unhealthy instance of 4 is 25%", "at least 25%");
  }

  @Test
  void lint_threeInstancesTwentyPercent_saysOneAtATime() {
    assertThat(PolicyLinter.lint(Fleets.scaleSet(3))).anySatisfy(f -> {
      assertThat(f.code()).isEqualTo("ONE_AT_A_TIME");
      assertThat(f.message()).contains("20% of 3 instances rounds down to 0", "3 batches");
    });
  }

  @Test
  void lint_automaticUpgradeWithPinnedVersionAndBothHealthSources_twoErrorsFirst() {
    ScaleSet s = withPolicy(Fleets.scaleSet(10), UpgradeMode.MANUAL, AutomaticOsUpgradePolicy.enabled());
    s = new ScaleSet(s.id(), s.region(), s.zones(), s.orchestrationMode(), s.upgradePolicy(), s.modelImage(),
        new HealthMonitoring(true, true), s.etag(), s.instances());

    List<LintFinding> findings = PolicyLinter.lint(s);

    assertThat(codes(findings)).startsWith("BOTH_HEALTH_SOURCES", "PINNED_VERSION_WITH_AUTOMATIC_UPGRADE");
    assertThat(findings.get(0).severity()).isEqualTo(LintFinding.Severity.ERROR);
  }

  @Test
  void lint_rollingModeWithoutHealthSource_error() {
    ScaleSet s = withPolicy(Fleets.scaleSet(100), UpgradeMode.ROLLING, AutomaticOsUpgradePolicy.ofDefaults());
    s = new ScaleSet(s.id(), s.region(), s.zones(), s.orchestrationMode(), s.upgradePolicy(), s.modelImage(),
        HealthMonitoring.none(), s.etag(), s.instances());

    assertThat(codes(PolicyLinter.lint(s))).containsExactly("NO_HEALTH_SOURCE");
  }

  @Test
  void lint_batchLargerThanUnhealthyBudgetAndStrictUpgradedBudget_warnsAndInforms() {
    RollingUpgradePolicy policy = RollingUpgradePolicy.builder().maxBatchInstancePercent(50)
        .maxUnhealthyInstancePercent(20).maxUnhealthyUpgradedInstancePercent(0).build();

    List<LintFinding> findings = PolicyLinter.lint(Fleets.scaleSet(10), policy, null, null);

    assertThat(codes(findings)).containsExactly("BATCH_OVER_UNHEALTHY_BUDGET", "ONE_FAILURE_STOPS");
  }

  @Test
  void lint_readinessLongerThanHealthTimeout_warns() {
    List<LintFinding> findings = PolicyLinter.lint(Fleets.scaleSet(100), RollingUpgradePolicy.ofDefaults(), null,
        Duration.ofMinutes(8));

    assertThat(findings).singleElement().satisfies(f -> {
      assertThat(f.code()).isEqualTo("HEALTH_TIMEOUT_SHORTER_THAN_READINESS");
      assertThat(f.message()).contains("about 8m", "5m health timeout");
    });
  }

  @Test
  void lint_longPauses_informsOfTheTotal() {
    RollingUpgradePolicy policy = RollingUpgradePolicy.builder().pauseTimeBetweenBatches("PT4H").build();

    assertThat(PolicyLinter.lint(Fleets.scaleSet(100), policy, null, null)).singleElement()
        .satisfies(f -> assertThat(f.message()).contains("5 batches add up to 16h"));
  }

  // ---- Flexible orchestration ----------------------------------------------------------------------------------

  private static ScaleSet flexible(ScaleSet s) {
    return new ScaleSet(s.id(), s.region(), s.zones(), dev.osupgrade.fleet.OrchestrationMode.FLEXIBLE,
        s.upgradePolicy(), s.modelImage(), s.healthMonitoring(), s.etag(), s.instances(), s.tags());
  }

  @Test
  void lint_flexibleRollingWithLoadBalancerProbe_errorAskingForTheHealthExtension() {
    ScaleSet s = flexible(new ScaleSet(Fleets.ID, Fleets.REGION, List.of(),
        dev.osupgrade.fleet.OrchestrationMode.UNIFORM, dev.osupgrade.policy.UpgradePolicy.manual()
            .withMode(UpgradeMode.ROLLING), Fleets.OLD_IMAGE, HealthMonitoring.probe(), null,
        Fleets.scaleSet(100).instances()));

    assertThat(PolicyLinter.lint(s)).first().satisfies(f -> {
      assertThat(f.code()).isEqualTo("FLEXIBLE_REQUIRES_HEALTH_EXTENSION");
      assertThat(f.severity()).isEqualTo(LintFinding.Severity.ERROR);
      assertThat(f.message()).contains("Application Health extension", "upgrade mode Rolling");
    });
    assertThat(codes(PolicyLinter.lint(flexible(Fleets.scaleSet(100))))).as("Manual mode with the extension")
        .isEmpty();
  }

  @Test
  void lint_flexibleAutomaticUpgradeWithSurgeAndRollbackOnBreach_warnsOfEachDocumentedGap() {
    ScaleSet s = flexible(withPolicy(Fleets.scaleSet(100), UpgradeMode.MANUAL, AutomaticOsUpgradePolicy.enabled()))
        .withModelImage(Fleets.UBUNTU);
    RollingUpgradePolicy policy = RollingUpgradePolicy.builder().maxSurge(true)
        .rollbackFailedInstancesOnPolicyBreach(true).build();

    List<String> codes = codes(PolicyLinter.lint(s, policy, null, null));

    assertThat(codes).contains("FLEXIBLE_AUTOMATIC_OS_UPGRADE_UNCONFIRMED", "SURGE_NOT_SUPPORTED_FLEXIBLE",
        "ROLLBACK_ON_BREACH_UNIFORM_ONLY");
    assertThat(codes(PolicyLinter.lint(withPolicy(Fleets.scaleSet(100), UpgradeMode.MANUAL,
        AutomaticOsUpgradePolicy.enabled()).withModelImage(Fleets.UBUNTU), policy, null, null)))
        .as("the same on Uniform").doesNotContain("FLEXIBLE_AUTOMATIC_OS_UPGRADE_UNCONFIRMED",
            "SURGE_NOT_SUPPORTED_FLEXIBLE", "ROLLBACK_ON_BREACH_UNIFORM_ONLY");
  }

  @Test
  void lint_flexibleLocks_surgeBlockedByCanNotDeleteAndReadOnlySkipped() {
    ScaleSet s = flexible(Fleets.change(Fleets.scaleSet(100),
        i -> i.withLock(dev.osupgrade.fleet.ResourceLock.CAN_NOT_DELETE), "3", "4"));
    s = Fleets.change(s, i -> i.withLock(dev.osupgrade.fleet.ResourceLock.READ_ONLY), "7");

    List<LintFinding> findings = PolicyLinter.lint(s, RollingUpgradePolicy.builder().maxSurge(true).build(), null,
        null);

    assertThat(findings).anySatisfy(f -> {
      assertThat(f.code()).isEqualTo("SURGE_BLOCKED_BY_LOCK");
      assertThat(f.message()).contains("2 instance(s) [3, 4]", "upgraded in place");
    });
    assertThat(findings).anySatisfy(f -> {
      assertThat(f.code()).isEqualTo("LOCKED_INSTANCES_SKIPPED");
      assertThat(f.message()).startsWith("1 instance(s) have a ReadOnly resource lock");
    });
  }
}
