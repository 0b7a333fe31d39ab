package dev.osupgrade.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osupgrade.governance.rings.RingRollout;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class RingsDemoTest {

  @Test
  void ringsDemo_goodImageReachesEveryRing_heavyImageStoppedInCanaryAndQuarantined(@TempDir Path pages)
      throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    RingRollout[] rings = RingsDemo.run(42, new PrintStream(bytes, true, StandardCharsets.UTF_8), pages);

    String out = bytes.toString(StandardCharsets.UTF_8);
    assertThat(rings[0].status()).as(out).isEqualTo(RingRollout.Status.COMPLETED);
    assertThat(rings[1].status()).as(out).isEqualTo(RingRollout.Status.FAULTED);
    assertThat(rings[1].currentRing().name()).isEqualTo("canary");
    assertThat(out).contains("ring promoted", "reached every ring", "PerformanceRegression", "version quarantined",
        "rollback started", "api-eus: model 22.04.202410010, 30 instances on 22.04.202410010, 0 on 22.04.202411010",
        "web-neu (Flexible): model 22.04.202410010, 20 instances on 22.04.202410010, 0 on 22.04.202411010",
        "RolloutRunner TERMINATED", "rings -> 22.04.202410010 ENDED (COMPLETED)",
        "rings -> 22.04.202411010 ENDED (FAULTED)");
    Path bad = pages.resolve("rings-bad.html").toAbsolutePath();
    assertThat(out).contains(pages.resolve("rings-good.html").toAbsolutePath() + "\n", bad + "\n");
    assertThat(Files.readString(bad)).contains("<g class=\"ring\" data-ring=\"canary\">", "PerformanceRegression",
        "ring-version-quarantined");
  }
}
