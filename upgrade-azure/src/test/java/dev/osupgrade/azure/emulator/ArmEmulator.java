package dev.osupgrade.azure.emulator;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.extension.ResponseDefinitionTransformerV2;
import com.github.tomakehurst.wiremock.http.HttpHeader;
import com.github.tomakehurst.wiremock.http.HttpHeaders;
import com.github.tomakehurst.wiremock.http.QueryParameter;
import com.github.tomakehurst.wiremock.http.RequestMethod;
import com.github.tomakehurst.wiremock.http.ResponseDefinition;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.osupgrade.Region;
import dev.osupgrade.azure.ArmServer;
import dev.osupgrade.azure.AzureFleet;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.InstanceIds;
import dev.osupgrade.fleet.ProvisioningState;
import dev.osupgrade.fleet.ScaleSet;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.fleet.ScaleSetSummary;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.image.ImageRelease;
import dev.osupgrade.image.ImageVersion;
import dev.osupgrade.image.ReplicationState;
import dev.osupgrade.ops.RollingUpgradeStatus;
import dev.osupgrade.ops.RolloutStatus;
import dev.osupgrade.ops.UpgradeError;
import dev.osupgrade.ops.UpgradeHistoryEntry;
import dev.osupgrade.port.CloudException;
import dev.osupgrade.port.DiscoveryScope;
import dev.osupgrade.port.ThrottledException;
import dev.osupgrade.testkit.ComputeThrottling;
import dev.osupgrade.testkit.SimulatedFleet;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A stateful Azure Resource Manager for tests: a WireMock response transformer that answers the calls
 * {@link AzureFleet} makes from a {@link SimulatedFleet}'s state. Each ARM request is translated into the simulator's
 * port methods (a GET of the scale set is {@code get}, {@code manualupgrade} is {@code upgradeInstances}, …), so the
 * simulator stays the single source of truth, and its answer is rendered as ARM JSON shaped like Microsoft's examples.
 * The simulator's {@link CloudException}s become ARM errors ({@code {"error": {"code", "message"}}}) with their HTTP
 * status and code; a {@link ThrottledException} carries its {@code Retry-After}.
 *
 * <pre>{@code
 * static final ArmEmulator emulator = ArmEmulator.create();
 * @RegisterExtension static final WireMockExtension arm = emulator.extension();
 *
 * SimulatedFleet world = SimulatedFleet.create(42);
 * ScaleSetId web = world.add(ScaleSetSpec.named("web").instances(10).image(v1));
 * AzureFleet azure = emulator.connect(arm, world);   // the adapter, over HTTPS, on the world's clock
 * }</pre>
 *
 * <h2>What it answers</h2>
 * <table>
 *   <caption>Routes</caption>
 *   <tr><th>ARM call</th><th>simulator</th><th>answer</th></tr>
 *   <tr><td>GET scale set</td><td>{@code get}</td><td>200, model with {@code upgradePolicy}, image reference,
 *       health extension or {@code networkProfile.healthProbe}, {@code zones}, {@code sku.capacity}, {@code etag}</td></tr>
 *   <tr><td>PATCH scale set (image, upgrade policy, {@code sku.capacity})</td><td>{@code updateModelImage},
 *       {@code updateUpgradePolicy}, {@code scaleOut}</td><td>{@code If-Match} checked (412
 *       {@code PreconditionFailed}); 200 with {@code provisioningState: Updating} and {@code Azure-AsyncOperation}
 *       ({@link LroAnswer#ACCEPTED}, the default, as CRP answers) or 200 {@code Succeeded}
 *       ({@link LroAnswer#DONE})</td></tr>
 *   <tr><td>GET {@code virtualMachines?$expand=instanceView}</td><td>{@code listInstances} (first page)</td><td>200,
 *       {@link #vmPageSize} instances per page with {@code nextLink} ({@code $skiptoken} = last instance id)</td></tr>
 *   <tr><td>GET {@code virtualMachines/{instanceId}?$expand=instanceView}</td><td>{@code instance}</td><td>200,
 *       shaped like Microsoft's {@code VirtualMachineScaleSetVM_Get} examples (no top-level {@code instanceId}); 404
 *       {@code NotFound} "The entity was not found in this Azure location." for an instance the scale set does not
 *       have</td></tr>
 *   <tr><td>GET {@code …/resourceGroups/{rg}/providers/Microsoft.Compute/virtualMachines?$filter='virtualMachineScaleSet/id'
 *       eq '…'&$expand=instanceView} (Flexible)</td><td>{@code listInstances}</td><td>200, the scale set's VMs shaped
 *       like Microsoft's {@code VirtualMachine_List} example, paged like the instance list; the scale-set VM API on a
 *       Flexible scale set is answered 501</td></tr>
 *   <tr><td>GET {@code …/virtualMachines/{name}?$expand=instanceView} (Flexible)</td><td>{@code instance}</td><td>200;
 *       404 {@code ResourceNotFound} for a VM no Flexible scale set of the group has</td></tr>
 *   <tr><td>GET {@code …/resourceGroups/{rg}/providers/Microsoft.Authorization/locks}</td><td>(the VMs' locks)</td>
 *       <td>200, one lock per locked VM with its full id, shaped like Microsoft's
 *       {@code ManagementLocks_ListAtResourceGroupLevel} example</td></tr>
 *   <tr><td>POST {@code manualupgrade}</td><td>{@code upgradeInstances}</td><td>202 with {@code Azure-AsyncOperation}
 *       and {@code Location} ({@link LroAnswer#ACCEPTED}, default) or 200 ({@link LroAnswer#DONE})</td></tr>
 *   <tr><td>POST {@code osRollingUpgrade}</td><td>{@code startOsUpgrade}</td><td>202 with
 *       {@code Azure-AsyncOperation}</td></tr>
 *   <tr><td>POST {@code rollingUpgrades/cancel}</td><td>{@code cancelRollingUpgrade}</td><td>202; 409
 *       {@code OperationNotAllowed} "There is no ongoing Rolling Upgrade to cancel." when nothing runs</td></tr>
 *   <tr><td>GET {@code rollingUpgrades/latest}</td><td>{@code latestRollingUpgrade}</td><td>200; 404
 *       {@code NotFound} when there never was one</td></tr>
 *   <tr><td>GET {@code osUpgradeHistory}</td><td>{@code osUpgradeHistory}</td><td>200, paged
 *       ({@link #listPageSize})</td></tr>
 *   <tr><td>POST {@code approveRollingUpgrade}</td><td>{@code approveRollingUpgrade}</td><td>202 with
 *       {@code Location}</td></tr>
 *   <tr><td>POST {@code delete}</td><td>{@code deleteInstances}</td><td>202 with {@code Azure-AsyncOperation}</td></tr>
 *   <tr><td>GET gallery image versions (list; one with {@code $expand=ReplicationStatus})</td>
 *       <td>{@code listReleases}</td><td>200; the list paged ({@link #listPageSize}) and without replication status,
 *       as ARM's list is</td></tr>
 *   <tr><td>GET marketplace versions of a region</td><td>{@code listReleases}</td><td>200, the versions published by
 *       now (a release published in the future is not offered yet)</td></tr>
 *   <tr><td>GET one marketplace version of a region</td><td>{@code listReleases}</td><td>200 with the image's
 *       properties when offered there by now; else 404 {@code NotFound} "Artifact: VMImage was not found."</td></tr>
 *   <tr><td>GET {@code virtualMachineScaleSets} of a subscription or a resource group</td><td>{@code listScaleSets}
 *       </td><td>200, paged ({@link #listPageSize}); each item shaped like the GET of the scale set (no example of
 *       Microsoft's for the list ships with the fixtures: ARM's list items are the same {@code VirtualMachineScaleSet}
 *       resource)</td></tr>
 *   <tr><td>GET resource SKUs ({@code $filter=location eq '…'})</td><td>(none)</td><td>200, a few VM sizes of the
 *       region, among them the scale sets' {@code Standard_D2s_v3} (2 vCPUs, {@code standardDSv3Family})</td></tr>
 *   <tr><td>GET compute usages of a region</td><td>{@code headroom}</td><td>200, {@code cores} and the VM family's
 *       cores, with a limit that leaves exactly the simulator's headroom (the smallest of the region's scale sets:
 *       the simulator's quota is per scale set, Azure's per region)</td></tr>
 *   <tr><td>GET an {@code Azure-AsyncOperation} / {@code Location}</td><td>(the instances it waits for)</td>
 *       <td>{@code InProgress} / 202 until done; each poll that finds it still running moves the simulator's clock by
 *       {@link #pollAdvance} (a client that polls is a client that waits)</td></tr>
 * </table>
 * Anything else is answered 501 {@code NotEmulated}, so that a call the emulator does not know fails loudly (and is
 * not retried).
 *
 * <h2>Choices the emulator makes where Azure's behaviour is not documented</h2>
 * <ul>
 *   <li>Page size of the instance list: {@value #DEFAULT_VM_PAGE_SIZE} by default. Azure does not document it; set
 *       another with {@link #vmPageSize}.</li>
 *   <li>A gallery release that names no region (the simulator's "everywhere") is rendered with one target region, the
 *       {@link #galleryRegion gallery's region}.</li>
 *   <li>A gallery image without versions lists empty (Azure would answer 404 for a definition that does not
 *       exist; the simulator cannot tell the two apart).</li>
 *   <li>Instance health ({@code vmHealth}) is rendered only for scale sets with the Application Health extension,
 *       as Azure reports it; a load-balancer probe's verdict is not visible through the Compute API.</li>
 *   <li>A failure the simulator reports without an HTTP status (status 0, e.g. {@code AllocationFailed}) becomes,
 *       on a scale-out PATCH, a long-running operation that ends {@code Failed} with that error, and elsewhere a
 *       409 with its code. A model-image PATCH's operation ends {@code Failed} when a test says so
 *       ({@link #failModelPatches}).</li>
 *   <li>Throttling ({@link #throttling}, off by default): the buckets of {@link ComputeThrottling}; each request is
 *       logged with its bucket ({@link #requests}) whether or not they are enforced, so a test can replay a
 *       rollout's requests through the model ({@link #throttledIn}).</li>
 *   <li>A {@code manualupgrade} operation ends when none of its instances is still being created or updated (the
 *       emulator's own error code {@code VMProvisioningFailed} if one failed); a PATCH's operation ends at once, as the
 *       simulator applies the change at once, except a scale-out, which ends when the new instances are created.</li>
 * </ul>
 *
 * <p>Thread-safety: requests are answered one at a time, holding the world's monitor; test code that moves the
 * world's clock while the adapter may be calling should do it through {@link #locked(Runnable)}.
 */
public final class ArmEmulator implements ResponseDefinitionTransformerV2 {
  /** The transformer's name. */
  public static final String NAME = "arm-emulator";
  /** Instances per page of the instance list, unless set otherwise. */
  public static final int DEFAULT_VM_PAGE_SIZE = 100;
  /** Items per page of the other listings (history, gallery versions), unless set otherwise. */
  public static final int DEFAULT_LIST_PAGE_SIZE = 50;
  /** How far one poll of a running operation moves the clock, unless set otherwise. */
  public static final Duration DEFAULT_POLL_ADVANCE = Duration.ofSeconds(15);

  private static final String COMPUTE_API = "2025-04-01";
  private static final Pattern SCALE_SET = Pattern.compile("(?i)^/subscriptions/([^/]+)/resourceGroups/([^/]+)"
      + "/providers/Microsoft\\.Compute/virtualMachineScaleSets/([^/]+)(/.*)?$");
  private static final Pattern ONE_VM = Pattern.compile("(?i)/virtualMachines/([^/]+)$");
  private static final Pattern GALLERY = Pattern.compile("(?i)^/subscriptions/([^/]+)/resourceGroups/([^/]+)"
      + "/providers/Microsoft\\.Compute/galleries/([^/]+)/images/([^/]+)/versions(?:/([^/]+))?$");
  private static final Pattern MARKETPLACE = Pattern.compile("(?i)^/subscriptions/([^/]+)/providers/"
      + "Microsoft\\.Compute/locations/([^/]+)/publishers/([^/]+)/artifacttypes/vmimage/offers/([^/]+)/skus/([^/]+)"
      + "/versions$");
  private static final Pattern MARKETPLACE_VERSION = Pattern.compile("(?i)^/subscriptions/([^/]+)/providers/"
      + "Microsoft\\.Compute/locations/([^/]+)/publishers/([^/]+)/artifacttypes/vmimage/offers/([^/]+)/skus/([^/]+)"
      + "/versions/([^/]+)$");
  private static final Pattern OPERATION = Pattern.compile("(?i)^/subscriptions/([^/]+)/providers/"
      + "Microsoft\\.Compute/locations/([^/]+)/operations/([^/]+)$");
  private static final Pattern SKUS = Pattern.compile("(?i)^/subscriptions/([^/]+)/providers/"
      + "Microsoft\\.Compute/skus$");
  private static final Pattern USAGES = Pattern.compile("(?i)^/subscriptions/([^/]+)/providers/"
      + "Microsoft\\.Compute/locations/([^/]+)/usages$");
  private static final Pattern VMS = Pattern.compile("(?i)^/subscriptions/([^/]+)/resourceGroups/([^/]+)"
      + "/providers/Microsoft\\.Compute/virtualMachines(?:/([^/]+))?$");
  private static final Pattern LOCKS = Pattern.compile("(?i)^/subscriptions/([^/]+)/resourceGroups/([^/]+)"
      + "/providers/Microsoft\\.Authorization/locks$");
  private static final Pattern SCALE_SET_FILTER = Pattern.compile("(?i)^\\s*'virtualMachineScaleSet/id'\\s+eq\\s+'"
      + "(/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\\.Compute/virtualMachineScaleSets/[^/']+)'"
      + "\\s*$");
  private static final Pattern SCALE_SETS = Pattern.compile("(?i)^/subscriptions/([^/]+)(?:/resourceGroups/([^/]+))?"
      + "/providers/Microsoft\\.Compute/virtualMachineScaleSets/?$");

  /** How a long-running call is answered. */
  public enum LroAnswer {
    /** Finished in the first answer (200, {@code provisioningState: Succeeded}): the SDK does not poll. */
    DONE,
    /** Accepted, with an {@code Azure-AsyncOperation} to poll (CRP's usual answer). */
    ACCEPTED
  }

  private volatile @Nullable SimulatedFleet world;
  private volatile int vmPageSize = DEFAULT_VM_PAGE_SIZE;
  private volatile int listPageSize = DEFAULT_LIST_PAGE_SIZE;
  private volatile LroAnswer patchAnswer = LroAnswer.ACCEPTED;
  private volatile LroAnswer manualUpgradeAnswer = LroAnswer.ACCEPTED;
  private final AtomicInteger failingModelPatches = new AtomicInteger();
  private volatile @Nullable UpgradeError modelPatchFailure;
  private volatile Duration pollAdvance = DEFAULT_POLL_ADVANCE;
  private volatile Region galleryRegion = Region.of("westeurope");
  private final Map<String, Operation> operations = new ConcurrentHashMap<>();
  private final AtomicInteger operationCount = new AtomicInteger();
  private final List<ArmRequest> requests = Collections.synchronizedList(new ArrayList<>());
  private volatile boolean enforceThrottling;
  private final Set<String> neverReimaged = ConcurrentHashMap.newKeySet();
  private volatile boolean neverReimagedAsked;
  /** The request answered last was a GET of a scale set: a listing now is the adapter's full read. */
  private volatile boolean afterScaleSetGet;
  private volatile ComputeThrottling buckets = ComputeThrottling.create();

  /**
   * One request as the emulator answered it, on the world's clock, with the throttling bucket it falls in.
   *
   * @param at when it arrived (the world's clock)
   * @param method the HTTP method
   * @param path the URL's path
   * @param subscription the subscription in the path
   * @param resource the resource whose bucket counts it (the scale set, one instance, an operation; else the path)
   * @param policy its CRP throttling policy, or null when only ARM's buckets count it
   * @param write whether ARM counts it as a write
   * @param status the HTTP status of the answer
   */
  public record ArmRequest(Instant at, String method, String path, String subscription, String resource,
      ComputeThrottling.@Nullable Policy policy, boolean write, int status) {}

  private ArmEmulator() {}

  /** @return an emulator with the defaults; {@link #connect} gives it a world */
  public static ArmEmulator create() {
    return new ArmEmulator();
  }

  /**
   * Sets the page size of the instance list.
   *
   * @param size instances per page, at least 1
   * @return this emulator
   */
  public ArmEmulator vmPageSize(int size) {
    if (size < 1) {
      throw new IllegalArgumentException("vmPageSize must be at least 1, but was " + size);
    }
    this.vmPageSize = size;
    return this;
  }

  /**
   * Sets the page size of the history and gallery version listings.
   *
   * @param size items per page, at least 1
   * @return this emulator
   */
  public ArmEmulator listPageSize(int size) {
    if (size < 1) {
      throw new IllegalArgumentException("listPageSize must be at least 1, but was " + size);
    }
    this.listPageSize = size;
    return this;
  }

  /**
   * Sets how a scale set PATCH is answered.
   *
   * @param answer done at once, or accepted with an operation to poll
   * @return this emulator
   */
  public ArmEmulator patchAnswer(LroAnswer answer) {
    this.patchAnswer = answer;
    return this;
  }

  /**
   * Makes the next model-image PATCHes fail after they are accepted: each is answered 200 {@code Updating} with an
   * {@code Azure-AsyncOperation}, and that operation ends {@code Failed} with this error (as CRP reports a change it
   * accepted and could not apply); the model stays where it was.
   *
   * @param times how many PATCHes, at least 1
   * @param code ARM's error code, e.g. {@code ImageNotFound}
   * @param message ARM's error message
   * @return this emulator
   */
  public ArmEmulator failModelPatches(int times, String code, String message) {
    if (times < 1) {
      throw new IllegalArgumentException("times must be at least 1, but was " + times);
    }
    this.modelPatchFailure = new UpgradeError(code, message);
    this.failingModelPatches.set(times);
    return this;
  }

  /**
   * Sets how {@code manualupgrade} is answered.
   *
   * @param answer done at once, or accepted with an operation to poll
   * @return this emulator
   */
  public ArmEmulator manualUpgradeAnswer(LroAnswer answer) {
    this.manualUpgradeAnswer = answer;
    return this;
  }

  /**
   * The adversary of the final read (Uniform scale sets): {@code manualupgrade} requests naming these instances are
   * accepted as ever (202 and an operation that succeeds) but never applied to them, and once one was asked for, every
   * instance listing leaves them out and their own GET is answered 404 {@code NotFound} — except the listing that
   * directly follows a GET of the scale set (the adapter's full read, {@code get}), which still shows them, off the
   * target (on its first page: keep such a scale set within one {@link #vmPageSize page}). {@link #serve} forgets
   * them.
   *
   * @param instanceIds the instances ARM loses
   * @return this emulator
   */
  public ArmEmulator neverReimage(String... instanceIds) {
    neverReimaged.addAll(List.of(instanceIds));
    return this;
  }

  /**
   * Sets how far the clock moves when a poll finds an operation still running.
   *
   * @param advance a positive duration
   * @return this emulator
   */
  public ArmEmulator pollAdvance(Duration advance) {
    if (advance.isNegative() || advance.isZero()) {
      throw new IllegalArgumentException("pollAdvance must be positive, but was " + advance);
    }
    this.pollAdvance = advance;
    return this;
  }

  /**
   * Sets the region of the galleries (the location of their image versions).
   *
   * @param region the region
   * @return this emulator
   */
  public ArmEmulator galleryRegion(String region) {
    this.galleryRegion = Region.of(region);
    return this;
  }

  /**
   * Turns on (or off) Azure's throttling: each request takes its tokens from a {@link ComputeThrottling} model
   * (a fresh one, every bucket full) and one that finds a bucket empty is answered 429 {@code OperationNotAllowed}
   * with {@code Retry-After}, as CRP answers; every served request carries the
   * {@code x-ms-ratelimit-remaining-resource} and {@code x-ms-ratelimit-remaining-subscription-reads}/{@code -writes}
   * headers. Off by default (the headers too).
   *
   * @param on whether to enforce the buckets
   * @return this emulator
   */
  public ArmEmulator throttling(boolean on) {
    this.buckets = ComputeThrottling.create();
    this.enforceThrottling = on;
    return this;
  }

  /**
   * The buckets {@link #throttling} enforces, for a test that spends tokens as another client of the same
   * subscription would (the emulator then answers with what is left, and 429 when nothing is).
   *
   * @return the model the emulator takes tokens from
   */
  public ComputeThrottling buckets() {
    return buckets;
  }

  /** @return the requests answered since the last {@link #serve} (or {@link #clearRequests}), in order */
  public List<ArmRequest> requests() {
    synchronized (requests) {
      return List.copyOf(requests);
    }
  }

  /**
   * Replays requests through a fresh {@link ComputeThrottling} model (every bucket full at the first) and returns
   * those Azure's buckets would have answered 429.
   *
   * @param log requests, in the order they arrived
   * @return the ones that would have been throttled
   */
  public static List<ArmRequest> throttledIn(List<ArmRequest> log) {
    ComputeThrottling model = ComputeThrottling.create();
    List<ArmRequest> throttled = new ArrayList<>();
    for (ArmRequest r : log) {
      if (model.take(r.at(), r.subscription(), r.resource(), r.policy(), r.write()).throttled()) {
        throttled.add(r);
      }
    }
    return throttled;
  }

  /** Forgets the requests answered so far. */
  public void clearRequests() {
    requests.clear();
  }

  /** @return the page size of the instance list */
  public int vmPageSize() {
    return vmPageSize;
  }

  /** @return the page size of the other listings */
  public int listPageSize() {
    return listPageSize;
  }

  /** @return how far the clock moves per poll of a running operation */
  public Duration pollAdvance() {
    return pollAdvance;
  }

  /** @return the galleries' region */
  public Region galleryRegion() {
    return galleryRegion;
  }

  /** @return a JUnit 5 WireMock extension (HTTPS, dynamic port) with this emulator registered */
  public WireMockExtension extension() {
    return ArmServer.extension(this);
  }

  /**
   * Points the emulator at a world and the server at the emulator (a catch-all stub; WireMock's extension removes
   * stubs before each test, so call this in each test).
   *
   * @param server the server running this emulator
   * @param fleet the world to answer from
   */
  public void serve(WireMockExtension server, SimulatedFleet fleet) {
    this.world = fleet;
    operations.clear();
    requests.clear();
    neverReimaged.clear();
    neverReimagedAsked = false;
    afterScaleSetGet = false;
    buckets = ComputeThrottling.create();
    server.stubFor(any(anyUrl()).atPriority(100).willReturn(aResponse().withTransformers(NAME)));
  }

  /**
   * Serves a world and returns the adapter over it: the SDK pointed at the server, the adapter's clock the world's
   * clock, and its retry waits spent on the world's clock instead of the calling thread.
   *
   * @param server the server running this emulator
   * @param fleet the world
   * @return the adapter
   */
  public AzureFleet connect(WireMockExtension server, SimulatedFleet fleet) {
    serve(server, fleet);
    return AzureFleet.builder()
        .computeManager(ArmServer.computeManager(server))
        .clock(fleet.clock())
        .sleeper(d -> locked(() -> fleet.clock().advance(d)))
        .build();
  }

  /**
   * Advances a rollout over this emulator until it is done, moving the world's clock to each time the rollout asks
   * for while no request is being answered.
   *
   * @param rollout the rollout, connected to this emulator's world
   */
  public void runToEnd(dev.osupgrade.rollout.Rollout rollout) {
    SimulatedFleet w = requireWorld();
    for (java.util.Optional<java.time.Instant> next = rollout.advance(); next.isPresent(); next = rollout.advance()) {
      java.time.Instant at = next.get();
      locked(() -> w.clock().advanceTo(at));
    }
  }

  /**
   * Runs something while no request is being answered (for example moving the world's clock).
   *
   * @param action the action
   */
  public void locked(Runnable action) {
    synchronized (requireWorld()) {
      action.run();
    }
  }

  private SimulatedFleet requireWorld() {
    SimulatedFleet w = world;
    if (w == null) {
      throw new IllegalStateException("the emulator serves no world: call connect(server, world) first");
    }
    return w;
  }

  @Override
  public String getName() {
    return NAME;
  }

  @Override
  public boolean applyGlobally() {
    return false;
  }

  @Override
  public ResponseDefinition transform(ServeEvent event) {
    LoggedRequest request = event.getRequest();
    SimulatedFleet w = world;
    if (w == null) {
      return answer(501, ArmJson.error("NotEmulated", "the ARM emulator serves no world"));
    }
    synchronized (w) {
      Call call = new Call(request);
      Bucketed b = bucketOf(call);
      Instant at = w.clock().instant();
      ResponseDefinition answer;
      if (enforceThrottling) {
        ComputeThrottling.Verdict verdict = buckets.take(at, b.subscription(), b.resource(), b.policy(), b.write());
        if (verdict instanceof ComputeThrottling.Throttled t) {
          answer = throttled(t);
        } else {
          answer = withRateLimitHeaders(routeSafely(call, w), (ComputeThrottling.Served) verdict);
        }
      } else {
        answer = routeSafely(call, w);
      }
      requests.add(new ArmRequest(at, call.method.getName(), call.path, b.subscription(), b.resource(), b.policy(),
          b.write(), answer.getStatus()));
      return answer;
    }
  }

  private ResponseDefinition routeSafely(Call call, SimulatedFleet w) {
    boolean fullRead = afterScaleSetGet;
    afterScaleSetGet = false;
    try {
      return route(call, w, fullRead);
    } catch (CloudException e) {
      return error(e);
    } catch (IllegalArgumentException e) {
      return answer(400, ArmJson.error("InvalidParameter", String.valueOf(e.getMessage())));
    } catch (RuntimeException e) {
      return answer(501, ArmJson.error("EmulatorFailure", "the ARM emulator failed on " + call.method + " "
          + call.request.getUrl() + ": " + e));
    }
  }

  // ------------------------------------------------------------------------------------------------ throttling

  /** Which buckets a request falls in. */
  private record Bucketed(String subscription, String resource, ComputeThrottling.@Nullable Policy policy,
      boolean write) {}

  /**
   * The request's CRP policy and resource ({@link ComputeThrottling}'s table): reads of the scale set and its
   * rolling-upgrade status are Low Cost Gets, the instance listing (each page) and instance view High Cost Gets, a
   * GET of one instance the instance's own Get, changes Updates or Deletes, operation polls Get Operation; a
   * Flexible scale set's VM listing (each page) the subscription's High Cost Get VM, a GET of one of its VMs a Low Cost
   * Get VM; images, SKUs, usages and locks count only in ARM's buckets.
   */
  private static Bucketed bucketOf(Call call) {
    String subscription = subscriptionOf(call.path);
    boolean write = !call.is(RequestMethod.GET);
    Matcher m = SCALE_SET.matcher(call.path);
    if (m.matches()) {
      String scaleSet = ("/subscriptions/" + m.group(1) + "/resourceGroups/" + m.group(2)
          + "/providers/Microsoft.Compute/virtualMachineScaleSets/" + m.group(3)).toLowerCase(Locale.ROOT);
      String suffix = m.group(4) == null ? "" : m.group(4).toLowerCase(Locale.ROOT);
      ComputeThrottling.Policy policy;
      String resource = scaleSet;
      if (suffix.isEmpty() || suffix.equals("/")) {
        policy = switch (call.method.getName()) {
          case "GET" -> ComputeThrottling.Policy.SCALE_SET_LOW_COST_GET;
          case "PUT" -> ComputeThrottling.Policy.SCALE_SET_PUT;
          case "DELETE" -> ComputeThrottling.Policy.SCALE_SET_DELETE;
          default -> ComputeThrottling.Policy.SCALE_SET_UPDATE;
        };
      } else if (suffix.equals("/virtualmachines") || suffix.equals("/instanceview")) {
        policy = ComputeThrottling.Policy.SCALE_SET_HIGH_COST_GET;
      } else if (suffix.startsWith("/virtualmachines/") && write) {
        policy = ComputeThrottling.Policy.SCALE_SET_UPDATE;
        resource = scaleSet + suffix;
      } else if (suffix.startsWith("/virtualmachines/")) {
        policy = ComputeThrottling.Policy.SCALE_SET_VM_GET;
        resource = scaleSet + suffix;
      } else if (suffix.equals("/rollingupgrades/latest") || suffix.equals("/osupgradehistory")) {
        policy = ComputeThrottling.Policy.SCALE_SET_LOW_COST_GET;
      } else if (suffix.equals("/delete")) {
        policy = ComputeThrottling.Policy.SCALE_SET_DELETE;
      } else {
        policy = write ? ComputeThrottling.Policy.SCALE_SET_UPDATE : ComputeThrottling.Policy.SCALE_SET_LOW_COST_GET;
      }
      return new Bucketed(subscription, resource, policy, policy.isWrite());
    }
    if (OPERATION.matcher(call.path).matches()) {
      return new Bucketed(subscription, call.path.toLowerCase(Locale.ROOT), ComputeThrottling.Policy.OPERATION_GET,
          false);
    }
    Matcher vm = VMS.matcher(call.path);
    if (vm.matches() && !write) {
      return new Bucketed(subscription, call.path.toLowerCase(Locale.ROOT), vm.group(3) == null
          ? ComputeThrottling.Policy.VM_HIGH_COST_GET : ComputeThrottling.Policy.VM_LOW_COST_GET, false);
    }
    return new Bucketed(subscription, call.path.toLowerCase(Locale.ROOT), null, write);
  }

  private static String subscriptionOf(String path) {
    String[] parts = path.split("/");
    return parts.length > 2 && parts[1].equalsIgnoreCase("subscriptions") ? parts[2] : "none";
  }

  /** CRP's 429 (the troubleshooting page's shape, in ARM's {@code error} wrapper). */
  private static ResponseDefinition throttled(ComputeThrottling.Throttled t) {
    long seconds = Math.max(1, (t.retryAfter().toMillis() + 999) / 1000);
    String target = t.policy() == null ? t.bucket() : t.policy().headerName();
    String body = "{\"error\":{\"code\":\"OperationNotAllowed\",\"message\":\"The server rejected the request "
        + "because too many requests have been received for this " + (t.bucket().equals("resource") ? "resource"
        : "subscription") + ".\",\"details\":[{\"code\":\"TooManyRequests\",\"target\":\"" + target
        + "\",\"message\":\"bucket " + t.bucket() + " is empty\"}]}}";
    List<HttpHeader> headers = new ArrayList<>();
    headers.add(new HttpHeader("Retry-After", String.valueOf(seconds)));
    String remaining = t.remainingResourceHeader();
    if (remaining != null) {
      headers.add(new HttpHeader("x-ms-ratelimit-remaining-resource", remaining));
    }
    return answer(429, body, headers.toArray(new HttpHeader[0]));
  }

  private static ResponseDefinition withRateLimitHeaders(ResponseDefinition answer, ComputeThrottling.Served s) {
    com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder b =
        com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder.like(answer);
    String remaining = s.remainingResourceHeader();
    if (remaining != null) {
      b.withHeader("x-ms-ratelimit-remaining-resource", remaining);
    }
    b.withHeader(s.write() ? "x-ms-ratelimit-remaining-subscription-writes"
        : "x-ms-ratelimit-remaining-subscription-reads", String.valueOf(s.armRemaining()));
    return b.build();
  }

  // --------------------------------------------------------------------------------------------------- routing

  /** One request, decoded. */
  private static final class Call {
    final RequestMethod method;
    final String path;
    final String base;
    final LoggedRequest request;

    Call(LoggedRequest request) {
      this.request = request;
      this.method = request.getMethod();
      URI uri = URI.create(request.getAbsoluteUrl());
      this.path = uri.getPath();
      this.base = uri.getScheme() + "://" + uri.getAuthority();
    }

    @Nullable String query(String name) {
      QueryParameter q = request.queryParameter(name);
      return q == null || !q.isPresent() ? null : q.firstValue();
    }

    String apiVersion() {
      String v = query("api-version");
      return v == null ? COMPUTE_API : v;
    }

    @Nullable String header(String name) {
      return request.containsHeader(name) ? request.getHeader(name) : null;
    }

    JsonNode body() {
      return ArmJson.read(request.getBodyAsString());
    }

    boolean is(RequestMethod m) {
      return method.equals(m);
    }
  }

  private ResponseDefinition route(Call call, SimulatedFleet w, boolean fullRead) {
    Matcher m = SCALE_SET.matcher(call.path);
    if (m.matches()) {
      ScaleSetId id = ScaleSetId.of(m.group(1), m.group(2), m.group(3));
      String suffix = m.group(4) == null ? "" : m.group(4).toLowerCase(Locale.ROOT);
      return scaleSet(call, w, id, suffix, fullRead);
    }
    m = OPERATION.matcher(call.path);
    if (m.matches() && call.is(RequestMethod.GET)) {
      return operation(call, w, m.group(3));
    }
    m = GALLERY.matcher(call.path);
    if (m.matches() && call.is(RequestMethod.GET)) {
      String definition = "/subscriptions/" + m.group(1) + "/resourceGroups/" + m.group(2)
          + "/providers/Microsoft.Compute/galleries/" + m.group(3) + "/images/" + m.group(4);
      return m.group(5) == null ? galleryVersions(call, w, definition) : galleryVersion(call, w, definition,
          m.group(5));
    }
    m = MARKETPLACE.matcher(call.path);
    if (m.matches() && call.is(RequestMethod.GET)) {
      return marketplaceVersions(w, m.group(1), Region.of(m.group(2)),
          ImageReference.marketplace(m.group(3), m.group(4), m.group(5), "latest"));
    }
    m = MARKETPLACE_VERSION.matcher(call.path);
    if (m.matches() && call.is(RequestMethod.GET)) {
      return marketplaceVersion(w, m.group(1), Region.of(m.group(2)),
          ImageReference.marketplace(m.group(3), m.group(4), m.group(5), m.group(6)));
    }
    m = SKUS.matcher(call.path);
    if (m.matches() && call.is(RequestMethod.GET)) {
      return ok(ArmJson.resourceSkus(call.query("$filter")));
    }
    m = USAGES.matcher(call.path);
    if (m.matches() && call.is(RequestMethod.GET)) {
      return usages(w, Region.of(m.group(2)));
    }
    m = VMS.matcher(call.path);
    if (m.matches() && call.is(RequestMethod.GET)) {
      return m.group(3) == null ? listFlexibleVms(call, w, m.group(1), m.group(2))
          : flexibleVm(call, w, m.group(1), m.group(2), m.group(3));
    }
    m = LOCKS.matcher(call.path);
    if (m.matches() && call.is(RequestMethod.GET)) {
      return locks(call, w, m.group(1), m.group(2));
    }
    m = SCALE_SETS.matcher(call.path);
    if (m.matches() && call.is(RequestMethod.GET)) {
      DiscoveryScope scope = m.group(2) == null ? DiscoveryScope.subscription(m.group(1))
          : DiscoveryScope.resourceGroup(m.group(1), m.group(2));
      List<ScaleSetSummary> found = w.listScaleSets(scope);
      return page(call, found, call.query("$skiptoken"), listPageSize,
          summary -> ArmJson.scaleSet(w.peek(summary.id()), "Succeeded"), "");
    }
    return notEmulated(call);
  }

  // --------------------------------------------------------------------------------------- Flexible's VMs

  /**
   * {@code VirtualMachines_List} of a resource group: with {@code $filter='virtualMachineScaleSet/id' eq '…'} the VMs
   * of that Flexible scale set (its {@code listInstances}), shaped like Microsoft's {@code VirtualMachine_Get} /
   * {@code VirtualMachine_List} examples, paged ({@link #vmPageSize}). {@code $expand=instanceView} without a valid
   * {@code $filter} is 400, as the specification says it may only come with one; without a filter the VMs of every
   * Flexible scale set of the group are listed (no instance view), read without counting a port call.
   */
  private ResponseDefinition listFlexibleVms(Call call, SimulatedFleet w, String subscription, String group) {
    String filter = call.query("$filter");
    String expand = call.query("$expand");
    boolean withView = expand != null && expand.toLowerCase(Locale.ROOT).contains("instanceview");
    String token = call.query("$skiptoken");
    List<Object[]> vms = new ArrayList<>();
    if (filter == null) {
      if (withView) {
        return answer(400, ArmJson.error("InvalidParameter", "The $expand=instanceView option can only be "
            + "specified along with a valid $filter option."));
      }
      for (ScaleSetId id : flexibleScaleSets(w, subscription, group)) {
        ScaleSet s = w.peek(id);
        s.instances().forEach(i -> vms.add(new Object[] {s, i}));
      }
    } else {
      Matcher f = SCALE_SET_FILTER.matcher(filter);
      if (!f.matches()) {
        return answer(400, ArmJson.error("InvalidParameter", "The value of parameter $filter is invalid: '" + filter
            + "'. Allowed value is 'virtualMachineScaleSet/id' eq '<scale set id>'."));
      }
      ScaleSetId id = ScaleSetId.parse(f.group(1));
      if (!id.subscriptionId().equalsIgnoreCase(subscription) || !id.resourceGroup().equalsIgnoreCase(group)) {
        return page(call, List.of(), token, vmPageSize, x -> ArmJson.MAPPER.createObjectNode(), "");
      }
      ScaleSet model = w.peek(id);
      if (!model.isFlexible()) {
        return page(call, List.of(), token, vmPageSize, x -> ArmJson.MAPPER.createObjectNode(), "");
      }
      List<Instance> instances = token == null ? w.listInstances(id) : model.instances();
      instances.stream().sorted((a, b) -> InstanceIds.ORDER.compare(a.instanceId(), b.instanceId()))
          .forEach(i -> vms.add(new Object[] {model, i}));
    }
    String keep = (filter == null ? "" : "$filter=" + filter) + (expand == null ? ""
        : (filter == null ? "" : "&") + "$expand=" + expand);
    return page(call, vms, token, vmPageSize, pair -> {
      ObjectNode vm = ArmJson.flexibleVm((ScaleSet) pair[0], (Instance) pair[1]);
      if (!withView) {
        ((ObjectNode) vm.get("properties")).remove("instanceView");
      }
      return vm;
    }, keep);
  }

  /**
   * {@code VirtualMachines_Get} of a VM of a Flexible scale set ({@code instance} of the simulator); 404
   * {@code ResourceNotFound} for a VM no Flexible scale set of the group has.
   */
  private ResponseDefinition flexibleVm(Call call, SimulatedFleet w, String subscription, String group, String name) {
    for (ScaleSetId id : flexibleScaleSets(w, subscription, group)) {
      if (w.peek(id).instance(name).isPresent()) {
        Optional<Instance> found = w.instance(id, name);
        if (found.isPresent()) {
          ObjectNode vm = ArmJson.flexibleVm(w.peek(id), found.get());
          String expand = call.query("$expand");
          if (expand == null || !expand.toLowerCase(Locale.ROOT).contains("instanceview")) {
            ((ObjectNode) vm.get("properties")).remove("instanceView");
          }
          return ok(vm);
        }
      }
    }
    return answer(404, ArmJson.error("ResourceNotFound", "The Resource 'Microsoft.Compute/virtualMachines/" + name
        + "' under resource group '" + group + "' was not found. For more details please go to "
        + "https://aka.ms/ARMResourceNotFoundFix"));
  }

  /**
   * {@code ManagementLocks_ListAtResourceGroupLevel}: one lock per locked VM of the group's Flexible scale sets, shaped
   * like Microsoft's example with the lock's full id (the VM's resource id, then
   * {@code /providers/Microsoft.Authorization/locks/{name}}), as ARM returns it. Read without counting a port call.
   */
  private ResponseDefinition locks(Call call, SimulatedFleet w, String subscription, String group) {
    List<Object[]> locked = new ArrayList<>();
    for (ScaleSetId id : flexibleScaleSets(w, subscription, group)) {
      ScaleSet s = w.peek(id);
      for (Instance i : s.instances()) {
        if (i.lock() != dev.osupgrade.fleet.ResourceLock.NONE) {
          locked.add(new Object[] {s, i});
        }
      }
    }
    return page(call, locked, call.query("$skiptoken"), listPageSize,
        pair -> ArmJson.lock(((ScaleSet) pair[0]).identity(((Instance) pair[1]).instanceId()).resourceId(),
            ((Instance) pair[1]).lock()), "");
  }

  private static List<ScaleSetId> flexibleScaleSets(SimulatedFleet w, String subscription, String group) {
    return w.scaleSetIds().stream().filter(id -> id.subscriptionId().equalsIgnoreCase(subscription)
        && id.resourceGroup().equalsIgnoreCase(group) && w.peek(id).isFlexible()).toList();
  }

  private ResponseDefinition scaleSet(Call call, SimulatedFleet w, ScaleSetId id, String suffix, boolean fullRead) {
    switch (suffix) {
      case "", "/" -> {
        if (call.is(RequestMethod.GET)) {
          afterScaleSetGet = true;
          return ok(ArmJson.scaleSet(w.get(id), "Succeeded"));
        }
        if (call.is(RequestMethod.PATCH)) {
          return patch(call, w, id);
        }
      }
      case "/virtualmachines" -> {
        if (call.is(RequestMethod.GET)) {
          return w.peek(id).isFlexible() ? flexibleNotEmulated(call) : listInstances(call, w, id, fullRead);
        }
      }
      case "/manualupgrade" -> {
        if (call.is(RequestMethod.POST)) {
          return manualUpgrade(call, w, id);
        }
      }
      case "/osrollingupgrade" -> {
        if (call.is(RequestMethod.POST)) {
          w.startOsUpgrade(id);
          return accepted(call, w, id, new Operation("osRollingUpgrade", w.clock().instant(), () -> {
            Optional<RollingUpgradeStatus> latest = w.latestRollingUpgrade(id);
            if (latest.isEmpty() || latest.get().isRunning()) {
              return OpState.running();
            }
            return latest.get().status() == RolloutStatus.COMPLETED ? OpState.succeeded()
                : latest.get().status() == RolloutStatus.CANCELLED ? OpState.canceled()
                    : OpState.failed(latest.get().errorIfAny().orElse(new UpgradeError("RollingUpgradeFailed",
                        "The rolling upgrade ended " + latest.get().status().azureName())));
          }), false);
        }
      }
      case "/rollingupgrades/cancel" -> {
        if (call.is(RequestMethod.POST)) {
          Optional<RollingUpgradeStatus> latest = w.latestRollingUpgrade(id);
          if (latest.isEmpty() || !latest.get().isRunning()) {
            return answer(409, ArmJson.error("OperationNotAllowed", "There is no ongoing Rolling Upgrade to cancel."));
          }
          w.cancelRollingUpgrade(id);
          return accepted(call, w, id, Operation.done("cancel", w.clock().instant()), false);
        }
      }
      case "/rollingupgrades/latest" -> {
        if (call.is(RequestMethod.GET)) {
          Optional<RollingUpgradeStatus> latest = w.latestRollingUpgrade(id);
          if (latest.isEmpty()) {
            return answer(404, ArmJson.error("NotFound", "The entity was not found in this Azure location."));
          }
          return ok(ArmJson.latest(w.peek(id), latest.get()));
        }
      }
      case "/osupgradehistory" -> {
        if (call.is(RequestMethod.GET)) {
          String token = call.query("$skiptoken");
          List<UpgradeHistoryEntry> entries = w.osUpgradeHistory(id);
          ScaleSet s = w.peek(id);
          return page(call, entries, token, listPageSize, e -> ArmJson.history(s, e), "");
        }
      }
      case "/approverollingupgrade" -> {
        if (call.is(RequestMethod.POST)) {
          List<String> ids = ArmJson.instanceIds(call.body());
          w.approveRollingUpgrade(id, ids == null ? List.of() : ids);
          return acceptedWithLocation(call, w, id, Operation.done("approveRollingUpgrade", w.clock().instant()));
        }
      }
      case "/delete" -> {
        if (call.is(RequestMethod.POST)) {
          List<String> ids = ArmJson.instanceIds(call.body());
          if (ids == null || ids.isEmpty()) {
            return answer(400, ArmJson.error("InvalidParameter", "Deleting every instance of a scale set is not "
                + "emulated: name the instances in 'instanceIds'."));
          }
          w.deleteInstances(id, ids);
          return accepted(call, w, id, Operation.done("delete", w.clock().instant()), true);
        }
      }
      default -> {
        Matcher vm = ONE_VM.matcher(call.path);
        if (vm.find() && call.is(RequestMethod.GET)) {
          return w.peek(id).isFlexible() ? flexibleNotEmulated(call) : instance(call, w, id, vm.group(1));
        }
        // anything else falls through to 501
      }
    }
    return notEmulated(call);
  }

  /**
   * GET of one scale set VM, shaped like Microsoft's {@code VirtualMachineScaleSetVM_Get_*} examples: the resource
   * without a top-level {@code instanceId} (its id and name carry it), {@code type}
   * {@code Microsoft.Compute/virtualMachines}, the instance view only with {@code $expand=instanceView}. An instance
   * the scale set does not have is 404 {@code NotFound}, as CRP answers for an entity it does not know.
   */
  private ResponseDefinition instance(Call call, SimulatedFleet w, ScaleSetId id, String instanceId) {
    java.util.Optional<Instance> found = w.instance(id, instanceId);
    if (found.isEmpty() || lost(instanceId)) {
      return answer(404, ArmJson.error("NotFound", "The entity was not found in this Azure location."));
    }
    ObjectNode vm = ArmJson.instance(w.peek(id), found.get());
    vm.remove("instanceId");
    vm.put("type", "Microsoft.Compute/virtualMachines");
    String expand = call.query("$expand");
    if (expand == null || !expand.toLowerCase(Locale.ROOT).contains("instanceview")) {
      ((ObjectNode) vm.get("properties")).remove("instanceView");
    }
    return ok(vm);
  }

  // -------------------------------------------------------------------------------------------- scale set ops

  private ResponseDefinition patch(Call call, SimulatedFleet w, ScaleSetId id) {
    JsonNode body = call.body();
    ScaleSet before = w.peek(id);
    String ifMatch = call.header("If-Match");
    if (ifMatch != null && !ifMatch.equals("*") && !ifMatch.equals(before.etag())) {
      return answer(412, ArmJson.error("PreconditionFailed", "The specified precondition 'If-Match = " + ifMatch
          + "' failed. The current etag of '" + id.name() + "' is " + before.etag() + "."));
    }
    JsonNode props = body.path("properties");
    JsonNode image = props.path("virtualMachineProfile").path("storageProfile").path("imageReference");
    JsonNode policy = props.path("upgradePolicy");
    JsonNode capacity = body.path("sku").path("capacity");
    if (!image.isMissingNode()) {
      UpgradeError failure = modelPatchFailure;
      if (failure != null && failingModelPatches.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
        // accepted, then failed: ARM reports it through the operation, and nothing changed
        String name = register(new Operation("patch", w.clock().instant(), () -> OpState.failed(failure)));
        return answer(200, ArmJson.write(ArmJson.scaleSet(before, "Updating")),
            new HttpHeader("Azure-AsyncOperation", operationUrl(call, w, id, name, false)));
      }
      w.updateModelImage(id, ArmJson.readImage(image));
    }
    if (!policy.isMissingNode()) {
      // the simulator checks If-Match itself when the image did not change the etag first
      w.updateUpgradePolicy(id, ArmJson.mergePolicy(w.peek(id).upgradePolicy(), policy),
          image.isMissingNode() ? ifMatch : null);
    }
    Operation op = Operation.done("patch", w.clock().instant());
    if (!capacity.isMissingNode()) {
      op = scaleTo(w, id, capacity.asInt());
    }
    if (patchAnswer == LroAnswer.DONE && op.state().status.equals("Succeeded")) {
      return ok(ArmJson.scaleSet(w.peek(id), "Succeeded"));
    }
    String name = register(op);
    return answer(200, ArmJson.write(ArmJson.scaleSet(w.peek(id), "Updating")),
        new HttpHeader("Azure-AsyncOperation", operationUrl(call, w, id, name, false)));
  }

  /** Raises {@code sku.capacity}: the new instances are those present after and not before. */
  private static Operation scaleTo(SimulatedFleet w, ScaleSetId id, int capacity) {
    Instant start = w.clock().instant();
    int now = w.peek(id).instanceCount();
    if (capacity < now) {
      throw new UnsupportedOperationException("scale-in by lowering sku.capacity is not emulated ("
          + now + " -> " + capacity + "); delete instances by id instead");
    }
    if (capacity == now) {
      return Operation.done("patch", start);
    }
    List<String> created;
    try {
      created = w.scaleOut(id, capacity - now);
    } catch (CloudException e) {
      if (e.httpStatus() != 0) {
        throw e;
      }
      // accepted, then failed: ARM reports it through the operation
      UpgradeError error = new UpgradeError(e.code(), String.valueOf(e.getMessage()));
      return new Operation("patch", start, () -> OpState.failed(error));
    }
    return new Operation("patch", start, () -> settled(w, id, created));
  }

  private ResponseDefinition listInstances(Call call, SimulatedFleet w, ScaleSetId id, boolean fullRead) {
    String token = call.query("$skiptoken");
    ScaleSet model = w.peek(id);
    List<Instance> instances = (token == null ? w.listInstances(id) : model.instances()).stream()
        .filter(i -> fullRead || !lost(i.instanceId())).toList();
    String expand = call.query("$expand");
    boolean withView = expand != null && expand.toLowerCase(Locale.ROOT).contains("instanceview");
    return page(call, instances.stream().sorted((a, b) -> InstanceIds.ORDER.compare(a.instanceId(),
        b.instanceId())).toList(), token, vmPageSize, i -> {
          ObjectNode vm = ArmJson.instance(model, i);
          if (!withView) {
            ((ObjectNode) vm.get("properties")).remove("instanceView");
          }
          return vm;
        }, expand == null ? "" : "$expand=" + expand);
  }

  private ResponseDefinition manualUpgrade(Call call, SimulatedFleet w, ScaleSetId id) {
    List<String> ids = ArmJson.instanceIds(call.body());
    if (ids == null) {
      return answer(400, ArmJson.error("InvalidParameter", "Required parameter 'instanceIds' is missing (null)."));
    }
    List<String> applied = ids.stream().filter(i -> !neverReimaged.contains(i)).toList();
    neverReimagedAsked |= applied.size() < ids.size();
    if (!applied.isEmpty()) {
      w.upgradeInstances(id, applied);
    }
    if (manualUpgradeAnswer == LroAnswer.DONE) {
      return answer(200, "");
    }
    return accepted(call, w, id, new Operation("manualupgrade", w.clock().instant(), () -> settled(w, id, ids)),
        true);
  }

  /** An instance {@link #neverReimage} loses, once it was asked for. */
  private boolean lost(String instanceId) {
    return neverReimagedAsked && neverReimaged.contains(instanceId);
  }

  /** Done when none of the named instances is still being created or updated. */
  private static OpState settled(SimulatedFleet w, ScaleSetId id, List<String> ids) {
    Set<String> named = new HashSet<>(ids);
    boolean failed = false;
    for (Instance i : w.peek(id).instances()) {
      if (!named.contains(i.instanceId())) {
        continue;
      }
      if (i.provisioningState() == ProvisioningState.UPDATING
          || i.provisioningState() == ProvisioningState.CREATING) {
        return OpState.running();
      }
      failed |= i.provisioningState() == ProvisioningState.FAILED;
    }
    return failed ? OpState.failed(new UpgradeError("VMProvisioningFailed", "One or more instances of " + id.name()
        + " failed to update (emulator's code).")) : OpState.succeeded();
  }

  // ------------------------------------------------------------------------------------------------- images

  private ResponseDefinition galleryVersions(Call call, SimulatedFleet w, String definition) {
    String token = call.query("$skiptoken");
    List<ImageRelease> releases = w.listReleases(ImageReference.gallery(definition, "latest"));
    Region home = galleryRegion;
    return page(call, releases, token, listPageSize, r -> ArmJson.galleryVersion(r, home, false), "");
  }

  private ResponseDefinition galleryVersion(Call call, SimulatedFleet w, String definition, String version) {
    ImageVersion v = ImageVersion.parse(version);
    String expand = call.query("$expand");
    boolean withReplication = expand != null && expand.equalsIgnoreCase("ReplicationStatus");
    for (ImageRelease r : w.listReleases(ImageReference.gallery(definition, "latest"))) {
      if (r.version().equals(v)) {
        return ok(ArmJson.galleryVersion(r, galleryRegion, withReplication));
      }
    }
    String[] parts = definition.split("/");
    return answer(404, ArmJson.error("ResourceNotFound", "The Resource 'Microsoft.Compute/galleries/"
        + parts[8] + "/images/" + parts[10] + "/versions/" + version + "' under resource group '" + parts[4]
        + "' was not found."));
  }

  private static ResponseDefinition marketplaceVersions(SimulatedFleet w, String subscription, Region region,
      ImageReference.Marketplace image) {
    Instant now = w.clock().instant();
    ArrayNode out = ArmJson.MAPPER.createArrayNode();
    for (ImageRelease r : w.listReleases(image)) {
      if (!r.publishedAt().isAfter(now) && ReplicationState.COMPLETED.equals(r.replicationIn(region))) {
        out.add(ArmJson.marketplaceVersion(subscription, region, (ImageReference.Marketplace) r.image()));
      }
    }
    return ok(out);
  }

  /** One marketplace version, as {@code VirtualMachineImages_Get} answers: offered in the region, or 404. */
  private static ResponseDefinition marketplaceVersion(SimulatedFleet w, String subscription, Region region,
      ImageReference.Marketplace pinned) {
    Instant now = w.clock().instant();
    for (ImageRelease r : w.listReleases(pinned.withLatest())) {
      if (r.image().equals(pinned) && !r.publishedAt().isAfter(now)
          && ReplicationState.COMPLETED.equals(r.replicationIn(region))) {
        return ok(ArmJson.marketplaceImage(subscription, region, pinned));
      }
    }
    return answer(404, ArmJson.error("NotFound", "Artifact: VMImage was not found."));
  }

  // ----------------------------------------------------------------------------------------------- capacity

  /**
   * Compute usages of a region, built so that the cores left divided by the VM size's cores is exactly the smallest
   * simulator headroom of the region's scale sets.
   */
  private static ResponseDefinition usages(SimulatedFleet w, Region region) {
    long instances = 0;
    long room = Long.MAX_VALUE;
    for (ScaleSetId id : w.scaleSetIds()) {
      ScaleSet s = w.peek(id);
      if (s.region().equals(region)) {
        instances += s.instanceCount();
        room = Math.min(room, w.headroom(id));
      }
    }
    if (room == Long.MAX_VALUE) {
      room = 1000;
    }
    long used = instances * ArmJson.VM_CORES;
    long limit = used + room * ArmJson.VM_CORES;
    ObjectNode root = ArmJson.MAPPER.createObjectNode();
    ArrayNode value = root.putArray("value");
    value.add(ArmJson.usage("availabilitySets", "Availability Sets", 0, 2500));
    value.add(ArmJson.usage("cores", "Total Regional vCPUs", used, limit));
    value.add(ArmJson.usage("virtualMachines", "Virtual Machines", instances, 25000));
    value.add(ArmJson.usage("virtualMachineScaleSets", "Virtual Machine Scale Sets", w.scaleSetIds().size(), 2500));
    value.add(ArmJson.usage(ArmJson.VM_FAMILY, "Standard DSv3 Family vCPUs", used, limit));
    return ok(root);
  }

  // --------------------------------------------------------------------------------------------- operations

  /** A status of a long-running operation. */
  private record OpState(String status, @Nullable UpgradeError error) {
    static OpState running() {
      return new OpState("InProgress", null);
    }

    static OpState succeeded() {
      return new OpState("Succeeded", null);
    }

    static OpState canceled() {
      return new OpState("Canceled", null);
    }

    static OpState failed(UpgradeError error) {
      return new OpState("Failed", error);
    }

    boolean isRunning() {
      return status.equals("InProgress");
    }
  }

  /** A long-running operation the emulator accepted. */
  private static final class Operation {
    final String kind;
    final Instant start;
    final Supplier<OpState> probe;
    @Nullable Instant end;
    @Nullable OpState last;

    Operation(String kind, Instant start, Supplier<OpState> probe) {
      this.kind = kind;
      this.start = start;
      this.probe = probe;
    }

    static Operation done(String kind, Instant start) {
      return new Operation(kind, start, OpState::succeeded);
    }

    /** Probes until the operation has ended; an ended operation stays ended. */
    OpState state() {
      if (last != null && !last.isRunning()) {
        return last;
      }
      last = probe.get();
      return last;
    }
  }

  private String register(Operation op) {
    String name = String.format(Locale.ROOT, "%08d-0000-4000-8000-%012d", operationCount.incrementAndGet(),
        op.start.getEpochSecond());
    operations.put(name, op);
    return name;
  }

  private static String operationUrl(Call call, SimulatedFleet w, ScaleSetId id, String name, boolean monitor) {
    Region region = w.peek(id).region();
    return call.base + "/subscriptions/" + id.subscriptionId() + "/providers/Microsoft.Compute/locations/"
        + region.name() + "/operations/" + name + "?" + (monitor ? "monitor=true&" : "") + "api-version="
        + enc(call.apiVersion());
  }

  /** 202 with {@code Azure-AsyncOperation} (and {@code Location} when asked), as CRP answers its POST actions. */
  private ResponseDefinition accepted(Call call, SimulatedFleet w, ScaleSetId id, Operation op, boolean location) {
    String name = register(op);
    List<HttpHeader> headers = new ArrayList<>();
    headers.add(new HttpHeader("Azure-AsyncOperation", operationUrl(call, w, id, name, false)));
    if (location) {
      headers.add(new HttpHeader("Location", operationUrl(call, w, id, name, true)));
    }
    return answer(202, "", headers.toArray(new HttpHeader[0]));
  }

  /** 202 with {@code Location} only, as the spec's example of {@code approveRollingUpgrade} shows. */
  private ResponseDefinition acceptedWithLocation(Call call, SimulatedFleet w, ScaleSetId id, Operation op) {
    String name = register(op);
    return answer(202, "", new HttpHeader("Location", operationUrl(call, w, id, name, true)));
  }

  private ResponseDefinition operation(Call call, SimulatedFleet w, String name) {
    Operation op = operations.get(name);
    if (op == null) {
      return answer(404, ArmJson.error("NotFound", "The operation '" + name + "' was not found."));
    }
    OpState state = op.state();
    if (state.isRunning()) {
      w.clock().advance(pollAdvance);
      state = op.state();
    }
    if (!state.isRunning() && op.end == null) {
      op.end = w.clock().instant();
    }
    boolean monitor = "true".equalsIgnoreCase(call.query("monitor"));
    if (monitor) {
      // Location polling: 202 while running, 200 when done (a failure is reported with its error body)
      if (state.isRunning()) {
        return answer(202, "", new HttpHeader("Location", call.base + call.request.getUrl()));
      }
      return state.error() == null ? answer(200, "") : answer(200, ArmJson.write(ArmJson.operation(name,
          state.status(), op.start, op.end, state.error())));
    }
    return ok(ArmJson.operation(name, state.status(), op.start, op.end, state.error()));
  }

  // ------------------------------------------------------------------------------------------------- paging

  private static <T> ResponseDefinition page(Call call, List<T> items, @Nullable String token, int size,
      java.util.function.Function<T, ObjectNode> render, String keepQuery) {
    int from = 0;
    if (token != null) {
      from = Integer.parseInt(token);
    }
    int to = Math.min(items.size(), from + size);
    ObjectNode root = ArmJson.MAPPER.createObjectNode();
    ArrayNode value = root.putArray("value");
    for (T item : items.subList(Math.min(from, items.size()), to)) {
      value.add(render.apply(item));
    }
    if (to < items.size()) {
      root.put("nextLink", call.base + call.path + "?" + (keepQuery.isEmpty() ? ""
          : String.join("&", java.util.Arrays.stream(keepQuery.split("&")).map(ArmEmulator::enc).toList()) + "&")
          + "$skiptoken=" + to + "&api-version=" + enc(call.apiVersion()));
    }
    return ok(root);
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("%3D", "=").replace("%24", "$");
  }

  // ------------------------------------------------------------------------------------------------ answers

  private static ResponseDefinition ok(JsonNode body) {
    return answer(200, ArmJson.write(body));
  }

  /** The scale-set VM API on a Flexible scale set: the adapter must read its VMs with the VM API instead. */
  private static ResponseDefinition flexibleNotEmulated(Call call) {
    return answer(501, ArmJson.error("NotEmulated", "the ARM emulator does not answer the scale-set VM API for a "
        + "Flexible scale set (" + call.method + " " + call.path + "): its instances are read with the VM API "
        + "(VirtualMachines_List with a $filter on the scale set, VirtualMachines_Get)"));
  }

  private static ResponseDefinition notEmulated(Call call) {
    return answer(501, ArmJson.error("NotEmulated", "the ARM emulator does not answer " + call.method + " "
        + call.path));
  }

  private static ResponseDefinition error(CloudException e) {
    int status = e.httpStatus() == 0 ? 409 : e.httpStatus();
    String body = ArmJson.error(e.code(), String.valueOf(e.getMessage()));
    if (e instanceof ThrottledException t) {
      long seconds = (t.retryAfter().toMillis() + 999) / 1000;
      return answer(status, body, new HttpHeader("Retry-After", String.valueOf(seconds)));
    }
    return answer(status, body);
  }

  private static ResponseDefinition answer(int status, String body, HttpHeader... headers) {
    List<HttpHeader> all = new ArrayList<>(List.of(headers));
    all.add(new HttpHeader("x-ms-request-id", java.util.UUID.randomUUID().toString()));
    if (!body.isEmpty()) {
      all.add(new HttpHeader("Content-Type", "application/json; charset=utf-8"));
    }
    return new com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder()
        .withStatus(status)
        .withHeaders(new HttpHeaders(all))
        .withBody(body)
        .build();
  }

  @Override
  public String toString() {
    return "ArmEmulator[vm page " + vmPageSize + ", list page " + listPageSize + ", PATCH " + patchAnswer
        + ", manualupgrade " + manualUpgradeAnswer + ", poll advance " + pollAdvance + "]";
  }
}
