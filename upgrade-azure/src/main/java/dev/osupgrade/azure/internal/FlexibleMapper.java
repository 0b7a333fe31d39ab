package dev.osupgrade.azure.internal;

import com.azure.resourcemanager.compute.fluent.models.VirtualMachineInner;
import com.azure.resourcemanager.compute.fluent.models.VirtualMachineInstanceViewInner;
import com.azure.resourcemanager.compute.models.InstanceViewStatus;
import dev.osupgrade.fleet.HealthMonitoring;
import dev.osupgrade.fleet.HealthState;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.InstanceIds;
import dev.osupgrade.fleet.PowerState;
import dev.osupgrade.fleet.ProvisioningState;
import dev.osupgrade.fleet.ResourceLock;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.fleet.Zone;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.port.CloudException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A Flexible scale set's instances between ARM and the domain: they are ordinary virtual machines
 * ({@code Microsoft.Compute/virtualMachines}), listed with {@code VirtualMachines_List} filtered on the scale set
 * ({@code $filter='virtualMachineScaleSet/id' eq '…'}, {@code $expand=instanceView}), and protected by resource locks
 * ({@code ManagementLocks_ListAtResourceGroupLevel}).
 */
final class FlexibleMapper {
  private static final System.Logger LOG = System.getLogger(FlexibleMapper.class.getName());
  private static final Pattern VM_ID = Pattern.compile("(?i)/providers/Microsoft\\.Compute/virtualMachines/([^/]+)$");
  private static final String LOCKS = "/providers/microsoft.authorization/locks/";

  private FlexibleMapper() {}

  /**
   * A VM as read.
   *
   * @param name its name: the instance id of a Flexible instance
   * @param inner the SDK's model
   */
  record Vm(String name, VirtualMachineInner inner) {}

  /**
   * Reads one item of the VM listing.
   *
   * @param item the item as Azure sent it
   * @param what what is listed, for messages
   * @return the VM
   * @throws CloudException (code {@code UnexpectedResponse}) naming the item when it is not a VM with a usable name
   */
  static Vm vm(ArmReads.Item item, String what) {
    String json = item.json();
    if (json == null) {
      throw malformed(what, item.where() + " is " + item.kind() + ", not a virtual machine");
    }
    return vm(json, item.where(), what);
  }

  /**
   * Reads one VM as Azure sent it (an item of the listing, or the answer to a GET of the VM).
   *
   * @param json the VM's JSON object
   * @param where where it is, for messages
   * @param what what is read, for messages
   * @return the VM
   */
  static Vm vm(String json, String where, String what) {
    VirtualMachineInner inner;
    try {
      inner = Json.model(json, VirtualMachineInner::fromJson);
    } catch (IllegalArgumentException e) {
      throw malformed(what, where + " is not a readable virtual machine: " + e.getMessage());
    }
    String name = ImageMapper.notBlank(inner.name()) ? inner.name().strip() : null;
    if (name == null && ImageMapper.notBlank(inner.id())) {
      Matcher m = VM_ID.matcher(inner.id().strip());
      name = m.find() ? m.group(1) : null;
    }
    if (name == null) {
      throw malformed(what, where + " has no name, and its id (" + inner.id() + ") names no virtual machine");
    }
    try {
      InstanceIds.require("name", name);
    } catch (RuntimeException e) {
      throw malformed(what, where + " has a name that cannot name an instance: " + e.getMessage());
    }
    return new Vm(name, inner);
  }

  /**
   * Says whether a VM is a member of the scale set: its {@code virtualMachineScaleSet.id}, or else its
   * {@code managedBy}, names it (ignoring case, as ARM compares resource ids).
   *
   * @param vm the VM
   * @param id the scale set
   * @return true for a member
   */
  static boolean memberOf(Vm vm, ScaleSetId id) {
    var ref = vm.inner().virtualMachineScaleSet();
    String named = ref != null && ImageMapper.notBlank(ref.id()) ? ref.id() : vm.inner().managedBy();
    return ImageMapper.notBlank(named) && named.strip().equalsIgnoreCase(id.armId());
  }

  /**
   * Reads the instances, sorted by instance id (the VM's name).
   *
   * @param vms the VMs
   * @param model the model's image
   * @param health the scale set's health source
   * @param locks the resource locks that apply
   * @return the instances
   */
  static List<Instance> instances(List<Vm> vms, ImageReference model, HealthMonitoring health, Locks locks) {
    List<Instance> out = new ArrayList<>(vms.size());
    for (Vm vm : vms) {
      try {
        out.add(instance(vm, model, health, locks));
      } catch (RuntimeException e) {
        String message = String.valueOf(e.getMessage());
        throw new IllegalStateException(message.contains("VM " + vm.name()) ? message
            : "VM " + vm.name() + ": " + message, e);
      }
    }
    out.sort(Comparator.comparing(Instance::instanceId, InstanceIds.ORDER));
    return out;
  }

  /**
   * One VM as an instance. A Flexible VM carries no {@code latestModelApplied}; it is read as: the VM's image
   * reference is the model's (the same pinned version, or both following {@code latest} of the same image).
   */
  private static Instance instance(Vm vm, ImageReference model, HealthMonitoring health, Locks locks) {
    VirtualMachineInner inner = vm.inner();
    var ref = inner.storageProfile() == null ? null : inner.storageProfile().imageReference();
    Optional<ImageReference> configured = ImageMapper.read(ref, false);
    ImageReference image = ImageMapper.read(ref, true).orElseThrow(() -> new IllegalStateException("VM " + vm.name()
        + " reports no marketplace or gallery image reference this library supports"));
    if (image.isLatest()) {
      throw new IllegalStateException("VM " + vm.name() + " reports neither a version nor an exactVersion of its "
          + "image");
    }
    boolean onModel = model.isLatest()
        ? configured.map(c -> c.isLatest() && c.sameImageAs(model)).orElse(false)
        : image.equals(model);
    VirtualMachineInstanceViewInner view = inner.instanceView();
    List<InstanceViewStatus> statuses = view == null ? null : view.statuses();
    Zone zone = inner.zones() == null || inner.zones().isEmpty() || !ImageMapper.notBlank(inner.zones().get(0))
        ? Zone.REGIONAL : Zone.of(inner.zones().get(0).trim());
    int updateDomain = view == null || view.platformUpdateDomain() == null ? 0 : view.platformUpdateDomain();
    Integer fd = view != null && view.platformFaultDomain() != null ? view.platformFaultDomain()
        : inner.platformFaultDomain();
    ProvisioningState provisioning = ModelMapper.provisioningState(inner.provisioningState(), statuses);
    PowerState power = ModelMapper.powerState(statuses);
    InstanceViewStatus reported = view == null || view.vmHealth() == null ? null : view.vmHealth().status();
    String code = reported != null && ImageMapper.notBlank(reported.code()) ? reported.code() : null;
    String unknownCode = code != null && !HealthState.recognizes(code) ? code.strip() : null;
    ResourceLock lock = locks.of(vm.name());
    return new Instance(vm.name(), zone, updateDomain, fd == null ? 0 : fd, image, onModel, provisioning, power,
        ModelMapper.health(code, view != null, health, provisioning, power), lock.blocksUpdate(), unknownCode, lock,
        ModelMapper.provisionedAt(statuses, provisioning));
  }

  private static CloudException malformed(String what, String why) {
    return new CloudException(200, ErrorMapper.UNEXPECTED_RESPONSE,
        "Azure's answer for " + what + " is malformed: " + why, null);
  }

  // -------------------------------------------------------------------------------------------------- locks

  /**
   * The resource locks that apply to a scale set's VMs: one inherited by every VM (from the resource group or the
   * subscription), and those on single VMs, by name.
   *
   * @param everyVm the strictest lock every VM inherits
   * @param byVm the locks of single VMs, by lower-case name
   */
  record Locks(ResourceLock everyVm, Map<String, ResourceLock> byVm) {
    static Locks none() {
      return new Locks(ResourceLock.NONE, Map.of());
    }

    /** @return the strictest lock on the VM */
    ResourceLock of(String vmName) {
      return everyVm.strictest(byVm.getOrDefault(vmName.toLowerCase(Locale.ROOT), ResourceLock.NONE));
    }

    /** @return these locks and the other's, the strictest of each */
    Locks with(Locks other) {
      Map<String, ResourceLock> all = new TreeMap<>(byVm);
      other.byVm().forEach((vm, lock) -> all.merge(vm, lock, ResourceLock::strictest));
      return new Locks(everyVm.strictest(other.everyVm()), all);
    }
  }

  private static final Pattern LOCKED_SCOPES = Pattern.compile("(?i)following scope\\(s\\) are locked:(.*)");
  private static final Pattern SCOPE = Pattern.compile("'(/subscriptions/[^']+)'");

  /**
   * The locks a {@code ScopeLocked} refusal reports: ARM names the locked scopes ("The scope '…' cannot perform write
   * operation because following scope(s) are locked: '…'"); a refused write means {@code ReadOnly}, a refused delete
   * at least {@code CanNotDelete}. Scopes are read as {@link #locks} reads a lock's scope.
   *
   * @param message the refusal's message (may be null)
   * @param id the scale set
   * @return the locks it reports (none when it names no scope this reading knows)
   */
  static Locks lockedBy(@Nullable String message, ScaleSetId id) {
    if (message == null) {
      return Locks.none();
    }
    Matcher m = LOCKED_SCOPES.matcher(message);
    if (!m.find()) {
      return Locks.none();
    }
    ResourceLock level = message.toLowerCase(Locale.ROOT).contains("perform delete operation")
        ? ResourceLock.CAN_NOT_DELETE : ResourceLock.READ_ONLY;
    ResourceLock every = ResourceLock.NONE;
    Map<String, ResourceLock> byVm = new TreeMap<>();
    Matcher scopes = SCOPE.matcher(m.group(1));
    while (scopes.find()) {
      String scope = scopes.group(1).strip().toLowerCase(Locale.ROOT);
      String subscription = ("/subscriptions/" + id.subscriptionId()).toLowerCase(Locale.ROOT);
      String group = (subscription + "/resourcegroups/" + id.resourceGroup()).toLowerCase(Locale.ROOT);
      String vms = group + "/providers/microsoft.compute/virtualmachines/";
      if (scope.equals(subscription) || scope.equals(group)) {
        every = level;
      } else if (scope.startsWith(vms) && scope.indexOf('/', vms.length()) < 0) {
        byVm.merge(scope.substring(vms.length()), level, ResourceLock::strictest);
      }
    }
    return new Locks(every, byVm);
  }

  /**
   * Reads the locks of a resource group as they apply to the scale set's VMs. A lock's scope is its id before
   * {@code /providers/Microsoft.Authorization/locks/}: the subscription or the resource group (every VM inherits it),
   * a VM of the group (that VM), or another resource (not a VM's: ignored). A lock whose scope cannot be read (no id,
   * or an id without a scope, as in Microsoft's example) is taken as the resource group's, and a level the library
   * does not know as {@code ReadOnly}: the readings that change the least.
   *
   * @param items the listing's items
   * @param id the scale set
   * @param what what is read, for messages
   * @return the locks
   */
  static Locks locks(List<ArmReads.Item> items, ScaleSetId id, String what) {
    ResourceLock every = ResourceLock.NONE;
    Map<String, ResourceLock> byVm = new TreeMap<>();
    String subscription = ("/subscriptions/" + id.subscriptionId()).toLowerCase(Locale.ROOT);
    String group = (subscription + "/resourcegroups/" + id.resourceGroup()).toLowerCase(Locale.ROOT);
    String vms = group + "/providers/microsoft.compute/virtualmachines/";
    for (ArmReads.Item item : items) {
      String json = item.json();
      if (json == null) {
        throw malformed(what, item.where() + " is " + item.kind() + ", not a lock");
      }
      Map<String, Object> fields;
      try {
        fields = Json.object(json);
      } catch (IllegalArgumentException e) {
        throw malformed(what, item.where() + " is not readable: " + e.getMessage());
      }
      String level = Json.string(fields, "properties", "level");
      ResourceLock lock = ResourceLock.fromAzure(level).orElse(ResourceLock.READ_ONLY);
      if (ResourceLock.fromAzure(level).isEmpty()) {
        LOG.log(System.Logger.Level.WARNING, "{0}: {1} has lock level ''{2}'', which the library does not know: "
            + "read as ReadOnly", what, item.where(), level == null ? "" : dev.osupgrade.Redaction.redact(level));
      }
      String lockId = Json.string(fields, "id");
      String lower = lockId == null ? "" : lockId.strip().toLowerCase(Locale.ROOT);
      int at = lower.lastIndexOf(LOCKS);
      String scope = at < 0 ? "" : lower.substring(0, at);
      if (scope.isEmpty()) {
        LOG.log(System.Logger.Level.WARNING, "{0}: {1} names no scope ({2}): read as a lock of the resource group",
            what, item.where(), lockId);
        every = every.strictest(lock);
      } else if (scope.equals(subscription) || scope.equals(group)) {
        every = every.strictest(lock);
      } else if (scope.startsWith(vms) && scope.indexOf('/', vms.length()) < 0) {
        byVm.merge(scope.substring(vms.length()), lock, ResourceLock::strictest);
      }
    }
    return new Locks(every, byVm);
  }
}
