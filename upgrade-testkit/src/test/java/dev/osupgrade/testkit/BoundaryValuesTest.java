package dev.osupgrade.testkit;

import static dev.osupgrade.testkit.Images.V1;
import static dev.osupgrade.testkit.Images.V2;
import static dev.osupgrade.testkit.Images.ubuntu;
import static dev.osupgrade.testkit.OsUpgradeAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osupgrade.InvalidValueException;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.policy.RollingUpgradePolicy;
import dev.osupgrade.port.RolloutStore;
import dev.osupgrade.rollout.Rollout;
import dev.osupgrade.rollout.RolloutOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Durations at their documented bounds work end to end (no overflow anywhere in a real rollout), and times outside
 * the supported range are refused, typed, before anything is sent to the fleet.
 */
final class BoundaryValuesTest {
  @RegisterExtension static final SimulatorExtension SIM = SimulatorExtension.withSeed(41);

  @Test
  void rollout_everyDurationAtItsUpperBound_completesOnTheFleet(SimulatedFleet fleet, VirtualClock clock) {
    ScaleSetId id = fleet.add(ScaleSetSpec.named("web").instances(2).image(ubuntu(V1)));
    fleet.publish(ubuntu(V2));
    Instant start = clock.instant();
    RolloutOptions longest = RolloutOptions.builder()
        .policy(RollingUpgradePolicy.builder().pauseTimeBetweenBatches(RollingUpgradePolicy.MAX_PAUSE).build())
        .healthTimeout(RolloutOptions.MAX_TIMEOUT)
        .instanceUpgradeTimeout(RolloutOptions.MAX_INSTANCE_UPGRADE_TIMEOUT)
        .pollInterval(RolloutOptions.MAX_TIMEOUT)
        .progressDeadline(RolloutOptions.MAX_PROGRESS_DEADLINE)
        .build();

    Rollout r = fleet.run(Rollout.builder(fleet, id).target(V2).clock(clock).options(longest)
        .leaseDuration(Duration.ofDays(1)).build());

    assertThat(r).isCompleted().hadBatches(2).hasProgress(2, 0, 0, 0);
    assertThat(fleet.peek(id).instances()).as("read back from the fleet")
        .allSatisfy(i -> assertThat(i.runs(V2)).isTrue());
    assertThat(Duration.between(start, clock.instant())).as("the 30-day pause between the two batches was kept")
        .isGreaterThanOrEqualTo(RollingUpgradePolicy.MAX_PAUSE);
  }

  @Test
  void rollout_clockBeyondTheSupportedRange_refusedTypedBeforeAnyCall(SimulatedFleet fleet) {
    ScaleSetId id = fleet.add(ScaleSetSpec.named("web").instances(2).image(ubuntu(V1)));
    fleet.publish(ubuntu(V2));
    RolloutStore store = RolloutStore.inMemory();
    Rollout r = Rollout.builder(fleet, id).target(V2).clock(Clock.fixed(Instant.MAX, ZoneOffset.UTC)).store(store)
        .build();

    assertThatThrownBy(r::advance).isInstanceOfSatisfying(InvalidValueException.class,
        e -> assertThat(e.parameter()).isEqualTo("clock.instant()"));

    assertThat(fleet.callCounts()).as("port calls").isEmpty();
    assertThat(store.load(id)).isEmpty();
    assertThat(fleet.peek(id).instances()).allSatisfy(i -> assertThat(i.runs(V1)).isTrue());
  }

  @Test
  void rolloutBuilder_ownerWithLineBreak_rejectedBeforeItReachesTheStore(SimulatedFleet fleet, @TempDir Path dir)
      throws Exception {
    ScaleSetId id = fleet.add(ScaleSetSpec.named("web").instances(2).image(ubuntu(V1)));

    assertThatThrownBy(() -> Rollout.builder(fleet, id).owner("replica-1\nlease.owner=replica-2"))
        .isInstanceOfSatisfying(InvalidValueException.class, e -> assertThat(e.parameter()).isEqualTo("owner"));
    assertThatThrownBy(() -> Rollout.builder(fleet, id).leaseDuration(Duration.ofSeconds(Long.MAX_VALUE)))
        .isInstanceOfSatisfying(InvalidValueException.class,
            e -> assertThat(e.parameter()).isEqualTo("leaseDuration"));

    // The file store's header stays one line per field for every replica that shares it.
    RolloutStore store = RolloutStore.file(dir);
    fleet.publish(ubuntu(V2));
    fleet.run(Rollout.builder(fleet, id).target(V2).clock(fleet.clock()).store(store).owner("replica-1").build());
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".checkpoint")).toList()) {
        String header = Files.readString(f).split("\n\n", 2)[0];
        assertThat(header.lines().skip(1)).as("header fields of " + f).allSatisfy(line -> assertThat(line).contains("="))
            .filteredOn(line -> line.startsWith("lease.owner=")).containsExactly("lease.owner=replica-1");
      }
    }
  }

  @Test
  void virtualClock_advancePastTheEndOfTime_rejectedAndTheClockStays() {
    VirtualClock clock = VirtualClock.startingAt(Instant.MAX.minusSeconds(60));

    assertThatThrownBy(() -> clock.advance(Duration.ofMinutes(2))).isInstanceOfSatisfying(
        InvalidValueException.class, e -> assertThat(e.parameter()).isEqualTo("duration"));

    assertThat(clock.instant()).isEqualTo(Instant.MAX.minusSeconds(60));
    clock.advance(Duration.ofSeconds(60));
    assertThat(clock.instant()).isEqualTo(Instant.MAX);
  }
}
