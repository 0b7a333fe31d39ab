package dev.osupgrade.plan;

import dev.osupgrade.Require;
import dev.osupgrade.fleet.InstanceIds;
import dev.osupgrade.fleet.Zone;
import java.util.List;

/**
 * One planned batch: the instances upgraded together.
 *
 * @param number the batch's number, from 1
 * @param instanceIds the instances, in upgrade order
 * @param zones the zones the batch touches (one, unless cross-zone upgrade is enabled)
 * @param updateDomains the update domains the batch touches, ascending
 * @param unhealthyFirst the batch belongs to the leading unhealthy-first pass
 */
public record Batch(int number, List<String> instanceIds, List<Zone> zones, List<Integer> updateDomains,
    boolean unhealthyFirst) {

  /** Validates and copies. */
  public Batch {
    Require.atLeast("number", number, 1);
    instanceIds = List.copyOf(Require.nonEmpty("instanceIds", instanceIds));
    zones = List.copyOf(Require.nonEmpty("zones", zones));
    updateDomains = List.copyOf(Require.nonEmpty("updateDomains", updateDomains));
  }

  /** @return the number of instances */
  public int size() {
    return instanceIds.size();
  }

  /** @return the batch's zone, or {@link Zone#REGIONAL} when it spans several (cross-zone upgrade) */
  public Zone zone() {
    return zones.size() == 1 ? zones.get(0) : Zone.REGIONAL;
  }

  @Override
  public String toString() {
    return "Batch " + number + " " + zones + " UD" + updateDomains + " " + InstanceIds.format(instanceIds);
  }
}
