package dev.osupgrade.testkit;

import dev.osupgrade.Require;

/**
 * How healthy a whole scale set really was at one moment, by the simulator's own state (what a health probe would
 * have seen of every instance, outages and maintenance included): part of every {@link PortCall}.
 *
 * @param instances how many instances the scale set had
 * @param unhealthy how many reported Unhealthy
 * @param unknown how many reported Unknown (not booted, deallocated, in an outage)
 */
public record FleetHealth(int instances, int unhealthy, int unknown) {

  /** Validates the counts. */
  public FleetHealth {
    Require.atLeast("instances", instances, 0);
    Require.inRange("unhealthy", unhealthy, 0, instances);
    Require.inRange("unknown", unknown, 0, instances - unhealthy);
  }

  /** @return Unhealthy plus Unknown: what Azure's unhealthy budgets count */
  public int unhealthyOrUnknown() {
    return unhealthy + unknown;
  }

  @Override
  public String toString() {
    return unhealthyOrUnknown() + " of " + instances + " unhealthy (" + unhealthy + " Unhealthy, " + unknown
        + " Unknown)";
  }
}
