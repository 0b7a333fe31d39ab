package dev.osupgrade.fleet;

/** A scale set's orchestration mode. Most of Azure's automatic OS upgrade behaviour is documented for Uniform. */
public enum OrchestrationMode {
  /** Identical instances managed through the scale set model. */
  UNIFORM,
  /** Instances that are regular VMs grouped by the scale set. */
  FLEXIBLE
}
