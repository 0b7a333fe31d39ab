package dev.osupgrade.azure;

import com.azure.core.credential.TokenCredential;
import com.azure.core.http.HttpClient;
import com.azure.core.http.policy.HttpPipelinePolicy;
import com.azure.core.management.AzureEnvironment;
import com.azure.core.management.profile.AzureProfile;
import com.azure.resourcemanager.compute.ComputeManager;
import dev.osupgrade.Durations;
import dev.osupgrade.InvalidValueException;
import dev.osupgrade.Region;
import dev.osupgrade.Require;
import dev.osupgrade.azure.internal.AzureOperations;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.ScaleSet;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.fleet.ScaleSetSummary;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.image.ImageRelease;
import dev.osupgrade.ops.RollingUpgradeStatus;
import dev.osupgrade.ops.RolloutStatus;
import dev.osupgrade.ops.UpgradeHistoryEntry;
import dev.osupgrade.policy.UpgradePolicy;
import dev.osupgrade.port.CapacityPort;
import dev.osupgrade.port.ConflictException;
import dev.osupgrade.port.DiscoveryScope;
import dev.osupgrade.port.ImageCatalog;
import dev.osupgrade.port.InvalidModelException;
import dev.osupgrade.port.PlatformUpgradePort;
import dev.osupgrade.port.ScaleSetInventory;
import dev.osupgrade.port.ScaleSetPort;
import dev.osupgrade.port.ThrottledException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The ports of upgrade-core over Azure Resource Manager: one object that finds scale sets ({@link ScaleSetInventory}),
 * reads and changes them ({@link ScaleSetPort}), drives Azure's own OS upgrades ({@link PlatformUpgradePort}), lists
 * image releases ({@link ImageCatalog}) and adds and removes instances for surge rollouts ({@link CapacityPort}).
 *
 * <pre>{@code
 * AzureFleet fleet = AzureFleet.builder()
 *     .credential(new DefaultAzureCredentialBuilder().build())   // azure-identity, or any TokenCredential
 *     .subscriptionId(subscriptionId)
 *     .build();
 * ScaleSet web = fleet.get(ScaleSetId.of(subscriptionId, "rg-web", "vmss-web"));
 * }</pre>
 *
 * <p>or, when the caller already has a {@link ComputeManager} (its own credential, profile and pipeline),
 * {@code AzureFleet.of(manager)}. The HTTP client is Azure's Netty client ({@code azure-core-http-netty}, a dependency
 * of this module), unless {@link Builder#httpClient} names another.
 *
 * <h2>Which layer retries</h2>
 * The adapter is the only layer that retries. It takes the manager's HTTP pipeline (credential, HTTP client, logging,
 * the caller's own policies) and drops the SDK's {@code RetryPolicy} from it, so that the SDK's three silent retries do
 * not multiply with the adapter's. Each call is then wrapped in a resilience4j retry configured by
 * {@link RetrySettings}:
 * <ul>
 *   <li>HTTP 429 waits exactly what {@code Retry-After} asks for, up to {@link RetrySettings#maxRetryAfter()}; a longer
 *       wait is not spent on a blocked thread: the {@link ThrottledException} goes to the caller at once, with the
 *       wait it asked for.</li>
 *   <li>HTTP 408, 500, 502, 503, 504 (and connections that fail) wait an exponential backoff with jitter, bounded
 *       by {@link RetrySettings#maxBackoff()}.</li>
 *   <li>Only calls that are safe to repeat retry a 5xx: reads, {@code manualupgrade} (upgrading an instance that is
 *       already on the model changes nothing), an unconditional PATCH (setting the same value twice is the same),
 *       cancel and approve. A conditional PATCH ({@code If-Match}) and {@code osRollingUpgrade} retry only on 429,
 *       which ARM guarantees it did not process: after a 5xx the first attempt may have been applied, so a repeat
 *       would report a false conflict or start a second upgrade.</li>
 *   <li>400, 401, 403, 404, 409 and 412 are never retried.</li>
 *   <li>A 2xx whose body cannot be read (truncated, not JSON, a listing without {@code value}, an empty
 *       {@code rollingUpgrades/latest}) is a {@link dev.osupgrade.port.TransientCloudException} with code
 *       {@code UnexpectedResponse}: reads retry it like a 5xx; it is never read as "nothing there".</li>
 * </ul>
 * A listing that spans several pages is retried as a whole. Waiting goes through a {@link Sleeper} (default: the
 * calling thread sleeps), so tests can record the waits instead of spending them.
 *
 * <h2>What the failures mean</h2>
 * Only {@link InvalidModelException} (HTTP 400/422, or a 404 naming an image that does not exist) is a rejection
 * ({@link dev.osupgrade.port.CloudException#isRejection()}): repeating the request unchanged cannot succeed. 401 and
 * 403 are {@link dev.osupgrade.port.ForbiddenException}, 409 and 412 {@link ConflictException}, 404 for the scale set
 * {@link dev.osupgrade.port.ResourceNotFoundException}, 429 {@link ThrottledException}, 408/5xx, failed connections and
 * unreadable answers {@link dev.osupgrade.port.TransientCloudException}: none of them is a rejection, so a rollout
 * stalls on them (resumably) instead of ending.
 *
 * <h2>Fencing</h2>
 * Every attempt of a call that changes the fleet (a PATCH, {@code manualupgrade}, each step of a rollback,
 * {@code osRollingUpgrade}, cancel, approve, scale-out, delete) is preceded by {@link dev.osupgrade.port.Fencing#check()},
 * and so is every backoff or {@code Retry-After} wait before a next attempt. A runner that drives the scale set under
 * a lease binds its fence with {@code Fencing.under}; when the fence fails, its {@link
 * dev.osupgrade.port.LeaseLostException} leaves the call unchanged (not mapped, not retried) and nothing more is sent,
 * so a replica that stalled past its lease cannot change a scale set another replica took over. Reads are not fenced.
 * Outside a fence (a script, a test) nothing is checked.
 *
 * <h2>Reading Azure's answers</h2>
 * Scale sets, their instances, the latest rolling upgrade and the OS upgrade history are read from the text Azure
 * sent (through the same HTTP pipeline), with the SDK's models for what they read well. That keeps what the models
 * drop: an upgrade mode, running-status code or invoker from a newer API version (the SDK's plain Java enums turn them
 * into null) is kept as an unknown value with Azure's spelling, never read as a known one (an unknown upgrade mode is
 * not Manual; an unknown running status is not RollingForward); a history entry's {@code runningStatus.completedTime}
 * is read; a listing without {@code value} is malformed rather than empty; one unreadable history entry is left out
 * and reported rather than failing the history.
 *
 * <h2>Flexible orchestration</h2>
 * The scale set's {@code orchestrationMode}, read with its model, chooses how its instances are read. A Uniform
 * scale set's come from the scale-set VM API ({@code …/virtualMachineScaleSets/{name}/virtualMachines}); a Flexible
 * scale set's instances are ordinary VMs, read with the VM API as Azure's comparison of the two modes says: one paged
 * {@code VirtualMachines_List} of the resource group with {@code $filter='virtualMachineScaleSet/id' eq '…'} and
 * {@code $expand=instanceView} per look (health, power, fault domain of every VM at once, never a call per VM), one
 * {@code VirtualMachines_Get} for a single VM, and the resource group's management locks
 * ({@code ManagementLocks_ListAtResourceGroupLevel}), Flexible's instance protection, with every full read
 * ({@link #get}). A Flexible instance's id is its VM name, which is what {@code manualupgrade}, {@code delete} and
 * {@code approveRollingUpgrade} take; those calls, the model's PATCHes and the rolling-upgrade calls are the same in
 * both modes. A VM carries no {@code latestModelApplied}: it is read from the VM's image reference (the model's
 * pinned version, or both following {@code latest}). A lock ARM reports when it refuses a change
 * ({@code ScopeLocked}) is kept for the adapter's life, since an empty lock listing cannot be told from a lost one.
 * A {@link CapacityPort} call on a scale set the adapter has not read yet reads its model first, to know its mode.
 *
 * <h2>Subscriptions</h2>
 * Scale sets and gallery images in any subscription the credential can reach may be named: the adapter reuses the
 * manager's pipeline and endpoint for each subscription named by a {@link ScaleSetId} or a gallery image id.
 *
 * <h2>Threading</h2>
 * Instances are immutable and thread-safe; every call blocks the calling thread until ARM answers.
 */
public final class AzureFleet implements ScaleSetPort, ScaleSetInventory, PlatformUpgradePort, ImageCatalog,
    CapacityPort {
  /** Azure's largest Uniform scale set on a platform or gallery image: the default of the builder's limit. */
  public static final int MAX_SCALE_SET_CAPACITY = 1000;

  private final AzureOperations operations;
  private final RetrySettings retry;
  private final @Nullable Region marketplaceRegion;

  private AzureFleet(Builder b, ComputeManager manager) {
    this.retry = b.retry;
    this.marketplaceRegion = b.marketplaceRegion;
    this.operations = new AzureOperations(manager, b.retry, b.sleeper, b.clock, b.maxCapacity,
        (b.budget == null ? RequestBudget.create() : b.budget).listings());
  }

  /**
   * Wraps a compute manager with the default retry settings, sleeping on the calling thread between retries.
   *
   * @param computeManager a manager the caller authenticated (credential and profile are the caller's business)
   * @return the adapter
   */
  public static AzureFleet of(ComputeManager computeManager) {
    return builder().computeManager(computeManager).build();
  }

  /**
   * @return a builder: set either {@link Builder#credential credential} and {@link Builder#subscriptionId
   *     subscriptionId}, or {@link Builder#computeManager computeManager}
   */
  public static Builder builder() {
    return new Builder();
  }

  /** @return the retry settings in force */
  public RetrySettings retrySettings() {
    return retry;
  }

  // ---------------------------------------------------------------------------------------------- ScaleSetPort

  /**
   * {@inheritDoc}
   *
   * <p>Two requests at least: GET of the scale set, and the instance list with {@code $expand=instanceView}, following
   * every {@code nextLink}. The upgrade mode is Azure's text: a mode the library does not know is kept
   * ({@link dev.osupgrade.policy.UpgradeMode#isKnown()} false), and a rollout refuses it. An instance without
   * {@code instanceId} takes the id its resource id ({@code …/virtualMachines/{id}}) or name ({@code {scaleSet}_{id}})
   * carries; an item that names no instance fails the read as malformed, naming the item, and so does a page without a
   * {@code value} array (retried first: see the class comment). Health comes from
   * {@code instanceView.vmHealth.status.code} ({@code HealthState/healthy}, …; a code the library does not know reads
   * as {@code UNKNOWN}, with the code kept in {@link Instance#healthCode()}). An instance without an instance view
   * reads health {@code UNKNOWN} and power state {@code UNKNOWN}: there is nothing to judge it by, and
   * {@code UNKNOWN} counts as unhealthy, as Azure counts it. When the scale set has the Application Health extension but an
   * instance reports no health, the instance reads as {@code INITIALIZING} while it is being created or updated and as
   * {@code UNKNOWN} otherwise (Azure: "health state not shown" means the instance is not on the latest model, so the
   * extension is not running there). Without the extension Azure judges health by power and provisioning state, and
   * so does the adapter: running and succeeded is {@code HEALTHY}, creating, updating or starting is
   * {@code INITIALIZING}, anything else {@code UNHEALTHY}. A load-balancer probe's verdict is not visible through the
   * Compute API.
   *
   * <p>A Flexible scale set (see the class comment): GET of the scale set, the filtered VM list with the instance view
   * (every page) and the resource group's locks, three requests at least. Each VM is read as an instance is, named by
   * its VM name, its fault domain from the instance view (else {@code properties.platformFaultDomain}), update domain 0
   * unless reported, {@code protectedFromUpgrade} and {@link Instance#lock()} from the locks (a lock whose scope cannot
   * be read counts for every VM, a level the library does not know as {@code ReadOnly}).
   */
  @Override
  public ScaleSet get(ScaleSetId id) {
    return operations.get(id);
  }

  /**
   * {@inheritDoc}
   *
   * <p>One GET of the scale set, read as {@link #get} reads its model; the answer lists no instances. A Flexible scale
   * set's instances take their protection from the resource group's locks, which every full read reads afresh: so
   * does this read (one request more), and when the locks differ from those the listings have used, it lists the VMs
   * too and answers with every instance, as {@link #get} does.
   */
  @Override
  public ScaleSet model(ScaleSetId id) {
    return operations.model(id);
  }

  /**
   * {@inheritDoc}
   *
   * <p>One GET of {@code …/virtualMachineScaleSets} per page (ARM's "ListAll" for a subscription, "List" for a
   * resource group), following every {@code nextLink}: the scale sets of any subscription the credential can reach.
   * Each item is read as {@link #get} reads a scale set's model (an upgrade mode from a newer API version kept with
   * Azure's spelling); the capacity is {@code sku.capacity}. Listing a resource group that does not exist is a
   * {@link dev.osupgrade.port.ResourceNotFoundException}. Draws from CRP's high-cost-get bucket, like an instance
   * listing.
   */
  @Override
  public List<ScaleSetSummary> listScaleSets(DiscoveryScope scope) {
    return operations.listScaleSets(scope);
  }

  /**
   * {@inheritDoc}
   *
   * <p>Once this adapter has read the scale set with {@link #get}, this is one request per page of instances: the
   * health source and model image that reading instances needs come from that last read (and from
   * {@link #updateModelImage}). Before that, it is a full {@link #get}. Instances are read as {@link #get} reads them:
   * ids derived when {@code instanceId} is missing, malformed items and pages failing the read (never an empty or
   * shortened list), no instance view read as health and power {@code UNKNOWN}. For a Flexible scale set, one request
   * per page of the filtered VM list; the locks are those of the last full read.
   */
  @Override
  public List<Instance> listInstances(ScaleSetId id) {
    return operations.listInstances(id);
  }

  /**
   * {@inheritDoc}
   *
   * <p>One GET of the scale set VM ({@code …/virtualMachines/{instanceId}?$expand=instanceView}), read as
   * {@link #listInstances} reads an item (the instance id derived from the resource id or name when ARM leaves it
   * out), once this adapter has read the scale set's model; before that, a GET of the scale set first. It draws from
   * CRP's VM get bucket (about 12 per minute per scale set), not from the listing's "high cost get" bucket. A 404
   * is empty (the instance is gone), unless it says that the scale set or its resource group is missing
   * ({@link dev.osupgrade.port.ResourceNotFoundException}); an answer for another instance is malformed (retried).
   * The instance id is validated before any request ({@link dev.osupgrade.fleet.InstanceIds#require}): it is a
   * segment of the path. For a Flexible scale set, one GET of the VM ({@code …/providers/Microsoft.Compute/
   * virtualMachines/{name}?$expand=instanceView}); a VM that is no member of the scale set (its
   * {@code virtualMachineScaleSet.id}, else {@code managedBy}, names another) is empty.
   */
  @Override
  public Optional<Instance> instance(ScaleSetId id, String instanceId) {
    return operations.instance(id, instanceId);
  }

  /**
   * {@inheritDoc}
   *
   * <p>One PATCH of {@code virtualMachineProfile.storageProfile.imageReference}, waiting until ARM reports the model
   * updated: CRP answers {@code Updating} with an {@code Azure-AsyncOperation}, polled until it ends; no GET of the
   * scale set follows. An operation that ends {@code Failed} throws {@link dev.osupgrade.port.CloudException} with
   * ARM's code from the poll (e.g. {@code ImageNotFound}): a stall, not a rejection. A marketplace image is sent as publisher/offer/sku/version, a gallery image as its id (the definition id
   * for {@code latest}, {@code …/versions/{v}} when pinned). ARM merges a PATCH into the model, so switching a scale
   * set between a marketplace and a gallery image is not possible this way (ARM rejects it with a 400, surfaced as
   * {@link InvalidModelException}). With automatic OS upgrade enabled ARM refuses a pinned version the same way.
   */
  @Override
  public void updateModelImage(ScaleSetId id, ImageReference image) {
    operations.updateModelImage(id, image);
  }

  /**
   * {@inheritDoc}
   *
   * <p>A null rolling policy leaves the scale set's rolling policy as it is: an ARM PATCH cannot remove it. HTTP 412
   * (Precondition Failed) and 409 become {@link ConflictException}. A mode the library does not know cannot be sent
   * (the SDK could not write it): it is refused as bad input before any request.
   *
   * @throws dev.osupgrade.InvalidValueException when the policy's mode is not one Azure documents
   */
  @Override
  public void updateUpgradePolicy(ScaleSetId id, UpgradePolicy policy, @Nullable String ifMatchEtag) {
    operations.updateUpgradePolicy(id, policy, ifMatchEtag);
  }

  /**
   * {@inheritDoc}
   *
   * <p>Exactly one {@code POST manualupgrade} for the whole list (duplicates removed); an empty list sends nothing.
   * Returns when ARM has accepted the request; it does not poll the long-running operation.
   */
  @Override
  public void upgradeInstances(ScaleSetId id, List<String> instanceIds) {
    operations.upgradeInstances(id, instanceIds);
  }

  /**
   * {@inheritDoc}
   *
   * <h4>How, on a Uniform scale set</h4>
   * ARM has no call that puts one instance on an image other than the model's (a scale set instance's own model can
   * only change data disks). The adapter therefore moves the model for the duration of the rollback:
   * <ol>
   *   <li>GET the scale set (model image {@code M}, etag, upgrade mode);</li>
   *   <li>PATCH the model to {@code previousImage} with {@code If-Match};</li>
   *   <li>{@code manualupgrade} the named instances in one call, and <b>wait</b> until it completes;</li>
   *   <li>PATCH the model back to {@code M} with {@code If-Match} on the etag step 2 returned — whether step 3
   *       succeeded or not, also when its outcome is unknown.</li>
   * </ol>
   * Afterwards the rolled-back instances run {@code previousImage} and show {@code latestModelApplied=false}.
   *
   * <h4>Every repeat decided from a fresh read</h4>
   * The two PATCHes are once-only writes: the adapter never repeats one blindly. When one fails with a 412 (the etag
   * moved on) or with an unknown outcome (a 5xx, a connection lost after ARM may have applied it, an unreadable answer,
   * a long-running operation that ended failed), the adapter GETs the scale set first: if the model already is where
   * the PATCH wanted it, that step is done; if it still is where it was, the PATCH is sent again with the new etag (at
   * most three PATCHes per step); if someone else moved it elsewhere, that change is not overwritten
   * ({@link ConflictException}, code {@code ModelChangedConcurrently}). Refusals ARM guarantees changed nothing
   * (400, 401/403, 404, 409, 429) are not repeated. If the GET that reconciles a failed PATCH fails too, the call
   * fails with that failure (the PATCH's attached as suppressed) and the model may be on either image: read it before
   * deciding again.
   *
   * <h4>Risks, and how they are contained</h4>
   * <ul>
   *   <li>The upgrade mode must be {@code Manual}: in {@code Rolling} or {@code Automatic} mode Azure itself would roll
   *       every instance to the previous image, then forward again. {@code Rolling} and {@code Automatic} are
   *       refused with an {@link InvalidModelException} (code {@code RollbackRequiresManualUpgradeMode}) before any
   *       change. A mode the library does not know is not taken for either: the call fails before any change with a
   *       {@link dev.osupgrade.port.CloudException} that is not a rejection (code {@code UpgradeModeUnknown}), so a
   *       rollout stalls and rolls back once the mode reads {@code Manual} again.</li>
   *   <li>While the model points at the previous image (minutes: the length of the upgrade in step 3), instances that
   *       Azure creates (scale-out, automatic repairs) or that anyone upgrades or reimages get the previous image.</li>
   *   <li>A concurrent model change makes the call fail with {@link ConflictException} instead of overwriting it. If
   *       step 4 cannot be completed, the model is left on the previous image: the exception then has code
   *       {@code RollbackModelNotRestored} (not a rejection) and a message naming the image to restore; the failure
   *       of step 3, if any, is attached as suppressed.</li>
   *   <li>Every PATCH and {@code manualupgrade} attempt is fenced (see the class comment). A lease lost after step 2
   *       leaves the model on the previous image (nothing may be sent without the lease): the
   *       {@link dev.osupgrade.port.LeaseLostException} propagates and a warning names the image to restore; the
   *       replica that holds the lease now must set it back.</li>
   *   <li>With automatic OS upgrade enabled ARM refuses the pinned version in step 2 ({@link InvalidModelException}),
   *       and nothing changes.</li>
   * </ul>
   * <h4>Calling it again</h4>
   * When the model already points at {@code previousImage} on entry, only step 3 runs: the instances are upgraded and
   * the model is <b>not</b> moved. This is what a repeated call sees after a first call that moved the model and then
   * failed before restoring it, and the adapter cannot tell that case from a model someone pointed at
   * {@code previousImage} on purpose: it does not know the model the first call started from. A caller that repeats
   * a failed rollback must therefore read the model afterwards and set it to the image it intends (a rollout does
   * this after every rollback). An empty list sends nothing.
   */
  @Override
  public void rollBackInstances(ScaleSetId id, List<String> instanceIds, ImageReference previousImage) {
    operations.rollBackInstances(id, instanceIds, previousImage);
  }

  // ---------------------------------------------------------------------------------------- PlatformUpgradePort

  /**
   * {@inheritDoc}
   *
   * <p>Returns when ARM has accepted the request: the long-running operation lasts as long as the whole rollout, so
   * watch it with {@link #latestRollingUpgrade}. Retried only on 429.
   */
  @Override
  public void startOsUpgrade(ScaleSetId id) {
    operations.startOsUpgrade(id);
  }

  /**
   * {@inheritDoc}
   *
   * <p>ARM's 409 "There is no ongoing Rolling Upgrade to cancel." is the no-op. Returns when ARM has accepted the
   * cancellation; the batch in flight still finishes.
   */
  @Override
  public void cancelRollingUpgrade(ScaleSetId id) {
    operations.cancelRollingUpgrade(id);
  }

  /**
   * {@inheritDoc}
   *
   * <p>A 404 is read as "never had one", unless ARM says the scale set or its resource group does not exist
   * (codes {@code ResourceNotFound} naming the scale set, {@code ResourceGroupNotFound}), which is a
   * {@link dev.osupgrade.port.ResourceNotFoundException}. A 200 without a body, or without
   * {@code properties.runningStatus} (for example {@code {}}), is not "never had one" either: it is an unreadable
   * answer (a retryable {@link dev.osupgrade.port.TransientCloudException}, code {@code UnexpectedResponse}). A
   * running-status code the adapter does not know (a newer API version's) reads as {@link RolloutStatus#UNKNOWN},
   * with Azure's code in {@link RollingUpgradeStatus#statusCode()}: neither running nor ended, so a caller polling for
   * an end looks again.
   */
  @Override
  public Optional<RollingUpgradeStatus> latestRollingUpgrade(ScaleSetId id) {
    return operations.latestRollingUpgrade(id);
  }

  /**
   * {@inheritDoc}
   *
   * <p>Every page, read from Azure's text: an entry's end time is {@code runningStatus.endTime} or, as recorded
   * responses send it, {@code runningStatus.completedTime}; a running-status code or invoker the library does not
   * know is kept ({@link RolloutStatus#UNKNOWN} with {@link UpgradeHistoryEntry#statusCode()}, an unknown
   * {@link dev.osupgrade.ops.StartedBy}). An entry that cannot be read (empty, no start time, not an object) is left
   * out with a warning in the log instead of failing the history; {@link #readOsUpgradeHistory} says which and why.
   * A page without a {@code value} array is a malformed answer (a retryable {@link dev.osupgrade.port.CloudException}
   * with code {@code UnexpectedResponse}), not an empty history.
   */
  @Override
  public List<UpgradeHistoryEntry> osUpgradeHistory(ScaleSetId id) {
    return readOsUpgradeHistory(id).entries();
  }

  /**
   * Reads the OS upgrade history like {@link #osUpgradeHistory}, and also says which entries were left out because
   * they could not be read. Returned per call rather than kept in the adapter, so that the count belongs to exactly
   * this read (the adapter is shared by threads and scale sets).
   *
   * @param id the scale set
   * @return the readable entries, newest first, and a line per entry left out
   */
  public OsUpgradeHistory readOsUpgradeHistory(ScaleSetId id) {
    return operations.osUpgradeHistory(id);
  }

  /**
   * {@inheritDoc}
   *
   * <p>An empty list sends nothing (ARM would read a missing list as "every instance").
   */
  @Override
  public void approveRollingUpgrade(ScaleSetId id, List<String> instanceIds) {
    operations.approveRollingUpgrade(id, instanceIds);
  }

  // ----------------------------------------------------------------------------------------------- CapacityPort

  /**
   * {@inheritDoc}
   *
   * <p>The least of: what the scale set's own limit leaves ({@link Builder#maxScaleSetCapacity}, default 1000, and
   * 100 in a single placement group) over its {@code sku.capacity}; and what the region's vCPU quota ({@code cores})
   * and the VM size's family quota leave, divided by the size's vCPUs. Three requests: GET of the scale set, the
   * region's compute usages, and once per VM size and region the resource SKUs of the region (for vCPUs and family;
   * cached). Regional capacity that Azure has not got (allocation failures) is not visible beforehand.
   */
  @Override
  public int headroom(ScaleSetId id) {
    return operations.headroom(id);
  }

  /**
   * {@inheritDoc}
   *
   * <p>Lists the instances, GETs the scale set, PATCHes {@code sku.capacity} up by {@code count} with
   * {@code If-Match} on the etag just read (a concurrent change fails with {@link ConflictException} instead of being
   * overwritten; retried only on 429), waits until ARM reports the scale set updated, and lists the instances again:
   * the new ids are those present after and not before (instances someone else created meanwhile count too). A
   * failure after ARM accepted the change (for example {@code AllocationFailed}) is a {@link
   * dev.osupgrade.port.CloudException} with ARM's code; ARM may then have created some of the instances, which a
   * later {@link #get} shows.
   */
  @Override
  public List<String> scaleOut(ScaleSetId id, int count) {
    return operations.scaleOut(id, count);
  }

  /**
   * {@inheritDoc}
   *
   * <p>Lists the instances first and leaves out ids that are already gone (nothing more is sent when none is left),
   * then one {@code POST delete} for the rest, waiting until ARM reports them deleted. An empty list sends nothing.
   */
  @Override
  public void deleteInstances(ScaleSetId id, List<String> instanceIds) {
    operations.deleteInstances(id, instanceIds);
  }

  // ----------------------------------------------------------------------------------------------- ImageCatalog

  /**
   * {@inheritDoc}
   *
   * <p><b>Gallery images</b>: lists the image definition's versions, then reads each with
   * {@code $expand=ReplicationStatus} (ARM's list has no replication status), so this costs one request per version
   * plus the pages of the list. Per-region replication comes from the status summary; excluded-from-latest from the
   * publishing profile (globally and per target region); end of life from {@code endOfLifeDate}.
   *
   * <p><b>Marketplace images</b> are listed in the builder's {@link Builder#marketplaceRegion marketplace region}; use
   * {@link #listReleases(ImageReference, Region)} to name another. ARM reports no publish date for marketplace
   * versions, so {@link ImageRelease#publishedAt()} is the time this adapter first saw the version (from its clock):
   * never earlier than the truth, so soak-time rules err on the side of waiting, and a restarted service waits again.
   *
   * @throws IllegalStateException for a marketplace image when no marketplace region was configured
   */
  @Override
  public List<ImageRelease> listReleases(ImageReference image) {
    Require.nonNull(image, "image");
    if (image instanceof ImageReference.Marketplace && marketplaceRegion == null) {
      throw new IllegalStateException("marketplace releases are listed per region: set "
          + "AzureFleet.builder().marketplaceRegion(...) or call listReleases(image, region)");
    }
    return operations.listReleases(image, marketplaceRegion);
  }

  /**
   * Lists the releases of an image as seen in one region: for a marketplace image the versions offered there, for a
   * gallery image the same as {@link #listReleases(ImageReference)}.
   *
   * @param image the image; its version is ignored
   * @param region the region to list marketplace versions in
   * @return the releases, oldest first
   */
  public List<ImageRelease> listReleases(ImageReference image, Region region) {
    return operations.listReleases(Require.nonNull(image, "image"), Require.nonNull(region, "region"));
  }

  /**
   * {@inheritDoc}
   *
   * <p>One request: a marketplace image's version is read in the region ({@code GET …/locations/{region}/publishers/
   * …/skus/{sku}/versions/{version}}), a gallery image's version with its replication status
   * ({@code $expand=ReplicationStatus}). A 404 is "never published": empty. As with {@link #listReleases}, a
   * marketplace release's {@link ImageRelease#publishedAt()} is when this adapter first saw it.
   */
  @Override
  public Optional<ImageRelease> find(ImageReference image, Region region) {
    Require.nonNull(image, "image");
    Require.nonNull(region, "region");
    return operations.find(image, region);
  }

  @Override
  public String toString() {
    List<String> parts = new ArrayList<>();
    parts.add(operations.describe());
    parts.add(retry.toString());
    if (marketplaceRegion != null) {
      parts.add("marketplace region " + marketplaceRegion);
    }
    return "AzureFleet[" + String.join(", ", parts) + "]";
  }

  // ---------------------------------------------------------------------------------------------- nested types

  /**
   * An OS upgrade history as read: the entries that could be read, and the ones left out.
   *
   * @param entries the readable entries, newest first
   * @param unreadable one line per entry left out: where it was (page and position) and why it could not be read
   */
  public record OsUpgradeHistory(List<UpgradeHistoryEntry> entries, List<String> unreadable) {
    /** Copies the lists. */
    public OsUpgradeHistory {
      entries = List.copyOf(Require.nonNull(entries, "entries"));
      unreadable = List.copyOf(Require.nonNull(unreadable, "unreadable"));
    }

    /** @return how many entries were left out */
    public int skipped() {
      return unreadable.size();
    }

    /** @return true when every entry Azure sent could be read */
    public boolean isComplete() {
      return unreadable.isEmpty();
    }
  }

  /**
   * Waits between retries. The default sleeps on the calling thread; tests pass one that records the wait and returns
   * at once.
   */
  @FunctionalInterface
  public interface Sleeper {
    /**
     * Waits.
     *
     * @param duration how long, never negative
     * @throws InterruptedException if the wait is interrupted; the call then fails instead of retrying
     */
    void sleep(Duration duration) throws InterruptedException;

    /** @return a sleeper that blocks the calling thread */
    static Sleeper onCallingThread() {
      return duration -> TimeUnit.NANOSECONDS.sleep(duration.toNanos());
    }
  }

  /**
   * How the adapter retries a failed call.
   *
   * @param maxAttempts attempts per call, the first included (1 = no retry), in [1, 20]
   * @param initialBackoff the backoff after the first 5xx, positive; it doubles per attempt, and each wait is drawn
   *     uniformly from [half, all] of it (jitter)
   * @param maxBackoff the largest backoff, at least {@code initialBackoff}
   * @param maxRetryAfter the longest {@code Retry-After} the adapter waits out itself; a longer one fails at once with a
   *     {@link ThrottledException} carrying the wait
   */
  public record RetrySettings(int maxAttempts, Duration initialBackoff, Duration maxBackoff, Duration maxRetryAfter) {

    /** Validates the settings. */
    public RetrySettings {
      Require.inRange("maxAttempts", maxAttempts, 1, 20);
      Require.positive("initialBackoff", initialBackoff);
      Require.positive("maxBackoff", maxBackoff);
      Require.nonNegative("maxRetryAfter", maxRetryAfter);
      if (maxBackoff.compareTo(initialBackoff) < 0) {
        throw new InvalidValueException("maxBackoff", "at least initialBackoff (" + Durations.words(initialBackoff) + ")", maxBackoff);
      }
    }

    /** @return 4 attempts, backoff 1 s doubling up to 30 s, {@code Retry-After} waited out up to 60 s */
    public static RetrySettings ofDefaults() {
      return new RetrySettings(4, Duration.ofSeconds(1), Duration.ofSeconds(30), Duration.ofSeconds(60));
    }

    /** @return a single attempt per call: every failure goes straight to the caller */
    public static RetrySettings none() {
      return new RetrySettings(1, Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ZERO);
    }

    /**
     * Returns a copy with another attempt budget.
     *
     * @param attempts in [1, 20]
     * @return the copy
     */
    public RetrySettings withMaxAttempts(int attempts) {
      return new RetrySettings(attempts, initialBackoff, maxBackoff, maxRetryAfter);
    }

    /**
     * Returns a copy with other backoff bounds.
     *
     * @param initial the first backoff
     * @param max the largest backoff
     * @return the copy
     */
    public RetrySettings withBackoff(Duration initial, Duration max) {
      return new RetrySettings(maxAttempts, initial, max, maxRetryAfter);
    }

    /**
     * Returns a copy with another {@code Retry-After} ceiling.
     *
     * @param max the longest wait the adapter spends itself
     * @return the copy
     */
    public RetrySettings withMaxRetryAfter(Duration max) {
      return new RetrySettings(maxAttempts, initialBackoff, maxBackoff, max);
    }

    @Override
    public String toString() {
      return maxAttempts == 1 ? "no retry"
          : "retry " + maxAttempts + " attempts, backoff " + Durations.words(initialBackoff) + ".."
              + Durations.words(maxBackoff) + ", Retry-After up to " + Durations.words(maxRetryAfter);
    }
  }

  /**
   * Accumulates the adapter's settings. Not thread-safe.
   *
   * <p>The adapter reaches ARM in one of two ways, following the Azure SDK's builders:
   * <ul>
   *   <li>{@link #credential credential} and {@link #subscriptionId subscriptionId} (required together), with the
   *       optional {@link #environment environment} (default {@link AzureEnvironment#AZURE}), {@link #httpClient
   *       httpClient} (default: the HTTP client found on the class path, Azure's Netty client that this module
   *       depends on) and {@link #addPolicy policies}; the builder then authenticates a {@link ComputeManager} itself;
   *       or</li>
   *   <li>{@link #computeManager computeManager}: a manager the caller built, used as it is.</li>
   * </ul>
   * Setting both ways is a conflict: {@link #build()} then throws an {@link IllegalStateException} that names the two
   * settings that clash. Bad values are refused by the setters with an {@link InvalidValueException}, changing
   * nothing.
   */
  public static final class Builder {
    private static final Pattern GUID =
        Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

    private @Nullable ComputeManager computeManager;
    private @Nullable TokenCredential credential;
    private @Nullable String subscriptionId;
    private @Nullable AzureEnvironment environment;
    private @Nullable HttpClient httpClient;
    private final List<HttpPipelinePolicy> policies = new ArrayList<>();
    private RetrySettings retry = RetrySettings.ofDefaults();
    private Sleeper sleeper = Sleeper.onCallingThread();
    private Clock clock = Clock.systemUTC();
    private @Nullable Region marketplaceRegion;
    private int maxCapacity = MAX_SCALE_SET_CAPACITY;
    private @Nullable RequestBudget budget;

    private Builder() {}

    /**
     * Sets the compute manager to call ARM through. Its credential, HTTP client, endpoint and policies are used as
     * they are; only its retry policy is dropped (see the class comment). Cannot be combined with
     * {@link #credential}, {@link #subscriptionId}, {@link #environment}, {@link #httpClient} or {@link #addPolicy}:
     * the manager already carries all of them.
     *
     * @param manager the manager
     * @return this builder
     */
    public Builder computeManager(ComputeManager manager) {
      this.computeManager = Require.nonNull(manager, "computeManager");
      return this;
    }

    /**
     * Sets the credential that signs every request to ARM: {@code DefaultAzureCredential} from
     * {@code com.azure:azure-identity} (environment variables, workload or managed identity, then developer logins),
     * or any other {@link TokenCredential}. It is asked for tokens for the environment's management endpoint
     * ({@code https://management.core.windows.net/.default} in {@link AzureEnvironment#AZURE}). Requires
     * {@link #subscriptionId}.
     *
     * @param tokenCredential the credential
     * @return this builder
     */
    public Builder credential(TokenCredential tokenCredential) {
      this.credential = Require.nonNull(tokenCredential, "credential");
      return this;
    }

    /**
     * Sets the default subscription: the one the adapter's manager is bound to. Scale sets and gallery images in
     * other subscriptions the credential can reach may still be named (see the class comment). Requires
     * {@link #credential}.
     *
     * @param subscription an Azure subscription id, a GUID such as {@code 00000000-0000-0000-0000-000000000000}
     * @return this builder
     * @throws InvalidValueException when it is not a GUID
     */
    public Builder subscriptionId(String subscription) {
      Require.nonNull(subscription, "subscriptionId");
      Require.that(GUID.matcher(subscription).matches(), "subscriptionId",
          "an Azure subscription id: a GUID such as 00000000-0000-0000-0000-000000000000", subscription);
      this.subscriptionId = subscription.toLowerCase(Locale.ROOT);
      return this;
    }

    /**
     * Sets the Azure cloud: {@link AzureEnvironment#AZURE} (the default), {@link AzureEnvironment#AZURE_CHINA},
     * {@link AzureEnvironment#AZURE_US_GOVERNMENT}, or an environment of one's own (an Azure Stack hub, or a test
     * server). Only used with {@link #credential}.
     *
     * @param cloud the environment; its resource manager endpoint must be an {@code https} URL (the SDK sends bearer
     *     tokens over nothing else)
     * @return this builder
     * @throws InvalidValueException when the resource manager endpoint is missing or not {@code https}
     */
    public Builder environment(AzureEnvironment cloud) {
      Require.nonNull(cloud, "environment");
      String endpoint = cloud.getResourceManagerEndpoint();
      Require.that(endpoint != null && endpoint.regionMatches(true, 0, "https://", 0, 8)
          && endpoint.length() > 8, "environment", "an environment whose resource manager endpoint is an https URL",
          endpoint);
      this.environment = cloud;
      return this;
    }

    /**
     * Sets the HTTP client that carries the requests, for example one built with {@code NettyAsyncHttpClientBuilder}
     * with a proxy or timeouts of one's own, or another {@code azure-core} HTTP client. Without it the builder uses
     * the one Azure's {@code HttpClientProvider} finds on the class path: the Netty client this module depends on.
     * Only used with {@link #credential}.
     *
     * @param client the client
     * @return this builder
     */
    public Builder httpClient(HttpClient client) {
      this.httpClient = Require.nonNull(client, "httpClient");
      return this;
    }

    /**
     * Adds a policy to the HTTP pipeline (Azure's {@code addPolicy}), for example one that tags requests or logs
     * them. Policies run in the order added, after the SDK's own. Only used with {@link #credential}. A retry
     * policy added here is dropped like the SDK's (the adapter is the only layer that retries).
     *
     * @param policy the policy
     * @return this builder
     */
    public Builder addPolicy(HttpPipelinePolicy policy) {
      this.policies.add(Require.nonNull(policy, "policy"));
      return this;
    }

    /**
     * Sets how calls are retried.
     *
     * @param settings the settings; {@link RetrySettings#none()} turns retries off
     * @return this builder
     */
    public Builder retry(RetrySettings settings) {
      this.retry = Require.nonNull(settings, "retry");
      return this;
    }

    /**
     * Sets how the adapter waits between retries.
     *
     * @param waiter the sleeper
     * @return this builder
     */
    public Builder sleeper(Sleeper waiter) {
      this.sleeper = Require.nonNull(waiter, "sleeper");
      return this;
    }

    /**
     * Shares a request budget for instance listings with other adapters of the process ({@link RequestBudget}): a
     * listing it cannot afford is not sent but thrown as a {@link dev.osupgrade.port.ThrottledException} with the
     * wait. Without one, the adapter keeps a budget of its own (the same buckets, not shared).
     *
     * @param shared the budget
     * @return this builder
     */
    public Builder requestBudget(RequestBudget shared) {
      this.budget = Require.nonNull(shared, "requestBudget");
      return this;
    }

    /**
     * Sets the clock that stamps the first-seen time of marketplace versions.
     *
     * @param time the clock
     * @return this builder
     */
    public Builder clock(Clock time) {
      this.clock = Require.nonNull(time, "clock");
      return this;
    }

    /**
     * Sets the region in which {@link AzureFleet#listReleases(ImageReference)} lists marketplace versions.
     *
     * @param region the region
     * @return this builder
     */
    public Builder marketplaceRegion(Region region) {
      this.marketplaceRegion = Require.nonNull(region, "marketplaceRegion");
      return this;
    }

    /**
     * Same as {@link #marketplaceRegion(Region)}, in any of Azure's spellings.
     *
     * @param region e.g. {@code "westeurope"} or {@code "West Europe"}
     * @return this builder
     */
    public Builder marketplaceRegion(String region) {
      return marketplaceRegion(Region.of(region));
    }

    /**
     * Sets the largest scale set the adapter counts on for {@link AzureFleet#headroom}: Azure's limit is 1000
     * instances for platform and gallery images and 600 for managed images, and 100 in a single placement group
     * (which the adapter reads from the scale set).
     *
     * @param instances in [1, 1000]
     * @return this builder
     */
    public Builder maxScaleSetCapacity(int instances) {
      this.maxCapacity = Require.inRange("maxScaleSetCapacity", instances, 1, MAX_SCALE_SET_CAPACITY);
      return this;
    }

    /**
     * Builds the adapter. With {@link #credential} it authenticates a {@link ComputeManager} (no request is sent
     * until the adapter is used).
     *
     * @return the adapter
     * @throws IllegalStateException when neither {@link #computeManager} nor {@link #credential} was set, when only
     *     one of {@link #credential} and {@link #subscriptionId} was, or when {@link #computeManager} was combined
     *     with a setting it already carries (the message names both)
     */
    public AzureFleet build() {
      return new AzureFleet(this, manager());
    }

    private ComputeManager manager() {
      if (computeManager != null) {
        List<String> carried = connectionSettings();
        if (!carried.isEmpty()) {
          throw new IllegalStateException("computeManager and " + carried.get(0) + " cannot both be set: a "
              + "ComputeManager already carries its credential, subscription, environment, HTTP client and policies; "
              + "set either computeManager(...) or credential(...) and subscriptionId(...)");
        }
        return computeManager;
      }
      if (credential == null && subscriptionId == null) {
        throw new IllegalStateException("computeManager must be set, or credential and subscriptionId: "
            + "AzureFleet.builder().credential(new DefaultAzureCredentialBuilder().build()).subscriptionId(id), or "
            + "AzureFleet.builder().computeManager(manager)");
      }
      if (credential == null) {
        throw new IllegalStateException("subscriptionId is set but credential is not: set credential(...) too "
            + "(for example new DefaultAzureCredentialBuilder().build() from com.azure:azure-identity)");
      }
      if (subscriptionId == null) {
        throw new IllegalStateException("credential is set but subscriptionId is not: set subscriptionId(...) too");
      }
      AzureEnvironment cloud = environment == null ? AzureEnvironment.AZURE : environment;
      ComputeManager.Configurable configurable = ComputeManager.configure();
      if (httpClient != null) {
        configurable = configurable.withHttpClient(httpClient);
      }
      for (HttpPipelinePolicy policy : policies) {
        configurable = configurable.withPolicy(policy);
      }
      return configurable.authenticate(credential, new AzureProfile(null, subscriptionId, cloud));
    }

    /** The settings a compute manager carries itself, in the order they are named in a conflict. */
    private List<String> connectionSettings() {
      List<String> set = new ArrayList<>();
      if (credential != null) {
        set.add("credential");
      }
      if (subscriptionId != null) {
        set.add("subscriptionId");
      }
      if (environment != null) {
        set.add("environment");
      }
      if (httpClient != null) {
        set.add("httpClient");
      }
      if (!policies.isEmpty()) {
        set.add("addPolicy");
      }
      return set;
    }

    private static String describe(AzureEnvironment cloud) {
      if (cloud == AzureEnvironment.AZURE) {
        return "AZURE";
      }
      if (cloud == AzureEnvironment.AZURE_CHINA) {
        return "AZURE_CHINA";
      }
      if (cloud == AzureEnvironment.AZURE_US_GOVERNMENT) {
        return "AZURE_US_GOVERNMENT";
      }
      return cloud.getResourceManagerEndpoint();
    }

    @Override
    public String toString() {
      List<String> parts = new ArrayList<>();
      if (computeManager != null) {
        parts.add("computeManager");
      }
      if (credential != null) {
        parts.add("credential");
      }
      if (subscriptionId != null) {
        parts.add("subscriptionId=" + subscriptionId);
      }
      if (environment != null) {
        parts.add("environment=" + describe(environment));
      }
      if (httpClient != null) {
        parts.add("httpClient");
      }
      if (!policies.isEmpty()) {
        parts.add("policies=" + policies.size());
      }
      if (!retry.equals(RetrySettings.ofDefaults())) {
        parts.add(retry.toString());
      }
      if (marketplaceRegion != null) {
        parts.add("marketplaceRegion=" + marketplaceRegion);
      }
      if (maxCapacity != MAX_SCALE_SET_CAPACITY) {
        parts.add("maxScaleSetCapacity=" + maxCapacity);
      }
      return "AzureFleet.Builder{" + String.join(", ", parts) + "}";
    }
  }
}
