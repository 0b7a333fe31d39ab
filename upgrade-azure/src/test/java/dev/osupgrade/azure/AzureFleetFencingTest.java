package dev.osupgrade.azure;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static dev.osupgrade.azure.ArmServer.WEB;
import static dev.osupgrade.azure.ArmServer.webPath;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.image.ImageVersion;
import dev.osupgrade.policy.UpgradePolicy;
import dev.osupgrade.port.Fencing;
import dev.osupgrade.port.LeaseLostException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

// The adapter checks the caller's fence immediately before every attempt of a mutating call, and before it waits
// for the next one; a lost lease ends the call with the fence's own exception and nothing more is sent.
final class AzureFleetFencingTest {
  @RegisterExtension static final WireMockExtension arm = ArmServer.extension();

  private static final ImageReference.Marketplace JAMMY =
      ImageReference.marketplace("Canonical", "0001-com-ubuntu-server-jammy", "22_04-lts-gen2", "22.04.202407010");
  private static final ImageReference PREVIOUS = JAMMY.withVersion(ImageVersion.of("22.04.202406140"));

  private final List<Duration> waits = new CopyOnWriteArrayList<>();
  private final AzureFleet fleet = ArmServer.fleet(arm, waits);

  /** A fence that holds for its first {@code holds} checks and then reports the lease lost, always the same way. */
  private static final class Fence implements Fencing.Fence {
    final LeaseLostException lost = new LeaseLostException("replica-b holds the lease of rg/web since 12:00:03Z");
    final AtomicInteger checks = new AtomicInteger();
    final int holds;

    Fence(int holds) {
      this.holds = holds;
    }

    @Override
    public void check() {
      if (checks.incrementAndGet() > holds) {
        throw lost;
      }
    }
  }

  private static String manualModel() {
    return ArmJournal.manualModel("3", "22.04.202407010");
  }

  @Test
  void upgradeInstances_fenceFailsOnTheSecondAttempt_exactlyOneRequestNoWaitAndTheLeaseLostUnchanged() {
    arm.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(503).withHeader("Content-Type", "application/json")
        .withBody(ArmJournal.error("ServiceUnavailable", "The service is unavailable."))));
    Fence fence = new Fence(2); // Fencing.under's own check, then the first attempt's; the second attempt's fails

    assertThatThrownBy(() -> Fencing.run(fence, () -> fleet.upgradeInstances(WEB, List.of("0", "1"))))
        .isSameAs(fence.lost);

    assertThat(ArmJournal.requests(arm)).containsExactly("POST /manualupgrade");
    assertThat(waits).as("no backoff is spent once the lease is gone").isEmpty();
    assertThat(fence.checks).hasValue(3);
  }

  @Test
  void updateUpgradePolicy_throttledWithRetryAfterAndFenceLost_noWaitForTheRetryAfterAndOneRequest() {
    arm.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(429).withHeader("Retry-After", "20")
        .withHeader("Content-Type", "application/json")
        .withBody(ArmJournal.error("OperationNotAllowed", "The server rejected the request because too many "
            + "requests have been received for this subscription."))));
    Fence fence = new Fence(2);

    assertThatThrownBy(() -> Fencing.run(fence, () -> fleet.updateUpgradePolicy(WEB, UpgradePolicy.manual(), "\"3\"")))
        .isSameAs(fence.lost);

    assertThat(ArmJournal.requests(arm)).containsExactly("PATCH ");
    assertThat(waits).isEmpty();
  }

  @Test
  void upgradeInstances_fenceHolds_retriesAsUsualAndChecksBeforeEveryAttemptAndWait() {
    arm.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(503).withHeader("Content-Type", "application/json")
        .withBody(ArmJournal.error("ServiceUnavailable", "The service is unavailable."))));
    Fence fence = new Fence(Integer.MAX_VALUE);

    assertThatThrownBy(() -> Fencing.run(fence, () -> fleet.upgradeInstances(WEB, List.of("0"))))
        .isInstanceOf(dev.osupgrade.port.TransientCloudException.class);

    assertThat(ArmJournal.requests(arm)).hasSize(4);
    assertThat(waits).hasSize(3);
    // under's own check + 4 attempts + 3 checks before the waits
    assertThat(fence.checks).hasValue(8);
  }

  static Stream<Arguments> mutatingCalls() {
    return Stream.of(
        Arguments.of("updateModelImage", (Consumer<AzureFleet>) f -> f.updateModelImage(WEB, PREVIOUS)),
        Arguments.of("updateUpgradePolicy", (Consumer<AzureFleet>) f -> f.updateUpgradePolicy(WEB,
            UpgradePolicy.manual(), null)),
        Arguments.of("updateUpgradePolicy If-Match", (Consumer<AzureFleet>) f -> f.updateUpgradePolicy(WEB,
            UpgradePolicy.manual(), "\"3\"")),
        Arguments.of("upgradeInstances", (Consumer<AzureFleet>) f -> f.upgradeInstances(WEB, List.of("0"))),
        Arguments.of("rollBackInstances", (Consumer<AzureFleet>) f -> f.rollBackInstances(WEB, List.of("0"),
            PREVIOUS)),
        Arguments.of("startOsUpgrade", (Consumer<AzureFleet>) f -> f.startOsUpgrade(WEB)),
        Arguments.of("cancelRollingUpgrade", (Consumer<AzureFleet>) f -> f.cancelRollingUpgrade(WEB)),
        Arguments.of("approveRollingUpgrade", (Consumer<AzureFleet>) f -> f.approveRollingUpgrade(WEB,
            List.of("0"))),
        Arguments.of("scaleOut", (Consumer<AzureFleet>) f -> f.scaleOut(WEB, 2)),
        Arguments.of("deleteInstances", (Consumer<AzureFleet>) f -> f.deleteInstances(WEB, List.of("2"))));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("mutatingCalls")
  void mutatingCall_leaseAlreadyLost_sendsNothingThatChangesTheFleet(String name, Consumer<AzureFleet> call) {
    arm.stubFor(get(urlPathEqualTo(webPath())).willReturn(okJson(manualModel())));
    arm.stubFor(get(urlPathEqualTo(webPath() + "/virtualMachines")).willReturn(okJson(
        ArmServer.page("vmss-web-vms-page2.json", arm, null))));
    Fence fence = new Fence(1); // only Fencing.under's own check holds

    assertThatThrownBy(() -> Fencing.run(fence, () -> call.accept(fleet))).isSameAs(fence.lost);

    assertThat(ArmJournal.changes(arm)).isEmpty();
  }

  @Test
  void get_underAFenceThatFailsNow_readsAreNotFenced() {
    arm.stubFor(get(urlPathEqualTo(webPath())).willReturn(okJson(manualModel())));
    arm.stubFor(get(urlPathEqualTo(webPath() + "/virtualMachines")).willReturn(okJson(
        ArmServer.page("vmss-web-vms-page2.json", arm, null))));
    Fence fence = new Fence(1);

    int instances = Fencing.under(fence, () -> fleet.get(WEB).instanceCount());

    assertThat(instances).isEqualTo(2);
    assertThat(fence.checks).hasValue(1);
  }
}
