package dev.osupgrade.examples;

import static dev.osupgrade.testkit.OsUpgradeAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import dev.osupgrade.rollout.Rollout;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class DemoTest {

  @Test
  void demo_defaultSeed_goodImageCompletesAndFaultyImageIsStoppedAndRolledBack(@TempDir Path pages)
      throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    Rollout[] rollouts = Demo.run(42, new PrintStream(bytes, true, StandardCharsets.UTF_8), pages);
    String out = bytes.toString(StandardCharsets.UTF_8);

    assertThat(rollouts[0]).isCompleted().hadBatches(6);
    assertThat(rollouts[1]).faultedWith("MaxUnhealthyUpgradedInstancePercentExceededInRollingUpgrade").hadBatches(1);
    assertThat(out).contains("Rollout plan for shop-prod/web", "COMPLETED", "FAULTED", "rolled back to",
        "model image is back on 22.04.202410010; instances on the bad image: 0");
    assertThat(out).contains("maxBatchInstancePercent 10", "batch 1 of 15");
    Path bad = pages.resolve("timeline-bad.html").toAbsolutePath();
    assertThat(out).contains(pages.resolve("timeline-good.html").toAbsolutePath() + "\n", bad + "\n");
    assertThat(Files.readString(bad)).contains("<p class=\"stop-reason\"><b>Stopped: "
        + "MaxUnhealthyUpgradedInstancePercentExceededInRollingUpgrade", "<div class=\"what-if\"");
  }

  @Test
  void demo_sameSeed_sameOutput(@TempDir Path pages) {
    ByteArrayOutputStream a = new ByteArrayOutputStream();
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    Demo.run(42, new PrintStream(a, true, StandardCharsets.UTF_8), pages);
    Demo.run(42, new PrintStream(b, true, StandardCharsets.UTF_8), pages);

    assertThat(a.toString(StandardCharsets.UTF_8)).isEqualTo(b.toString(StandardCharsets.UTF_8));
  }
}
