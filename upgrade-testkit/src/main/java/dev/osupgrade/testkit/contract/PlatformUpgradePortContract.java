package dev.osupgrade.testkit.contract;

import static dev.osupgrade.testkit.contract.Worlds.MISSING;
import static dev.osupgrade.testkit.contract.Worlds.UBUNTU;
import static dev.osupgrade.testkit.contract.Worlds.V1;
import static dev.osupgrade.testkit.contract.Worlds.V2;
import static dev.osupgrade.testkit.contract.Worlds.V3;
import static dev.osupgrade.testkit.contract.Worlds.assertNotFound;
import static dev.osupgrade.testkit.contract.Worlds.settle;
import static dev.osupgrade.testkit.contract.Worlds.ubuntu;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.OrchestrationMode;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.ops.RollingUpgradeStatus;
import dev.osupgrade.ops.RolloutStatus;
import dev.osupgrade.ops.StartedBy;
import dev.osupgrade.ops.UpgradeHistoryEntry;
import dev.osupgrade.ops.UpgradeProgress;
import dev.osupgrade.policy.AutomaticOsUpgradePolicy;
import dev.osupgrade.policy.RollingUpgradePolicy;
import dev.osupgrade.port.ConflictException;
import dev.osupgrade.port.InvalidModelException;
import dev.osupgrade.port.PlatformUpgradePort;
import dev.osupgrade.testkit.ScaleSetSpec;
import dev.osupgrade.testkit.SimulatedFleet;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link PlatformUpgradePort} guarantees. The world of most cases is one scale set {@code rg/web}: five
 * regional instances on {@code V1}, upgrade mode Manual with the model following {@code latest} (so that Azure's
 * {@code osRollingUpgrade} may be used), the Application Health extension; {@code V2} is then published. The
 * platform's upgrades run on the world's clock. Every scale set is of the {@link #orchestration()} mode a subclass
 * chooses (Uniform by default).
 *
 * <h2>What the contract leaves to the implementation</h2>
 * <ul>
 *   <li>Cancelling an upgrade whose cancellation was already requested: a no-op in both, but Azure may answer either
 *       way; the case cancels once.</li>
 * </ul>
 */
public abstract class PlatformUpgradePortContract {
  private static final ScaleSetId WEB = ScaleSetId.of("rg", "web");

  /** Creates the contract. */
  protected PlatformUpgradePortContract() {}

  /**
   * Returns the port under test, answering from the world. Called once per case, after the case has built its world.
   *
   * @param world the world the case built
   * @return the port
   */
  protected abstract PlatformUpgradePort portOver(SimulatedFleet world);

  /** @return a fresh, empty world; override to use another seed or profile */
  protected SimulatedFleet newWorld() {
    return SimulatedFleet.create(Worlds.SEED);
  }

  /** @return the orchestration mode of every scale set the cases create; override to run them for Flexible */
  protected OrchestrationMode orchestration() {
    return OrchestrationMode.UNIFORM;
  }

  private ScaleSetSpec spec() {
    return ScaleSetSpec.named("web").orchestration(orchestration());
  }

  private SimulatedFleet world;

  /** Starts each case with a fresh, empty world. */
  @BeforeEach
  void createWorld() {
    world = newWorld();
  }

  private PlatformUpgradePort given() {
    world.add(spec().instances(5).image(ubuntu(V1)));
    world.updateModelImage(WEB, UBUNTU.withLatest());
    world.publish(ubuntu(V2));
    return portOver(world);
  }

  // --------------------------------------------------------------------------------------- latest / history

  /** A scale set that never had a rolling upgrade has no latest one and an empty history. */
  @Test
  void latestAndHistory_neverUpgraded_empty() {
    PlatformUpgradePort port = given();

    assertThat(port.latestRollingUpgrade(WEB)).isEmpty();
    assertThat(port.osUpgradeHistory(WEB)).isEmpty();
  }

  // ------------------------------------------------------------------------------------------------- start

  /**
   * {@code startOsUpgrade} starts an upgrade to what {@code latest} resolves to: at once it is the latest rolling
   * upgrade, {@code RollingForward}, last action {@code Start}, started now, with the scale set's rolling policy
   * (Azure's defaults when it has none).
   */
  @Test
  void startOsUpgrade_latestModel_rollingForwardAtOnce() {
    PlatformUpgradePort port = given();
    Instant now = world.clock().instant();

    port.startOsUpgrade(WEB);

    RollingUpgradeStatus latest = port.latestRollingUpgrade(WEB).orElseThrow();
    assertThat(latest.status()).isEqualTo(RolloutStatus.ROLLING_FORWARD);
    assertThat(latest.startTime()).isEqualTo(now);
    assertThat(latest.lastAction()).isEqualTo(RollingUpgradeStatus.Action.START);
    assertThat(latest.policy()).isEqualTo(RollingUpgradePolicy.ofDefaults());
    assertThat(latest.progress().total()).isEqualTo(5);
    assertThat(latest).isEqualTo(world.latestRollingUpgrade(WEB).orElseThrow());
  }

  /**
   * A started upgrade runs to {@code Completed}: every instance on the new version, the counts in Azure's shape, one
   * history entry started by the user, with its end time and target image.
   */
  @Test
  void startOsUpgrade_runToTheEnd_completedWithHistory() {
    PlatformUpgradePort port = given();
    Instant start = world.clock().instant();

    port.startOsUpgrade(WEB);
    settle(world);

    RollingUpgradeStatus latest = port.latestRollingUpgrade(WEB).orElseThrow();
    assertThat(latest.status()).isEqualTo(RolloutStatus.COMPLETED);
    assertThat(latest.progress()).isEqualTo(new UpgradeProgress(5, 0, 0, 0));
    assertThat(latest.errorIfAny()).isEmpty();
    List<UpgradeHistoryEntry> history = port.osUpgradeHistory(WEB);
    assertThat(history).hasSize(1);
    UpgradeHistoryEntry entry = history.get(0);
    assertThat(entry.status()).isEqualTo(RolloutStatus.COMPLETED);
    assertThat(entry.startedBy()).isEqualTo(StartedBy.USER);
    assertThat(entry.startTime()).isEqualTo(start);
    assertThat(entry.endTime()).isAfter(start);
    assertThat(entry.targetImage()).isEqualTo(ubuntu(V2));
    assertThat(entry.progress()).isEqualTo(new UpgradeProgress(5, 0, 0, 0));
    assertThat(history).isEqualTo(world.osUpgradeHistory(WEB));
    assertThat(world.peek(WEB).instances()).extracting(Instance::imageVersion).containsOnly(V2);
  }

  /** Starting while an upgrade runs is refused with {@link ConflictException} (409 {@code OperationNotAllowed}). */
  @Test
  void startOsUpgrade_whileRunning_conflict() {
    PlatformUpgradePort port = given();
    port.startOsUpgrade(WEB);

    assertThatThrownBy(() -> port.startOsUpgrade(WEB)).isInstanceOfSatisfying(ConflictException.class, e -> {
      assertThat(e.httpStatus()).isEqualTo(409);
      assertThat(e.code()).isEqualTo("OperationNotAllowed");
    });
    assertThat(port.osUpgradeHistory(WEB)).hasSize(1);
  }

  /**
   * A model pinned to a version cannot be upgraded this way: {@link InvalidModelException} (400
   * {@code OperationNotAllowed}), and no upgrade starts.
   */
  @Test
  void startOsUpgrade_pinnedModel_refused() {
    world.add(spec().instances(2).image(ubuntu(V1)));
    PlatformUpgradePort port = portOver(world);

    assertThatThrownBy(() -> port.startOsUpgrade(WEB)).isInstanceOfSatisfying(InvalidModelException.class, e -> {
      assertThat(e.httpStatus()).isEqualTo(400);
      assertThat(e.code()).isEqualTo("OperationNotAllowed");
    });
    assertThat(port.latestRollingUpgrade(WEB)).isEmpty();
  }

  // ------------------------------------------------------------------------------------------------ cancel

  /** Cancelling with nothing running is a no-op, not an error (ARM's 409 "no ongoing Rolling Upgrade"). */
  @Test
  void cancelRollingUpgrade_nothingRunning_noOp() {
    PlatformUpgradePort port = given();

    port.cancelRollingUpgrade(WEB);

    assertThat(port.latestRollingUpgrade(WEB)).isEmpty();
  }

  /** Cancelling after an upgrade completed is a no-op too, and leaves it {@code Completed}. */
  @Test
  void cancelRollingUpgrade_afterCompletion_noOp() {
    PlatformUpgradePort port = given();
    port.startOsUpgrade(WEB);
    settle(world);

    port.cancelRollingUpgrade(WEB);

    assertThat(port.latestRollingUpgrade(WEB).orElseThrow().status()).isEqualTo(RolloutStatus.COMPLETED);
  }

  /**
   * Cancelling a running upgrade records the action at once (last action {@code Cancel}); the batch in flight
   * finishes, no other starts, and the upgrade ends {@code Cancelled}, in the history too.
   */
  @Test
  void cancelRollingUpgrade_running_endsCancelled() {
    PlatformUpgradePort port = given();
    port.startOsUpgrade(WEB);
    Worlds.advance(world, Duration.ofSeconds(10));

    port.cancelRollingUpgrade(WEB);

    RollingUpgradeStatus now = port.latestRollingUpgrade(WEB).orElseThrow();
    assertThat(now.lastAction()).isEqualTo(RollingUpgradeStatus.Action.CANCEL);
    assertThat(now.lastActionTime()).isEqualTo(world.clock().instant());
    settle(world);
    RollingUpgradeStatus end = port.latestRollingUpgrade(WEB).orElseThrow();
    assertThat(end.status()).isEqualTo(RolloutStatus.CANCELLED);
    assertThat(end.progress().pending()).isPositive();
    assertThat(port.osUpgradeHistory(WEB).get(0).status()).isEqualTo(RolloutStatus.CANCELLED);
    assertThat(world.peek(WEB).instances()).extracting(Instance::imageVersion).contains(V1);
  }

  // ------------------------------------------------------------------------------------------------ history

  /** The history lists upgrades newest first, and {@code latest} is the newest. */
  @Test
  void osUpgradeHistory_twoUpgrades_newestFirst() {
    PlatformUpgradePort port = given();
    port.startOsUpgrade(WEB);
    settle(world);
    Worlds.advance(world, Duration.ofDays(1));
    world.publish(ubuntu(V3));
    port.startOsUpgrade(WEB);
    settle(world);

    List<UpgradeHistoryEntry> history = port.osUpgradeHistory(WEB);

    assertThat(history).extracting(UpgradeHistoryEntry::targetImage).containsExactly(ubuntu(V3), ubuntu(V2));
    assertThat(history.get(0).startTime()).isAfter(history.get(1).startTime());
    assertThat(port.latestRollingUpgrade(WEB).orElseThrow().startTime()).isEqualTo(history.get(0).startTime());
  }

  /** An upgrade the platform started itself (automatic OS upgrade) shows {@code Platform} as its starter. */
  @Test
  void osUpgradeHistory_automaticUpgrade_startedByPlatform() {
    world.add(spec().instances(3).image(ubuntu(V1))
        .automaticOsUpgrade(AutomaticOsUpgradePolicy.enabled()));
    PlatformUpgradePort port = portOver(world);
    world.publish(ubuntu(V2));

    settle(world);

    List<UpgradeHistoryEntry> history = port.osUpgradeHistory(WEB);
    assertThat(history).hasSize(1);
    assertThat(history.get(0).startedBy()).isEqualTo(StartedBy.PLATFORM);
    assertThat(history.get(0).status()).isEqualTo(RolloutStatus.COMPLETED);
    assertThat(history.get(0).targetImage()).isEqualTo(ubuntu(V2));
  }

  // ------------------------------------------------------------------------------------------------ approve

  /**
   * With {@code osRollingUpgradeDeferral}, instances of a platform upgrade wait for approval; approving named
   * instances lets exactly those upgrade.
   */
  @Test
  void approveRollingUpgrade_deferredInstances_upgradesThose() {
    world.add(spec().instances(5).image(ubuntu(V1))
        .automaticOsUpgrade(AutomaticOsUpgradePolicy.enabled().withOsRollingUpgradeDeferral(true)));
    PlatformUpgradePort port = portOver(world);
    world.publish(ubuntu(V2));
    List<String> pending = waitForPendingApproval();

    port.approveRollingUpgrade(WEB, pending);
    Worlds.advance(world, world.profile().slowestUpgrade().plus(Duration.ofMinutes(5)));

    assertThat(world.peek(WEB).instances()).filteredOn(i -> pending.contains(i.instanceId()))
        .extracting(Instance::imageVersion).containsOnly(V2);
    assertThat(world.peek(WEB).instances()).filteredOn(i -> !pending.contains(i.instanceId()))
        .extracting(Instance::imageVersion).containsOnly(V1);
    assertThat(port.latestRollingUpgrade(WEB).orElseThrow().status()).isEqualTo(RolloutStatus.ROLLING_FORWARD);
  }

  /** Approving when nothing waits for approval is a no-op. */
  @Test
  void approveRollingUpgrade_nothingPending_noOp() {
    PlatformUpgradePort port = given();

    port.approveRollingUpgrade(WEB, world.createdInstanceIds(WEB).subList(0, 2));

    assertThat(port.latestRollingUpgrade(WEB)).isEmpty();
    assertThat(world.peek(WEB).instances()).extracting(Instance::imageVersion).containsOnly(V1);
  }

  /** An empty list approves nothing (ARM would approve every instance if the ids were omitted). */
  @Test
  void approveRollingUpgrade_emptyList_approvesNothing() {
    world.add(spec().instances(5).image(ubuntu(V1))
        .automaticOsUpgrade(AutomaticOsUpgradePolicy.enabled().withOsRollingUpgradeDeferral(true)));
    PlatformUpgradePort port = portOver(world);
    world.publish(ubuntu(V2));
    List<String> pending = waitForPendingApproval();

    port.approveRollingUpgrade(WEB, List.of());
    Worlds.advance(world, world.profile().slowestUpgrade().plus(Duration.ofMinutes(5)));

    assertThat(world.pendingApproval(WEB)).isEqualTo(pending);
    assertThat(world.peek(WEB).instances()).extracting(Instance::imageVersion).containsOnly(V1);
  }

  private List<String> waitForPendingApproval() {
    Instant deadline = world.clock().instant().plus(Duration.ofHours(6));
    while (world.pendingApproval(WEB).isEmpty()) {
      if (world.clock().instant().isAfter(deadline)) {
        throw new AssertionError("no instance was waiting for approval after 6 hours: " + world.log());
      }
      Worlds.advance(world, Duration.ofMinutes(5));
    }
    return world.pendingApproval(WEB);
  }

  // ---------------------------------------------------------------------------------------------- not found

  /** Every method fails on an unknown scale set with a 404 {@code ResourceNotFound}. */
  @Test
  void anyMethod_unknownScaleSet_resourceNotFound() {
    PlatformUpgradePort port = given();

    assertNotFound(() -> port.startOsUpgrade(MISSING));
    assertNotFound(() -> port.cancelRollingUpgrade(MISSING));
    assertNotFound(() -> port.latestRollingUpgrade(MISSING));
    assertNotFound(() -> port.osUpgradeHistory(MISSING));
    assertNotFound(() -> port.approveRollingUpgrade(MISSING, world.createdInstanceIds(WEB).subList(0, 1)));
  }
}
