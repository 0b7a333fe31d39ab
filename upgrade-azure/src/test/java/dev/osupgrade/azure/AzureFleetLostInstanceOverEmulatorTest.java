package dev.osupgrade.azure;

import static dev.osupgrade.azure.emulator.ArmImages.UBUNTU;
import static dev.osupgrade.azure.emulator.ArmImages.V1;
import static dev.osupgrade.azure.emulator.ArmImages.V2;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import dev.osupgrade.azure.emulator.ArmEmulator;
import dev.osupgrade.event.PlanExtended;
import dev.osupgrade.event.RolloutCompleted;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.image.ImageRelease;
import dev.osupgrade.ops.RolloutStatus;
import dev.osupgrade.ops.StopCode;
import dev.osupgrade.rollout.Rollout;
import dev.osupgrade.rollout.RolloutOptions;
import dev.osupgrade.testkit.FleetRecord;
import dev.osupgrade.testkit.InstanceChange;
import dev.osupgrade.testkit.ScaleSetSpec;
import dev.osupgrade.testkit.SimulatedFleet;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The final read's adversary over HTTP ({@link ArmEmulator#neverReimage}): ARM accepts every {@code manualupgrade}
 * naming instance 3 and never reimages it, and after the first one leaves it out of every listing and answers its own
 * GET 404; only the full read (the GET of the scale set and the listing right after it) shows it, off the target. The
 * rollout must neither say Completed nor re-plan it forever: WireMock's journal shows exactly
 * {@code maxUpgradeRequestsPerInstance} POSTs naming instance 3, and the rollout ends Faulted with
 * {@code InstanceUpgradeNotApplied}, well within six hours of fleet time.
 */
final class AzureFleetLostInstanceOverEmulatorTest {
  private static final ArmEmulator EMULATOR = ArmEmulator.create();
  @RegisterExtension static final WireMockExtension ARM = EMULATOR.extension();

  private static final Pattern NAMES_THREE = Pattern.compile("\"instanceIds\"\\s*:\\s*\\[[^\\]]*\"3\"");

  /** The POST manualupgrade requests in WireMock's journal whose body names instance 3. */
  private static long manualUpgradesNamingThree() {
    return ARM.getAllServeEvents().stream().map(ServeEvent::getRequest)
        .filter(r -> r.getMethod().getName().equals("POST") && r.getUrl().contains("/manualupgrade"))
        .filter(r -> NAMES_THREE.matcher(r.getBodyAsString()).find()).count();
  }

  private static Instant runFor(SimulatedFleet world, Rollout rollout, Duration bound) {
    Instant until = world.clock().instant().plus(bound);
    Optional<Instant> next = rollout.advance();
    for (; next.isPresent() && next.get().isBefore(until); next = rollout.advance()) {
      Instant at = next.get();
      EMULATOR.locked(() -> world.clock().advanceTo(at));
    }
    assertThat(next).as("the rollout ended within " + bound + " of fleet time").isEmpty();
    return world.clock().instant();
  }

  private ScaleSetId web(SimulatedFleet world) {
    ScaleSetId web = world.add(ScaleSetSpec.named("web").instances(10).image(UBUNTU.withVersion(V1)));
    world.publish(ImageRelease.marketplace(UBUNTU.withVersion(V2), world.clock().instant().minus(Duration.ofDays(1))));
    return web;
  }

  @Test
  void rollout_armNeverReimagesInstance3AndHidesIt_asksExactlyTheBoundThenFaults() {
    SimulatedFleet world = SimulatedFleet.create(11);
    ScaleSetId web = web(world);
    AzureFleet azure = EMULATOR.connect(ARM, world);
    EMULATOR.neverReimage("3");
    Rollout rollout = Rollout.builder(azure, web).target(V2).clock(world.clock()).build();

    runFor(world, rollout, Duration.ofHours(6));

    assertThat(manualUpgradesNamingThree()).as("the journal: POST manualupgrade naming instance 3")
        .isEqualTo(RolloutOptions.DEFAULT_MAX_UPGRADE_REQUESTS_PER_INSTANCE);
    assertThat(rollout.status()).as(rollout.toString()).isEqualTo(RolloutStatus.FAULTED);
    assertThat(rollout.events()).noneMatch(RolloutCompleted.class::isInstance);
    assertThat(rollout.error().orElseThrow().stopCode()).contains(StopCode.UPGRADE_NOT_APPLIED);
    assertThat(rollout.error().orElseThrow().message()).contains("instance 3 asked 3 times, runs " + V1);
    assertThat(rollout.events()).filteredOn(PlanExtended.class::isInstance).hasSize(2);
    // the fleet behind ARM: instance 3 never reimaged, the others on the target
    Instance three = world.peek(web).instance("3").orElseThrow();
    assertThat(three.runs(V1)).isTrue();
    FleetRecord record = world.record(web);
    assertThat(record.count("3", InstanceChange.Kind.UPGRADE_STARTED)).isZero();
    assertThat(world.peek(web).instances()).filteredOn(i -> !i.instanceId().equals("3")).hasSize(9)
        .allSatisfy(i -> assertThat(i.runs(V2)).isTrue());
    assertThat(world.peek(web).modelImage()).as("the image is not to blame: the model stays on the target")
        .isEqualTo(UBUNTU.withVersion(V2));
    assertThat(ARM.getAllServeEvents()).as("the journal: one model PATCH, forward")
        .filteredOn(e -> e.getRequest().getMethod().getName().equals("PATCH")).hasSize(1);
  }

  @Test
  void rollout_boundOfOne_instance3AskedOnceAndNeverReplanned() {
    SimulatedFleet world = SimulatedFleet.create(11);
    ScaleSetId web = web(world);
    AzureFleet azure = EMULATOR.connect(ARM, world);
    EMULATOR.neverReimage("3");
    Rollout rollout = Rollout.builder(azure, web).target(V2).clock(world.clock())
        .options(RolloutOptions.builder().maxUpgradeRequestsPerInstance(1).build()).build();

    runFor(world, rollout, Duration.ofHours(6));

    assertThat(manualUpgradesNamingThree()).isEqualTo(1);
    assertThat(rollout.status()).isEqualTo(RolloutStatus.FAULTED);
    assertThat(rollout.events()).noneMatch(PlanExtended.class::isInstance);
    assertThat(world.peek(web).instance("3").orElseThrow().runs(V1)).isTrue();
  }

  /** The emulator's adversary is only an adversary: without it, the same rollout completes with every instance. */
  @Test
  void rollout_noAdversary_completesWithOneRequestPerInstance() {
    SimulatedFleet world = SimulatedFleet.create(11);
    ScaleSetId web = web(world);
    AzureFleet azure = EMULATOR.connect(ARM, world);
    Rollout rollout = Rollout.builder(azure, web).target(V2).clock(world.clock()).build();

    runFor(world, rollout, Duration.ofHours(6));

    assertThat(rollout.status()).isEqualTo(RolloutStatus.COMPLETED);
    assertThat(manualUpgradesNamingThree()).isEqualTo(1);
    assertThat(world.peek(web).instances()).hasSize(10).allSatisfy(i -> assertThat(i.runs(V2)).isTrue());
    assertThat(world.record(web).count("3", InstanceChange.Kind.UPGRADE_STARTED)).isEqualTo(1);
  }
}
