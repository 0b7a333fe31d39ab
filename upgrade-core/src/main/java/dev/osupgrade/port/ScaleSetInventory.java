package dev.osupgrade.port;

import dev.osupgrade.fleet.ScaleSetSummary;
import java.util.List;

/**
 * Finds scale sets: the discovery an estate governor makes on every turn. The Azure adapter lists
 * {@code virtualMachineScaleSets} of a resource group or of the whole subscription (every page); the simulator lists
 * its own. May throw a {@link CloudException} like any port ({@link ThrottledException},
 * {@link TransientCloudException} for failures worth retrying; {@link ResourceNotFoundException} for a resource group
 * that does not exist).
 *
 * <p>A port of its own, not a method of {@link ScaleSetPort}: that port reads and changes <em>one</em> scale set and
 * is implemented by wrappers and test doubles (and other adapters) that have nothing to list; a listing is a
 * subscription-level read with its own ARM budget ("List"/"ListAll" in CRP's high-cost-get bucket), which only the
 * layer that governs many scale sets needs.
 */
public interface ScaleSetInventory {

  /**
   * Lists the scale sets of a scope, as the listing shows them (no instances).
   *
   * @param scope a subscription or a resource group
   * @return the scale sets, in ARM's order (the simulator's: by resource group, then name)
   */
  List<ScaleSetSummary> listScaleSets(DiscoveryScope scope);
}
