package dev.osupgrade.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osupgrade.estate.EstateGovernor;
import dev.osupgrade.estate.EstateReport;
import dev.osupgrade.estate.GovernorDecision;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

final class GovernorDemoTest {
  private static final EstateGovernor[] GOVERNOR = new EstateGovernor[1];
  private static String output;

  @BeforeAll
  static void runTheDemo() {
    output = run(42, GOVERNOR);
    System.out.println(output);
  }

  private static String run(long seed, EstateGovernor[] governor) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    governor[0] = GovernorDemo.run(seed, new PrintStream(bytes, true, StandardCharsets.UTF_8));
    return bytes.toString(StandardCharsets.UTF_8);
  }

  @Test
  void governorDemo_aMonth_decisionsAsTheyGoThenTheReport() {
    EstateGovernor[] governor = GOVERNOR;
    String out = output;

    EstateReport report = governor[0].report();
    assertThat(report.counts()).as(out).containsEntry(EstateReport.State.CURRENT, 40);
    assertThat(report.families()).extracting(EstateReport.FamilyLine::completed)
        .containsExactly(GovernorDemo.U4, GovernorDemo.G3);
    assertThat(report.quarantined()).singleElement().satisfies(e -> {
      assertThat(e.image().version()).hasValue(GovernorDemo.U3);
      assertThat(e.by()).isEqualTo("ring canary");
    });
    assertThat(governor[0].decisions()).filteredOn(d -> d.kind() == GovernorDecision.Kind.RING_STARTED
        && GovernorDemo.U3.equals(d.version())).extracting(GovernorDecision::ring).containsOnly("canary");
    assertThat(out).contains("== osupgrade estate governor demo (seed 42)", "Desired state:", "campaign started",
        "ring rehearsed", "ring promoted", "version quarantined", "replication of 1.1.0 to eastus failed",
        "Version matrix (scale set x family)", "Quarantined versions", "Next", "expect the next release of ubuntu");
    assertThat(out.indexOf("campaign started")).as("decisions printed as they go, before the report")
        .isLessThan(out.indexOf("Estate report of governor"));
  }

  @Test
  void governorDemo_sameSeed_sameOutput() {
    assertThat(run(42, new EstateGovernor[1])).isEqualTo(output);
  }
}
