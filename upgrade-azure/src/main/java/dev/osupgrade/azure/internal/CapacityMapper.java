package dev.osupgrade.azure.internal;

import com.azure.resourcemanager.compute.fluent.models.ResourceSkuInner;
import com.azure.resourcemanager.compute.fluent.models.UsageInner;
import com.azure.resourcemanager.compute.fluent.models.VirtualMachineScaleSetInner;
import com.azure.resourcemanager.compute.models.ResourceSkuCapabilities;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/** Headroom for new instances, from a scale set's SKU and capacity, its VM size, and the region's compute usages. */
final class CapacityMapper {
  /** Azure's limit for a scale set in a single placement group. */
  static final int SINGLE_PLACEMENT_GROUP_LIMIT = 100;

  private CapacityMapper() {}

  /**
   * What the adapter needs to know about a VM size: its vCPUs and its quota family.
   *
   * @param vCpus cores per instance, at least 1
   * @param family the family as the usages API names it (e.g. {@code standardDSv3Family}), or null
   */
  record VmSize(int vCpus, @Nullable String family) {}

  /**
   * Finds a VM size among the region's resource SKUs.
   *
   * @param skus {@code Microsoft.Compute/skus} filtered by location
   * @param name the scale set's {@code sku.name}, e.g. {@code Standard_D2s_v3}
   * @return the size
   * @throws IllegalStateException when the region lists no such VM size, or it has no vCPUs capability
   */
  static VmSize vmSize(List<ResourceSkuInner> skus, String name) {
    for (ResourceSkuInner sku : skus) {
      if (!"virtualMachines".equalsIgnoreCase(sku.resourceType()) || !name.equalsIgnoreCase(sku.name())) {
        continue;
      }
      if (sku.capabilities() != null) {
        for (ResourceSkuCapabilities c : sku.capabilities()) {
          if (c != null && "vCPUs".equalsIgnoreCase(c.name()) && c.value() != null) {
            int cores = Integer.parseInt(c.value().strip());
            if (cores < 1) {
              throw new IllegalStateException("VM size " + name + " has " + cores + " vCPUs");
            }
            return new VmSize(cores, ImageMapper.notBlank(sku.family()) ? sku.family() : null);
          }
        }
      }
      throw new IllegalStateException("VM size " + name + " has no vCPUs capability");
    }
    throw new IllegalStateException("the region's resource SKUs do not list VM size " + name);
  }

  /**
   * Computes how many more instances fit: the least of what the scale set's own limit leaves and what the regional
   * vCPU quota ({@code cores}) and the VM family's vCPU quota leave, in instances of the scale set's size.
   *
   * @param vmss the scale set (its {@code sku.capacity} and {@code singlePlacementGroup})
   * @param size its VM size
   * @param usages the region's compute usages
   * @param maxCapacity the largest scale set the caller allows (Azure: 1000; 600 on managed images)
   * @return zero or more
   */
  static int headroom(VirtualMachineScaleSetInner vmss, VmSize size, List<UsageInner> usages, int maxCapacity) {
    long capacity = vmss.sku() == null || vmss.sku().capacity() == null ? 0 : vmss.sku().capacity();
    long limit = Boolean.TRUE.equals(vmss.singlePlacementGroup())
        ? Math.min(maxCapacity, SINGLE_PLACEMENT_GROUP_LIMIT) : maxCapacity;
    long room = limit - capacity;
    for (UsageInner u : usages) {
      String name = u == null || u.name() == null ? null : u.name().value();
      if (name == null) {
        continue;
      }
      String n = name.toLowerCase(Locale.ROOT);
      if (n.equals("cores") || (size.family() != null && n.equals(size.family().toLowerCase(Locale.ROOT)))) {
        long left = u.limit() - u.currentValue();
        room = Math.min(room, Math.floorDiv(left, size.vCpus()));
      }
    }
    return (int) Math.max(0, Math.min(Integer.MAX_VALUE, room));
  }
}
