package dev.osupgrade.fleet;

import java.util.AbstractList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.RandomAccess;
import org.jspecify.annotations.Nullable;

/**
 * A scale set's instances, immutable, in their order, indexed by instance id: {@link ScaleSet#instance} is a map
 * lookup instead of a scan (the kernel looks every instance of a batch up on every look).
 */
final class IndexedInstances extends AbstractList<Instance> implements RandomAccess {
  private final List<Instance> list;
  private final Map<String, Instance> byId;

  private IndexedInstances(List<Instance> list, Map<String, Instance> byId) {
    this.list = list;
    this.byId = byId;
  }

  /**
   * Indexes instances.
   *
   * @param instances an immutable list
   * @return the indexed list, or null when two instances share an id
   */
  static @Nullable IndexedInstances of(List<Instance> instances) {
    Map<String, Instance> byId = new HashMap<>(Math.max(16, instances.size() * 2));
    for (Instance i : instances) {
      if (byId.putIfAbsent(i.instanceId(), i) != null) {
        return null;
      }
    }
    return new IndexedInstances(instances, byId);
  }

  @Nullable Instance find(String instanceId) {
    return byId.get(instanceId);
  }

  @Override
  public Instance get(int index) {
    return list.get(index);
  }

  @Override
  public int size() {
    return list.size();
  }
}
