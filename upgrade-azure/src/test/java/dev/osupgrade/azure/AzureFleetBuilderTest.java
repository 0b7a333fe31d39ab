package dev.osupgrade.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import dev.osupgrade.InvalidValueException;
import dev.osupgrade.azure.AzureFleet.RetrySettings;
import dev.osupgrade.port.ImageCatalog;
import dev.osupgrade.port.PlatformUpgradePort;
import dev.osupgrade.port.ScaleSetPort;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

final class AzureFleetBuilderTest {
  @RegisterExtension static final WireMockExtension arm = ArmServer.extension();

  @Test
  void of_manager_implementsEveryPortWithDefaultRetry() {
    AzureFleet fleet = AzureFleet.of(ArmServer.computeManager(arm));

    assertThat(fleet).isInstanceOf(ScaleSetPort.class).isInstanceOf(PlatformUpgradePort.class)
        .isInstanceOf(ImageCatalog.class);
    assertThat(fleet.retrySettings()).isEqualTo(RetrySettings.ofDefaults());
    assertThat(fleet.toString()).contains("subscription " + ArmServer.SUBSCRIPTION).contains("retry 4 attempts");
  }

  @Test
  void build_withoutManager_failsWithHint() {
    assertThatThrownBy(() -> AzureFleet.builder().build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("computeManager must be set");
  }

  @Test
  void builder_nullSettings_areRejected() {
    assertThatThrownBy(() -> AzureFleet.builder().retry(null)).isInstanceOf(InvalidValueException.class)
        .hasMessageContaining("retry");
    assertThatThrownBy(() -> AzureFleet.builder().sleeper(null)).isInstanceOf(InvalidValueException.class);
  }

  @Test
  void builder_toString_listsOnlyWhatWasSet() {
    assertThat(AzureFleet.builder().marketplaceRegion("West Europe").toString())
        .isEqualTo("AzureFleet.Builder{marketplaceRegion=westeurope}");
  }

  @Test
  void retrySettings_outOfRange_areRejectedNamingTheField() {
    assertThatThrownBy(() -> RetrySettings.ofDefaults().withMaxAttempts(0))
        .isInstanceOf(InvalidValueException.class).hasMessage("maxAttempts must be in [1, 20], but was 0");
    assertThatThrownBy(() -> RetrySettings.ofDefaults().withBackoff(Duration.ofSeconds(5), Duration.ofSeconds(1)))
        .isInstanceOf(InvalidValueException.class).hasMessageContaining("maxBackoff must be at least initialBackoff");
    assertThatThrownBy(() -> RetrySettings.ofDefaults().withMaxRetryAfter(Duration.ofSeconds(-1)))
        .isInstanceOf(InvalidValueException.class).hasMessageContaining("maxRetryAfter");
  }

  @Test
  void retrySettings_toString_readsAsASentence() {
    assertThat(RetrySettings.none()).hasToString("no retry");
    assertThat(RetrySettings.ofDefaults())
        .hasToString("retry 4 attempts, backoff 1s..30s, Retry-After up to 1m");
  }
}
