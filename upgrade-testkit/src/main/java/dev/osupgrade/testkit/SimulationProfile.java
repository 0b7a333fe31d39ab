package dev.osupgrade.testkit;

import dev.osupgrade.Durations;
import dev.osupgrade.Require;
import java.time.Duration;

/**
 * How long things take in the simulated fleet, in one place (the simulator's defaults, documented here and nowhere
 * else). Each duration range is drawn uniformly from [min, max] with the fleet's seeded random generator.
 *
 * <table>
 *   <caption>Defaults</caption>
 *   <tr><th>step</th><th>default</th><th>Azure counterpart</th></tr>
 *   <tr><td>upgrade (OS disk replaced, VM started)</td><td>2–4 min</td><td>manualupgrade / reimage of one VM</td></tr>
 *   <tr><td>boot until the health extension runs</td><td>30–90 s</td><td>guest boot, extensions provisioning</td></tr>
 *   <tr><td>health extension settling</td><td>10–60 s</td><td>Initializing until numberOfProbes agree</td></tr>
 *   <tr><td>platform eligibility check (automatic OS upgrade)</td><td>every 15 min</td><td>the platform noticing
 *       a new eligible image version</td></tr>
 *   <tr><td>first platform check after enabling automatic OS upgrade</td><td>15 min – 3 h</td><td>"it can take up
 *       to 3 hours after first enabling for the first rollout to trigger"</td></tr>
 *   <tr><td>how long a platform upgrade waits for an instance whose upgrade is deferred
 *       ({@code osRollingUpgradeDeferral}) to be approved and become healthy</td><td>7 days</td><td>not documented
 *       by Azure; the simulator's choice</td></tr>
 * </table>
 *
 * <p>Every duration is at most {@link #MAX_DURATION} (1 day), the deferral timeout at most 30 days.
 *
 * <p>The platform checks follow a fixed grid per scale set: the first check comes at the drawn delay after enabling,
 * later ones every {@code platformCheckInterval} after it. A check that would find nothing new is not scheduled
 * (nothing can have changed without a call on the fleet, which schedules the next one), so a quiet fleet has no
 * pending timers and {@link VirtualClock#runUntilIdle()} ends.
 *
 * @param upgradeMin shortest upgrade
 * @param upgradeMax longest upgrade
 * @param bootMin shortest boot
 * @param bootMax longest boot
 * @param settleMin shortest health settling
 * @param settleMax longest health settling
 * @param platformCheckInterval how often the platform looks for an eligible image version
 * @param platformFirstCheckMin shortest delay from enabling automatic OS upgrade to the first check
 * @param platformFirstCheckMax longest delay from enabling automatic OS upgrade to the first check
 * @param deferralTimeout the instance upgrade timeout of platform upgrades with {@code osRollingUpgradeDeferral}
 */
public record SimulationProfile(Duration upgradeMin, Duration upgradeMax, Duration bootMin, Duration bootMax,
    Duration settleMin, Duration settleMax, Duration platformCheckInterval, Duration platformFirstCheckMin,
    Duration platformFirstCheckMax, Duration deferralTimeout) {

  /** Every 15 minutes of fleet time. */
  public static final Duration DEFAULT_PLATFORM_CHECK_INTERVAL = Duration.ofMinutes(15);
  /** 15 minutes. */
  public static final Duration DEFAULT_PLATFORM_FIRST_CHECK_MIN = Duration.ofMinutes(15);
  /** 3 hours, Azure's "up to 3 hours". */
  public static final Duration DEFAULT_PLATFORM_FIRST_CHECK_MAX = Duration.ofHours(3);
  /** 7 days. */
  public static final Duration DEFAULT_DEFERRAL_TIMEOUT = Duration.ofDays(7);
  /** The longest timing of a profile (the deferral timeout aside): 1 day. */
  public static final Duration MAX_DURATION = Duration.ofDays(1);

  /** Validates the ranges. */
  public SimulationProfile {
    range("upgrade", upgradeMin, upgradeMax);
    range("boot", bootMin, bootMax);
    range("settle", settleMin, settleMax);
    Require.positive("platformCheckInterval", platformCheckInterval, MAX_DURATION);
    range("platformFirstCheck", platformFirstCheckMin, platformFirstCheckMax);
    Require.positive("deferralTimeout", deferralTimeout, Duration.ofDays(30));
    Require.that(deferralTimeout.compareTo(Duration.ofMinutes(5)) >= 0, "deferralTimeout",
        ">= the 5-minute health timeout", deferralTimeout);
  }

  /**
   * A profile with the given instance timings and the default platform timings.
   *
   * @param upgradeMin shortest upgrade
   * @param upgradeMax longest upgrade
   * @param bootMin shortest boot
   * @param bootMax longest boot
   * @param settleMin shortest health settling
   * @param settleMax longest health settling
   */
  public SimulationProfile(Duration upgradeMin, Duration upgradeMax, Duration bootMin, Duration bootMax,
      Duration settleMin, Duration settleMax) {
    this(upgradeMin, upgradeMax, bootMin, bootMax, settleMin, settleMax, DEFAULT_PLATFORM_CHECK_INTERVAL,
        DEFAULT_PLATFORM_FIRST_CHECK_MIN, DEFAULT_PLATFORM_FIRST_CHECK_MAX, DEFAULT_DEFERRAL_TIMEOUT);
  }

  private static void range(String name, Duration min, Duration max) {
    Require.nonNegative(name + "Min", min, MAX_DURATION);
    Require.nonNegative(name + "Max", max, MAX_DURATION);
    Require.that(max.compareTo(min) >= 0, name + "Max", ">= " + name + "Min (" + Durations.words(min) + ")", max);
  }

  /** @return the defaults in the table above */
  public static SimulationProfile ofDefaults() {
    return new SimulationProfile(Duration.ofMinutes(2), Duration.ofMinutes(4), Duration.ofSeconds(30),
        Duration.ofSeconds(90), Duration.ofSeconds(10), Duration.ofSeconds(60));
  }

  /**
   * Returns a copy with other platform check timings.
   *
   * @param interval how often the platform looks for an eligible version
   * @param firstMin shortest delay from enabling to the first check
   * @param firstMax longest delay from enabling to the first check
   * @return the copy
   */
  public SimulationProfile withPlatformChecks(Duration interval, Duration firstMin, Duration firstMax) {
    return new SimulationProfile(upgradeMin, upgradeMax, bootMin, bootMax, settleMin, settleMax, interval, firstMin,
        firstMax, deferralTimeout);
  }

  /**
   * Returns a copy with another deferral timeout.
   *
   * @param timeout the instance upgrade timeout of deferred platform upgrades
   * @return the copy
   */
  public SimulationProfile withDeferralTimeout(Duration timeout) {
    return new SimulationProfile(upgradeMin, upgradeMax, bootMin, bootMax, settleMin, settleMax,
        platformCheckInterval, platformFirstCheckMin, platformFirstCheckMax, timeout);
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
