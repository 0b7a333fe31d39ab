package dev.osupgrade.testkit;

import static dev.osupgrade.testkit.Images.V1;
import static dev.osupgrade.testkit.Images.V2;
import static dev.osupgrade.testkit.Images.ubuntu;
import static dev.osupgrade.testkit.OsUpgradeAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osupgrade.InvalidValueException;
import dev.osupgrade.event.BatchStarted;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.ops.ErrorCodes;
import dev.osupgrade.port.TransientCloudException;
import dev.osupgrade.rollout.Rollout;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** ARM throttling and transient server errors from the ports, answered by a real rollout's runner. */
final class CallFaultTest {
  @RegisterExtension static final SimulatorExtension SIM = SimulatorExtension.withSeed(7);

  private static ScaleSetId regional(SimulatedFleet fleet, int instances) {
    ScaleSetId id = fleet.add(ScaleSetSpec.named("web").instances(instances).image(ubuntu(V1)));
    fleet.publish(ubuntu(V2));
    return id;
  }

  private static Rollout rollout(SimulatedFleet fleet, ScaleSetId id) {
    return Rollout.builder(fleet, id).target(V2).clock(fleet.clock()).build();
  }

  private static void upgradedOncePerInstance(SimulatedFleet fleet, ScaleSetId id) {
    for (Instance i : fleet.get(id).instances()) {
      assertThat(i.runs(V2)).as("%s on the target", i.instanceId()).isTrue();
      assertThat(fleet.reimageCount(id, i.instanceId())).as("reimages of %s", i.instanceId()).isEqualTo(1);
    }
  }

  private static Instant firstLogTime(SimulatedFleet fleet, String containing) {
    String line = fleet.log().stream().filter(l -> l.contains(containing)).findFirst().orElseThrow();
    return Instant.parse(line.substring(0, line.indexOf(' ')));
  }

  @Test
  void throttledUpgradeInstances_runnerRetriesAfterRetryAfter_eachInstanceUpgradedExactlyOnce(
      SimulatedFleet fleet, VirtualClock clock) {
    ScaleSetId id = regional(fleet, 10);
    Instant start = clock.instant();
    fleet.faults().throttle("upgradeInstances", 2);

    Rollout r = fleet.run(rollout(fleet, id));

    assertThat(r).isCompleted().hadBatches(5).hasProgress(10, 0, 0, 0);
    upgradedOncePerInstance(fleet, id);
    assertThat(fleet.calls("upgradeInstances")).isEqualTo(7);
    assertThat(fleet.faults().rejectedCalls("upgradeInstances")).isEqualTo(2);
    assertThat(firstLogTime(fleet, "upgrade to 22.04.202410010 started"))
        .as("two Retry-After waits of 60 s before the first batch is accepted")
        .isEqualTo(start.plus(Duration.ofSeconds(120)));
    assertThat(fleet.log()).anySatisfy(l -> assertThat(l).contains("upgradeInstances rejected with 429 "
        + "OperationNotAllowed (Retry-After 60s); nothing changed"));
  }

  @Test
  void throttledUpgradeInstances_retryAfterLongerThanTheInstanceTimeout_timeoutCountsFromAcceptance(
      SimulatedFleet fleet) {
    ScaleSetId id = regional(fleet, 10);
    fleet.faults().throttle("upgradeInstances", 2, Duration.ofMinutes(20));

    Rollout r = fleet.run(rollout(fleet, id));

    // The instance upgrade timeout (30 min) starts when the port accepts the call, not when the batch was decided:
    // two 20-minute Retry-After waits delay the batch by 40 min but fail nothing.
    assertThat(r).isCompleted().hadBatches(5).hasProgress(10, 0, 0, 0);
    BatchStarted batch = r.events().stream().filter(BatchStarted.class::isInstance).map(BatchStarted.class::cast)
        .findFirst().orElseThrow();
    assertThat(firstLogTime(fleet, "upgrade to 22.04.202410010 started"))
        .isEqualTo(batch.at().plus(Duration.ofMinutes(40)));
    upgradedOncePerInstance(fleet, id);
  }

  @Test
  void armThrottledListInstances_midRollout_retriedAndCompletes(SimulatedFleet fleet) {
    ScaleSetId id = regional(fleet, 10);
    fleet.faults().armThrottle("listInstances", 3, Duration.ofSeconds(45));

    Rollout r = fleet.run(rollout(fleet, id));

    assertThat(r).isCompleted().hasProgress(10, 0, 0, 0);
    upgradedOncePerInstance(fleet, id);
    assertThat(fleet.faults().rejectedCalls("listInstances")).isEqualTo(3);
    assertThat(fleet.log()).anySatisfy(l -> assertThat(l).contains("listInstances rejected with 429 TooManyRequests"));
  }

  @Test
  void serverErrorsOnRollBack_retriedUntilTheRollbackIsAccepted(SimulatedFleet fleet) {
    ScaleSetId id = regional(fleet, 10);
    fleet.imageBehavior(V2, ImageBehavior.comesUpUnhealthy());
    fleet.faults().serverErrors("rollBackInstances", 1, 503).serverErrors("rollBackInstances", 1, 500);

    Rollout r = fleet.run(rollout(fleet, id));

    assertThat(r).faultedWith(ErrorCodes.MAX_UNHEALTHY_UPGRADED).failedInstances("0", "5").rolledBack("0", "5");
    // 0 and 5 fail at different polls: two rollbacks accepted, the first after a 503 and a 500.
    assertThat(fleet.calls("rollBackInstances")).isEqualTo(4);
    assertThat(fleet.faults().rejectedCalls("rollBackInstances")).isEqualTo(2);
    assertThat(fleet.get(id).instances()).allSatisfy(i -> assertThat(i.runs(V1)).isTrue());
  }

  @Test
  void throttledFirstRead_rolloutStartRetriesAfterRetryAfter(SimulatedFleet fleet) {
    ScaleSetId id = regional(fleet, 10);
    fleet.faults().throttle("get", 1);
    Rollout r = rollout(fleet, id);
    Instant start = fleet.clock().instant();

    Optional<Instant> next = r.advance();

    // Nothing has changed yet, so the start is simply tried again after the Retry-After.
    assertThat(next).contains(start.plus(Duration.ofSeconds(60)));
    assertThat(fleet.calls("updateModelImage") + fleet.calls("upgradeInstances")).isZero();
    assertThat(fleet.run(r)).isCompleted();
  }

  @Test
  void seededThrottleAndServerErrorRates_rolloutCompletesWithOneUpgradePerInstance(SimulatedFleet fleet) {
    ScaleSetId id = regional(fleet, 20);
    fleet.faults().throttleRate("upgradeInstances", 0.3).throttleRate("listInstances", 0.2)
        .serverErrorRate("listInstances", 0.1);

    Rollout r = fleet.run(rollout(fleet, id));

    assertThat(r).isCompleted().hasProgress(20, 0, 0, 0);
    upgradedOncePerInstance(fleet, id);
    assertThat(fleet.faults().rejectedCalls("upgradeInstances") + fleet.faults().rejectedCalls("listInstances"))
        .isPositive();
    assertThat(fleet.calls("upgradeInstances") - fleet.faults().rejectedCalls("upgradeInstances")).isEqualTo(5);
  }

  @Test
  void throttledPlatformCall_rejectedWithoutChangingAnything(SimulatedFleet fleet) {
    ScaleSetId id = regional(fleet, 3);
    fleet.updateModelImage(id, Images.UBUNTU);
    fleet.faults().serverErrors("startOsUpgrade", 1, 503);

    assertThatThrownBy(() -> fleet.startOsUpgrade(id)).isInstanceOf(TransientCloudException.class)
        .satisfies(e -> assertThat(((TransientCloudException) e).httpStatus()).isEqualTo(503));
    assertThat(fleet.latestRollingUpgrade(id)).isEmpty();

    fleet.startOsUpgrade(id);
    assertThat(fleet.latestRollingUpgrade(id)).isPresent();
  }

  @Test
  void throttle_unknownMethodOrBadRate_rejectedWithTheRule(SimulatedFleet fleet) {
    assertThatThrownBy(() -> fleet.faults().throttle("upgrade", 1)).isInstanceOf(InvalidValueException.class)
        .hasMessageContaining("method must be one of").hasMessageContaining("upgradeInstances");
    assertThatThrownBy(() -> fleet.faults().throttleRate("*", 1.5)).isInstanceOf(InvalidValueException.class)
        .hasMessageContaining("probability must be in [0, 1]");
    assertThat(Faults.METHODS).contains("get", "model", "instance", "startOsUpgrade", "scaleOut", "listScaleSets")
        .hasSize(18);
    assertThat(List.copyOf(Faults.METHODS)).isSorted();
  }
}
