package dev.osupgrade.fleet;

/**
 * A scale set's orchestration mode, fixed when the scale set is created. Microsoft recommends Flexible for new scale
 * sets; most of Azure's automatic OS upgrade behaviour is documented for Uniform. What the library does differently
 * for Flexible (identity, batching by fault domain, protection by resource locks, the Azure calls that read it) is
 * listed in the README's "Flexible orchestration" section.
 */
public enum OrchestrationMode {
  /** Identical instances managed through the scale set model, named by decimal instance ids. */
  UNIFORM,
  /**
   * Instances that are ordinary VMs grouped by the scale set: named by their VM names, spread over fault domains (no
   * update domains), protected by resource locks.
   */
  FLEXIBLE;

  /** @return Azure's spelling ({@code "Uniform"}, {@code "Flexible"}) */
  public String azureName() {
    return this == UNIFORM ? "Uniform" : "Flexible";
  }
}
