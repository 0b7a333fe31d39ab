package dev.osupgrade.examples;

import static dev.osupgrade.testkit.OsUpgradeAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.image.ImageVersion;
import dev.osupgrade.rollout.Rollout;
import dev.osupgrade.testkit.ImageBehavior;
import dev.osupgrade.testkit.ScaleSetSpec;
import dev.osupgrade.testkit.SimulatedFleet;
import org.junit.jupiter.api.Test;

/** The README's examples, compiled and run: if this test changes, change the README with it. */
final class ReadmeExampleTest {

  @Test
  void readme_tenLineExample_completesOnTheSimulatedFleet() {
    // --- README: the ten-line example ---
    var image = ImageReference.parse("Canonical:0001-com-ubuntu-server-jammy:22_04-lts-gen2:22.04.202409010");
    var fleet = SimulatedFleet.create(42);                              // seeded, on a virtual clock
    var web = fleet.add(ScaleSetSpec.named("web").instances(30).zones(3).image(image));
    var next = fleet.publish(image.withVersion(ImageVersion.parse("22.04.202410010")));
    var rollout = Rollout.builder(fleet, web)                           // the Azure adapter plugs in here too
        .target(next.version())
        .clock(fleet.clock())
        .listener(System.out::println)                                  // every decision, as a log line
        .build();
    fleet.run(rollout);                                                 // hours of fleet time, in milliseconds
    System.out.println(rollout.progress());                             // 30 succeeded, 0 failed, ...
    // --- end ---

    assertThat(rollout).isCompleted().hadBatches(6);
    assertThat(rollout.progress().successful()).isEqualTo(30);
  }

  @Test
  void readme_testingWithTheSimulator_faultyImageIsStopped() {
    // --- README: testing with the simulator ---
    var v1 = ImageReference.parse("Canonical:0001-com-ubuntu-server-jammy:22_04-lts-gen2:22.04.202409010");
    var fleet = SimulatedFleet.create(7);
    ScaleSetId web = fleet.add(ScaleSetSpec.named("web").instances(10).image(v1));
    var bad = fleet.publish(v1.withVersion(ImageVersion.parse("22.04.202411010"))).version();
    fleet.imageBehavior(bad, ImageBehavior.comesUpUnhealthy());

    var rollout = fleet.run(Rollout.builder(fleet, web).target(bad).clock(fleet.clock()).build());

    assertThat(rollout).faultedWith("MaxUnhealthyUpgradedInstancePercentExceededInRollingUpgrade")
        .hadBatches(1).rolledBack("0", "5");
    // --- end ---
  }
}
