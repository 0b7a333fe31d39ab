package dev.osupgrade.benchmarks;

import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.image.ImageVersion;
import dev.osupgrade.rollout.Rollout;
import dev.osupgrade.testkit.FleetRetention;
import dev.osupgrade.testkit.ScaleSetSpec;
import dev.osupgrade.testkit.SimulatedFleet;
import java.time.Duration;

/** The images and fleets the benchmarks share. */
final class Fixtures {
  static final ImageReference IMAGE =
      ImageReference.marketplace("Canonical", "0001-com-ubuntu-server-jammy", "22_04-lts-gen2", "22.04.202409010");
  static final ImageVersion TARGET = ImageVersion.parse("22.04.202410010");
  /** Bounded, so that a long measurement does not measure a growing log. */
  static final FleetRetention RETENTION = FleetRetention.unbounded().logLines(10_000)
      .metricHistory(Duration.ofMinutes(15));

  private Fixtures() {}

  /** A fleet with one scale set of {@code instances} in 3 zones on {@link #IMAGE}, the target published. */
  static SimulatedFleet fleet(long seed, int instances) {
    SimulatedFleet fleet = SimulatedFleet.create(seed).retention(RETENTION);
    fleet.add(ScaleSetSpec.named("web").instances(instances).zones(3).image(IMAGE));
    fleet.publish(IMAGE.withVersion(TARGET));
    return fleet;
  }

  static ScaleSetId web(SimulatedFleet fleet) {
    return fleet.scaleSetIds().get(0);
  }

  static Rollout rollout(SimulatedFleet fleet, ScaleSetId id) {
    return Rollout.builder(fleet, id).target(TARGET).clock(fleet.clock()).build();
  }
}
