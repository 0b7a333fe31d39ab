package dev.osupgrade.benchmarks;

import dev.osupgrade.fleet.ScaleSet;
import dev.osupgrade.plan.BatchPlanner;
import dev.osupgrade.plan.RolloutPlan;
import dev.osupgrade.policy.RollingUpgradePolicy;
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

/** The batch planner: one plan of a scale set in 3 zones with the default rolling policy. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class PlannerBenchmark {
  /** Instances in the scale set. */
  @Param({"1000"})
  public int instances;

  private ScaleSet scaleSet;
  private RollingUpgradePolicy policy;

  /** Reads the scale set once. */
  @Setup
  public void setUp() {
    SimulatedFleet fleet = Fixtures.fleet(1, instances);
    scaleSet = fleet.get(Fixtures.web(fleet));
    policy = RollingUpgradePolicy.ofDefaults();
  }

  /** @return the plan */
  @Benchmark
  public RolloutPlan plan() {
    return BatchPlanner.plan(scaleSet, policy, Fixtures.TARGET);
  }
}
