package dev.osupgrade.fleet;

import dev.osupgrade.Region;
import dev.osupgrade.Require;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.policy.UpgradePolicy;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One scale set as a listing of scale sets shows it: the model (region, zones, policy, image, tags) and how many
 * instances it should have, without the instances themselves. What discovery reads
 * ({@link dev.osupgrade.port.ScaleSetInventory}); read the scale set itself for its instances.
 *
 * @param id the scale set's id
 * @param region its region
 * @param zones the zones it spans; empty for a regional scale set
 * @param orchestrationMode Uniform or Flexible
 * @param upgradePolicy mode, rolling policy and automatic OS upgrade policy
 * @param modelImage the image the model points at ({@code latest} or pinned)
 * @param capacity the instance count the scale set is set to ({@code sku.capacity}): zero or more
 * @param tags the scale set's Azure tags
 */
public record ScaleSetSummary(ScaleSetId id, Region region, List<Zone> zones, OrchestrationMode orchestrationMode,
    UpgradePolicy upgradePolicy, ImageReference modelImage, int capacity, Map<String, String> tags) {

  /** Validates the fields and copies the collections. */
  public ScaleSetSummary {
    Require.nonNull(id, "id");
    Require.nonNull(region, "region");
    zones = List.copyOf(Require.noNulls("zones", zones));
    Require.nonNull(orchestrationMode, "orchestrationMode");
    Require.nonNull(upgradePolicy, "upgradePolicy");
    Require.nonNull(modelImage, "modelImage");
    Require.atLeast("capacity", capacity, 0);
    tags = Collections.unmodifiableMap(new TreeMap<>(Require.noNulls("tags", tags)));
  }

  /**
   * The summary of a scale set read in full.
   *
   * @param scaleSet the scale set
   * @return its summary; the capacity is its instance count
   */
  public static ScaleSetSummary of(ScaleSet scaleSet) {
    Require.nonNull(scaleSet, "scaleSet");
    return new ScaleSetSummary(scaleSet.id(), scaleSet.region(), scaleSet.zones(), scaleSet.orchestrationMode(),
        scaleSet.upgradePolicy(), scaleSet.modelImage(), scaleSet.instanceCount(), scaleSet.tags());
  }

  /**
   * Returns one tag's value.
   *
   * @param key the tag's name (Azure tag names compare case-insensitively)
   * @return its value, if the scale set has the tag
   */
  public Optional<String> tag(String key) {
    Require.nonNull(key, "key");
    return tags.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(key)).map(Map.Entry::getValue)
        .findFirst();
  }

  @Override
  public String toString() {
    return id + " (" + region + ", " + capacity + " instances, " + modelImage + ")";
  }
}
