package dev.osupgrade.azure.faults;

import dev.osupgrade.fleet.OrchestrationMode;
import dev.osupgrade.fleet.ResourceLock;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.image.ImageRelease;
import dev.osupgrade.image.ImageVersion;
import dev.osupgrade.policy.RollingUpgradePolicy;
import dev.osupgrade.rollout.Rollout;
import dev.osupgrade.testkit.ScaleSetSpec;
import dev.osupgrade.testkit.SimulatedFleet;
import java.time.Duration;

/**
 * A rollout the fault tests drive, and the world it runs on: ten instances of {@code web}, from V1 to V2; for the
 * Flexible scenarios ten VMs of a Flexible {@code web} over 3 fault domains, the fourth under a {@code ReadOnly} lock.
 */
enum Scenario {
  /**
   * The scenario: instance 7's new image comes up unhealthy, automatic rollback is on (the default). Fault-free,
   * it ends Completed with 9 succeeded and 1 failed: 7 rolled back to V1, the model on V2. It uses the rollback
   * sequence of the adapter (GET, PATCH the model back, manualupgrade and its polls, PATCH the model forward).
   */
  ROLLBACK("10 instances, 7 fails health, rollback on") {
    @Override
    void setUp(SimulatedFleet world, ScaleSetId web) {
      world.faults().applicationStartupFailure(web, world.createdInstanceIds(web).get(7));
    }

    @Override
    Rollout.Builder configure(Rollout.Builder b) {
      return b.pollInterval(POLL_INTERVAL);
    }
  },
  /**
   * Max surge: each batch scales out ({@code sku.capacity}), waits for the new instances, deletes the old ones;
   * it uses the capacity calls (usages, SKUs, PATCH capacity, delete).
   */
  SURGE("10 instances, max surge") {
    @Override
    void setUp(SimulatedFleet world, ScaleSetId web) {}

    @Override
    Rollout.Builder configure(Rollout.Builder b) {
      return b.pollInterval(POLL_INTERVAL).policy(RollingUpgradePolicy.builder().maxSurge(true).build());
    }
  },
  /**
   * {@link #ROLLBACK} on a Flexible scale set: the 8th VM fails health and is rolled back, the 4th is under a
   * {@code ReadOnly} resource lock and left alone. It reads the VMs with the VM API and the locks of the resource
   * group, and names the VMs in {@code manualupgrade}.
   */
  FLEXIBLE_ROLLBACK("10 Flexible VMs over 3 fault domains, the 8th fails health, the 4th locked ReadOnly") {
    @Override
    void setUp(SimulatedFleet world, ScaleSetId web) {
      ROLLBACK.setUp(world, web);
      world.lock(web, ResourceLock.READ_ONLY, world.createdInstanceIds(web).get(3));
    }

    @Override
    Rollout.Builder configure(Rollout.Builder b) {
      return ROLLBACK.configure(b);
    }

    @Override
    OrchestrationMode mode() {
      return OrchestrationMode.FLEXIBLE;
    }
  },
  /** {@link #SURGE} on a Flexible scale set: the delete names VMs. */
  FLEXIBLE_SURGE("10 Flexible VMs over 3 fault domains, max surge") {
    @Override
    void setUp(SimulatedFleet world, ScaleSetId web) {}

    @Override
    Rollout.Builder configure(Rollout.Builder b) {
      return SURGE.configure(b);
    }

    @Override
    OrchestrationMode mode() {
      return OrchestrationMode.FLEXIBLE;
    }

    @Override
    boolean surge() {
      return true;
    }
  };

  static final ImageReference UBUNTU =
      ImageReference.marketplace("Canonical", "0001-com-ubuntu-server-jammy", "22_04-lts-gen2", "latest");
  static final ImageVersion V1 = ImageVersion.parse("22.04.202407010");
  static final ImageVersion V2 = ImageVersion.parse("22.04.202410010");
  static final long SEED = 42;
  static final int INSTANCES = 10;
  /**
   * How often the runner looks while something is in flight: a minute, not the default 30 s, which halves the
   * requests of a run (the sweep is some 150 runs) and leaves the health timeout (5 minutes) five looks.
   */
  static final Duration POLL_INTERVAL = Duration.ofMinutes(1);

  private final String description;

  Scenario(String description) {
    this.description = description;
  }

  /** Adds what makes the scenario (faults of the world itself, not of ARM). */
  abstract void setUp(SimulatedFleet world, ScaleSetId web);

  /** Adds the scenario's options to a rollout's builder. */
  abstract Rollout.Builder configure(Rollout.Builder b);

  /** @return the scale set's orchestration mode */
  OrchestrationMode mode() {
    return OrchestrationMode.UNIFORM;
  }

  /** @return true when the scenario replaces its instances (max surge) */
  boolean surge() {
    return this == SURGE;
  }

  /** A fresh world: {@code web} with ten instances on V1, V2 published a day ago. */
  World create() {
    SimulatedFleet world = SimulatedFleet.create(SEED);
    ScaleSetSpec spec = ScaleSetSpec.named("web").instances(INSTANCES).image(UBUNTU.withVersion(V1))
        .orchestration(mode());
    if (mode() == OrchestrationMode.FLEXIBLE) {
      spec.faultDomains(3);
    }
    ScaleSetId web = world.add(spec);
    world.publish(ImageRelease.marketplace(UBUNTU.withVersion(V2), world.clock().instant().minus(Duration.ofDays(1))));
    setUp(world, web);
    return new World(world, web);
  }

  @Override
  public String toString() {
    return name() + " (" + description + ")";
  }

  /**
   * A world and its scale set.
   *
   * @param fleet the world
   * @param web the scale set
   */
  record World(SimulatedFleet fleet, ScaleSetId web) {}
}
