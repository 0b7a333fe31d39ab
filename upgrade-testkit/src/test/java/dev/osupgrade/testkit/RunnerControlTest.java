package dev.osupgrade.testkit;

import static dev.osupgrade.testkit.Images.V1;
import static dev.osupgrade.testkit.Images.V2;
import static dev.osupgrade.testkit.Images.ubuntu;
import static dev.osupgrade.testkit.OsUpgradeAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import dev.osupgrade.event.BatchStarted;
import dev.osupgrade.event.InstanceRolledBack;
import dev.osupgrade.event.RolloutCancelled;
import dev.osupgrade.event.RolloutFaulted;
import dev.osupgrade.event.RolloutPaused;
import dev.osupgrade.event.RolloutResumed;
import dev.osupgrade.event.RolloutStallCleared;
import dev.osupgrade.event.RolloutStalled;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.ScaleSet;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.ops.ErrorCodes;
import dev.osupgrade.ops.RolloutStatus;
import dev.osupgrade.policy.RollingUpgradePolicy;
import dev.osupgrade.policy.UpgradePolicy;
import dev.osupgrade.port.ConflictException;
import dev.osupgrade.port.InvalidModelException;
import dev.osupgrade.port.ScaleSetPort;
import dev.osupgrade.port.ThrottledException;
import dev.osupgrade.port.TransientCloudException;
import dev.osupgrade.rollout.Rollout;
import dev.osupgrade.rollout.RolloutOptions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Cancel, pause and resume by the caller; rollback on breach; failures of the calls themselves. */
final class RunnerControlTest {
  @RegisterExtension static final SimulatorExtension SIM = SimulatorExtension.withSeed(21);

  /** A port that fails chosen calls. */
  private static final class FailingPort implements ScaleSetPort {
    private final ScaleSetPort delegate;
    private final Predicate<String> fail;
    private final RuntimeException failure;
    int failures;

    FailingPort(ScaleSetPort delegate, Predicate<String> fail, RuntimeException failure) {
      this.delegate = delegate;
      this.fail = fail;
      this.failure = failure;
    }

    private void maybeFail(String method) {
      if (fail.test(method)) {
        failures++;
        throw failure;
      }
    }

    @Override
    public ScaleSet get(ScaleSetId id) {
      maybeFail("get");
      return delegate.get(id);
    }

    @Override
    public List<Instance> listInstances(ScaleSetId id) {
      maybeFail("listInstances");
      return delegate.listInstances(id);
    }

    @Override
    public void updateModelImage(ScaleSetId id, ImageReference image) {
      maybeFail("updateModelImage");
      delegate.updateModelImage(id, image);
    }

    @Override
    public void updateUpgradePolicy(ScaleSetId id, UpgradePolicy policy, @Nullable String ifMatchEtag) {
      maybeFail("updateUpgradePolicy");
      delegate.updateUpgradePolicy(id, policy, ifMatchEtag);
    }

    @Override
    public void upgradeInstances(ScaleSetId id, List<String> instanceIds) {
      maybeFail("upgradeInstances");
      delegate.upgradeInstances(id, instanceIds);
    }

    @Override
    public void rollBackInstances(ScaleSetId id, List<String> instanceIds, ImageReference previousImage) {
      maybeFail("rollBackInstances");
      delegate.rollBackInstances(id, instanceIds, previousImage);
    }
  }

  private static ScaleSetId web(SimulatedFleet fleet) {
    ScaleSetId id = fleet.add(ScaleSetSpec.named("web").instances(10).image(ubuntu(V1)));
    fleet.publish(ubuntu(V2));
    return id;
  }

  @Test
  void cancel_duringBatchTwo_finishesThatBatchThenCancelledAndRestartUpgradesTheRest(SimulatedFleet fleet,
      VirtualClock clock) {
    ScaleSetId id = web(fleet);
    Rollout r = Rollout.builder(fleet, id).target(V2).clock(clock).build();
    clock.schedule(Duration.ofMinutes(8), r::cancel);

    fleet.run(r);

    assertThat(r).isCancelled().hadBatches(2).hasProgress(4, 0, 0, 6).emitted(RolloutCancelled.class);
    assertThat(fleet.get(id).instances().stream().filter(i -> i.runs(V2)).count()).isEqualTo(4);
    assertThat(fleet.get(id).modelImage()).isEqualTo(ubuntu(V2));

    Rollout again = fleet.run(Rollout.builder(fleet, id).target(V2).clock(clock).startOver().build());

    assertThat(again).isCompleted().hadBatches(3).hasProgress(6, 0, 0, 0);
    assertThat(fleet.get(id).instances()).allSatisfy(i -> assertThat(fleet.reimageCount(id, i.instanceId()))
        .isEqualTo(1));
  }

  @Test
  void pause_thenResume_holdsBeforeTheNextBatchAndGoesOn(SimulatedFleet fleet, VirtualClock clock) {
    ScaleSetId id = web(fleet);
    Rollout r = Rollout.builder(fleet, id).target(V2).clock(clock).build();
    r.advance();
    r.pause();

    Optional<Instant> next = r.advance();
    while (next.isPresent()) {
      clock.advanceTo(next.get());
      next = r.advance();
    }
    assertThat(r.status()).isEqualTo(RolloutStatus.PAUSED);
    assertThat(r).hadBatches(1).emitted(RolloutPaused.class);
    clock.advance(Duration.ofHours(3));
    assertThat(r.advance()).as("paused: nothing to do until resumed").isEmpty();

    r.resume();
    fleet.run(r);

    assertThat(r).isCompleted().hadBatches(5).emitted(RolloutResumed.class);
  }

  @Test
  void rollbackOnBreach_withAutomaticRollbackOff_restoresFailedInstancesThenFaults(SimulatedFleet fleet) {
    ScaleSetId id = web(fleet);
    fleet.imageBehavior(V2, ImageBehavior.comesUpUnhealthy());
    RollingUpgradePolicy policy = RollingUpgradePolicy.builder().rollbackFailedInstancesOnPolicyBreach(true).build();

    Rollout r = fleet.run(Rollout.builder(fleet, id).target(V2).clock(fleet.clock()).policy(policy)
        .automaticRollback(RolloutOptions.AutomaticRollback.OFF).build());

    assertThat(r).faultedWith(ErrorCodes.MAX_UNHEALTHY_UPGRADED).rolledBack("0", "5");
    RolloutFaulted faulted = (RolloutFaulted) r.events().get(r.events().size() - 1);
    assertThat(faulted.rollback().successfullyRolledBack()).isEqualTo(2);
    assertThat(faulted.rollback().failedToRollBack()).isZero();
    assertThat(r.state().rollbackInfo().successfullyRolledBack()).isEqualTo(2);
    assertThat(fleet.get(id).instances()).allSatisfy(i -> assertThat(i.runs(V1)).isTrue());
  }

  @Test
  void rollbackOnBreach_off_leavesFailedInstancesOnTheNewImage(SimulatedFleet fleet) {
    ScaleSetId id = web(fleet);
    fleet.imageBehavior(V2, ImageBehavior.comesUpUnhealthy());

    Rollout r = fleet.run(Rollout.builder(fleet, id).target(V2).clock(fleet.clock())
        .automaticRollback(RolloutOptions.AutomaticRollback.OFF).build());

    assertThat(r).faultedWith(ErrorCodes.MAX_UNHEALTHY_UPGRADED).neverEmitted(InstanceRolledBack.class);
    assertThat(fleet.get(id).instance("0").orElseThrow().runs(V2)).isTrue();
  }

  @Test
  void throttledUpgradeCall_isRetriedAfterRetryAfterAndEachInstanceUpgradedOnce(SimulatedFleet fleet) {
    ScaleSetId id = web(fleet);
    int[] calls = {0};
    FailingPort port = new FailingPort(fleet, m -> m.equals("upgradeInstances") && calls[0]++ < 2,
        new ThrottledException("OperationNotAllowed", "The server rejected the request because too many requests "
            + "have been received for this subscription.", Duration.ofSeconds(90), null));

    Rollout r = fleet.run(Rollout.builder(port, id).target(V2).clock(fleet.clock()).build());

    assertThat(r).isCompleted().hadBatches(5);
    assertThat(port.failures).isEqualTo(2);
    BatchStarted first = (BatchStarted) r.events().stream().filter(BatchStarted.class::isInstance).findFirst()
        .orElseThrow();
    assertThat(fleet.get(id).instances()).allSatisfy(i -> assertThat(fleet.reimageCount(id, i.instanceId()))
        .isEqualTo(1));
    assertThat(first.at()).isEqualTo(VirtualClock.DEFAULT_START);
  }

  @Test
  void readsFailingBeyondTheProgressDeadline_faultWithRollingUpgradeTimeoutError(SimulatedFleet fleet,
      VirtualClock clock) {
    ScaleSetId id = web(fleet);
    Instant outage = VirtualClock.DEFAULT_START.plus(Duration.ofMinutes(3));
    FailingPort port = new FailingPort(fleet, m -> (m.equals("listInstances") || m.equals("get"))
        && !clock.instant().isBefore(outage),
        new TransientCloudException(503, "ServiceUnavailable", "The service is unavailable.", null));

    Rollout r = fleet.run(Rollout.builder(port, id).target(V2).clock(clock).build());

    assertThat(r).faultedWith(ErrorCodes.TIMEOUT);
    assertThat(r.error().orElseThrow().message()).contains("no progress for 2h", "reading the scale set",
        "ServiceUnavailable");
    assertThat(clock.instant()).isAfterOrEqualTo(VirtualClock.DEFAULT_START.plus(Duration.ofHours(2)));
    // One cause all along: one stall event, however many retries.
    assertThat(r.events()).filteredOn(RolloutStalled.class::isInstance).hasSize(1);
    assertThat(port.failures).isGreaterThan(20);
    assertThat(r.stall()).as("a rollout that ended is no longer stalled").isEmpty();
  }

  @Test
  void rejectedUpgradeCall_faultsAndDropsTheRestOfTheIntents(SimulatedFleet fleet) {
    ScaleSetId id = web(fleet);
    FailingPort port = new FailingPort(fleet, m -> m.equals("upgradeInstances"),
        new InvalidModelException(400, "InvalidParameter", "The value of parameter instanceIds is invalid.", null));

    Rollout r = fleet.run(Rollout.builder(port, id).target(V2).clock(fleet.clock()).build());

    assertThat(r).faultedWith(ErrorCodes.OPERATION_REJECTED);
    assertThat(r.error().orElseThrow().message()).contains("InvalidParameter", "instanceIds is invalid");
    assertThat(r.state().outbox()).isEmpty();
    assertThat(fleet.get(id).modelImage()).as("model pointed back").isEqualTo(ubuntu(V1));
    assertThat(fleet.get(id).instances()).allSatisfy(i -> assertThat(i.runs(V1)).isTrue());
  }

  @Test
  void conflictingOperationOnUpgradeCall_stallsKeepingTheBatchThenGoesOnWhenItIsGone(SimulatedFleet fleet,
      VirtualClock clock) {
    ScaleSetId id = web(fleet);
    Instant over = VirtualClock.DEFAULT_START.plus(Duration.ofMinutes(20));
    FailingPort port = new FailingPort(fleet, m -> m.equals("upgradeInstances") && clock.instant().isBefore(over),
        new ConflictException(409, "OperationNotAllowed", "Operation 'manualUpgrade' is not allowed since the "
            + "Virtual Machine Scale Set is in the process of being deleted.", null));
    Rollout r = Rollout.builder(port, id).target(V2).clock(clock).build();

    Optional<Instant> next = r.advance();

    assertThat(r.status()).isEqualTo(RolloutStatus.ROLLING_FORWARD);
    assertThat(r.stall()).hasValueSatisfying(st -> {
      assertThat(st.code()).isEqualTo("OperationNotAllowed");
      assertThat(st.httpStatus()).isEqualTo(409);
      assertThat(st.during()).isEqualTo("upgrade [0, 5]");
    });
    assertThat(r.state().outbox()).as("the batch is kept, not dropped").hasSize(1);
    assertThat(next).contains(VirtualClock.DEFAULT_START.plus(Duration.ofSeconds(30)));
    assertThat(fleet.get(id).instances()).allSatisfy(i -> assertThat(i.runs(V1)).isTrue());

    fleet.run(r);

    assertThat(r).isCompleted().hadBatches(5).hasProgress(10, 0, 0, 0);
    assertThat(r.stall()).isEmpty();
    assertThat(r.events()).filteredOn(RolloutStalled.class::isInstance).hasSize(1);
    assertThat(r.events()).filteredOn(RolloutStallCleared.class::isInstance).hasSize(1);
    assertThat(fleet.get(id).instances()).allSatisfy(i -> {
      assertThat(i.runs(V2)).isTrue();
      assertThat(fleet.reimageCount(id, i.instanceId())).isEqualTo(1);
    });
    assertThat(port.failures).as("retried with a back-off: 30s, 1m, 2m, 4m, 5m, 5m, 5m").isEqualTo(7);
  }
}
