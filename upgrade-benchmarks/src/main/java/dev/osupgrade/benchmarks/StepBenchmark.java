package dev.osupgrade.benchmarks;

import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.image.ImageVersion;
import dev.osupgrade.rollout.Rollout;
import dev.osupgrade.testkit.SimulatedFleet;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The engine's step: one {@link Rollout#advance()} on the simulator, the clock moved to the time it asks for. When a
 * rollout finishes, the next release is published and a rollout to it starts (inside the measured step, once every
 * few dozen steps), so every step is a step of a real rollout: looks, batch requests, health waits and the end.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class StepBenchmark {
  /** Instances in the scale set. */
  @Param({"100", "1000"})
  public int instances;

  private SimulatedFleet fleet;
  private ScaleSetId id;
  private Rollout rollout;
  private int release;
  /** Rollouts finished in this iteration (each must complete). */
  public int completed;

  /** A fresh fleet for every iteration, so that the fleet's record does not grow across the measurement. */
  @Setup(Level.Iteration)
  public void setUp() {
    fleet = Fixtures.fleet(7, instances);
    id = Fixtures.web(fleet);
    rollout = Fixtures.rollout(fleet, id);
    release = 0;
    completed = 0;
  }

  /** @return the time the rollout asked to be advanced at next, if any */
  @Benchmark
  public Optional<Instant> step() {
    Optional<Instant> next = rollout.advance();
    if (next.isPresent()) {
      fleet.clock().advanceTo(next.get());
      return next;
    }
    if (rollout.status() != dev.osupgrade.ops.RolloutStatus.COMPLETED) {
      throw new IllegalStateException("the benchmark's rollout did not complete: " + rollout.status());
    }
    completed++;
    ImageVersion version = ImageVersion.parse("22.04." + (202410011 + ++release));
    fleet.publish(Fixtures.IMAGE.withVersion(version));
    rollout = Rollout.builder(fleet, id).target(version).clock(fleet.clock()).build();
    return next;
  }
}
