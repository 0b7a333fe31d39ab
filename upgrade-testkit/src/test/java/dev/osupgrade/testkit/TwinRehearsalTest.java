package dev.osupgrade.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osupgrade.Durations;
import dev.osupgrade.estate.GovernanceMode;
import dev.osupgrade.estate.ObservedTimings;
import dev.osupgrade.estate.RehearsalRequest;
import dev.osupgrade.estate.RehearsalResult;
import dev.osupgrade.event.BatchCompleted;
import dev.osupgrade.event.BatchStarted;
import dev.osupgrade.fleet.HealthState;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.governance.Environment;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.image.ImageVersion;
import dev.osupgrade.ops.RolloutStatus;
import dev.osupgrade.plan.RolloutPlan;
import dev.osupgrade.rollout.Rollout;
import dev.osupgrade.rollout.RolloutOptions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The twin's predictions against what the real rollout then does on the fleet it was copied from: the plan, the lowest
 * healthy capacity and the makespan (with timings observed on that fleet), and the real fleet untouched by rehearsing.
 */
final class TwinRehearsalTest {
  private static final ImageReference UBUNTU =
      ImageReference.marketplace("Canonical", "0001-com-ubuntu-server-jammy", "22_04-lts-gen2", "latest");
  private static final ImageVersion V1 = ImageVersion.parse("22.04.202409010");
  private static final ImageVersion V2 = ImageVersion.parse("22.04.202410010");

  /** What one real rollout did: from its start to its end, the fleet's lowest healthy share, its batches. */
  private record Real(Rollout rollout, Duration makespan, int lowestHealthyPercent, List<Duration> batches) {}

  private static int healthyPercent(SimulatedFleet fleet, ScaleSetId id) {
    var instances = fleet.peek(id).instances();
    long healthy = instances.stream().filter(i -> i.health() == HealthState.HEALTHY).count();
    return (int) (healthy * 100 / instances.size());
  }

  private static Real runForReal(SimulatedFleet fleet, ScaleSetId id) {
    List<Duration> batches = new ArrayList<>();
    Map<Integer, Instant> started = new HashMap<>();
    Rollout rollout = Rollout.builder(fleet, id).target(V2).clock(fleet.clock()).environment(Environment.TEST)
        .listener(e -> {
          if (e instanceof BatchStarted s) {
            started.put(s.batch(), s.at());
          } else if (e instanceof BatchCompleted c && started.containsKey(c.batch())) {
            batches.add(Duration.between(started.get(c.batch()), c.at()));
          }
        }).build();
    Instant start = fleet.clock().instant();
    int lowest = healthyPercent(fleet, id);
    for (Optional<Instant> next = rollout.advance(); next.isPresent(); next = rollout.advance()) {
      lowest = Math.min(lowest, healthyPercent(fleet, id));
      fleet.clock().advanceTo(next.get());
    }
    lowest = Math.min(lowest, healthyPercent(fleet, id));
    return new Real(rollout, Duration.between(start, fleet.clock().instant()), lowest, batches);
  }

  private static RehearsalRequest request(SimulatedFleet fleet, ScaleSetId id, ObservedTimings timings) {
    return new RehearsalRequest("ubuntu", "canary", V2, List.of(fleet.peek(id)),
        Map.of(id, GovernanceMode.ORCHESTRATED), RolloutOptions.ofDefaults(), timings, 7);
  }

  private static String planLine(ScaleSetId id, RolloutPlan p) {
    return id + ": " + p.batches().size() + " batch(es) of at most " + p.batchSize() + " of " + p.instanceCount()
        + " instance(s)";
  }

  @Test
  void rehearse_zonalScaleSetWithAnUnhealthyInstance_predictsThePlanAndLowestCapacityOfTheRealRollout() {
    SimulatedFleet fleet = SimulatedFleet.create(5);
    ScaleSetId web = fleet.add(ScaleSetSpec.named("web").instances(10).zones(3).image(UBUNTU.withVersion(V1)));
    fleet.publish(UBUNTU.withVersion(V2));
    fleet.setHealth(web, HealthState.UNHEALTHY, "4");
    int callsBefore = fleet.record(web).calls().size();

    RehearsalResult predicted = TwinRehearsal.create().rehearse(request(fleet, web, ObservedTimings.none()));

    assertThat(fleet.record(web).calls()).as("rehearsing touched nothing real").hasSize(callsBefore);
    assertThat(fleet.peek(web).instances()).allSatisfy(i -> assertThat(i.imageVersion()).isEqualTo(V1));
    assertThat(predicted.problems()).isEmpty();
    assertThat(predicted.scaleSets()).isEqualTo(1);
    assertThat(predicted.instances()).isEqualTo(10);

    Real real = runForReal(fleet, web);

    assertThat(real.rollout().status()).isEqualTo(RolloutStatus.COMPLETED);
    assertThat(predicted.plan()).containsExactly(planLine(web, real.rollout().plan().orElseThrow()));
    assertThat(predicted.lowestHealthyPercent()).as("lowest healthy capacity, by the fleet")
        .isEqualTo(real.lowestHealthyPercent());
    assertThat(predicted.lowestAtIfAny()).hasValue(web);
    long ratio = predicted.predictedMakespan().toSeconds() * 100 / real.makespan().toSeconds();
    System.out.printf("twin: predicted makespan %s, real %s (%d%%), lowest healthy %d%%%n",
        Durations.words(predicted.predictedMakespan()), Durations.words(real.makespan()), ratio,
        predicted.lowestHealthyPercent());
    assertThat(ratio).as("predicted makespan within 25%% of the real one").isBetween(75L, 125L);
  }

  @Test
  void rehearse_withTimingsObservedOnASlowEstate_predictsItsMakespan_andTheDefaultsWouldNot() {
    SimulationProfile d = SimulationProfile.ofDefaults();
    SimulationProfile slow = new SimulationProfile(d.upgradeMin().multipliedBy(3), d.upgradeMax().multipliedBy(3),
        d.bootMin().multipliedBy(3), d.bootMax().multipliedBy(3), d.settleMin().multipliedBy(3),
        d.settleMax().multipliedBy(3));
    SimulatedFleet fleet = SimulatedFleet.create(13, VirtualClock.create(), slow);
    ScaleSetId api = fleet.add(ScaleSetSpec.named("api").instances(9).zones(3).image(UBUNTU.withVersion(V1)));
    ScaleSetId web = fleet.add(ScaleSetSpec.named("web").instances(9).zones(3).image(UBUNTU.withVersion(V1)));
    fleet.publish(UBUNTU.withVersion(V2));
    List<Duration> past = new ArrayList<>(runForReal(fleet, api).batches()); // a past rollout of the estate
    past.sort(Duration::compareTo);
    ObservedTimings observed = new ObservedTimings(past.size(), past.get((past.size() - 1) / 2),
        past.get(past.size() - 1));

    RehearsalResult tuned = TwinRehearsal.create().rehearse(request(fleet, web, observed));
    RehearsalResult untuned = TwinRehearsal.create().rehearse(request(fleet, web, ObservedTimings.none()));
    Real real = runForReal(fleet, web);

    long tunedRatio = tuned.predictedMakespan().toSeconds() * 100 / real.makespan().toSeconds();
    long untunedRatio = untuned.predictedMakespan().toSeconds() * 100 / real.makespan().toSeconds();
    System.out.printf("twin on a 3x slower estate: real %s, predicted with observed timings (%s) %s (%d%%), "
        + "with the defaults %s (%d%%)%n", Durations.words(real.makespan()), observed,
        Durations.words(tuned.predictedMakespan()), tunedRatio, Durations.words(untuned.predictedMakespan()),
        untunedRatio);
    assertThat(past).hasSize(real.rollout().plan().orElseThrow().batches().size());
    assertThat(tunedRatio).as("with the observed timings: within 25%%").isBetween(75L, 125L);
    assertThat(untunedRatio).as("with the simulator's defaults: far too short").isLessThan(60L);
  }
}
