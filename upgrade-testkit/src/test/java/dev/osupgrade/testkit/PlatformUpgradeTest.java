package dev.osupgrade.testkit;

import static dev.osupgrade.testkit.Images.UBUNTU;
import static dev.osupgrade.testkit.Images.V1;
import static dev.osupgrade.testkit.Images.V2;
import static dev.osupgrade.testkit.Images.ubuntu;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osupgrade.Region;
import dev.osupgrade.event.BatchCompleted;
import dev.osupgrade.event.BatchStarted;
import dev.osupgrade.event.InstanceFailed;
import dev.osupgrade.event.RolloutEvent;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.image.ImageRelease;
import dev.osupgrade.image.ImageVersion;
import dev.osupgrade.image.ReplicationState;
import dev.osupgrade.ops.ErrorCodes;
import dev.osupgrade.ops.RollbackInfo;
import dev.osupgrade.ops.RollingUpgradeStatus;
import dev.osupgrade.ops.RolloutStatus;
import dev.osupgrade.ops.StartedBy;
import dev.osupgrade.ops.UpgradeHistoryEntry;
import dev.osupgrade.ops.UpgradeProgress;
import dev.osupgrade.policy.AutomaticOsUpgradePolicy;
import dev.osupgrade.policy.RollingUpgradePolicy;
import dev.osupgrade.port.ConflictException;
import dev.osupgrade.port.InvalidModelException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

final class PlatformUpgradeTest {
  @RegisterExtension static final SimulatorExtension SIM = SimulatorExtension.withSeed(11);

  private static final String GALLERY_IMAGE =
      "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/images/providers/Microsoft.Compute/"
          + "galleries/shared/images/web";

  private static ScaleSetId automatic(SimulatedFleet fleet, int instances, AutomaticOsUpgradePolicy policy) {
    return fleet.add(ScaleSetSpec.named("web").instances(instances).image(ubuntu(V1)).automaticOsUpgrade(policy));
  }

  /** A scale set whose model follows latest without automatic OS upgrade: upgrades start only by hand. */
  private static ScaleSetId manualLatest(SimulatedFleet fleet, int instances) {
    ScaleSetId id = fleet.add(ScaleSetSpec.named("web").instances(instances).image(ubuntu(V1)));
    fleet.updateModelImage(id, UBUNTU);
    return id;
  }

  private static ImageReference gallery(String version) {
    return ImageReference.gallery(GALLERY_IMAGE, version);
  }

  private static <E extends RolloutEvent> List<E> events(SimulatedFleet fleet, ScaleSetId id, Class<E> type) {
    return fleet.platformEvents(id).stream().filter(type::isInstance).map(type::cast).toList();
  }

  // ---- automatic OS upgrade -----------------------------------------------------------------------------------

  @Test
  void automaticUpgrade_releasePublishedAndReplicated_platformUpgradesEveryInstanceCompletedByPlatform(
      SimulatedFleet fleet, VirtualClock clock) {
    Instant created = clock.instant();
    ScaleSetId id = automatic(fleet, 10, AutomaticOsUpgradePolicy.enabled());
    fleet.publish(ubuntu(V2));

    clock.runUntilIdle();

    assertThat(fleet.get(id).instances()).allSatisfy(i -> {
      assertThat(i.runs(V2)).isTrue();
      assertThat(i.latestModelApplied()).isTrue();
    });
    RollingUpgradeStatus latest = fleet.latestRollingUpgrade(id).orElseThrow();
    assertThat(latest.status()).isEqualTo(RolloutStatus.COMPLETED);
    assertThat(latest.lastAction()).isEqualTo(RollingUpgradeStatus.Action.START);
    assertThat(latest.progress()).isEqualTo(new UpgradeProgress(10, 0, 0, 0));
    assertThat(latest.policy()).isEqualTo(RollingUpgradePolicy.ofDefaults());
    assertThat(latest.startTime()).isBetween(created.plus(Duration.ofMinutes(15)), created.plus(Duration.ofHours(3)));
    List<UpgradeHistoryEntry> history = fleet.osUpgradeHistory(id);
    assertThat(history).singleElement().satisfies(h -> {
      assertThat(h.status()).isEqualTo(RolloutStatus.COMPLETED);
      assertThat(h.startedBy()).isEqualTo(StartedBy.PLATFORM);
      assertThat(h.targetImage()).isEqualTo(ubuntu(V2));
      assertThat(h.rollbackInfo()).isEqualTo(RollbackInfo.none());
      assertThat(h.endTime()).isAfter(h.startTime());
      assertThat(h.error()).isNull();
    });
    assertThat(events(fleet, id, BatchStarted.class)).hasSize(5);
    assertThat(fleet.calls("upgradeInstances")).as("the platform's actions are not port calls").isZero();
    assertThat(clock.pendingTimers()).as("a quiet fleet leaves no timer behind").isZero();
  }

  @Test
  void automaticUpgrade_checks_followTheFifteenMinuteGridAfterTheFirstCheck(SimulatedFleet fleet,
      VirtualClock clock) {
    ScaleSetId id = automatic(fleet, 5, AutomaticOsUpgradePolicy.enabled());
    clock.runUntilIdle();
    Instant firstCheck = clock.instant();
    assertThat(fleet.latestRollingUpgrade(id)).isEmpty();

    clock.advance(Duration.ofMinutes(20));
    fleet.publish(ubuntu(V2));
    clock.runUntilIdle();

    Instant started = fleet.latestRollingUpgrade(id).orElseThrow().startTime();
    assertThat(started).isEqualTo(firstCheck.plus(Duration.ofMinutes(30)));
  }

  @Test
  void automaticUpgrade_useRollingUpgradePolicy_followsTheScaleSetPolicyElseAzureDefaults(SimulatedFleet fleet,
      VirtualClock clock) {
    RollingUpgradePolicy half = RollingUpgradePolicy.builder().maxBatchInstancePercent(50).build();
    ScaleSetId uses = fleet.add(ScaleSetSpec.named("uses").instances(10).image(ubuntu(V1)).rollingPolicy(half)
        .automaticOsUpgrade(AutomaticOsUpgradePolicy.enabled().withUseRollingUpgradePolicy(true)));
    ScaleSetId ignores = fleet.add(ScaleSetSpec.named("ignores").instances(10).image(ubuntu(V1)).rollingPolicy(half)
        .automaticOsUpgrade(AutomaticOsUpgradePolicy.enabled()));
    fleet.publish(ubuntu(V2));

    clock.runUntilIdle();

    assertThat(fleet.latestRollingUpgrade(uses).orElseThrow().policy()).isEqualTo(half);
    assertThat(events(fleet, uses, BatchStarted.class)).as("5 per batch, whole update domains of 2").hasSize(3);
    assertThat(fleet.latestRollingUpgrade(ignores).orElseThrow().policy()).isEqualTo(RollingUpgradePolicy.ofDefaults());
    assertThat(events(fleet, ignores, BatchStarted.class)).hasSize(5);
  }

  @Test
  void automaticUpgrade_galleryVersionNotYetReplicatedToRegion_nothingHappensUntilReplicationCompletes(
      SimulatedFleet fleet, VirtualClock clock) {
    ScaleSetId id = fleet.add(ScaleSetSpec.named("web").instances(5).image(gallery("1.0.0"))
        .automaticOsUpgrade(AutomaticOsUpgradePolicy.enabled()));
    fleet.publish(ImageRelease.gallery(gallery("1.1.0"), clock.instant(), Map.of(
        Region.of("eastus"), ReplicationState.COMPLETED, Region.of("westeurope"), ReplicationState.REPLICATING)));

    clock.runUntilIdle();

    assertThat(fleet.latestRollingUpgrade(id)).isEmpty();
    assertThat(fleet.get(id).instances()).allSatisfy(i -> assertThat(i.runs(ImageVersion.parse("1.0.0"))).isTrue());
    assertThat(fleet.log()).anySatisfy(l -> assertThat(l).contains("NOT_REPLICATED_TO_REGION"));

    Instant replicated = clock.instant().plus(Duration.ofHours(2));
    fleet.faults().replication(gallery("1.1.0"), "westeurope", ReplicationState.COMPLETED, Duration.ofHours(2));
    clock.runUntilIdle();

    assertThat(fleet.listReleases(gallery("1.1.0")).get(1).replicationIn(Region.of("westeurope")))
        .isEqualTo(ReplicationState.COMPLETED);
    assertThat(fleet.latestRollingUpgrade(id).orElseThrow().startTime()).isAfterOrEqualTo(replicated);
    assertThat(fleet.osUpgradeHistory(id)).singleElement()
        .satisfies(h -> assertThat(h.status()).isEqualTo(RolloutStatus.COMPLETED));
    assertThat(fleet.get(id).instances()).allSatisfy(i -> assertThat(i.runs(ImageVersion.parse("1.1.0"))).isTrue());
  }

  @Test
  void automaticUpgrade_versionExcludedFromLatest_nothingHappens(SimulatedFleet fleet, VirtualClock clock) {
    ScaleSetId id = automatic(fleet, 5, AutomaticOsUpgradePolicy.enabled());
    fleet.publish(ImageRelease.marketplace(ubuntu(V2), clock.instant()).withExcludedFromLatest(true));

    clock.runUntilIdle();

    assertThat(fleet.latestRollingUpgrade(id)).isEmpty();
    assertThat(fleet.osUpgradeHistory(id)).isEmpty();
    assertThat(fleet.get(id).instances()).allSatisfy(i -> {
      assertThat(i.runs(V1)).isTrue();
      assertThat(i.latestModelApplied()).as("latest still resolves to %s", V1).isTrue();
    });
  }

  @Test
  void automaticUpgrade_releasePublishedInTheFuture_startsAtTheFirstCheckAfterIt(SimulatedFleet fleet,
      VirtualClock clock) {
    ScaleSetId id = automatic(fleet, 5, AutomaticOsUpgradePolicy.enabled());
    Instant publishes = clock.instant().plus(Duration.ofDays(2));
    fleet.publish(ImageRelease.marketplace(ubuntu(V2), publishes));

    clock.runUntilIdle();

    Instant started = fleet.latestRollingUpgrade(id).orElseThrow().startTime();
    assertThat(started).isAfterOrEqualTo(publishes).isBefore(publishes.plus(Duration.ofMinutes(15)));
  }

  @Test
  void automaticUpgrade_releaseNowAfterAFutureOne_isNotHeldBackByTheFutureCheck(SimulatedFleet fleet,
      VirtualClock clock) {
    ScaleSetId id = automatic(fleet, 5, AutomaticOsUpgradePolicy.enabled());
    clock.runUntilIdle();
    Instant v3Publishes = clock.instant().plus(Duration.ofDays(2));
    fleet.publish(ImageRelease.marketplace(ubuntu(Images.V3), v3Publishes));
    fleet.publish(ubuntu(V2));

    clock.advance(Duration.ofMinutes(15));
    assertThat(fleet.latestRollingUpgrade(id)).isPresent();
    clock.runUntilIdle();

    assertThat(fleet.osUpgradeHistory(id)).extracting(UpgradeHistoryEntry::targetImage)
        .containsExactly(ubuntu(Images.V3), ubuntu(V2));
    assertThat(fleet.osUpgradeHistory(id).get(0).startTime()).isAfterOrEqualTo(v3Publishes);
  }

  @Test
  void automaticUpgrade_badVersion_faultsRollsBackFailedInstancesAndHistoryCountsThem(SimulatedFleet fleet,
      VirtualClock clock) {
    ScaleSetId id = automatic(fleet, 10, AutomaticOsUpgradePolicy.enabled());
    fleet.imageBehavior(V2, ImageBehavior.comesUpUnhealthy());
    fleet.publish(ubuntu(V2));

    clock.runUntilIdle();

    RollingUpgradeStatus latest = fleet.latestRollingUpgrade(id).orElseThrow();
    assertThat(latest.status()).isEqualTo(RolloutStatus.FAULTED);
    assertThat(latest.error()).isNotNull();
    assertThat(latest.errorIfAny().orElseThrow().code()).isEqualTo(ErrorCodes.MAX_UNHEALTHY_UPGRADED);
    assertThat(latest.errorIfAny().orElseThrow().message())
        .startsWith("Rolling Upgrade failed after exceeding the MaxUnhealthyUpgradedInstancePercent value")
        .contains("First failed instance ID is: 0.");
    assertThat(latest.progress()).isEqualTo(new UpgradeProgress(0, 2, 0, 8));
    UpgradeHistoryEntry h = fleet.osUpgradeHistory(id).get(0);
    assertThat(h.status()).isEqualTo(RolloutStatus.FAULTED);
    assertThat(h.startedBy()).isEqualTo(StartedBy.PLATFORM);
    assertThat(h.rollbackInfo()).isEqualTo(new RollbackInfo(2, 0, null));
    assertThat(fleet.get(id).instances()).allSatisfy(i -> assertThat(i.runs(V1)).isTrue());
    assertThat(fleet.reimageCount(id, "0")).as("upgrade and rollback").isEqualTo(2);
    assertThat(fleet.reimageCount(id, "1")).isZero();
  }

  @Test
  void automaticUpgrade_faultedVersion_isNotRetriedUntilAModelUpdate(SimulatedFleet fleet, VirtualClock clock) {
    ScaleSetId id = automatic(fleet, 10, AutomaticOsUpgradePolicy.enabled());
    fleet.imageBehavior(V2, ImageBehavior.comesUpUnhealthy());
    fleet.publish(ubuntu(V2));
    clock.runUntilIdle();
    clock.advance(Duration.ofDays(1));
    assertThat(fleet.osUpgradeHistory(id)).hasSize(1);
    assertThat(fleet.log()).anySatisfy(l -> assertThat(l).contains("is not retried after its last upgrade ended "
        + "Faulted"));

    fleet.imageBehavior(V2, ImageBehavior.healthy());
    fleet.updateUpgradePolicy(id, fleet.get(id).upgradePolicy(), null);
    clock.runUntilIdle();

    assertThat(fleet.osUpgradeHistory(id)).extracting(UpgradeHistoryEntry::status)
        .containsExactly(RolloutStatus.COMPLETED, RolloutStatus.FAULTED);
  }

  @Test
  void automaticUpgrade_disableAutomaticRollback_leavesFailedInstancesOnTheNewVersion(SimulatedFleet fleet,
      VirtualClock clock) {
    ScaleSetId id = automatic(fleet, 10, AutomaticOsUpgradePolicy.enabled().withDisableAutomaticRollback(true));
    fleet.imageBehavior(V2, ImageBehavior.comesUpUnhealthy());
    fleet.publish(ubuntu(V2));

    clock.runUntilIdle();

    UpgradeHistoryEntry h = fleet.osUpgradeHistory(id).get(0);
    assertThat(h.status()).isEqualTo(RolloutStatus.FAULTED);
    assertThat(h.rollbackInfo()).isEqualTo(RollbackInfo.none());
    assertThat(events(fleet, id, InstanceFailed.class)).extracting(InstanceFailed::instanceId)
        .containsExactly("0", "5");
    assertThat(events(fleet, id, InstanceFailed.class)).noneMatch(InstanceFailed::rollingBack);
    assertThat(fleet.get(id).instance("0").orElseThrow().runs(V2)).isTrue();
    assertThat(fleet.get(id).instance("5").orElseThrow().runs(V2)).isTrue();
    assertThat(fleet.reimageCount(id, "0")).isEqualTo(1);
  }

  @Test
  void automaticUpgrade_zoneOutageMidUpgrade_faultsInRollingUpgradeAtTheNextBatch() {
    SimulationProfile oneHour = SimulationProfile.ofDefaults()
        .withPlatformChecks(Duration.ofMinutes(15), Duration.ofHours(1), Duration.ofHours(1));
    SimulatedFleet fleet = SimulatedFleet.create(11, VirtualClock.create(), oneHour);
    ScaleSetId id = fleet.add(ScaleSetSpec.named("web").instances(30).zones(3).image(ubuntu(V1))
        .automaticOsUpgrade(AutomaticOsUpgradePolicy.enabled()));
    fleet.publish(ubuntu(V2));
    fleet.faults().zoneOutage(id, "3", Duration.ofMinutes(63), Duration.ofHours(2));

    fleet.clock().runUntilIdle();

    RollingUpgradeStatus latest = fleet.latestRollingUpgrade(id).orElseThrow();
    assertThat(latest.startTime()).isEqualTo(VirtualClock.DEFAULT_START.plus(Duration.ofHours(1)));
    assertThat(latest.status()).isEqualTo(RolloutStatus.FAULTED);
    assertThat(latest.errorIfAny().orElseThrow().code()).isEqualTo(ErrorCodes.MAX_UNHEALTHY_IN);
    assertThat(latest.progress()).isEqualTo(new UpgradeProgress(6, 0, 0, 24));
    assertThat(fleet.osUpgradeHistory(id).get(0).rollbackInfo()).isEqualTo(RollbackInfo.none());
  }

  @Test
  void automaticUpgrade_quietFleet_runUntilIdleEndsWithNoTimerLeft(SimulatedFleet fleet, VirtualClock clock) {
    automatic(fleet, 5, AutomaticOsUpgradePolicy.enabled());

    clock.runUntilIdle();

    assertThat(clock.pendingTimers()).isZero();
    assertThat(fleet.log()).anySatisfy(l -> assertThat(l).contains("platform check: nothing to do"));
  }

  // ---- manual start -------------------------------------------------------------------------------------------

  @Test
  void startOsUpgrade_healthyVersion_upgradesEveryInstanceStartedByUser(SimulatedFleet fleet, VirtualClock clock) {
    ScaleSetId id = manualLatest(fleet, 10);
    fleet.publish(ubuntu(V2));

    fleet.startOsUpgrade(id);
    assertThat(fleet.latestRollingUpgrade(id).orElseThrow().status()).isEqualTo(RolloutStatus.ROLLING_FORWARD);
    clock.runUntilIdle();

    assertThat(fleet.osUpgradeHistory(id)).singleElement().satisfies(h -> {
      assertThat(h.status()).isEqualTo(RolloutStatus.COMPLETED);
      assertThat(h.startedBy()).isEqualTo(StartedBy.USER);
      assertThat(h.targetImage()).isEqualTo(ubuntu(V2));
    });
    assertThat(fleet.get(id).instances()).allSatisfy(i -> assertThat(i.runs(V2)).isTrue());
  }

  @Test
  void startOsUpgrade_badVersion_hasNoAutomaticRollback(SimulatedFleet fleet, VirtualClock clock) {
    ScaleSetId id = manualLatest(fleet, 10);
    fleet.imageBehavior(V2, ImageBehavior.comesUpUnhealthy());
    fleet.publish(ubuntu(V2));

    fleet.startOsUpgrade(id);
    clock.runUntilIdle();

    UpgradeHistoryEntry h = fleet.osUpgradeHistory(id).get(0);
    assertThat(h.status()).isEqualTo(RolloutStatus.FAULTED);
    assertThat(h.startedBy()).isEqualTo(StartedBy.USER);
    assertThat(h.rollbackInfo()).isEqualTo(RollbackInfo.none());
    assertThat(fleet.get(id).instance("0").orElseThrow().runs(V2)).isTrue();
    assertThat(events(fleet, id, InstanceFailed.class)).noneMatch(InstanceFailed::rollingBack);
  }

  @Test
  void startOsUpgrade_modelPinned_isRejectedWithAzureMessage(SimulatedFleet fleet) {
    ScaleSetId id = fleet.add(ScaleSetSpec.named("web").instances(5).image(ubuntu(V1)));
    fleet.publish(ubuntu(V2));

    assertThatThrownBy(() -> fleet.startOsUpgrade(id)).isInstanceOf(InvalidModelException.class)
        .hasMessageContaining("The OS Rolling Upgrade API cannot be used on a Virtual Machine Scale Set unless the "
            + "Virtual Machine Scale Set has some unprotected instances which have imageReference.version set to "
            + "latest.");
    assertThat(fleet.latestRollingUpgrade(id)).isEmpty();
  }

  @Test
  void startOsUpgrade_everyInstanceProtected_isRejected(SimulatedFleet fleet) {
    ScaleSetId id = manualLatest(fleet, 3);
    fleet.protect(id, true, "0", "1", "2");

    assertThatThrownBy(() -> fleet.startOsUpgrade(id)).isInstanceOf(InvalidModelException.class)
        .hasMessageContaining("some unprotected instances");
    assertThat(fleet.osUpgradeHistory(id)).isEmpty();
  }

  @Test
  void startOsUpgrade_upgradeAlreadyRunning_isAConflictAndChangesNothing(SimulatedFleet fleet) {
    ScaleSetId id = manualLatest(fleet, 10);
    fleet.publish(ubuntu(V2));
    fleet.startOsUpgrade(id);

    assertThatThrownBy(() -> fleet.startOsUpgrade(id)).isInstanceOf(ConflictException.class)
        .hasMessageContaining("already in progress")
        .satisfies(e -> assertThat(((ConflictException) e).httpStatus()).isEqualTo(409));
    assertThat(fleet.osUpgradeHistory(id)).hasSize(1);
  }

  // ---- cancel -------------------------------------------------------------------------------------------------

  @Test
  void cancelRollingUpgrade_midRollout_finishesTheBatchInFlightThenCancelled(SimulatedFleet fleet,
      VirtualClock clock) {
    ScaleSetId id = manualLatest(fleet, 10);
    fleet.publish(ubuntu(V2));
    fleet.startOsUpgrade(id);
    clock.advance(Duration.ofMinutes(1));

    fleet.cancelRollingUpgrade(id);
    clock.runUntilIdle();

    RollingUpgradeStatus latest = fleet.latestRollingUpgrade(id).orElseThrow();
    assertThat(latest.status()).isEqualTo(RolloutStatus.CANCELLED);
    assertThat(latest.lastAction()).isEqualTo(RollingUpgradeStatus.Action.CANCEL);
    assertThat(latest.lastActionTime()).isEqualTo(latest.startTime().plus(Duration.ofMinutes(1)));
    assertThat(latest.progress()).isEqualTo(new UpgradeProgress(2, 0, 0, 8));
    assertThat(events(fleet, id, BatchStarted.class)).hasSize(1);
    assertThat(events(fleet, id, BatchCompleted.class)).hasSize(1);
    assertThat(fleet.get(id).instances().stream().filter(i -> i.runs(V2)).map(Instance::instanceId))
        .containsExactly("0", "5");
    assertThat(fleet.osUpgradeHistory(id).get(0).status()).isEqualTo(RolloutStatus.CANCELLED);
  }

  @Test
  void cancelRollingUpgrade_nothingRunning_isANoOpThatIsLogged(SimulatedFleet fleet) {
    ScaleSetId id = manualLatest(fleet, 3);

    fleet.cancelRollingUpgrade(id);

    assertThat(fleet.latestRollingUpgrade(id)).isEmpty();
    assertThat(fleet.log()).anySatisfy(l -> assertThat(l).contains("There is no ongoing Rolling Upgrade to cancel."));
  }

  // ---- deferral -----------------------------------------------------------------------------------------------

  @Test
  void deferral_noInstanceUpgradedUntilApproved_thenTheBatchProceeds(SimulatedFleet fleet, VirtualClock clock) {
    ScaleSetId id = automatic(fleet, 10, AutomaticOsUpgradePolicy.enabled().withOsRollingUpgradeDeferral(true));
    fleet.publish(ubuntu(V2));
    clock.advance(Duration.ofHours(4));

    assertThat(fleet.pendingApproval(id)).containsExactly("0", "5");
    assertThat(fleet.get(id).instances()).allSatisfy(i -> {
      assertThat(i.runs(V1)).isTrue();
      assertThat(fleet.reimageCount(id, i.instanceId())).isZero();
    });
    assertThat(fleet.latestRollingUpgrade(id).orElseThrow().progress()).isEqualTo(new UpgradeProgress(0, 0, 2, 8));

    fleet.approveRollingUpgrade(id, List.of("0"));
    clock.advance(Duration.ofMinutes(10));
    assertThat(fleet.get(id).instance("0").orElseThrow().runs(V2)).isTrue();
    assertThat(fleet.pendingApproval(id)).containsExactly("5");
    assertThat(events(fleet, id, BatchCompleted.class)).as("batch 1 waits for instance 5").isEmpty();

    for (int round = 0; round < 10 && fleet.latestRollingUpgrade(id).orElseThrow().isRunning(); round++) {
      fleet.approveRollingUpgrade(id, fleet.pendingApproval(id));
      clock.advance(Duration.ofMinutes(10));
    }

    assertThat(fleet.latestRollingUpgrade(id).orElseThrow().status()).isEqualTo(RolloutStatus.COMPLETED);
    assertThat(events(fleet, id, BatchStarted.class)).hasSize(5);
    assertThat(events(fleet, id, InstanceFailed.class)).isEmpty();
    assertThat(fleet.get(id).instances()).allSatisfy(i -> assertThat(i.runs(V2)).isTrue());
  }

  @Test
  void deferral_waitingLongerThanTheUsualInstanceTimeout_doesNotTimeOut(SimulatedFleet fleet, VirtualClock clock) {
    ScaleSetId id = automatic(fleet, 5, AutomaticOsUpgradePolicy.enabled().withOsRollingUpgradeDeferral(true));
    fleet.publish(ubuntu(V2));
    clock.advance(Duration.ofHours(4));
    clock.advance(Duration.ofDays(2));

    fleet.approveRollingUpgrade(id, fleet.pendingApproval(id));
    clock.advance(Duration.ofMinutes(10));

    assertThat(events(fleet, id, InstanceFailed.class)).isEmpty();
    assertThat(fleet.latestRollingUpgrade(id).orElseThrow().progress()).isEqualTo(new UpgradeProgress(1, 0, 1, 3));
  }

  @Test
  void deferral_cancelWhileWaiting_withdrawsTheWaitingInstances(SimulatedFleet fleet, VirtualClock clock) {
    ScaleSetId id = automatic(fleet, 10, AutomaticOsUpgradePolicy.enabled().withOsRollingUpgradeDeferral(true));
    fleet.publish(ubuntu(V2));
    clock.advance(Duration.ofHours(4));
    fleet.approveRollingUpgrade(id, List.of("0"));

    fleet.cancelRollingUpgrade(id);
    clock.advance(Duration.ofMinutes(10));

    RollingUpgradeStatus latest = fleet.latestRollingUpgrade(id).orElseThrow();
    assertThat(latest.status()).isEqualTo(RolloutStatus.CANCELLED);
    assertThat(latest.progress()).isEqualTo(new UpgradeProgress(1, 0, 0, 9));
    assertThat(fleet.pendingApproval(id)).isEmpty();
    assertThat(fleet.get(id).instance("5").orElseThrow().runs(V1)).isTrue();
  }

  @Test
  void approveRollingUpgrade_nothingPending_isANoOpThatIsLogged(SimulatedFleet fleet) {
    ScaleSetId id = manualLatest(fleet, 3);

    fleet.approveRollingUpgrade(id, List.of("1"));

    assertThat(fleet.log()).anySatisfy(l -> assertThat(l).contains("no OS upgrade is pending approval"));
  }

  // ---- history ------------------------------------------------------------------------------------------------

  @Test
  void osUpgradeHistory_sevenUpgrades_keepsTheLastFiveNewestFirst(SimulatedFleet fleet, VirtualClock clock) {
    ScaleSetId id = manualLatest(fleet, 2);
    List<ImageVersion> versions = new ArrayList<>();
    for (int k = 1; k <= 7; k++) {
      ImageVersion v = ImageVersion.parse("22.04.2025" + k + "01010");
      versions.add(v);
      fleet.publish(ubuntu(v));
      fleet.startOsUpgrade(id);
      clock.runUntilIdle();
    }

    List<UpgradeHistoryEntry> history = fleet.osUpgradeHistory(id);

    assertThat(history).extracting(h -> h.targetImage()).containsExactly(ubuntu(versions.get(6)),
        ubuntu(versions.get(5)), ubuntu(versions.get(4)), ubuntu(versions.get(3)), ubuntu(versions.get(2)));
    assertThat(history).allSatisfy(h -> assertThat(h.status()).isEqualTo(RolloutStatus.COMPLETED));
  }

  @Test
  void osUpgradeHistory_olderThanTwoMonths_isDroppedButLatestRemains(SimulatedFleet fleet, VirtualClock clock) {
    ScaleSetId id = manualLatest(fleet, 2);
    fleet.publish(ubuntu(V2));
    fleet.startOsUpgrade(id);
    clock.runUntilIdle();

    clock.advance(Duration.ofDays(59));
    assertThat(fleet.osUpgradeHistory(id)).hasSize(1);
    clock.advance(Duration.ofDays(2));

    assertThat(fleet.osUpgradeHistory(id)).isEmpty();
    assertThat(fleet.latestRollingUpgrade(id)).isPresent();
  }

  // ---- determinism --------------------------------------------------------------------------------------------

  private static List<String> platformRun(long seed) {
    SimulatedFleet fleet = SimulatedFleet.create(seed);
    ScaleSetId id = fleet.add(ScaleSetSpec.named("web").instances(15).zones(3).image(ubuntu(V1))
        .automaticOsUpgrade(AutomaticOsUpgradePolicy.enabled()));
    fleet.imageBehavior(V2, ImageBehavior.slowInitializing(Duration.ofMinutes(2)));
    fleet.faults().randomMaintenance(id, Duration.ofHours(3), Duration.ofMinutes(20), 2)
        .extensionFailureRate(0.05);
    fleet.publish(ubuntu(V2));
    fleet.clock().runUntilIdle();
    List<String> lines = new ArrayList<>(fleet.log());
    lines.add(String.valueOf(fleet.osUpgradeHistory(id)));
    return lines;
  }

  @Test
  void platformUpgrade_sameSeed_identicalFleetLog() {
    List<String> first = platformRun(99);

    assertThat(platformRun(99)).isEqualTo(first);
    assertThat(first).hasSizeGreaterThan(100);
    assertThat(platformRun(100)).isNotEqualTo(first);
  }
}
