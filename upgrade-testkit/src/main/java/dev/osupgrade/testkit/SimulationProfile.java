package dev.osupgrade.testkit;

import dev.osupgrade.Require;
import java.time.Duration;

/**
 * How long things take in the simulated fleet, in one place (the simulator's defaults, documented here and nowhere
 * else). Each duration is drawn uniformly from its [min, max] range with the fleet's seeded random generator.
 *
 * <table>
 *   <caption>Defaults</caption>
 *   <tr><th>step</th><th>default</th><th>Azure counterpart</th></tr>
 *   <tr><td>upgrade (OS disk replaced, VM started)</td><td>2–4 min</td><td>manualupgrade / reimage of one VM</td></tr>
 *   <tr><td>boot until the health extension runs</td><td>30–90 s</td><td>guest boot, extensions provisioning</td></tr>
 *   <tr><td>health extension settling</td><td>10–60 s</td><td>Initializing until numberOfProbes agree</td></tr>
 * </table>
 *
 * @param upgradeMin shortest upgrade
 * @param upgradeMax longest upgrade
 * @param bootMin shortest boot
 * @param bootMax longest boot
 * @param settleMin shortest health settling
 * @param settleMax longest health settling
 */
public record SimulationProfile(Duration upgradeMin, Duration upgradeMax, Duration bootMin, Duration bootMax,
    Duration settleMin, Duration settleMax) {

  /** Validates the ranges. */
  public SimulationProfile {
    range("upgrade", upgradeMin, upgradeMax);
    range("boot", bootMin, bootMax);
    range("settle", settleMin, settleMax);
  }

  private static void range(String name, Duration min, Duration max) {
    Require.nonNegative(name + "Min", min);
    Require.nonNegative(name + "Max", max);
    Require.that(max.compareTo(min) >= 0, name + "Max", ">= " + name + "Min (" + min + ")", max);
  }

  /** @return the defaults in the table above */
  public static SimulationProfile ofDefaults() {
    return new SimulationProfile(Duration.ofMinutes(2), Duration.ofMinutes(4), Duration.ofSeconds(30),
        Duration.ofSeconds(90), Duration.ofSeconds(10), Duration.ofSeconds(60));
  }

  /** @return the shortest possible time from an upgrade request to a settled health state */
  public Duration fastestUpgrade() {
    return upgradeMin.plus(bootMin).plus(settleMin);
  }

  /** @return the longest possible time from an upgrade request to a settled health state */
  public Duration slowestUpgrade() {
    return upgradeMax.plus(bootMax).plus(settleMax);
  }
}
