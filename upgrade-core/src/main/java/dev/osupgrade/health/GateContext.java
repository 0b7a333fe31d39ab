package dev.osupgrade.health;

import dev.osupgrade.Require;
import dev.osupgrade.fleet.ScaleSet;
import dev.osupgrade.image.ImageVersion;
import dev.osupgrade.policy.RollingUpgradePolicy;
import dev.osupgrade.port.MetricSample;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a gate sees when it is asked.
 *
 * @param phase before or after a batch
 * @param batch the batch about to start ({@link GatePhase#BEFORE_BATCH}) or just finished, 1-based
 * @param totalBatches the number of batches in the plan
 * @param fleet the scale set as observed now
 * @param target the version being rolled out
 * @param policy the rolling upgrade policy in force
 * @param upgraded the instances this rollout has upgraded so far (successful or not)
 * @param failed the instances this rollout has marked failed
 * @param startedAt when the rollout started
 * @param now the current time, from the injected clock
 * @param waits how many times the gate being asked has already said "wait" in this phase of this batch (the rollout
 *     keeps the count in its checkpoint; a gate keeps no count of its own)
 * @param samples the metric samples the runner read for the gates ({@link HealthGate#reads}), by read
 * @param unaccounted instances the rollout knows exist (in its plan, not settled as gone) that {@code fleet} does not
 *     show: missing from the listing this look was taken from, and not confirmed gone by a read of their own. A gate
 *     that judges the whole set counts them in it ({@link FleetUnhealthyGate}); ids that {@code fleet} does show are
 *     ignored
 */
public record GateContext(
    GatePhase phase,
    int batch,
    int totalBatches,
    ScaleSet fleet,
    ImageVersion target,
    RollingUpgradePolicy policy,
    Set<String> upgraded,
    Set<String> failed,
    Instant startedAt,
    Instant now,
    int waits,
    Map<MetricQuery, List<MetricSample>> samples,
    Set<String> unaccounted) {

  /** Validates and copies. */
  public GateContext {
    Require.nonNull(phase, "phase");
    Require.atLeast("batch", batch, 1);
    Require.atLeast("totalBatches", totalBatches, 0);
    Require.nonNull(fleet, "fleet");
    Require.nonNull(target, "target");
    Require.nonNull(policy, "policy");
    upgraded = SortedStrings.copyOf("upgraded", upgraded); // natural order, kept as is by withWaits
    failed = SortedStrings.copyOf("failed", failed);
    Require.nonNull(startedAt, "startedAt");
    Require.nonNull(now, "now");
    Require.atLeast("waits", waits, 0);
    Map<MetricQuery, List<MetricSample>> copy = new LinkedHashMap<>();
    Require.nonNull(samples, "samples").forEach((q, list) -> copy.put(Require.nonNull(q, "query"),
        List.copyOf(Require.noNulls("samples", list))));
    samples = Collections.unmodifiableMap(copy);
    if (Require.noNulls("unaccounted", unaccounted).isEmpty()) {
      unaccounted = Set.of();
    } else {
      Set<String> missing = new TreeSet<>();
      for (String id : unaccounted) {
        if (fleet.instance(id).isEmpty()) {
          missing.add(id);
        }
      }
      unaccounted = Collections.unmodifiableSet(missing);
    }
  }

  /**
   * A context in which the look shows every instance the rollout knows of (nothing unaccounted).
   *
   * @param phase before or after a batch
   * @param batch the batch, 1-based
   * @param totalBatches the number of batches
   * @param fleet the scale set as observed now
   * @param target the version being rolled out
   * @param policy the policy in force
   * @param upgraded the instances upgraded so far
   * @param failed the instances marked failed
   * @param startedAt when the rollout started
   * @param now the current time
   * @param waits how many times the gate has already waited in this phase of this batch
   * @param samples the metric samples, by read
   */
  public GateContext(GatePhase phase, int batch, int totalBatches, ScaleSet fleet, ImageVersion target,
      RollingUpgradePolicy policy, Set<String> upgraded, Set<String> failed, Instant startedAt, Instant now,
      int waits, Map<MetricQuery, List<MetricSample>> samples) {
    this(phase, batch, totalBatches, fleet, target, policy, upgraded, failed, startedAt, now, waits, samples,
        Set.of());
  }

  /**
   * A context without a wait count or metric samples (a gate that reads metrics then reads them itself).
   *
   * @param phase before or after a batch
   * @param batch the batch, 1-based
   * @param totalBatches the number of batches
   * @param fleet the scale set as observed now
   * @param target the version being rolled out
   * @param policy the policy in force
   * @param upgraded the instances upgraded so far
   * @param failed the instances marked failed
   * @param startedAt when the rollout started
   * @param now the current time
   */
  public GateContext(GatePhase phase, int batch, int totalBatches, ScaleSet fleet, ImageVersion target,
      RollingUpgradePolicy policy, Set<String> upgraded, Set<String> failed, Instant startedAt, Instant now) {
    this(phase, batch, totalBatches, fleet, target, policy, upgraded, failed, startedAt, now, 0, Map.of(), Set.of());
  }

  /**
   * This context for one gate, with its wait count.
   *
   * @param count how many times the gate has already waited in this phase of this batch
   * @return the context
   */
  public GateContext withWaits(int count) {
    return new GateContext(phase, batch, totalBatches, fleet, target, policy, upgraded, failed, startedAt, now, count,
        samples, unaccounted);
  }

  /**
   * This context with instances the rollout knows exist that its look does not show.
   *
   * @param ids the instances (those the look does show are ignored)
   * @return the context
   */
  public GateContext withUnaccounted(Set<String> ids) {
    return new GateContext(phase, batch, totalBatches, fleet, target, policy, upgraded, failed, startedAt, now, waits,
        samples, ids);
  }

  /**
   * The samples of one read, if the runner made it.
   *
   * @param query the read
   * @return its samples, or empty when this context does not carry it
   */
  public Optional<List<MetricSample>> samples(MetricQuery query) {
    return Optional.ofNullable(samples.get(Require.nonNull(query, "query")));
  }

  /** @return true before the first batch */
  public boolean isFirstBatch() {
    return batch == 1;
  }
}
