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
}
