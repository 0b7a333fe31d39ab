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
    SimulatedFleet world = SimulatedFleet.create(seed);
    ScaleSetId web = world.add(ScaleSetSpec.named("web").instances(instances).image(Images.ubuntu(V1)));
    world.publish(dev.osupgrade.image.ImageRelease.marketplace(Images.ubuntu(V2), world.clock().instant().minus(Duration.ofDays(1))));
    List<RolloutEvent> events = new ArrayList<>();
    Rollout rollout = Rollout.builder(world, web).target(V2).clock(world.clock()).listener(events::add).build();
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
    // time only: 19 to 35 and 25 to 32, mean 1.012, worst 1.022. The final read is the model alone (the listing that
    // ended the last batch, at the same instant, stands for the instances): one look fewer than the 20, 22, 19, 20,
    // 22, 24, 22, 19, 24, 21 that a final full read cost.
    assertThat(runs.stream().map(Run::looks)).containsExactly(19, 21, 18, 19, 21, 23, 21, 18, 23, 20);
    assertThat(mean).as("makespan / lower bound, mean over the seeds").isLessThanOrEqualTo(1.015);
    assertThat(worst).as("makespan / lower bound, worst seed (the issue's goal)").isLessThanOrEqualTo(1.02);
  }
}
