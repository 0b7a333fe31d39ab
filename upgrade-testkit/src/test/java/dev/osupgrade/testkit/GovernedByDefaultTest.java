package dev.osupgrade.testkit;

import static dev.osupgrade.testkit.Images.V1;
import static dev.osupgrade.testkit.Images.V2;
import static dev.osupgrade.testkit.Images.ubuntu;
import static dev.osupgrade.testkit.OsUpgradeAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osupgrade.InvalidValueException;
import dev.osupgrade.event.GovernanceWaived;
import dev.osupgrade.event.RingEvent;
import dev.osupgrade.event.RolloutStarted;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.governance.Environment;
import dev.osupgrade.governance.GovernanceWaiver;
import dev.osupgrade.governance.HealthSource;
import dev.osupgrade.governance.ImageNotTrustedException;
import dev.osupgrade.governance.ImageTrustPolicy;
import dev.osupgrade.governance.ReadinessIncompleteException;
import dev.osupgrade.governance.ReadinessItem;
import dev.osupgrade.governance.ReadinessRecord;
import dev.osupgrade.governance.SignalThreshold;
import dev.osupgrade.governance.TrustRule;
import dev.osupgrade.governance.performance.PerformanceGate;
import dev.osupgrade.governance.rings.Ring;
import dev.osupgrade.governance.rings.RingPlan;
import dev.osupgrade.governance.rings.RingRollout;
import dev.osupgrade.ops.RolloutStatus;
import dev.osupgrade.policy.AutomaticOsUpgradePolicy;
import dev.osupgrade.policy.RollingUpgradePolicy;
import dev.osupgrade.policy.UpgradeMode;
import dev.osupgrade.port.Metric;
import dev.osupgrade.port.RolloutStore;
import dev.osupgrade.rollout.Rollout;
import dev.osupgrade.rollout.RolloutRefusedException;
import dev.osupgrade.rollout.RolloutState;
import dev.osupgrade.service.ManagedRollout;
import dev.osupgrade.service.RolloutRunner;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Governed by default (issue 11): on a production scale set a rollout starts, and automatic OS upgrade is enabled,
 * only with a complete readiness record and a trust decision, or with an explicit opt-out that the event log and the
 * checkpoint record. Outcomes are checked against the fleet's own record of the calls it received.
 */
final class GovernedByDefaultTest {
  @RegisterExtension static final SimulatorExtension SIM = SimulatorExtension.withSeed(111);

  private static final String REASON = "INC-4711: kernel CVE hotfix, approved by the on-call lead";
  private static final List<String> MUTATING = List.of("updateModelImage", "updateUpgradePolicy",
      "upgradeInstances", "rollBackInstances", "scaleOut", "deleteInstances", "startOsUpgrade",
      "cancelRollingUpgrade", "approveRollingUpgrade");

  private static ScaleSetId production(SimulatedFleet fleet) {
    ScaleSetId id = fleet.add(ScaleSetSpec.named("web").resourceGroup("shop-prod").instances(10)
        .environment(Environment.PRODUCTION).image(ubuntu(V1)));
    fleet.publish(ubuntu(V2));
    return id;
  }

  private static ReadinessRecord complete(ScaleSetId id) {
    return ReadinessRecord.builder().owner("team-web", "web-oncall@example.com")
        .healthSource(HealthSource.APPLICATION_HEALTH_EXTENSION)
        .threshold(SignalThreshold.relative(Metric.CPU, 0.10)).scaleSets(id).atMostPercentAtOnce(20)
        .rings("all").automaticRollback(true).runbookStep("page web-oncall; roll back with osupgrade").build();
  }

  private static ImageTrustPolicy canonical() {
    return ImageTrustPolicy.trustingPublishers("Canonical");
  }

  /** The fleet's own record: every call that named the scale set was a read, and no mutating call was counted. */
  private static void nothingChanged(SimulatedFleet fleet, ScaleSetId id) {
    assertThat(fleet.record(id).calls()).isNotEmpty().allSatisfy(c -> assertThat(c.isRead()).as("%s", c).isTrue());
    MUTATING.forEach(m -> assertThat(fleet.calls(m)).as(m).isZero());
    assertThat(fleet.get(id).modelImage()).isEqualTo(ubuntu(V1));
    for (Instance i : fleet.get(id).instances()) {
      assertThat(fleet.reimageCount(id, i.instanceId())).as(i.instanceId()).isZero();
    }
  }

  /** The fleet's truth after a rollout to V2: the model on V2, every instance on V2, healthy, reimaged once. */
  private static void everyInstanceUpgradedOnce(SimulatedFleet fleet, ScaleSetId id) {
    assertThat(fleet.get(id).modelImage()).isEqualTo(ubuntu(V2));
    assertThat(fleet.get(id).instances()).hasSize(10).allSatisfy(i -> {
      assertThat(i.runs(V2)).as(i.instanceId()).isTrue();
      assertThat(fleet.reimageCount(id, i.instanceId())).as(i.instanceId()).isEqualTo(1);
    });
  }

  // ---- refused -------------------------------------------------------------------------------------------------

  @Test
  void rollout_productionWithoutRecordOrTrust_refusedBeforeAnyChangeNamingTheFourItemsInOrder(
      SimulatedFleet fleet) {
    ScaleSetId id = production(fleet);
    RolloutStore store = RolloutStore.inMemory();
    Rollout r = Rollout.builder(fleet, id).target(V2).clock(fleet.clock()).store(store).owner("replica-a").build();

    assertThatThrownBy(r::advance).isInstanceOfSatisfying(ReadinessIncompleteException.class, e -> {
      assertThat(e.code()).isEqualTo("ReadinessIncomplete");
      assertThat(e.check().environment()).isEqualTo(Environment.PRODUCTION);
      assertThat(e.getMessage().lines()).containsExactly(
          "start an orchestrated rollout on " + id + " (PRODUCTION): refused, no readiness record was given.",
          "  Owner: " + ReadinessItem.OWNER_TEAM.sentence() + " " + ReadinessItem.OWNER_CONTACT.sentence(),
          "  Expected signal: " + ReadinessItem.HEALTH_SOURCE.sentence() + " "
              + ReadinessItem.SIGNAL_THRESHOLDS.sentence(),
          "  Rollout boundary: " + ReadinessItem.BOUNDARY_SCOPE.sentence() + " "
              + ReadinessItem.BOUNDARY_AT_ONCE.sentence() + " " + ReadinessItem.RING_ORDER.sentence(),
          "  Rollback path: " + ReadinessItem.ROLLBACK_MODE.sentence() + " "
              + ReadinessItem.ROLLBACK_RUNBOOK.sentence(),
          "  Image trust: no trust decision, no ImageTrustPolicy was given.",
          "A scale set counts as production when its environment tag says so or when it has none. Give the rollout "
              + "readiness(record) and trust(policy), or opt out with ungoverned(reason), which the event log and "
              + "the checkpoint record.",
          "Nothing was changed.");
    });

    nothingChanged(fleet, id);
    assertThat(r.status()).isEqualTo(RolloutStatus.NOT_STARTED);
    assertThat(r.events()).isEmpty();
    assertThat(store.load(id)).as("no checkpoint was written").isEmpty();
    assertThat(store.tryAcquire(id, "replica-b", fleet.clock().instant(), Duration.ofMinutes(5)))
        .as("the refusal released the lease").isPresent();
  }

  @Test
  void rollout_productionWithIncompleteRecord_namesEachSectionAndWhatIsMissingFromIt(SimulatedFleet fleet) {
    ScaleSetId id = production(fleet);
    ReadinessRecord noBoundaryNoRunbook = ReadinessRecord.builder().owner("team-web", "web-oncall@example.com")
        .healthSource(HealthSource.APPLICATION_HEALTH_EXTENSION).threshold(SignalThreshold.relative(Metric.CPU, 0.1))
        .automaticRollback(true).build();
    Rollout r = Rollout.builder(fleet, id).target(V2).clock(fleet.clock()).readiness(noBoundaryNoRunbook)
        .trust(canonical()).build();

    assertThatThrownBy(r::advance).isInstanceOfSatisfying(ReadinessIncompleteException.class, e ->
        assertThat(e.getMessage().lines()).containsExactly(
            "start an orchestrated rollout on " + id + " (PRODUCTION): refused, the readiness record is incomplete.",
            "  Owner: nothing missing.",
            "  Expected signal: nothing missing.",
            "  Rollout boundary: " + ReadinessItem.BOUNDARY_SCOPE.sentence() + " "
                + ReadinessItem.BOUNDARY_AT_ONCE.sentence() + " " + ReadinessItem.RING_ORDER.sentence(),
            "  Rollback path: " + ReadinessItem.ROLLBACK_RUNBOOK.sentence(),
            "  Image trust: trusted.",
            "A scale set counts as production when its environment tag says so or when it has none. Give the "
                + "rollout readiness(record) and trust(policy), or opt out with ungoverned(reason), which the event "
                + "log and the checkpoint record.",
            "Nothing was changed."));
    nothingChanged(fleet, id);
  }

  @Test
  void rollout_productionWithRecordButNoTrustPolicy_refusedForTheMissingTrustDecision(SimulatedFleet fleet) {
    ScaleSetId id = production(fleet);
    Rollout r = Rollout.builder(fleet, id).target(V2).clock(fleet.clock()).readiness(complete(id)).build();

    assertThatThrownBy(r::advance).isInstanceOfSatisfying(RolloutRefusedException.class, e -> {
      assertThat(e.code()).isEqualTo(RolloutRefusedException.TRUST_DECISION_MISSING);
      assertThat(e.getMessage()).contains("(PRODUCTION): ready",
          "Image trust: no trust decision, no ImageTrustPolicy was given.", "Nothing was changed.");
    });
    nothingChanged(fleet, id);
  }

  @Test
  void rollout_productionWithRecordAndAPolicyThatRefusesTheImage_refusedNamingTheRule(SimulatedFleet fleet) {
    ScaleSetId id = production(fleet);
    Rollout r = Rollout.builder(fleet, id).target(V2).clock(fleet.clock()).readiness(complete(id))
        .trust(ImageTrustPolicy.trustingPublishers("MicrosoftWindowsServer")).build();

    assertThatThrownBy(r::advance).isInstanceOfSatisfying(ImageNotTrustedException.class, e -> {
      assertThat(e.rules()).containsExactly(TrustRule.TRUSTED_PUBLISHER);
      assertThat(e.decision().environment()).isEqualTo(Environment.PRODUCTION);
    });
    nothingChanged(fleet, id);
  }

  @Test
  void rollout_callerSaysProductionOnATestScaleSet_isGovernedAsProduction(SimulatedFleet fleet) {
    ScaleSetId id = fleet.add(ScaleSetSpec.named("web").instances(10).image(ubuntu(V1)));
    fleet.publish(ubuntu(V2));
    Rollout r = Rollout.builder(fleet, id).target(V2).clock(fleet.clock()).environment(Environment.PRODUCTION)
        .build();

    assertThatThrownBy(r::advance).isInstanceOf(ReadinessIncompleteException.class);
    nothingChanged(fleet, id);
  }

  @Test
  void runner_productionRolloutWithoutGovernance_setAsideAtOnceWithTheRefusalAndNothingChanged(SimulatedFleet fleet) {
    ScaleSetId id = production(fleet);
    RolloutStore store = RolloutStore.inMemory();
    RolloutRunner runner = RolloutRunner.builder().clock(fleet.clock())
        .scheduler(VirtualScheduler.on(fleet.clock())).build();

    ManagedRollout handle = runner.submit(Rollout.builder(fleet, id).target(V2).clock(fleet.clock()).store(store)
        .owner("replica-a").build());
    fleet.clock().runUntilIdle();

    assertThat(handle.state()).isEqualTo(ManagedRollout.State.SET_ASIDE);
    assertThat(handle.status().lastErrorIfAny()).hasValueSatisfying(e -> assertThat(e)
        .contains("ReadinessIncomplete", "Owner: ", "Rollback path: "));
    nothingChanged(fleet, id);
    assertThat(store.tryAcquire(id, "replica-b", fleet.clock().instant(), Duration.ofMinutes(5))).isPresent();
    runner.shutdown();
  }

  // ---- governed, opted out, or not production --------------------------------------------------------------------

  @Test
  void rollout_productionWithCompleteRecordAndTrust_runsToCompletedWithoutAWaiver(SimulatedFleet fleet) {
    ScaleSetId id = production(fleet);

    Rollout r = fleet.run(Rollout.builder(fleet, id).target(V2).clock(fleet.clock()).readiness(complete(id))
        .trust(canonical()).build());

    assertThat(r).isCompleted().hadBatches(5);
    everyInstanceUpgradedOnce(fleet, id);
    assertThat(r.governanceWaiver()).isEmpty();
    assertThat(r.events()).noneMatch(GovernanceWaived.class::isInstance);
    assertThat(r.events().get(0)).isInstanceOf(RolloutStarted.class);
  }

  @Test
  void rollout_productionOptedOut_runsAndTheEventLogAndCheckpointSayWhoAndWhy(SimulatedFleet fleet) {
    ScaleSetId id = production(fleet);
    RolloutStore store = RolloutStore.inMemory();

    Rollout r = fleet.run(Rollout.builder(fleet, id).target(V2).clock(fleet.clock()).store(store)
        .owner("replica-a").ungoverned(REASON).build());

    assertThat(r).isCompleted().hadBatches(5);
    everyInstanceUpgradedOnce(fleet, id);
    assertThat(r.events().get(0)).isInstanceOfSatisfying(GovernanceWaived.class, e -> {
      assertThat(e.sequence()).isEqualTo(1);
      assertThat(e.by()).isEqualTo("replica-a");
      assertThat(e.reason()).isEqualTo(REASON);
      assertThat(e.at()).isEqualTo(VirtualClock.DEFAULT_START);
      assertThat(e.toString()).isEqualTo("#0001 " + VirtualClock.DEFAULT_START + " " + id + " governance waived by "
          + "replica-a on a production scale set (no readiness record or trust decision asked): " + REASON);
    });
    assertThat(r.events().get(1)).isInstanceOf(RolloutStarted.class);
    assertThat(r.events()).filteredOn(GovernanceWaived.class::isInstance).hasSize(1);
    String checkpoint = store.load(id).orElseThrow().data();
    assertThat(checkpoint).contains("ungoverned.by=replica-a\n", "ungoverned.reason=" + REASON + "\n");
    assertThat(RolloutState.decode(checkpoint).governanceWaiver()).isEqualTo(new GovernanceWaiver("replica-a",
        REASON));
    assertThat(r.governanceWaiver()).contains(new GovernanceWaiver("replica-a", REASON));
  }

  @Test
  void rollout_optedOutThenResumedFromTheStoreByAnotherReplica_stillKnowsWhoOptedOutAndWhy(SimulatedFleet fleet) {
    ScaleSetId id = production(fleet);
    RolloutStore store = RolloutStore.inMemory();
    Rollout first = Rollout.builder(fleet, id).target(V2).clock(fleet.clock()).store(store).owner("replica-a")
        .ungoverned(REASON).build();
    Optional<Instant> next = first.advance();           // started: batch 1 sent; then replica-a dies
    assertThat(first.status()).isEqualTo(RolloutStatus.ROLLING_FORWARD);
    assertThat(next).isPresent();
    fleet.clock().advance(Rollout.DEFAULT_LEASE.plusMinutes(1));

    Rollout resumed = fleet.run(Rollout.resuming(fleet, id, store).clock(fleet.clock()).owner("replica-b").build());

    assertThat(resumed).isCompleted();
    everyInstanceUpgradedOnce(fleet, id);
    assertThat(resumed.governanceWaiver()).as("built without ungoverned(...), resumed from the checkpoint")
        .contains(new GovernanceWaiver("replica-a", REASON));
    assertThat(RolloutState.decode(store.load(id).orElseThrow().data()).governanceWaiver())
        .isEqualTo(new GovernanceWaiver("replica-a", REASON));
    assertThat(resumed.events()).noneMatch(GovernanceWaived.class::isInstance); // said once, by the starter
  }

  @Test
  void rollout_onASimulatedScaleSetByDefault_isNotProductionAndRunsAsBefore(SimulatedFleet fleet) {
    ScaleSetId id = fleet.add(ScaleSetSpec.named("web").instances(10).image(ubuntu(V1)));
    fleet.publish(ubuntu(V2));

    Rollout r = fleet.run(Rollout.builder(fleet, id).target(V2).clock(fleet.clock()).build());

    assertThat(fleet.get(id).tags()).containsEntry("environment", "test");
    assertThat(Environment.of(fleet.get(id))).isEqualTo(Environment.TEST);
    assertThat(r).isCompleted().hadBatches(5);
    everyInstanceUpgradedOnce(fleet, id);
    assertThat(r.events().get(0)).isInstanceOf(RolloutStarted.class);
  }

  @ParameterizedTest
  @EnumSource(value = Environment.class, names = {"DEVELOPMENT", "TEST", "STAGING"})
  void rollout_nonProductionOptedOut_runsAndRecordsNoWaiver(Environment environment, SimulatedFleet fleet) {
    ScaleSetId id = fleet.add(ScaleSetSpec.named("web").instances(10).environment(environment).image(ubuntu(V1)));
    fleet.publish(ubuntu(V2));
    RolloutStore store = RolloutStore.inMemory();

    Rollout r = fleet.run(Rollout.builder(fleet, id).target(V2).clock(fleet.clock()).store(store)
        .ungoverned(REASON).build());

    assertThat(r).isCompleted();
    everyInstanceUpgradedOnce(fleet, id);
    assertThat(r.governanceWaiver()).as("nothing was waived outside production").isEmpty();
    assertThat(r.events()).noneMatch(GovernanceWaived.class::isInstance);
    assertThat(store.load(id).orElseThrow().data()).doesNotContain("ungoverned");
  }

  @Test
  void builder_ungovernedTogetherWithRecordOrTrust_rejectedAtBuild(SimulatedFleet fleet) {
    ScaleSetId id = production(fleet);

    assertThatThrownBy(() -> Rollout.builder(fleet, id).target(V2).clock(fleet.clock()).readiness(complete(id))
        .ungoverned(REASON).build()).isInstanceOf(IllegalStateException.class).hasMessageContaining("not both");
    assertThatThrownBy(() -> Rollout.builder(fleet, id).target(V2).clock(fleet.clock()).ungoverned(REASON)
        .trust(canonical()).build()).isInstanceOf(IllegalStateException.class).hasMessageContaining("not both");
  }

  @Test
  void builder_ungovernedWithoutAReason_rejectedNamingTheParameter(SimulatedFleet fleet) {
    ScaleSetId id = production(fleet);
    Rollout.Builder b = Rollout.builder(fleet, id).target(V2).clock(fleet.clock());

    for (String bad : new String[] {"", "  ", "two\nlines", " padded", "x".repeat(GovernanceWaiver.MAX_REASON + 1)}) {
      assertThatThrownBy(() -> b.ungoverned(bad)).as(bad).isInstanceOfSatisfying(InvalidValueException.class,
          e -> assertThat(e.parameter()).isEqualTo("reason"));
    }
    assertThatThrownBy(b.build()::advance).as("the rejected reasons opted nothing out")
        .isInstanceOf(ReadinessIncompleteException.class);
  }

  // ---- enabling automatic OS upgrade through the library ---------------------------------------------------------

  private static ScaleSetId platformSet(SimulatedFleet fleet, Environment environment) {
    ScaleSetId id = fleet.add(ScaleSetSpec.named("web").instances(5).environment(environment).image(ubuntu(V1))
        .mode(UpgradeMode.ROLLING).rollingPolicy(RollingUpgradePolicy.ofDefaults())
        .automaticOsUpgrade(AutomaticOsUpgradePolicy.ofDefaults().withUseRollingUpgradePolicy(true)));
    fleet.updateModelImage(id, ubuntu(V1).withLatest());
    fleet.publish(ubuntu(V2));
    return id;
  }

  @Test
  void governedPlatform_productionWithoutRecord_refusedBeforeThePatchNamingTheFourItems(SimulatedFleet fleet) {
    ScaleSetId id = platformSet(fleet, Environment.PRODUCTION);
    int modelWrites = fleet.calls("updateModelImage"); // the test's own move of the model to 'latest'

    RingRollout r = RingRollout.builder(RingPlan.of(Ring.of("only", Duration.ZERO, id)), fleet, fleet).target(V2)
        .clock(fleet.clock()).trust(canonical()).governedPlatform(fleet).build();
    assertThat(r.advance()).isEmpty();

    assertThat(r.status()).isEqualTo(RingRollout.Status.REFUSED);
    assertThat(fleet.calls("updateUpgradePolicy")).as("no PATCH of the upgrade policy").isZero();
    assertThat(fleet.calls("updateModelImage")).isEqualTo(modelWrites);
    assertThat(fleet.record(id).calls("updateUpgradePolicy")).isEmpty();
    assertThat(fleet.get(id).upgradePolicy().automaticOsUpgrade().enableAutomaticOSUpgrade()).isFalse();
    RingEvent refused = r.events().stream().filter(e -> e.kind() == RingEvent.Kind.RING_REFUSED).findFirst()
        .orElseThrow();
    assertThat(refused.detail()).contains("enable automatic OS image upgrade on " + id + " (PRODUCTION): refused, "
        + "no readiness record was given.");
    int owner = refused.detail().indexOf("Owner: ");
    int signal = refused.detail().indexOf("Expected signal: ");
    int boundary = refused.detail().indexOf("Rollout boundary: ");
    int rollback = refused.detail().indexOf("Rollback path: ");
    assertThat(List.of(owner, signal, boundary, rollback)).as(refused.detail()).doesNotContain(-1).isSorted();
  }

  @Test
  void governedPlatform_productionWithCompleteRecord_enablesAutomaticOsUpgradeAndThePlatformUpgrades(
      SimulatedFleet fleet) {
    ScaleSetId id = platformSet(fleet, Environment.PRODUCTION);

    RingRollout r = RingRollout.builder(RingPlan.of(Ring.of("only", Duration.ZERO, id)), fleet, fleet).target(V2)
        .clock(fleet.clock()).trust(canonical()).readiness(complete(id)).governedPlatform(fleet).build();
    for (Optional<Instant> next = r.advance(); next.isPresent(); next = r.advance()) {
      fleet.clock().advanceTo(next.get());
    }

    assertThat(r.status()).as(r.eventLog()).isEqualTo(RingRollout.Status.COMPLETED);
    assertThat(fleet.record(id).calls("updateUpgradePolicy")).hasSize(1);
    assertThat(fleet.get(id).upgradePolicy().automaticOsUpgrade().enableAutomaticOSUpgrade()).isTrue();
    assertThat(fleet.get(id).instances()).allSatisfy(i -> assertThat(i.runs(V2)).isTrue());
  }

  @Test
  void ringRollout_productionRingsWithRecords_rolloutsAreGovernedAndARollbackRecordsItsOptOut(SimulatedFleet fleet) {
    ScaleSetId id = production(fleet);
    fleet.imagePerformance(V2, Metric.CPU, 1.3); // healthy to probes, heavier: the soak fails, the ring rolls back
    PerformanceGate cpu = PerformanceGate.builder().source(fleet)
        .threshold(SignalThreshold.relative(Metric.CPU, 0.10)).beforeVsAfter(true).build();

    RingRollout r = RingRollout.builder(RingPlan.of(Ring.of("canary", Duration.ofHours(1), id)), fleet, fleet)
        .target(V2).clock(fleet.clock()).trust(canonical()).readiness(complete(id)).gate(cpu)
        .store(RolloutStore.inMemory(), "replica-a").build();
    for (Optional<Instant> next = r.advance(); next.isPresent(); next = r.advance()) {
      fleet.clock().advanceTo(next.get());
    }

    assertThat(r.status()).as(r.eventLog()).isEqualTo(RingRollout.Status.FAULTED);
    assertThat(r.rollouts().get(id).governanceWaiver()).as("the forward rollout was governed").isEmpty();
    Rollout back = r.rollbacks().get(id);
    assertThat(back).as(r.eventLog()).isNotNull();
    assertThat(back.governanceWaiver()).hasValueSatisfying(w -> {
      assertThat(w.by()).isEqualTo("replica-a");
      assertThat(w.reason()).contains("rollback of ring canary");
    });
    assertThat(back.events().get(0)).isInstanceOf(GovernanceWaived.class);
    assertThat(fleet.get(id).instances()).allSatisfy(i -> assertThat(i.runs(V1)).as(i.instanceId()).isTrue());
  }
}
