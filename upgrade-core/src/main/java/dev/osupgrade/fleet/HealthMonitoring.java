package dev.osupgrade.fleet;

/**
 * Where a scale set's health signal comes from. Azure's automatic OS upgrade and rolling upgrades need exactly one
 * of the two sources; both at once is rejected by Azure.
 *
 * @param loadBalancerProbe a load balancer health probe is referenced by the network profile
 * @param applicationHealthExtension the Application Health extension is installed
 */
public record HealthMonitoring(boolean loadBalancerProbe, boolean applicationHealthExtension) {
  /** @return no health source at all */
  public static HealthMonitoring none() {
    return new HealthMonitoring(false, false);
  }

  /** @return the Application Health extension only (the recommended setup) */
  public static HealthMonitoring extension() {
    return new HealthMonitoring(false, true);
  }

  /** @return a load balancer probe only */
  public static HealthMonitoring probe() {
    return new HealthMonitoring(true, false);
  }

  /** @return true when exactly one health source is configured, as rolling and automatic OS upgrades require */
  public boolean hasExactlyOneSource() {
    return loadBalancerProbe ^ applicationHealthExtension;
  }

  @Override
  public String toString() {
    if (loadBalancerProbe && applicationHealthExtension) {
      return "probe+extension";
    }
    return loadBalancerProbe ? "probe" : applicationHealthExtension ? "extension" : "none";
  }
}
