package dev.osupgrade.observe;

import dev.osupgrade.event.BatchCompleted;
import dev.osupgrade.event.BatchSkipped;
import dev.osupgrade.event.BatchStarted;
import dev.osupgrade.event.InstanceFailed;
import dev.osupgrade.event.InstanceHealthy;
import dev.osupgrade.event.PlanExtended;
import dev.osupgrade.event.RolloutCancelled;
import dev.osupgrade.event.RolloutCompleted;
import dev.osupgrade.event.RolloutEvent;
import dev.osupgrade.event.RolloutFaulted;
import dev.osupgrade.event.RolloutStarted;
import dev.osupgrade.ops.UpgradeProgress;
import dev.osupgrade.plan.PlanEstimate;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;
import org.jspecify.annotations.Nullable;

/**
 * Where one rollout stands, as far as its events tell: instances settled of those to upgrade (percent done) and the
 * time to go by the plan's estimate. Counts come from the events that carry Azure's four progress counts, and in
 * between from the instance events; a rollout first seen after it started (resumed) has no estimate, and a percent
 * only from its first progress count on.
 */
final class RolloutProgress {
  private @Nullable PlanEstimate estimate;
  private Duration pause = Duration.ZERO;
  private int total = -1;
  private int settled;
  private @Nullable Duration toGo;
  private int batch;
  private int totalBatches;
  private boolean stalled;
  private UpgradeProgress counts = UpgradeProgress.none();

  /** Takes in one event of the rollout. */
  void on(RolloutEvent e) {
    if (e instanceof RolloutStarted s) {
      estimate = s.estimate();
      pause = s.policy().pauseTimeBetweenBatches();
      total = s.toUpgrade();
      settled = 0;
      totalBatches = s.plannedBatches();
      counts = new UpgradeProgress(0, 0, 0, s.toUpgrade());
      toGo = s.estimate().batches() == 0 ? null : s.estimate().fleetTime();
    } else if (e instanceof BatchStarted s) {
      batch = s.batch();
      totalBatches = s.totalBatches();
      toGo = remaining(s.totalBatches() - s.batch() + 1, s.totalBatches() - s.batch());
      int n = s.instanceIds().size();
      counts = new UpgradeProgress(counts.successful(), counts.failed(), counts.inProgress() + n,
          Math.max(0, counts.pending() - n));
    } else if (e instanceof BatchCompleted c) {
      batch = c.batch();
      totalBatches = c.totalBatches();
      progress(c.progress());
      toGo = remaining(c.totalBatches() - c.batch(), c.totalBatches() - c.batch());
    } else if (e instanceof BatchSkipped s) {
      batch = s.batch();
      totalBatches = s.totalBatches();
      toGo = remaining(s.totalBatches() - s.batch(), s.totalBatches() - s.batch());
    } else if (e instanceof InstanceHealthy) {
      settled++;
      counts = new UpgradeProgress(counts.successful() + 1, counts.failed(), Math.max(0, counts.inProgress() - 1),
          counts.pending());
    } else if (e instanceof InstanceFailed) {
      settled++;
      counts = new UpgradeProgress(counts.successful(), counts.failed() + 1, Math.max(0, counts.inProgress() - 1),
          counts.pending());
    } else if (e instanceof PlanExtended p) {
      if (total >= 0) {
        total += p.instanceIds().size();
      }
      counts = new UpgradeProgress(counts.successful(), counts.failed(), counts.inProgress(),
          counts.pending() + p.instanceIds().size());
      totalBatches += p.addedBatches();
    } else if (e instanceof RolloutCompleted c) {
      progress(c.progress());
      toGo = Duration.ZERO;
    } else if (e instanceof RolloutFaulted f) {
      progress(f.progress());
      toGo = null;
    } else if (e instanceof RolloutCancelled c) {
      progress(c.progress());
      toGo = null;
    } else if (e instanceof dev.osupgrade.event.RolloutStalled) {
      stalled = true;
    } else if (e instanceof dev.osupgrade.event.RolloutStallCleared) {
      stalled = false;
    }
  }

  private void progress(UpgradeProgress p) {
    counts = p;
    total = p.total();
    settled = p.successful() + p.failed();
  }

  /** Fleet time for {@code batches} more batches and {@code pauses} more pauses, by the plan's estimate. */
  private @Nullable Duration remaining(int batches, int pauses) {
    PlanEstimate plan = estimate;
    if (plan == null || plan.batches() == 0) {
      return null;
    }
    Duration pauses0 = pause.multipliedBy(Math.max(0, plan.batches() - 1L));
    Duration perBatch = plan.fleetTime().minus(pauses0).dividedBy(plan.batches());
    if (perBatch.isNegative()) {
      perBatch = Duration.ZERO;
    }
    return perBatch.multipliedBy(Math.max(0, batches)).plus(pause.multipliedBy(Math.max(0, pauses)));
  }

  /** @return instances settled (healthy or failed) of those to upgrade, in percent, rounded down; empty if unknown */
  OptionalInt percentDone() {
    if (total < 0) {
      return OptionalInt.empty();
    }
    return OptionalInt.of(total == 0 ? 100 : (int) (100L * Math.min(settled, total) / total));
  }

  /** @return fleet time to go by the plan's estimate; empty if there is no estimate or the rollout stopped short */
  Optional<Duration> toGo() {
    return Optional.ofNullable(toGo);
  }

  /** @return the plan's estimate, if the start was seen */
  Optional<PlanEstimate> estimate() {
    return Optional.ofNullable(estimate);
  }

  /** @return the batch last started or settled, 0 before the first */
  int batch() {
    return batch;
  }

  /** @return the number of batches, as last told */
  int totalBatches() {
    return totalBatches;
  }

  /** @return whether the rollout is stalled now */
  boolean stalled() {
    return stalled;
  }

  /** @return the four counts: from the last event that carried them, moved on by the instance events since */
  UpgradeProgress counts() {
    return counts;
  }
}
