package dev.osupgrade.examples;

import static dev.osupgrade.testkit.OsUpgradeAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import dev.osupgrade.event.RolloutCompleted;
import dev.osupgrade.ops.FleetVerification;
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
  void demo_flexibleScaleSet_batchesFollowFaultDomainsAndTheLockedVmIsLeftAlone(@TempDir Path pages) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    Rollout[] rollouts = Demo.run(42, new PrintStream(bytes, true, StandardCharsets.UTF_8), pages);
    String out = bytes.toString(StandardCharsets.UTF_8);

    // 12 VMs over 3 fault domains, batches of 2: FD 0 in 2, FD 1 (one VM locked) in 2, FD 2 in 2
    assertThat(rollouts[2]).isCompleted().hadBatches(6).hasProgress(11, 0, 0, 0);
    RolloutCompleted done = rollouts[2].events().stream().filter(RolloutCompleted.class::isInstance)
        .map(RolloutCompleted.class::cast).findFirst().orElseThrow();
    assertThat(done.verification().onTargetAndHealthy()).isEqualTo(11);
    assertThat(done.verification().explained()).singleElement().satisfies(e -> {
      assertThat(e.reason()).isEqualTo(FleetVerification.Reason.PROTECTED);
      assertThat(e.detail()).contains("ReadOnly resource lock", "22.04.202409010");
    });
    assertThat(out).contains("Flexible, 12 instances", "FDs", "skipped: 1 locked [api_", "lock ReadOnly",
        "/resourceGroups/shop-prod/providers/Microsoft.Compute/virtualMachines/api_", "(locked) still runs "
            + "22.04.202409010");
  }

  void demo_sameSeed_sameOutput(@TempDir Path pages) {
    ByteArrayOutputStream a = new ByteArrayOutputStream();
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    Demo.run(42, new PrintStream(a, true, StandardCharsets.UTF_8), pages);
    Demo.run(42, new PrintStream(b, true, StandardCharsets.UTF_8), pages);

    assertThat(a.toString(StandardCharsets.UTF_8)).isEqualTo(b.toString(StandardCharsets.UTF_8));
  }
}
