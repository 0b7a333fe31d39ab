package dev.osupgrade.testkit;

import static dev.osupgrade.testkit.Images.V1;
import static dev.osupgrade.testkit.Images.V2;
import static dev.osupgrade.testkit.Images.V3;
import static dev.osupgrade.testkit.Images.ubuntu;
import static dev.osupgrade.testkit.OsUpgradeAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.image.ImageVersion;
import dev.osupgrade.ops.ErrorCodes;
import dev.osupgrade.ops.RolloutStatus;
import dev.osupgrade.rollout.Rollout;
import dev.osupgrade.rollout.RolloutRefusedException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A target the catalog has never published (a typo) is refused before anything changes. */
final class TargetVersionTest {
  private static final ImageVersion TYPO = ImageVersion.parse("22.04.202410011");
  private static final List<String> MUTATING = List.of("updateModelImage", "updateUpgradePolicy", "upgradeInstances",
      "rollBackInstances", "scaleOut", "deleteInstances", "startOsUpgrade", "cancelRollingUpgrade",
      "approveRollingUpgrade");

  private static SimulatedFleet fleet() {
    SimulatedFleet fleet = SimulatedFleet.create(5);
    fleet.add(ScaleSetSpec.named("web").instances(10).image(ubuntu(V1)));
    fleet.publish(ubuntu(V2));
    fleet.publish(ubuntu(V3));
    return fleet;
  }

  private static int mutatingCalls(SimulatedFleet fleet) {
    return MUTATING.stream().mapToInt(fleet::calls).sum();
  }

  @Test
  void typoTarget_refusedBeforeAnyChange_namingTheNearestPublishedVersions() {
    SimulatedFleet fleet = fleet();
    ScaleSetId id = fleet.scaleSetIds().get(0);
    Rollout r = Rollout.builder(fleet, id).target(TYPO).clock(fleet.clock()).build();

    assertThatThrownBy(r::advance).isInstanceOf(RolloutRefusedException.class)
        .hasMessageContaining("22.04.202410011").hasMessageContaining("is not published in westeurope")
        .hasMessageContaining("22.04.202410010 below").hasMessageContaining("22.04.202411010 above")
        .extracting(e -> ((RolloutRefusedException) e).code())
        .isEqualTo(RolloutRefusedException.TARGET_VERSION_NOT_PUBLISHED);

    assertThat(mutatingCalls(fleet)).isZero();
    assertThat(r.status()).isEqualTo(RolloutStatus.NOT_STARTED);
    assertThat(fleet.peek(id).modelImage()).isEqualTo(ubuntu(V1));
    assertThat(fleet.peek(id).instances()).allSatisfy(i -> assertThat(i.runs(V1)).isTrue());
  }

  @Test
  void catalogUnavailableDuringTheCheck_stallsNotStartedThenStarts() {
    SimulatedFleet fleet = fleet();
    ScaleSetId id = fleet.scaleSetIds().get(0);
    fleet.faults().serverErrors("listReleases", 2, 503);
    Rollout r = Rollout.builder(fleet, id).target(V2).clock(fleet.clock()).build();

    r.advance();

    assertThat(r.status()).isEqualTo(RolloutStatus.NOT_STARTED);
    assertThat(r.stall()).hasValueSatisfying(st -> {
      assertThat(st.code()).isEqualTo("ServiceUnavailable");
      assertThat(st.during()).isEqualTo("checking that 22.04.202410010 is published");
    });
    assertThat(mutatingCalls(fleet)).isZero();
    fleet.run(r);
    assertThat(r).isCompleted().hasProgress(10, 0, 0, 0);
    assertThat(fleet.calls("listReleases")).as("two failed checks, one that passed").isEqualTo(3);
  }

  @Test
  void withoutACatalog_noCheck_theCloudsAnswerToTheModelChangeIsTheFirstWord() {
    SimulatedFleet fleet = fleet();
    ScaleSetId id = fleet.scaleSetIds().get(0);
    HookedPort notACatalog = new HookedPort(fleet);

    Rollout r = fleet.run(Rollout.builder(notACatalog, id).target(TYPO).clock(fleet.clock()).build());

    // The model change is sent and the fleet rejects it (as Azure's 404 ImageNotFound): nothing else changed.
    assertThat(r).faultedWith(ErrorCodes.OPERATION_REJECTED);
    assertThat(r.error().orElseThrow().message()).contains("ImageNotFound");
    assertThat(fleet.calls("updateModelImage")).isEqualTo(1);
    assertThat(fleet.calls("upgradeInstances")).isZero();
    assertThat(fleet.peek(id).modelImage()).isEqualTo(ubuntu(V1));
  }

  @Test
  void catalogGivenToTheBuilder_checksAPortThatIsNotACatalog() {
    SimulatedFleet fleet = fleet();
    ScaleSetId id = fleet.scaleSetIds().get(0);
    Rollout r = Rollout.builder(new HookedPort(fleet), id).target(TYPO).clock(fleet.clock()).catalog(fleet).build();

    assertThatThrownBy(r::advance).isInstanceOf(RolloutRefusedException.class)
        .extracting(e -> ((RolloutRefusedException) e).code())
        .isEqualTo(RolloutRefusedException.TARGET_VERSION_NOT_PUBLISHED);
    assertThat(mutatingCalls(fleet)).isZero();
  }
}
