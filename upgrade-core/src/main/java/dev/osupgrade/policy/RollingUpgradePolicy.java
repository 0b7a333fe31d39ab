package dev.osupgrade.policy;

import dev.osupgrade.Durations;
import dev.osupgrade.InvalidValueException;
import dev.osupgrade.Require;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * Azure's {@code rollingUpgradePolicy}, all eight fields, with Azure's ranges and defaults.
 *
 * <table>
 *   <caption>Fields</caption>
 *   <tr><th>field</th><th>range</th><th>default</th></tr>
 *   <tr><td>maxBatchInstancePercent</td><td>5–100</td><td>20</td></tr>
 *   <tr><td>maxUnhealthyInstancePercent</td><td>5–100</td><td>20</td></tr>
 *   <tr><td>maxUnhealthyUpgradedInstancePercent</td><td>0–100</td><td>20</td></tr>
 *   <tr><td>pauseTimeBetweenBatches</td><td>ISO-8601, 0 to {@link #MAX_PAUSE} (30 days; Azure documents no
 *       maximum, the library caps it so that a typo such as {@code PT7200H} is caught)</td><td>PT0S</td></tr>
 *   <tr><td>prioritizeUnhealthyInstances, enableCrossZoneUpgrade, rollbackFailedInstancesOnPolicyBreach,
 *       maxSurge</td><td>—</td><td>false</td></tr>
 * </table>
 *
 * <p>Build with {@link #ofDefaults()} or {@link #builder()}; derive variants with {@link #toBuilder()}.
 *
 * @param maxBatchInstancePercent the largest share of the whole set upgraded in one batch (a maximum)
 * @param maxUnhealthyInstancePercent the largest share of the whole set that may be unhealthy before a batch starts
 * @param maxUnhealthyUpgradedInstancePercent the largest share of upgraded instances that may be unhealthy after a
 *     batch
 * @param pauseTimeBetweenBatches the wait between batches, at most {@link #MAX_PAUSE}
 * @param prioritizeUnhealthyInstances upgrade all unhealthy instances before any healthy one
 * @param enableCrossZoneUpgrade allow batches to ignore availability-zone boundaries
 * @param rollbackFailedInstancesOnPolicyBreach roll failed instances back when the policy is breached
 * @param maxSurge create new instances on the target for each batch and delete the old ones once healthy
 */
public record RollingUpgradePolicy(
    int maxBatchInstancePercent,
    int maxUnhealthyInstancePercent,
    int maxUnhealthyUpgradedInstancePercent,
    Duration pauseTimeBetweenBatches,
    boolean prioritizeUnhealthyInstances,
    boolean enableCrossZoneUpgrade,
    boolean rollbackFailedInstancesOnPolicyBreach,
    boolean maxSurge) {

  /** The longest pause between batches the library accepts: 30 days (Azure documents no maximum). */
  public static final Duration MAX_PAUSE = Duration.ofDays(30);

  private static final RollingUpgradePolicy DEFAULTS =
      new RollingUpgradePolicy(20, 20, 20, Duration.ZERO, false, false, false, false);

  /** Checks every field against Azure's ranges. */
  public RollingUpgradePolicy {
    Require.inRange("maxBatchInstancePercent", maxBatchInstancePercent, 5, 100);
    Require.inRange("maxUnhealthyInstancePercent", maxUnhealthyInstancePercent, 5, 100);
    Require.inRange("maxUnhealthyUpgradedInstancePercent", maxUnhealthyUpgradedInstancePercent, 0, 100);
    Require.nonNegative("pauseTimeBetweenBatches", pauseTimeBetweenBatches, MAX_PAUSE);
  }

  /** @return Azure's default policy: 20/20/20, no pause, every flag off */
  public static RollingUpgradePolicy ofDefaults() {
    return DEFAULTS;
  }

  /** @return a builder starting from Azure's defaults */
  public static Builder builder() {
    return new Builder(DEFAULTS);
  }

  /** @return a builder starting from this policy */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /** @return {@link #maxBatchInstancePercent()} as a {@link Percent} */
  public Percent batchPercent() {
    return Percent.of(maxBatchInstancePercent);
  }

  /** @return {@link #maxUnhealthyInstancePercent()} as a {@link Percent} */
  public Percent unhealthyPercent() {
    return Percent.of(maxUnhealthyInstancePercent);
  }

  /** @return {@link #maxUnhealthyUpgradedInstancePercent()} as a {@link Percent} */
  public Percent unhealthyUpgradedPercent() {
    return Percent.of(maxUnhealthyUpgradedInstancePercent);
  }

  /**
   * The batch size Azure uses for a set of this many instances: {@code maxBatchInstancePercent} of the instance
   * count, rounded down, never below one (so five or fewer instances go one at a time).
   *
   * @param instanceCount the number of instances in the whole scale set
   * @return the largest batch
   */
  public int batchSizeFor(int instanceCount) {
    Require.atLeast("instanceCount", instanceCount, 0);
    return Math.max(1, batchPercent().floorOf(instanceCount));
  }

  /** @return the policy in Azure's JSON field names, listing only what differs from the defaults */
  @Override
  public String toString() {
    List<String> parts = new ArrayList<>();
    parts.add("batch " + maxBatchInstancePercent + "%");
    parts.add("unhealthy " + maxUnhealthyInstancePercent + "%");
    parts.add("unhealthy upgraded " + maxUnhealthyUpgradedInstancePercent + "%");
    if (!pauseTimeBetweenBatches.isZero()) {
      parts.add("pause " + Durations.words(pauseTimeBetweenBatches));
    }
    if (prioritizeUnhealthyInstances) {
      parts.add("unhealthy first");
    }
    if (enableCrossZoneUpgrade) {
      parts.add("cross-zone");
    }
    if (rollbackFailedInstancesOnPolicyBreach) {
      parts.add("rollback on breach");
    }
    if (maxSurge) {
      parts.add("max surge");
    }
    return "RollingUpgradePolicy[" + String.join(", ", parts) + "]";
  }

  /**
   * Accumulates a policy. Each setter checks its own field at once; {@link #build()} returns an immutable policy.
   * Not thread-safe.
   */
  public static final class Builder {
    private int maxBatchInstancePercent;
    private int maxUnhealthyInstancePercent;
    private int maxUnhealthyUpgradedInstancePercent;
    private Duration pauseTimeBetweenBatches;
    private boolean prioritizeUnhealthyInstances;
    private boolean enableCrossZoneUpgrade;
    private boolean rollbackFailedInstancesOnPolicyBreach;
    private boolean maxSurge;

    private Builder(RollingUpgradePolicy from) {
      maxBatchInstancePercent = from.maxBatchInstancePercent;
      maxUnhealthyInstancePercent = from.maxUnhealthyInstancePercent;
      maxUnhealthyUpgradedInstancePercent = from.maxUnhealthyUpgradedInstancePercent;
      pauseTimeBetweenBatches = from.pauseTimeBetweenBatches;
      prioritizeUnhealthyInstances = from.prioritizeUnhealthyInstances;
      enableCrossZoneUpgrade = from.enableCrossZoneUpgrade;
      rollbackFailedInstancesOnPolicyBreach = from.rollbackFailedInstancesOnPolicyBreach;
      maxSurge = from.maxSurge;
    }

    /**
     * Sets the batch share.
     *
     * @param percent in [5, 100]
     * @return this builder
     */
    public Builder maxBatchInstancePercent(int percent) {
      this.maxBatchInstancePercent = Require.inRange("maxBatchInstancePercent", percent, 5, 100);
      return this;
    }

    /**
     * Sets the whole-set unhealthy budget, checked before every batch.
     *
     * @param percent in [5, 100]
     * @return this builder
     */
    public Builder maxUnhealthyInstancePercent(int percent) {
      this.maxUnhealthyInstancePercent = Require.inRange("maxUnhealthyInstancePercent", percent, 5, 100);
      return this;
    }

    /**
     * Sets the upgraded-instances unhealthy budget, checked after every batch.
     *
     * @param percent in [0, 100]
     * @return this builder
     */
    public Builder maxUnhealthyUpgradedInstancePercent(int percent) {
      this.maxUnhealthyUpgradedInstancePercent =
          Require.inRange("maxUnhealthyUpgradedInstancePercent", percent, 0, 100);
      return this;
    }

    /**
     * Sets the pause between batches.
     *
     * @param pause zero or positive, at most {@link #MAX_PAUSE} (30 days)
     * @return this builder
     */
    public Builder pauseTimeBetweenBatches(Duration pause) {
      this.pauseTimeBetweenBatches = Require.nonNegative("pauseTimeBetweenBatches", pause, MAX_PAUSE);
      return this;
    }

    /**
     * Sets the pause between batches from Azure's ISO-8601 form.
     *
     * @param iso8601 e.g. {@code "PT0S"} or {@code "PT2M30S"}; zero or positive, at most {@link #MAX_PAUSE}
     * @return this builder
     */
    public Builder pauseTimeBetweenBatches(String iso8601) {
      Require.nonNull(iso8601, "pauseTimeBetweenBatches");
      Duration parsed;
      try {
        parsed = Duration.parse(iso8601);
      } catch (DateTimeParseException e) {
        throw new InvalidValueException("pauseTimeBetweenBatches", "an ISO-8601 duration such as PT0S or PT5M",
            iso8601);
      }
      return pauseTimeBetweenBatches(parsed);
    }

    /**
     * Upgrades unhealthy instances before healthy ones.
     *
     * @param enabled the flag
     * @return this builder
     */
    public Builder prioritizeUnhealthyInstances(boolean enabled) {
      this.prioritizeUnhealthyInstances = enabled;
      return this;
    }

    /**
     * Lets batches span availability zones.
     *
     * @param enabled the flag
     * @return this builder
     */
    public Builder enableCrossZoneUpgrade(boolean enabled) {
      this.enableCrossZoneUpgrade = enabled;
      return this;
    }

    /**
     * Rolls failed instances back when the policy is breached.
     *
     * @param enabled the flag
     * @return this builder
     */
    public Builder rollbackFailedInstancesOnPolicyBreach(boolean enabled) {
      this.rollbackFailedInstancesOnPolicyBreach = enabled;
      return this;
    }

    /**
     * Creates new instances per batch instead of upgrading in place.
     *
     * @param enabled the flag
     * @return this builder
     */
    public Builder maxSurge(boolean enabled) {
      this.maxSurge = enabled;
      return this;
    }

    /** @return the immutable policy */
    public RollingUpgradePolicy build() {
      return new RollingUpgradePolicy(maxBatchInstancePercent, maxUnhealthyInstancePercent,
          maxUnhealthyUpgradedInstancePercent, pauseTimeBetweenBatches, prioritizeUnhealthyInstances,
          enableCrossZoneUpgrade, rollbackFailedInstancesOnPolicyBreach, maxSurge);
    }
  }
}
