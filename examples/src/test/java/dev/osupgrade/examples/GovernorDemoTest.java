package dev.osupgrade.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osupgrade.estate.EstateGovernor;
import dev.osupgrade.estate.EstateReport;
import dev.osupgrade.estate.GovernorDecision;
import dev.osupgrade.fleet.HealthState;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.testkit.SimulatedFleet;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

final class GovernorDemoTest {
  private static final GovernorDemo.Month[] MONTH = new GovernorDemo.Month[1];
  private static String output;

  @BeforeAll
  static void runTheDemo() {
    output = run(42, MONTH);
    System.out.println(output);
  }

  private static String run(long seed, GovernorDemo.Month[] month) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    month[0] = GovernorDemo.run(seed, new PrintStream(bytes, true, StandardCharsets.UTF_8));
    return bytes.toString(StandardCharsets.UTF_8);
  }

  @Test
  void governorDemo_aMonth_decisionsAsTheyGoThenTheReport() {
    EstateGovernor governor = MONTH[0].governor();
    SimulatedFleet fleet = MONTH[0].fleet();
    String out = output;

    assertThat(fleet.scaleSetIds()).hasSize(40);
    int canariesThatTookIt = 0;
    for (ScaleSetId id : fleet.scaleSetIds()) {
      boolean golden = fleet.peek(id).modelImage().sameImageAs(GovernorDemo.GOLDEN);
      assertThat(fleet.peek(id).instances()).as("%s by the fleet", id).allSatisfy(i -> {
        assertThat(i.imageVersion()).isEqualTo(golden ? GovernorDemo.G3 : GovernorDemo.U4);
        assertThat(i.health()).isEqualTo(HealthState.HEALTHY);
      });
      boolean canary = fleet.peek(id).tag("ring").isPresent();
      boolean tookBadImage = fleet.record(id).calls("upgradeInstances").stream()
          .anyMatch(c -> c.model().version().orElseThrow().equals(GovernorDemo.U3));
      if (canary) {
        canariesThatTookIt += tookBadImage ? 1 : 0;
      } else {
        assertThat(tookBadImage).as("%s: the bad image reached canaries only", id).isFalse();
      }
    }
    assertThat(canariesThatTookIt).as("the canary ring took the bad image, by the fleet's record").isPositive();
    EstateReport report = governor.report();
    assertThat(report.counts()).as(out).containsEntry(EstateReport.State.CURRENT, 40);
    assertThat(report.families()).extracting(EstateReport.FamilyLine::completed)
        .containsExactly(GovernorDemo.U4, GovernorDemo.G3);
    assertThat(report.quarantined()).singleElement().satisfies(e -> {
      assertThat(e.image().version()).hasValue(GovernorDemo.U3);
      assertThat(e.by()).isEqualTo("ring canary");
    });
    assertThat(governor.decisions()).filteredOn(d -> d.kind() == GovernorDecision.Kind.RING_STARTED
        && GovernorDemo.U3.equals(d.version())).extracting(GovernorDecision::ring).containsOnly("canary");
    assertThat(out).contains("== osupgrade estate governor demo (seed 42)", "Desired state:", "campaign started",
        "ring rehearsed", "ring promoted", "version quarantined", "replication of 1.1.0 to eastus failed",
        "Version matrix (scale set x family)", "Quarantined versions", "Next", "expect the next release of ubuntu");
    assertThat(out.indexOf("campaign started")).as("decisions printed as they go, before the report")
        .isLessThan(out.indexOf("Estate report of governor"));
  }

  @Test
  void governorDemo_sameSeed_sameOutput() {
    assertThat(run(42, new GovernorDemo.Month[1])).isEqualTo(output);
  }
}
