package dev.osupgrade.azure;

import static dev.osupgrade.azure.emulator.ArmImages.UBUNTU;
import static dev.osupgrade.azure.emulator.ArmImages.V1;
import static dev.osupgrade.azure.emulator.ArmImages.V2;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.osupgrade.azure.emulator.ArmEmulator;
import dev.osupgrade.event.BatchStarted;
import dev.osupgrade.event.RolloutEvent;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.OrchestrationMode;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.image.ImageRelease;
import dev.osupgrade.ops.RolloutStatus;
import dev.osupgrade.rollout.Rollout;
import dev.osupgrade.testkit.ScaleSetSpec;
import dev.osupgrade.testkit.SimulatedFleet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * How many ARM requests a full orchestrated rollout costs, counted in WireMock's journal while {@link AzureFleet}
 * drives a real {@link Rollout} against the ARM emulator, on the simulator's virtual clock (the runner's
 * {@code advance()} says when to look again; the clock jumps there).
 *
 * <p>What a rollout with the default policy (batches of 20%, Manual upgrade mode, model pinned to the target) costs:
 * <ul>
 *   <li>the first look: one GET of the scale set and one listing of its instances;</li>
 *   <li>before the first change: one listing of the image's versions in the region, to refuse a target that is not
 *       published;</li>
 *   <li>the model: one PATCH, which CRP answers {@code Updating} with an {@code Azure-AsyncOperation}, so the adapter
 *       polls the operation once (the emulator completes it at once), without the GET of the scale set the SDK's
 *       synchronous update sends after it;</li>
 *   <li>one {@code manualupgrade} per batch, not polled;</li>
 *   <li>one listing of the instances per look of the runner, one GET per page of {@link ArmEmulator#vmPageSize}
 *       instances; the kernel looks at a batch when it can plausibly be done (learned from the batches before it),
 *       then when the instances still settling are predicted healthy (learned from how long the instances of earlier
 *       batches settled after their upgrade ended), else every few seconds (the kernel's {@code LookSchedule});</li>
 *   <li>the final read: one GET of the scale set, which confirms the model on the target before the rollout says
 *       {@code Completed}; the listing that ended the last batch, taken at the same instant, stands for the instances
 *       (a rollout resumed from its checkpoint has no such listing, and reads both).</li>
 * </ul>
 * So the cost grows with batches and looks, and with instances only through the pages of the listing.
 *
 * <p>A Flexible scale set costs the same, read through other calls: each listing is one {@code VirtualMachines_List}
 * of the resource group filtered on the scale set with the instance view (per page), and each full read (the first
 * and the final read) also reads the resource group's locks once: two requests more in all. The locks give Flexible
 * instances their protection, so the final read lists the VMs too when they changed since the listings read them.
 */
final class AzureFleetRequestEconomyTest {
  private static final ArmEmulator EMULATOR = ArmEmulator.create();
  @RegisterExtension static final WireMockExtension ARM = EMULATOR.extension();

  private static final long SEED = 42;

  /** The counts of one rollout. */
  private record Economy(int instances, int zones, int pageSize, int batches, int looks,
      Map<String, Integer> requests, OrchestrationMode mode) {
    int total() {
      return requests.values().stream().mapToInt(Integer::intValue).sum();
    }

    int count(String operation) {
      return requests.getOrDefault(operation, 0);
    }

    int pagesPerListing() {
      return Math.max(1, (instances + pageSize - 1) / pageSize);
    }

    String summary() {
      return String.format(Locale.ROOT, "request economy: %d instances%s%s, %d batches, %d requests: %s "
          + "(%d looks x %d page(s) of %d)", instances, zones == 0 ? "" : " in " + zones + " zones",
          mode != OrchestrationMode.FLEXIBLE ? "" : zones == 0 ? " (Flexible, 3 fault domains)" : " (Flexible)",
          batches, total(), requests,
          looks, pagesPerListing(), pageSize);
    }
  }

  private Economy rollout(int instances, int zones, int pageSize) {
    return rollout(instances, zones, pageSize, OrchestrationMode.UNIFORM);
  }

  private Economy rollout(int instances, int zones, int pageSize, OrchestrationMode mode) {
    EMULATOR.vmPageSize(pageSize);
    SimulatedFleet world = SimulatedFleet.create(SEED);
    ScaleSetSpec spec = ScaleSetSpec.named("web").instances(instances).zones(zones).image(UBUNTU.withVersion(V1))
        .orchestration(mode);
    if (mode == OrchestrationMode.FLEXIBLE && zones == 0) {
      spec.faultDomains(3);
    }
    ScaleSetId web = world.add(spec);
    world.publish(ImageRelease.marketplace(UBUNTU.withVersion(V2), world.clock().instant().minus(Duration.ofDays(1))));
    AzureFleet azure = EMULATOR.connect(ARM, world);
    List<RolloutEvent> events = new ArrayList<>();
    Rollout rollout = Rollout.builder(azure, web).target(V2).clock(world.clock()).listener(events::add).build();

    EMULATOR.runToEnd(rollout);

    assertThat(rollout.status()).isEqualTo(RolloutStatus.COMPLETED);
    assertThat(world.peek(web).instances()).extracting(Instance::imageVersion).containsOnly(V2);
    int batches = (int) events.stream().filter(e -> e instanceof BatchStarted).count();
    Map<String, Integer> journal = journal();
    // A look is one listing of the instances (its first page); the runner's other advances only renew its lease.
    int looks = journal.getOrDefault("GET instances", 0);
    return new Economy(instances, zones, pageSize, batches, looks, journal, mode);
  }

  /** Counts the journal's requests per operation. */
  private static Map<String, Integer> journal() {
    Map<String, Integer> counts = new TreeMap<>();
    for (ServeEvent e : ARM.getAllServeEvents()) {
      counts.merge(operation(e.getRequest()), 1, Integer::sum);
    }
    return counts;
  }

  private static String operation(LoggedRequest r) {
    String path = r.getUrl().toLowerCase(Locale.ROOT);
    String method = r.getMethod().getName();
    if (path.contains("/operations/")) {
      return "GET operation status";
    }
    if (path.matches(".*/virtualmachines/[^/?]+(\\?.*)?")) {
      return "GET instance";
    }
    if (path.contains("/virtualmachines?") || path.endsWith("/virtualmachines")) {
      return path.contains("$skiptoken") ? "GET instances (next page)" : "GET instances";
    }
    if (path.contains("/manualupgrade")) {
      return "POST manualupgrade";
    }
    if (path.contains("/delete?") || path.endsWith("/delete")) {
      return "POST delete";
    }
    if (path.contains("/artifacttypes/vmimage/") && path.contains("/versions")) {
      return "GET image versions";
    }
    if (path.contains("/providers/microsoft.authorization/locks")) {
      return "GET locks";
    }
    if (path.contains("/usages")) {
      return "GET usages";
    }
    if (path.contains("/providers/microsoft.compute/skus")) {
      return "GET resource SKUs";
    }
    if (path.matches(".*/virtualmachinescalesets/[^/?]+(\\?.*)?")) {
      return method + " scale set";
    }
    return method + " " + r.getUrl();
  }

  private static void assertExactCounts(Economy e) {
    assertExactCounts(e, 2);
  }

  private static void assertExactCounts(Economy e, int scaleSetGets) {
    assertThat(e.count("GET scale set")).as("GET scale set: the first look and the final read of the model that "
        + "confirms the outcome (and a full read after the first wait for the budget)")
        .isEqualTo(scaleSetGets);
    assertThat(e.count("GET image versions")).as("the target checked in the catalog before the first change")
        .isEqualTo(1);
    assertThat(e.count("PATCH scale set")).as("one PATCH for the model").isEqualTo(1);
    assertThat(e.count("GET operation status")).as("the PATCH's operation, polled once").isEqualTo(1);
    assertThat(e.count("POST manualupgrade")).as("one manualupgrade per batch").isEqualTo(e.batches());
    assertThat(e.count("GET instances (next page)")).as("further pages of each listing")
        .isEqualTo(e.looks() * (e.pagesPerListing() - 1));
    assertThat(e.requests().keySet()).as("nothing else").isSubsetOf("GET scale set", "PATCH scale set",
        "GET operation status", "POST manualupgrade", "GET instances", "GET instances (next page)",
        "GET image versions");
    assertThat(e.total()).isEqualTo(3 + scaleSetGets + e.batches() + e.looks() * e.pagesPerListing());
  }

  /** Flexible's counts: Uniform's, read through the VM API, plus the locks at each of the two full reads. */
  private static void assertExactFlexibleCounts(Economy e) {
    assertThat(e.count("GET scale set")).as("the first look and the final read of the model").isEqualTo(2);
    assertThat(e.count("GET locks")).as("the locks, with the first look and the final read").isEqualTo(2);
    assertThat(e.count("GET image versions")).isEqualTo(1);
    assertThat(e.count("PATCH scale set")).isEqualTo(1);
    assertThat(e.count("GET operation status")).isEqualTo(1);
    assertThat(e.count("POST manualupgrade")).as("one manualupgrade per batch, by VM names").isEqualTo(e.batches());
    assertThat(e.count("GET instances")).as("one filtered VM listing per look").isEqualTo(e.looks());
    assertThat(e.count("GET instances (next page)")).isEqualTo(e.looks() * (e.pagesPerListing() - 1));
    assertThat(e.requests().keySet()).as("nothing else").isSubsetOf("GET scale set", "PATCH scale set",
        "GET operation status", "POST manualupgrade", "GET instances", "GET instances (next page)",
        "GET image versions", "GET locks");
    assertThat(e.total()).isEqualTo(7 + e.batches() + e.looks() * e.pagesPerListing());
    assertThat(ARM.getAllServeEvents()).as("never the scale-set VM API").noneSatisfy(ev -> assertThat(
        ev.getRequest().getUrl().toLowerCase(Locale.ROOT)).contains("/virtualmachinescalesets/web/virtualmachines"));
  }

  @Test
  void rollout_100RegionalInstancesFlexibleBesideUniform_exactRequestsPerOperation() {
    Economy uniform = rollout(100, 0, ArmEmulator.DEFAULT_VM_PAGE_SIZE);
    ARM.resetRequests();
    Economy flexible = rollout(100, 0, ArmEmulator.DEFAULT_VM_PAGE_SIZE, OrchestrationMode.FLEXIBLE);
    System.out.println(uniform.summary());
    System.out.println(flexible.summary());

    assertExactCounts(uniform);
    assertExactFlexibleCounts(flexible);
    assertThat(uniform.batches()).isEqualTo(5);
    assertThat(flexible.batches()).as("batches of 20 within 3 fault domains of 34, 33 and 33 VMs").isEqualTo(6);
  }

  @Test
  void rollout_200FlexibleVmsOnPagesOf50_growsWithPagesNotWithVms() {
    Economy e = rollout(200, 3, 50, OrchestrationMode.FLEXIBLE);
    System.out.println(e.summary());

    assertExactFlexibleCounts(e);
    assertThat(e.pagesPerListing()).isEqualTo(4);
  }

  @Test
  void rollout_100RegionalInstances_exactRequestsPerOperation() {
    Economy e = rollout(100, 0, ArmEmulator.DEFAULT_VM_PAGE_SIZE);
    System.out.println(e.summary());

    assertThat(e.batches()).isEqualTo(5);
    assertExactCounts(e);
    assertThat(e.looks()).as("looks by prediction: three or four per batch, not one per 30 s").isEqualTo(18);
    assertThat(e.total()).as("issue 10's goal is at most 10 + 4 x batches = 30").isEqualTo(28);
  }

  /**
   * The figures the request economy is measured by (README, "The Azure adapter"): 100 and 1,000 instances with the
   * default policy, with pages of 100 and of 1,000 instances.
   */
  @Test
  void rollout_100And1000Instances_pagesOf100And1000_exactRequests() {
    Map<String, Integer> totals = new TreeMap<>();
    for (int instances : new int[] {100, 1000}) {
      for (int pageSize : new int[] {100, 1000}) {
        ARM.resetRequests();
        Economy e = rollout(instances, 0, pageSize);
        System.out.println(e.summary());
        // 1,000 on pages of 100: a look costs 10 of the scale set's 30 High Cost Gets (10 more a minute); with looks
        // as planned: 12 in all, 120 of the 130 requests.
        assertExactCounts(e);
        assertThat(e.batches()).isEqualTo(5);
        totals.put(instances + "/" + pageSize, e.total());
      }
    }
    System.out.println("request economy: totals (instances/page size) " + totals);
    assertThat(totals).containsExactlyInAnyOrderEntriesOf(Map.of(
        "100/100", 28, "100/1000", 28, "1000/100", 130, "1000/1000", 26));
  }

  @Test
  void rollout_100InstancesIn3Zones_oneManualUpgradePerBatch() {
    Economy e = rollout(100, 3, ArmEmulator.DEFAULT_VM_PAGE_SIZE);
    System.out.println(e.summary());

    assertExactCounts(e);
    assertThat(e.batches()).isGreaterThan(5); // a batch never spans two zones
  }

  /**
   * A max-surge rollout through the adapter as its own {@link dev.osupgrade.port.CapacityPort}: per batch a headroom
   * check, a scale-out, and a delete of the replaced instances once the new ones are healthy.
   */
  @Test
  void rollout_maxSurge_scalesOutAndDeletesPerBatch() {
    EMULATOR.vmPageSize(ArmEmulator.DEFAULT_VM_PAGE_SIZE);
    SimulatedFleet world = SimulatedFleet.create(SEED);
    ScaleSetId web = world.add(ScaleSetSpec.named("web").instances(10).image(UBUNTU.withVersion(V1)));
    world.publish(ImageRelease.marketplace(UBUNTU.withVersion(V2), world.clock().instant().minus(Duration.ofDays(1))));
    AzureFleet azure = EMULATOR.connect(ARM, world);
    Rollout rollout = Rollout.builder(azure, web).target(V2).clock(world.clock())
        .policy(dev.osupgrade.policy.RollingUpgradePolicy.builder().maxSurge(true).build()).build();

    EMULATOR.runToEnd(rollout);

    assertThat(rollout.status()).isEqualTo(RolloutStatus.COMPLETED);
    assertThat(world.peek(web).instances()).hasSize(10).extracting(Instance::imageVersion).containsOnly(V2);
    assertThat(world.peek(web).instances()).extracting(Instance::instanceId).doesNotContain("0", "9");
    Map<String, Integer> requests = journal();
    System.out.println("request economy: 10 instances, max surge, " + requests.values().stream()
        .mapToInt(Integer::intValue).sum() + " requests: " + requests);
    assertThat(requests.get("POST manualupgrade")).as("surge replaces instances instead of upgrading them").isNull();
    assertThat(requests.get("PATCH scale set")).as("the model, then sku.capacity once per batch of 2").isEqualTo(6);
    assertThat(requests.get("GET resource SKUs")).as("the VM size is read once").isEqualTo(1);
    // the engine deletes each old instance once its replacement is healthy: one POST per instance or pair
    assertThat(requests.get("POST delete")).isBetween(5, 10);
  }

  /**
   * A read of one instance is one GET of it ({@code $expand=instanceView}) once the adapter knows the model, else a
   * GET of the scale set first; an id that cannot be a path segment sends nothing.
   */
  @Test
  void instance_oneGetOfTheInstance_andNothingForABadId() {
    EMULATOR.vmPageSize(ArmEmulator.DEFAULT_VM_PAGE_SIZE);
    SimulatedFleet world = SimulatedFleet.create(SEED);
    ScaleSetId web = world.add(ScaleSetSpec.named("web").instances(10).image(UBUNTU.withVersion(V1)));
    AzureFleet azure = EMULATOR.connect(ARM, world);

    assertThat(azure.instance(web, "3")).contains(world.peek(web).instance("3").orElseThrow());
    assertThat(journal()).as("a fresh adapter reads the model first").containsExactly(
        Map.entry("GET instance", 1), Map.entry("GET scale set", 1));
    ARM.resetRequests();

    assertThat(azure.instance(web, "4")).contains(world.peek(web).instance("4").orElseThrow());
    world.deleteInstances(web, List.of("5"));
    assertThat(azure.instance(web, "5")).isEmpty();
    assertThat(journal()).containsExactly(Map.entry("GET instance", 2));
    assertThat(ARM.getAllServeEvents()).allSatisfy(e -> assertThat(e.getRequest().getUrl())
        .matches(".*/virtualMachines/[45]\\?\\$expand=instanceView&api-version=.*"));
    ARM.resetRequests();

    for (String bad : List.of("5/../6", "5?x", "", "..")) {
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> azure.instance(web, bad))
          .isInstanceOf(dev.osupgrade.InvalidValueException.class);
    }
    assertThat(ARM.getAllServeEvents()).as("bad ids send nothing").isEmpty();
  }

  /**
   * An instance deleted mid-rollout costs one GET of that instance (answered 404), made once it has been missing from
   * the listing for a poll interval; the fault-free rollouts above make none.
   */
  @Test
  void rollout_instanceDeletedMidRollout_oneGetOfTheInstanceConfirmsIt() {
    EMULATOR.vmPageSize(ArmEmulator.DEFAULT_VM_PAGE_SIZE);
    SimulatedFleet world = SimulatedFleet.create(SEED);
    ScaleSetId web = world.add(ScaleSetSpec.named("web").instances(10).image(UBUNTU.withVersion(V1)));
    world.publish(ImageRelease.marketplace(UBUNTU.withVersion(V2), world.clock().instant().minus(Duration.ofDays(1))));
    world.clock().schedule(Duration.ofMinutes(3), () -> world.deleteInstances(web, List.of("9")));
    AzureFleet azure = EMULATOR.connect(ARM, world);
    Rollout rollout = Rollout.builder(azure, web).target(V2).clock(world.clock()).build();

    EMULATOR.runToEnd(rollout);

    assertThat(rollout.status()).isEqualTo(RolloutStatus.COMPLETED);
    assertThat(rollout.state().instances().get("9").stage()).isEqualTo(dev.osupgrade.rollout.InstanceStage.REMOVED);
    assertThat(world.peek(web).instances()).hasSize(9).extracting(Instance::imageVersion).containsOnly(V2);
    List<ServeEvent> reads = ARM.getAllServeEvents().stream()
        .filter(e -> operation(e.getRequest()).equals("GET instance")).toList();
    assertThat(reads).singleElement().satisfies(e -> {
      assertThat(e.getRequest().getUrl()).contains("/virtualMachines/9?");
      assertThat(e.getResponse().getStatus()).isEqualTo(404);
    });
  }

  @Test
  void rollout_200Instances_growsWithPagesNotWithInstances() {
    Economy hundred = rollout(100, 0, ArmEmulator.DEFAULT_VM_PAGE_SIZE);
    ARM.resetRequests();
    Economy twoHundred = rollout(200, 0, ArmEmulator.DEFAULT_VM_PAGE_SIZE);
    ARM.resetRequests();
    Economy onePage = rollout(200, 0, 1000);
    System.out.println(twoHundred.summary());
    System.out.println(onePage.summary());

    assertExactCounts(twoHundred);
    assertExactCounts(onePage);
    assertThat(twoHundred.batches()).isEqualTo(hundred.batches());
    // the same batches take about as many looks: the longest upgrade in a batch of 40 vs one of 20
    assertThat(twoHundred.looks()).isBetween(hundred.looks() - hundred.batches(),
        hundred.looks() + 2 * hundred.batches());
    // every request but the listing's pages costs the same
    assertThat(twoHundred.total() - twoHundred.count("GET instances") - twoHundred.count("GET instances (next page)"))
        .isEqualTo(hundred.total() - hundred.count("GET instances") - hundred.count("GET instances (next page)"));
    // with the whole set on one page, twice the instances cost about the same number of requests
    assertThat((double) onePage.total()).isBetween(hundred.total() * 0.8, hundred.total() * 1.2);
  }

  /**
   * What the instance listing asks ARM for, from WireMock's journal: a Uniform listing only {@code $expand=instanceView}
   * (no {@code $filter}, no {@code $select}: see the README's "Request economy" for why none of their documented
   * values fits), a Flexible one the one documented {@code $filter} ({@code 'virtualMachineScaleSet/id' eq '…'}) and
   * {@code $expand=instanceView}, which ARM accepts only with that filter.
   */
  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.EnumSource(OrchestrationMode.class)
  void rollout_instanceListingQuery_onlyTheDocumentedOptionsItNeeds(OrchestrationMode mode) {
    Economy e = rollout(20, 0, 5, mode);
    List<java.util.Map<String, List<String>>> queries = new ArrayList<>();
    for (ServeEvent event : ARM.getAllServeEvents()) {
      String url = event.getRequest().getUrl();
      String path = url.contains("?") ? url.substring(0, url.indexOf('?')) : url;
      if (event.getRequest().getMethod().getName().equals("GET") && path.endsWith("/virtualMachines")
          && !url.contains("skiptoken")) {
        java.util.Map<String, List<String>> query = new TreeMap<>();
        event.getRequest().getQueryParams().forEach((name, values) -> query.put(name, values.values()));
        queries.add(query);
      }
    }
    assertThat(queries).as("one query per look").hasSize(e.looks());
    String filter = "'virtualMachineScaleSet/id' eq '" + ScaleSetId.of("rg", "web").armId() + "'";
    assertThat(queries).allSatisfy(q -> {
      assertThat(q).containsKey("api-version").containsEntry("$expand", List.of("instanceView"))
          .doesNotContainKey("$select");
      if (mode == OrchestrationMode.FLEXIBLE) {
        assertThat(q).containsOnlyKeys("api-version", "$expand", "$filter").containsEntry("$filter", List.of(filter));
      } else {
        assertThat(q).containsOnlyKeys("api-version", "$expand");
      }
    });
  }
}
