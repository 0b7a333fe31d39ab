package dev.osupgrade.testkit;

import static dev.osupgrade.testkit.Images.V1;
import static dev.osupgrade.testkit.Images.V2;
import static dev.osupgrade.testkit.Images.ubuntu;
import static org.assertj.core.api.Assertions.assertThat;

import dev.osupgrade.Region;
import dev.osupgrade.event.RingEvent;
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
import dev.osupgrade.governance.rings.RingPlan;
import dev.osupgrade.governance.rings.RingRollout;
import dev.osupgrade.governance.schedule.MaintenanceSchedule;
import dev.osupgrade.governance.schedule.MaintenanceWindow;
import dev.osupgrade.governance.schedule.MaintenanceWindowGate;
import dev.osupgrade.health.GateContext;
import dev.osupgrade.health.GatePhase;
import dev.osupgrade.health.GateVerdict;
import dev.osupgrade.health.HealthGate;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.image.ImageRelease;
import dev.osupgrade.image.ImageVersion;
import dev.osupgrade.image.ReplicationState;
import dev.osupgrade.ops.ErrorCodes;
import dev.osupgrade.policy.AutomaticOsUpgradePolicy;
import dev.osupgrade.policy.RollingUpgradePolicy;
import dev.osupgrade.policy.UpgradeMode;
import dev.osupgrade.port.Metric;
import dev.osupgrade.port.RolloutStore;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Rings across scale sets and regions on the simulated fleet. */
final class RingRolloutTest {
  @RegisterExtension static final SimulatorExtension SIM = SimulatorExtension.withSeed(41);

  /**
   * A multi-region production fleet: canary in westeurope, early in westeurope + northeurope, broad in three regions.
   */
  private record World(SimulatedFleet fleet, ScaleSetId canary, ScaleSetId early1, ScaleSetId early2,
      ScaleSetId broad1, ScaleSetId broad2, ScaleSetId broad3, RingPlan plan) {}

  private static World world(SimulatedFleet fleet) {
    ScaleSetId canary = fleet.add(ScaleSetSpec.named("web-canary").environment(Environment.PRODUCTION).region("westeurope").instances(5)
        .image(ubuntu(V1)));
    ScaleSetId early1 = fleet.add(ScaleSetSpec.named("web-weu").environment(Environment.PRODUCTION).region("westeurope").instances(10).zones(2)
        .image(ubuntu(V1)));
    ScaleSetId early2 = fleet.add(ScaleSetSpec.named("web-neu").environment(Environment.PRODUCTION).region("northeurope").instances(10).zones(2)
        .image(ubuntu(V1)));
    ScaleSetId broad1 = fleet.add(ScaleSetSpec.named("api-weu").environment(Environment.PRODUCTION).region("westeurope").instances(20).zones(3)
        .image(ubuntu(V1)));
    ScaleSetId broad2 = fleet.add(ScaleSetSpec.named("api-neu").environment(Environment.PRODUCTION).region("northeurope").instances(20).zones(3)
        .image(ubuntu(V1)));
    ScaleSetId broad3 = fleet.add(ScaleSetSpec.named("api-eus").environment(Environment.PRODUCTION).region("eastus").instances(20).zones(3)
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
      assertThat(next.get()).as(r.eventLog()).isBefore(deadline);
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
  void rings_healthyImage_promoteRingByRingAfterEachSoak(SimulatedFleet fleet) {
    World w = world(fleet);

    RingRollout r = run(fleet, rings(w, ImageTrustPolicy.trustingPublishers("Canonical")).build());

    assertThat(r.status()).as(r.eventLog()).isEqualTo(RingRollout.Status.COMPLETED);
    assertThat(r.promotedRings()).isEqualTo(3);
    for (ScaleSetId id : w.plan().scaleSets()) {
      assertThat(fleet.get(id).instances()).allSatisfy(i -> assertThat(i.runs(V2)).isTrue());
    }
    Instant canaryPromoted = at(r, RingEvent.Kind.RING_PROMOTED, "canary");
    Instant canarySoak = at(r, RingEvent.Kind.SOAK_STARTED, "canary");
    Instant earlyStarted = at(r, RingEvent.Kind.RING_STARTED, "early");
    assertThat(Duration.between(canarySoak, canaryPromoted)).isEqualTo(Duration.ofHours(1));
    assertThat(earlyStarted).isAfterOrEqualTo(canaryPromoted);
    assertThat(Duration.between(at(r, RingEvent.Kind.SOAK_STARTED, "early"), at(r, RingEvent.Kind.RING_PROMOTED,
        "early"))).isEqualTo(Duration.ofHours(2));
    assertThat(r.eventLog()).contains("[canary]", "[early]", "[broad]", "reached every ring");
  }

  @Test
  void rings_canaryRolloutStalledByServerErrors_ringWaitsNeitherFailedNorPromotedThenGoesOn(SimulatedFleet fleet) {
    World w = world(fleet);
    fleet.faults().serverErrors("upgradeInstances", 6, 503);
    RingRollout r = rings(w, ImageTrustPolicy.trustingPublishers("Canonical")).build();
    Instant start = fleet.clock().instant();

    boolean sawStall = false;
    for (Optional<Instant> next = r.advance(); next.isPresent(); next = r.advance()) {
      var canary = r.rollouts().get(w.canary());
      if (canary != null && canary.stall().isPresent()) {
        sawStall = true;
        assertThat(r.status()).as("a stalled rollout is not finished").isEqualTo(RingRollout.Status.RUNNING);
        assertThat(r.promotedRings()).isZero();
      }
      fleet.clock().advanceTo(next.get());
    }

    assertThat(sawStall).isTrue();
    assertThat(r.status()).as(r.eventLog()).isEqualTo(RingRollout.Status.COMPLETED);
    assertThat(r.promotedRings()).isEqualTo(3);
    assertThat(r.rollouts().get(w.canary()).events())
        .filteredOn(dev.osupgrade.event.RolloutStalled.class::isInstance).hasSize(1);
    assertThat(fleet.faults().rejectedCalls("upgradeInstances")).isEqualTo(6);
    for (ScaleSetId id : w.plan().scaleSets()) {
      assertThat(fleet.peek(id).instances()).allSatisfy(i -> {
        assertThat(i.runs(V2)).isTrue();
        assertThat(fleet.reimageCount(id, i.instanceId())).isEqualTo(1);
      });
    }
    assertThat(at(r, RingEvent.Kind.RING_PROMOTED, "canary")).isAfter(start.plus(Duration.ofMinutes(10)));
  }

  private static Instant at(RingRollout r, RingEvent.Kind kind, String ring) {
    return r.events().stream().filter(e -> e.kind() == kind && e.ring().equals(ring)).map(RingEvent::at)
        .findFirst().orElseThrow(() -> new AssertionError(kind + " of " + ring + " missing:\n" + r.eventLog()));
  }

  @Test
  void rings_badImage_caughtInCanaryQuarantinedRolledBackAndLaterRingsUntouched(SimulatedFleet fleet) {
    World w = world(fleet);
    fleet.imageBehavior(V2, ImageBehavior.comesUpUnhealthy());
    ImageTrustPolicy trust = ImageTrustPolicy.trustingPublishers("Canonical");

    RingRollout r = run(fleet, rings(w, trust).build());

    assertThat(r.status()).as(r.eventLog()).isEqualTo(RingRollout.Status.FAULTED);
    assertThat(r.error().orElseThrow().code()).isEqualTo(ErrorCodes.MAX_UNHEALTHY_UPGRADED);
    assertThat(kinds(r)).contains(RingEvent.Kind.RING_FAILED, RingEvent.Kind.VERSION_QUARANTINED)
        .doesNotContain(RingEvent.Kind.RING_PROMOTED);
    assertThat(trust.quarantine().contains(ubuntu(V2))).isTrue();
    assertThat(fleet.get(w.canary()).instances()).allSatisfy(i -> assertThat(i.runs(V1)).isTrue());
    for (ScaleSetId later : List.of(w.early1(), w.early2(), w.broad1(), w.broad2(), w.broad3())) {
      untouched(fleet, later);
    }

    // Any later ring rollout sharing the trust policy is stopped by the quarantine before it changes anything.
    RingRollout again = run(fleet, rings(w, trust).build());
    assertThat(again.status()).isEqualTo(RingRollout.Status.FAULTED);
    assertThat(again.eventLog()).contains("quarantine");
    untouched(fleet, w.early1());
  }

  @Test
  void rings_heavierImage_performanceGateFailsTheCanarySoakThatHealthAlonePasses(SimulatedFleet fleet) {
    World w = world(fleet);
    fleet.imagePerformance(V2, Metric.CPU, 1.3);
    ImageTrustPolicy trust = ImageTrustPolicy.trustingPublishers("Canonical");
    // Within a ring every instance is upgraded, so the soak compares each scale set with itself before the ring.
    PerformanceGate perf = PerformanceGate.builder().source(fleet)
        .threshold(SignalThreshold.relative(Metric.CPU, 0.10)).beforeVsAfter(true).build();

    RingRollout r = run(fleet, rings(w, trust).gate(perf).build());

    assertThat(r.status()).as(r.eventLog()).isEqualTo(RingRollout.Status.FAULTED);
    assertThat(r.error().orElseThrow().code()).isEqualTo(ErrorCodes.PERFORMANCE_REGRESSION);
    assertThat(r.currentRing().name()).isEqualTo("canary");
    assertThat(trust.quarantine().contains(ubuntu(V2))).isTrue();
    assertThat(fleet.get(w.canary()).instances()).allSatisfy(i -> assertThat(i.runs(V1)).isTrue());
    untouched(fleet, w.early1());
  }

  @Test
  void rings_untrustedPublisher_refusedBeforeAnyChange(SimulatedFleet fleet) {
    World w = world(fleet);

    RingRollout r = run(fleet, rings(w, ImageTrustPolicy.trustingPublishers("MicrosoftWindowsServer")).build());

    assertThat(r.status()).isEqualTo(RingRollout.Status.REFUSED);
    assertThat(r.eventLog()).contains(TrustRule.TRUSTED_PUBLISHER.toString(), "nothing was changed");
    assertThat(fleet.calls("updateModelImage") + fleet.calls("upgradeInstances")).isZero();
  }

  @Test
  void rings_productionScaleSetWithoutReadinessRecord_refusedListingWhatIsMissing(SimulatedFleet fleet) {
    World w = world(fleet);

    RingRollout r = run(fleet, RingRollout.builder(w.plan(), fleet, fleet).target(V2).clock(fleet.clock())
        .trust(ImageTrustPolicy.trustingPublishers("Canonical")).build());

    assertThat(r.status()).isEqualTo(RingRollout.Status.REFUSED);
    assertThat(r.error().orElseThrow().message()).contains("owning team", "rollback");
    assertThat(fleet.calls("updateModelImage") + fleet.calls("upgradeInstances")).isZero();
    assertThat(ReadinessRecord.empty().missing()).extracting(g -> g.item()).contains(ReadinessItem.OWNER_TEAM);
  }

  @Test
  void rings_testEnvironmentWithoutRecord_allowed(SimulatedFleet fleet) {
    World w = world(fleet);

    RingRollout r = run(fleet, RingRollout.builder(w.plan(), fleet, fleet).target(V2).clock(fleet.clock())
        .trust(ImageTrustPolicy.trustingPublishers("Canonical")).environments(id -> Environment.TEST).build());

    assertThat(r.status()).as(r.eventLog()).isEqualTo(RingRollout.Status.COMPLETED);
  }

  @Test
  void rings_promotionOutsideTheMaintenanceWindow_waitsForTheNextWindow(SimulatedFleet fleet) {
    World w = world(fleet);
    // The clock starts Monday 00:00 UTC; promotions only Monday-Friday 22:00-23:59 UTC.
    MaintenanceSchedule window = MaintenanceSchedule.of(MaintenanceWindow.parse("MON-FRI 22:00-23:59 UTC"));

    RingRollout r = run(fleet, rings(w, ImageTrustPolicy.trustingPublishers("Canonical"))
        .gate(MaintenanceWindowGate.of(window)).build());

    assertThat(r.status()).as(r.eventLog()).isEqualTo(RingRollout.Status.COMPLETED);
    for (RingEvent e : r.events()) {
      if (e.kind() == RingEvent.Kind.RING_PROMOTED) {
        assertThat(window.isOpen(e.at())).as("promotion at %s", e.at()).isTrue();
      }
    }
    assertThat(kinds(r)).contains(RingEvent.Kind.RING_WAITING);
  }

  @Test
  void rings_galleryReplicationLagging_ringWaitsForItsRegion(SimulatedFleet fleet) {
    ImageReference gallery = ImageReference.gallery("/subscriptions/00000000-0000-0000-0000-000000000000/"
        + "resourceGroups/images/providers/Microsoft.Compute/galleries/shared/images/web", "1.0.0");
    ScaleSetId weu = fleet.add(ScaleSetSpec.named("weu").region("westeurope").instances(5).image(gallery));
    ScaleSetId eus = fleet.add(ScaleSetSpec.named("eus").region("eastus").instances(5).image(gallery));
    Instant now = fleet.clock().instant();
    ImageReference next = gallery.withVersion(ImageVersion.parse("1.1.0"));
    fleet.publish(ImageRelease.gallery(next, now, Map.of(Region.of("westeurope"), ReplicationState.COMPLETED,
        Region.of("eastus"), ReplicationState.REPLICATING)));
    fleet.faults().replication(next, "eastus", ReplicationState.COMPLETED, Duration.ofHours(6));
    RingPlan plan = RingPlan.of(Ring.of("first", Duration.ofMinutes(30), weu), Ring.of("second", Duration.ZERO,
        eus));

    RingRollout r = run(fleet, RingRollout.builder(plan, fleet, fleet).target("1.1.0").clock(fleet.clock())
        .trust(ImageTrustPolicy.builder().trustGallery("shared").build()).environments(id -> Environment.TEST)
        .build());

    assertThat(r.status()).as(r.eventLog()).isEqualTo(RingRollout.Status.COMPLETED);
    Instant secondStarted = at(r, RingEvent.Kind.RING_STARTED, "second");
    assertThat(secondStarted).isAfterOrEqualTo(now.plus(Duration.ofHours(6)));
    assertThat(r.eventLog()).contains("NOT_REPLICATED_TO_REGION");
  }

  @Test
  void rings_governedPlatform_enablesAutomaticOsUpgradeRingByRingAndWatchesThePlatform(SimulatedFleet fleet) {
    AutomaticOsUpgradePolicy off = AutomaticOsUpgradePolicy.ofDefaults().withUseRollingUpgradePolicy(true);
    ScaleSetId a = fleet.add(ScaleSetSpec.named("a").instances(5).image(ubuntu(V1)).mode(UpgradeMode.ROLLING)
        .rollingPolicy(RollingUpgradePolicy.ofDefaults()).automaticOsUpgrade(off));
    ScaleSetId b = fleet.add(ScaleSetSpec.named("b").instances(10).image(ubuntu(V1)).mode(UpgradeMode.ROLLING)
        .rollingPolicy(RollingUpgradePolicy.ofDefaults()).automaticOsUpgrade(off));
    // The platform needs the model on 'latest': set it the way an operator would.
    fleet.updateModelImage(a, ubuntu(V1).withLatest());
    fleet.updateModelImage(b, ubuntu(V1).withLatest());
    fleet.publish(ubuntu(V2));
    RingPlan plan = RingPlan.of(Ring.of("canary", Duration.ofHours(1), a), Ring.of("rest", Duration.ZERO, b));

    RingRollout r = run(fleet, RingRollout.builder(plan, fleet, fleet).target(V2).clock(fleet.clock())
        .trust(ImageTrustPolicy.trustingPublishers("Canonical")).environments(id -> Environment.TEST)
        .governedPlatform(fleet).build());

    assertThat(r.status()).as(r.eventLog()).isEqualTo(RingRollout.Status.COMPLETED);
    assertThat(fleet.get(a).upgradePolicy().automaticOsUpgrade().enableAutomaticOSUpgrade()).isTrue();
    assertThat(fleet.get(b).instances()).allSatisfy(i -> assertThat(i.runs(V2)).isTrue());
    assertThat(fleet.osUpgradeHistory(b)).isNotEmpty();
    assertThat(at(r, RingEvent.Kind.RING_STARTED, "rest")).isAfterOrEqualTo(at(r, RingEvent.Kind.RING_PROMOTED,
        "canary"));
  }

  private static ScaleSetId platformSet(SimulatedFleet fleet, String name, int instances,
      AutomaticOsUpgradePolicy auto) {
    ScaleSetId id = fleet.add(ScaleSetSpec.named(name).instances(instances).image(ubuntu(V1))
        .mode(UpgradeMode.ROLLING).rollingPolicy(RollingUpgradePolicy.ofDefaults()).automaticOsUpgrade(auto));
    fleet.updateModelImage(id, ubuntu(V1).withLatest());
    return id;
  }

  @Test
  void rings_governedPlatformBadImage_platformFaultsVersionQuarantinedAndUpgradesDisabled(SimulatedFleet fleet) {
    AutomaticOsUpgradePolicy off = AutomaticOsUpgradePolicy.ofDefaults().withUseRollingUpgradePolicy(true);
    ScaleSetId a = platformSet(fleet, "a", 5, off);
    ScaleSetId b = platformSet(fleet, "b", 10, off);
    fleet.publish(ubuntu(V2));
    fleet.imageBehavior(V2, ImageBehavior.comesUpUnhealthy());
    ImageTrustPolicy trust = ImageTrustPolicy.trustingPublishers("Canonical");
    RingPlan plan = RingPlan.of(Ring.of("canary", Duration.ofHours(1), a), Ring.of("rest", Duration.ZERO, b));

    RingRollout r = run(fleet, RingRollout.builder(plan, fleet, fleet).target(V2).clock(fleet.clock()).trust(trust)
        .environments(id -> Environment.TEST).governedPlatform(fleet).build());

    assertThat(r.status()).as(r.eventLog()).isEqualTo(RingRollout.Status.FAULTED);
    assertThat(r.error().orElseThrow().code()).isEqualTo(ErrorCodes.MAX_UNHEALTHY_UPGRADED);
    assertThat(trust.quarantine().contains(ubuntu(V2))).isTrue();
    assertThat(fleet.get(a).upgradePolicy().automaticOsUpgrade().enableAutomaticOSUpgrade()).isFalse();
    fleet.clock().advance(Duration.ofHours(1)); // Azure's own rollback of the failed instance finishes
    assertThat(fleet.get(a).instances()).as(String.join("\n", fleet.log()))
        .allSatisfy(i -> assertThat(i.runs(V1)).isTrue());
    assertThat(fleet.get(b).upgradePolicy().automaticOsUpgrade().enableAutomaticOSUpgrade()).isFalse();
    assertThat(fleet.get(b).instances()).allSatisfy(i -> assertThat(fleet.reimageCount(b, i.instanceId())).isZero());
  }

  @Test
  void rings_governedPlatformWithDeferral_approvesOnlyInsideTheMaintenanceWindow(SimulatedFleet fleet) {
    AutomaticOsUpgradePolicy deferred = AutomaticOsUpgradePolicy.ofDefaults().withUseRollingUpgradePolicy(true)
        .withOsRollingUpgradeDeferral(true);
    ScaleSetId a = platformSet(fleet, "a", 5, deferred);
    fleet.publish(ubuntu(V2));
    MaintenanceSchedule nights = MaintenanceSchedule.of(MaintenanceWindow.parse("MON-SUN 20:00-23:00 UTC"));
    RingPlan plan = RingPlan.of(Ring.of("only", Duration.ZERO, a));

    RingRollout r = run(fleet, RingRollout.builder(plan, fleet, fleet).target(V2).clock(fleet.clock())
        .trust(ImageTrustPolicy.trustingPublishers("Canonical")).environments(id -> Environment.TEST)
        .governedPlatform(fleet).deferralApprovals(dev.osupgrade.governance.schedule.DeferralApprovals.builder()
            .schedule(nights).build()).build());

    assertThat(r.status()).as(r.eventLog()).isEqualTo(RingRollout.Status.COMPLETED);
    List<RingEvent> approvals = r.events().stream().filter(e -> e.kind() == RingEvent.Kind.DEFERRAL_APPROVED)
        .toList();
    assertThat(approvals).as(r.eventLog()).isNotEmpty()
        .allSatisfy(e -> assertThat(nights.isOpen(e.at())).as("approved at %s", e.at()).isTrue());
    assertThat(kinds(r)).contains(RingEvent.Kind.DEFERRAL_HELD);
    assertThat(fleet.get(a).instances()).allSatisfy(i -> assertThat(i.runs(V2)).isTrue());
  }

  @Test
  void rings_processDiesMidRing_rebuiltRingRolloutResumesFromTheStoreAndUpgradesEachInstanceOnce(
      SimulatedFleet fleet) {
    World w = world(fleet);
    ImageTrustPolicy trust = ImageTrustPolicy.trustingPublishers("Canonical");
    RolloutStore store = RolloutStore.inMemory();
    RingRollout first = rings(w, trust).store(store, "replica-a").build();
    // Drive the first process until the "early" ring is half-way through its rollouts, then drop it.
    for (Optional<Instant> next = first.advance(); next.isPresent(); next = first.advance()) {
      fleet.clock().advanceTo(next.get());
      boolean earlyUnderway = first.rollouts().containsKey(w.early1())
          && first.rollouts().get(w.early1()).progress().successful() > 0;
      if (earlyUnderway) {
        break;
      }
    }
    assertThat(first.status()).isEqualTo(RingRollout.Status.RUNNING);

    RingRollout second = run(fleet, rings(w, trust).store(store, "replica-a").build());

    assertThat(second.status()).as(second.eventLog()).isEqualTo(RingRollout.Status.COMPLETED);
    for (ScaleSetId id : w.plan().scaleSets()) {
      for (Instance i : fleet.get(id).instances()) {
        assertThat(i.runs(V2)).isTrue();
        assertThat(fleet.reimageCount(id, i.instanceId())).as("%s/%s", id, i.instanceId()).isEqualTo(1);
      }
    }
    // The ring state is checkpointed: the rebuilt ring rollout goes on in "early", it does not walk the canary again.
    assertThat(second.eventLog()).doesNotContain("[canary]").contains("[early]");
  }

  /**
   * The ring state is checkpointed (ring, soak start, verdicts): a ring rollout whose process dies twenty minutes into
   * the canary's one-hour soak is rebuilt on the same store and goes on with the soak where it was. By the fleet's
   * record, the next ring's first change comes an hour after the soak began, not an hour after the restart, and no
   * instance is touched twice.
   */
  @Test
  void rings_processDiesMidSoak_rebuiltRingRolloutResumesTheSoakWithoutSpendingItAgain(SimulatedFleet fleet) {
    World w = world(fleet);
    ImageTrustPolicy trust = ImageTrustPolicy.trustingPublishers("Canonical");
    RolloutStore store = RolloutStore.inMemory();
    RingRollout first = rings(w, trust).store(store, "replica-a").build();
    Optional<Instant> next = first.advance();
    while (first.events().stream().noneMatch(e -> e.kind() == RingEvent.Kind.SOAK_STARTED)) {
      fleet.clock().advanceTo(next.orElseThrow());
      next = first.advance();
    }
    Instant soakStarted = at(first, RingEvent.Kind.SOAK_STARTED, "canary");
    fleet.clock().advanceTo(soakStarted.plus(Duration.ofMinutes(20)));
    // The process dies mid-soak; a new one is built the same way on the same store.

    RingRollout second = run(fleet, rings(w, trust).store(store, "replica-a").build());

    assertThat(second.status()).as(second.eventLog()).isEqualTo(RingRollout.Status.COMPLETED);
    assertThat(second.events()).extracting(RingEvent::kind).doesNotContain(RingEvent.Kind.STARTED,
        RingEvent.Kind.SCALE_SET_SKIPPED);
    assertThat(second.events().get(0).sequence()).isGreaterThan(first.events().get(first.events().size() - 1)
        .sequence());
    Instant earlyFirstChange = fleet.record(w.early1()).calls(PortOperation.UPDATE_MODEL_IMAGE).stream()
        .filter(PortCall::accepted).map(PortCall::at).findFirst().orElseThrow();
    assertThat(earlyFirstChange).as("the early ring starts when the canary's soak ends")
        .isEqualTo(soakStarted.plus(Duration.ofHours(1)));
    for (ScaleSetId id : w.plan().scaleSets()) {
      for (Instance i : fleet.get(id).instances()) {
        assertThat(fleet.reimageCount(id, i.instanceId())).as("%s/%s", id, i.instanceId()).isEqualTo(1);
      }
    }
  }

  @Test
  void rings_scaleSetsTaggedOrDefaultingToTest_needNoReadinessRecord_productionDoes(SimulatedFleet fleet) {
    ScaleSetId tagged = fleet.add(ScaleSetSpec.named("web-test").instances(5).image(ubuntu(V1))
        .tag("environment", "test"));
    ScaleSetId unmarked = fleet.add(ScaleSetSpec.named("web-sim").instances(5).image(ubuntu(V1)));
    ScaleSetId production = fleet.add(ScaleSetSpec.named("web-prod").instances(5).image(ubuntu(V1))
        .tag("env", "prod"));
    fleet.publish(ubuntu(V2));
    ImageTrustPolicy trust = ImageTrustPolicy.trustingPublishers("Canonical");

    RingRollout testOnly = run(fleet, RingRollout.builder(RingPlan.of(Ring.of("test", Duration.ZERO, tagged,
        unmarked)), fleet, fleet).target(V2).clock(fleet.clock()).trust(trust).build());
    RingRollout prod = run(fleet, RingRollout.builder(RingPlan.of(Ring.of("prod", Duration.ZERO, production)),
        fleet, fleet).target(V2).clock(fleet.clock()).trust(trust).build());

    assertThat(testOnly.status()).as(testOnly.eventLog()).isEqualTo(RingRollout.Status.COMPLETED);
    assertThat(fleet.get(unmarked).tags()).containsEntry("environment", "test");
    assertThat(prod.status()).isEqualTo(RingRollout.Status.REFUSED);
    assertThat(prod.eventLog()).contains("PRODUCTION", "no readiness record", "Owner:", "Expected signal:",
        "Rollout boundary:", "Rollback path:");
    untouched(fleet, production);
  }

  @Test
  void rings_rebuiltAfterCrashMidCanary_soakFailureRollsTheCanaryBackToTheVersionBefore(SimulatedFleet fleet) {
    World w = world(fleet);
    fleet.imagePerformance(V2, Metric.CPU, 1.3);
    ImageTrustPolicy trust = ImageTrustPolicy.trustingPublishers("Canonical");
    PerformanceGate perf = PerformanceGate.builder().source(fleet)
        .threshold(SignalThreshold.relative(Metric.CPU, 0.10)).beforeVsAfter(true).build();
    RolloutStore store = RolloutStore.inMemory();
    RingRollout first = rings(w, trust).gate(perf).store(store, "replica-a").build();
    for (Optional<Instant> next = first.advance(); next.isPresent(); next = first.advance()) {
      fleet.clock().advanceTo(next.get());
      if (first.rollouts().containsKey(w.canary()) && first.rollouts().get(w.canary()).progress().successful() > 0) {
        break; // the process dies with the canary's model already on the new version
      }
    }

    RingRollout second = run(fleet, rings(w, trust).gate(perf).store(store, "replica-a").build());

    assertThat(second.error().orElseThrow().code()).as(second.eventLog())
        .isEqualTo(ErrorCodes.PERFORMANCE_REGRESSION);
    assertThat(fleet.get(w.canary()).modelImage()).isEqualTo(ubuntu(V1));
    assertThat(fleet.get(w.canary()).instances()).allSatisfy(i -> assertThat(i.runs(V1)).isTrue());
  }

  @Test
  void rings_secondScaleSetInRollingMode_refusedBeforeAnyChange(SimulatedFleet fleet) {
    ScaleSetId a = fleet.add(ScaleSetSpec.named("a").instances(5).image(ubuntu(V1)));
    ScaleSetId b = fleet.add(ScaleSetSpec.named("b").instances(5).image(ubuntu(V1)).mode(UpgradeMode.ROLLING));
    fleet.publish(ubuntu(V2));
    RingPlan plan = RingPlan.of(Ring.of("canary", Duration.ofHours(1), a, b));

    RingRollout r = run(fleet, RingRollout.builder(plan, fleet, fleet).target(V2).clock(fleet.clock())
        .trust(ImageTrustPolicy.trustingPublishers("Canonical")).environments(id -> Environment.TEST).build());

    assertThat(r.status()).as(r.eventLog()).isEqualTo(RingRollout.Status.REFUSED);
    assertThat(r.eventLog()).contains("UpgradeModeNotManual");
    untouched(fleet, a);
  }

  @Test
  void rings_soakGateFailingForAnotherReason_stopsWithoutQuarantine(SimulatedFleet fleet) {
    World w = world(fleet);
    ImageTrustPolicy trust = ImageTrustPolicy.trustingPublishers("Canonical");
    Instant freezeBegins = VirtualClock.DEFAULT_START.plus(Duration.ofMinutes(40));
    HealthGate freeze = new HealthGate() {
      @Override
      public String name() {
        return "change-freeze";
      }

      @Override
      public boolean appliesTo(GatePhase phase) {
        return phase == GatePhase.AFTER_BATCH;
      }

      @Override
      public GateVerdict evaluate(GateContext context) {
        return context.now().isAfter(freezeBegins)
            ? GateVerdict.fail(name(), "ChangeFreeze", "a change freeze began")
            : GateVerdict.pass(name(), "no freeze");
      }
    };

    RingRollout r = run(fleet, rings(w, trust).gate(freeze).build());

    assertThat(r.status()).as(r.eventLog()).isEqualTo(RingRollout.Status.FAULTED);
    assertThat(r.error().orElseThrow().code()).isEqualTo("ChangeFreeze");
    assertThat(trust.quarantine().contains(ubuntu(V2))).as("not the image's fault: no quarantine").isFalse();
  }
}
