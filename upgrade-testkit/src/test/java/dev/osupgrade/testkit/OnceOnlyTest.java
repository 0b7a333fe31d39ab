package dev.osupgrade.testkit;

import static dev.osupgrade.testkit.Images.V1;
import static dev.osupgrade.testkit.Images.V2;
import static dev.osupgrade.testkit.Images.ubuntu;
import static dev.osupgrade.testkit.OsUpgradeAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import dev.osupgrade.event.ModelImageChanged;
import dev.osupgrade.event.RolloutStalled;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.policy.RollingUpgradePolicy;
import dev.osupgrade.port.ConflictException;
import dev.osupgrade.port.ScaleSetPort;
import dev.osupgrade.port.TransientCloudException;
import dev.osupgrade.rollout.Rollout;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * Once only means once only: a call whose answer was lost (applied or not) is reconciled with a fresh read before it
 * is sent again, and the model ends where the rollout intends it even when a rollback moved it and failed. Each case
 * is compared with the fault-free run on the same seed, on the simulator's state.
 */
final class OnceOnlyTest {
  private static final long SEED = 81;
  /** The instance whose application does not start on the new image: it fails and is rolled back. */
  private static final String FAILING = "2";

  /** The end of a run, as compared with the fault-free run. */
  private record Outcome(String status, String progress, String model, Map<String, String> images,
      Map<String, Integer> reimages) {}

  private static SimulatedFleet fleet(boolean oneFails) {
    SimulatedFleet fleet = SimulatedFleet.create(SEED);
    ScaleSetId id = fleet.add(ScaleSetSpec.named("web").instances(10).image(ubuntu(V1)));
    fleet.publish(ubuntu(V2));
    if (oneFails) {
      fleet.faults().applicationStartupFailure(id, FAILING);
    }
    return fleet;
  }

  private static Rollout.Builder rollout(ScaleSetPort port, SimulatedFleet fleet) {
    // One failure in a batch of two is within this budget: the rollout goes on and completes 9 / 1.
    return Rollout.builder(port, fleet.scaleSetIds().get(0)).target(V2).clock(fleet.clock())
        .policy(RollingUpgradePolicy.builder().maxUnhealthyUpgradedInstancePercent(50).build());
  }

  private static Outcome outcome(SimulatedFleet fleet, Rollout r) {
    ScaleSetId id = fleet.scaleSetIds().get(0);
    Map<String, String> images = new LinkedHashMap<>();
    Map<String, Integer> reimages = new LinkedHashMap<>();
    for (Instance i : fleet.peek(id).instances()) {
      images.put(i.instanceId(), i.imageVersion().toString());
      reimages.put(i.instanceId(), fleet.reimageCount(id, i.instanceId()));
    }
    return new Outcome(r.status().name(), r.progress().toString(), fleet.peek(id).modelImage().toString(), images,
        reimages);
  }

  /** The fault-free run: 9 succeeded, 1 failed and rolled back, the model on the target. */
  private static Outcome faultFree(boolean oneFails) {
    SimulatedFleet fleet = fleet(oneFails);
    Rollout r = fleet.run(rollout(fleet, fleet).build());
    return outcome(fleet, r);
  }

  /** One run with faults on the port, and what it left. */
  private record Run(SimulatedFleet fleet, HookedPort port, Rollout rollout, Outcome outcome) {}

  private static Run run(boolean oneFails, Consumer<HookedPort> faults) {
    SimulatedFleet fleet = fleet(oneFails);
    HookedPort port = new HookedPort(fleet);
    faults.accept(port);
    Rollout r = fleet.run(rollout(port, fleet).build());
    return new Run(fleet, port, r, outcome(fleet, r));
  }

  @Test
  void faultFreeRun_oneInstanceFails_completesNineToOneWithTheModelOnTheTarget() {
    Outcome expected = faultFree(true);

    assertThat(expected.status()).isEqualTo("COMPLETED");
    assertThat(expected.progress()).startsWith("9 succeeded, 1 failed");
    assertThat(expected.model()).isEqualTo(ubuntu(V2).toString());
    assertThat(expected.images().get(FAILING)).isEqualTo(V1.toString());
    assertThat(expected.reimages().get(FAILING)).as("upgraded, then rolled back").isEqualTo(2);
  }

  @Test
  void upgradeInstances_appliedButTheAnswerLost_isNotSentAgain() {
    boolean[] lost = {false};
    Run run = run(false, p -> p.upgradeInstances = (id, ids) -> {
      p.fleet.upgradeInstances(id, ids);
      if (!lost[0]) {
        lost[0] = true;
        throw new TransientCloudException(0, "ConnectionReset", "Connection reset after the request was sent.",
            null);
      }
    });

    assertThat(run.outcome()).isEqualTo(faultFree(false));
    assertThat(run.fleet().calls("upgradeInstances")).as("one manualupgrade per batch reached the fleet: the lost one "
        + "was reconciled from a fresh read, not repeated").isEqualTo(5);
    assertThat(run.port().calls("upgradeInstances")).isEqualTo(5);
  }

  @Test
  void updateModelImage_appliedButTheAnswerLost_isNotSentAgain() {
    boolean[] lost = {false};
    Run run = run(false, p -> p.updateModelImage = (id, image) -> {
      p.fleet.updateModelImage(id, image);
      if (!lost[0]) {
        lost[0] = true;
        throw new TransientCloudException(0, "ConnectionReset", "Connection reset after the request was sent.",
            null);
      }
    });

    assertThat(run.outcome()).isEqualTo(faultFree(false));
    assertThat(run.fleet().calls("updateModelImage")).isEqualTo(1);
  }

  /**
   * Issue case 1: the rollback moves the model back (as Azure's rollback does for a moment), is applied, and its
   * answer is lost; the repeat finds the model already on the previous image and leaves it there.
   */
  @Test
  void rollBack_appliedWithTheModelMovedAndTheAnswerLost_endsLikeTheFaultFreeRun() {
    boolean[] lost = {false};
    Run run = run(true, p -> p.rollBackInstances = (id, ids, image) -> {
      if (!lost[0]) {
        lost[0] = true;
        p.fleet.updateModelImage(id, image);
        p.fleet.rollBackInstances(id, ids, image);
        throw new TransientCloudException(0, "ConnectionReset", "Connection reset after the request was sent.",
            null);
      }
      p.fleet.rollBackInstances(id, ids, image);
    });

    assertThat(run.outcome()).isEqualTo(faultFree(true));
    assertThat(run.outcome().model()).isEqualTo(ubuntu(V2).toString());
    assertThat(run.rollout().events()).filteredOn(ModelImageChanged.class::isInstance)
        .anySatisfy(e -> assertThat(((ModelImageChanged) e).reason()).contains("found on 22.04.202409010",
            "keeps it on 22.04.202410010"));
    assertThat(run.port().calls("rollBackInstances")).as("the lost rollback was not repeated: the instance already "
        + "ran its previous image").isEqualTo(1);
  }

  /** A rollback that moves the model back and fails before it restores anything. */
  @Test
  void rollBack_movesTheModelAndFailsMidway_endsLikeTheFaultFreeRun() {
    boolean[] failed = {false};
    Run run = run(true, p -> p.rollBackInstances = (id, ids, image) -> {
      if (!failed[0]) {
        failed[0] = true;
        p.fleet.updateModelImage(id, image);
        throw new TransientCloudException(500, "InternalExecutionError", "An internal error occurred.", null);
      }
      p.fleet.rollBackInstances(id, ids, image);
    });

    assertThat(run.outcome()).isEqualTo(faultFree(true));
  }

  /** Issue case 4: a 412 on the rollback's own conditional PATCH re-reads and re-decides; it drops nothing. */
  @Test
  void rollBack_preconditionFailed_reReadsAndRollsBackInsteadOfFaulting() {
    boolean[] failed = {false};
    Run run = run(true, p -> p.rollBackInstances = (id, ids, image) -> {
      if (!failed[0]) {
        failed[0] = true;
        throw new ConflictException(412, "PreconditionFailed", "The condition specified using HTTP conditional "
            + "header(s) is not met.", null);
      }
      p.fleet.rollBackInstances(id, ids, image);
    });

    assertThat(run.outcome()).isEqualTo(faultFree(true));
    assertThat(run.rollout().events()).filteredOn(RolloutStalled.class::isInstance).singleElement()
        .satisfies(e -> assertThat(((RolloutStalled) e).stall().httpStatus()).isEqualTo(412));
  }

  /** Someone points the model back at the old image after the last batch: the final full read finds it. */
  @Test
  void modelMovedBehindTheRolloutsBack_finalFullReadPointsItBackBeforeCompleted() {
    boolean[] moved = {false};
    Run run = run(false, p -> p.listInstances = id -> {
      var instances = p.fleet.listInstances(id);
      if (!moved[0] && instances.stream().allMatch(i -> i.runs(V2))) {
        moved[0] = true;
        p.fleet.updateModelImage(id, ubuntu(V1)); // an IaC re-apply, say
      }
      return instances;
    });

    assertThat(moved[0]).isTrue();
    assertThat(run.outcome()).isEqualTo(faultFree(false));
    assertThat(run.rollout()).isCompleted();
    assertThat(run.rollout().events()).filteredOn(ModelImageChanged.class::isInstance).hasSize(2);
  }
}
