package dev.osupgrade.benchmarks;

import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.ops.RolloutStatus;
import dev.osupgrade.rollout.Rollout;
import dev.osupgrade.testkit.ScaleSetSpec;
import dev.osupgrade.testkit.SimulatedFleet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.PriorityQueue;
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
 * Whole-fleet simulation: {@code scaleSets} scale sets of {@code instances} rolled out at once on one simulated fleet,
 * the rollouts advanced in time order on one thread until all have finished (one shot per fleet; the fleet is built
 * outside the measurement). {@code -p scaleSets=100} is the 100 x 1,000.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgs = {"-Xmx1g"})
public class FleetBenchmark {
  /** Scale sets rolled out at once. */
  @Param({"10"})
  public int scaleSets;
  /** Instances in each scale set. */
  @Param({"1000"})
  public int instances;

  private SimulatedFleet fleet;
  private List<Rollout> rollouts;

  private record Due(Instant at, int index) {}

  /** Builds the fleet and its rollouts (not measured). */
  @Setup(Level.Invocation)
  public void setUp() {
    fleet = SimulatedFleet.create(7).retention(Fixtures.RETENTION);
    fleet.publish(Fixtures.IMAGE.withVersion(Fixtures.TARGET));
    rollouts = new ArrayList<>();
    for (int i = 0; i < scaleSets; i++) {
      ScaleSetId id = fleet.add(ScaleSetSpec.named("web" + i).instances(instances).image(Fixtures.IMAGE));
      rollouts.add(Fixtures.rollout(fleet, id));
    }
  }

  /** @return how many rollouts completed (all of them, or it throws) */
  @Benchmark
  public int rollOutEverything() {
    PriorityQueue<Due> due = new PriorityQueue<>((a, b) -> a.at().equals(b.at())
        ? Integer.compare(a.index(), b.index()) : a.at().compareTo(b.at()));
    for (int i = 0; i < rollouts.size(); i++) {
      due.add(new Due(fleet.clock().instant(), i));
    }
    int completed = 0;
    while (!due.isEmpty()) {
      Due first = due.poll();
      fleet.clock().advanceTo(first.at());
      Rollout r = rollouts.get(first.index());
      Optional<Instant> next = r.advance();
      if (next.isPresent()) {
        due.add(new Due(next.get(), first.index()));
      } else if (r.status() == RolloutStatus.COMPLETED) {
        completed++;
      }
    }
    if (completed != rollouts.size()) {
      throw new IllegalStateException(completed + " of " + rollouts.size() + " rollouts completed");
    }
    return completed;
  }
}
