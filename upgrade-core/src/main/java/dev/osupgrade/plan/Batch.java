package dev.osupgrade.plan;

import dev.osupgrade.Require;
import dev.osupgrade.fleet.InstanceIds;
import dev.osupgrade.fleet.Zone;
import java.util.List;

/**
 * One planned batch: the instances upgraded together. A batch respects the boundaries of one kind of domain, and
 * records the domains it touches: update domains on a Uniform scale set, fault domains on a Flexible one (which has no
 * update domains, see {@link BatchPlanner}).
 *
 * @param number the batch's number, from 1
 * @param instanceIds the instances, in upgrade order
 * @param zones the zones the batch touches (one, unless cross-zone upgrade is enabled)
 * @param updateDomains the update domains the batch touches, ascending; empty for a Flexible scale set's batch
 * @param faultDomains the fault domains the batch touches, ascending, when the batch follows fault domains (Flexible);
 *     empty for a Uniform scale set's batch, which follows update domains
 * @param unhealthyFirst the batch belongs to the leading unhealthy-first pass
 */
public record Batch(int number, List<String> instanceIds, List<Zone> zones, List<Integer> updateDomains,
    List<Integer> faultDomains, boolean unhealthyFirst) {

  /** Validates and copies. */
  public Batch {
    Require.atLeast("number", number, 1);
    instanceIds = List.copyOf(Require.nonEmpty("instanceIds", instanceIds));
    zones = List.copyOf(Require.nonEmpty("zones", zones));
    updateDomains = List.copyOf(Require.noNulls("updateDomains", updateDomains));
    faultDomains = List.copyOf(Require.noNulls("faultDomains", faultDomains));
    Require.that(updateDomains.isEmpty() != faultDomains.isEmpty(), "updateDomains",
        "non-empty for a batch by update domains, or empty beside non-empty faultDomains (" + faultDomains + ")",
        updateDomains);
  }

  /**
   * A batch by update domains (Uniform orchestration).
   *
   * @param number the batch's number, from 1
   * @param instanceIds the instances, in upgrade order
   * @param zones the zones the batch touches
   * @param updateDomains the update domains the batch touches, ascending, not empty
   * @param unhealthyFirst the batch belongs to the leading unhealthy-first pass
   */
  public Batch(int number, List<String> instanceIds, List<Zone> zones, List<Integer> updateDomains,
      boolean unhealthyFirst) {
    this(number, instanceIds, zones, Require.nonEmpty("updateDomains", updateDomains), List.of(), unhealthyFirst);
  }

  /** @return the number of instances */
  public int size() {
    return instanceIds.size();
  }

  /** @return true when the batch follows fault domains (a Flexible scale set) rather than update domains */
  public boolean byFaultDomain() {
    return updateDomains.isEmpty();
  }

  /** @return the batch's zone, or {@link Zone#REGIONAL} when it spans several (cross-zone upgrade) */
  public Zone zone() {
    return zones.size() == 1 ? zones.get(0) : Zone.REGIONAL;
  }

  @Override
  public String toString() {
    return "Batch " + number + " " + zones + (byFaultDomain() ? " FD" + faultDomains : " UD" + updateDomains) + " "
        + InstanceIds.format(instanceIds);
  }
}
