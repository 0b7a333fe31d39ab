package dev.osupgrade.azure.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osupgrade.Region;
import dev.osupgrade.fleet.HealthState;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.PowerState;
import dev.osupgrade.fleet.ProvisioningState;
import dev.osupgrade.fleet.ResourceLock;
import dev.osupgrade.fleet.ScaleSet;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.image.ImageRelease;
import dev.osupgrade.image.ReplicationState;
import dev.osupgrade.ops.RollingUpgradeStatus;
import dev.osupgrade.ops.UpgradeError;
import dev.osupgrade.ops.UpgradeHistoryEntry;
import dev.osupgrade.ops.UpgradeProgress;
import dev.osupgrade.policy.AutomaticOsUpgradePolicy;
import dev.osupgrade.policy.RollingUpgradePolicy;
import dev.osupgrade.policy.UpgradeMode;
import dev.osupgrade.policy.UpgradePolicy;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * Renders the simulator's state as ARM JSON shaped like Microsoft's examples (Compute 2024-11-01, Gallery 2024-03-03;
 * see {@code src/test/resources/arm/README.md}), and reads the request bodies the adapter sends. Only this class knows
 * ARM's field names; the emulator routes, this class writes and reads.
 */
final class ArmJson {
  static final ObjectMapper MAPPER = new ObjectMapper();
  /** The VM size every emulated scale set has. */
  static final String VM_SIZE = "Standard_D2s_v3";
  /** Its cores, for the usages API. */
  static final int VM_CORES = 2;
  /** Its family, as the usages API names it. */
  static final String VM_FAMILY = "standardDSv3Family";
  /** The load balancer probe a probe-monitored scale set references. */
  static final String PROBE_SUFFIX = "/providers/Microsoft.Network/loadBalancers/lb/probes/http";

  private ArmJson() {}

  static String write(JsonNode node) {
    try {
      return MAPPER.writeValueAsString(node);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  static JsonNode read(String body) {
    try {
      return body.isBlank() ? MAPPER.createObjectNode() : MAPPER.readTree(body);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalArgumentException("the request body is not JSON: " + e.getOriginalMessage(), e);
    }
  }

  // ------------------------------------------------------------------------------------------------- errors

  /** ARM's {@code CloudError}: {@code {"error": {"code", "message"}}}. */
  static String error(String code, String message) {
    ObjectNode root = MAPPER.createObjectNode();
    ObjectNode e = root.putObject("error");
    e.put("code", code);
    e.put("message", message);
    return write(root);
  }

  // --------------------------------------------------------------------------------------------- scale sets

  /**
   * A scale set as {@code VirtualMachineScaleSets_Get} returns it.
   *
   * @param s the scale set
   * @param provisioningState {@code Succeeded}, or {@code Updating} in the answer to a PATCH still being applied
   */
  static ObjectNode scaleSet(ScaleSet s, String provisioningState) {
    ScaleSetId id = s.id();
    ObjectNode root = MAPPER.createObjectNode();
    root.put("name", id.name());
    root.put("id", id.armId());
    root.put("type", "Microsoft.Compute/virtualMachineScaleSets");
    root.put("location", s.region().name());
    if (s.etag() != null) {
      root.put("etag", s.etag());
    }
    if (!s.tags().isEmpty()) {
      ObjectNode tags = root.putObject("tags");
      s.tags().forEach(tags::put);
    }
    if (s.isZonal()) {
      ArrayNode zones = root.putArray("zones");
      s.zones().forEach(z -> zones.add(z.name()));
    }
    ObjectNode sku = root.putObject("sku");
    sku.put("name", VM_SIZE);
    sku.put("tier", "Standard");
    sku.put("capacity", s.instanceCount());

    ObjectNode p = root.putObject("properties");
    p.set("upgradePolicy", upgradePolicy(s.upgradePolicy()));
    ObjectNode vm = p.putObject("virtualMachineProfile");
    ObjectNode storage = vm.putObject("storageProfile");
    storage.set("imageReference", modelImage(s.modelImage()));
    ObjectNode osDisk = storage.putObject("osDisk");
    osDisk.put("createOption", "FromImage");
    osDisk.put("caching", "ReadWrite");
    osDisk.putObject("managedDisk").put("storageAccountType", "Premium_LRS");
    ObjectNode os = vm.putObject("osProfile");
    os.put("computerNamePrefix", id.name());
    os.put("adminUsername", "azureuser");
    os.putObject("linuxConfiguration").put("disablePasswordAuthentication", true);
    ObjectNode network = vm.putObject("networkProfile");
    if (s.healthMonitoring().loadBalancerProbe()) {
      network.putObject("healthProbe").put("id", "/subscriptions/" + id.subscriptionId() + "/resourceGroups/"
          + id.resourceGroup() + PROBE_SUFFIX);
    }
    ObjectNode nic = network.putArray("networkInterfaceConfigurations").addObject();
    nic.put("name", "nic");
    ObjectNode nicProps = nic.putObject("properties");
    nicProps.put("primary", true);
    ObjectNode ip = nicProps.putArray("ipConfigurations").addObject();
    ip.put("name", "ip");
    ip.putObject("properties").putObject("subnet").put("id", "/subscriptions/" + id.subscriptionId()
        + "/resourceGroups/" + id.resourceGroup() + "/providers/Microsoft.Network/virtualNetworks/vnet/subnets/default");
    if (s.healthMonitoring().applicationHealthExtension()) {
      ObjectNode ext = vm.putObject("extensionProfile").putArray("extensions").addObject();
      ext.put("name", "HealthExtension");
      ObjectNode e = ext.putObject("properties");
      e.put("publisher", "Microsoft.ManagedServices");
      e.put("type", "ApplicationHealthLinux");
      e.put("typeHandlerVersion", "2.0");
      e.put("autoUpgradeMinorVersion", true);
      ObjectNode settings = e.putObject("settings");
      settings.put("protocol", "http");
      settings.put("port", 8080);
      settings.put("requestPath", "/health");
      settings.put("intervalInSeconds", 5);
      settings.put("numberOfProbes", 1);
    }
    p.put("orchestrationMode", s.orchestrationMode().azureName());
    if (s.isFlexible()) {
      // Flexible: the fault domains the VMs report (1 is max spreading, and every zonal Flexible scale set's count)
      p.put("platformFaultDomainCount", Math.max(1, s.instances().stream().mapToInt(Instance::faultDomain).max()
          .orElse(0) + 1));
    }
    p.put("provisioningState", provisioningState);
    p.put("overprovision", false);
    p.put("singlePlacementGroup", false);
    p.put("uniqueId", UUID.nameUUIDFromBytes(id.armId().getBytes(java.nio.charset.StandardCharsets.UTF_8))
        .toString());
    return root;
  }

  static ObjectNode upgradePolicy(UpgradePolicy policy) {
    ObjectNode u = MAPPER.createObjectNode();
    u.put("mode", policy.mode().azureName());
    RollingUpgradePolicy r = policy.rolling();
    if (r != null) {
      u.set("rollingUpgradePolicy", rollingPolicy(r));
    }
    AutomaticOsUpgradePolicy a = policy.automaticOsUpgrade();
    ObjectNode auto = u.putObject("automaticOSUpgradePolicy");
    auto.put("enableAutomaticOSUpgrade", a.enableAutomaticOSUpgrade());
    auto.put("disableAutomaticRollback", a.disableAutomaticRollback());
    auto.put("useRollingUpgradePolicy", a.useRollingUpgradePolicy());
    auto.put("osRollingUpgradeDeferral", a.osRollingUpgradeDeferral());
    return u;
  }

  static ObjectNode rollingPolicy(RollingUpgradePolicy r) {
    ObjectNode n = MAPPER.createObjectNode();
    n.put("maxBatchInstancePercent", r.maxBatchInstancePercent());
    n.put("maxUnhealthyInstancePercent", r.maxUnhealthyInstancePercent());
    n.put("maxUnhealthyUpgradedInstancePercent", r.maxUnhealthyUpgradedInstancePercent());
    n.put("pauseTimeBetweenBatches", r.pauseTimeBetweenBatches().toString());
    n.put("enableCrossZoneUpgrade", r.enableCrossZoneUpgrade());
    n.put("prioritizeUnhealthyInstances", r.prioritizeUnhealthyInstances());
    n.put("rollbackFailedInstancesOnPolicyBreach", r.rollbackFailedInstancesOnPolicyBreach());
    n.put("maxSurge", r.maxSurge());
    return n;
  }

  /** The model's image reference: marketplace parts with {@code version} (or {@code latest}), or a gallery id. */
  static ObjectNode modelImage(ImageReference image) {
    ObjectNode n = MAPPER.createObjectNode();
    if (image instanceof ImageReference.Marketplace m) {
      n.put("publisher", m.publisher());
      n.put("offer", m.offer());
      n.put("sku", m.sku());
      n.put("version", m.version().map(Object::toString).orElse("latest"));
    } else {
      ImageReference.Gallery g = (ImageReference.Gallery) image;
      n.put("id", g.version().map(v -> g.imageDefinitionId() + "/versions/" + v).orElse(g.imageDefinitionId()));
    }
    return n;
  }

  /**
   * An instance's image reference: what the model said when the instance was last updated, plus the
   * {@code exactVersion} its disk runs. A model on {@code latest} shows {@code latest}; a pinned one the version.
   */
  static ObjectNode instanceImage(ImageReference runs, ImageReference model) {
    String exact = runs.version().orElseThrow().toString();
    ObjectNode n = MAPPER.createObjectNode();
    if (runs instanceof ImageReference.Marketplace m) {
      n.put("publisher", m.publisher());
      n.put("offer", m.offer());
      n.put("sku", m.sku());
      n.put("version", model.isLatest() ? "latest" : exact);
    } else {
      ImageReference.Gallery g = (ImageReference.Gallery) runs;
      n.put("id", model.isLatest() ? g.imageDefinitionId() : g.imageDefinitionId() + "/versions/" + exact);
    }
    n.put("exactVersion", exact);
    return n;
  }

  // ------------------------------------------------------------------------------------------------ instances

  /**
   * One instance as {@code VirtualMachineScaleSetVMs_List} with {@code $expand=instanceView} returns it.
   *
   * @param s the scale set (model image, health source, region)
   * @param i the instance
   */
  static ObjectNode instance(ScaleSet s, Instance i) {
    ScaleSetId id = s.id();
    ObjectNode vm = MAPPER.createObjectNode();
    vm.put("instanceId", i.instanceId());
    vm.put("name", id.name() + "_" + i.instanceId());
    vm.put("id", id.armId() + "/virtualMachines/" + i.instanceId());
    vm.put("type", "Microsoft.Compute/virtualMachineScaleSets/virtualMachines");
    vm.put("location", s.region().name());
    if (!i.zone().isRegional()) {
      vm.putArray("zones").add(i.zone().name());
    }
    ObjectNode sku = vm.putObject("sku");
    sku.put("name", VM_SIZE);
    sku.put("tier", "Standard");
    ObjectNode p = vm.putObject("properties");
    p.put("latestModelApplied", i.latestModelApplied());
    p.put("vmId", UUID.nameUUIDFromBytes((id.armId() + "/" + i.instanceId())
        .getBytes(java.nio.charset.StandardCharsets.UTF_8)).toString());
    p.put("provisioningState", provisioning(i.provisioningState()));
    ObjectNode view = p.putObject("instanceView");
    view.put("platformUpdateDomain", i.updateDomain());
    view.put("platformFaultDomain", i.faultDomain());
    view.put("computerName", id.name() + String.format(Locale.ROOT, "%06x", Integer.parseInt(i.instanceId())));
    ArrayNode statuses = view.putArray("statuses");
    ObjectNode ps = statuses.addObject();
    ps.put("code", "ProvisioningState/" + provisioning(i.provisioningState()).toLowerCase(Locale.ROOT));
    ps.put("level", i.provisioningState() == ProvisioningState.FAILED ? "Error" : "Info");
    ps.put("displayStatus", "Provisioning " + provisioning(i.provisioningState()).toLowerCase(Locale.ROOT));
    if (i.provisionedAt() != null) {
      ps.put("time", i.provisionedAt().toString()); // as Microsoft's GetInstanceView example has it
    }
    if (i.powerState() != PowerState.UNKNOWN) {
      ObjectNode power = statuses.addObject();
      String state = i.powerState().name().toLowerCase(Locale.ROOT);
      power.put("code", "PowerState/" + state);
      power.put("level", "Info");
      power.put("displayStatus", "VM " + state);
    }
    if (s.healthMonitoring().applicationHealthExtension()) {
      ObjectNode status = view.putObject("vmHealth").putObject("status");
      String health = i.health().name().toLowerCase(Locale.ROOT);
      status.put("code", i.healthCode() != null ? i.healthCode() : "HealthState/" + health);
      status.put("level", i.health() == HealthState.HEALTHY || i.health() == HealthState.INITIALIZING ? "Info"
          : "Warning");
      status.put("displayStatus", "The VM health is " + health);
    }
    ObjectNode protection = p.putObject("protectionPolicy");
    protection.put("protectFromScaleIn", false);
    protection.put("protectFromScaleSetActions", i.protectedFromUpgrade());
    p.putObject("storageProfile").set("imageReference", instanceImage(i.image(), s.modelImage()));
    return vm;
  }

  /**
   * One VM of a Flexible scale set as {@code VirtualMachines_List} / {@code VirtualMachines_Get} with
   * {@code $expand=instanceView} return it, shaped like Microsoft's {@code VirtualMachine_Get} and
   * {@code VirtualMachine_List_MaximumSet_Gen} examples: a resource of type {@code Microsoft.Compute/virtualMachines}
   * named by the VM's name, its {@code virtualMachineScaleSet} reference, {@code platformFaultDomain}, the image
   * reference ({@link #instanceImage}), and an instance view like {@code VirtualMachine_Get_InstanceView}'s with
   * {@code vmHealth} when the scale set has the Application Health extension. No {@code latestModelApplied} (a VM has
   * none) and no {@code protectionPolicy} (a Flexible VM's protection is a resource lock, see {@link #lock}).
   *
   * @param s the scale set
   * @param i the instance
   * @return the VM
   */
  static ObjectNode flexibleVm(ScaleSet s, Instance i) {
    ScaleSetId id = s.id();
    String resourceId = s.identity(i.instanceId()).resourceId();
    ObjectNode vm = MAPPER.createObjectNode();
    vm.put("name", i.instanceId());
    vm.put("id", resourceId);
    vm.put("type", "Microsoft.Compute/virtualMachines");
    vm.put("location", s.region().name());
    if (!i.zone().isRegional()) {
      vm.putArray("zones").add(i.zone().name());
    }
    ObjectNode p = vm.putObject("properties");
    p.put("vmId", UUID.nameUUIDFromBytes(resourceId.getBytes(java.nio.charset.StandardCharsets.UTF_8)).toString());
    p.putObject("hardwareProfile").put("vmSize", VM_SIZE);
    ObjectNode storage = p.putObject("storageProfile");
    storage.set("imageReference", instanceImage(i.image(), s.modelImage()));
    ObjectNode osDisk = storage.putObject("osDisk");
    osDisk.put("osType", "Linux");
    osDisk.put("name", i.instanceId() + "_OsDisk_1");
    osDisk.put("createOption", "FromImage");
    osDisk.put("caching", "ReadWrite");
    osDisk.put("deleteOption", "Delete");
    ObjectNode os = p.putObject("osProfile");
    os.put("computerName", i.instanceId().replace("_", ""));
    os.put("adminUsername", "azureuser");
    p.putObject("networkProfile").putArray("networkInterfaces").addObject().put("id", "/subscriptions/"
        + id.subscriptionId() + "/resourceGroups/" + id.resourceGroup() + "/providers/Microsoft.Network/"
        + "networkInterfaces/" + i.instanceId() + "-nic");
    p.putObject("virtualMachineScaleSet").put("id", id.armId());
    p.put("platformFaultDomain", i.faultDomain());
    p.put("provisioningState", provisioning(i.provisioningState()));
    ObjectNode view = p.putObject("instanceView");
    view.put("platformFaultDomain", i.faultDomain());
    view.put("computerName", i.instanceId().replace("_", ""));
    view.put("osName", "ubuntu");
    view.put("hyperVGeneration", "V2");
    ArrayNode statuses = view.putArray("statuses");
    ObjectNode ps = statuses.addObject();
    ps.put("code", "ProvisioningState/" + provisioning(i.provisioningState()).toLowerCase(Locale.ROOT));
    ps.put("level", i.provisioningState() == ProvisioningState.FAILED ? "Error" : "Info");
    ps.put("displayStatus", "Provisioning " + provisioning(i.provisioningState()).toLowerCase(Locale.ROOT));
    if (i.provisionedAt() != null) {
      ps.put("time", i.provisionedAt().toString()); // a VM's instance view carries the same status time
    }
    if (i.powerState() != PowerState.UNKNOWN) {
      ObjectNode power = statuses.addObject();
      String state = i.powerState().name().toLowerCase(Locale.ROOT);
      power.put("code", "PowerState/" + state);
      power.put("level", "Info");
      power.put("displayStatus", "VM " + state);
    }
    if (s.healthMonitoring().applicationHealthExtension()) {
      ObjectNode status = view.putObject("vmHealth").putObject("status");
      String health = i.health().name().toLowerCase(Locale.ROOT);
      status.put("code", i.healthCode() != null ? i.healthCode() : "HealthState/" + health);
      status.put("level", i.health() == HealthState.HEALTHY || i.health() == HealthState.INITIALIZING ? "Info"
          : "Warning");
      status.put("displayStatus", "The VM health is " + health);
    }
    p.put("timeCreated", "2026-01-04T00:00:00+00:00");
    return vm;
  }

  /**
   * One management lock, as {@code ManagementLocks_ListAtResourceGroupLevel} lists it: Microsoft's example's shape
   * with the full id ARM gives a lock (its scope, then {@code /providers/Microsoft.Authorization/locks/{name}}).
   *
   * @param scope the locked resource's id
   * @param level the lock
   * @return the lock
   */
  static ObjectNode lock(String scope, ResourceLock level) {
    String name = "lock-" + scope.substring(scope.lastIndexOf('/') + 1);
    ObjectNode n = MAPPER.createObjectNode();
    n.putObject("properties").put("level", level.azureName());
    n.put("id", scope + "/providers/Microsoft.Authorization/locks/" + name);
    n.put("type", "Microsoft.Authorization/locks");
    n.put("name", name);
    return n;
  }

  static String provisioning(ProvisioningState state) {
    return switch (state) {
      case CREATING -> "Creating";
      case UPDATING -> "Updating";
      case SUCCEEDED -> "Succeeded";
      case FAILED -> "Failed";
      case DELETING -> "Deleting";
    };
  }

  // ------------------------------------------------------------------------------------------ rolling upgrades

  /** {@code rollingUpgrades/latest}. */
  static ObjectNode latest(ScaleSet s, RollingUpgradeStatus status) {
    ObjectNode root = MAPPER.createObjectNode();
    root.put("id", s.id().armId() + "/rollingUpgrades/latest");
    root.put("name", "latest");
    root.put("type", "Microsoft.Compute/virtualMachineScaleSets/rollingUpgrades");
    root.put("location", s.region().name());
    ObjectNode p = root.putObject("properties");
    p.set("policy", rollingPolicy(status.policy()));
    ObjectNode running = p.putObject("runningStatus");
    running.put("code", status.statusCode());
    running.put("startTime", status.startTime().toString());
    if (status.lastAction() != null) {
      running.put("lastAction", status.lastAction() == RollingUpgradeStatus.Action.CANCEL ? "Cancel" : "Start");
    }
    if (status.lastActionTime() != null) {
      running.put("lastActionTime", status.lastActionTime().toString());
    }
    p.set("progress", progress(status.progress()));
    if (status.error() != null) {
      p.set("error", apiError(status.error()));
    }
    return root;
  }

  /** One {@code osUpgradeHistory} item. */
  static ObjectNode history(ScaleSet s, UpgradeHistoryEntry entry) {
    ObjectNode item = MAPPER.createObjectNode();
    ObjectNode p = item.putObject("properties");
    ObjectNode running = p.putObject("runningStatus");
    running.put("code", entry.statusCode());
    running.put("startTime", entry.startTime().toString());
    if (entry.endTime() != null) {
      running.put("endTime", entry.endTime().toString());
    }
    p.set("progress", progress(entry.progress()));
    if (entry.error() != null) {
      p.set("error", apiError(entry.error()));
    }
    p.put("startedBy", entry.startedBy().azureName());
    if (entry.targetImage() != null) {
      p.set("targetImageReference", modelImage(entry.targetImage()));
    }
    ObjectNode rollback = p.putObject("rollbackInfo");
    rollback.put("successfullyRolledbackInstanceCount", entry.rollbackInfo().successfullyRolledBack());
    rollback.put("failedRolledbackInstanceCount", entry.rollbackInfo().failedToRollBack());
    if (entry.rollbackInfo().rollbackError() != null) {
      rollback.set("rollbackError", apiError(entry.rollbackInfo().rollbackError()));
    }
    item.put("type", "Microsoft.Compute/virtualMachineScaleSets/rollingUpgrades");
    item.put("location", s.region().name());
    return item;
  }

  private static ObjectNode progress(UpgradeProgress progress) {
    ObjectNode n = MAPPER.createObjectNode();
    n.put("successfulInstanceCount", progress.successful());
    n.put("failedInstanceCount", progress.failed());
    n.put("inProgressInstanceCount", progress.inProgress());
    n.put("pendingInstanceCount", progress.pending());
    return n;
  }

  private static ObjectNode apiError(UpgradeError error) {
    ObjectNode n = MAPPER.createObjectNode();
    n.put("code", error.code());
    n.put("message", error.message());
    return n;
  }

  // ------------------------------------------------------------------------------------------------- images

  /**
   * A gallery image version as {@code GalleryImageVersions_Get} returns it; with {@code $expand=ReplicationStatus}
   * the replication status is included (ARM's list never includes it).
   *
   * @param release the release
   * @param home the gallery's region, which is also the only target region of a release that names none
   * @param withReplication include {@code replicationStatus}
   */
  static ObjectNode galleryVersion(ImageRelease release, Region home, boolean withReplication) {
    ImageReference.Gallery g = (ImageReference.Gallery) release.image();
    String version = release.version().toString();
    Map<Region, ReplicationState> replication = release.replication().isEmpty()
        ? Map.of(home, ReplicationState.COMPLETED) : release.replication();
    ObjectNode root = MAPPER.createObjectNode();
    root.put("id", g.imageDefinitionId() + "/versions/" + version);
    root.put("name", version);
    root.put("type", "Microsoft.Compute/galleries/images/versions");
    root.put("location", home.name());
    ObjectNode p = root.putObject("properties");
    ObjectNode publishing = p.putObject("publishingProfile");
    ArrayNode targets = publishing.putArray("targetRegions");
    for (Region r : replication.keySet()) {
      ObjectNode t = targets.addObject();
      t.put("name", r.name());
      t.put("regionalReplicaCount", 1);
      t.put("storageAccountType", "Standard_LRS");
      t.put("excludeFromLatest", release.excludedRegions().contains(r));
    }
    publishing.put("replicaCount", 1);
    publishing.put("publishedDate", release.publishedAt().toString());
    if (release.endOfLife() != null) {
      publishing.put("endOfLifeDate", release.endOfLife().toString());
    }
    publishing.put("storageAccountType", "Standard_LRS");
    publishing.put("excludeFromLatest", release.excludedFromLatest());
    ObjectNode storage = p.putObject("storageProfile");
    storage.putObject("osDiskImage").put("sizeInGB", 30).put("hostCaching", "ReadOnly");
    if (withReplication) {
      ObjectNode status = p.putObject("replicationStatus");
      status.put("aggregatedState", aggregated(replication));
      ArrayNode summary = status.putArray("summary");
      for (Map.Entry<Region, ReplicationState> e : replication.entrySet()) {
        ObjectNode s = summary.addObject();
        s.put("region", e.getKey().name());
        s.put("state", replicationState(e.getValue()));
        s.put("details", "");
        s.put("progress", ReplicationState.COMPLETED.equals(e.getValue()) ? 100
            : ReplicationState.REPLICATING.equals(e.getValue()) ? 50 : 0);
      }
    }
    p.put("provisioningState", "Succeeded");
    return root;
  }

  private static String aggregated(Map<Region, ReplicationState> replication) {
    if (replication.values().stream().allMatch(ReplicationState.COMPLETED::equals)) {
      return "Completed";
    }
    if (replication.containsValue(ReplicationState.FAILED)) {
      return "Failed";
    }
    if (replication.containsValue(ReplicationState.REPLICATING)) {
      return "InProgress";
    }
    return "Unknown";
  }

  private static String replicationState(ReplicationState state) {
    return state.azureName();
  }

  /** One item of {@code VirtualMachineImages_List}. */
  static ObjectNode marketplaceVersion(String subscription, Region region, ImageReference.Marketplace image) {
    String version = image.version().orElseThrow().toString();
    ObjectNode n = MAPPER.createObjectNode();
    n.put("location", region.name());
    n.put("name", version);
    n.put("id", "/Subscriptions/" + subscription + "/Providers/Microsoft.Compute/Locations/" + region.name()
        + "/Publishers/" + image.publisher() + "/ArtifactTypes/VMImage/Offers/" + image.offer() + "/Skus/"
        + image.sku() + "/Versions/" + version);
    return n;
  }

  /** {@code VirtualMachineImages_Get}: one version with its properties. */
  static ObjectNode marketplaceImage(String subscription, Region region, ImageReference.Marketplace image) {
    ObjectNode n = marketplaceVersion(subscription, region, image);
    ObjectNode p = n.putObject("properties");
    p.putObject("osDiskImage").put("operatingSystem", "Linux");
    p.putArray("dataDiskImages");
    p.put("hyperVGeneration", "V2");
    p.put("architecture", "x64");
    p.putArray("features");
    return n;
  }

  // ------------------------------------------------------------------------------------------- long-running ops

  /** The body of an {@code Azure-AsyncOperation} status. */
  static ObjectNode operation(String name, String status, Instant start, @Nullable Instant end,
      @Nullable UpgradeError error) {
    ObjectNode n = MAPPER.createObjectNode();
    n.put("startTime", start.toString());
    if (end != null) {
      n.put("endTime", end.toString());
    }
    n.put("status", status);
    n.put("name", name);
    if (error != null) {
      n.set("error", apiError(error));
    }
    return n;
  }

  // -------------------------------------------------------------------------------------------- capacity

  /**
   * {@code ResourceSkus_List} for a region: a few VM sizes (the emulated scale sets' size among them).
   *
   * @param filter the {@code $filter}, e.g. {@code location eq 'westeurope'}
   */
  static ObjectNode resourceSkus(@Nullable String filter) {
    String location = "westeurope";
    if (filter != null) {
      java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?i)location\\s+eq\\s+'([^']+)'").matcher(filter);
      if (m.find()) {
        location = m.group(1);
      }
    }
    ObjectNode root = MAPPER.createObjectNode();
    ArrayNode value = root.putArray("value");
    value.add(vmSku(location, "Standard_B2s", "B2s", "standardBSFamily", 2, 4));
    value.add(vmSku(location, VM_SIZE, "D2s_v3", VM_FAMILY, VM_CORES, 8));
    value.add(vmSku(location, "Standard_D4s_v3", "D4s_v3", VM_FAMILY, 4, 16));
    return root;
  }

  private static ObjectNode vmSku(String location, String name, String size, String family, int cores, int memory) {
    ObjectNode n = MAPPER.createObjectNode();
    n.put("resourceType", "virtualMachines");
    n.put("name", name);
    n.put("tier", "Standard");
    n.put("size", size);
    n.put("family", family);
    n.putArray("locations").add(location);
    ObjectNode info = n.putArray("locationInfo").addObject();
    info.put("location", location);
    info.putArray("zones").add("1").add("2").add("3");
    ArrayNode caps = n.putArray("capabilities");
    caps.addObject().put("name", "vCPUs").put("value", String.valueOf(cores));
    caps.addObject().put("name", "MemoryGB").put("value", String.valueOf(memory));
    caps.addObject().put("name", "PremiumIO").put("value", "True");
    n.putArray("restrictions");
    return n;
  }

  /** One item of {@code Usage_List}. */
  static ObjectNode usage(String name, String localized, long current, long limit) {
    ObjectNode n = MAPPER.createObjectNode();
    n.put("unit", "Count");
    n.put("currentValue", current);
    n.put("limit", limit);
    ObjectNode nm = n.putObject("name");
    nm.put("value", name);
    nm.put("localizedValue", localized);
    return n;
  }

  // ------------------------------------------------------------------------------------------ request bodies

  /**
   * Reads the image reference of a model PATCH.
   *
   * @param ref {@code properties.virtualMachineProfile.storageProfile.imageReference}
   * @return the image
   */
  static ImageReference readImage(JsonNode ref) {
    String id = text(ref, "id");
    if (id != null) {
      return ImageReference.parse(id);
    }
    String version = text(ref, "version");
    return ImageReference.marketplace(require(ref, "publisher"), require(ref, "offer"), require(ref, "sku"),
        version == null ? "latest" : version);
  }

  /**
   * Merges the upgrade policy of a PATCH into the current one, as ARM merges a PATCH: fields that are absent keep
   * their value; a rolling policy that is absent stays as it is.
   *
   * @param current the scale set's policy
   * @param u {@code properties.upgradePolicy}
   * @return the merged policy
   */
  static UpgradePolicy mergePolicy(UpgradePolicy current, JsonNode u) {
    UpgradeMode mode = text(u, "mode") == null ? current.mode() : UpgradeMode.fromAzure(require(u, "mode"));
    RollingUpgradePolicy rolling = current.rolling();
    JsonNode r = u.get("rollingUpgradePolicy");
    if (r != null && r.isObject()) {
      RollingUpgradePolicy.Builder b = (rolling == null ? RollingUpgradePolicy.ofDefaults() : rolling).toBuilder();
      if (r.hasNonNull("maxBatchInstancePercent")) {
        b.maxBatchInstancePercent(r.get("maxBatchInstancePercent").asInt());
      }
      if (r.hasNonNull("maxUnhealthyInstancePercent")) {
        b.maxUnhealthyInstancePercent(r.get("maxUnhealthyInstancePercent").asInt());
      }
      if (r.hasNonNull("maxUnhealthyUpgradedInstancePercent")) {
        b.maxUnhealthyUpgradedInstancePercent(r.get("maxUnhealthyUpgradedInstancePercent").asInt());
      }
      if (r.hasNonNull("pauseTimeBetweenBatches")) {
        b.pauseTimeBetweenBatches(Duration.parse(r.get("pauseTimeBetweenBatches").asText()));
      }
      if (r.hasNonNull("prioritizeUnhealthyInstances")) {
        b.prioritizeUnhealthyInstances(r.get("prioritizeUnhealthyInstances").asBoolean());
      }
      if (r.hasNonNull("enableCrossZoneUpgrade")) {
        b.enableCrossZoneUpgrade(r.get("enableCrossZoneUpgrade").asBoolean());
      }
      if (r.hasNonNull("rollbackFailedInstancesOnPolicyBreach")) {
        b.rollbackFailedInstancesOnPolicyBreach(r.get("rollbackFailedInstancesOnPolicyBreach").asBoolean());
      }
      if (r.hasNonNull("maxSurge")) {
        b.maxSurge(r.get("maxSurge").asBoolean());
      }
      rolling = b.build();
    }
    AutomaticOsUpgradePolicy auto = current.automaticOsUpgrade();
    JsonNode a = u.get("automaticOSUpgradePolicy");
    if (a != null && a.isObject()) {
      if (a.hasNonNull("enableAutomaticOSUpgrade")) {
        auto = auto.withEnableAutomaticOSUpgrade(a.get("enableAutomaticOSUpgrade").asBoolean());
      }
      if (a.hasNonNull("disableAutomaticRollback")) {
        auto = auto.withDisableAutomaticRollback(a.get("disableAutomaticRollback").asBoolean());
      }
      if (a.hasNonNull("useRollingUpgradePolicy")) {
        auto = auto.withUseRollingUpgradePolicy(a.get("useRollingUpgradePolicy").asBoolean());
      }
      if (a.hasNonNull("osRollingUpgradeDeferral")) {
        auto = auto.withOsRollingUpgradeDeferral(a.get("osRollingUpgradeDeferral").asBoolean());
      }
    }
    return new UpgradePolicy(mode, rolling, auto);
  }

  /** Reads {@code instanceIds} of a POST body; absent reads as null (ARM: every instance). */
  static java.util.@Nullable List<String> instanceIds(JsonNode body) {
    JsonNode ids = body.get("instanceIds");
    if (ids == null || ids.isNull()) {
      return null;
    }
    java.util.List<String> out = new java.util.ArrayList<>();
    ids.forEach(n -> out.add(n.asText()));
    return out;
  }

  static @Nullable String text(JsonNode node, String field) {
    JsonNode v = node.get(field);
    return v == null || v.isNull() ? null : v.asText();
  }

  private static String require(JsonNode node, String field) {
    String v = text(node, field);
    if (v == null || v.isBlank()) {
      throw new IllegalArgumentException("the request has no '" + field + "'");
    }
    return v;
  }
}
