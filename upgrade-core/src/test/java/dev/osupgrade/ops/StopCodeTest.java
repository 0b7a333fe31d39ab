package dev.osupgrade.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

final class StopCodeTest {

  @Test
  void azureName_eachCode_isAzuresNameAndReadsBack() {
    assertThat(StopCode.MAX_UNHEALTHY_UPGRADED.azureName())
        .isEqualTo("MaxUnhealthyUpgradedInstancePercentExceededInRollingUpgrade");
    assertThat(StopCode.TIMEOUT.azureName()).isEqualTo("RollingUpgradeTimeoutError");
    for (StopCode c : StopCode.values()) {
      assertThat(StopCode.fromAzure(c.azureName())).contains(c);
    }
    assertThat(StopCode.fromAzure("SomeUserGateCode")).isEmpty();
  }

  @Test
  void blamesImage_onlyUnhealthyUpgradedInstancesAndARegression() {
    assertThat(Arrays.stream(StopCode.values()).filter(StopCode::blamesImage))
        .containsExactly(StopCode.MAX_UNHEALTHY_UPGRADED, StopCode.PERFORMANCE_REGRESSION);
    assertThat(UpgradeError.of(StopCode.PERFORMANCE_REGRESSION, "slower").blamesImage()).isTrue();
    assertThat(new UpgradeError("MaxUnhealthyInstancePercentExceededInRollingUpgrade", "x").blamesImage()).isFalse();
    assertThat(new UpgradeError("UserGate", "x").stopCode()).isEmpty();
  }

  @Test
  void errorCodes_everyStopCode_hasAConstantOfTheSameNameAndValue() throws ReflectiveOperationException {
    for (StopCode c : StopCode.values()) {
      assertThat(ErrorCodes.class.getField(c.name()).get(null)).as(c.name()).isEqualTo(c.azureName());
    }
  }

  @Test
  void errorCodes_stringConstants_areTheTypedCodesNames() {
    assertThat(ErrorCodes.MAX_UNHEALTHY_BEFORE).isEqualTo(StopCode.MAX_UNHEALTHY_BEFORE.azureName());
    assertThat(ErrorCodes.MAX_UNHEALTHY_IN).isEqualTo(StopCode.MAX_UNHEALTHY_IN.azureName());
    assertThat(ErrorCodes.MAX_UNHEALTHY_UPGRADED).isEqualTo(StopCode.MAX_UNHEALTHY_UPGRADED.azureName());
    assertThat(ErrorCodes.TIMEOUT).isEqualTo(StopCode.TIMEOUT.azureName());
    assertThat(ErrorCodes.INTERNAL).isEqualTo(StopCode.INTERNAL.azureName());
    assertThat(ErrorCodes.GATE_FAILED).isEqualTo(StopCode.GATE_FAILED.azureName());
    assertThat(ErrorCodes.OPERATION_REJECTED).isEqualTo(StopCode.OPERATION_REJECTED.azureName());
    assertThat(ErrorCodes.PERFORMANCE_REGRESSION).isEqualTo(StopCode.PERFORMANCE_REGRESSION.azureName());
    assertThat(ErrorCodes.PERFORMANCE_INCONCLUSIVE).isEqualTo(StopCode.PERFORMANCE_INCONCLUSIVE.azureName());
    assertThat(ErrorCodes.NO_MAINTENANCE_WINDOW).isEqualTo(StopCode.NO_MAINTENANCE_WINDOW.azureName());
    assertThat(ErrorCodes.IMAGE_NOT_TRUSTED).isEqualTo(StopCode.IMAGE_NOT_TRUSTED.azureName());
    assertThat(ErrorCodes.READINESS_INCOMPLETE).isEqualTo(StopCode.READINESS_INCOMPLETE.azureName());
    assertThat(ErrorCodes.UPGRADE_NOT_APPLIED).isEqualTo(StopCode.UPGRADE_NOT_APPLIED.azureName());
    assertThat(ErrorCodes.RING_REFUSED).isEqualTo(StopCode.RING_REFUSED.azureName());
    assertThat(dev.osupgrade.governance.ImageNotTrustedException.CODE).isEqualTo(StopCode.IMAGE_NOT_TRUSTED.azureName());
    assertThat(dev.osupgrade.governance.ReadinessIncompleteException.CODE)
        .isEqualTo(StopCode.READINESS_INCOMPLETE.azureName());
    assertThat(dev.osupgrade.governance.performance.PerformanceGate.CODE)
        .isEqualTo(StopCode.PERFORMANCE_REGRESSION.azureName());
    assertThat(dev.osupgrade.governance.performance.PerformanceGate.INCONCLUSIVE)
        .isEqualTo(StopCode.PERFORMANCE_INCONCLUSIVE.azureName());
    assertThat(dev.osupgrade.governance.schedule.MaintenanceWindowGate.NEVER_OPENS)
        .isEqualTo(StopCode.NO_MAINTENANCE_WINDOW.azureName());
  }
}
