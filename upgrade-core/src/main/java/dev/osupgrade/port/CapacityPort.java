package dev.osupgrade.port;

import dev.osupgrade.fleet.ScaleSetId;
import java.util.List;

/**
 * Adds and removes instances, for rollouts with {@code maxSurge}: new instances are created on the model's image
 * for each batch, and the old ones deleted once the new ones are healthy.
 */
public interface CapacityPort {

  /**
   * Says how many more instances the scale set could take right now (core quota, regional capacity, scale set
   * limits), so that a surge batch is only tried when it fits.
   *
   * @param id the scale set
   * @return zero or more
   */
  int headroom(ScaleSetId id);

  /**
   * Creates instances on the scale set model's image (ARM: raise {@code sku.capacity}).
   *
   * @param id the scale set
   * @param count how many, at least one
   * @return the new instances' ids
   */
  List<String> scaleOut(ScaleSetId id, int count);

  /**
   * Deletes instances (ARM: POST {@code delete} with {@code instanceIds}). Deleting an instance that is already gone
   * is not an error.
   *
   * @param id the scale set
   * @param instanceIds the instances
   */
  void deleteInstances(ScaleSetId id, List<String> instanceIds);
}
