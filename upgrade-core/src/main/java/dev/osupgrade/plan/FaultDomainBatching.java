package dev.osupgrade.plan;

import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.InstanceIds;
import dev.osupgrade.fleet.Zone;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The batching rule of a Flexible scale set: batches respect fault-domain boundaries, as a Uniform scale set's respect
 * update-domain boundaries. A batch is either part of one fault domain or a set of whole fault domains, never part of
 * one together with another; fault domains go in ascending order, instance id (the VM's name) breaks ties. Zones are
 * handled before this rule, as for Uniform.
 *
 * <p>Sources (learn.microsoft.com): a Flexible scale set has no update domains — "Update Domains: No" and "None,
 * maintenance or host updates are done fault domain by fault domain" ("Orchestration modes for Virtual Machine Scale
 * Sets in Azure"); it has up to 3 fault domains in a region and 1 in a zonal or zone-spanning deployment, and with
 * max spreading ({@code platformFaultDomainCount=1}) every instance shows one fault domain ("Choosing the right number
 * of fault domains for Virtual Machine Scale Set"); batches inside a custom-metrics phase "consider UD, FD and zone"
 * of each VM ("Custom metrics for rolling upgrades"). Azure's documentation does not say how a Flexible rolling
 * upgrade forms batches; this rule is the library's reading: the fault domain takes the place the update domain has in
 * Uniform, as it does for Azure's own maintenance. With max spreading the rule adds nothing beyond zones.
 */
final class FaultDomainBatching {
  private FaultDomainBatching() {}

  /**
   * Splits one zone's instances (or all of them, with cross-zone upgrade) into batches of at most {@code size}.
   *
   * @param group the instances, none null
   * @param size the batch size, at least 1
   * @return the chunks, in upgrade order
   */
  static List<List<Instance>> chunk(List<Instance> group, int size) {
    return BatchPlanner.chunkByDomain(group, size, Instance::faultDomain,
        Comparator.comparing(Instance::instanceId, InstanceIds.ORDER));
  }

  /**
   * Makes a batch that records its fault domains (and no update domains).
   *
   * @param number the batch's number
   * @param chunk its instances
   * @param unhealthyFirst whether it belongs to the unhealthy-first pass
   * @return the batch
   */
  static Batch toBatch(int number, List<Instance> chunk, boolean unhealthyFirst) {
    Set<Zone> zones = new TreeSet<>();
    Set<Integer> domains = new TreeSet<>();
    for (Instance i : chunk) {
      zones.add(i.zone());
      domains.add(i.faultDomain());
    }
    return new Batch(number, chunk.stream().map(Instance::instanceId).toList(), new ArrayList<>(zones), List.of(),
        new ArrayList<>(domains), unhealthyFirst);
  }
}
