package dev.osupgrade.azure.internal;

import com.azure.core.http.HttpPipeline;
import com.azure.core.http.HttpPipelineBuilder;
import com.azure.core.http.policy.HttpPipelinePolicy;
import com.azure.core.http.policy.RetryPolicy;
import com.azure.core.management.polling.PollResult;
import com.azure.core.management.profile.AzureProfile;
import com.azure.core.util.Context;
import com.azure.core.util.polling.LongRunningOperationStatus;
import com.azure.core.util.polling.PollResponse;
import com.azure.resourcemanager.compute.ComputeManager;
import com.azure.resourcemanager.compute.fluent.ComputeManagementClient;
import com.azure.resourcemanager.compute.fluent.models.GalleryImageVersionInner;
import com.azure.resourcemanager.compute.fluent.models.ResourceSkuInner;
import com.azure.resourcemanager.compute.fluent.models.RollingUpgradeStatusInfoInner;
import com.azure.resourcemanager.compute.fluent.models.UpgradeOperationHistoricalStatusInfoInner;
import com.azure.resourcemanager.compute.fluent.models.UsageInner;
import com.azure.resourcemanager.compute.fluent.models.VirtualMachineImageResourceInner;
import com.azure.resourcemanager.compute.fluent.models.VirtualMachineScaleSetInner;
import com.azure.resourcemanager.compute.models.ReplicationStatusTypes;
import com.azure.resourcemanager.compute.models.Sku;
import com.azure.resourcemanager.compute.models.VirtualMachineScaleSetUpdate;
import com.azure.resourcemanager.compute.models.VirtualMachineScaleSetUpdateStorageProfile;
import com.azure.resourcemanager.compute.models.VirtualMachineScaleSetUpdateVMProfile;
import com.azure.resourcemanager.compute.models.VirtualMachineScaleSetVMInstanceIDs;
import com.azure.resourcemanager.compute.models.VirtualMachineScaleSetVMInstanceRequiredIDs;
import dev.osupgrade.Region;
import dev.osupgrade.Require;
import dev.osupgrade.azure.AzureFleet.OsUpgradeHistory;
import dev.osupgrade.azure.AzureFleet.RetrySettings;
import dev.osupgrade.azure.AzureFleet.Sleeper;
import dev.osupgrade.fleet.HealthMonitoring;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.InstanceIds;
import dev.osupgrade.fleet.OrchestrationMode;
import dev.osupgrade.fleet.ScaleSet;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.fleet.ScaleSetSummary;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.image.ImageRelease;
import dev.osupgrade.image.ImageVersion;
import dev.osupgrade.ops.RollingUpgradeStatus;
import dev.osupgrade.ops.UpgradeHistoryEntry;
import dev.osupgrade.policy.UpgradeMode;
import dev.osupgrade.policy.UpgradePolicy;
import dev.osupgrade.port.CloudException;
import dev.osupgrade.port.ConflictException;
import dev.osupgrade.port.DiscoveryScope;
import dev.osupgrade.port.ForbiddenException;
import dev.osupgrade.port.InvalidModelException;
import dev.osupgrade.port.LeaseLostException;
import dev.osupgrade.port.ResourceNotFoundException;
import dev.osupgrade.port.ThrottledException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * What {@code AzureFleet} does, call by call. Public only because the entry type lives in another package; not an
 * API.
 */
public final class AzureOperations {
  private static final Pattern GALLERY_ID = Pattern.compile("(?i)/subscriptions/([^/]+)/resourceGroups/([^/]+)"
      + "/providers/Microsoft\\.Compute/galleries/([^/]+)/images/([^/]+)");
  private static final System.Logger LOG = System.getLogger(AzureOperations.class.getName());
  /** How many PATCHes a model move may send, each decided from a fresh read. */
  private static final int MODEL_ROUNDS = 3;

  private final ComputeManager base;
  private final HttpPipeline pipeline;
  private final Map<String, ComputeManagementClient> clients = new ConcurrentHashMap<>();
  private final Map<String, Instant> firstSeen = new ConcurrentHashMap<>();
  /** What the last read of each scale set's model said: the image, the health source, the orchestration mode. */
  private final Map<ScaleSetId, ModelFacts> models = new ConcurrentHashMap<>();
  /**
   * The resource locks on each Flexible scale set's VMs, as last read: read with every full read ({@link #get}) and
   * whenever ARM refused a change as {@code ScopeLocked}; listings in between use them.
   */
  private final Map<ScaleSetId, FlexibleMapper.Locks> locks = new ConcurrentHashMap<>();
  /**
   * Locks ARM itself reported when it refused a change ({@code ScopeLocked} names the locked scopes): kept for the
   * adapter's life and added to every read of the locks, since a listing of locks that comes back empty cannot be
   * told from one that was lost.
   */
  private final Map<ScaleSetId, FlexibleMapper.Locks> learned = new ConcurrentHashMap<>();
  private final ArmRetry retry;
  private final ArmReads reads;
  private final Clock clock;
  private final int maxCapacity;
  /** The process's budget for instance listings, or null to send them as they come. */
  private final @Nullable ListingBudget budget;
  /** VM sizes by subscription, region and name: they do not change. */
  private final Map<String, CapacityMapper.VmSize> vmSizes = new ConcurrentHashMap<>();

  /**
   * Creates the operations.
   *
   * @param manager the caller's compute manager
   * @param settings how to retry
   * @param sleeper how to wait between retries
   * @param clock stamps first-seen times of marketplace versions
   * @param maxCapacity the largest scale set the caller allows, for {@link #headroom}
   * @param budget the process's budget for instance listings, or null
   */
  public AzureOperations(ComputeManager manager, RetrySettings settings, Sleeper sleeper, Clock clock,
      int maxCapacity, @Nullable ListingBudget budget) {
    this.base = manager;
    this.pipeline = withoutSdkRetry(manager.httpPipeline());
    this.retry = new ArmRetry(settings, sleeper);
    this.reads = new ArmReads(pipeline, manager.environment().getResourceManagerEndpoint());
    this.clock = clock;
    this.maxCapacity = maxCapacity;
    this.budget = budget;
  }

  /**
   * Copies a pipeline without its {@link RetryPolicy}: the adapter's resilience4j retry is the only retry layer.
   */
  private static HttpPipeline withoutSdkRetry(HttpPipeline original) {
    List<HttpPipelinePolicy> kept = new ArrayList<>();
    for (int i = 0; i < original.getPolicyCount(); i++) {
      HttpPipelinePolicy p = original.getPolicy(i);
      if (!(p instanceof RetryPolicy)) {
        kept.add(p);
      }
    }
    return new HttpPipelineBuilder().httpClient(original.getHttpClient()).tracer(original.getTracer())
        .policies(kept.toArray(new HttpPipelinePolicy[0])).build();
  }

  private ComputeManagementClient client(String subscriptionId) {
    return clients.computeIfAbsent(subscriptionId.toLowerCase(Locale.ROOT), s -> ComputeManager
        .authenticate(pipeline, new AzureProfile(null, subscriptionId, base.environment())).serviceClient());
  }

  /** @return the subscription and endpoint, for {@code toString} */
  public String describe() {
    return "subscription " + base.subscriptionId() + " at " + base.environment().getResourceManagerEndpoint();
  }

  // ---------------------------------------------------------------------------------------------- scale sets

  /**
   * Reads a scale set and its instances.
   *
   * @param id the scale set
   * @return the snapshot
   */
  public ScaleSet get(ScaleSetId id) {
    Require.nonNull(id, "id");
    ModelMapper.Vmss vmss = getScaleSet(id);
    ScaleSet scaleSet;
    if (ModelMapper.orchestration(vmss.inner()) == OrchestrationMode.FLEXIBLE) {
      List<FlexibleMapper.Vm> vms = listFlexibleVms(id);
      FlexibleMapper.Locks held = readLocks(id);
      scaleSet = read("scale set " + id, () -> ModelMapper.scaleSet(id, vmss,
          (model, health) -> FlexibleMapper.instances(vms, model, health, held)));
    } else {
      List<ModelMapper.Vm> vms = listVms(id);
      scaleSet = read("scale set " + id, () -> ModelMapper.scaleSet(id, vmss, vms));
    }
    models.put(id, new ModelFacts(scaleSet.modelImage(), scaleSet.healthMonitoring(), scaleSet.orchestrationMode()));
    return scaleSet;
  }

  /**
   * Reads the scale set's model without its instances: one GET of the scale set. A Flexible scale set's instances take
   * their protection from the resource group's locks, which a full read reads afresh: the locks are read too, and when
   * they differ from those the listings have used (or none are kept), the VMs are listed as well and the answer holds
   * every instance, as {@link #get}'s does.
   *
   * @param id the scale set
   * @return the model, with no instances, or with every instance when a Flexible scale set's locks changed
   */
  public ScaleSet model(ScaleSetId id) {
    Require.nonNull(id, "id");
    ModelMapper.Vmss vmss = getScaleSet(id);
    ScaleSet scaleSet;
    if (ModelMapper.orchestration(vmss.inner()) == OrchestrationMode.FLEXIBLE) {
      FlexibleMapper.Locks used = locks.get(id);
      FlexibleMapper.Locks held = readLocks(id);
      List<FlexibleMapper.Vm> vms = held.equals(used) ? List.of() : listFlexibleVms(id);
      scaleSet = read("scale set " + id, () -> ModelMapper.scaleSet(id, vmss,
          (model, health) -> FlexibleMapper.instances(vms, model, health, held)));
    } else {
      scaleSet = read("scale set " + id, () -> ModelMapper.scaleSet(id, vmss, List.of()));
    }
    models.put(id, new ModelFacts(scaleSet.modelImage(), scaleSet.healthMonitoring(), scaleSet.orchestrationMode()));
    return scaleSet;
  }

  /**
   * Reads the instances: one listing when this adapter has read the scale set's model before (the model says which
   * health source the scale set has, and which image an instance without its own image reference runs), else a full
   * {@link #get}.
   *
   * @param id the scale set
   * @return the instances
   */
  public List<Instance> listInstances(ScaleSetId id) {
    Require.nonNull(id, "id");
    ModelFacts facts = models.get(id);
    if (facts == null) {
      return get(id).instances();
    }
    if (facts.mode() == OrchestrationMode.FLEXIBLE) {
      List<FlexibleMapper.Vm> vms = listFlexibleVms(id);
      FlexibleMapper.Locks held = locks.containsKey(id) ? locks.get(id) : readLocks(id);
      return read("instances of " + id, () -> FlexibleMapper.instances(vms, facts.image(), facts.health(), held));
    }
    List<ModelMapper.Vm> vms = listVms(id);
    return read("instances of " + id, () -> ModelMapper.instances(vms, facts.image(), facts.health()));
  }

  /**
   * Reads one instance: one GET of the scale set VM with {@code $expand=instanceView}, read as the listing reads its
   * items (after a GET of the scale set when this adapter has not read the model yet: reading an instance needs the
   * model's image and health source). A 404 is "no such instance", unless it says that the scale set or its resource
   * group is missing.
   *
   * @param id the scale set
   * @param instanceId the instance, one path segment
   * @return the instance, or empty when the scale set has no such instance
   */
  public Optional<Instance> instance(ScaleSetId id, String instanceId) {
    Require.nonNull(id, "id");
    InstanceIds.require("instanceId", instanceId);
    ModelFacts facts = models.get(id);
    if (facts == null) {
      ModelMapper.Vmss vmss = getScaleSet(id);
      facts = read("scale set " + id, () -> new ModelFacts(ModelMapper.modelImage(vmss.inner()),
          ModelMapper.healthMonitoring(vmss.inner().virtualMachineProfile()), ModelMapper.orchestration(vmss.inner())));
      models.put(id, facts);
    }
    if (facts.mode() == OrchestrationMode.FLEXIBLE) {
      return flexibleInstance(id, instanceId, facts);
    }
    String what = "GET instance " + instanceId + " of " + id;
    ModelMapper.Vm vm;
    try {
      vm = retry.call(CallKind.READ, what, () -> {
        ArmReads.Answer answer = reads.object(reads.url(id, "/virtualMachines/" + instanceId, "$expand=instanceView"),
            what);
        ModelMapper.Vm read = ModelMapper.vm(answer.text(), "the answer", id.name(), what);
        if (!read.instanceId().equals(instanceId)) {
          throw ArmReads.unreadable(what, "it is instance " + read.instanceId() + ", not " + instanceId, null);
        }
        return read;
      });
    } catch (ResourceNotFoundException e) {
      if (scaleSetIsMissing(e, id)) {
        throw e;
      }
      return Optional.empty();
    }
    ModelFacts model = facts;
    return Optional.of(read(what, () -> ModelMapper.instances(List.of(vm), model.image(), model.health()).get(0)));
  }

  /**
   * Reads one VM of a Flexible scale set: one GET of the VM with {@code $expand=instanceView} (the VM API, as Azure's
   * comparison of the orchestration modes says). A VM that does not exist, or is no member of the scale set any more
   * (detached), is "no such instance".
   */
  private Optional<Instance> flexibleInstance(ScaleSetId id, String name, ModelFacts facts) {
    String what = "GET VM " + name + " of " + id;
    FlexibleMapper.Vm vm;
    try {
      vm = retry.call(CallKind.READ, what, () -> {
        ArmReads.Answer answer = reads.object(reads.url(vmsPath(id) + "/" + name, "$expand=instanceView",
            ArmReads.COMPUTE_API), what);
        FlexibleMapper.Vm read = FlexibleMapper.vm(answer.text(), "the answer", what);
        if (!read.name().equalsIgnoreCase(name)) {
          throw ArmReads.unreadable(what, "it is VM " + read.name() + ", not " + name, null);
        }
        return read;
      });
    } catch (ResourceNotFoundException e) {
      if (e.code().equalsIgnoreCase("ResourceGroupNotFound")) {
        throw e;
      }
      return Optional.empty();
    }
    if (!FlexibleMapper.memberOf(vm, id)) {
      return Optional.empty();
    }
    FlexibleMapper.Locks held = locks.containsKey(id) ? locks.get(id) : readLocks(id);
    return Optional.of(read(what, () -> FlexibleMapper.instances(List.of(vm), facts.image(), facts.health(), held)
        .get(0)));
  }

  /** The path of the resource group's virtual machines (a Flexible scale set's VMs live in its resource group). */
  private static String vmsPath(ScaleSetId id) {
    return "/subscriptions/" + id.subscriptionId() + "/resourceGroups/" + id.resourceGroup()
        + "/providers/Microsoft.Compute/virtualMachines";
  }

  /**
   * Lists a Flexible scale set's VMs, every page: {@code VirtualMachines_List} of the resource group with
   * {@code $filter='virtualMachineScaleSet/id' eq '{id}'} and {@code $expand=instanceView} (health, power, fault
   * domain of every VM in one paged listing, not one request per VM).
   */
  private List<FlexibleMapper.Vm> listFlexibleVms(ScaleSetId id) {
    String filter = java.net.URLEncoder.encode("'virtualMachineScaleSet/id' eq '" + id.armId() + "'",
        java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20");
    return budgeted(id, ListingBudget.Listing.FLEXIBLE_VMS, "list VMs of " + id,
        reads.url(vmsPath(id), "$filter=" + filter + "&$expand=instanceView", ArmReads.COMPUTE_API),
        FlexibleMapper::vm);
  }


  /**
   * Reads the resource group's locks as they apply to the scale set's VMs, adds those ARM reported in a refusal, and
   * keeps them for the listings.
   */
  private FlexibleMapper.Locks readLocks(ScaleSetId id) {
    String what = "list locks of resource group " + id.resourceGroup() + " (for " + id + ")";
    FlexibleMapper.Locks read = retry.call(CallKind.READ, what, () -> FlexibleMapper.locks(reads.list(reads.url(
        "/subscriptions/" + id.subscriptionId() + "/resourceGroups/" + id.resourceGroup()
            + "/providers/Microsoft.Authorization/locks", "", ArmReads.LOCKS_API), what), id, what));
    FlexibleMapper.Locks known = learned.get(id);
    FlexibleMapper.Locks all = known == null ? read : read.with(known);
    locks.put(id, all);
    return all;
  }

  /** The ids of the scale set's instances now: its instance ids (Uniform), its VMs' names (Flexible). */
  private Set<String> instanceIdsNow(ScaleSetId id) {
    ModelFacts facts = models.get(id);
    OrchestrationMode mode = facts != null ? facts.mode()
        : read("scale set " + id, () -> ModelMapper.orchestration(getScaleSet(id).inner()));
    Set<String> ids = new HashSet<>();
    if (mode == OrchestrationMode.FLEXIBLE) {
      listFlexibleVms(id).forEach(vm -> ids.add(vm.name()));
    } else {
      listVms(id).forEach(vm -> ids.add(vm.instanceId()));
    }
    return ids;
  }

  /**
   * Runs a change; when ARM refuses it because a resource lock applies ({@code ScopeLocked}), forgets the locks read
   * so far, so that the next listing reads them again.
   */
  private void lockAware(ScaleSetId id, Runnable change) {
    try {
      change.run();
    } catch (CloudException e) {
      if ("ScopeLocked".equalsIgnoreCase(e.code())) {
        FlexibleMapper.Locks reported = FlexibleMapper.lockedBy(e.getMessage(), id);
        learned.merge(id, reported, FlexibleMapper.Locks::with);
        locks.remove(id);
        LOG.log(System.Logger.Level.INFO, "{0}: ARM refused a change of a locked scope; kept as a lock: {1}", id,
            reported);
      }
      throw e;
    }
  }

  /**
   * Lists the scale sets of a subscription or a resource group: one GET of {@code virtualMachineScaleSets} (ARM's
   * "ListAll" or "List"), following every {@code nextLink}. Each item is read as a GET of the scale set is (the
   * upgrade mode as Azure spelled it), its id from its resource id, its capacity from {@code sku.capacity}; an item
   * that is not a scale set fails the listing as malformed, naming it (retried, as any unreadable answer).
   *
   * @param scope the subscription, or one resource group of it
   * @return the scale sets, in ARM's order
   */
  public List<ScaleSetSummary> listScaleSets(DiscoveryScope scope) {
    Require.nonNull(scope, "scope");
    String path = "/subscriptions/" + scope.subscriptionId()
        + scope.resourceGroupIfAny().map(rg -> "/resourceGroups/" + rg).orElse("")
        + "/providers/Microsoft.Compute/virtualMachineScaleSets";
    String what = "list scale sets of " + scope;
    return retry.call(CallKind.READ, what, () -> {
      List<ScaleSetSummary> out = new ArrayList<>();
      for (ArmReads.Item item : reads.list(reads.url(path, "", ArmReads.COMPUTE_API), what)) {
        String json = item.json();
        if (json == null) {
          throw ArmReads.unreadable(what, item.where() + " is " + item.kind() + ", not a scale set", null);
        }
        out.add(summary(json, what + ", " + item.where()));
      }
      return out;
    });
  }

  private static ScaleSetSummary summary(String json, String what) {
    Map<String, Object> fields;
    VirtualMachineScaleSetInner inner;
    try {
      fields = Json.object(json);
      inner = Json.model(json, VirtualMachineScaleSetInner::fromJson);
    } catch (IllegalArgumentException e) {
      throw ArmReads.unreadable(what, String.valueOf(e.getMessage()), e);
    }
    String armId = Json.string(fields, "id");
    if (armId == null) {
      throw ArmReads.unreadable(what, "it has no resource id (" + Json.abbreviate(json) + ")", null);
    }
    ScaleSet s = read(what, () -> ModelMapper.scaleSet(ScaleSetId.parse(armId), new ModelMapper.Vmss(inner,
        Json.string(fields, "properties", "upgradePolicy", "mode")), List.of()));
    Sku sku = inner.sku();
    long capacity = sku == null || sku.capacity() == null ? 0 : Math.max(0, sku.capacity());
    return new ScaleSetSummary(s.id(), s.region(), s.zones(), s.orchestrationMode(), s.upgradePolicy(),
        s.modelImage(), (int) Math.min(Integer.MAX_VALUE, capacity), s.tags());
  }

  /** The parts of a model that reading instances needs. */
  private record ModelFacts(ImageReference image, HealthMonitoring health, OrchestrationMode mode) {}

  private ModelMapper.Vmss getScaleSet(ScaleSetId id) {
    String what = "GET scale set " + id;
    return retry.call(CallKind.READ, what, () -> {
      ArmReads.Answer answer = reads.object(reads.url(id, "", ""), what);
      VirtualMachineScaleSetInner inner;
      try {
        inner = Json.model(answer.text(), VirtualMachineScaleSetInner::fromJson);
      } catch (IllegalArgumentException e) {
        throw ArmReads.unreadable(what, String.valueOf(e.getMessage()), e);
      }
      return new ModelMapper.Vmss(inner, Json.string(answer.fields(), "properties", "upgradePolicy", "mode"));
    });
  }

  /**
   * Lists the instances, every page; an instance without {@code instanceId} gets the id its resource id or name
   * carries, and an item that is not an instance fails the listing as malformed, naming it.
   */
  private List<ModelMapper.Vm> listVms(ScaleSetId id) {
    return budgeted(id, ListingBudget.Listing.SCALE_SET_VMS, "list instances of " + id,
        reads.url(id, "/virtualMachines", "$expand=instanceView"), (item, what) -> ModelMapper.vm(item, id.name(), what));
  }

  /**
   * Sends a listing within the process's request budget: held back with a {@link ThrottledException} when its pages
   * (as many as last time) would overspend the listing's buckets, else sent page by page, each page counted (and
   * what Azure reports left taken) as it comes.
   */
  private <T> List<T> budgeted(ScaleSetId id, ListingBudget.Listing listing, String what, String url,
      java.util.function.BiFunction<ArmReads.Item, String, T> reader) {
    ListingBudget b = budget;
    if (b != null) {
      Duration wait = b.waitForListing(id.subscriptionId(), id.armId(), listing, clock.instant());
      if (!wait.isZero()) {
        b.report(id, listing, wait, clock.instant());
        throw new ThrottledException(dev.osupgrade.azure.RequestBudget.CODE, "the listing of " + id + " would "
            + "overspend the request budget (" + (listing == ListingBudget.Listing.FLEXIBLE_VMS
            ? "Microsoft.Compute's High Cost Get VM bucket: 900 a subscription, 300 more a minute"
            : "Microsoft.Compute's High Cost Get buckets: 30 a scale set, 10 more a minute") + "); not sent, wait "
            + wait, wait, null);
      }
    }
    int[] pages = {0};
    List<T> listed = retry.call(CallKind.READ, what, () -> {
      pages[0] = 0; // the pages of the attempt that answers
      List<T> items = new ArrayList<>();
      for (ArmReads.Item item : reads.list(url, what, remaining -> {
        pages[0]++;
        if (b != null) {
          b.pageSent(id.subscriptionId(), id.armId(), listing, clock.instant());
          if (remaining != null) {
            b.reported(id.subscriptionId(), id.armId(), listing, remaining, clock.instant());
          }
          b.report(id, listing, Duration.ZERO, clock.instant());
        }
      })) {
        items.add(reader.apply(item, what));
      }
      return items;
    });
    if (b != null) {
      b.listed(id.armId(), pages[0]);
    }
    return listed;
  }

  /**
   * Points the model at another image.
   *
   * @param id the scale set
   * @param image the image
   */
  public void updateModelImage(ScaleSetId id, ImageReference image) {
    Require.nonNull(id, "id");
    Require.nonNull(image, "image");
    // Waits for the PATCH's operation without the GET of the scale set the SDK's synchronous update sends after it:
    // the rollout reads the model on its next full read. An operation that ends Failed or Canceled throws what that
    // synchronous update threw (ARM's code from the last poll's answer), mapped and retried the same way.
    String operation = "PATCH model image of " + id + " to " + image;
    VirtualMachineScaleSetUpdate update = imageUpdate(image);
    retry.run(CallKind.IDEMPOTENT_WRITE, operation, () -> {
      PollResponse<PollResult<VirtualMachineScaleSetInner>> done = client(id.subscriptionId())
          .getVirtualMachineScaleSets()
          .beginUpdate(id.resourceGroup(), id.name(), update, null, null, Context.NONE)
          .waitForCompletion();
      if (done.getStatus() != LongRunningOperationStatus.SUCCESSFULLY_COMPLETED) {
        PollResult<VirtualMachineScaleSetInner> last = done.getValue();
        throw ErrorMapper.operationEnded(done.getStatus(), last == null ? null : last.getError(), operation);
      }
    });
    models.computeIfPresent(id, (k, facts) -> new ModelFacts(image, facts.health(), facts.mode()));
  }

  /**
   * Sends the model PATCH and waits for the scale set after it, as the SDK's synchronous update does (the operation's
   * polls, then a GET of the scale set): the rollback's moves need that GET's etag for their next {@code If-Match}.
   */
  private VirtualMachineScaleSetInner patchImage(ScaleSetId id, ImageReference image, @Nullable String ifMatch,
      String operation) {
    VirtualMachineScaleSetUpdate update = imageUpdate(image);
    return retry.call(ifMatch == null ? CallKind.IDEMPOTENT_WRITE : CallKind.ONCE_ONLY_WRITE, operation,
        () -> client(id.subscriptionId()).getVirtualMachineScaleSets()
            .update(id.resourceGroup(), id.name(), update, ifMatch, null, Context.NONE));
  }

  private static VirtualMachineScaleSetUpdate imageUpdate(ImageReference image) {
    return new VirtualMachineScaleSetUpdate()
        .withVirtualMachineProfile(new VirtualMachineScaleSetUpdateVMProfile()
            .withStorageProfile(new VirtualMachineScaleSetUpdateStorageProfile()
                .withImageReference(ImageMapper.write(image))));
  }

  /**
   * Sets the upgrade policy.
   *
   * @param id the scale set
   * @param policy the policy
   * @param ifMatchEtag the etag, or null for an unconditional change
   */
  public void updateUpgradePolicy(ScaleSetId id, UpgradePolicy policy, @Nullable String ifMatchEtag) {
    Require.nonNull(id, "id");
    Require.nonNull(policy, "policy");
    Require.that(policy.mode().isKnown(), "policy.mode", "a mode Azure documents (Automatic, Manual or Rolling)",
        policy.mode());
    VirtualMachineScaleSetUpdate update = new VirtualMachineScaleSetUpdate().withUpgradePolicy(ModelMapper.write(policy));
    retry.call(ifMatchEtag == null ? CallKind.IDEMPOTENT_WRITE : CallKind.ONCE_ONLY_WRITE,
        "PATCH upgrade policy of " + id + (ifMatchEtag == null ? "" : " (If-Match " + ifMatchEtag + ")"),
        () -> client(id.subscriptionId()).getVirtualMachineScaleSets()
            .update(id.resourceGroup(), id.name(), update, ifMatchEtag, null, Context.NONE));
  }

  /**
   * Upgrades instances to the model with one {@code manualupgrade}, returning once ARM accepted it.
   *
   * @param id the scale set
   * @param instanceIds the instances
   */
  public void upgradeInstances(ScaleSetId id, List<String> instanceIds) {
    Require.nonNull(id, "id");
    List<String> ids = distinct(instanceIds);
    if (ids.isEmpty()) {
      return;
    }
    lockAware(id, () -> retry.run(CallKind.IDEMPOTENT_WRITE, "POST manualupgrade of " + ids.size()
        + " instance(s) of " + id, () -> client(id.subscriptionId()).getVirtualMachineScaleSets()
            .beginUpdateInstances(id.resourceGroup(), id.name(),
                new VirtualMachineScaleSetVMInstanceRequiredIDs().withInstanceIds(ids), Context.NONE)));
  }

  /**
   * Rolls instances back by moving the model there and back (see {@code AzureFleet#rollBackInstances}).
   *
   * @param id the scale set
   * @param instanceIds the instances
   * @param previousImage the image to restore, pinned
   */
  public void rollBackInstances(ScaleSetId id, List<String> instanceIds, ImageReference previousImage) {
    Require.nonNull(id, "id");
    Require.nonNull(previousImage, "previousImage");
    Require.that(!previousImage.isLatest(), "previousImage", "pinned to a concrete version", previousImage);
    List<String> ids = distinct(instanceIds);
    if (ids.isEmpty()) {
      return;
    }
    ModelMapper.Vmss vmss = getScaleSet(id);
    ImageReference model = read("scale set " + id, () -> ModelMapper.modelImage(vmss.inner()));
    UpgradeMode mode = read("scale set " + id,
        () -> ModelMapper.upgradePolicy(vmss.inner().upgradePolicy(), vmss.rawMode(), false).mode());
    if (!mode.isKnown()) {
      // Unknown is not Manual, and not a reason to give up either: a rollout waits until the mode reads as one it
      // knows (a stall, not a rejection), and rolls back then.
      throw new CloudException(0, "UpgradeModeUnknown", "Rolling back instances of " + id + " waits: the scale set's "
          + "upgrade mode reads '" + mode.azureName() + "', a mode this library does not know, and in it Azure could "
          + "move every instance to " + previousImage + " when the model moves there. It rolls back once the mode "
          + "reads Manual.", null);
    }
    if (!UpgradeMode.MANUAL.equals(mode)) {
      throw new InvalidModelException(0, "RollbackRequiresManualUpgradeMode", "Rolling back instances of " + id
          + " moves the model to " + previousImage + " for the duration of the rollback; in upgrade mode "
          + mode.azureName() + (mode.isKnown() ? "" : " (a mode this library does not know)")
          + " Azure could move every instance there. Set the upgrade mode to Manual first.", null);
    }
    if (model.equals(previousImage)) {
      // re-entry (or a model someone left there): the model already says previousImage, so only the upgrade runs
      upgradeAndWait(id, ids);
      return;
    }
    String etag = moveModel(id, model, previousImage, vmss.etag(), "for rollback");
    RuntimeException failure = null;
    try {
      upgradeAndWait(id, ids);
    } catch (LeaseLostException lost) {
      LOG.log(System.Logger.Level.WARNING, "rollback of {0} lost its lease: the model of {1} stays on {2}; whoever "
          + "holds the lease now must set it back to {3}", ids, id, previousImage, model);
      throw lost;
    } catch (RuntimeException e) {
      failure = e;
    }
    try {
      moveModel(id, previousImage, model, etag, "back after rollback");
    } catch (LeaseLostException lost) {
      LOG.log(System.Logger.Level.WARNING, "rollback of {0} lost its lease before restoring the model: the model of "
          + "{1} stays on {2}; whoever holds the lease now must set it back to {3}", ids, id, previousImage, model);
      throw lost;
    } catch (CloudException restore) {
      CloudException left = new CloudException(restore.httpStatus(), "RollbackModelNotRestored",
          "The model of " + id + " was left on " + previousImage + " after rolling back " + ids
              + "; set it back to " + model + ". Cause: " + restore.code() + ": " + restore.getMessage(), restore);
      if (failure != null) {
        left.addSuppressed(failure);
      }
      throw left;
    }
    if (failure != null) {
      throw failure;
    }
  }

  /**
   * Moves the model from one image to another with {@code If-Match}, deciding every repeat from a fresh read: a 412
   * (the etag moved on) and a failure whose outcome is unknown (5xx, a lost connection, an unreadable answer, an
   * operation that ended failed) are followed by a GET. If the model already is where the PATCH wanted it, the move is
   * done (the lost answer was a success, or someone made the same change); if it still is where it was, the PATCH is
   * sent again with the new etag, at most {@value #MODEL_ROUNDS} times in all; if it is somewhere else, someone else
   * changed it, and that change is not overwritten.
   *
   * @return the etag after the move (null when ARM sent none)
   * @throws CloudException a refusal (400, 401/403, 404, 409, 429 past the retries) as it came, or
   *     {@link ConflictException} when the model was changed by someone else, or the last failure when the rounds
   *     are spent
   */
  private @Nullable String moveModel(ScaleSetId id, ImageReference from, ImageReference to, @Nullable String etag,
      String purpose) {
    String ifMatch = etag;
    CloudException last = null;
    for (int round = 1; round <= MODEL_ROUNDS; round++) {
      try {
        VirtualMachineScaleSetInner moved = patchImage(id, to, ifMatch, "PATCH model image of " + id + " to " + to
            + " " + purpose + (ifMatch == null ? "" : " (If-Match " + ifMatch + ")"));
        return moved == null ? null : moved.etag();
      } catch (CloudException e) {
        if (!outcomeToReconcile(e)) {
          throw e;
        }
        last = e;
      }
      ModelMapper.Vmss now;
      try {
        now = getScaleSet(id);
      } catch (CloudException unread) {
        unread.addSuppressed(last);
        throw unread;
      }
      ImageReference current = read("scale set " + id, () -> ModelMapper.modelImage(now.inner()));
      if (current.equals(to)) {
        LOG.log(System.Logger.Level.INFO, "the model of {0} already is {1} after {2}: the PATCH {3} is done",
            id, to, last.code(), purpose);
        return now.etag();
      }
      if (!current.equals(from)) {
        throw new ConflictException(last.httpStatus(), "ModelChangedConcurrently", "The model of " + id
            + " was changed to " + current + " by someone else while this adapter moved it from " + from + " to "
            + to + " " + purpose + "; that change is not overwritten.", last);
      }
      ifMatch = now.etag();
    }
    throw Require.nonNull(last, "last");
  }

  /**
   * Says whether a failed PATCH must be reconciled from a fresh read: a 412, or a failure whose outcome is unknown.
   * A refusal that ARM guarantees changed nothing (400, 401/403, 404, 409, 429) is not.
   */
  private static boolean outcomeToReconcile(CloudException e) {
    if (e instanceof ThrottledException || e instanceof InvalidModelException || e instanceof ForbiddenException
        || e instanceof ResourceNotFoundException) {
      return false;
    }
    if (e instanceof ConflictException) {
      return e.httpStatus() == 412;
    }
    return true;
  }

  private void upgradeAndWait(ScaleSetId id, List<String> ids) {
    lockAware(id, () -> retry.run(CallKind.IDEMPOTENT_WRITE, "POST manualupgrade of " + ids.size()
            + " instance(s) of " + id + " (rollback, waiting for completion)",
        () -> client(id.subscriptionId()).getVirtualMachineScaleSets().updateInstances(id.resourceGroup(), id.name(),
            new VirtualMachineScaleSetVMInstanceRequiredIDs().withInstanceIds(ids), Context.NONE)));
  }

  // ------------------------------------------------------------------------------------------ platform upgrade

  /**
   * Starts an OS rolling upgrade, returning once ARM accepted it.
   *
   * @param id the scale set
   */
  public void startOsUpgrade(ScaleSetId id) {
    Require.nonNull(id, "id");
    retry.run(CallKind.ONCE_ONLY_WRITE, "POST osRollingUpgrade of " + id,
        () -> client(id.subscriptionId()).getVirtualMachineScaleSetRollingUpgrades()
            .beginStartOSUpgrade(id.resourceGroup(), id.name(), Context.NONE));
  }

  /**
   * Cancels the rolling upgrade in progress; nothing in progress is a no-op.
   *
   * @param id the scale set
   */
  public void cancelRollingUpgrade(ScaleSetId id) {
    Require.nonNull(id, "id");
    try {
      retry.run(CallKind.IDEMPOTENT_WRITE, "POST rollingUpgrades/cancel of " + id,
          () -> client(id.subscriptionId()).getVirtualMachineScaleSetRollingUpgrades()
              .beginCancel(id.resourceGroup(), id.name(), Context.NONE));
    } catch (ConflictException e) {
      if (e.getMessage() == null
          || !e.getMessage().toLowerCase(Locale.ROOT).contains("no ongoing rolling upgrade to cancel")) {
        throw e;
      }
    }
  }

  /**
   * Reads the latest rolling upgrade.
   *
   * @param id the scale set
   * @return the status, or empty when there never was one
   */
  public Optional<RollingUpgradeStatus> latestRollingUpgrade(ScaleSetId id) {
    Require.nonNull(id, "id");
    String what = "GET rollingUpgrades/latest of " + id;
    ArmReads.Answer answer;
    RollingUpgradeStatusInfoInner info;
    try {
      answer = retry.call(CallKind.READ, what, () -> {
        ArmReads.Answer a = reads.object(reads.url(id, "/rollingUpgrades/latest", ""), what);
        if (!(Json.at(a.fields(), "properties", "runningStatus") instanceof Map)) {
          // an answer without a running status is not "never had one" (that is a 404): it cannot be read
          throw ArmReads.unreadable(what, "it has no properties.runningStatus (" + Json.abbreviate(a.text()) + ")",
              null);
        }
        return a;
      });
    } catch (ResourceNotFoundException e) {
      if (scaleSetIsMissing(e, id)) {
        throw e;
      }
      return Optional.empty();
    }
    info = read(what, () -> Json.model(answer.text(), RollingUpgradeStatusInfoInner::fromJson));
    return Optional.of(read(what, () -> StatusMapper.latest(info, answer.fields())));
  }

  private static boolean scaleSetIsMissing(ResourceNotFoundException e, ScaleSetId id) {
    if (e.code().equalsIgnoreCase("ResourceGroupNotFound")) {
      return true;
    }
    String message = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
    return e.code().equalsIgnoreCase("ResourceNotFound")
        && message.contains("microsoft.compute/virtualmachinescalesets/" + id.name() + "'");
  }

  /**
   * Reads the OS upgrade history, every page, newest first. An entry that cannot be read is left out and reported
   * (a warning in the log, and a line in {@link OsUpgradeHistory#unreadable()}); it does not fail the history.
   *
   * @param id the scale set
   * @return the entries and what was left out
   */
  public OsUpgradeHistory osUpgradeHistory(ScaleSetId id) {
    Require.nonNull(id, "id");
    String what = "GET osUpgradeHistory of " + id;
    List<ArmReads.Item> items = retry.call(CallKind.READ, what,
        () -> reads.list(reads.url(id, "/osUpgradeHistory", ""), what));
    List<UpgradeHistoryEntry> entries = new ArrayList<>();
    List<String> unreadable = new ArrayList<>();
    for (ArmReads.Item item : items) {
      String json = item.json();
      String why;
      if (json == null) {
        why = "it is " + item.kind() + ", not an entry";
      } else {
        try {
          entries.add(StatusMapper.history(Json.model(json, UpgradeOperationHistoricalStatusInfoInner::fromJson),
              Json.object(json)));
          continue;
        } catch (RuntimeException e) {
          why = String.valueOf(e.getMessage());
        }
      }
      String line = item.where() + ": " + why;
      unreadable.add(line);
      LOG.log(System.Logger.Level.WARNING, "left out an unreadable entry of {0}: {1}", what, line);
    }
    entries.sort(Comparator.comparing(UpgradeHistoryEntry::startTime).reversed());
    return new OsUpgradeHistory(entries, unreadable);
  }

  /**
   * Approves deferred upgrades of instances.
   *
   * @param id the scale set
   * @param instanceIds the instances; empty sends nothing
   */
  public void approveRollingUpgrade(ScaleSetId id, List<String> instanceIds) {
    Require.nonNull(id, "id");
    List<String> ids = distinct(instanceIds);
    if (ids.isEmpty()) {
      return;
    }
    retry.run(CallKind.IDEMPOTENT_WRITE, "POST approveRollingUpgrade of " + ids.size() + " instance(s) of " + id,
        () -> client(id.subscriptionId()).getVirtualMachineScaleSets().beginApproveRollingUpgrade(
            id.resourceGroup(), id.name(), new VirtualMachineScaleSetVMInstanceIDs().withInstanceIds(ids),
            Context.NONE));
  }

  // ----------------------------------------------------------------------------------------------- capacity

  /**
   * Says how many more instances fit (see {@code AzureFleet#headroom}).
   *
   * @param id the scale set
   * @return zero or more
   */
  public int headroom(ScaleSetId id) {
    Require.nonNull(id, "id");
    VirtualMachineScaleSetInner vmss = getScaleSet(id).inner();
    String sizeName = read("scale set " + id, () -> {
      if (vmss.sku() == null || !ImageMapper.notBlank(vmss.sku().name()) || !ImageMapper.notBlank(vmss.location())) {
        throw new IllegalStateException("the scale set has no sku.name or location");
      }
      return vmss.sku().name();
    });
    Region region = Region.of(vmss.location());
    CapacityMapper.VmSize size = vmSize(id.subscriptionId(), region, sizeName);
    List<UsageInner> usages = retry.call(CallKind.READ, "list compute usages in " + region,
        () -> Pages.all(client(id.subscriptionId()).getUsages().list(region.name(), Context.NONE),
            "compute usages in " + region));
    return read("compute usages in " + region, () -> CapacityMapper.headroom(vmss, size, usages, maxCapacity));
  }

  private CapacityMapper.VmSize vmSize(String subscription, Region region, String name) {
    String key = (subscription + "/" + region.name() + "/" + name).toLowerCase(Locale.ROOT);
    CapacityMapper.VmSize known = vmSizes.get(key);
    if (known != null) {
      return known;
    }
    List<ResourceSkuInner> skus = retry.call(CallKind.READ, "list resource SKUs in " + region,
        () -> Pages.all(client(subscription).getResourceSkus().list("location eq '" + region.name() + "'", null,
            Context.NONE), "resource SKUs in " + region));
    CapacityMapper.VmSize size = read("resource SKUs in " + region, () -> CapacityMapper.vmSize(skus, name));
    vmSizes.put(key, size);
    return size;
  }

  /**
   * Adds instances by raising {@code sku.capacity} (conditional on the etag just read), waits until ARM reports the
   * scale set updated, and returns the instances present after and not before.
   *
   * @param id the scale set
   * @param count how many, at least one
   * @return the new instances' ids, in instance-id order
   */
  public List<String> scaleOut(ScaleSetId id, int count) {
    Require.nonNull(id, "id");
    Require.atLeast("count", count, 1);
    Set<String> before = instanceIdsNow(id);
    VirtualMachineScaleSetInner vmss = getScaleSet(id).inner();
    long capacity = vmss.sku() == null || vmss.sku().capacity() == null ? before.size() : vmss.sku().capacity();
    VirtualMachineScaleSetUpdate update = new VirtualMachineScaleSetUpdate()
        .withSku(new Sku().withCapacity(capacity + count));
    retry.call(CallKind.ONCE_ONLY_WRITE, "PATCH sku.capacity of " + id + " " + capacity + " -> " + (capacity + count)
            + " (If-Match " + vmss.etag() + ")",
        () -> client(id.subscriptionId()).getVirtualMachineScaleSets()
            .update(id.resourceGroup(), id.name(), update, vmss.etag(), null, Context.NONE));
    List<String> created = new ArrayList<>();
    for (String now : instanceIdsNow(id)) {
      if (!before.contains(now)) {
        created.add(now);
      }
    }
    return InstanceIds.sorted(created);
  }

  /**
   * Deletes instances with one {@code POST delete}, waiting until ARM reports them gone. Instances that are already
   * gone are left out of the request; when none is left, nothing is sent but the listing.
   *
   * @param id the scale set
   * @param instanceIds the instances
   */
  public void deleteInstances(ScaleSetId id, List<String> instanceIds) {
    Require.nonNull(id, "id");
    List<String> ids = distinct(instanceIds);
    if (ids.isEmpty()) {
      return;
    }
    Set<String> present = instanceIdsNow(id);
    List<String> existing = ids.stream().filter(present::contains).toList();
    if (existing.isEmpty()) {
      return;
    }
    lockAware(id, () -> retry.run(CallKind.IDEMPOTENT_WRITE, "POST delete of " + existing.size()
            + " instance(s) of " + id,
        () -> client(id.subscriptionId()).getVirtualMachineScaleSets().deleteInstances(id.resourceGroup(), id.name(),
            new VirtualMachineScaleSetVMInstanceRequiredIDs().withInstanceIds(existing), null, Context.NONE)));
  }

  // ------------------------------------------------------------------------------------------------- images

  /**
   * Lists releases.
   *
   * @param image the image
   * @param region the region for marketplace images (ignored for gallery images)
   * @return the releases, oldest first
   */
  public List<ImageRelease> listReleases(ImageReference image, @Nullable Region region) {
    if (image instanceof ImageReference.Gallery g) {
      return galleryReleases(g.withLatest());
    }
    ImageReference.Marketplace m = ((ImageReference.Marketplace) image).withLatest();
    if (region == null) {
      throw new IllegalStateException("marketplace releases need a region");
    }
    List<VirtualMachineImageResourceInner> versions = retry.call(CallKind.READ,
        "list marketplace versions of " + m.imageKey() + " in " + region,
        () -> client(base.subscriptionId()).getVirtualMachineImages()
            .list(region.name(), m.publisher(), m.offer(), m.sku()));
    List<ImageRelease> out = new ArrayList<>();
    for (VirtualMachineImageResourceInner v : versions == null ? List.<VirtualMachineImageResourceInner>of()
        : versions) {
      if (v == null || !ImageMapper.notBlank(v.name())) {
        continue;
      }
      ImageVersion version;
      try {
        version = ImageVersion.parse(v.name());
      } catch (IllegalArgumentException notAVersion) {
        LOG.log(System.Logger.Level.WARNING, "skipping marketplace version ''{0}'' of {1}: not a version",
            dev.osupgrade.Redaction.redact(v.name()), m.imageKey());
        continue;
      }
      ImageReference pinned = m.withVersion(version);
      out.add(ImageRelease.marketplace(pinned, firstSeen(pinned)));
    }
    out.sort(Comparator.comparing(ImageRelease::version));
    return out;
  }

  /**
   * Finds one pinned release with one request: a GET of the marketplace version in the region, or of the gallery
   * version with its replication status. A 404 means the catalog never published it.
   *
   * @param image the image, pinned
   * @param region the region (where marketplace versions are offered)
   * @return the release, or empty
   */
  public Optional<ImageRelease> find(ImageReference image, Region region) {
    ImageVersion version = image.version().orElseThrow(() -> new dev.osupgrade.InvalidValueException("image",
        "pinned to a version (not 'latest')", image));
    try {
      if (image instanceof ImageReference.Gallery g) {
        GalleryVersion at = galleryVersion(g.withLatest(), version.toString());
        GalleryImageVersionInner v = retry.call(CallKind.READ, "GET gallery image version " + at.describe()
            + " with replication status", () -> client(at.subscription()).getGalleryImageVersions().getWithResponse(
                at.resourceGroup(), at.gallery(), at.image(), at.version(), ReplicationStatusTypes.REPLICATION_STATUS,
                Context.NONE).getValue());
        if (v == null) {
          throw ArmReads.unreadable("gallery image version " + at.describe(), "the answer is empty", null);
        }
        Instant seen = firstSeen(image);
        return Optional.of(read("gallery image version " + at.describe(),
            () -> ImageMapper.galleryRelease(g.withLatest(), v, seen)));
      }
      ImageReference.Marketplace m = (ImageReference.Marketplace) image;
      var v = retry.call(CallKind.READ, "GET marketplace version " + image + " in " + region,
          () -> client(base.subscriptionId()).getVirtualMachineImages().getWithResponse(region.name(),
              m.publisher(), m.offer(), m.sku(), version.toString(), Context.NONE).getValue());
      if (v == null) {
        throw ArmReads.unreadable("marketplace version " + image + " in " + region, "the answer is empty", null);
      }
      return Optional.of(ImageRelease.marketplace(image, firstSeen(image)));
    } catch (CloudException e) {
      if (e.httpStatus() == 404) {
        return Optional.empty();
      }
      throw e;
    }
  }

  /** Where a gallery image version lives. */
  private record GalleryVersion(String subscription, String resourceGroup, String gallery, String image,
      String version) {
    String describe() {
      return gallery + "/" + image + "/" + version;
    }
  }

  private static GalleryVersion galleryVersion(ImageReference.Gallery definition, String version) {
    // parsed here rather than with Gallery.galleryName()/definitionName(): those take the first segment after
    // "galleries"/"images", which is wrong for a resource group named "images"
    Matcher m = GALLERY_ID.matcher(definition.imageDefinitionId());
    if (!m.matches()) {
      throw new IllegalArgumentException("not a gallery image definition id: " + definition.imageDefinitionId());
    }
    return new GalleryVersion(m.group(1), m.group(2), m.group(3), m.group(4), version);
  }

  private List<ImageRelease> galleryReleases(ImageReference.Gallery definition) {
    GalleryVersion at = galleryVersion(definition, "");
    String subscription = at.subscription();
    String resourceGroup = at.resourceGroup();
    String gallery = at.gallery();
    String image = at.image();
    String what = "list versions of gallery image " + gallery + "/" + image;
    List<ArmReads.Item> items = retry.call(CallKind.READ, what,
        () -> reads.list(reads.url(definition.imageDefinitionId() + "/versions", "", ArmReads.GALLERY_API), what));
    List<String> names = new ArrayList<>();
    for (ArmReads.Item item : items) {
      String name = item.json() == null ? null : Json.string(Json.object(item.json()), "name");
      if (ImageMapper.notBlank(name)) {
        names.add(name);
      } else {
        LOG.log(System.Logger.Level.WARNING, "left out {0} of {1}: it names no version", item.where(), what);
      }
    }
    List<ImageRelease> out = new ArrayList<>();
    for (String name : names) {
      GalleryImageVersionInner v = retry.call(CallKind.READ,
          "GET gallery image version " + gallery + "/" + image + "/" + name + " with replication status",
          () -> client(subscription).getGalleryImageVersions().getWithResponse(resourceGroup, gallery, image, name,
              ReplicationStatusTypes.REPLICATION_STATUS, Context.NONE).getValue());
      Instant seen = firstSeen(definition.withVersion(ImageVersion.parse(name)));
      out.add(read("gallery image version " + name, () -> ImageMapper.galleryRelease(definition, v, seen)));
    }
    out.sort(Comparator.comparing(ImageRelease::version));
    return out;
  }

  private Instant firstSeen(ImageReference pinned) {
    return firstSeen.computeIfAbsent(pinned.toString().toLowerCase(Locale.ROOT), k -> clock.instant());
  }

  // ------------------------------------------------------------------------------------------------ helpers

  private static List<String> distinct(List<String> instanceIds) {
    Require.nonNull(instanceIds, "instanceIds");
    LinkedHashSet<String> ids = new LinkedHashSet<>();
    for (String i : instanceIds) {
      ids.add(Require.nonBlank("instanceId", i));
    }
    return List.copyOf(ids);
  }

  /**
   * Runs mapping code: whatever goes wrong reading a response (a missing field, a value out of range) becomes a
   * {@link CloudException} naming what was read.
   */
  private static <T> T read(String what, Supplier<T> mapping) {
    try {
      return mapping.get();
    } catch (CloudException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new CloudException(200, ErrorMapper.UNEXPECTED_RESPONSE,
          "Azure's answer for " + what + " could not be read: " + e.getMessage(), e);
    }
  }
}
