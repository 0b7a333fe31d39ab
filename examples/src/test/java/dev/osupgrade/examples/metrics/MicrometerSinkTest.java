package dev.osupgrade.examples.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osupgrade.fleet.HealthState;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.image.ImageVersion;
import dev.osupgrade.observe.MetricsListener;
import dev.osupgrade.rollout.Rollout;
import dev.osupgrade.testkit.ImageBehavior;
import dev.osupgrade.testkit.InstanceChange;
import dev.osupgrade.testkit.ScaleSetSpec;
import dev.osupgrade.testkit.SimulatedFleet;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

/** A simulated rollout's metrics on a Micrometer registry, the meters' values graded by the fleet's own state. */
final class MicrometerSinkTest {
  static final ImageReference UBUNTU =
      ImageReference.parse("Canonical:0001-com-ubuntu-server-jammy:22_04-lts-gen2:22.04.202409010");
  static final ImageVersion GOOD = ImageVersion.parse("22.04.202410010");
  static final ImageVersion BAD = ImageVersion.parse("22.04.202411010");

  @Test
  void simulatedRollouts_metersOnTheRegistryMatchTheFleet() {
    SimulatedFleet fleet = SimulatedFleet.create(42);
    ScaleSetId web = fleet.add(ScaleSetSpec.named("web").resourceGroup("shop-prod").region("westeurope")
        .instances(30).zones(3).image(UBUNTU));
    fleet.publish(UBUNTU.withVersion(GOOD));
    fleet.publish(UBUNTU.withVersion(BAD));
    fleet.imageBehavior(BAD, ImageBehavior.comesUpUnhealthy());
    MeterRegistry registry = new SimpleMeterRegistry();
    MetricsListener metrics = MicrometerSink.listener(registry);

    fleet.run(Rollout.builder(fleet, web).target(GOOD).clock(fleet.clock()).listener(metrics).build());

    long healthyOnGood = fleet.get(web).instances().stream()
        .filter(i -> i.runs(GOOD) && i.health() == HealthState.HEALTHY).count();
    assertThat(healthyOnGood).isEqualTo(30);
    assertThat(registry.get("osupgrade.instances.healthy").tag("scale_set", "shop-prod/web").counter().count())
        .isEqualTo(healthyOnGood);
    assertThat(registry.get("osupgrade.instances").tags("scale_set", "shop-prod/web", "state", "successful").gauge()
        .value()).isEqualTo(healthyOnGood);
    assertThat(registry.get("osupgrade.progress.percent").gauge().value()).isEqualTo(100);
    assertThat(registry.get("osupgrade.batches.completed").counter().count()).isEqualTo(6);

    fleet.run(Rollout.builder(fleet, web).target(BAD).clock(fleet.clock()).listener(metrics).build());

    long rolledBack = fleet.record(web).instances().stream()
        .filter(id -> fleet.record(web).count(id, InstanceChange.Kind.ROLLBACK_STARTED) == 1).count();
    long onBad = fleet.get(web).instances().stream().filter(i -> i.runs(BAD)).count();
    assertThat(rolledBack).isEqualTo(6);
    assertThat(onBad).isZero();
    assertThat(registry.get("osupgrade.instances.failed").counter().count()).isEqualTo(rolledBack);
    assertThat(registry.get("osupgrade.instances.rolled_back").tag("outcome", "restored").counter().count())
        .isEqualTo(rolledBack);
    assertThat(registry.get("osupgrade.gate.verdicts").tags("gate", "upgraded-unhealthy", "verdict", "fail")
        .counter().count()).isEqualTo(1);
    assertThat(registry.get("osupgrade.rollouts.ended").tag("status", "completed").counter().count()).isEqualTo(1);
    assertThat(registry.get("osupgrade.rollouts.ended").tag("status", "faulted").counter().count()).isEqualTo(1);
    assertThat(registry.get("osupgrade.instances").tags("state", "failed").gauge().value()).isEqualTo(rolledBack);
    assertThat(registry.get("osupgrade.time_to_go.seconds").gauge().value()).isZero();
    assertThat(registry.get("osupgrade.instances.upgraded").counter().count()).as("30 on the good image, 6 on the bad")
        .isEqualTo(36);
  }
}
