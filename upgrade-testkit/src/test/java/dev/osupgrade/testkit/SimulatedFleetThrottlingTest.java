package dev.osupgrade.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osupgrade.event.RolloutEvent;
import dev.osupgrade.event.RolloutStallCleared;
import dev.osupgrade.event.RolloutStalled;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.image.ImageRelease;
import dev.osupgrade.image.ImageVersion;
import dev.osupgrade.ops.RolloutStatus;
import dev.osupgrade.port.ThrottledException;
import dev.osupgrade.rollout.Rollout;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The simulated fleet enforcing Azure's throttling buckets ({@link SimulatedFleet#throttling}): what a rollout
 * spends, a loop of listings refused with the time to the bucket's refill, a rollout stalled by another client that
 * empties the scale set's bucket, and the same seed giving the same events.
 */
final class SimulatedFleetThrottlingTest {
  private static final ImageVersion V1 = Images.V1;
  private static final ImageVersion V2 = Images.V2;
  private static final String HIGH_COST_GET = ComputeThrottling.Policy.SCALE_SET_HIGH_COST_GET.headerName();

  private static ScaleSetId webOf(SimulatedFleet fleet, int instances) {
    ScaleSetId web = fleet.add(ScaleSetSpec.named("web").instances(instances).image(Images.ubuntu(V1)));
    fleet.publish(ImageRelease.marketplace(Images.ubuntu(V2), fleet.clock().instant().minus(Duration.ofDays(1))));
    return web;
  }

  private static Rollout run(SimulatedFleet fleet, ScaleSetId web, List<RolloutEvent> events) {
    Rollout rollout = Rollout.builder(fleet, web).target(V2).clock(fleet.clock()).listener(events::add).build();
    return fleet.run(rollout);
  }

  @ParameterizedTest(name = "{0} instances, pages of {1}")
  @CsvSource({"100, 100", "1000, 1000"})
  void rollout_throttlingFleetDefaultOptions_completesWithoutAThrottledCall(int instances, int pageSize) {
    SimulatedFleet fleet = SimulatedFleet.create(42).throttling(ComputeThrottling.create(), pageSize);
    ScaleSetId web = webOf(fleet, instances);

    Rollout rollout = run(fleet, web, new ArrayList<>());

    assertThat(rollout.status()).isEqualTo(RolloutStatus.COMPLETED);
    assertThat(fleet.peek(web).instances()).extracting(Instance::imageVersion).containsOnly(V2);
    assertThat(fleet.throttledCalls()).isZero();
    assertThat(fleet.record(web).calls()).extracting(PortCall::rejectedWith).containsOnlyNulls();
    int looks = fleet.calls(PortOperation.GET) + fleet.calls(PortOperation.LIST_INSTANCES);
    assertThat(fleet.armRequests()).as("one High Cost Get per look (one page each), one Update per batch and model")
        .containsEntry(HIGH_COST_GET, looks)
        .containsEntry(ComputeThrottling.Policy.SCALE_SET_UPDATE.headerName(),
            fleet.calls(PortOperation.UPGRADE_INSTANCES) + fleet.calls(PortOperation.UPDATE_MODEL_IMAGE)
                + fleet.calls(PortOperation.UPDATE_UPGRADE_POLICY));
    System.out.printf("throttling simulator: %d instances, pages of %d: %s, %d throttled%n", instances, pageSize,
        fleet.armRequests(), fleet.throttledCalls());
  }

  @Test
  void listings_thirtyOnePagesInAMinute_31stRefusedWithRetryAfterToTheRefill() {
    SimulatedFleet fleet = SimulatedFleet.create(7).throttling(ComputeThrottling.create(), 10);
    ScaleSetId web = webOf(fleet, 30); // three pages a listing
    Instant start = fleet.clock().instant();

    for (int k = 0; k < 10; k++) {
      assertThat(fleet.listInstances(web)).hasSize(30);
    }
    assertThatThrownBy(() -> fleet.listInstances(web)).isInstanceOfSatisfying(ThrottledException.class, t -> {
      assertThat(t.httpStatus()).isEqualTo(429);
      assertThat(t.code()).isEqualTo("OperationNotAllowed");
      assertThat(t.retryAfter()).as("the bucket's first window ends a minute after its first request")
          .isEqualTo(Duration.ofMinutes(1));
    });
    fleet.clock().advance(Duration.ofSeconds(20));
    assertThatThrownBy(() -> fleet.listInstances(web)).isInstanceOfSatisfying(ThrottledException.class,
        t -> assertThat(t.retryAfter()).isEqualTo(Duration.ofSeconds(40)));
    fleet.clock().advance(Duration.ofSeconds(40)); // one refill: 10 tokens, three listings and one page
    for (int k = 0; k < 3; k++) {
      assertThat(fleet.listInstances(web)).hasSize(30);
    }
    assertThatThrownBy(() -> fleet.listInstances(web)).as("its first page served, its second refused")
        .isInstanceOfSatisfying(ThrottledException.class,
            t -> assertThat(t.retryAfter()).isEqualTo(Duration.ofMinutes(1)));
    assertThat(fleet.instance(web, "0")).as("an instance's read has a bucket of its own").isPresent();

    assertThat(fleet.throttledCalls()).isEqualTo(3);
    assertThat(fleet.armRequests()).containsEntry(HIGH_COST_GET, 10 * 3 + 3 * 3 + 1)
        .containsEntry(ComputeThrottling.Policy.SCALE_SET_VM_GET.headerName(), 1);
    assertThat(fleet.record(web).calls(PortOperation.LIST_INSTANCES)).extracting(PortCall::rejectedWith)
        .filteredOn(code -> code != null).containsExactly("OperationNotAllowed", "OperationNotAllowed",
            "OperationNotAllowed");
    assertThat(fleet.log()).filteredOn(line -> line.contains("throttled: listInstances refused 429")).hasSize(3);
    assertThat(fleet.clock().instant()).isEqualTo(start.plus(Duration.ofMinutes(1)));
  }

  /** What one rollout beside a client that empties the scale set's High Cost Get bucket did. */
  record Contended(Rollout rollout, List<RolloutEvent> events, SimulatedFleet fleet, ScaleSetId web,
      SimulatedFleet other, Instant start) {}

  /**
   * A rollout of 100 instances while another client of the same subscription (a second fleet sharing the buckets, on
   * the same clock) lists the same scale set in a loop from minute 4 to minute 10, taking every token the bucket
   * gets.
   */
  static Contended contended(long seed) {
    ComputeThrottling azure = ComputeThrottling.create();
    SimulatedFleet fleet = SimulatedFleet.create(seed).throttling(azure, 100);
    ScaleSetId web = webOf(fleet, 100);
    SimulatedFleet other = SimulatedFleet.create(seed + 1, fleet.clock(), SimulationProfile.ofDefaults())
        .throttling(azure, 100);
    other.add(ScaleSetSpec.named("web").instances(100).image(Images.ubuntu(V1))); // the same resource id
    Instant start = fleet.clock().instant();
    for (Duration at = Duration.ofMinutes(4); at.compareTo(Duration.ofMinutes(10)) <= 0; at = at.plusSeconds(5)) {
      fleet.clock().schedule(start.plus(at), () -> {
        try {
          for (int k = 0; k < 100; k++) {
            other.listInstances(web);
          }
        } catch (ThrottledException refused) {
          // the loop takes what there is
        }
      });
    }
    List<RolloutEvent> events = new ArrayList<>();
    Rollout rollout = run(fleet, web, events);
    return new Contended(rollout, events, fleet, web, other, start);
  }

  @Test
  void rollout_anotherClientEmptiesTheScaleSetsBucket_stallsForTheRetryAfterAndRecovers() {
    Contended c = contended(42);

    assertThat(c.rollout().status()).isEqualTo(RolloutStatus.COMPLETED);
    assertThat(c.fleet().peek(c.web()).instances()).extracting(Instance::imageVersion).containsOnly(V2);
    List<PortCall> calls = c.fleet().record(c.web()).calls();
    List<PortCall> refused = calls.stream().filter(call -> call.rejectedWith() != null).toList();
    assertThat(refused).as("the rollout's looks while the other client held the bucket empty").isNotEmpty()
        .allSatisfy(call -> {
          assertThat(call.rejectedWith()).isEqualTo("OperationNotAllowed");
          assertThat(call.method()).isIn("listInstances", "get");
          assertThat(call.at()).isBetween(c.start().plus(Duration.ofMinutes(4)), c.start().plus(Duration.ofMinutes(11)));
        });
    assertThat(c.fleet().throttledCalls()).isEqualTo(refused.size());
    assertThat(c.other().throttledCalls()).as("the other client's loop ran into the empty bucket").isPositive();
    // Each refused look is followed by the next one no earlier than the bucket's refill (its windows are whole
    // minutes from its first request, the rollout's first read at the start): the rollout waited the Retry-After.
    for (PortCall r : refused) {
      long minutesIn = Duration.between(c.start(), r.at()).toMinutes();
      Instant refill = c.start().plus(Duration.ofMinutes(minutesIn + 1));
      PortCall next = calls.get(calls.indexOf(r) + 1);
      assertThat(next.at()).as("the call after the refusal at %s", r.at()).isAfterOrEqualTo(refill);
    }
    List<RolloutStalled> stalls = c.events().stream().filter(RolloutStalled.class::isInstance)
        .map(RolloutStalled.class::cast).toList();
    assertThat(stalls).isNotEmpty().allSatisfy(s -> assertThat(s.stall().code()).isEqualTo("OperationNotAllowed"));
    assertThat(c.events()).filteredOn(RolloutStallCleared.class::isInstance).as("the stall cleared").isNotEmpty();
    assertThat(c.fleet().log()).anyMatch(line -> line.contains("throttled: listInstances refused 429"));
    System.out.printf("throttling simulator, contended: %d of the rollout's calls refused, %d stalls, %s; the other "
        + "client: %d refused%n", refused.size(), stalls.size(), c.fleet().armRequests(), c.other().throttledCalls());
  }

  @Test
  void contendedRollout_sameSeed_sameEventsAndLog() {
    Contended a = contended(9);
    Contended b = contended(9);

    assertThat(a.fleet().throttledCalls()).isPositive();
    assertThat(b.rollout().eventLog()).isEqualTo(a.rollout().eventLog());
    assertThat(b.fleet().log()).isEqualTo(a.fleet().log());
    assertThat(b.fleet().armRequests()).isEqualTo(a.fleet().armRequests());
  }

  /**
   * The case: ten rollouts of 1,000 instances at once in one subscription, on a fleet enforcing Azure's buckets
   * (one model for the whole subscription), driven in the order of their due times on one clock. On pages of 1,000
   * nothing is throttled; on pages of 100 (without the Azure adapter's request budget, which the simulator does not
   * have) the scale sets' High Cost Get buckets refuse some looks, and every rollout stalls for the Retry-After and
   * still completes.
   */
  @ParameterizedTest(name = "10 x 1,000 instances, pages of {0}")
  @CsvSource({"1000, true", "100, false"})
  void tenConcurrentRollouts_1000InstancesEach_oneSubscription(int pageSize, boolean nothingThrottled) {
    long began = System.nanoTime();
    SimulatedFleet fleet = SimulatedFleet.create(43).throttling(ComputeThrottling.create(), pageSize);
    fleet.publish(ImageRelease.marketplace(Images.ubuntu(V2), fleet.clock().instant().minus(Duration.ofDays(1))));
    List<ScaleSetId> sets = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      sets.add(fleet.add(ScaleSetSpec.named("web" + i).instances(1000).image(Images.ubuntu(V1))));
    }
    List<Rollout> rollouts = sets.stream().map(id -> Rollout.builder(fleet, id).target(V2).clock(fleet.clock())
        .build()).toList();
    java.util.Map<Rollout, Instant> due = new java.util.LinkedHashMap<>();
    rollouts.forEach(r -> due.put(r, fleet.clock().instant()));
    while (!due.isEmpty()) {
      java.util.Map.Entry<Rollout, Instant> first = due.entrySet().stream().min(java.util.Map.Entry.comparingByValue())
          .orElseThrow();
      fleet.clock().advanceTo(first.getValue());
      Optional<Instant> next = first.getKey().advance();
      if (next.isPresent()) {
        due.put(first.getKey(), next.get());
      } else {
        due.remove(first.getKey());
      }
    }

    assertThat(rollouts).allSatisfy(r -> assertThat(r.status()).isEqualTo(RolloutStatus.COMPLETED));
    for (ScaleSetId id : sets) {
      assertThat(fleet.peek(id).instances()).extracting(Instance::imageVersion).containsOnly(V2);
    }
    int pages = 1000 / pageSize;
    int servedLooks = 0;
    int refusedCalls = 0;
    for (ScaleSetId id : sets) {
      for (PortCall c : fleet.record(id).calls()) {
        if (c.rejectedWith() != null) {
          refusedCalls++;
        } else if (c.method().equals("get") || c.method().equals("listInstances")) {
          servedLooks++;
        }
      }
    }
    assertThat(fleet.throttledCalls()).as("the refusals, as the fleet's record has them").isEqualTo(refusedCalls);
    if (nothingThrottled) {
      assertThat(fleet.throttledCalls()).isZero();
      assertThat(fleet.armRequests()).as("one High Cost Get per page of each look")
          .containsEntry(HIGH_COST_GET, servedLooks * pages);
    } else {
      assertThat(fleet.throttledCalls()).isPositive();
    }
    int requests = fleet.armRequests().values().stream().mapToInt(Integer::intValue).sum();
    System.out.printf("throttling simulator: 10 concurrent rollouts of 1,000 instances, pages of %d: %d requests %s, "
        + "%d calls throttled; %d ms of wall time%n", pageSize, requests, fleet.armRequests(), fleet.throttledCalls(),
        (System.nanoTime() - began) / 1_000_000);
  }
}
