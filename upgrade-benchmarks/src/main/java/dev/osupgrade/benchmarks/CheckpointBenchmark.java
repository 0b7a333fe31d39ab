package dev.osupgrade.benchmarks;

import dev.osupgrade.rollout.Rollout;
import dev.osupgrade.rollout.RolloutState;
import dev.osupgrade.testkit.SimulatedFleet;
import java.util.concurrent.TimeUnit;
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
import org.openjdk.jmh.annotations.Warmup;

/** A checkpoint: encoding and decoding the state of a rollout in flight (its first batch requested). */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CheckpointBenchmark {
  /** Instances in the scale set. */
  @Param({"1000"})
  public int instances;

  private RolloutState state;
  private String encoded;

  /** Starts the rollout and takes its state. */
  @Setup
  public void setUp() {
    SimulatedFleet fleet = Fixtures.fleet(1, instances);
    Rollout inFlight = Fixtures.rollout(fleet, Fixtures.web(fleet));
    inFlight.advance().ifPresent(fleet.clock()::advanceTo);
    inFlight.advance();
    state = inFlight.state();
    encoded = state.encode();
    if (!RolloutState.decode(encoded).equals(state)) {
      throw new IllegalStateException("the checkpoint does not round-trip");
    }
  }

  /** @return the encoded state */
  @Benchmark
  public String encode() {
    return state.encode();
  }

  /** @return the decoded state */
  @Benchmark
  public RolloutState decode() {
    return RolloutState.decode(encoded);
  }
}
