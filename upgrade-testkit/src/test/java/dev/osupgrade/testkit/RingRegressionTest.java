package dev.osupgrade.testkit;

import static dev.osupgrade.testkit.Images.V1;
import static dev.osupgrade.testkit.Images.V2;
import static dev.osupgrade.testkit.Images.ubuntu;
import static org.assertj.core.api.Assertions.assertThat;

import dev.osupgrade.Region;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.governance.Environment;
import dev.osupgrade.governance.HealthSource;
import dev.osupgrade.governance.ImageTrustPolicy;
import dev.osupgrade.governance.ReadinessItem;
import dev.osupgrade.governance.ReadinessRecord;
import dev.osupgrade.governance.SignalThreshold;
import dev.osupgrade.governance.TrustRule;
import dev.osupgrade.governance.performance.PerformanceGate;
import dev.osupgrade.governance.rings.Ring;
import dev.osupgrade.governance.rings.RingEvent;
import dev.osupgrade.governance.rings.RingPlan;
import dev.osupgrade.governance.rings.RingRollout;
import dev.osupgrade.governance.schedule.MaintenanceSchedule;
import dev.osupgrade.governance.schedule.MaintenanceWindow;
import dev.osupgrade.governance.schedule.MaintenanceWindowGate;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.image.ImageRelease;
import dev.osupgrade.image.ImageVersion;
import dev.osupgrade.image.ReplicationState;
import dev.osupgrade.ops.ErrorCodes;
import dev.osupgrade.policy.AutomaticOsUpgradePolicy;
import dev.osupgrade.policy.RollingUpgradePolicy;
import dev.osupgrade.policy.UpgradeMode;
import dev.osupgrade.port.Metric;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Rings across scale sets and regions on the simulated fleet. */
final class RingRegressionTest {
  @RegisterExtension static final SimulatorExtension SIM = SimulatorExtension.withSeed(41);

  /** A multi-region fleet: canary in westeurope, early in westeurope + northeurope, broad in three regions. */
  private record World(SimulatedFleet fleet, ScaleSetId canary, ScaleSetId early1, ScaleSetId early2,
      ScaleSetId broad1, ScaleSetId broad2, ScaleSetId broad3, RingPlan plan) {}

  private static World world(SimulatedFleet fleet) {
    ScaleSetId canary = fleet.add(ScaleSetSpec.named("web-canary").region("westeurope").instances(5)
        .image(ubuntu(V1)));
    ScaleSetId early1 = fleet.add(ScaleSetSpec.named("web-weu").region("westeurope").instances(10).zones(2)
        .image(ubuntu(V1)));
    ScaleSetId early2 = fleet.add(ScaleSetSpec.named("web-neu").region("northeurope").instances(10).zones(2)
        .image(ubuntu(V1)));
    ScaleSetId broad1 = fleet.add(ScaleSetSpec.named("api-weu").region("westeurope").instances(20).zones(3)
        .image(ubuntu(V1)));
    ScaleSetId broad2 = fleet.add(ScaleSetSpec.named("api-neu").region("northeurope").instances(20).zones(3)
        .image(ubuntu(V1)));
    ScaleSetId broad3 = fleet.add(ScaleSetSpec.named("api-eus").region("eastus").instances(20).zones(3)
        .image(ubuntu(V1)));
    fleet.publish(ubuntu(V2));
    RingPlan plan = RingPlan.of(
        Ring.of("canary", Duration.ofHours(1), canary),
        Ring.of("early", Duration.ofHours(2), early1, early2),
        Ring.of("broad", Duration.ZERO, broad1, broad2, broad3));
    return new World(fleet, canary, early1, early2, broad1, broad2, broad3, plan);
  }

  private static ReadinessRecord record(RingPlan plan) {
    return ReadinessRecord.builder().owner("team-web", "web-oncall@example.com")
        .healthSource(HealthSource.APPLICATION_HEALTH_EXTENSION)
        .threshold(SignalThreshold.relative(Metric.CPU, 0.10))
        .scaleSets(plan.scaleSets().toArray(new ScaleSetId[0])).atMostPercentAtOnce(20)
        .rings("canary", "early", "broad").automaticRollback(true)
        .runbookStep("page web-oncall; roll the ring back with osupgrade to the previous version").build();
  }

  private static RingRollout.Builder rings(World w, ImageTrustPolicy trust) {
    return RingRollout.builder(w.plan(), w.fleet(), w.fleet()).target(V2).clock(w.fleet().clock()).trust(trust)
        .readiness(record(w.plan()));
  }

  private static RingRollout run(SimulatedFleet fleet, RingRollout r) {
    Instant deadline = fleet.clock().instant().plus(Duration.ofDays(30));
    for (Optional<Instant> next = r.advance(); next.isPresent(); next = r.advance()) {
      assertThat(next.get()).as(r.timeline()).isBefore(deadline);
      fleet.clock().advanceTo(next.get());
    }
    return r;
  }

  private static List<RingEvent.Kind> kinds(RingRollout r) {
    return r.events().stream().map(RingEvent::kind).toList();
  }

  private static void untouched(SimulatedFleet fleet, ScaleSetId id) {
    assertThat(fleet.get(id).modelImage()).as("model of %s", id).isEqualTo(ubuntu(V1));
    for (Instance i : fleet.get(id).instances()) {
      assertThat(fleet.reimageCount(id, i.instanceId())).as("%s/%s", id, i.instanceId()).isZero();
    }
  }


  @Test
  void rings_rebuiltAfterCrashMidCanary_soakFailureRollsTheCanaryBackToV1(SimulatedFleet fleet) {
    World w = world(fleet);
    fleet.imagePerformance(V2, Metric.CPU, 1.3);
    ImageTrustPolicy trust = ImageTrustPolicy.trustingPublishers("Canonical");
    PerformanceGate perf = PerformanceGate.builder().source(fleet)
        .threshold(SignalThreshold.relative(Metric.CPU, 0.10)).beforeVsAfter(true).build();
    dev.osupgrade.port.RolloutStore store = dev.osupgrade.port.RolloutStore.inMemory();
    RingRollout first = rings(w, trust).gate(perf).store(store, "replica-a").build();
    for (Optional<Instant> next = first.advance(); next.isPresent(); next = first.advance()) {
      fleet.clock().advanceTo(next.get());
      if (first.rollouts().containsKey(w.canary()) && first.rollouts().get(w.canary()).progress().successful() > 0) {
        break;
      }
    }
    RingRollout second = run(fleet, rings(w, trust).gate(perf).store(store, "replica-a").build());
    System.out.println(second.timeline());
    assertThat(second.failure().orElseThrow().code()).isEqualTo(ErrorCodes.PERFORMANCE_REGRESSION);
    assertThat(fleet.get(w.canary()).modelImage()).as("canary model").isEqualTo(ubuntu(V1));
    assertThat(fleet.get(w.canary()).instances()).as("canary instances")
        .allSatisfy(i -> assertThat(i.runs(V1)).isTrue());
  }

  @Test
  void rings_secondScaleSetInRollingMode_refusedBeforeAnyChange(SimulatedFleet fleet) {
    ScaleSetId a = fleet.add(ScaleSetSpec.named("a").instances(5).image(ubuntu(V1)));
    ScaleSetId b = fleet.add(ScaleSetSpec.named("b").instances(5).image(ubuntu(V1)).mode(UpgradeMode.ROLLING));
    fleet.publish(ubuntu(V2));
    RingPlan plan = RingPlan.of(Ring.of("canary", Duration.ofHours(1), a, b));
    RingRollout r = RingRollout.builder(plan, fleet, fleet).target(V2).clock(fleet.clock())
        .trust(ImageTrustPolicy.trustingPublishers("Canonical")).environments(id -> Environment.TEST).build();
    Throwable t = null;
    try {
      run(fleet, r);
    } catch (RuntimeException e) {
      t = e;
    }
    System.out.println("thrown: " + t + "\nstatus " + r.status() + "\n" + r.timeline());
    System.out.println("model of a: " + fleet.get(a).modelImage());
    assertThat(t).as("no exception; refused").isNull();
    untouched(fleet, a);
  }

  @Test
  void rings_soakGateFailingForAnotherReason_stopsWithoutQuarantine(SimulatedFleet fleet) {
    World w = world(fleet);
    ImageTrustPolicy trust = ImageTrustPolicy.trustingPublishers("Canonical");
    dev.osupgrade.health.HealthGate freeze = new dev.osupgrade.health.HealthGate() {
      public String name() { return "change-freeze"; }
      public boolean appliesTo(dev.osupgrade.health.GatePhase p) { return p == dev.osupgrade.health.GatePhase.AFTER_BATCH; }
      public dev.osupgrade.health.GateVerdict evaluate(dev.osupgrade.health.GateContext c) {
        return c.now().isAfter(java.time.Instant.parse("2026-01-05T00:40:00Z"))
            ? dev.osupgrade.health.GateVerdict.fail("change-freeze", "ChangeFreeze", "a change freeze began")
            : dev.osupgrade.health.GateVerdict.pass("change-freeze", "no freeze");
      }
    };
    RingRollout r = run(fleet, rings(w, trust).gate(freeze).build());
    System.out.println(r.timeline());
    assertThat(trust.quarantine().contains(ubuntu(V2))).as("V2 quarantined because of a change freeze").isFalse();
  }
}
