package dev.osupgrade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osupgrade.fleet.InstanceIds;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.fleet.Zone;
import dev.osupgrade.governance.Environment;
import dev.osupgrade.governance.ImageTrustPolicy;
import dev.osupgrade.governance.rings.Ring;
import dev.osupgrade.governance.rings.RingPlan;
import dev.osupgrade.governance.schedule.Cadence;
import dev.osupgrade.governance.schedule.MaintenanceSchedule;
import dev.osupgrade.governance.schedule.MaintenanceWindow;
import dev.osupgrade.policy.RollingUpgradePolicy;
import dev.osupgrade.port.Lease;
import dev.osupgrade.port.RolloutStore;
import dev.osupgrade.port.ThrottledException;
import dev.osupgrade.rollout.RolloutOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The bad inputs an adversarial probe found (issue 8, "Bad input"): each is now an {@link InvalidValueException}
 * naming the parameter, at the boundary, and changes nothing. {@code PublicApiFuzzTest} in the testkit walks the whole
 * API; these are the named cases, with the parameter each must name.
 */
final class BadInputTest {
  static final Duration ABSURD = Duration.ofSeconds(Long.MAX_VALUE);
  static final ScaleSetId WEB = ScaleSetId.of("rg", "web");

  static Stream<Arguments> namedCases() {
    Map<String, String> nullKey = new HashMap<>();
    nullKey.put(null, "production");
    Ring canary = Ring.of("canary", Duration.ofHours(1), WEB);
    MaintenanceWindow nights = MaintenanceWindow.parse("MON-FRI 22:00-02:00 Europe/Berlin");
    return Stream.of(
        Arguments.of("Zone.of(null)", "zone", (ThrowingCallable) () -> Zone.of(null)),
        Arguments.of("Environment.fromTags(null key)", "tags",
            (ThrowingCallable) () -> Environment.fromTags(nullKey)),
        Arguments.of("InstanceIds.sorted(null)", "ids", (ThrowingCallable) () -> InstanceIds.sorted(null)),
        Arguments.of("InstanceIds.sorted([1, null])", "ids",
            (ThrowingCallable) () -> InstanceIds.sorted(Arrays.asList("1", null))),
        Arguments.of("InstanceIds.format([null])", "ids",
            (ThrowingCallable) () -> InstanceIds.format(Arrays.asList((String) null))),
        Arguments.of("RingPlan.of(null)", "rings", (ThrowingCallable) () -> RingPlan.of((Ring[]) null)),
        Arguments.of("RingPlan.of(ring, null)", "rings", (ThrowingCallable) () -> RingPlan.of(canary, null)),
        Arguments.of("Ring.of with a null id", "scaleSets",
            (ThrowingCallable) () -> Ring.of("canary", Duration.ZERO, WEB, null)),
        Arguments.of("MaintenanceWindow.weekly with a null day", "days",
            (ThrowingCallable) () -> MaintenanceWindow.weekly(ZoneId.of("UTC"), LocalTime.of(1, 0),
                LocalTime.of(5, 0), DayOfWeek.MONDAY, null)),
        Arguments.of("ImageTrustPolicy.trustingPublishers(null)", "publishers",
            (ThrowingCallable) () -> ImageTrustPolicy.trustingPublishers((String[]) null)),
        Arguments.of("pauseTimeBetweenBatches absurd", "pauseTimeBetweenBatches",
            (ThrowingCallable) () -> RollingUpgradePolicy.builder().pauseTimeBetweenBatches(ABSURD)),
        Arguments.of("pauseTimeBetweenBatches PT721H", "pauseTimeBetweenBatches",
            (ThrowingCallable) () -> RollingUpgradePolicy.builder().pauseTimeBetweenBatches("PT721H")),
        Arguments.of("pollInterval absurd", "pollInterval",
            (ThrowingCallable) () -> RolloutOptions.builder().pollInterval(ABSURD)),
        Arguments.of("healthTimeout absurd", "healthTimeout",
            (ThrowingCallable) () -> RolloutOptions.builder().healthTimeout(ABSURD)),
        Arguments.of("progressDeadline absurd", "progressDeadline",
            (ThrowingCallable) () -> RolloutOptions.builder().progressDeadline(ABSURD)),
        Arguments.of("Cadence spread absurd", "spread",
            (ThrowingCallable) () -> Cadence.every(Duration.ofDays(7), Fleets.T0, ABSURD)),
        Arguments.of("Cadence period absurd", "period",
            (ThrowingCallable) () -> Cadence.every(ABSURD, Fleets.T0, Duration.ZERO)),
        Arguments.of("lease ttl absurd", "ttl",
            (ThrowingCallable) () -> RolloutStore.inMemory().tryAcquire(WEB, "replica-1", Fleets.T0, ABSURD)),
        Arguments.of("MaintenanceWindow.isOpen(Instant.MAX)", "t", (ThrowingCallable) () -> nights.isOpen(Instant.MAX)),
        Arguments.of("MaintenanceWindow.isOpen(Instant.MIN)", "t", (ThrowingCallable) () -> nights.isOpen(Instant.MIN)),
        Arguments.of("MaintenanceWindow.nextOpening(Instant.MAX)", "t",
            (ThrowingCallable) () -> nights.nextOpening(Instant.MAX)),
        Arguments.of("MaintenanceSchedule.nextOpening(Instant.MIN)", "t",
            (ThrowingCallable) () -> MaintenanceSchedule.of(nights).nextOpening(Instant.MIN)),
        Arguments.of("an owner with a line break", "owner",
            (ThrowingCallable) () -> RolloutStore.inMemory().tryAcquire(WEB, "a\nb", Fleets.T0, Duration.ofMinutes(5))),
        Arguments.of("a lease owner with a line break", "owner",
            (ThrowingCallable) () -> new Lease(WEB, "replica\nscaleSet=/subscriptions/x", 1, Fleets.T0)),
        Arguments.of("'/' in a subscription id", "subscriptionId",
            (ThrowingCallable) () -> ScaleSetId.of("sub/../other", "rg", "web")),
        Arguments.of("'.' as a name", "name", (ThrowingCallable) () -> ScaleSetId.of("rg", ".")),
        Arguments.of("'..' as a resource group", "resourceGroup", (ThrowingCallable) () -> ScaleSetId.of("..", "web")),
        Arguments.of("a 65-character name", "name", (ThrowingCallable) () -> ScaleSetId.of("rg", "w".repeat(65))),
        Arguments.of("a tab in a name", "name", (ThrowingCallable) () -> ScaleSetId.of("rg", "we\tb")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("namedCases")
  void badInput_isRejectedTypedNamingTheParameter(String what, String parameter, ThrowingCallable call) {
    assertThatThrownBy(call).as(what).isInstanceOfSatisfying(InvalidValueException.class,
        e -> assertThat(e.parameter()).isEqualTo(parameter));
  }

  @Test
  void boundsThemselves_areAccepted() {
    assertThat(RollingUpgradePolicy.builder().pauseTimeBetweenBatches(RollingUpgradePolicy.MAX_PAUSE).build()
        .pauseTimeBetweenBatches()).isEqualTo(Duration.ofDays(30));
    assertThat(RolloutOptions.builder().pollInterval(RolloutOptions.MAX_TIMEOUT)
        .progressDeadline(RolloutOptions.MAX_PROGRESS_DEADLINE).build().progressDeadline())
        .isEqualTo(Duration.ofDays(90));
    assertThat(MaintenanceWindow.parse("MON-FRI 22:00-02:00 Europe/Berlin").nextOpening(Require.LATEST)).isPresent();
    assertThat(MaintenanceWindow.parse("DAILY 00:00-23:00 UTC").isOpen(Require.EARLIEST)).isTrue();
    assertThat(ScaleSetId.of("rg", "w".repeat(64)).name()).hasSize(64);
  }

  @Test
  void fileStore_ownerWithLineBreak_rejectedAndNothingWritten(@TempDir Path dir) throws IOException {
    RolloutStore store = RolloutStore.file(dir);

    assertThatThrownBy(() -> store.tryAcquire(WEB, "replica-1\nlease.owner=replica-2", Fleets.T0,
        Duration.ofMinutes(5))).isInstanceOfSatisfying(InvalidValueException.class,
            e -> assertThat(e.parameter()).isEqualTo("owner"));

    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files.toList()).as("files in the store").isEmpty();
    }
    assertThat(store.tryAcquire(WEB, "replica-1", Fleets.T0, Duration.ofMinutes(5))).isPresent();
    assertThat(store.load(WEB)).isEmpty();
  }

  @Test
  void inMemoryStore_rejectedAcquire_changesNothing() {
    RolloutStore store = RolloutStore.inMemory();
    String before = store.toString();

    assertThatThrownBy(() -> store.tryAcquire(WEB, "replica-1", Instant.MAX, Duration.ofMinutes(5)))
        .isInstanceOf(InvalidValueException.class);

    assertThat(store).hasToString(before);
  }

  @Test
  void throttledException_absurdRetryAfter_isClampedNotThrown() {
    assertThat(new ThrottledException("TooManyRequests", "slow down", ABSURD, null).retryAfter())
        .isEqualTo(ThrottledException.MAX_RETRY_AFTER);
    assertThat(new ThrottledException("TooManyRequests", "slow down", Duration.ofSeconds(-5), null).retryAfter())
        .isZero();
  }

  @Test
  void invalidValueException_nullParts_areThemselvesTyped() {
    assertThatThrownBy(() -> new InvalidValueException(null, "rule", 1))
        .isInstanceOfSatisfying(InvalidValueException.class, e -> assertThat(e.parameter()).isEqualTo("parameter"));
    assertThat(List.of(new InvalidValueException("p", "r", null).getMessage())).containsExactly(
        "p must be r, but was null");
  }
}
