package dev.osupgrade.examples.service;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osupgrade.Require;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.ops.RolloutStatus;
import dev.osupgrade.port.Checkpoint;
import dev.osupgrade.port.Lease;
import dev.osupgrade.port.RolloutStore;
import dev.osupgrade.rollout.RolloutState;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The platform service as a process of its own, stopped with SIGTERM mid-rollout ({@link Process#destroy()}): it must
 * exit through its shutdown hook having finished the step in flight, saved its checkpoints and released its leases,
 * which the test reads back from the file store the process used.
 */
final class PlatformServiceSigtermTest {
  private static final Duration PATIENCE = Duration.ofSeconds(90);
  /** The JVM's exit status after SIGTERM: 128 + 15. */
  private static final int SIGTERM_EXIT = 143;

  @TempDir Path work;

  @Test
  void sigterm_midRollout_finishesTheStepSavesCheckpointsAndReleasesLeases() throws Exception {
    Path store = work.resolve("store");
    Path config = work.resolve("service.json");
    String bundled = new String(readBundled(), StandardCharsets.UTF_8);
    // fleet time at 600 times real time (a batch of the canary takes about half a second), the store in the test's
    // directory
    Files.writeString(config, bundled.replace("\"speed\": 0", "\"speed\": 600")
        .replace("\"directory\": null", "\"directory\": \"" + store.toString().replace("\\", "\\\\") + "\""));

    String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder builder = new ProcessBuilder(java, "-cp", classPath, PlatformService.class.getName(),
        config.toString()).redirectErrorStream(true).redirectOutput(work.resolve("service.log").toFile());
    builder.environment().remove(PlatformService.SUBSCRIPTION_VARIABLE);
    builder.environment().remove(PlatformService.STORAGE_VARIABLE);
    builder.environment().put("HOSTNAME", "sigterm-test");
    Path log = work.resolve("service.log");
    Process service = builder.start();
    service.getOutputStream().close();
    try {
      // mid-rollout: the canary's second batch has started (the first completed, four more to go, rings to follow)
      assertThat(awaitLine(log, service, "web-canary batch 2/5 started")).as(read(log)).isTrue();
      service.destroy(); // SIGTERM

      assertThat(service.waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS)).as(read(log)).isTrue();
    } finally {
      if (service.isAlive()) {
        service.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      }
    }
    String out = read(log);
    assertThat(service.exitValue()).as(out).isEqualTo(SIGTERM_EXIT);
    assertThat(out).contains("[service] stopping at", "runner shutting down",
        "[service] stopped cleanly at", "every lease released", "rings -> 22.04.202410010 RELEASED");
    assertThat(out).doesNotContain("[service] done", "Exception");

    // The store, as another replica would find it.
    RolloutStore files = RolloutStore.file(store);
    ScaleSetId canary = ScaleSetId.of(ScaleSetId.LOCAL_SUBSCRIPTION, "shop-prod", "web-canary");
    Checkpoint checkpoint = files.load(canary).orElseThrow();
    assertThat(checkpoint.owner()).startsWith("sigterm-test-");
    RolloutState state = RolloutState.decode(checkpoint.data());
    assertThat(state.status()).as("stopped mid-rollout, not ended").isEqualTo(RolloutStatus.ROLLING_FORWARD);
    assertThat(state.progress().successful()).as(state.progress().toString()).isBetween(1, 4);
    // released, not merely expired: a held lease would still be valid at the earliest time there is
    Optional<Lease> takeover = files.tryAcquire(canary, "next-replica", Require.EARLIEST, Duration.ofMinutes(1));
    assertThat(takeover).as("the canary's lease was released").isPresent();
    assertThat(takeover.orElseThrow().token()).as("the fencing token only grows").isGreaterThan(1);
    // the later rings never started
    for (String name : List.of("web-weu", "web-neu", "api-weu", "api-eus")) {
      assertThat(files.load(ScaleSetId.of(ScaleSetId.LOCAL_SUBSCRIPTION, "shop-prod", name))).as(name).isEmpty();
    }
  }

  private static byte[] readBundled() throws IOException {
    try (InputStream in = PlatformService.class.getResourceAsStream(PlatformService.BUNDLED_CONFIG)) {
      return java.util.Objects.requireNonNull(in, "bundled config").readAllBytes();
    }
  }

  private static String read(Path log) throws IOException {
    return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
  }

  /** Waits until the service's log has a line containing {@code text}; false if it ended or the patience ran out. */
  private static boolean awaitLine(Path log, Process service, String text) throws Exception {
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    while (System.nanoTime() < deadline) {
      if (read(log).contains(text)) {
        return true;
      }
      if (!service.isAlive()) {
        return read(log).contains(text);
      }
      TimeUnit.MILLISECONDS.sleep(5);
    }
    return false;
  }
}
