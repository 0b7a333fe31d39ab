package dev.osupgrade.testkit;

import static dev.osupgrade.testkit.Images.UBUNTU;
import static dev.osupgrade.testkit.Images.V1;
import static dev.osupgrade.testkit.Images.V2;
import static dev.osupgrade.testkit.Images.ubuntu;
import static org.assertj.core.api.Assertions.assertThat;

import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.ScaleSet;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.health.GateContext;
import dev.osupgrade.health.GatePhase;
import dev.osupgrade.health.GateVerdict;
import dev.osupgrade.health.HealthGate;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.ops.RolloutStatus;
import dev.osupgrade.policy.UpgradePolicy;
import dev.osupgrade.port.ScaleSetPort;
import dev.osupgrade.port.TransientCloudException;
import dev.osupgrade.rollout.Rollout;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

final class EngineRegressionTest {
  @RegisterExtension static final SimulatorExtension SIM = SimulatorExtension.withSeed(21);

  @Test
  void scaleOut_whileTheFirstBatchWaitsOnAGate_newInstancesUpgradedToo(SimulatedFleet fleet, VirtualClock clock) {
    ScaleSetId id = fleet.add(ScaleSetSpec.named("web").instances(10).image(ubuntu(V1)));
    fleet.publish(ubuntu(V2));
    Instant opens = clock.instant().plus(Duration.ofHours(2));
    HealthGate window = new HealthGate() {
      public String name() { return "window"; }
      public boolean appliesTo(GatePhase p) { return p == GatePhase.BEFORE_BATCH; }
      public GateVerdict evaluate(GateContext c) {
        return c.now().isBefore(opens) ? GateVerdict.waitUntil("window", "closed", opens)
            : GateVerdict.pass("window", "open");
      }
    };
    Rollout r = Rollout.builder(fleet, id).target(V2).clock(clock).gate(window).build();
    clock.schedule(Duration.ofHours(1), () -> fleet.scaleOut(id, 3)); // autoscale while waiting for the window
    fleet.run(r);
    assertThat(r.status()).isEqualTo(RolloutStatus.COMPLETED);
    assertThat(fleet.peek(id).instances()).as("every instance on V2 after Completed")
        .allSatisfy(i -> assertThat(i.runs(V2)).as(i.instanceId()).isTrue());
  }

  @Test
  void fault_modelOnLatest_revertsToThePinnedGoodVersion(SimulatedFleet fleet, VirtualClock clock) {
    ScaleSetId id = fleet.add(ScaleSetSpec.named("web").instances(10).image(ubuntu(V1)));
    fleet.updateModelImage(id, UBUNTU);                 // Manual mode, model follows 'latest' (= V1 now)
    fleet.publish(ubuntu(V2));
    fleet.imageBehavior(V2, ImageBehavior.comesUpUnhealthy());
    Rollout r = fleet.run(Rollout.builder(fleet, id).target(V2).clock(clock).build());
    assertThat(r.status()).isEqualTo(RolloutStatus.FAULTED);
    List<String> added = fleet.scaleOut(id, 1);
    clock.advance(Duration.ofMinutes(10));
    Instance fresh = fleet.peek(id).instance(added.get(0)).orElseThrow();
    assertThat(fresh.runs(V1)).as("new instance after the fault runs the last good image, but runs "
        + fresh.imageVersion()).isTrue();
  }

  /** manualupgrade keeps answering 503. */
  @Test
  void writes_failingTransientlyForever_hitTheProgressDeadline(SimulatedFleet fleet, VirtualClock clock) {
    ScaleSetId id = fleet.add(ScaleSetSpec.named("web").instances(10).image(ubuntu(V1)));
    fleet.publish(ubuntu(V2));
    ScaleSetPort port = new ScaleSetPort() {
      public ScaleSet get(ScaleSetId i) { return fleet.get(i); }
      public List<Instance> listInstances(ScaleSetId i) { return fleet.listInstances(i); }
      public void updateModelImage(ScaleSetId i, ImageReference img) { fleet.updateModelImage(i, img); }
      public void updateUpgradePolicy(ScaleSetId i, UpgradePolicy p, @Nullable String e) {
        fleet.updateUpgradePolicy(i, p, e);
      }
      public void upgradeInstances(ScaleSetId i, List<String> ids) {
        throw new TransientCloudException(503, "ServiceUnavailable", "down", null);
      }
      public void rollBackInstances(ScaleSetId i, List<String> ids, ImageReference img) {
        fleet.rollBackInstances(i, ids, img);
      }
    };
    Rollout r = Rollout.builder(port, id).target(V2).clock(clock).build();
    Instant start = clock.instant();
    for (int k = 0; k < 5000; k++) {
      var next = r.advance();
      if (next.isEmpty()) break;
      clock.advanceTo(next.get());
    }
    assertThat(r.status()).as("faulted by the 2 h progress deadline").isEqualTo(RolloutStatus.FAULTED);
  }

  @Test
  void complete_everyInstanceAlreadyOnTarget_movesTheModelToo(SimulatedFleet fleet, VirtualClock clock) {
    ScaleSetId id = fleet.add(ScaleSetSpec.named("web").instances(4).image(ubuntu(V1)));
    fleet.publish(ubuntu(V2));
    fleet.run(Rollout.builder(fleet, id).target(V2).clock(clock).build());
    fleet.updateModelImage(id, ubuntu(V1));   // e.g. an IaC re-apply put the old version back in the model
    Rollout r = fleet.run(Rollout.builder(fleet, id).target(V2).clock(clock).startOver().build());
    assertThat(r.status()).isEqualTo(RolloutStatus.COMPLETED);
    assertThat(fleet.peek(id).modelImage()).as("model after a Completed rollout to V2").isEqualTo(ubuntu(V2));
  }
}
