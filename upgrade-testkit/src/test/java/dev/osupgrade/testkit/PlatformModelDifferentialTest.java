package dev.osupgrade.testkit;

import static dev.osupgrade.testkit.Images.UBUNTU;
import static dev.osupgrade.testkit.Images.V1;
import static dev.osupgrade.testkit.Images.V2;
import static dev.osupgrade.testkit.Images.ubuntu;
import static org.assertj.core.api.Assertions.assertThat;

import dev.osupgrade.fleet.HealthState;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.ops.RollingUpgradeStatus;
import dev.osupgrade.ops.UpgradeProgress;
import dev.osupgrade.policy.RollingUpgradePolicy;
import dev.osupgrade.rollout.Rollout;
import dev.osupgrade.rollout.RolloutOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The library's rollout engine against the simulator's own, independent model of Azure's platform OS rolling upgrade
 * (Azure's documented algorithm, written apart from the engine): the same seeded fleet, policy and image behaviour,
 * once upgraded by an orchestrated rollout (automatic rollback off) and once by the platform (an upgrade a user
 * started: no automatic rollback either), must end the same way — status, stop code, and how many instances
 * succeeded and failed.
 */
final class PlatformModelDifferentialTest {
  private static final int SEEDS = 60;

  record Drawn(long seed, int instances, int zones, RollingUpgradePolicy policy, String behavior, int unhealthyAtStart) {}

  static Drawn draw(long seed) {
    SplittableRandom r = new SplittableRandom(seed * 7919);
    RollingUpgradePolicy policy = RollingUpgradePolicy.builder()
        .maxBatchInstancePercent(r.nextInt(5, 101))
        .maxUnhealthyInstancePercent(r.nextInt(5, 101))
        .maxUnhealthyUpgradedInstancePercent(r.nextInt(0, 101))
        .prioritizeUnhealthyInstances(r.nextBoolean())
        .enableCrossZoneUpgrade(r.nextInt(4) == 0)
        .build();
    String[] behaviors = {"healthy", "unhealthy", "fails-to-boot", "slow-init"};
    int instances = r.nextInt(1, 31);
    return new Drawn(seed, instances, r.nextInt(0, 4), policy, behaviors[r.nextInt(behaviors.length)],
        r.nextInt(4) == 0 ? r.nextInt(0, Math.max(1, instances / 3)) : 0);
  }

  private static ScaleSetId world(SimulatedFleet fleet, Drawn d) {
    ScaleSetId id = fleet.add(ScaleSetSpec.named("web").instances(d.instances()).zones(d.zones()).image(ubuntu(V1))
        .rollingPolicy(d.policy()));
    fleet.publish(ubuntu(V2));
    switch (d.behavior()) {
      case "unhealthy" -> fleet.imageBehavior(V2, ImageBehavior.comesUpUnhealthy());
      case "fails-to-boot" -> fleet.imageBehavior(V2, ImageBehavior.failsToBoot());
      case "slow-init" -> fleet.imageBehavior(V2, ImageBehavior.slowInitializing(Duration.ofMinutes(3)));
      default -> { }
    }
    for (int k = 0; k < d.unhealthyAtStart(); k++) {
      fleet.setHealth(id, HealthState.UNHEALTHY, String.valueOf(d.instances() - 1 - k));
    }
    return id;
  }

  record Outcome(String status, String code, int succeeded, int failed) {}

  @Test
  void engineAndPlatformModel_sameFleetPolicyAndImage_endTheSameWay() {
    List<String> disagreements = new ArrayList<>();
    for (long seed = 1; seed <= SEEDS; seed++) {
      Drawn d = draw(seed);

      SimulatedFleet orchestrated = SimulatedFleet.create(seed);
      ScaleSetId a = world(orchestrated, d);
      Rollout r = orchestrated.run(Rollout.builder(orchestrated, a).target(V2).clock(orchestrated.clock())
          .policy(d.policy()).automaticRollback(RolloutOptions.AutomaticRollback.OFF).build());
      UpgradeProgress p = r.progress();
      Outcome engine = new Outcome(r.status().azureName(), r.error().map(e -> e.code()).orElse("-"),
          p.successful(), p.failed());

      SimulatedFleet platform = SimulatedFleet.create(seed);
      ScaleSetId b = world(platform, d);
      platform.updateModelImage(b, UBUNTU);
      platform.startOsUpgrade(b);
      platform.clock().runUntilIdle();
      RollingUpgradeStatus latest = platform.latestRollingUpgrade(b).orElseThrow();
      Outcome model = new Outcome(latest.status().azureName(),
          latest.errorIfAny().map(e -> e.code()).orElse("-"), latest.progress().successful(),
          latest.progress().failed());

      if (!engine.equals(model)) {
        disagreements.add("seed " + seed + " " + d + "\n  engine   " + engine + "\n  platform " + model);
      }
    }
    System.out.printf("platform model vs engine: %d seeds, %d disagreements%n", SEEDS, disagreements.size());
    assertThat(disagreements).as(String.join("\n", disagreements)).isEmpty();
  }
}
