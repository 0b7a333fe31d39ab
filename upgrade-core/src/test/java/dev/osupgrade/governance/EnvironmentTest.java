package dev.osupgrade.governance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osupgrade.InvalidValueException;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

final class EnvironmentTest {

  @ParameterizedTest
  @CsvSource({"prod, PRODUCTION", "Production, PRODUCTION", "PRD, PRODUCTION", "live, PRODUCTION",
      "staging, STAGING", "UAT, STAGING", "qa, TEST", "ci, TEST", "dev, DEVELOPMENT", "sandbox, DEVELOPMENT"})
  void parse_usualSpellings_recognised(String text, Environment expected) {
    assertThat(Environment.parse(text)).isEqualTo(expected);
  }

  @Test
  void parse_unknown_rejected() {
    assertThatThrownBy(() -> Environment.parse("moon")).isInstanceOf(InvalidValueException.class)
        .hasMessageEndingWith("but was 'moon'");
  }

  @Test
  void fromTags_environmentTag_read() {
    assertThat(Environment.fromTags(Map.of("Environment", "test"))).isEqualTo(Environment.TEST);
    assertThat(Environment.fromTags(Map.of("env", "dev", "stage", "prod"))).isEqualTo(Environment.DEVELOPMENT);
  }

  @Test
  void fromTags_missingOrUnknown_failsSafeToProduction() {
    assertThat(Environment.fromTags(Map.of())).isEqualTo(Environment.PRODUCTION);
    assertThat(Environment.fromTags(Map.of("environment", "moon"))).isEqualTo(Environment.PRODUCTION);
    assertThat(Environment.PRODUCTION.isProduction()).isTrue();
    assertThat(Environment.STAGING.isProduction()).isFalse();
  }
}
