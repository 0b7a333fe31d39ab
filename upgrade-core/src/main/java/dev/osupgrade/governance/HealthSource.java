package dev.osupgrade.governance;

import dev.osupgrade.Require;
import dev.osupgrade.fleet.HealthMonitoring;

/** The health signal that gates an upgrade: Azure accepts exactly one of the two. */
public enum HealthSource {
  /** The Application Health extension (the recommended source; rich states with typeHandlerVersion 2.0). */
  APPLICATION_HEALTH_EXTENSION("Application Health extension"),
  /** A load balancer health probe referenced by the scale set's network profile. */
  LOAD_BALANCER_PROBE("load balancer health probe");

  private final String label;

  HealthSource(String label) {
    this.label = label;
  }

  /**
   * Says whether a scale set reports health through this source.
   *
   * @param monitoring the scale set's health monitoring
   * @return true if the source is configured on it
   */
  public boolean isConfiguredOn(HealthMonitoring monitoring) {
    Require.nonNull(monitoring, "monitoring");
    return this == APPLICATION_HEALTH_EXTENSION ? monitoring.applicationHealthExtension()
        : monitoring.loadBalancerProbe();
  }

  @Override
  public String toString() {
    return label;
  }
}
