package dev.osupgrade.estate;

/** How the governor upgrades a scale set. */
public enum GovernanceMode {
  /** The library upgrades it with orchestrated rollouts (model pinned, upgrade mode Manual), batch by batch. */
  ORCHESTRATED,
  /**
   * Azure upgrades it: automatic OS upgrade is enabled ring by ring and watched, and deferred upgrades
   * ({@code osRollingUpgradeDeferral}, required) are approved only inside the scale set's windows.
   */
  GOVERNED_PLATFORM
}
