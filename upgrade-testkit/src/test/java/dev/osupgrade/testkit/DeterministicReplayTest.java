package dev.osupgrade.testkit;

import static dev.osupgrade.testkit.Images.V1;
import static dev.osupgrade.testkit.Images.V2;
import static dev.osupgrade.testkit.Images.ubuntu;
import static org.assertj.core.api.Assertions.assertThat;

import dev.osupgrade.fleet.HealthState;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.rollout.Rollout;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

final class DeterministicReplayTest {

  /** One scripted run: a zonal fleet, one instance unhealthy, a slow image, a maintenance blip. */
  private static List<String> run(long seed) {
    SimulatedFleet fleet = SimulatedFleet.create(seed);
    ScaleSetId id = fleet.add(ScaleSetSpec.named("web").instances(24).zones(3).image(ubuntu(V1)));
    fleet.publish(ubuntu(V2));
    fleet.setHealth(id, HealthState.UNHEALTHY, "5");
    fleet.imageBehavior(V2, ImageBehavior.slowInitializing(Duration.ofMinutes(3)));
    fleet.clock().schedule(Duration.ofMinutes(20), () -> fleet.setHealth(id, HealthState.UNKNOWN, "17"));
    Rollout r = fleet.run(Rollout.builder(fleet, id).target(V2).clock(fleet.clock()).build());
    List<String> lines = new java.util.ArrayList<>(r.events().stream().map(Object::toString).toList());
    lines.addAll(fleet.log());
    FleetRecord record = fleet.record(id);
    record.calls().forEach(c -> lines.add(c.toString()));
    record.instances().forEach(i -> record.history(i).forEach(e -> lines.add(i + " " + e)));
    return lines;
  }

  @Test
  void run_sameSeed_identicalEventAndFleetLogs() {
    List<String> first = run(1234);
    List<String> second = run(1234);

    assertThat(second).isEqualTo(first);
    assertThat(first).hasSizeGreaterThan(50);
  }

  @Test
  void run_differentSeeds_differentTimings() {
    assertThat(run(1)).isNotEqualTo(run(2));
  }

  /** One run with every seeded fault on: random maintenance, extension failures, throttling, server errors. */
  private static List<String> faultyRun(long seed) {
    SimulatedFleet fleet = SimulatedFleet.create(seed);
    ScaleSetId id = fleet.add(ScaleSetSpec.named("web").instances(24).zones(3).image(ubuntu(V1)));
    fleet.publish(ubuntu(V2));
    fleet.faults().randomMaintenance(id, Duration.ofMinutes(10), Duration.ofMinutes(5), 2)
        .extensionFailureRate(0.05).throttleRate("upgradeInstances", 0.3).serverErrorRate("listInstances", 0.1);
    Rollout r = fleet.run(Rollout.builder(fleet, id).target(V2).clock(fleet.clock()).build());
    List<String> lines = new java.util.ArrayList<>(r.events().stream().map(Object::toString).toList());
    lines.addAll(fleet.log());
    FleetRecord record = fleet.record(id);
    record.calls().forEach(c -> lines.add(c.toString()));
    record.instances().forEach(i -> record.history(i).forEach(e -> lines.add(i + " " + e)));
    return lines;
  }

  @Test
  void run_sameSeedWithSeededFaults_identicalEventAndFleetLogs() {
    List<String> first = faultyRun(77);

    assertThat(faultyRun(77)).isEqualTo(first);
    assertThat(first).anySatisfy(l -> assertThat(l).contains("rejected with 429"));
    assertThat(faultyRun(78)).isNotEqualTo(first);
  }
}
