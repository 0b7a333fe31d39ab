package dev.osupgrade.testkit;

import dev.osupgrade.Require;
import dev.osupgrade.fleet.HealthState;
import dev.osupgrade.fleet.PowerState;
import dev.osupgrade.fleet.ProvisioningState;
import dev.osupgrade.fleet.Zone;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.port.CloudException;
import dev.osupgrade.port.ConflictException;
import java.util.ArrayList;
import java.util.List;

/**
 * The simulated fleet's {@link dev.osupgrade.port.CapacityPort}: a quota per scale set (in instances, default
 * {@value #DEFAULT_QUOTA}, Azure's limit for a scale set on a platform image), scale-out on the model's resolved image
 * into the least-populated zone, and deletion.
 */
final class Capacity {
  /** Azure's largest scale set on a platform image. */
  static final int DEFAULT_QUOTA = 1000;

  private final FleetContext ctx;
  private final InstanceLifecycle lifecycle;

  Capacity(FleetContext ctx, InstanceLifecycle lifecycle) {
    this.ctx = ctx;
    this.lifecycle = lifecycle;
  }

  int headroom(SimScaleSet s) {
    return Math.max(0, s.quota - s.instances.size());
  }

  List<String> scaleOut(SimScaleSet s, int count) {
    Require.atLeast("count", count, 1);
    if (s.scaleOutFailures > 0) {
      s.scaleOutFailures--;
      ctx.record(s.id, "fault: scale-out of " + count + " failed with AllocationFailed");
      throw new CloudException(0, "AllocationFailed", "Allocation failed. We do not have sufficient capacity for "
          + "the requested VM size in this region. Read more about improving likelihood of allocation success at "
          + "http://aka.ms/allocation-guidance", null);
    }
    int room = headroom(s);
    if (count > room) {
      ctx.record(s.id, "scale-out of " + count + " refused: quota " + s.quota + ", " + s.instances.size()
          + " in use");
      throw new ConflictException(409, "QuotaExceeded", "Operation could not be completed as it results in "
          + "exceeding approved quota. Additional details - Location: " + s.region.name() + ", Current Limit: "
          + s.quota + " instances, Current Usage: " + s.instances.size() + ", Additional Required: " + count
          + ", (Minimum) New Limit Required: " + (s.instances.size() + count) + ".", null);
    }
    ImageReference image = ctx.resolveModelImage(s);
    List<String> created = new ArrayList<>();
    for (int k = 0; k < count; k++) {
      Zone zone = leastPopulatedZone(s);
      int inZone = (int) s.instances.values().stream().filter(i -> i.zone.equals(zone)).count();
      String id = s.newInstanceId();
      SimInstance i = new SimInstance(id, zone, inZone % s.updateDomains, inZone % s.faultDomains, image);
      i.provisioning = ProvisioningState.CREATING;
      i.power = PowerState.STARTING;
      i.health = HealthState.INITIALIZING;
      s.instances.put(id, i);
      ctx.recorder.created(i);
      ctx.metrics.runs(s.id, id, FleetContext.versionOf(image), ctx.now());
      created.add(id);
      ctx.record(s.id, "instance " + id + " created in " + zone + " on " + FleetContext.versionOf(image));
      lifecycle.create(s, i);
    }
    return created;
  }

  void deleteInstances(SimScaleSet s, List<String> instanceIds) {
    Require.nonNull(instanceIds, "instanceIds");
    for (String id : instanceIds) {
      SimInstance i = s.instances.remove(Require.nonNull(id, "instanceId"));
      if (i == null) {
        ctx.record(s.id, "instance " + id + " already gone: delete is a no-op");
      } else {
        i.generation++;
        s.deleted.put(id, i);
        ctx.recorder.deleted(i);
        ctx.metrics.runs(s.id, id, null, ctx.now());
        ctx.record(s.id, "instance " + id + " deleted");
      }
    }
  }

  private static Zone leastPopulatedZone(SimScaleSet s) {
    if (s.zones.isEmpty()) {
      return Zone.REGIONAL;
    }
    Zone best = s.zones.get(0);
    long fewest = Long.MAX_VALUE;
    for (Zone z : s.zones) {
      long n = s.instances.values().stream().filter(i -> i.zone.equals(z)).count();
      if (n < fewest) {
        fewest = n;
        best = z;
      }
    }
    return best;
  }
}
