package dev.osupgrade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osupgrade.InvalidValueException;
import org.junit.jupiter.api.Test;

final class RegionTest {

  @Test
  void of_displayName_normalizedToArmName() {
    assertThat(Region.of("West Europe").name()).isEqualTo("westeurope");
    assertThat(Region.of("West Europe")).hasToString("westeurope");
  }

  @Test
  void of_anySpelling_equalRegions() {
    assertThat(Region.of("West Europe")).isEqualTo(Region.of("westeurope")).isEqualTo(Region.of("WestEurope"))
        .isEqualTo(new Region("WEST EUROPE"));
    assertThat(Region.of("West Europe")).hasSameHashCodeAs(Region.of("westeurope"));
  }

  @Test
  void of_capitalLetters_lowerCasedWithRootLocale() {
    // The test JVM runs with a Hindi (India) default locale; normalization must not depend on it.
    assertThat(Region.of("Central India").name()).isEqualTo("centralindia");
  }

  @Test
  void compareTo_byNormalizedName() {
    assertThat(Region.of("East US")).isLessThan(Region.of("westus"));
    assertThat(Region.of("East US").compareTo(Region.of("eastus"))).isZero();
  }

  @Test
  void of_blank_rejected() {
    assertThatThrownBy(() -> Region.of(" ")).isInstanceOf(InvalidValueException.class)
        .hasMessage("region must be non-blank, but was ' '");
  }
}
