package dev.osupgrade.azure.internal;

import com.azure.resourcemanager.compute.fluent.models.VirtualMachineScaleSetExtensionInner;
import com.azure.resourcemanager.compute.fluent.models.VirtualMachineScaleSetInner;
import com.azure.resourcemanager.compute.fluent.models.VirtualMachineScaleSetVMInner;
import com.azure.resourcemanager.compute.fluent.models.VirtualMachineScaleSetVMInstanceViewInner;
import com.azure.resourcemanager.compute.models.InstanceViewStatus;
import com.azure.resourcemanager.compute.models.VirtualMachineScaleSetVMProfile;
import dev.osupgrade.Region;
import dev.osupgrade.fleet.HealthMonitoring;
import dev.osupgrade.fleet.HealthState;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.InstanceIds;
import dev.osupgrade.fleet.OrchestrationMode;
import dev.osupgrade.fleet.PowerState;
import dev.osupgrade.fleet.ProvisioningState;
import dev.osupgrade.fleet.ResourceLock;
import dev.osupgrade.fleet.ScaleSet;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.fleet.Zone;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.policy.AutomaticOsUpgradePolicy;
import dev.osupgrade.policy.RollingUpgradePolicy;
import dev.osupgrade.policy.UpgradeMode;
import dev.osupgrade.policy.UpgradePolicy;
import dev.osupgrade.port.CloudException;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/** Scale sets, instances and upgrade policies between ARM's models and the domain. */
final class ModelMapper {
  private static final String HEALTH_EXTENSION_PUBLISHER = "Microsoft.ManagedServices";
  private static final Pattern VM_ID = Pattern.compile("(?i)/virtualMachineScaleSets/([^/]+)/virtualMachines/([^/]+)$");

  private ModelMapper() {}

  /**
   * A scale set as read, with its upgrade mode exactly as Azure spelled it: the SDK's {@code UpgradeMode} is a plain
   * Java enum that turns a mode it does not know into null, which would read as Manual.
   *
   * @param inner the SDK's model
   * @param rawMode {@code properties.upgradePolicy.mode} as sent, or null when absent
   */
  record Vmss(VirtualMachineScaleSetInner inner, @Nullable String rawMode) {
    /** @return the etag */
    @Nullable String etag() {
      return inner.etag();
    }
  }

  /**
   * An instance as listed, with its instance id (derived when ARM left {@code instanceId} out).
   *
   * @param instanceId the id
   * @param inner the SDK's model
   */
  record Vm(String instanceId, VirtualMachineScaleSetVMInner inner) {}

  /**
   * Reads one item of the instance listing.
   *
   * @param item the item as Azure sent it
   * @param scaleSetName the scale set's name (instance names are {@code {scaleSet}_{instanceId}})
   * @param what what is listed, for messages
   * @return the instance
   * @throws CloudException (code {@code UnexpectedResponse}) naming the item when it is not an instance, or has no
   *     instance id that can be derived
   */
  static Vm vm(ArmReads.Item item, String scaleSetName, String what) {
    String json = item.json();
    if (json == null) {
      throw malformed(what, item.where() + " is " + item.kind() + ", not an instance");
    }
    return vm(json, item.where(), scaleSetName, what);
  }

  /**
   * Reads one instance as Azure sent it (an item of the listing, or the answer to a GET of one scale set VM).
   *
   * @param json the instance's JSON object
   * @param where where it is, for messages ("item 3 of page 1", "the answer")
   * @param scaleSetName the scale set's name
   * @param what what is read, for messages
   * @return the instance
   * @throws CloudException (code {@code UnexpectedResponse}) when it is not an instance, or has no instance id that
   *     can be derived
   */
  static Vm vm(String json, String where, String scaleSetName, String what) {
    VirtualMachineScaleSetVMInner inner;
    try {
      inner = Json.model(json, VirtualMachineScaleSetVMInner::fromJson);
    } catch (IllegalArgumentException e) {
      throw malformed(what, where + " is not a readable instance: " + e.getMessage());
    }
    String instanceId = instanceId(inner, scaleSetName);
    if (instanceId == null) {
      throw malformed(what, where + " has no instanceId, and neither its id (" + inner.id()
          + ") nor its name (" + inner.name() + ") names one");
    }
    return new Vm(instanceId, inner);
  }

  /**
   * An instance's id: {@code instanceId}; when ARM left it out, the last segment of the resource id
   * ({@code …/virtualMachineScaleSets/{scaleSet}/virtualMachines/{instanceId}}), else the name's suffix
   * ({@code {scaleSet}_{instanceId}}).
   *
   * @return the id, or null when none of the three names one
   */
  static @Nullable String instanceId(VirtualMachineScaleSetVMInner vm, String scaleSetName) {
    if (ImageMapper.notBlank(vm.instanceId())) {
      return vm.instanceId().strip();
    }
    if (ImageMapper.notBlank(vm.id())) {
      Matcher m = VM_ID.matcher(vm.id().strip());
      if (m.find() && m.group(1).equalsIgnoreCase(scaleSetName)) {
        return m.group(2);
      }
    }
    String name = vm.name() == null ? "" : vm.name().strip();
    String prefix = scaleSetName + "_";
    if (name.length() > prefix.length() && name.regionMatches(true, 0, prefix, 0, prefix.length())) {
      return name.substring(prefix.length());
    }
    return null;
  }

  private static CloudException malformed(String what, String why) {
    return new CloudException(200, ErrorMapper.UNEXPECTED_RESPONSE,
        "Azure's answer for " + what + " is malformed: " + why, null);
  }

  /**
   * Reads a scale set, its instances mapped by a function of the model's image and health source (Uniform's scale
   * set VMs, or Flexible's VMs).
   *
   * @param id the scale set's id
   * @param read the scale set as ARM returned it
   * @param instances maps the instances, given the model's image and health source
   * @return the snapshot
   */
  static ScaleSet scaleSet(ScaleSetId id, Vmss read,
      java.util.function.BiFunction<ImageReference, HealthMonitoring, List<Instance>> instances) {
    VirtualMachineScaleSetInner vmss = read.inner();
    ImageReference model = modelImage(vmss);
    HealthMonitoring health = healthMonitoring(vmss.virtualMachineProfile());
    List<Zone> zones = vmss.zones() == null ? List.of()
        : vmss.zones().stream().filter(ImageMapper::notBlank).map(z -> Zone.of(z.trim())).sorted().toList();
    OrchestrationMode orchestration = orchestration(vmss);
    String location = vmss.location();
    if (!ImageMapper.notBlank(location)) {
      throw new IllegalStateException("the scale set has no location");
    }
    java.util.Map<String, String> tags = new java.util.TreeMap<>();
    if (vmss.tags() != null) {
      vmss.tags().forEach((k, v) -> {
        if (k != null && v != null) {
          tags.put(k, v);
        }
      });
    }
    return new ScaleSet(id, Region.of(location), zones, orchestration,
        upgradePolicy(vmss.upgradePolicy(), read.rawMode(), true), model, health, vmss.etag(),
        instances.apply(model, health), tags);
  }

  /**
   * Reads a scale set and its Uniform instances.
   *
   * @param id the scale set's id
   * @param read the scale set as ARM returned it
   * @param vms its instances as ARM listed them (with instance view)
   * @return the snapshot
   */
  static ScaleSet scaleSet(ScaleSetId id, Vmss read, List<Vm> vms) {
    return scaleSet(id, read, (model, health) -> instances(vms, model, health));
  }

  /**
   * Reads a scale set's orchestration mode: {@code Flexible} (any case), else Uniform (ARM's default when absent).
   *
   * @param vmss the scale set
   * @return the mode
   */
  static OrchestrationMode orchestration(VirtualMachineScaleSetInner vmss) {
    return vmss.orchestrationMode() != null && "Flexible".equalsIgnoreCase(vmss.orchestrationMode().toString())
        ? OrchestrationMode.FLEXIBLE : OrchestrationMode.UNIFORM;
  }

  /**
   * Reads the model's image.
   *
   * @param vmss the scale set
   * @return the image the model points at
   */
  static ImageReference modelImage(VirtualMachineScaleSetInner vmss) {
    VirtualMachineScaleSetVMProfile profile = vmss.virtualMachineProfile();
    var ref = profile == null || profile.storageProfile() == null ? null : profile.storageProfile().imageReference();
    return ImageMapper.read(ref, false).orElseThrow(() -> new IllegalStateException(
        "the scale set model has no marketplace or gallery image reference this library supports"
            + (ref == null ? "" : " (" + describe(ref) + ")")));
  }

  private static String describe(com.azure.resourcemanager.compute.models.ImageReference ref) {
    if (ImageMapper.notBlank(ref.sharedGalleryImageId())) {
      return "shared gallery image " + ref.sharedGalleryImageId();
    }
    if (ImageMapper.notBlank(ref.communityGalleryImageId())) {
      return "community gallery image " + ref.communityGalleryImageId();
    }
    return "id " + ref.id();
  }

  /**
   * Reads the instances, sorted by instance id.
   *
   * @param vms ARM's instances
   * @param model the model's image (an instance without its own reference runs it)
   * @param health the scale set's health source
   * @return the instances
   */
  static List<Instance> instances(List<Vm> vms, ImageReference model, HealthMonitoring health) {
    List<Instance> out = new ArrayList<>(vms.size());
    for (Vm vm : vms) {
      try {
        out.add(instance(vm.instanceId(), vm.inner(), model, health));
      } catch (RuntimeException e) {
        String message = String.valueOf(e.getMessage());
        throw new IllegalStateException(message.contains("instance " + vm.instanceId()) ? message
            : "instance " + vm.instanceId() + ": " + message, e);
      }
    }
    out.sort(Comparator.comparing(Instance::instanceId, InstanceIds.ORDER));
    return out;
  }

  private static Instance instance(String instanceId, VirtualMachineScaleSetVMInner vm, ImageReference model,
      HealthMonitoring health) {
    var ref = vm.storageProfile() == null ? null : vm.storageProfile().imageReference();
    java.util.Optional<ImageReference> own = ImageMapper.read(ref, true);
    ImageReference image = own.orElse(model);
    if (image.isLatest()) {
      // Only an instance on the latest model is known to run the model's (pinned) version; guessing otherwise could
      // count an instance as upgraded that was never touched.
      boolean onModel = Boolean.TRUE.equals(vm.latestModelApplied());
      image = model.version().filter(v -> onModel).map(image::withVersion).orElseThrow(
          () -> new IllegalStateException("instance " + instanceId + " reports neither a version nor an "
              + "exactVersion of its image" + (onModel ? ", and the model follows 'latest'"
                  : ", and it is not on the latest model")));
    } else if (own.isEmpty() && !Boolean.TRUE.equals(vm.latestModelApplied())) {
      throw new IllegalStateException("instance " + instanceId + " reports no image reference and is not on the "
          + "latest model: its image version is unknown");
    }
    VirtualMachineScaleSetVMInstanceViewInner view = vm.instanceView();
    Zone zone = vm.zones() == null || vm.zones().isEmpty() || !ImageMapper.notBlank(vm.zones().get(0))
        ? Zone.REGIONAL : Zone.of(vm.zones().get(0).trim());
    int updateDomain = view == null || view.platformUpdateDomain() == null ? 0 : view.platformUpdateDomain();
    int faultDomain = view == null || view.platformFaultDomain() == null ? 0 : view.platformFaultDomain();
    ProvisioningState provisioning = provisioningState(vm.provisioningState(), view);
    PowerState power = powerState(view);
    boolean isProtected = vm.protectionPolicy() != null
        && Boolean.TRUE.equals(vm.protectionPolicy().protectFromScaleSetActions());
    String code = healthCode(view);
    String unknownCode = code != null && !HealthState.recognizes(code) ? code.strip() : null;
    return new Instance(instanceId, zone, updateDomain, faultDomain, image,
        Boolean.TRUE.equals(vm.latestModelApplied()), provisioning, power,
        health(view, health, provisioning, power), isProtected, unknownCode, ResourceLock.NONE,
        provisionedAt(view, provisioning));
  }

  /**
   * When the instance's last provisioning operation ended: the {@code time} of its instance view's
   * {@code ProvisioningState/succeeded} or {@code /failed} status; null while one runs or when Azure gives none.
   */
  static java.time.@Nullable Instant provisionedAt(@Nullable VirtualMachineScaleSetVMInstanceViewInner view,
      ProvisioningState provisioning) {
    return provisionedAt(view == null ? null : view.statuses(), provisioning);
  }

  /**
   * The same from an instance view's statuses (a scale-set VM's or, on a Flexible scale set, a VM's).
   *
   * @param statuses the statuses, or null
   * @param provisioning the provisioning state read from them
   * @return the time, or null
   */
  static java.time.@Nullable Instant provisionedAt(@Nullable List<InstanceViewStatus> statuses,
      ProvisioningState provisioning) {
    if (statuses == null
        || (provisioning != ProvisioningState.SUCCEEDED && provisioning != ProvisioningState.FAILED)) {
      return null;
    }
    for (InstanceViewStatus s : statuses) {
      if (s != null && s.code() != null && s.code().regionMatches(true, 0, "ProvisioningState/", 0, 18)) {
        return s.time() == null ? null : s.time().toInstant();
      }
    }
    return null;
  }

  private static @Nullable String healthCode(@Nullable VirtualMachineScaleSetVMInstanceViewInner view) {
    InstanceViewStatus reported = view == null || view.vmHealth() == null ? null : view.vmHealth().status();
    return reported != null && ImageMapper.notBlank(reported.code()) ? reported.code() : null;
  }

  /**
   * The instance's health: the Application Health extension's report when there is one; without an instance view,
   * {@code UNKNOWN} (nothing to judge by); else what Azure falls back to (see {@code AzureFleet#get}).
   */
  static HealthState health(@Nullable VirtualMachineScaleSetVMInstanceViewInner view, HealthMonitoring monitoring,
      ProvisioningState provisioning, PowerState power) {
    return health(healthCode(view), view != null, monitoring, provisioning, power);
  }

  /**
   * The instance's health from what an instance view (of a scale set VM, or of a VM) says.
   *
   * @param code the {@code vmHealth.status.code} reported, or null
   * @param hasView whether there is an instance view at all
   * @param monitoring the scale set's health source
   * @param provisioning the instance's provisioning state
   * @param power its power state
   * @return the health
   */
  static HealthState health(@Nullable String code, boolean hasView, HealthMonitoring monitoring,
      ProvisioningState provisioning, PowerState power) {
    if (code != null) {
      return HealthState.fromAzure(code);
    }
    if (!hasView) {
      return HealthState.UNKNOWN;
    }
    boolean settling = provisioning == ProvisioningState.CREATING || provisioning == ProvisioningState.UPDATING
        || power == PowerState.STARTING;
    if (monitoring.applicationHealthExtension()) {
      return settling ? HealthState.INITIALIZING : HealthState.UNKNOWN;
    }
    if (settling) {
      return HealthState.INITIALIZING;
    }
    return provisioning == ProvisioningState.SUCCEEDED && power == PowerState.RUNNING
        ? HealthState.HEALTHY : HealthState.UNHEALTHY;
  }

  /**
   * Reads a provisioning state: the property, else the instance view's {@code ProvisioningState/…} status. A value the
   * adapter does not know, or none, reads as {@code UPDATING} (an operation in flight: a rollout waits rather than
   * counting the instance done or failed).
   */
  static ProvisioningState provisioningState(@Nullable String property,
      @Nullable VirtualMachineScaleSetVMInstanceViewInner view) {
    return provisioningState(property, view == null ? null : view.statuses());
  }

  /**
   * Reads a provisioning state: the property, else the {@code ProvisioningState/…} status of an instance view.
   *
   * @param property {@code properties.provisioningState}, or null
   * @param statuses the instance view's statuses, or null
   * @return the state ({@code UPDATING} for one the adapter does not know, or none)
   */
  static ProvisioningState provisioningState(@Nullable String property, @Nullable List<InstanceViewStatus> statuses) {
    String text = property;
    if (!ImageMapper.notBlank(text) && statuses != null) {
      text = statusSuffix(statuses, "ProvisioningState/");
    }
    if (!ImageMapper.notBlank(text)) {
      return ProvisioningState.UPDATING;
    }
    String t = text.strip().toLowerCase(Locale.ROOT);
    if (t.startsWith("failed")) {
      return ProvisioningState.FAILED;
    }
    return switch (t) {
      case "succeeded" -> ProvisioningState.SUCCEEDED;
      case "creating" -> ProvisioningState.CREATING;
      case "deleting" -> ProvisioningState.DELETING;
      default -> ProvisioningState.UPDATING;
    };
  }

  /** Reads the power state from the instance view's {@code PowerState/…} status. */
  static PowerState powerState(@Nullable VirtualMachineScaleSetVMInstanceViewInner view) {
    return powerState(view == null ? null : view.statuses());
  }

  /**
   * Reads the power state from an instance view's {@code PowerState/…} status.
   *
   * @param statuses the statuses, or null
   * @return the state ({@code UNKNOWN} when none says)
   */
  static PowerState powerState(@Nullable List<InstanceViewStatus> statuses) {
    String text = statuses == null ? null : statusSuffix(statuses, "PowerState/");
    if (text == null) {
      return PowerState.UNKNOWN;
    }
    return switch (text.toLowerCase(Locale.ROOT)) {
      case "running" -> PowerState.RUNNING;
      case "starting" -> PowerState.STARTING;
      case "stopped", "stopping" -> PowerState.STOPPED;
      case "deallocated", "deallocating" -> PowerState.DEALLOCATED;
      default -> PowerState.UNKNOWN;
    };
  }

  static @Nullable String statusSuffix(List<InstanceViewStatus> statuses, String prefix) {
    for (InstanceViewStatus s : statuses) {
      if (s != null && s.code() != null && s.code().regionMatches(true, 0, prefix, 0, prefix.length())) {
        return s.code().substring(prefix.length());
      }
    }
    return null;
  }

  /**
   * Says where the health signal comes from: {@code networkProfile.healthProbe} and/or the Application Health
   * extension in {@code extensionProfile}.
   */
  static HealthMonitoring healthMonitoring(@Nullable VirtualMachineScaleSetVMProfile profile) {
    if (profile == null) {
      return HealthMonitoring.none();
    }
    boolean probe = profile.networkProfile() != null && profile.networkProfile().healthProbe() != null
        && ImageMapper.notBlank(profile.networkProfile().healthProbe().id());
    boolean extension = false;
    if (profile.extensionProfile() != null && profile.extensionProfile().extensions() != null) {
      for (VirtualMachineScaleSetExtensionInner e : profile.extensionProfile().extensions()) {
        if (e != null && HEALTH_EXTENSION_PUBLISHER.equalsIgnoreCase(e.publisher())
            && e.typePropertiesType() != null
            && (e.typePropertiesType().equalsIgnoreCase("ApplicationHealthLinux")
                || e.typePropertiesType().equalsIgnoreCase("ApplicationHealthWindows"))) {
          extension = true;
        }
      }
    }
    return new HealthMonitoring(probe, extension);
  }

  /**
   * Reads an upgrade policy. The mode is read from Azure's text ({@code rawMode}), because the SDK's plain Java enum
   * reports a mode it does not know as missing: an unknown mode is kept as such, never read as Manual. Only a missing
   * mode reads as Manual (Azure's default). Missing fields take Azure's defaults.
   *
   * @param policy ARM's policy, or null
   * @param rawMode {@code upgradePolicy.mode} as Azure sent it, or null when absent
   * @param strict fail on an unreadable {@code pauseTimeBetweenBatches} (false: read it as zero)
   * @return the policy
   */
  static UpgradePolicy upgradePolicy(com.azure.resourcemanager.compute.models.@Nullable UpgradePolicy policy,
      @Nullable String rawMode, boolean strict) {
    UpgradeMode mode = rawMode != null ? UpgradeMode.fromAzure(rawMode)
        : policy == null || policy.mode() == null ? UpgradeMode.MANUAL : UpgradeMode.fromAzure(policy.mode().toString());
    if (policy == null) {
      return UpgradePolicy.manual().withMode(mode);
    }
    RollingUpgradePolicy rolling = policy.rollingUpgradePolicy() == null ? null
        : rollingPolicy(policy.rollingUpgradePolicy(), strict);
    var auto = policy.automaticOSUpgradePolicy();
    AutomaticOsUpgradePolicy automatic = auto == null ? AutomaticOsUpgradePolicy.ofDefaults()
        : new AutomaticOsUpgradePolicy(Boolean.TRUE.equals(auto.enableAutomaticOSUpgrade()),
            Boolean.TRUE.equals(auto.disableAutomaticRollback()), Boolean.TRUE.equals(auto.useRollingUpgradePolicy()),
            Boolean.TRUE.equals(auto.osRollingUpgradeDeferral()));
    return new UpgradePolicy(mode, rolling, automatic);
  }

  /**
   * Reads a rolling upgrade policy; missing fields take Azure's defaults.
   *
   * @param p ARM's policy
   * @param strict fail on an unreadable pause (false: read it as zero)
   * @return the policy
   */
  static RollingUpgradePolicy rollingPolicy(com.azure.resourcemanager.compute.models.RollingUpgradePolicy p,
      boolean strict) {
    RollingUpgradePolicy.Builder b = RollingUpgradePolicy.builder();
    if (p.maxBatchInstancePercent() != null) {
      b.maxBatchInstancePercent(p.maxBatchInstancePercent());
    }
    if (p.maxUnhealthyInstancePercent() != null) {
      b.maxUnhealthyInstancePercent(p.maxUnhealthyInstancePercent());
    }
    if (p.maxUnhealthyUpgradedInstancePercent() != null) {
      b.maxUnhealthyUpgradedInstancePercent(p.maxUnhealthyUpgradedInstancePercent());
    }
    if (ImageMapper.notBlank(p.pauseTimeBetweenBatches())) {
      try {
        b.pauseTimeBetweenBatches(Duration.parse(p.pauseTimeBetweenBatches().strip()));
      } catch (DateTimeParseException e) {
        if (strict) {
          throw new IllegalStateException("pauseTimeBetweenBatches is not an ISO-8601 duration: '"
              + p.pauseTimeBetweenBatches() + "'", e);
        }
      }
    }
    return b.prioritizeUnhealthyInstances(Boolean.TRUE.equals(p.prioritizeUnhealthyInstances()))
        .enableCrossZoneUpgrade(Boolean.TRUE.equals(p.enableCrossZoneUpgrade()))
        .rollbackFailedInstancesOnPolicyBreach(Boolean.TRUE.equals(p.rollbackFailedInstancesOnPolicyBreach()))
        .maxSurge(Boolean.TRUE.equals(p.maxSurge()))
        .build();
  }

  /**
   * Writes an upgrade policy for a PATCH. Every field is sent, so the scale set ends up with exactly this policy
   * (except a null rolling policy, which a PATCH cannot remove).
   *
   * @param policy the policy
   * @return ARM's policy
   */
  static com.azure.resourcemanager.compute.models.UpgradePolicy write(UpgradePolicy policy) {
    var out = new com.azure.resourcemanager.compute.models.UpgradePolicy()
        .withMode(com.azure.resourcemanager.compute.models.UpgradeMode.fromString(policy.mode().azureName()));
    RollingUpgradePolicy r = policy.rolling();
    if (r != null) {
      out.withRollingUpgradePolicy(new com.azure.resourcemanager.compute.models.RollingUpgradePolicy()
          .withMaxBatchInstancePercent(r.maxBatchInstancePercent())
          .withMaxUnhealthyInstancePercent(r.maxUnhealthyInstancePercent())
          .withMaxUnhealthyUpgradedInstancePercent(r.maxUnhealthyUpgradedInstancePercent())
          .withPauseTimeBetweenBatches(r.pauseTimeBetweenBatches().toString())
          .withPrioritizeUnhealthyInstances(r.prioritizeUnhealthyInstances())
          .withEnableCrossZoneUpgrade(r.enableCrossZoneUpgrade())
          .withRollbackFailedInstancesOnPolicyBreach(r.rollbackFailedInstancesOnPolicyBreach())
          .withMaxSurge(r.maxSurge()));
    }
    AutomaticOsUpgradePolicy a = policy.automaticOsUpgrade();
    out.withAutomaticOSUpgradePolicy(new com.azure.resourcemanager.compute.models.AutomaticOSUpgradePolicy()
        .withEnableAutomaticOSUpgrade(a.enableAutomaticOSUpgrade())
        .withDisableAutomaticRollback(a.disableAutomaticRollback())
        .withUseRollingUpgradePolicy(a.useRollingUpgradePolicy())
        .withOsRollingUpgradeDeferral(a.osRollingUpgradeDeferral()));
    return out;
  }
}
