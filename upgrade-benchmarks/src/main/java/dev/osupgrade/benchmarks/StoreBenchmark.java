package dev.osupgrade.benchmarks;

import dev.osupgrade.port.RolloutStore;
import dev.osupgrade.rollout.Rollout;
import dev.osupgrade.testkit.SimulatedFleet;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/** The rollout store: one save of a 1,000-instance checkpoint under a lease (the file store fsyncs). */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class StoreBenchmark {
  /** Which store: {@code file} ({@link RolloutStore#file}) or {@code memory} ({@link RolloutStore#inMemory}). */
  @Param({"file", "memory"})
  public String store;

  private Path directory;
  private RolloutStore rolloutStore;
  private dev.osupgrade.port.Lease lease;
  private String checkpoint;
  private Instant now;
  private long version;

  /** Opens the store, takes the lease and encodes the checkpoint. */
  @Setup
  public void setUp() throws IOException {
    SimulatedFleet fleet = Fixtures.fleet(1, 1000);
    Rollout inFlight = Fixtures.rollout(fleet, Fixtures.web(fleet));
    inFlight.advance().ifPresent(fleet.clock()::advanceTo);
    inFlight.advance();
    checkpoint = inFlight.state().encode();
    now = fleet.clock().instant();
    directory = Files.createTempDirectory("osupgrade-jmh");
    rolloutStore = store.equals("file") ? RolloutStore.file(directory) : RolloutStore.inMemory();
    lease = rolloutStore.tryAcquire(Fixtures.web(fleet), "jmh", now, Duration.ofDays(1)).orElseThrow();
    version = 0;
  }

  /** Removes the file store's directory. */
  @TearDown
  public void tearDown() throws IOException {
    try (Stream<Path> files = Files.walk(directory)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  /** @return the version saved */
  @Benchmark
  public long save() {
    version = rolloutStore.save(lease, version, checkpoint, now).version();
    return version;
  }
}
