package dev.osupgrade.rollout;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * When the rollout looks at a batch in flight: not before the batch can plausibly be done, then at the time the
 * instances still settling are predicted to be healthy, learned from the instances of the batches before. A look is an
 * instance listing (on Azure one High Cost Get per page, 10 a minute per scale set), so looks are spent where they
 * tell something.
 *
 * <ul>
 *   <li><b>The first look at a batch</b>: when it can plausibly be done — the quickest batch so far, from its request
 *       to the look that found its last instance healthy, less five tail gaps. Before any batch has finished, nine
 *       tenths of the plan's estimated batch time ({@link dev.osupgrade.plan.PlanOptions#estimatedBatchTime}, 6
 *       minutes unless the caller says otherwise: an OS disk replacement, a boot and the health extension's first
 *       verdicts), and at most 12 poll intervals.</li>
 *   <li><b>Predicted looks</b>: each instance of an earlier batch that became healthy tells how long it settled after
 *       its upgrade ended ({@link InstanceProgress#upgradedAt}, the instance view's end of provisioning): at most until
 *       the look that saw it healthy, at least until the look before it (the last one that saw an instance of its
 *       batch become healthy, if that came after its upgrade ended); a quarter of the way between the two stands for
 *       it. Once every instance still in flight in the batch has finished its upgrade, the next look comes at the
 *       first time (at least 1.2 tail gaps later) at which all of them are healthy with a probability of
 *       {@value #PREDICTED_CHANCE}, each settling like the instances before it, given that it has settled longer
 *       than when it was last seen unsettled (one that has settled longer than every learned instance settles like
 *       the longest 3% of them, until it has settled a quarter longer than the longest). A look that finds them
 *       still settling conditions the next prediction on that.</li>
 *   <li><b>The tail</b>: where nothing can be predicted (the first batch, an instance whose upgrade has not ended, one
 *       that has settled far longer than any before it) a look every gap, the gap a sixth of the poll interval (5 s by
 *       default, at least 1 s), widening by one gap every three looks up to the poll interval, so a batch that takes
 *       long (an instance that never becomes healthy, a rollback) costs a look per poll interval, as before.</li>
 *   <li>An instance's deadline (its health or upgrade timeout) is looked at when it comes, if that is earlier.</li>
 * </ul>
 *
 * <p>A pure function of the rollout's state (its instances' request, upgrade and settle times, which the checkpoint
 * holds) and the time: the looks form a sequence from the last look that saw an instance of the batch become healthy
 * (or from the plausible time), each computed from the one before, and the next look is the first of the sequence
 * after now. So a rollout resumed from its checkpoint looks when the uninterrupted one would have.
 */
final class LookSchedule {
  /** Nine tenths of the plan's estimated batch time: the first batch's prediction. */
  static final double FIRST_BATCH_FRACTION = 0.9;
  /**
   * The first batch is looked at after at most this many poll intervals: a caller who polls fast expects fast batches
   * (12 x 30 s = 6 minutes by default, so the plan's estimate decides).
   */
  static final int FIRST_BATCH_POLLS = 12;
  /** The first look at a batch comes this many tail gaps before the quickest batch so far was seen done. */
  static final int GAPS_BEFORE_QUICKEST = 5;
  /** The tail's gap widens by one gap every this many looks. */
  static final int LOOKS_PER_WIDENING = 3;
  /** A predicted look comes when every instance still settling is healthy with this probability. */
  static final double PREDICTED_CHANCE = 0.3;
  /** Where a learned settle time stands between what the looks bound it to: a quarter of the way up. */
  static final double WITHIN_BOUNDS = 0.25;
  /** A predicted look comes at least this many tail gaps after the look before it. */
  static final double LEAST_GAPS = 1.2;
  /**
   * An instance that has settled longer than every learned one is taken to settle like those at this share of the
   * learned settle times and beyond (the longest few).
   */
  static final double LONGEST_SHARE = 0.97;
  /** Upper bound on the looks computed to reach now (a long wait ends in the tail's closed form before it). */
  private static final int MAX_SEQUENCE = 10_000;

  private final Instant plausible;
  private final Duration gap;
  private final Duration poll;
  /** When the instances still in flight in the batch ended their upgrade (null: not yet, as far as the looks know). */
  private final List<@Nullable Instant> inFlight;
  /** The last look that saw an instance of the batch become healthy (a failure does not count), or null. */
  private final @Nullable Instant lastSettled;
  /** The learned settle times, in milliseconds, sorted; empty when nothing has been learned. */
  private final long[] settle;

  private LookSchedule(Instant plausible, Duration gap, Duration poll, List<@Nullable Instant> inFlight,
      @Nullable Instant lastSettled, long[] settle) {
    this.plausible = plausible;
    this.gap = gap;
    this.poll = poll;
    this.inFlight = inFlight;
    this.lastSettled = lastSettled;
    this.settle = settle;
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
    List<@Nullable Instant> inFlight = new ArrayList<>();
    Instant lastSettled = null;
    for (InstanceProgress p : instances) {
      if (p.batch() != batch) {
        continue;
      }
      if (!p.stage().isSettled()) {
        inFlight.add(p.stage() == InstanceStage.AWAITING_HEALTH ? p.upgradedAt() : null);
      } else if (p.stage() == InstanceStage.SUCCEEDED && p.settledAt() != null
          && (lastSettled == null || p.settledAt().isAfter(lastSettled))) {
        lastSettled = p.settledAt();
      }
    }
    return new LookSchedule(batchStartedAt.plus(predicted), gap, poll, inFlight, lastSettled,
        learnedSettle(instances, batch));
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
    // by batch number (1 to batch - 1): the earliest request and the latest settling, or spoiled
    Instant[] first = new Instant[Math.max(batch, 1)];
    Instant[] last = new Instant[first.length];
    boolean[] spoiled = new boolean[first.length];
    for (InstanceProgress p : instances) {
      int b = p.batch();
      if (b >= batch) {
        continue;
      }
      Instant requested = p.requestedAt();
      Instant settled = p.settledAt();
      if (p.stage() != InstanceStage.SUCCEEDED || requested == null || settled == null) {
        spoiled[b] = true;
        continue;
      }
      if (first[b] == null) {
        first[b] = requested;
        last[b] = settled;
      }
      if (requested.isBefore(first[b])) {
        first[b] = requested;
      }
      if (settled.isAfter(last[b])) {
        last[b] = settled;
      }
    }
    Duration quickest = null;
    for (int b = 1; b < first.length; b++) {
      if (first[b] == null || spoiled[b]) {
        continue;
      }
      Duration took = Duration.between(first[b], last[b]);
      if (!took.isNegative() && !took.isZero() && (quickest == null || took.compareTo(quickest) < 0)) {
        quickest = took;
      }
    }
    return quickest;
  }

  /**
   * What the batches before {@code batch} tell about settling, in milliseconds, sorted: for each instance that became
   * healthy after an upgrade that ended after its request, a quarter of the way from the least to the most its looks
   * allow (the look before the one that saw it healthy, the look that did).
   */
  static long[] learnedSettle(Collection<InstanceProgress> instances, int batch) {
    // the looks that saw instances of each earlier batch settled, sorted, by batch number (1 to batch - 1)
    int batches = Math.max(batch, 1);
    int[] count = new int[batches];
    for (InstanceProgress p : instances) {
      if (p.batch() < batch && p.stage().isSettled() && p.settledAt() != null) {
        count[p.batch()]++;
      }
    }
    Instant[][] settledLooks = new Instant[batches][];
    for (int b = 1; b < batches; b++) {
      settledLooks[b] = new Instant[count[b]];
      count[b] = 0;
    }
    for (InstanceProgress p : instances) {
      if (p.batch() < batch && p.stage().isSettled() && p.settledAt() != null) {
        settledLooks[p.batch()][count[p.batch()]++] = p.settledAt();
      }
    }
    for (int b = 1; b < batches; b++) {
      Arrays.sort(settledLooks[b]);
    }
    int n = 0;
    for (InstanceProgress p : instances) {
      if (learnable(p, batch)) {
        n++;
      }
    }
    long[] out = new long[n];
    int k = 0;
    for (InstanceProgress p : instances) {
      if (!learnable(p, batch)) {
        continue;
      }
      Instant upgraded = p.upgradedAt();
      Instant settled = p.settledAt();
      long most = millisBetween(upgraded, settled);
      Instant before = lower(settledLooks[p.batch()], settled);
      long least = before != null && before.isAfter(upgraded) ? millisBetween(upgraded, before) : 0;
      out[k++] = least + (long) ((most - least) * WITHIN_BOUNDS);
    }
    Arrays.sort(out);
    return out;
  }

  /** An instance of a batch before {@code batch} that became healthy after an upgrade that ended after its request. */
  private static boolean learnable(InstanceProgress p, int batch) {
    Instant requested = p.requestedAt();
    Instant upgraded = p.upgradedAt();
    Instant settled = p.settledAt();
    return p.batch() < batch && p.stage() == InstanceStage.SUCCEEDED && requested != null && upgraded != null
        && settled != null && upgraded.isAfter(requested) && !settled.isBefore(upgraded);
  }

  /** The greatest of the sorted instants strictly before {@code at}, or null (as {@code TreeSet.lower}). */
  private static @Nullable Instant lower(Instant[] sorted, Instant at) {
    int lo = 0;
    int hi = sorted.length - 1;
    Instant found = null;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      if (sorted[mid].isBefore(at)) {
        found = sorted[mid];
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }

  /** {@code Duration.between(from, to).toMillis()} for {@code from} not after {@code to}, without the Duration. */
  private static long millisBetween(Instant from, Instant to) {
    long seconds = to.getEpochSecond() - from.getEpochSecond();
    long nanos = (long) to.getNano() - from.getNano();
    if (nanos < 0) {
      nanos += 1_000_000_000L;
      seconds--;
    }
    return Math.addExact(Math.multiplyExact(seconds, 1000L), nanos / 1_000_000L);
  }

  /**
   * The next look after {@code now}: the first of the batch's sequence of looks after now; an instance deadline ahead
   * of it comes first.
   *
   * @param now the time
   * @param deadline the next instance deadline, or null
   * @return when to look, after {@code now}
   */
  Instant next(Instant now, @Nullable Instant deadline) {
    Instant at;
    int n = 0;
    if (lastSettled != null && !lastSettled.isBefore(plausible)) {
      at = lastSettled;
    } else {
      at = plausible;
    }
    while (!at.isAfter(now)) {
      Duration step = times(gap, 1 + n / LOOKS_PER_WIDENING);
      Instant predicted = n >= MAX_SEQUENCE ? null : predicted(at);
      if (predicted != null) {
        Instant least = at.plus(Duration.ofMillis((long) (gap.toMillis() * LEAST_GAPS)));
        at = predicted.isAfter(least) ? predicted : least;
      } else if (step.compareTo(poll) >= 0 || n >= MAX_SEQUENCE) {
        // widened to the poll interval: the rest of the tail is a look per poll interval
        long polls = Duration.between(at, now).toNanos() / poll.toNanos() + 1;
        at = at.plus(times(poll, polls));
        break;
      } else {
        at = at.plus(step);
      }
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

  /**
   * The first time after {@code seen} at which every instance in flight is healthy with probability
   * {@link #PREDICTED_CHANCE}, given that none was healthy at {@code seen}; null when that cannot be predicted (nothing
   * learned, an instance whose upgrade has not ended by then, or one that has settled more than a quarter longer than
   * any learned).
   */
  private @Nullable Instant predicted(Instant seen) {
    if (settle.length == 0 || inFlight.isEmpty()) {
      return null;
    }
    long t = seen.toEpochMilli();
    int k = inFlight.size();
    long[] ended = new long[k];
    long longest = settle[Math.min(settle.length - 1, (int) (settle.length * LONGEST_SHARE))];
    double[] below = new double[k];
    long latest = Long.MIN_VALUE;
    for (int i = 0; i < k; i++) {
      Instant upgraded = inFlight.get(i);
      if (upgraded == null || upgraded.isAfter(seen)) {
        return null;
      }
      // One that has settled longer than every learned one settles like those that settled longest.
      ended[i] = upgraded.toEpochMilli();
      below[i] = fractionAtMost(t - ended[i]);
      if (below[i] >= 1) {
        if (t - ended[i] > settle[settle.length - 1] + settle[settle.length - 1] / 4) {
          return null; // settling far longer than any learned: the tail, widening to the poll interval
        }
        ended[i] = t - longest;
        below[i] = fractionAtMost(longest);
        if (below[i] >= 1) {
          return null;
        }
      }
      latest = Math.max(latest, ended[i]);
    }
    long stepMillis = Math.max(1, gap.toMillis() / 5);
    // Predicted looks fall on whole steps (whole seconds by default), as the tail's do from a whole-second start.
    long last = Math.floorDiv(latest + settle[settle.length - 1] + stepMillis - 1, stepMillis) * stepMillis;
    for (long x = Math.floorDiv(t, stepMillis) * stepMillis + stepMillis; x <= last; x += stepMillis) {
      double chance = 1;
      for (int i = 0; i < k && chance >= PREDICTED_CHANCE; i++) {
        chance *= (fractionAtMost(x - ended[i]) - below[i]) / (1 - below[i]);
      }
      if (chance >= PREDICTED_CHANCE) {
        return Instant.ofEpochMilli(x);
      }
    }
    return Instant.ofEpochMilli(last);
  }

  /** The share of learned settle times of at most {@code millis}. */
  private double fractionAtMost(long millis) {
    int lo = 0;
    int hi = settle.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (settle[mid] <= millis) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return (double) lo / settle.length;
  }
}
