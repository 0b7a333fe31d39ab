package dev.osupgrade.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osupgrade.event.BatchStarted;
import dev.osupgrade.event.RolloutCompleted;
import dev.osupgrade.event.RolloutEvent;
import dev.osupgrade.event.RolloutStarted;
import dev.osupgrade.fleet.HealthState;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.image.ImageVersion;
import dev.osupgrade.ops.RolloutStatus;
import dev.osupgrade.rollout.Rollout;
import dev.osupgrade.rollout.RolloutOptions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Looks by prediction, measured on the simulator's record: how many looks (instance listings and full reads) a
 * default-policy rollout makes, and its makespan against the lower bound — per batch, the slowest instance's upgrade,
 * boot and health settle as the fleet's record has them (request to Healthy on the target), plus pauses.
 */
final class LookEconomyTest {
  private static final ImageVersion V1 = Images.V1;
  private static final ImageVersion V2 = Images.V2;

  /** What one rollout cost and took. */
  record Run(int instances, long seed, int batches, int looks, Duration makespan, Duration lowerBound) {
    double ratio() {
      return (double) makespan.toMillis() / lowerBound.toMillis();
    }
  }

  static Run run(int instances, long seed) {
    return run(instances, seed, RolloutOptions.DEFAULT_LOOKS_PER_BATCH);
  }

  static Run run(int instances, long seed, int looksPerBatch) {
    SimulatedFleet world = SimulatedFleet.create(seed);
    ScaleSetId web = world.add(ScaleSetSpec.named("web").instances(instances).image(Images.ubuntu(V1)));
    world.publish(dev.osupgrade.image.ImageRelease.marketplace(Images.ubuntu(V2), world.clock().instant().minus(Duration.ofDays(1))));
    List<RolloutEvent> events = new ArrayList<>();
    Rollout rollout = Rollout.builder(world, web).target(V2).clock(world.clock()).looksPerBatch(looksPerBatch)
        .listener(events::add).build();
    for (Optional<Instant> next = rollout.advance(); next.isPresent(); next = rollout.advance()) {
      world.clock().advanceTo(next.get());
    }
    assertThat(rollout.status()).isEqualTo(RolloutStatus.COMPLETED);
    assertThat(world.peek(web).instances()).extracting(Instance::imageVersion).containsOnly(V2);

    FleetRecord record = world.record(web);
    Duration bound = Duration.ZERO;
    List<BatchStarted> batches = events.stream().filter(BatchStarted.class::isInstance).map(BatchStarted.class::cast)
        .toList();
    for (BatchStarted b : batches) {
      Duration slowest = Duration.ZERO;
      for (String id : b.instanceIds()) {
        Instant started = null;
        Instant healthy = null;
        for (InstanceChange c : record.history(id)) {
          if (c.kind() == InstanceChange.Kind.UPGRADE_STARTED) {
            started = c.at();
          } else if (started != null && healthy == null && c.health() == HealthState.HEALTHY
              && c.image().version().orElseThrow().equals(V2)) {
            healthy = c.at();
          }
        }
        assertThat(started).as("instance %s upgraded", id).isNotNull();
        assertThat(healthy).as("instance %s healthy on the target", id).isNotNull();
        Duration took = Duration.between(started, healthy);
        slowest = took.compareTo(slowest) > 0 ? took : slowest;
      }
      bound = bound.plus(slowest);
    }
    Instant start = events.stream().filter(RolloutStarted.class::isInstance).findFirst().orElseThrow().at();
    Instant end = events.stream().filter(RolloutCompleted.class::isInstance).findFirst().orElseThrow().at();
    int looks = world.calls(PortOperation.GET) + world.calls(PortOperation.LIST_INSTANCES);
    return new Run(instances, seed, batches.size(), looks, Duration.between(start, end), bound);
  }

  private static String summary(Run r) {
    return String.format(Locale.ROOT, "looks by prediction: %d instances, seed %d: %d batches, %d looks, makespan %s"
        + " vs lower bound %s = %.4f", r.instances(), r.seed(), r.batches(), r.looks(), r.makespan(), r.lowerBound(),
        r.ratio());
  }

  @Test
  void defaultRollout_100And1000Instances_looksAndMakespanRatio() {
    List<Run> runs = new ArrayList<>();
    for (int instances : new int[] {100, 1000}) {
      for (long seed = 1; seed <= 5; seed++) {
        Run r = run(instances, seed);
        System.out.println(summary(r));
        runs.add(r);
      }
    }
    double worst = runs.stream().mapToDouble(Run::ratio).max().orElseThrow();
    double mean = runs.stream().mapToDouble(Run::ratio).average().orElseThrow();
    System.out.printf(Locale.ROOT, "looks by prediction: makespan / lower bound mean %.4f, worst %.4f%n", mean, worst);
    assertThat(runs).allSatisfy(r -> assertThat(r.batches()).isEqualTo(5));
    assertThat(runs).allSatisfy(r -> assertThat(r.makespan()).isGreaterThanOrEqualTo(r.lowerBound()));
    // Same seed, same looks. Before looks by prediction (a look every 30 s): 59 to 63 for 100 instances, 65 to 67
    // for 1,000, and makespan / lower bound 1.024 to 1.061 (mean 1.038). With a tail of 5 s looks after the plausible
    // time only: 19 to 35 and 25 to 32, mean 1.012, worst 1.022. Predicted looks at a 30% chance, tuned on these five
    // seeds: 19, 21, 18, 19, 21 and 23, 21, 18, 23, 20, mean 1.012, worst 1.019. Looks planned over the learned
    // distribution of each batch's end (tuned on seeds 1-50, three looks a batch): the looks below, mean 1.013, worst
    // 1.027 here, and on seeds 100-129 and 200-239 worst 1.020 and 1.032 for 100 instances (1.046 and 1.050 before).
    assertThat(runs.stream().map(Run::looks)).containsExactly(24, 20, 17, 23, 26, 18, 17, 17, 18, 17);
    assertThat(mean).as("makespan / lower bound, mean over the seeds").isLessThanOrEqualTo(1.015);
    assertThat(worst).as("makespan / lower bound, worst seed (the issue's goal is 1.02: see the README)")
        .isLessThanOrEqualTo(1.03);
  }

  /** Looks and makespan ratio of one setting at one size over a range of seeds. */
  record Curve(int looksPerBatch, int instances, long fromSeed, long toSeed, int looks, int fewestLooks,
      int mostLooks, double mean, double worst, int over) {
    static Curve of(int looksPerBatch, int instances, long fromSeed, long toSeed) {
      int looks = 0;
      int fewest = Integer.MAX_VALUE;
      int most = 0;
      double sum = 0;
      double worst = 0;
      int over = 0;
      for (long seed = fromSeed; seed <= toSeed; seed++) {
        Run r = run(instances, seed, looksPerBatch);
        assertThat(r.batches()).isEqualTo(5);
        assertThat(r.makespan()).isGreaterThanOrEqualTo(r.lowerBound());
        looks += r.looks();
        fewest = Math.min(fewest, r.looks());
        most = Math.max(most, r.looks());
        sum += r.ratio();
        worst = Math.max(worst, r.ratio());
        over += r.ratio() > 1.02 ? 1 : 0;
      }
      long n = toSeed - fromSeed + 1;
      return new Curve(looksPerBatch, instances, fromSeed, toSeed, looks, fewest, most, sum / n, worst, over);
    }

    @Override
    public String toString() {
      long n = toSeed - fromSeed + 1;
      return String.format(Locale.ROOT, "looks per batch %2d, %,5d instances, seeds %d-%d: looks %.1f a rollout"
          + " (%d-%d), makespan / lower bound mean %.4f, worst %.4f, %d of %d over 1.02", looksPerBatch, instances,
          fromSeed, toSeed, (double) looks / n, fewestLooks, mostLooks, mean, worst, over, n);
    }
  }

  /**
   * The trade-off {@code looksPerBatch} offers, on seeds the schedule was not tuned on (it was tuned on 1-50): more
   * looks, a makespan closer to the lower bound. Five seeds at 100 and 1,000 instances here; {@code
   * -Dosupgrade.lookCurve=full} prints the whole curve (1, 2, 3, 4, 6 and 8 looks per batch; seeds 100-129 and
   * 200-239; 100, 300 and 1,000 instances), as the README's table has it.
   */
  @Test
  void looksPerBatch_heldOutSeeds_moreLooksTighterMakespan() {
    boolean full = "full".equals(System.getProperty("osupgrade.lookCurve"));
    int[] settings = full ? new int[] {1, 2, 3, 4, 6, 8} : new int[] {1, 3, 6};
    int[] sizes = full ? new int[] {100, 300, 1000} : new int[] {100, 1000};
    long[][] seeds = full ? new long[][] {{100, 129}, {200, 239}} : new long[][] {{100, 104}};
    List<Curve> curves = new ArrayList<>();
    for (int instances : sizes) {
      for (long[] range : seeds) {
        for (int setting : settings) {
          Curve c = Curve.of(setting, instances, range[0], range[1]);
          System.out.println("look trade-off: " + c);
          curves.add(c);
        }
      }
    }
    if (full) {
      return;
    }
    // Same seeds, same looks: 100 instances, then 1,000; 1, 3 and 6 looks per batch, over seeds 100-104.
    assertThat(curves.stream().map(Curve::looks)).containsExactly(67, 106, 142, 78, 96, 129);
    for (int i = 0; i < curves.size(); i += 3) {
      Curve few = curves.get(i);
      Curve usual = curves.get(i + 1);
      Curve many = curves.get(i + 2);
      assertThat(many.looks()).isGreaterThan(usual.looks());
      assertThat(usual.looks()).isGreaterThan(few.looks());
      assertThat(many.mean()).isLessThan(usual.mean());
      assertThat(usual.mean()).isLessThan(few.mean());
      assertThat(many.worst()).as("six looks a batch, worst of five held-out seeds").isLessThanOrEqualTo(1.02);
    }
  }
}
