package dev.osupgrade.health;

import dev.osupgrade.Require;
import dev.osupgrade.fleet.ScaleSet;
import dev.osupgrade.image.ImageVersion;
import dev.osupgrade.policy.RollingUpgradePolicy;
import java.time.Instant;
import java.util.Collections;
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
    Instant now) {

  /** Validates and copies. */
  public GateContext {
    Require.nonNull(phase, "phase");
    Require.atLeast("batch", batch, 1);
    Require.atLeast("totalBatches", totalBatches, 0);
    Require.nonNull(fleet, "fleet");
    Require.nonNull(target, "target");
    Require.nonNull(policy, "policy");
    upgraded = Collections.unmodifiableSet(new TreeSet<>(Require.noNulls("upgraded", upgraded)));
    failed = Collections.unmodifiableSet(new TreeSet<>(Require.noNulls("failed", failed)));
    Require.nonNull(startedAt, "startedAt");
    Require.nonNull(now, "now");
  }

  /** @return true before the first batch */
  public boolean isFirstBatch() {
    return batch == 1;
  }
}
