package dev.osupgrade.testkit;

import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.port.ThrottledException;
import dev.osupgrade.testkit.ComputeThrottling.Policy;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * Azure's throttling buckets enforced on the simulated fleet's port calls ({@link SimulatedFleet#throttling}): each
 * call is charged the ARM requests the Azure adapter sends for it (asynchronous-operation polls aside), each to the
 * bucket {@link ComputeThrottling} gives the same request in the ARM emulator, and a call that finds a bucket empty
 * is refused with the {@link ThrottledException} the adapter makes of a 429, before it changes anything.
 *
 * <table>
 *   <caption>What a port call is charged (Uniform; a Flexible scale set's VM listing spends the subscription's High
 *       Cost Get VM bucket per page, a read of one of its VMs a Low Cost Get VM, its locks ARM's reads only)</caption>
 *   <tr><th>call</th><th>requests</th></tr>
 *   <tr><td>{@code get}</td><td>Low Cost Get (the scale set), then High Cost Get per listing page (Flexible: High
 *       Cost Get VM per page of the VM list, and an ARM read for the resource group's locks)</td></tr>
 *   <tr><td>{@code listInstances}</td><td>High Cost Get per page (Flexible: High Cost Get VM per page)</td></tr>
 *   <tr><td>{@code instance}</td><td>the instance's VM Get (Flexible: the VM's Low Cost Get VM)</td></tr>
 *   <tr><td>{@code updateModelImage}, {@code updateUpgradePolicy}, {@code upgradeInstances}, {@code scaleOut},
 *       {@code startOsUpgrade}, {@code cancelRollingUpgrade}, {@code approveRollingUpgrade}</td><td>Update</td></tr>
 *   <tr><td>{@code rollBackInstances}</td><td>Low Cost Get, then three Updates (the model there, the
 *       {@code manualupgrade}, the model back)</td></tr>
 *   <tr><td>{@code deleteInstances}</td><td>Delete</td></tr>
 *   <tr><td>{@code latestRollingUpgrade}, {@code osUpgradeHistory}</td><td>Low Cost Get</td></tr>
 *   <tr><td>{@code headroom}</td><td>two ARM reads (SKUs, usages)</td></tr>
 *   <tr><td>{@code listReleases}, {@code listScaleSets}</td><td>an ARM read</td></tr>
 * </table>
 * A listing has {@code ceil(instances / pageSize)} pages, at least one. The requests of one call go in order at the
 * fleet's time; one refused leaves the tokens the earlier ones took (as on Azure, where the pages before it were
 * served).
 */
final class RequestCharges {
  /** One request of a call: its CRP policy (null: ARM's buckets only), the resource whose bucket counts it. */
  private record Charge(@Nullable Policy policy, String resource, boolean write) {}

  private final FleetContext ctx;
  private @Nullable ComputeThrottling buckets;
  private int pageSize = Integer.MAX_VALUE;
  private final Map<String, Integer> served = new TreeMap<>();
  private int refused;

  RequestCharges(FleetContext ctx) {
    this.ctx = ctx;
  }

  void enforce(ComputeThrottling model, int listingPageSize) {
    this.buckets = model;
    this.pageSize = listingPageSize;
  }

  @Nullable ComputeThrottling buckets() {
    return buckets;
  }

  int pageSize() {
    return pageSize;
  }

  Map<String, Integer> served() {
    return Collections.unmodifiableMap(served);
  }

  int refused() {
    return refused;
  }

  /**
   * Charges one port call, or refuses it.
   *
   * @param method the port method
   * @param id its scale set, or null
   * @param subscription the subscription of a call without a scale set (discovery), or null
   * @param instanceId the instance a single-instance read names, or null
   * @throws ThrottledException when a bucket is empty
   */
  void charge(String method, @Nullable ScaleSetId id, @Nullable String subscription, @Nullable String instanceId) {
    ComputeThrottling model = buckets;
    if (model == null) {
      return;
    }
    String sub = id != null ? id.subscriptionId() : subscription != null ? subscription : ScaleSetId.LOCAL_SUBSCRIPTION;
    Instant at = ctx.now();
    for (Charge c : charges(method, id, sub, instanceId)) {
      ComputeThrottling.Verdict verdict = model.take(at, sub, c.resource(), c.policy(), c.write());
      if (verdict instanceof ComputeThrottling.Throttled t) {
        refused++;
        Duration retryAfter = Duration.ofSeconds(Math.max(1, (t.retryAfter().toMillis() + 999) / 1000));
        ThrottledException e = t.policy() == null ? Throttle.armThrottled(id, retryAfter)
            : new ThrottledException("OperationNotAllowed", "The server rejected the request because too many "
                + "requests have been received for this " + (t.bucket().equals("resource") ? "resource"
                : "subscription") + ". (" + t.policy().headerName() + ", " + t.bucket() + " bucket empty)",
                retryAfter, null);
        ctx.note((id == null ? "" : id + " ") + "throttled: " + method + " refused 429 " + e.code() + " ("
            + (t.policy() == null ? "" : t.policy().headerName() + " ") + t.bucket() + " bucket empty, Retry-After "
            + retryAfter.getSeconds() + "s); nothing changed");
        throw e;
      }
      served.merge(c.policy() == null ? (c.write() ? "ARMWrites" : "ARMReads") : c.policy().headerName(), 1,
          Integer::sum);
    }
  }

  private List<Charge> charges(String method, @Nullable ScaleSetId id, String sub, @Nullable String instanceId) {
    List<Charge> out = new ArrayList<>();
    if (id == null) {
      String path = "/subscriptions/" + sub + "/" + method;
      out.add(new Charge(null, path.toLowerCase(Locale.ROOT), false));
      return out;
    }
    String scaleSet = id.armId().toLowerCase(Locale.ROOT);
    SimScaleSet s = ctx.scaleSets.get(id);
    boolean flexible = s != null && s.flexible();
    int pages = s == null ? 1 : Math.max(1, (int) Math.min(Integer.MAX_VALUE,
        ((long) s.instances.size() + pageSize - 1) / pageSize));
    String vms = ("/subscriptions/" + id.subscriptionId() + "/resourceGroups/" + id.resourceGroup()
        + "/providers/Microsoft.Compute/virtualMachines").toLowerCase(Locale.ROOT);
    switch (method) {
      case "get" -> {
        out.add(new Charge(Policy.SCALE_SET_LOW_COST_GET, scaleSet, false));
        listing(out, flexible, pages, scaleSet, vms);
        if (flexible) {
          out.add(new Charge(null, ("/subscriptions/" + id.subscriptionId() + "/resourceGroups/" + id.resourceGroup()
              + "/providers/Microsoft.Authorization/locks").toLowerCase(Locale.ROOT), false));
        }
      }
      case "model" -> {
        out.add(new Charge(Policy.SCALE_SET_LOW_COST_GET, scaleSet, false));
        if (flexible) {
          out.add(new Charge(null, ("/subscriptions/" + id.subscriptionId() + "/resourceGroups/" + id.resourceGroup()
              + "/providers/Microsoft.Authorization/locks").toLowerCase(Locale.ROOT), false));
        }
      }
      case "listInstances" -> listing(out, flexible, pages, scaleSet, vms);
      case "instance" -> {
        String instance = instanceId == null ? "" : instanceId.toLowerCase(Locale.ROOT);
        out.add(flexible ? new Charge(Policy.VM_LOW_COST_GET, vms + "/" + instance, false)
            : new Charge(Policy.SCALE_SET_VM_GET, scaleSet + "/virtualmachines/" + instance, false));
      }
      case "rollBackInstances" -> {
        out.add(new Charge(Policy.SCALE_SET_LOW_COST_GET, scaleSet, false));
        for (int k = 0; k < 3; k++) {
          out.add(new Charge(Policy.SCALE_SET_UPDATE, scaleSet, true));
        }
      }
      case "deleteInstances" -> out.add(new Charge(Policy.SCALE_SET_DELETE, scaleSet, true));
      case "latestRollingUpgrade", "osUpgradeHistory" ->
          out.add(new Charge(Policy.SCALE_SET_LOW_COST_GET, scaleSet, false));
      case "headroom" -> {
        out.add(new Charge(null, "/subscriptions/" + sub + "/skus", false));
        out.add(new Charge(null, "/subscriptions/" + sub + "/usages", false));
      }
      case "listReleases", "listScaleSets" -> out.add(new Charge(null, "/subscriptions/" + sub + "/" + method, false));
      default -> out.add(new Charge(Policy.SCALE_SET_UPDATE, scaleSet, true)); // the changes
    }
    return out;
  }

  private static void listing(List<Charge> out, boolean flexible, int pages, String scaleSet, String vms) {
    for (int p = 0; p < pages; p++) {
      out.add(flexible ? new Charge(Policy.VM_HIGH_COST_GET, vms, false)
          : new Charge(Policy.SCALE_SET_HIGH_COST_GET, scaleSet, false));
    }
  }
}
