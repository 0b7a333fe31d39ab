package dev.osupgrade.rollout;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import org.jspecify.annotations.Nullable;

/**
 * When the rollout looks at a batch in flight: not before the batch can plausibly be done, then in a short tail that
 * widens while it is not. A look is an instance listing (on Azure one High Cost Get per page, 10 a minute per scale
 * set), so looks are spent where they tell something.
 *
 * <ul>
 *   <li><b>When the batch can plausibly be done</b>: learned from the batches so far — the quickest of them, from its
 *       request to the look that found its last instance healthy, less three tail gaps (the looks that found it done
 *       came up to a gap late). Before any batch has finished, nine tenths of the plan's estimated batch time
 *       ({@link dev.osupgrade.plan.PlanOptions#estimatedBatchTime}, 6 minutes unless the caller says otherwise: an
 *       OS disk replacement, a boot and the health extension's first verdicts), and at most 12 poll intervals.</li>
 *   <li><b>The tail</b>: then a look every gap, the gap a sixth of the poll interval (5 s by default, at least 1 s),
 *       widening by one gap every three looks up to the poll interval, so a batch that takes long (an instance that
 *       never becomes healthy, a rollback) costs a look per poll interval, as before.</li>
 *   <li>An instance's deadline (its health or upgrade timeout) is looked at when it comes, if that is earlier.</li>
 * </ul>
 *
 * <p>A pure function of the rollout's state (its instances' request and settle times) and the time: a rollout resumed
 * from its checkpoint looks when the uninterrupted one would have.
 */
final class LookSchedule {
  /** Nine tenths of the plan's estimated batch time: the first batch's prediction. */
  static final double FIRST_BATCH_FRACTION = 0.9;
  /**
   * The first batch is looked at after at most this many poll intervals: a caller who polls fast expects fast batches
   * (12 x 30 s = 6 minutes by default, so the plan's estimate decides).
   */
  static final int FIRST_BATCH_POLLS = 12;
  /** The prediction starts this many tail gaps before the quickest batch so far was seen done. */
  static final int GAPS_BEFORE_QUICKEST = 3;
  /** The tail's gap widens by one gap every this many looks. */
  static final int LOOKS_PER_WIDENING = 3;

  private final Instant plausible;
  private final Duration gap;
  private final Duration poll;

  private LookSchedule(Instant plausible, Duration gap, Duration poll) {
    this.plausible = plausible;
    this.gap = gap;
    this.poll = poll;
  }

  /**
   * The schedule of a batch.
   *
   * @param options the rollout's options (poll interval, plan options)
   * @param instances every planned instance's progress
   * @param batch the batch in flight
   * @param batchStartedAt when it was sent
   * @return its schedule
   */
  static LookSchedule of(RolloutOptions options, Collection<InstanceProgress> instances, int batch,
      Instant batchStartedAt) {
    Duration poll = options.pollInterval();
    Duration gap = tailGap(poll);
    Duration quickest = quickestBatch(instances, batch);
    Duration predicted = quickest == null ? firstBatch(options)
        : quickest.minus(times(gap, GAPS_BEFORE_QUICKEST));
    if (predicted.compareTo(gap) < 0) {
      predicted = gap;
    }
    return new LookSchedule(batchStartedAt.plus(predicted), gap, poll);
  }

  /** Before any batch has finished: nine tenths of the plan's estimate, at most {@link #FIRST_BATCH_POLLS} polls. */
  static Duration firstBatch(RolloutOptions options) {
    Duration estimate = Duration.ofMillis(
        (long) (options.planOptions().estimatedBatchTime().toMillis() * FIRST_BATCH_FRACTION));
    Duration polls = times(options.pollInterval(), FIRST_BATCH_POLLS);
    return estimate.compareTo(polls) <= 0 ? estimate : polls;
  }

  /** A sixth of the poll interval, at least a second (the poll interval itself when that is shorter). */
  static Duration tailGap(Duration poll) {
    Duration sixth = Duration.ofNanos(poll.toNanos() / 6); // as Duration.dividedBy(6) rounds, without BigDecimal
    Duration oneSecond = Duration.ofSeconds(1);
    return sixth.compareTo(oneSecond) >= 0 ? sixth : poll.compareTo(oneSecond) < 0 ? poll : oneSecond;
  }

  /**
   * The quickest earlier batch: from its first request to the look that found its last instance settled, over the
   * batches before {@code batch} whose instances all succeeded (a batch with a failure or a removal tells nothing
   * about how long an upgrade takes).
   */
  static @Nullable Duration quickestBatch(Collection<InstanceProgress> instances, int batch) {
    java.util.Map<Integer, Instant[]> spans = new java.util.HashMap<>();
    java.util.Set<Integer> spoiled = new java.util.HashSet<>();
    for (InstanceProgress p : instances) {
      if (p.batch() >= batch) {
        continue;
      }
      if (p.stage() != InstanceStage.SUCCEEDED || p.requestedAt() == null || p.settledAt() == null) {
        spoiled.add(p.batch());
        continue;
      }
      Instant[] span = spans.computeIfAbsent(p.batch(), b -> new Instant[] {p.requestedAt(), p.settledAt()});
      if (p.requestedAt().isBefore(span[0])) {
        span[0] = p.requestedAt();
      }
      if (p.settledAt().isAfter(span[1])) {
        span[1] = p.settledAt();
      }
    }
    Duration quickest = null;
    for (java.util.Map.Entry<Integer, Instant[]> e : spans.entrySet()) {
      if (spoiled.contains(e.getKey())) {
        continue;
      }
      Duration took = Duration.between(e.getValue()[0], e.getValue()[1]);
      if (!took.isNegative() && !took.isZero() && (quickest == null || took.compareTo(quickest) < 0)) {
        quickest = took;
      }
    }
    return quickest;
  }

  /**
   * The next look after {@code now}: the plausible time if it is ahead, else the next look of the tail; an instance
   * deadline ahead of it comes first.
   *
   * @param now the time
   * @param deadline the next instance deadline, or null
   * @return when to look, after {@code now}
   */
  Instant next(Instant now, @Nullable Instant deadline) {
    Instant at = plausible;
    int n = 0;
    while (!at.isAfter(now)) {
      Duration step = times(gap, 1 + n / LOOKS_PER_WIDENING);
      if (step.compareTo(poll) >= 0) {
        // widened to the poll interval: the rest of the tail is a look per poll interval
        long polls = Duration.between(at, now).toNanos() / poll.toNanos() + 1;
        at = at.plus(times(poll, polls));
        break;
      }
      at = at.plus(step);
      n++;
    }
    return deadline != null && deadline.isAfter(now) && deadline.isBefore(at) ? deadline : at;
  }

  /**
   * {@code d} times {@code n}, as {@link Duration#multipliedBy} has it but in nanoseconds rather than through
   * {@code BigDecimal} (a look's durations are at most a day, times a count of looks).
   */
  private static Duration times(Duration d, long n) {
    return Duration.ofNanos(Math.multiplyExact(d.toNanos(), n));
  }
}
