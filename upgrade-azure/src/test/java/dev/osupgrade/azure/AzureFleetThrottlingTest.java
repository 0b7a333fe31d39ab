package dev.osupgrade.azure;

import static dev.osupgrade.azure.emulator.ArmImages.UBUNTU;
import static dev.osupgrade.azure.emulator.ArmImages.V1;
import static dev.osupgrade.azure.emulator.ArmImages.V2;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import dev.osupgrade.azure.emulator.ArmEmulator;
import dev.osupgrade.azure.emulator.ArmEmulator.ArmRequest;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.image.ImageRelease;
import dev.osupgrade.ops.RolloutStatus;
import dev.osupgrade.rollout.Rollout;
import dev.osupgrade.testkit.ComputeThrottling;
import dev.osupgrade.testkit.ScaleSetSpec;
import dev.osupgrade.testkit.SimulatedFleet;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Azure's throttling buckets ({@link ComputeThrottling}) against what a rollout sends: a rollout's requests, logged
 * by the ARM emulator on the fleet's clock, replayed through the model; and the emulator enforcing the buckets, with
 * the adapter waiting what {@code Retry-After} asks.
 */
final class AzureFleetThrottlingTest {
  private static final ArmEmulator EMULATOR = ArmEmulator.create();
  @RegisterExtension static final WireMockExtension ARM = EMULATOR.extension();


  /** Runs a default-policy rollout and returns the emulator's request log. */
  private static List<ArmRequest> rollout(int instances, int pageSize) {
    EMULATOR.vmPageSize(pageSize).throttling(false);
    SimulatedFleet world = SimulatedFleet.create(42);
    ScaleSetId web = world.add(ScaleSetSpec.named("web").instances(instances).image(UBUNTU.withVersion(V1)));
    world.publish(ImageRelease.marketplace(UBUNTU.withVersion(V2), world.clock().instant().minus(Duration.ofDays(1))));
    AzureFleet azure = EMULATOR.connect(ARM, world);
    Rollout rollout = Rollout.builder(azure, web).target(V2).clock(world.clock()).build();
    EMULATOR.runToEnd(rollout);
    assertThat(rollout.status()).isEqualTo(RolloutStatus.COMPLETED);
    assertThat(world.peek(web).instances()).extracting(Instance::imageVersion).containsOnly(V2);
    return EMULATOR.requests();
  }

  /**
   * A rollout's requests replayed through Azure's documented buckets: how many would have been answered 429, by
   * policy. None: the adapter's own request budget keeps listings within the scale set's High Cost Get bucket (before
   * it, 120 of 301 requests for 1,000 instances on pages of 100; before looks by prediction, 310 of 671).
   */
  @Test
  void rollout_replayedThroughAzuresBuckets_throttledRequests() {
    Map<String, Integer> throttled = new TreeMap<>();
    for (int[] c : new int[][] {{100, 100}, {1000, 100}, {1000, 1000}}) {
      List<ArmRequest> log = rollout(c[0], c[1]);
      List<ArmRequest> refused = ArmEmulator.throttledIn(log);
      Map<Object, Long> byPolicy = refused.stream().collect(Collectors.groupingBy(
          r -> String.valueOf(r.policy()), TreeMap::new, Collectors.counting()));
      System.out.printf("throttling replay: %d instances, pages of %d: %d requests, %d beyond Azure's buckets %s%n",
          c[0], c[1], log.size(), refused.size(), byPolicy);
      throttled.put(c[0] + "/" + c[1], refused.size());
    }
    assertThat(throttled).containsExactlyInAnyOrderEntriesOf(Map.of("100/100", 0, "1000/100", 0, "1000/1000", 0));
  }

  /**
   * With the buckets enforced, the emulator answers the 31st listing page within a minute 429 with the time to the
   * next refill in {@code Retry-After} and the empty bucket in {@code x-ms-ratelimit-remaining-resource}; an adapter
   * that sends it waits that long (on the fleet's clock) and reads the instances right. The adapter that sent the
   * first 30 does not send it: its request budget says it would overspend.
   */
  @Test
  void emulatorThrottling_thirtyOnePagesInAMinute_429WithRetryAfter_adapterWaitsAndReads() {
    EMULATOR.vmPageSize(1).throttling(true);
    SimulatedFleet world = SimulatedFleet.create(7);
    ScaleSetId web = world.add(ScaleSetSpec.named("web").instances(10).image(UBUNTU.withVersion(V1)));
    AzureFleet azure = EMULATOR.connect(ARM, world);
    Instant start = world.clock().instant();

    for (int read = 0; read < 3; read++) {
      assertThat(azure.listInstances(web)).hasSize(10); // 10 pages each (the first also GETs the scale set)
    }
    int sent = EMULATOR.requests().size();
    assertThatThrownBy(() -> azure.listInstances(web)).as("the adapter's budget does not send a 4th listing")
        .isInstanceOfSatisfying(dev.osupgrade.port.ThrottledException.class, t -> {
          assertThat(t.code()).isEqualTo(RequestBudget.CODE);
          assertThat(t.retryAfter()).isEqualTo(Duration.ofMinutes(1));
        });
    assertThat(EMULATOR.requests()).hasSize(sent);
    // Another adapter (its own budget) sends it: the emulator answers its 31st page 429, and it waits.
    AzureFleet other = AzureFleet.builder().computeManager(ArmServer.computeManager(ARM)).clock(world.clock())
        .sleeper(d -> EMULATOR.locked(() -> world.clock().advance(d))).build();
    assertThat(other.listInstances(web)).hasSize(10);

    List<ArmRequest> log = EMULATOR.requests();
    List<ArmRequest> refused = log.stream().filter(r -> r.status() == 429).toList();
    assertThat(refused).singleElement().satisfies(r -> {
      assertThat(r.policy()).isEqualTo(ComputeThrottling.Policy.SCALE_SET_HIGH_COST_GET);
      assertThat(r.path()).endsWith("/virtualMachines");
    });
    assertThat(log.stream().filter(r -> r.status() == 200 && r.path().endsWith("/virtualMachines")).count())
        .as("40 pages served, the refused one again after the wait").isEqualTo(40);
    assertThat(world.clock().instant()).as("the adapter waited for the refill").isAfterOrEqualTo(start.plusSeconds(60));
    ServeEvent answer429 = ARM.getAllServeEvents().stream().filter(e -> e.getResponse().getStatus() == 429)
        .findFirst().orElseThrow();
    assertThat(answer429.getResponse().getHeaders().getHeader("Retry-After").firstValue()).isEqualTo("60");
    assertThat(answer429.getResponse().getHeaders().getHeader("x-ms-ratelimit-remaining-resource").firstValue())
        .isEqualTo("Microsoft.Compute/VMScaleSetHighCostGet;0");
    assertThat(answer429.getResponse().getBodyAsString()).contains("\"code\":\"OperationNotAllowed\"")
        .contains("TooManyRequests");
    List<String> remaining = ARM.getAllServeEvents().stream().filter(e -> e.getResponse().getStatus() == 200)
        .map(e -> e.getResponse().getHeaders().getHeader("x-ms-ratelimit-remaining-resource").firstValue()).toList();
    assertThat(remaining).as("the first page: the bucket's 30 tokens less one, the subscription's 1,080 less one")
        .contains("Microsoft.Compute/VMScaleSetHighCostGet;29,Microsoft.Compute/VMScaleSetHighCostGetSubscription;1079");
    assertThat(ARM.getAllServeEvents().stream().filter(e -> e.getResponse().getStatus() == 200)
        .map(e -> e.getResponse().getHeaders().getHeader("x-ms-ratelimit-remaining-subscription-reads").firstValue()))
        .as("ARM's 250 reads less one, for the first request").contains("249");
    EMULATOR.throttling(false);
  }

  /** An adapter over the emulator with a shared request budget (as {@link ArmEmulator#connect}, plus the budget). */
  private static AzureFleet connect(SimulatedFleet world, RequestBudget budget) {
    EMULATOR.serve(ARM, world);
    return AzureFleet.builder().computeManager(ArmServer.computeManager(ARM)).clock(world.clock())
        .sleeper(d -> EMULATOR.locked(() -> world.clock().advance(d))).requestBudget(budget).build();
  }

  /**
   * With a request budget, a rollout of 1,000 instances listed on pages of 100 sends no request beyond Azure's
   * buckets: a listing the scale set's High Cost Get bucket cannot afford is not sent, and the rollout stalls until it
   * can and says so.
   */
  @Test
  void rollout_withRequestBudget_1000InstancesOnPagesOf100_nothingBeyondAzuresBuckets() {
    EMULATOR.vmPageSize(100).throttling(true); // the emulator enforces the buckets and reports what is left
    SimulatedFleet world = SimulatedFleet.create(42);
    ScaleSetId web = world.add(ScaleSetSpec.named("web").instances(1000).image(UBUNTU.withVersion(V1)));
    world.publish(ImageRelease.marketplace(UBUNTU.withVersion(V2), world.clock().instant().minus(Duration.ofDays(1))));
    AzureFleet azure = connect(world, RequestBudget.create());
    java.util.List<dev.osupgrade.event.RolloutEvent> events = new java.util.ArrayList<>();
    Rollout rollout = Rollout.builder(azure, web).target(V2).clock(world.clock()).listener(events::add).build();
    Instant start = world.clock().instant();
    EMULATOR.runToEnd(rollout);

    assertThat(rollout.status()).isEqualTo(RolloutStatus.COMPLETED);
    assertThat(world.peek(web).instances()).extracting(Instance::imageVersion).containsOnly(V2);
    List<ArmRequest> log = EMULATOR.requests();
    long stalls = events.stream().filter(e -> e instanceof dev.osupgrade.event.RolloutStalled s
        && s.stall().code().equals(RequestBudget.CODE)).count();
    System.out.printf("request budget: 1000 instances, pages of 100: %d requests, %d beyond Azure's buckets, %d "
        + "waits for the budget, %s of fleet time%n", log.size(), ArmEmulator.throttledIn(log).size(), stalls,
        Duration.between(start, world.clock().instant()));
    assertThat(ArmEmulator.throttledIn(log)).isEmpty();
    assertThat(log).as("no request answered 429").allSatisfy(r -> assertThat(r.status()).isNotEqualTo(429));
    assertThat(stalls).as("the rollout says when it waits for the budget").isPositive();
    EMULATOR.throttling(false);
  }

  /**
   * Ten rollouts at once in one subscription, one budget: nothing beyond Azure's buckets. (100 instances each, on pages
   * of 50, to keep the suite fast: ten of 1,000 take minutes of wall time over WireMock; ten of 300 on one page each
   * were measured at 390 requests, none beyond the buckets.)
   */
  @Test
  void tenConcurrentRollouts_oneSubscription_sharedBudget_nothingBeyondAzuresBuckets() {
    EMULATOR.vmPageSize(50).throttling(false);
    SimulatedFleet world = SimulatedFleet.create(43);
    world.publish(ImageRelease.marketplace(UBUNTU.withVersion(V2), world.clock().instant().minus(Duration.ofDays(1))));
    List<ScaleSetId> sets = new java.util.ArrayList<>();
    for (int i = 0; i < 10; i++) {
      sets.add(world.add(ScaleSetSpec.named("web" + i).instances(100).image(UBUNTU.withVersion(V1))));
    }
    AzureFleet azure = connect(world, RequestBudget.create());
    List<Rollout> rollouts = sets.stream().map(id -> Rollout.builder(azure, id).target(V2).clock(world.clock())
        .build()).toList();
    Map<Rollout, Instant> due = new java.util.LinkedHashMap<>();
    rollouts.forEach(r -> due.put(r, world.clock().instant()));
    while (!due.isEmpty()) {
      Map.Entry<Rollout, Instant> first = due.entrySet().stream().min(Map.Entry.comparingByValue()).orElseThrow();
      EMULATOR.locked(() -> world.clock().advanceTo(first.getValue()));
      Optional<Instant> next = first.getKey().advance();
      if (next.isPresent()) {
        due.put(first.getKey(), next.get());
      } else {
        due.remove(first.getKey());
      }
    }

    rollouts.stream().filter(r -> r.status() != RolloutStatus.COMPLETED).findFirst().ifPresent(r -> System.out.println(r.eventLog()));
    assertThat(rollouts).allSatisfy(r -> assertThat(r.status()).isEqualTo(RolloutStatus.COMPLETED));
    List<ArmRequest> log = EMULATOR.requests();
    System.out.printf("request budget: 10 concurrent rollouts of 100 instances, pages of 50: %d requests, %d "
        + "beyond Azure's buckets%n", log.size(), ArmEmulator.throttledIn(log).size());
    assertThat(ArmEmulator.throttledIn(log)).isEmpty();
  }
}
