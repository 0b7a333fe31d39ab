package dev.osupgrade.rollout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osupgrade.Fleets;
import dev.osupgrade.fleet.ScaleSet;
import dev.osupgrade.policy.UpgradeMode;
import dev.osupgrade.policy.UpgradePolicy;
import org.junit.jupiter.api.Test;

final class CheckCanStartTest {

  @Test
  void checkCanStart_unknownUpgradeMode_refusedWithItsOwnCodeNamingTheMode() {
    ScaleSet eventually = Fleets.scaleSet(4)
        .withUpgradePolicy(UpgradePolicy.manual().withMode(UpgradeMode.fromAzure("Eventually")));

    assertThatThrownBy(() -> RolloutEngine.checkCanStart(eventually, Fleets.NEW))
        .isInstanceOfSatisfying(RolloutRefusedException.class, e -> {
          assertThat(e.code()).isEqualTo(RolloutRefusedException.UPGRADE_MODE_UNKNOWN);
          assertThat(e.getMessage()).contains("'Eventually'").contains("Set upgradePolicy.mode to Manual");
        });
  }

  @Test
  void checkCanStart_manualMode_allowed() {
    assertThatCode(() -> RolloutEngine.checkCanStart(Fleets.scaleSet(4), Fleets.NEW)).doesNotThrowAnyException();
  }
}
