package dev.osupgrade.azure.emulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import dev.osupgrade.azure.ArmServer;
import dev.osupgrade.azure.AzureFleet;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.image.ImageVersion;
import dev.osupgrade.port.CloudException;
import dev.osupgrade.port.ConflictException;
import dev.osupgrade.port.ForbiddenException;
import dev.osupgrade.port.ThrottledException;
import dev.osupgrade.port.TransientCloudException;
import dev.osupgrade.testkit.ScaleSetSpec;
import dev.osupgrade.testkit.SimulatedFleet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The fault layer itself: what each fault class does to the exchange and to the world, which requests a rule
 * matches, and that every firing is counted. Asserted on the world and on what WireMock really served, so that these
 * tests hold whatever the adapter makes of the fault.
 */
final class ArmFaultsTest {
  private static final ArmEmulator EMULATOR = ArmEmulator.create();
  private static final ArmFaults FAULTS = ArmFaults.over(EMULATOR);
  @RegisterExtension static final WireMockExtension ARM = FAULTS.extension();

  private static final ImageReference V1 =
      ImageReference.marketplace("Canonical", "0001-com-ubuntu-server-jammy", "22_04-lts-gen2", "22.04.202407010");
  private static final ImageReference V2 = V1.withVersion(ImageVersion.parse("22.04.202410010"));

  private final SimulatedFleet world = SimulatedFleet.create(11);
  private final ScaleSetId web = world.add(ScaleSetSpec.named("web").instances(3).image(V1));

  ArmFaultsTest() {
    world.publish(V2);
  }

  /** An adapter over the served world that never retries: each call is one request. */
  private AzureFleet once() {
    FAULTS.serve(ARM, world);
    return AzureFleet.builder().computeManager(ArmServer.computeManager(ARM)).clock(world.clock())
        .retry(AzureFleet.RetrySettings.none()).build();
  }

  /** The journal, oldest first. */
  private static List<ServeEvent> served() {
    List<ServeEvent> events = new ArrayList<>(ARM.getAllServeEvents());
    Collections.reverse(events);
    return events;
  }

  private static ServeEvent last(ArmOp op) {
    List<ServeEvent> events = served();
    Collections.reverse(events);
    return events.stream().filter(e -> FAULTS.opOf(e).orElse(ArmOp.OTHER) == op).findFirst()
        .orElseThrow(() -> new AssertionError("no " + op + " in the journal"));
  }

  private static JsonNode body(ServeEvent e) {
    return ArmJson.read(e.getResponse().getBodyAsString());
  }

  @Test
  void resetBefore_onManualUpgrade_worldUnchangedAndTheFiringCounted() {
    AzureFleet azure = once();
    world.updateModelImage(web, V2);
    FAULTS.on(ArmOp.POST_MANUAL_UPGRADE).inject(ArmFault.RESET_BEFORE);

    assertThatThrownBy(() -> azure.upgradeInstances(web, List.of("0"))).isInstanceOf(TransientCloudException.class);

    assertThat(world.calls("upgradeInstances")).as("the world never saw it").isZero();
    assertThat(FAULTS.fired(ArmOp.POST_MANUAL_UPGRADE, ArmFault.RESET_BEFORE)).isEqualTo(1);
    assertThat(FAULTS.firings()).singleElement().satisfies(f -> {
      assertThat(f.method()).isEqualTo("POST");
      assertThat(f.url()).contains("/manualupgrade");
    });
  }

  @Test
  void resetAfter_onManualUpgrade_worldChangedAndTheAnswerLost() {
    AzureFleet azure = once();
    world.updateModelImage(web, V2);
    FAULTS.on(ArmOp.POST_MANUAL_UPGRADE).inject(ArmFault.RESET_AFTER);

    assertThatThrownBy(() -> azure.upgradeInstances(web, List.of("0"))).isInstanceOf(TransientCloudException.class);

    assertThat(world.calls("upgradeInstances")).as("the world applied it").isEqualTo(1);
    assertThat(world.peek(web).instance("0").orElseThrow().provisioningState())
        .isEqualTo(dev.osupgrade.fleet.ProvisioningState.UPDATING);
    assertThat(FAULTS.fired(ArmFault.RESET_AFTER)).isEqualTo(1);
  }

  @Test
  void nthAndTimes_fireOnConsecutiveMatchingRequestsThenLift() {
    AzureFleet azure = once();
    ArmFaults.Rule rule = FAULTS.on(ArmOp.GET_SCALE_SET).nth(2).times(2).inject(ArmFault.SERVER_ERROR);

    List<Boolean> failed = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      failed.add(catchThrowable(() -> azure.get(web)) != null);
    }

    assertThat(failed).containsExactly(false, true, true, false, false);
    assertThat(rule.fired()).isEqualTo(2);
    assertThat(rule.isLifted()).isTrue();
    assertThat(FAULTS.requests(ArmOp.GET_SCALE_SET)).isEqualTo(5);
    assertThat(FAULTS.requests(ArmOp.LIST_VMS)).as("the listings of the three successful reads").isEqualTo(3);
  }

  @Test
  void withProbability_sameSeed_sameFirings() {
    List<List<Boolean>> runs = new ArrayList<>();
    for (int run = 0; run < 2; run++) {
      AzureFleet azure = once();
      FAULTS.on(ArmOp.LIST_VMS).always().withProbability(0.5, 7).inject(ArmFault.SERVER_ERROR);
      List<Boolean> failed = new ArrayList<>();
      for (int i = 0; i < 16; i++) {
        failed.add(catchThrowable(() -> azure.get(web)) != null);
      }
      runs.add(failed);
    }

    assertThat(runs.get(0)).isEqualTo(runs.get(1)).contains(true, false);
    assertThat(FAULTS.fired()).isEqualTo((int) runs.get(1).stream().filter(b -> b).count());
  }

  @Test
  void liftAll_stopsEveryRule() {
    AzureFleet azure = once();
    FAULTS.on(ArmOp.GET_SCALE_SET).always().inject(ArmFault.FORBIDDEN);
    assertThatThrownBy(() -> azure.get(web)).isInstanceOf(ForbiddenException.class);

    FAULTS.liftAll();

    assertThat(azure.get(web).instances()).hasSize(3);
    assertThat(FAULTS.allLifted()).isTrue();
  }

  @Test
  void throttledLong_retryAfterBeyondTheAdaptersCeiling_failsAtOnceWithTheWait() {
    FAULTS.serve(ARM, world);
    AzureFleet azure = FAULTS.adapter(ARM, world);
    FAULTS.on(ArmOp.GET_SCALE_SET).always().inject(ArmFault.THROTTLED_LONG);

    assertThatThrownBy(() -> azure.get(web)).isInstanceOfSatisfying(ThrottledException.class,
        e -> assertThat(e.retryAfter()).isEqualTo(ArmFaults.DEFAULT_THROTTLE_RETRY_AFTER));
    assertThat(FAULTS.fired()).as("beyond maxRetryAfter: not retried").isEqualTo(1);
    assertThat(last(ArmOp.GET_SCALE_SET).getResponse().getHeaders().getHeader("Retry-After").firstValue())
        .isEqualTo("600");
  }

  @ParameterizedTest
  @CsvSource({
      "CONFLICT, 409, OperationNotAllowed",
      "PRECONDITION_FAILED, 412, PreconditionFailed",
      "UNAUTHORIZED, 401, ExpiredAuthenticationToken",
      "FORBIDDEN, 403, AuthorizationFailed",
  })
  void statusFaults_armShapedErrors_nothingChanged(ArmFault fault, int status, String code) {
    AzureFleet azure = once();
    FAULTS.on(ArmOp.PATCH_MODEL_IMAGE).inject(fault);

    Throwable thrown = catchThrowable(() -> azure.updateModelImage(web, V2));

    assertThat(thrown).isInstanceOfSatisfying(CloudException.class, e -> {
      assertThat(e.httpStatus()).isEqualTo(status);
      assertThat(e.code()).isEqualTo(code);
    });
    assertThat(thrown).isInstanceOfAny(ConflictException.class, ForbiddenException.class);
    assertThat(body(last(ArmOp.PATCH_MODEL_IMAGE)).at("/error/code").asText()).isEqualTo(code);
    assertThat(world.peek(web).modelImage()).isEqualTo(V1);
  }

  @Test
  void emptyPages_listingAnsweredEmpty_theWorldStillHasItsInstances() {
    AzureFleet azure = once();
    FAULTS.on(ArmOp.LIST_VMS).nth(1).inject(ArmFault.EMPTY_OBJECT);
    FAULTS.on(ArmOp.LIST_VMS).nth(2).inject(ArmFault.EMPTY_VALUE);

    catchThrowable(() -> azure.get(web));
    catchThrowable(() -> azure.get(web));

    List<String> bodies = served().stream().filter(e -> FAULTS.opOf(e).orElseThrow() == ArmOp.LIST_VMS)
        .map(e -> e.getResponse().getBodyAsString()).toList();
    assertThat(bodies).containsExactly("{}", "{\"value\":[]}");
    assertThat(world.peek(web).instances()).hasSize(3);
    assertThat(FAULTS.fired(ArmFault.EMPTY_OBJECT)).isEqualTo(1);
    assertThat(FAULTS.fired(ArmFault.EMPTY_VALUE)).isEqualTo(1);
  }

  @Test
  void truncatedAndMalformed_theWorldChangedTheBodyIsSpoiled() {
    AzureFleet azure = once();
    FAULTS.on(ArmOp.PATCH_MODEL_IMAGE).inject(ArmFault.TRUNCATED);

    catchThrowable(() -> azure.updateModelImage(web, V2));

    assertThat(world.peek(web).modelImage()).as("applied").isEqualTo(V2);
    String truncated = last(ArmOp.PATCH_MODEL_IMAGE).getResponse().getBodyAsString();
    assertThat(truncated).startsWith("{\"name\":\"web\"");
    assertThatThrownBy(() -> ArmJson.read(truncated)).isInstanceOf(IllegalArgumentException.class);

    FAULTS.on(ArmOp.GET_SCALE_SET).inject(ArmFault.MALFORMED);
    assertThatThrownBy(() -> azure.get(web)).isInstanceOf(CloudException.class);
    assertThat(last(ArmOp.GET_SCALE_SET).getResponse().getBodyAsString()).startsWith("<html>");
    assertThat(last(ArmOp.GET_SCALE_SET).getResponse().getStatus()).isEqualTo(200);
  }

  @Test
  void bodyFault_onAnAnswerWithoutBody_doesNotFireAndWaitsForTheNextRequest() {
    AzureFleet azure = once();
    world.updateModelImage(web, V2);
    ArmFaults.Rule rule = FAULTS.on(ArmOp.POST_MANUAL_UPGRADE).inject(ArmFault.TRUNCATED);

    azure.upgradeInstances(web, List.of("0"));

    assertThat(world.calls("upgradeInstances")).isEqualTo(1);
    assertThat(rule.fired()).isZero();
    assertThat(rule.isLifted()).isFalse();
    assertThat(FAULTS.fired()).isZero();
  }

  @Test
  void unknownEnum_upgradeModeHealthAndOperationStatusNoSdkKnows() {
    AzureFleet azure = once();
    FAULTS.on(ArmOp.GET_SCALE_SET).inject(ArmFault.UNKNOWN_ENUM);
    FAULTS.on(ArmOp.LIST_VMS).inject(ArmFault.UNKNOWN_ENUM);

    catchThrowable(() -> azure.get(web));

    assertThat(body(last(ArmOp.GET_SCALE_SET)).at("/properties/upgradePolicy/mode").asText()).isEqualTo("Eventually");
    JsonNode vms = body(last(ArmOp.LIST_VMS)).get("value");
    assertThat(vms.get(0).at("/properties/instanceView/vmHealth/status/code").asText())
        .isEqualTo("HealthState/Degraded");
    assertThat(vms.get(1).at("/properties/instanceView/vmHealth/status/code").asText())
        .as("one instance only").isEqualTo("HealthState/healthy");
    assertThat(FAULTS.fired(ArmFault.UNKNOWN_ENUM)).isEqualTo(2);
  }

  @Test
  void unknownEnum_runningStatusOfTheLatestRollingUpgradeAndTheHistory() {
    SimulatedFleet platform = SimulatedFleet.create(12);
    ScaleSetId id = platform.add(ScaleSetSpec.named("web").instances(2).image(V1));
    platform.updateModelImage(id, V1.withLatest());
    platform.publish(V2);
    FAULTS.serve(ARM, platform);
    AzureFleet azure = FAULTS.adapter(ARM, platform);
    azure.startOsUpgrade(id);
    FAULTS.on(ArmOp.GET_ROLLING_UPGRADE_LATEST).inject(ArmFault.UNKNOWN_ENUM);
    FAULTS.on(ArmOp.GET_OS_UPGRADE_HISTORY).inject(ArmFault.UNKNOWN_ENUM);

    catchThrowable(() -> azure.latestRollingUpgrade(id));
    catchThrowable(() -> azure.osUpgradeHistory(id));

    assertThat(body(last(ArmOp.GET_ROLLING_UPGRADE_LATEST)).at("/properties/runningStatus/code").asText())
        .isEqualTo("Paused");
    assertThat(body(last(ArmOp.GET_OS_UPGRADE_HISTORY)).at("/value/0/properties/runningStatus/code").asText())
        .isEqualTo("Paused");
    assertThat(FAULTS.fired(ArmFault.UNKNOWN_ENUM)).isEqualTo(2);
  }

  @Test
  void emptyValue_marketplaceVersions_answeredAsAnEmptyArray() {
    FAULTS.serve(ARM, world);
    AzureFleet azure = FAULTS.adapter(ARM, world);
    FAULTS.on(ArmOp.GET_MARKETPLACE_VERSIONS).inject(ArmFault.EMPTY_VALUE);

    catchThrowable(() -> azure.listReleases(V1.withLatest(), dev.osupgrade.Region.of("westeurope")));

    assertThat(last(ArmOp.GET_MARKETPLACE_VERSIONS).getResponse().getBodyAsString()).isEqualTo("[]");
    assertThat(FAULTS.fired(ArmOp.GET_MARKETPLACE_VERSIONS, ArmFault.EMPTY_VALUE)).isEqualTo(1);
  }

  @Test
  void slow_movesTheWorldsClockWhileTheAnswerIsOnItsWay() {
    AzureFleet azure = once();
    FAULTS.slowBy(Duration.ofMinutes(7));
    try {
      FAULTS.on(ArmOp.PATCH_MODEL_IMAGE).inject(ArmFault.SLOW);
      Instant before = world.clock().instant();

      azure.updateModelImage(web, V2);

      assertThat(world.peek(web).modelImage()).isEqualTo(V2);
      assertThat(Duration.between(before, world.clock().instant())).isGreaterThanOrEqualTo(Duration.ofMinutes(7));
    } finally {
      FAULTS.slowBy(ArmFaults.DEFAULT_SLOW_BY);
    }
  }

  @Test
  void classification_theRollbackSequenceAndTheForwardPathAreToldApart() {
    FAULTS.serve(ARM, world);
    AzureFleet azure = FAULTS.adapter(ARM, world);
    azure.get(web);
    azure.updateModelImage(web, V2);
    azure.upgradeInstances(web, List.of("0"));
    world.clock().advance(Duration.ofMinutes(20));

    azure.rollBackInstances(web, List.of("0"), V1);

    List<ArmOp> mutating = served().stream().map(e -> FAULTS.opOf(e).orElseThrow()).filter(ArmOp::isMutating)
        .toList();
    assertThat(mutating).containsExactly(ArmOp.PATCH_MODEL_IMAGE, ArmOp.POST_MANUAL_UPGRADE,
        ArmOp.PATCH_ROLLBACK_MODEL, ArmOp.POST_ROLLBACK_UPGRADE, ArmOp.PATCH_RESTORE_MODEL);
    assertThat(FAULTS.requests(ArmOp.POLL_OPERATION)).isPositive();
    assertThat(world.peek(web).modelImage()).isEqualTo(V2);
    assertThat(world.peek(web).instance("0").orElseThrow().image()).isEqualTo(V1);
  }

  @Test
  void replicaTag_recordedWithEachFiring_andRulesCanMatchOnIt() {
    FAULTS.serve(ARM, world);
    AzureFleet a = FAULTS.adapter(ARM, world, ArmFaults.replicaTag("a"));
    AzureFleet b = FAULTS.adapter(ARM, world, ArmFaults.replicaTag("b"));
    FAULTS.on(ArmOp.GET_SCALE_SET).always()
        .when(r -> "b".equals(r.getHeader(ArmFaults.REPLICA_HEADER))).inject(ArmFault.FORBIDDEN);

    assertThat(a.get(web).instances()).hasSize(3);
    assertThatThrownBy(() -> b.get(web)).isInstanceOf(ForbiddenException.class);

    assertThat(FAULTS.firings()).singleElement().satisfies(f -> assertThat(f.replica()).isEqualTo("b"));
  }
}
