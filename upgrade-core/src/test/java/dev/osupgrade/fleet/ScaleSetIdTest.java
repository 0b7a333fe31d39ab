package dev.osupgrade.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.InstanceOfAssertFactories.type;

import dev.osupgrade.InvalidValueException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

final class ScaleSetIdTest {
  private static final String ARM_ID = "/subscriptions/0b1f6471-1bf0-4dda-aec3-111122223333/resourceGroups/Prod-RG"
      + "/providers/Microsoft.Compute/virtualMachineScaleSets/Web-VMSS";

  @Test
  void parse_armId_threeParts() {
    ScaleSetId id = ScaleSetId.parse(ARM_ID);

    assertThat(id.subscriptionId()).isEqualTo("0b1f6471-1bf0-4dda-aec3-111122223333");
    assertThat(id.resourceGroup()).isEqualTo("prod-rg");
    assertThat(id.name()).isEqualTo("web-vmss");
    assertThat(id).hasToString("prod-rg/web-vmss");
  }

  @Test
  void parse_armIdDifferentCaseAndTrailingSlash_sameId() {
    ScaleSetId a = ScaleSetId.parse(ARM_ID);
    ScaleSetId b = ScaleSetId.parse(" " + ARM_ID.toLowerCase(java.util.Locale.ROOT) + "/ ");

    assertThat(b).isEqualTo(a);
  }

  @Test
  void armId_roundTripsThroughParse() {
    ScaleSetId id = ScaleSetId.of("sub", "rg", "web");

    assertThat(id.armId())
        .isEqualTo("/subscriptions/sub/resourceGroups/rg/providers/Microsoft.Compute/virtualMachineScaleSets/web");
    assertThat(ScaleSetId.parse(id.armId())).isEqualTo(id);
  }

  @Test
  void of_twoParts_usesPlaceholderSubscription() {
    assertThat(ScaleSetId.of("rg", "web").subscriptionId()).isEqualTo(ScaleSetId.LOCAL_SUBSCRIPTION);
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1",
      "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachineScaleSets/web/virtualMachines/0",
      "/subscriptions/s/resourceGroups/rg",
      "web",
      ""})
  void parse_notAScaleSetId_rejectedNamingTheExpectedForm(String text) {
    assertThatThrownBy(() -> ScaleSetId.parse(text))
        .asInstanceOf(type(InvalidValueException.class))
        .satisfies(e -> {
          assertThat(e.parameter()).isEqualTo("armId");
          assertThat(e.rule()).contains("/subscriptions/{sub}/resourceGroups/{rg}/providers/"
              + "Microsoft.Compute/virtualMachineScaleSets/{name}");
          assertThat(e.value()).isEqualTo(text);
          assertThat(e.getMessage()).startsWith("armId must be a scale set resource id").endsWith("'" + text + "'");
        });
  }

  @Test
  void constructor_blankOrSlash_rejected() {
    assertThatThrownBy(() -> ScaleSetId.of(" ", "rg", "web")).isInstanceOf(InvalidValueException.class)
        .hasMessage("subscriptionId must be non-blank, but was ' '");
    assertThatThrownBy(() -> ScaleSetId.of("rg/x", "web")).isInstanceOf(InvalidValueException.class)
        .hasMessage("resourceGroup must be free of '/', but was 'rg/x'");
  }
}
