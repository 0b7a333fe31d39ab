package dev.osupgrade.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osupgrade.Fleets;
import dev.osupgrade.InvalidValueException;
import dev.osupgrade.policy.UpgradePolicy;
import java.util.List;
import org.junit.jupiter.api.Test;

final class FlexibleIdentityTest {
  private static final ScaleSetId WEB = ScaleSetId.of("00000000-0000-0000-0000-000000000001", "rg-web", "web");

  private static ScaleSet scaleSet(OrchestrationMode mode, Instance... instances) {
    return new ScaleSet(WEB, Fleets.REGION, List.of(), mode, UpgradePolicy.manual(), Fleets.OLD_IMAGE,
        HealthMonitoring.extension(), null, List.of(instances));
  }

  @Test
  void identity_uniform_nameIsScaleSetAndIdAndResourceIdUnderTheScaleSet() {
    InstanceIdentity id = scaleSet(OrchestrationMode.UNIFORM).identity("17");

    assertThat(id.name()).isEqualTo("web_17");
    assertThat(id.resourceId()).isEqualTo("/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-web"
        + "/providers/Microsoft.Compute/virtualMachineScaleSets/web/virtualMachines/17");
  }

  @Test
  void identity_flexible_nameIsTheIdAndResourceIdIsAVmOfTheResourceGroup() {
    InstanceIdentity id = scaleSet(OrchestrationMode.FLEXIBLE).identity("web_3f2a9c1d");

    assertThat(id.name()).isEqualTo("web_3f2a9c1d");
    assertThat(id.resourceId()).isEqualTo("/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-web"
        + "/providers/Microsoft.Compute/virtualMachines/web_3f2a9c1d");
    assertThat(id).hasToString(id.resourceId());
  }

  @Test
  void identity_idThatIsNoPathSegment_rejected() {
    assertThatThrownBy(() -> new InstanceIdentity(WEB, OrchestrationMode.FLEXIBLE, "a/b"))
        .isInstanceOf(InvalidValueException.class).hasMessageContaining("instanceId");
  }

  @Test
  void instance_readOnlyLockWithoutProtection_rejectedNamingTheRule() {
    Instance plain = Fleets.instance("web_aaaa0001", Zone.REGIONAL, 0);

    assertThatThrownBy(() -> new Instance(plain.instanceId(), plain.zone(), 0, 0, plain.image(), true,
        plain.provisioningState(), plain.powerState(), plain.health(), false, null, ResourceLock.READ_ONLY))
        .isInstanceOf(InvalidValueException.class).hasMessageContaining("protectedFromUpgrade")
        .hasMessageContaining("ReadOnly");
  }

  @Test
  void withLock_readOnly_protectsAndCanNotDelete_onlyForbidsDeletion() {
    Instance plain = Fleets.instance("web_aaaa0001", Zone.REGIONAL, 0);

    Instance readOnly = plain.withLock(ResourceLock.READ_ONLY);
    Instance canNotDelete = plain.withLock(ResourceLock.CAN_NOT_DELETE);

    assertThat(readOnly.protectedFromUpgrade()).isTrue();
    assertThat(readOnly.deletable()).isFalse();
    assertThat(readOnly.toString()).contains("lock ReadOnly").doesNotContain("protected");
    assertThat(canNotDelete.protectedFromUpgrade()).isFalse();
    assertThat(canNotDelete.deletable()).isFalse();
    assertThat(canNotDelete.toString()).contains("lock CanNotDelete");
    assertThat(plain.deletable()).isTrue();
    assertThat(plain.lock()).isEqualTo(ResourceLock.NONE);
    assertThat(readOnly.withLock(ResourceLock.NONE).protectedFromUpgrade()).as("lifting a lock keeps the flag")
        .isTrue();
  }

  @Test
  void resourceLock_azureLevels_readIgnoringCaseAndStrictestWins() {
    assertThat(ResourceLock.fromAzure("CanNotDelete")).contains(ResourceLock.CAN_NOT_DELETE);
    assertThat(ResourceLock.fromAzure("readonly")).contains(ResourceLock.READ_ONLY);
    assertThat(ResourceLock.fromAzure("NotSpecified")).isEmpty();
    assertThat(ResourceLock.fromAzure(null)).isEmpty();
    assertThat(ResourceLock.CAN_NOT_DELETE.strictest(ResourceLock.READ_ONLY)).isEqualTo(ResourceLock.READ_ONLY);
    assertThat(ResourceLock.READ_ONLY.strictest(ResourceLock.NONE)).isEqualTo(ResourceLock.READ_ONLY);
    assertThat(ResourceLock.NONE.strictest(ResourceLock.CAN_NOT_DELETE)).isEqualTo(ResourceLock.CAN_NOT_DELETE);
  }

  @Test
  void scaleSet_flexible_saysSoInToString() {
    assertThat(scaleSet(OrchestrationMode.FLEXIBLE).toString()).contains("Flexible");
    assertThat(scaleSet(OrchestrationMode.UNIFORM).toString()).doesNotContain("Flexible");
    assertThat(OrchestrationMode.FLEXIBLE.azureName()).isEqualTo("Flexible");
  }
}
