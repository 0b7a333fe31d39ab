package dev.osupgrade.port;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osupgrade.OsUpgradeException;
import dev.osupgrade.fleet.ScaleSetId;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What only the file store does: durability across JVMs and kills, its file format's errors, its file names. What
 * every store does is the testkit's {@code RolloutStoreContract}, which the file store passes in upgrade-testkit.
 */
final class FileRolloutStoreTest {
  static final ScaleSetId WEB = ScaleSetId.of("rg", "web");
  static final Instant T0 = Instant.parse("2026-01-05T00:00:00Z");
  static final Duration TTL = Duration.ofMinutes(5);

  @TempDir Path dir;
  private RolloutStore store;

  private RolloutStore store() {
    if (store == null) {
      store = RolloutStore.file(dir);
    }
    return store;
  }

  @Test
  void file_secondStoreOnSameDirectory_seesCheckpointAndLease() {
    Lease lease = store().tryAcquire(WEB, "a", T0, TTL).orElseThrow();
    store().save(lease, 0, "persisted", T0);

    RolloutStore reopened = RolloutStore.file(dir);

    assertThat(reopened.load(WEB).orElseThrow().data()).isEqualTo("persisted");
    assertThat(reopened.tryAcquire(WEB, "b", T0.plusSeconds(1), TTL)).isEmpty();
    assertThat(reopened.tryAcquire(WEB, "a", T0.plusSeconds(1), TTL)).isPresent();
  }

  @Test
  void file_corruptFile_clearErrorNotACrash() throws IOException {
    store().tryAcquire(WEB, "a", T0, TTL).orElseThrow();
    Path file;
    try (var files = Files.list(dir)) {
      file = files.filter(p -> p.toString().endsWith(".checkpoint")).findFirst().orElseThrow();
    }
    Files.writeString(file, "garbage", StandardCharsets.UTF_8);

    assertThatThrownBy(() -> store().load(WEB)).isInstanceOf(OsUpgradeException.class)
        .hasMessageContaining("not an osupgrade checkpoint file")
        .extracting(e -> ((OsUpgradeException) e).code()).isEqualTo("CheckpointCorrupt");
  }

  @Test
  void file_writerKilledWithSigkillMidStream_leavesAReadableCheckpoint() throws Exception {
    // Another JVM saves checkpoints as fast as it can; it is killed (SIGKILL) in the middle of that.
    String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process writer = new ProcessBuilder(java, "-cp", classPath, StoreWriterMain.class.getName(), dir.toString())
        .redirectErrorStream(true).start();
    Path ready = dir.resolve("writer-ready");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!Files.exists(ready) && System.nanoTime() < deadline && writer.isAlive()) {
      Thread.onSpinWait();
    }
    assertThat(Files.exists(ready)).as("the writer started saving").isTrue();
    writer.destroyForcibly().waitFor(30, TimeUnit.SECONDS);

    Checkpoint survived = RolloutStore.file(dir).load(WEB).orElseThrow();

    assertThat(survived.data()).startsWith("state ").endsWith(" end");
    long written = Long.parseLong(survived.data().split(" ")[1]);
    assertThat(survived.version()).isEqualTo(written);
    List<String> leftovers;
    try (var files = Files.list(dir)) {
      leftovers = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".tmp")).toList();
    }
    // A temporary file may be left by the kill; it is never mistaken for the checkpoint.
    assertThat(leftovers.size()).isLessThanOrEqualTo(1);
  }

  /** The writer process of the kill test: saves forever, each checkpoint a recognisable, self-checking text. */
  static final class StoreWriterMain {
    private StoreWriterMain() {}

    public static void main(String[] args) throws IOException {
      Path dir = Path.of(args[0]);
      RolloutStore store = RolloutStore.file(dir);
      Lease lease = store.tryAcquire(WEB, "writer", T0, Duration.ofDays(1)).orElseThrow();
      String padding = "x".repeat(64 * 1024);
      long version = 0;
      while (true) {
        long next = version + 1;
        version = store.save(lease, version, "state " + next + " " + padding + " end", T0).version();
        if (version == 3) {
          Files.createFile(dir.resolve("writer-ready"));
        }
      }
    }
  }
}
