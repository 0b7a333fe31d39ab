package dev.osupgrade.diagnosis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osupgrade.Fleets;
import dev.osupgrade.fleet.ScaleSet;
import dev.osupgrade.policy.AutomaticOsUpgradePolicy;
import org.junit.jupiter.api.Test;

final class DriftReportTest {

  @Test
  void of_everyInstanceOnTheModel_inSync() {
    DriftReport drift = DriftReport.of(Fleets.scaleSet(5));

    assertThat(drift.isInSync()).isTrue();
    assertThat(drift.toString()).endsWith("every instance matches the model");
  }

  @Test
  void of_modelMovedAhead_instancesGroupedByVersionWithARolloutAsTheFix() {
    ScaleSet moved = Fleets.scaleSet(5).withModelImage(Fleets.NEW_IMAGE);
    moved = Fleets.change(moved, i -> i.withImage(i.image(), false), "0", "1", "2", "3", "4");
    moved = Fleets.change(moved, i -> i.withImage(Fleets.NEW_IMAGE, true), "4");

    DriftReport drift = DriftReport.of(moved);

    assertThat(drift.byVersion()).containsOnlyKeys(Fleets.OLD);
    assertThat(drift.byVersion().get(Fleets.OLD)).containsExactly("0", "1", "2", "3");
    assertThat(drift.steps()).singleElement().satisfies(s -> assertThat(s).contains("a Rollout to "
        + Fleets.NEW));
  }

  @Test
  void of_automaticOsUpgradeOn_thePlatformBringsThem() {
    ScaleSet auto = Fleets.scaleSet(3).withModelImage(Fleets.UBUNTU.withLatest());
    auto = auto.withUpgradePolicy(auto.upgradePolicy().withAutomaticOsUpgrade(AutomaticOsUpgradePolicy.enabled()));
    auto = Fleets.change(auto, i -> i.withImage(i.image(), false), "2");

    assertThat(DriftReport.of(auto).steps()).singleElement()
        .satisfies(s -> assertThat(s).contains("the platform brings 1 instance(s)", "osRollingUpgrade"));
  }
}
