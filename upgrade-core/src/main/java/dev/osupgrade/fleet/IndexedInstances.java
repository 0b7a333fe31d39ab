package dev.osupgrade.fleet;

import java.util.AbstractList;
import java.util.List;
import java.util.RandomAccess;
import org.jspecify.annotations.Nullable;

/**
 * A scale set's instances, immutable, in their order, indexed by instance id: {@link ScaleSet#instance} is a map
 * lookup instead of a scan (the kernel looks every instance of a batch up on every look). The index is one array of
 * positions, open addressing on the id's hash (a listing is indexed on every look: a hash map's nodes would cost
 * several times the list itself).
 */
final class IndexedInstances extends AbstractList<Instance> implements RandomAccess {
  private final Instance[] list;
  /**
   * Position + 1 of the instance whose id hashes to each slot (linear probing); 0 is an empty slot. Null when the
   * instances are in {@link InstanceIds#ORDER} (as Azure and the simulator list them): then a binary search finds one.
   */
  private final int @Nullable [] slots;

  private IndexedInstances(Instance[] list, int @Nullable [] slots) {
    this.list = list;
    this.slots = slots;
  }

  /**
   * Indexes instances.
   *
   * @param list the instances, none null (copied)
   * @return the indexed list, or null when two instances share an id
   */
  static @Nullable IndexedInstances of(List<Instance> list) {
    Instance[] instances = list.toArray(new Instance[0]);
    int sorted = 1;
    while (sorted < instances.length
        && InstanceIds.ORDER.compare(instances[sorted - 1].instanceId(), instances[sorted].instanceId()) < 0) {
      sorted++;
    }
    if (sorted >= instances.length) {
      return new IndexedInstances(instances, null); // in order, none twice
    }
    int capacity = Integer.highestOneBit(Math.max(8, instances.length * 2 - 1)) << 1;
    int[] slots = new int[capacity];
    int mask = capacity - 1;
    for (int k = 0; k < instances.length; k++) {
      String id = instances[k].instanceId();
      int s = spread(id.hashCode()) & mask;
      while (slots[s] != 0) {
        if (instances[slots[s] - 1].instanceId().equals(id)) {
          return null;
        }
        s = (s + 1) & mask;
      }
      slots[s] = k + 1;
    }
    return new IndexedInstances(instances, slots);
  }

  private static int spread(int h) {
    return h ^ (h >>> 16);
  }

  @Nullable Instance find(@Nullable String instanceId) {
    if (instanceId == null) {
      return null; // as a map finds nothing under null
    }
    int[] slots = this.slots;
    if (slots == null) {
      int lo = 0;
      int hi = list.length - 1;
      while (lo <= hi) {
        int mid = (lo + hi) >>> 1;
        int c = InstanceIds.ORDER.compare(list[mid].instanceId(), instanceId);
        if (c < 0) {
          lo = mid + 1;
        } else if (c > 0) {
          hi = mid - 1;
        } else {
          return list[mid];
        }
      }
      return null;
    }
    int mask = slots.length - 1;
    for (int s = spread(instanceId.hashCode()) & mask; slots[s] != 0; s = (s + 1) & mask) {
      Instance i = list[slots[s] - 1];
      if (i.instanceId().equals(instanceId)) {
        return i;
      }
    }
    return null;
  }

  @Override
  public Instance get(int index) {
    return list[index];
  }

  @Override
  public int size() {
    return list.length;
  }
}
