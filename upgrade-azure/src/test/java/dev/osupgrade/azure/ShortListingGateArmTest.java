package dev.osupgrade.azure;

import static dev.osupgrade.azure.emulator.ArmImages.UBUNTU;
import static dev.osupgrade.azure.emulator.ArmImages.V1;
import static dev.osupgrade.azure.emulator.ArmImages.V2;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import dev.osupgrade.azure.emulator.ArmEmulator;
import dev.osupgrade.azure.emulator.ArmEmulator.ArmRequest;
import dev.osupgrade.fleet.HealthState;
import dev.osupgrade.fleet.OrchestrationMode;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.image.ImageRelease;
import dev.osupgrade.ops.ErrorCodes;
import dev.osupgrade.ops.RolloutStatus;
import dev.osupgrade.policy.RollingUpgradePolicy;
import dev.osupgrade.rollout.Rollout;
import dev.osupgrade.testkit.Faults;
import dev.osupgrade.testkit.PortCall;
import dev.osupgrade.testkit.ScaleSetSpec;
import dev.osupgrade.testkit.SimulatedFleet;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The before-batch budget over ARM when ARM's VM listing leaves out the unhealthy VMs: the ARM emulator serves a
 * realistic listing that lacks them ({@link Faults#leaveUnhealthyOutOfListings} on the world behind it) while a read
 * of one VM still finds it. Graded by the journal (every {@code manualupgrade} the server received) and by the world's
 * record (the whole set's true health when each arrived).
 */
final class ShortListingGateArmTest {
  private static final ArmEmulator EMULATOR = ArmEmulator.create();
  @RegisterExtension static final WireMockExtension ARM = EMULATOR.extension();

  /** Batches of two, and at most 20% of the set (two of ten) unhealthy before a batch. */
  private static final RollingUpgradePolicy POLICY = RollingUpgradePolicy.builder().maxBatchInstancePercent(20)
      .maxUnhealthyInstancePercent(20).build();

  /**
   * Three of ten VMs go Unhealthy while the first batch runs, and every listing from then on leaves them out (0 of 7
   * unhealthy listed; 3 of 10 in truth, over the 20% budget). The server receives no {@code manualupgrade} after
   * that: the first batch's is the only one; the three are read one by one (a GET of each VM, answered 200), found
   * Unhealthy, and the rollout stops with Azure's code.
   */
  @ParameterizedTest
  @EnumSource(value = OrchestrationMode.class, names = {"UNIFORM", "FLEXIBLE"})
  void unhealthyVmsLeftOutOfArmsListing_noManualUpgradeWhileOverBudget_stopsWithAzuresCode(OrchestrationMode mode) {
    SimulatedFleet world = SimulatedFleet.create(42);
    ScaleSetSpec spec = ScaleSetSpec.named("web").instances(10).image(UBUNTU.withVersion(V1)).orchestration(mode);
    if (mode == OrchestrationMode.FLEXIBLE) {
      spec.faultDomains(3);
    }
    ScaleSetId web = world.add(spec);
    world.publish(ImageRelease.marketplace(UBUNTU.withVersion(V2), world.clock().instant().minus(Duration.ofDays(1))));
    AzureFleet azure = EMULATOR.connect(ARM, world);
    Rollout rollout = Rollout.builder(azure, web).target(V2).clock(world.clock()).policy(POLICY).build();
    rollout.advance().ifPresent(at -> EMULATOR.locked(() -> world.clock().advanceTo(at)));
    List<String> first = world.record(web).calls("upgradeInstances").get(0).instanceIds();
    List<String> created = new java.util.ArrayList<>(world.createdInstanceIds(web));
    java.util.Collections.reverse(created);
    String[] three = created.stream().filter(i -> !first.contains(i)).limit(3).toArray(String[]::new);
    EMULATOR.locked(() -> world.faults().maintenance(web, Duration.ZERO, Duration.ofHours(12), HealthState.UNHEALTHY,
        three).leaveUnhealthyOutOfListings(web, Faults.MAX_TIMES));

    EMULATOR.runToEnd(rollout);

    List<ArmRequest> journal = EMULATOR.requests();
    assertThat(journal).filteredOn(r -> r.method().equals("POST") && r.path().endsWith("/manualupgrade"))
        .as("manualupgrade requests: the first batch's only").hasSize(1);
    List<PortCall> upgrades = world.record(web).calls("upgradeInstances");
    assertThat(upgrades).singleElement().satisfies(c -> {
      assertThat(c.instanceIds()).containsExactlyInAnyOrderElementsOf(first);
      assertThat(c.health().unhealthyOrUnknown() * 100).as("the true share when it arrived")
          .isLessThanOrEqualTo(POLICY.maxUnhealthyInstancePercent() * c.health().instances());
    });
    // Uniform: the three are read together, once. Flexible (batches by fault domain): the second batch holds one of
    // the three, read first on its own as a batch instance missing from the look, then again with the other two.
    List<ArmRequest> vmGets = journal.stream()
        .filter(r -> r.method().equals("GET") && r.path().matches("(?i).*/virtualMachines/[^/]+$")).toList();
    assertThat(vmGets).as("GETs of one VM").hasSize(mode == OrchestrationMode.UNIFORM ? 3 : 4)
        .allSatisfy(r -> assertThat(r.status()).isEqualTo(200));
    assertThat(vmGets.stream().map(r -> r.path().replaceAll(".*/", "")).distinct())
        .as("each VM the listing left out, and no other").containsExactlyInAnyOrder(three);
    assertThat(rollout.status()).isEqualTo(RolloutStatus.FAULTED);
    assertThat(rollout.error().orElseThrow().code()).isEqualTo(ErrorCodes.MAX_UNHEALTHY_IN);
  }
}
