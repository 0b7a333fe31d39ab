package dev.osupgrade.testkit.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Keeps the benchmark main working; its numbers are printed, never asserted. */
final class BenchmarksTest {

  @Test
  void run_printsALineForEveryBenchmark() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    Benchmarks.run(new PrintStream(bytes, true, StandardCharsets.UTF_8));

    assertThat(bytes.toString(StandardCharsets.UTF_8)).contains("planner", "checkpoint", "rollout        100",
        "rollout      1,000 instances", "1,000 Flexible VMs, 3 FDs", "rollout      1,000 Flexible VMs",
        "fleet        100 x 1,000", "100 of 100 completed", "fleet heap   100 x 1,000", "MB live heap",
        "fleet warm     1,000 instances", "fleet warm    10,000 instances", "fleet warm   100,000 instances",
        "file store", "heap         1,000-instance");
  }
}
