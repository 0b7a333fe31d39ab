package dev.osupgrade.examples;

import static dev.osupgrade.testkit.OsUpgradeAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osupgrade.event.GovernanceWaived;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.governance.Environment;
import dev.osupgrade.governance.HealthSource;
import dev.osupgrade.governance.ImageTrustPolicy;
import dev.osupgrade.governance.ReadinessIncompleteException;
import dev.osupgrade.governance.ReadinessRecord;
import dev.osupgrade.governance.SignalThreshold;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.image.ImageVersion;
import dev.osupgrade.port.Metric;
import dev.osupgrade.rollout.Rollout;
import dev.osupgrade.testkit.ScaleSetSpec;
import dev.osupgrade.testkit.SimulatedFleet;
import java.time.Clock;
import org.junit.jupiter.api.Test;

/**
 * The README's "Governed by default" example, compiled and run, with the texts it quotes: if this test changes, change
 * the README with it.
 */
final class GovernanceReadmeExampleTest {
  private static final ImageReference V1 =
      ImageReference.parse("Canonical:0001-com-ubuntu-server-jammy:22_04-lts-gen2:22.04.202409010");
  private static final ImageVersion V2 = ImageVersion.parse("22.04.202410010");

  private static ScaleSetId productionWeb(SimulatedFleet fleet) {
    ScaleSetId web = fleet.add(ScaleSetSpec.named("web").resourceGroup("shop-prod").instances(10)
        .environment(Environment.PRODUCTION).image(V1));
    fleet.publish(V1.withVersion(V2));
    return web;
  }

  private static ReadinessRecord record(ScaleSetId web) {
    return ReadinessRecord.builder().owner("team-web", "web-oncall@example.com")
        .healthSource(HealthSource.APPLICATION_HEALTH_EXTENSION)
        .threshold(SignalThreshold.relative(Metric.CPU, 0.10))
        .scaleSets(web).atMostPercentAtOnce(20).rings("all").automaticRollback(true)
        .runbookStep("page web-oncall; cancel, then roll back to the previous version with osupgrade").build();
  }

  @Test
  void readme_productionWithoutGovernance_refusedNamingTheFourItems() {
    SimulatedFleet fleet = SimulatedFleet.create(42);
    ScaleSetId web = productionWeb(fleet);
    Clock clock = fleet.clock();

    Rollout plain = Rollout.builder(fleet, web).target(V2).clock(clock).build();

    assertThatThrownBy(plain::advance).isInstanceOfSatisfying(ReadinessIncompleteException.class, e -> {
      System.out.println(e);
      assertThat(e.toString().lines().toList()).startsWith(
          "ReadinessIncompleteException[ReadinessIncomplete]: start an orchestrated rollout on shop-prod/web "
              + "(PRODUCTION): refused, no readiness record was given.");
      assertThat(e.getMessage()).contains("\n  Owner: Name the owning team", "\n  Expected signal: Say which",
          "\n  Rollout boundary: Say which", "\n  Rollback path: Decide whether",
          "\n  Image trust: no trust decision, no ImageTrustPolicy was given.");
    });
    assertThat(fleet.calls("updateModelImage") + fleet.calls("upgradeInstances")).isZero();
  }

  @Test
  void readme_productionGovernedOrOptedOut_bothRunAndTheOptOutIsOnRecord() {
    SimulatedFleet fleet = SimulatedFleet.create(42);
    ScaleSetId web = productionWeb(fleet);
    ReadinessRecord record = record(web);
    Clock clock = fleet.clock();

    // --- README: governed by default ---
    Rollout governed = Rollout.builder(fleet, web).target(V2).clock(clock)
        .readiness(record)                                   // owner, expected signal, rollout boundary, rollback path
        .trust(ImageTrustPolicy.trustingPublishers("Canonical"))  // the trust decision on the target release
        .build();
    // --- end ---
    fleet.run(governed);
    assertThat(governed).isCompleted().hadBatches(5);

    SimulatedFleet other = SimulatedFleet.create(42);
    ScaleSetId web2 = productionWeb(other);
    // --- README: the opt-out ---
    Rollout hotfix = Rollout.builder(other, web2).target(V2).clock(other.clock()).owner("ops-eu-1")
        .ungoverned("INC-4711: kernel CVE hotfix, approved by the on-call lead")
        .build();
    // --- end ---
    other.run(hotfix);

    assertThat(hotfix).isCompleted();
    System.out.println(hotfix.events().get(0));
    assertThat(hotfix.events().get(0)).isInstanceOf(GovernanceWaived.class).hasToString("#0001 "
        + "2026-01-05T00:00:00Z shop-prod/web governance waived by ops-eu-1 on a production scale set (no readiness "
        + "record or trust decision asked): INC-4711: kernel CVE hotfix, approved by the on-call lead");
    assertThat(hotfix.governanceWaiver()).hasValueSatisfying(w -> assertThat(w.by()).isEqualTo("ops-eu-1"));
  }
}
