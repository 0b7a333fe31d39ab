package dev.osupgrade.testkit.bench;

import dev.osupgrade.fleet.OrchestrationMode;
import dev.osupgrade.fleet.ScaleSet;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.image.ImageVersion;
import dev.osupgrade.plan.BatchPlanner;
import dev.osupgrade.plan.RolloutPlan;
import dev.osupgrade.policy.RollingUpgradePolicy;
import dev.osupgrade.port.RolloutStore;
import dev.osupgrade.rollout.Rollout;
import dev.osupgrade.rollout.RolloutState;
import dev.osupgrade.testkit.ScaleSetSpec;
import dev.osupgrade.testkit.SimulatedFleet;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.ref.Reference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * Speed and memory benchmarks that print numbers (run with
 * {@code mvn -B -q -pl upgrade-testkit -am -DskipTests -Pbench package exec:java}, see the README; the JMH benchmarks
 * are in {@code upgrade-benchmarks}, with {@code -Pjmh}).
 * They are measurements, not tests: each prints the median of several timed rounds after a warm-up.
 *
 * <ul>
 *   <li>planner: plan a 1,000-instance, 3-zone scale set, and a 1,000-VM Flexible one over 3 fault domains;</li>
 *   <li>checkpoint: encode and decode the state of a 1,000-instance rollout in flight;</li>
 *   <li>rollout: a whole simulated rollout of 100 and 1,000 instances, and of 1,000 Flexible VMs over 3 fault
 *       domains (fleet time vs wall time, port calls);</li>
 *   <li>file store: checkpoint saves per second with fsync;</li>
 *   <li>fleet: 100 scale sets of 1,000 rolled out at once on one simulated fleet, cold (CPU, fleet time vs wall
 *       time);</li>
 *   <li>fleet heap: the live heap of the 100 x 1,000 fleet, finished, with a bounded {@code FleetRetention};</li>
 *   <li>fleet warm: 1, 10 and 100 scale sets of 1,000 rolled out at once, warm: CPU per instance upgrade (this
 *       thread's, and the process's with garbage collection), bytes allocated per instance, fleet time vs wall time
 *       (how the cost grows with the fleet);</li>
 *   <li>heap: the live heap a finished 1,000-instance rollout and its fleet retain.</li>
 * </ul>
 */
public final class Benchmarks {
  private static final ImageReference IMAGE =
      ImageReference.marketplace("Canonical", "0001-com-ubuntu-server-jammy", "22_04-lts-gen2", "22.04.202409010");
  private static final ImageVersion TARGET = ImageVersion.parse("22.04.202410010");

  /**
   * The fleet line's retention: the newest 10,000 log lines and 15 minutes of metric samples (the fleet's record,
   * its ground truth, is kept whole).
   */
  static final dev.osupgrade.testkit.FleetRetention FLEET_RETENTION = dev.osupgrade.testkit.FleetRetention.unbounded()
      .logLines(10_000).metricHistory(java.time.Duration.ofMinutes(15));

  private Benchmarks() {}

  /**
   * Runs every benchmark.
   *
   * @param args ignored
   * @throws IOException if the file-store benchmark cannot use a temporary directory
   */
  public static void main(String[] args) throws IOException {
    run(System.out);
  }

  /**
   * Runs every benchmark and prints the numbers.
   *
   * @param out where to print
   * @throws IOException if the file-store benchmark cannot use a temporary directory
   */
  public static void run(PrintStream out) throws IOException {
    out.println("osupgrade benchmarks (median of rounds after warm-up; " + Runtime.getRuntime().availableProcessors()
        + " cores, " + System.getProperty("java.version") + ")");

    SimulatedFleet big = SimulatedFleet.create(1);
    ScaleSetId bigId = big.add(ScaleSetSpec.named("big").instances(1000).zones(3).image(IMAGE));
    big.publish(IMAGE.withVersion(TARGET)); // a rollout refuses a target the catalog has not published
    ScaleSet snapshot = big.get(bigId);
    RollingUpgradePolicy policy = RollingUpgradePolicy.ofDefaults();
    long planNanos = median(200, () -> {
      long t = System.nanoTime();
      RolloutPlan p = BatchPlanner.plan(snapshot, policy, TARGET);
      long took = System.nanoTime() - t;
      return p.batches().isEmpty() ? -1 : took;
    });
    out.printf(Locale.ROOT, "planner      1,000 instances, 3 zones: %8.3f ms per plan (%d batches)%n",
        planNanos / 1e6, BatchPlanner.plan(snapshot, policy, TARGET).batches().size());
    SimulatedFleet flex = SimulatedFleet.create(1);
    ScaleSet flexible = flex.get(flex.add(ScaleSetSpec.named("flex").orchestration(OrchestrationMode.FLEXIBLE)
        .instances(1000).faultDomains(3).image(IMAGE)));
    long flexNanos = median(200, () -> {
      long t = System.nanoTime();
      RolloutPlan p = BatchPlanner.plan(flexible, policy, TARGET);
      long took = System.nanoTime() - t;
      return p.batches().isEmpty() ? -1 : took;
    });
    out.printf(Locale.ROOT, "planner      1,000 Flexible VMs, 3 FDs: %7.3f ms per plan (%d batches)%n",
        flexNanos / 1e6, BatchPlanner.plan(flexible, policy, TARGET).batches().size());

    Rollout inFlight = Rollout.builder(big, bigId).target(TARGET).clock(big.clock()).build();
    inFlight.advance().ifPresent(big.clock()::advanceTo);
    inFlight.advance();
    RolloutState state = inFlight.state();
    String encoded = state.encode();
    long codecNanos = median(200, () -> {
      long t = System.nanoTime();
      RolloutState back = RolloutState.decode(state.encode());
      long took = System.nanoTime() - t;
      return back.equals(state) ? took : -1;
    });
    out.printf(Locale.ROOT, "checkpoint   1,000-instance state: %8.3f ms encode+decode, %,d bytes%n",
        codecNanos / 1e6, encoded.length());

    for (int run = 0; run < 3; run++) {
      int size = run == 0 ? 100 : 1000;
      boolean flexibleRun = run == 2;
      long[] calls = new long[1];
      long[] fleetMinutes = new long[1];
      long wall = median(5, () -> {
        SimulatedFleet fleet = SimulatedFleet.create(size);
        ScaleSetId id = fleet.add(flexibleRun
            ? ScaleSetSpec.named("web").orchestration(OrchestrationMode.FLEXIBLE).instances(size).faultDomains(3)
                .image(IMAGE)
            : ScaleSetSpec.named("web").instances(size).zones(3).image(IMAGE));
        fleet.publish(IMAGE.withVersion(TARGET));
        long t = System.nanoTime();
        Rollout r = fleet.run(Rollout.builder(fleet, id).target(TARGET).clock(fleet.clock()).build());
        long took = System.nanoTime() - t;
        calls[0] = fleet.callCounts().values().stream().mapToLong(Integer::longValue).sum();
        fleetMinutes[0] = java.time.Duration.between(r.events().get(0).at(),
            r.events().get(r.events().size() - 1).at()).toMinutes();
        return r.status().isTerminal() ? took : -1;
      });
      out.printf(Locale.ROOT, "rollout      %,5d %s: %8.1f ms wall for %,d min of fleet time, %,d port calls%n",
          size, flexibleRun ? "Flexible VMs" : "instances", wall / 1e6, fleetMinutes[0], calls[0]);
    }

    fleetOfFleets(out);

    Path dir = Files.createTempDirectory("osupgrade-bench");
    RolloutStore store = RolloutStore.file(dir);
    var lease = store.tryAcquire(bigId, "bench", big.clock().instant(), java.time.Duration.ofDays(1)).orElseThrow();
    long[] version = {0};
    long saveNanos = median(50, () -> {
      long t = System.nanoTime();
      version[0] = store.save(lease, version[0], encoded, big.clock().instant()).version();
      return System.nanoTime() - t;
    });
    out.printf(Locale.ROOT, "file store   save of a 1,000-instance checkpoint: %6.2f ms (%,.0f saves/s, fsync)%n",
        saveNanos / 1e6, 1e9 / saveNanos);

    heapOfOneRollout(out);
  }

  /**
   * The heap a finished 1,000-instance rollout and its fleet retain, measured in a frame of its own so that nothing
   * but them changes between the two measurements.
   */
  private static void heapOfOneRollout(PrintStream out) {
    long baseline = liveHeap();
    SimulatedFleet fleet = SimulatedFleet.create(7);
    ScaleSetId id = fleet.add(ScaleSetSpec.named("web").instances(1000).zones(3).image(IMAGE));
    fleet.publish(IMAGE.withVersion(TARGET));
    Rollout r = fleet.run(Rollout.builder(fleet, id).target(TARGET).clock(fleet.clock()).build());
    long retained = liveHeap() - baseline;
    out.printf(Locale.ROOT, "heap         1,000-instance fleet + finished rollout (%,d events) retained: %,d KiB"
        + " (%,d fleet log lines)%n", r.events().size(), retained / 1024, fleet.log().size());
    Reference.reachabilityFence(r);
    Reference.reachabilityFence(fleet);
  }

  /**
   * The live heap: the bytes still used after full collections, repeated until a collection frees no more (a
   * single {@code System.gc()} may leave garbage that finalization or reference processing frees only on the next).
   * Whatever the caller measures must stay reachable across the call ({@link Reference#reachabilityFence}), or the
   * JIT may let it go before the collection and the measurement reads about nothing.
   */
  static long liveHeap() {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 10; i++) {
      System.gc();
      long now = memory.getHeapMemoryUsage().getUsed();
      if (now >= used - 64 * 1024) {
        return Math.min(now, used);
      }
      used = now;
    }
    return used;
  }

  /**
   * 100 scale sets of 1,000 instances rolled out at once on one simulated fleet, the rollouts advanced in time order
   * on one thread: one cold round (its CPU time includes the interpreter's and the JIT's warm-up) whose fleet's heap
   * is measured, then the cost's growth with the fleet's size, warm: 1, 10 and 100 scale sets of 1,000 (Azure's
   * largest scale set) rolled out at once.
   */
  private static void fleetOfFleets(PrintStream out) {
    long baseline = liveHeap();
    FleetRun cold = FleetRun.of(100, 1000);
    out.printf(Locale.ROOT, "fleet        100 x 1,000 instances at once: %5.2f s CPU cold (%.0f us per instance upgrade;"
        + " process %.2f s with GC and JIT), %,d of 100 completed, %,d min of fleet time, %,.0f x wall%n",
        cold.cpuSeconds(), cold.cpuMicrosPerInstance(), cold.processCpuSeconds(), cold.completed(),
        cold.fleetSeconds() / 60, cold.fleetSeconds() / cold.wallSeconds());
    long live = liveHeap();
    out.printf(Locale.ROOT, "fleet heap   100 x 1,000 instances, finished: %,.1f MB live heap, %,.1f MB retained by the"
        + " fleet and its 100 rollouts (%,d fleet log lines kept, %,d dropped; metrics kept %s)%n", live / 1e6,
        (live - baseline) / 1e6, cold.fleet().log().size(), cold.fleet().logLinesDropped(),
        FLEET_RETENTION.metricHistory());
    Reference.reachabilityFence(cold);
    FleetRun.of(10, 1000); // warm-up of the sizes below (the cold round warmed the large one)
    for (int scaleSets : new int[] {1, 10, 100}) {
      // about 2 s of CPU per size: the process's CPU time is counted in 10 ms steps
      int rounds = scaleSets == 100 ? 1 : scaleSets == 10 ? 5 : 40;
      double cpu = 0;
      double processCpu = 0;
      double allocated = 0;
      double wall = 0;
      double fleetSeconds = 0;
      for (int r = 0; r < rounds; r++) {
        FleetRun run = FleetRun.of(scaleSets, 1000);
        cpu += run.cpuSeconds();
        processCpu += run.processCpuSeconds();
        allocated += run.allocatedBytes();
        wall += run.wallSeconds();
        fleetSeconds += run.fleetSeconds();
      }
      double upgrades = rounds * scaleSets * 1000.0;
      out.printf(Locale.ROOT, "fleet warm   %,7d instances (%3d x 1,000): %6.3f s CPU, %4.1f us per instance upgrade"
          + " (process %4.1f us with GC and JIT), %4.1f KB allocated per instance, %,.0f x wall (%d rounds)%n",
          scaleSets * 1000, scaleSets, cpu / rounds, cpu * 1e6 / upgrades, processCpu * 1e6 / upgrades,
          allocated / 1e3 / upgrades, fleetSeconds / wall, rounds);
    }
  }

  /**
   * One whole-fleet round: {@code scaleSets} scale sets of {@code instances} rolled out at once (the fleet built
   * outside the measurement), advanced in time order on this thread until all have finished.
   *
   * @param fleet the fleet, finished
   * @param rollouts its rollouts, finished
   * @param cpuSeconds this thread's CPU time
   * @param processCpuSeconds the process's CPU time (garbage collection and the JIT included; other threads too)
   * @param allocatedBytes bytes this thread allocated
   * @param wallSeconds wall time
   * @param fleetSeconds fleet time from the first advance to the last
   * @param completed rollouts that completed
   * @param instances instances rolled out
   */
  private record FleetRun(SimulatedFleet fleet, java.util.List<Rollout> rollouts, double cpuSeconds, double processCpuSeconds, long allocatedBytes,
      double wallSeconds, long fleetSeconds, int completed, int instances) {

    double cpuMicrosPerInstance() {
      return cpuSeconds * 1e6 / instances;
    }

    static FleetRun of(int scaleSets, int instances) {
      SimulatedFleet fleet = SimulatedFleet.create(7).retention(FLEET_RETENTION);
      fleet.publish(IMAGE.withVersion(TARGET));
      java.util.List<Rollout> rollouts = new java.util.ArrayList<>();
      for (int i = 0; i < scaleSets; i++) {
        ScaleSetId id = fleet.add(ScaleSetSpec.named("web" + i).instances(instances).image(IMAGE));
        rollouts.add(Rollout.builder(fleet, id).target(TARGET).clock(fleet.clock()).build());
      }
      com.sun.management.ThreadMXBean threads =
          (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
      com.sun.management.OperatingSystemMXBean os =
          (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
      long processCpu = os.getProcessCpuTime();
      long cpu = threads.getCurrentThreadCpuTime();
      long allocated = threads.getCurrentThreadAllocatedBytes();
      long wall = System.nanoTime();
      java.time.Instant start = fleet.clock().instant();
      // the next advance of each rollout, earliest first (ties in the order the rollouts were made)
      java.util.PriorityQueue<long[]> due = new java.util.PriorityQueue<>((a, b) -> a[0] != b[0]
          ? Long.compare(a[0], b[0]) : a[1] != b[1] ? Long.compare(a[1], b[1]) : Long.compare(a[2], b[2]));
      for (int i = 0; i < rollouts.size(); i++) {
        due.add(new long[] {start.getEpochSecond(), start.getNano(), i});
      }
      int completed = 0;
      while (!due.isEmpty()) {
        long[] first = due.poll();
        fleet.clock().advanceTo(java.time.Instant.ofEpochSecond(first[0], first[1]));
        Rollout r = rollouts.get((int) first[2]);
        java.util.Optional<java.time.Instant> next = r.advance();
        if (next.isPresent()) {
          due.add(new long[] {next.get().getEpochSecond(), next.get().getNano(), first[2]});
        } else {
          completed += r.status() == dev.osupgrade.ops.RolloutStatus.COMPLETED ? 1 : 0;
        }
      }
      double wallSeconds = (System.nanoTime() - wall) / 1e9;
      return new FleetRun(fleet, rollouts, (threads.getCurrentThreadCpuTime() - cpu) / 1e9,
          (os.getProcessCpuTime() - processCpu) / 1e9, threads.getCurrentThreadAllocatedBytes() - allocated,
          wallSeconds, java.time.Duration.between(start, fleet.clock().instant()).toSeconds(), completed,
          scaleSets * instances);
    }
  }

  private static long median(int rounds, LongSupplier round) {
    for (int i = 0; i < Math.max(3, rounds / 5); i++) {
      round.getAsLong();
    }
    long[] samples = new long[rounds];
    for (int i = 0; i < rounds; i++) {
      samples[i] = round.getAsLong();
      if (samples[i] < 0) {
        throw new IllegalStateException("benchmark round produced a wrong result");
      }
    }
    java.util.Arrays.sort(samples);
    return samples[rounds / 2];
  }
}
