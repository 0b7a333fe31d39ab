package dev.osupgrade.azure;

import static dev.osupgrade.azure.emulator.ArmImages.UBUNTU;
import static dev.osupgrade.azure.emulator.ArmImages.V1;
import static dev.osupgrade.azure.emulator.ArmImages.V2;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import dev.osupgrade.azure.emulator.ArmEmulator;
import dev.osupgrade.event.RolloutEvent;
import dev.osupgrade.event.RolloutStalled;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.image.ImageRelease;
import dev.osupgrade.observe.MetricsListener;
import dev.osupgrade.observe.MetricsSink;
import dev.osupgrade.observe.RequestBudgetReport;
import dev.osupgrade.ops.RolloutStatus;
import dev.osupgrade.port.ThrottledException;
import dev.osupgrade.rollout.Rollout;
import dev.osupgrade.testkit.ScaleSetSpec;
import dev.osupgrade.testkit.SimulatedFleet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The request budget's meter: a {@link RequestBudget} reporting to {@link MetricsListener#onRequestBudget} charts the
 * High Cost Get tokens left per scale set and per subscription, and counts the listings it held back, checked
 * against what the ARM emulator (enforcing Azure's buckets) said was left in {@code x-ms-ratelimit-remaining-resource}.
 */
final class RequestBudgetMetricsTest {
  private static final ArmEmulator EMULATOR = ArmEmulator.create();
  @RegisterExtension static final WireMockExtension ARM = EMULATOR.extension();


  /** Counters summed, gauges as last set, keyed {@code name{k=v,...}}. */
  static final class RecordingSink implements MetricsSink {
    final Map<String, Long> counters = new TreeMap<>();
    final Map<String, Double> gauges = new TreeMap<>();

    static String key(String name, Map<String, String> tags) {
      return name + new TreeMap<>(tags);
    }

    @Override
    public synchronized void count(String name, Map<String, String> tags, long amount) {
      counters.merge(key(name, tags), amount, Long::sum);
    }

    @Override
    public synchronized void gauge(String name, Map<String, String> tags, double value) {
      gauges.put(key(name, tags), value);
    }
  }

  private static AzureFleet connect(SimulatedFleet world, RequestBudget budget) {
    EMULATOR.serve(ARM, world);
    return AzureFleet.builder().computeManager(ArmServer.computeManager(ARM)).clock(world.clock())
        .sleeper(d -> EMULATOR.locked(() -> world.clock().advance(d))).requestBudget(budget).build();
  }

  /** The last {@code x-ms-ratelimit-remaining-resource} the emulator sent with a listing page. */
  private static String lastRemaining() {
    List<ServeEvent> served = new ArrayList<>(ARM.getAllServeEvents()); // newest first
    return served.stream().filter(e -> e.getResponse().getStatus() == 200
            && e.getRequest().getUrl().contains("/virtualMachines?"))
        .map(e -> e.getResponse().getHeaders().getHeader("x-ms-ratelimit-remaining-resource").firstValue())
        .findFirst().orElseThrow();
  }

  private static String remainingHeader(double scaleSet, double subscription) {
    return "Microsoft.Compute/VMScaleSetHighCostGet;" + (int) scaleSet
        + ",Microsoft.Compute/VMScaleSetHighCostGetSubscription;" + (int) subscription;
  }

  @Test
  void budgetMeter_listingsOverTheEmulator_tokensAsAzureReportsThem_heldBackListingCountedWithItsWait() {
    EMULATOR.vmPageSize(1).throttling(true);
    SimulatedFleet world = SimulatedFleet.create(7);
    ScaleSetId web = world.add(ScaleSetSpec.named("web").instances(10).image(UBUNTU.withVersion(V1)));
    RecordingSink sink = new RecordingSink();
    List<RequestBudgetReport> reports = new ArrayList<>();
    RequestBudget budget = RequestBudget.create().listener(MetricsListener.to(sink)::onRequestBudget)
        .listener(reports::add);
    AzureFleet azure = connect(world, budget);
    String tokens = RecordingSink.key("osupgrade.request_budget.tokens",
        Map.of("scale_set", "rg/web", "bucket", "high_cost_get"));
    String subscriptionTokens = RecordingSink.key("osupgrade.request_budget.subscription_tokens",
        Map.of("subscription", web.subscriptionId(), "bucket", "high_cost_get"));
    String waits = RecordingSink.key("osupgrade.request_budget.waits",
        Map.of("scale_set", "rg/web", "bucket", "high_cost_get"));

    assertThat(azure.listInstances(web)).hasSize(10); // 10 pages
    assertThat(sink.gauges).containsEntry(tokens, 20.0).containsEntry(subscriptionTokens, 1070.0);
    assertThat(lastRemaining()).as("what the emulator said was left")
        .isEqualTo(remainingHeader(sink.gauges.get(tokens), sink.gauges.get(subscriptionTokens)));
    assertThat(reports).hasSize(10).allSatisfy(r -> assertThat(r.heldBack()).isFalse());

    azure.listInstances(web);
    azure.listInstances(web);
    assertThat(sink.gauges).containsEntry(tokens, 0.0).containsEntry(subscriptionTokens, 1050.0);
    assertThat(lastRemaining()).isEqualTo(remainingHeader(0, 1050));
    assertThat(sink.counters).doesNotContainKey(waits);

    int sent = EMULATOR.requests().size();
    assertThatThrownBy(() -> azure.listInstances(web)).isInstanceOf(ThrottledException.class);
    assertThat(EMULATOR.requests()).as("held back, not sent").hasSize(sent);
    assertThat(sink.counters).containsEntry(waits, 1L).containsEntry(RecordingSink.key(
        "osupgrade.request_budget.wait_seconds", Map.of("scale_set", "rg/web", "bucket", "high_cost_get")), 60L);
    assertThat(reports.get(reports.size() - 1)).satisfies(r -> {
      assertThat(r.heldBack()).isTrue();
      assertThat(r.retryAfter()).isEqualTo(Duration.ofMinutes(1));
      assertThat(r.scaleSet()).isEqualTo(web);
      assertThat(r.scaleSetTokens()).isZero();
    });

    EMULATOR.locked(() -> world.clock().advance(Duration.ofMinutes(1))); // one refill: 10 tokens, 360 for the subscription
    assertThat(azure.listInstances(web)).hasSize(10);
    assertThat(sink.gauges).containsEntry(tokens, 0.0).containsEntry(subscriptionTokens, 1070.0);
    assertThat(lastRemaining()).isEqualTo(remainingHeader(0, 1070));
    assertThat(EMULATOR.requests()).allSatisfy(r -> assertThat(r.status()).isNotEqualTo(429));
    EMULATOR.throttling(false);
  }

  /**
   * A Flexible scale set's VMs are listed with {@code VirtualMachines_List}, which spends the subscription's High Cost
   * Get VM bucket (900, 300 a minute; no resource level): the budget counts it there, takes what Azure says is left,
   * and holds a listing back when another client of the subscription has spent it, instead of being answered 429.
   */
  @Test
  void budget_flexibleVmListing_subscriptionsVmBucket_heldBackWhenAnotherClientSpentIt() {
    EMULATOR.vmPageSize(1).throttling(true);
    SimulatedFleet world = SimulatedFleet.create(7);
    ScaleSetId web = world.add(ScaleSetSpec.named("web").instances(10).image(UBUNTU.withVersion(V1))
        .orchestration(dev.osupgrade.fleet.OrchestrationMode.FLEXIBLE).faultDomains(3));
    RecordingSink sink = new RecordingSink();
    List<RequestBudgetReport> reports = new ArrayList<>();
    RequestBudget budget = RequestBudget.create().listener(MetricsListener.to(sink)::onRequestBudget)
        .listener(reports::add);
    AzureFleet azure = connect(world, budget);
    String subscriptionTokens = RecordingSink.key("osupgrade.request_budget.subscription_tokens",
        Map.of("subscription", web.subscriptionId(), "bucket", "vm_high_cost_get"));

    assertThat(azure.get(web).instances()).hasSize(10); // 10 pages of the VM list
    assertThat(reports).hasSize(10).allSatisfy(r -> assertThat(r.bucket()).isEqualTo("vm_high_cost_get"));
    assertThat(sink.gauges).containsEntry(subscriptionTokens, 890.0);
    assertThat(lastRemaining()).isEqualTo("Microsoft.Compute/VMHighCostGetSubscription;890");

    // Another client of the subscription lists VMs too: 880 pages within the minute (20 a second, under ARM's 25
    // reads a second), leaving 10.
    String other = "/subscriptions/" + web.subscriptionId() + "/resourcegroups/other/providers/microsoft.compute/"
        + "virtualmachines";
    for (int i = 0; i < 880; i++) {
      assertThat(EMULATOR.buckets().take(world.clock().instant().plusMillis(50L * i), web.subscriptionId(), other,
          dev.osupgrade.testkit.ComputeThrottling.Policy.VM_HIGH_COST_GET, false).throttled()).isFalse();
    }
    assertThat(azure.listInstances(web)).hasSize(10);
    assertThat(lastRemaining()).as("Azure says the bucket is spent").isEqualTo(
        "Microsoft.Compute/VMHighCostGetSubscription;0");
    assertThat(sink.gauges).as("the budget takes Azure's word over its own count of 880")
        .containsEntry(subscriptionTokens, 0.0);

    int sent = EMULATOR.requests().size();
    assertThatThrownBy(() -> azure.listInstances(web)).isInstanceOfSatisfying(ThrottledException.class, t -> {
      assertThat(t.code()).isEqualTo(RequestBudget.CODE);
      assertThat(t.getMessage()).contains("High Cost Get VM");
      assertThat(t.retryAfter()).isPositive().isLessThanOrEqualTo(Duration.ofMinutes(1));
    });
    assertThat(EMULATOR.requests()).as("held back, not sent").hasSize(sent);
    assertThat(reports.get(reports.size() - 1).heldBack()).isTrue();

    EMULATOR.locked(() -> world.clock().advance(Duration.ofMinutes(1))); // one refill: 300 tokens
    assertThat(azure.listInstances(web)).hasSize(10);
    assertThat(lastRemaining()).isEqualTo("Microsoft.Compute/VMHighCostGetSubscription;290");
    assertThat(EMULATOR.requests()).allSatisfy(r -> assertThat(r.status()).isNotEqualTo(429));
    EMULATOR.throttling(false);
  }

  /**
   * A rollout of 1,000 instances on pages of 100 with a metered budget: every listing it held back is counted (at
   * least one per stall the rollout reported for the budget), and the last tokens charted are what Azure last said.
   */
  @Test
  void budgetMeter_rolloutOf1000OnPagesOf100_countsEveryHeldBackListing() {
    EMULATOR.vmPageSize(100).throttling(true);
    SimulatedFleet world = SimulatedFleet.create(42);
    ScaleSetId web = world.add(ScaleSetSpec.named("web").instances(1000).image(UBUNTU.withVersion(V1)));
    world.publish(ImageRelease.marketplace(UBUNTU.withVersion(V2), world.clock().instant().minus(Duration.ofDays(1))));
    RecordingSink sink = new RecordingSink();
    List<RequestBudgetReport> heldBack = new ArrayList<>();
    RequestBudget budget = RequestBudget.create().listener(MetricsListener.to(sink)::onRequestBudget)
        .listener(r -> {
          if (r.heldBack()) {
            heldBack.add(r);
          }
        });
    AzureFleet azure = connect(world, budget);
    List<RolloutEvent> events = new ArrayList<>();
    Rollout rollout = Rollout.builder(azure, web).target(V2).clock(world.clock()).listener(events::add).build();
    EMULATOR.runToEnd(rollout);

    assertThat(rollout.status()).isEqualTo(RolloutStatus.COMPLETED);
    assertThat(world.peek(web).instances()).extracting(Instance::imageVersion).containsOnly(V2);
    long stalls = events.stream().filter(e -> e instanceof RolloutStalled s
        && s.stall().code().equals(RequestBudget.CODE)).count();
    Map<String, String> tags = Map.of("scale_set", "rg/web", "bucket", "high_cost_get");
    long waits = sink.counters.getOrDefault(RecordingSink.key("osupgrade.request_budget.waits", tags), 0L);
    assertThat(waits).isEqualTo(heldBack.size()).isGreaterThanOrEqualTo(stalls).isPositive();
    assertThat(sink.counters.get(RecordingSink.key("osupgrade.request_budget.wait_seconds", tags)))
        .isEqualTo(heldBack.stream().mapToLong(r -> (r.retryAfter().toMillis() + 999) / 1000).sum());
    assertThat(lastRemaining()).isEqualTo(remainingHeader(
        sink.gauges.get(RecordingSink.key("osupgrade.request_budget.tokens", tags)),
        sink.gauges.get(RecordingSink.key("osupgrade.request_budget.subscription_tokens",
            Map.of("subscription", web.subscriptionId(), "bucket", "high_cost_get")))));
    System.out.printf("request budget meter: 1000 instances, pages of 100: %d listings held back (%d s in all), %d "
        + "stalls reported%n", waits, sink.counters.get(RecordingSink.key("osupgrade.request_budget.wait_seconds",
        tags)), stalls);
    EMULATOR.throttling(false);
  }
}
