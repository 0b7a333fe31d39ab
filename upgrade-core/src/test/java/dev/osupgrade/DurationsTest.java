package dev.osupgrade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

final class DurationsTest {

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
      "PT0S, 0s",
      "PT45S, 45s",
      "PT0.5S, 0.5s",
      "PT0.000000001S, 0.000000001s",
      "PT1M, 1m",
      "PT4M30S, 4m30s",
      "PT5M, 5m",
      "PT1H, 1h",
      "PT2H, 2h",
      "PT3H30M, 3h30m",
      "PT1H0M5S, 1h5s",
      "P1DT2H5M, 1d2h5m",
      "P7D, 7d",
      "P90DT30S, 90d30s",
      "PT1M5.25S, 1m5s",
      "PT-4M, -4m",
      "PT-0.5S, -0.5s",
      "PT-1M-30S, -1m30s",
  })
  void words_duration_writtenInTheOneStyle(String iso, String expected) {
    assertThat(Durations.words(Duration.parse(iso))).isEqualTo(expected);
  }

  @Test
  void words_extremes_neitherOverflowNorLoseTheSign() {
    assertThat(Durations.words(Duration.ofSeconds(Long.MAX_VALUE))).isEqualTo("106751991167300d15h30m7s");
    assertThat(Durations.words(Duration.ofSeconds(Long.MIN_VALUE))).isEqualTo("-106751991167300d15h30m8s");
    assertThat(Durations.words(Duration.ofSeconds(Long.MIN_VALUE, 1))).isEqualTo("-106751991167300d15h30m7s");
  }

  @Test
  void words_null_rejectedWithTheParameterNamed() {
    assertThatThrownBy(() -> Durations.words(null)).isInstanceOf(InvalidValueException.class)
        .hasMessage("duration must be non-null, but was null");
  }

  @Test
  void invalidValue_durationValue_shownInTheOneStyleAndExact() {
    InvalidValueException e = new InvalidValueException("pause", "at most 1m", Duration.parse("PT1M0.5S"));
    assertThat(e.getMessage()).isEqualTo("pause must be at most 1m, but was 1m0.5s");
    assertThat(e.value()).isEqualTo("1m0.5s");
  }
}
