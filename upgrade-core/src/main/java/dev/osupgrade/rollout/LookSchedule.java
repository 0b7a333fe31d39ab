package dev.osupgrade.rollout;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * When the rollout looks at a batch in flight, planned from what the batches before it showed. A look is an instance
 * listing (on Azure one High Cost Get per page, 10 a minute per scale set), so looks are spent where they tell
 * something, and a batch gets a budget of them ({@link RolloutOptions#looksPerBatch}).
 *
 * <ul>
 *   <li><b>What is learned</b>: from each instance of an earlier batch that succeeded, how long its upgrade took (its
 *       request to {@link InstanceProgress#upgradedAt}, the instance view's end of provisioning: exact) and how long
 *       it settled after it: at most until the look that saw it healthy, at least until the look before it that saw
 *       an instance of its batch become healthy. The settle times' distribution is the self-consistent estimate from
 *       those bounds (Turnbull's, a few rounds of expectation-maximisation, so that instances bounded only from above
 *       keep some weight low). Each learned time is spread over a tail gap either side, so an instance may take a
 *       little longer than any learned.</li>
 *   <li><b>Where the batch stands at a look</b>: each instance seen healthy is done; one whose upgrade ended settles
 *       like the learned ones given how long it has settled already; one still upgrading upgrades like the learned
 *       ones given how long it has upgraded already, then settles. The batch is done when the last of them is: the
 *       chance it is done by each time ahead is the product of theirs.</li>
 *   <li><b>The next look</b>: the first of the looks left in the batch's budget, placed so that the expected time
 *       from the batch's end to the look that sees it is least (a dynamic programme over the grid of whole steps,
 *       a fifth of a tail gap), where a batch not seen done by the budget's last look costs {@link #MISS_SECONDS}
 *       seconds divided by the budget more (the looks beyond it: a small budget makes them dear). Each look then
 *       conditions the next on what it saw (which instances are healthy, which upgrades ended and when). Past the
 *       budget, one look at a time on the same terms, three more at most; then the tail. Predicted looks are at least
 *       1.2 tail gaps apart.</li>
 *   <li><b>The first batch</b> (nothing learned): no look before nine tenths of the plan's estimated batch time
 *       ({@link dev.osupgrade.plan.PlanOptions#estimatedBatchTime}, 6 minutes unless the caller says otherwise), at
 *       most 12 poll intervals; then <b>the tail</b>, also wherever nothing can be predicted (an instance rolling back,
 *       one settling far longer than any learned): a look every gap, the gap a sixth of the poll interval (5 s by
 *       default, at least 1 s), widening by one gap every three looks up to the poll interval, so a batch that takes
 *       long (an instance that never becomes healthy, a rollback) costs a look per poll interval, as before. A look
 *       that sees an instance become healthy starts the tail's gap again.</li>
 *   <li>An instance's deadline (its health or upgrade timeout) is looked at when it comes, if that is earlier.</li>
 * </ul>
 *
 * <p>A pure function of the rollout's state (its instances' request, upgrade and settle times, which the checkpoint
 * holds) and the time: the looks form a sequence from the batch's request, each computed from the one before and from
 * only what a look then could have seen, and the next look is the first of the sequence after now. So a rollout
 * resumed from its checkpoint looks when the uninterrupted one would have, and counts the looks it has spent.
 */
final class LookSchedule {
  /** Nine tenths of the plan's estimated batch time: the first batch's prediction. */
  static final double FIRST_BATCH_FRACTION = 0.9;
  /**
   * The first batch is looked at after at most this many poll intervals: a caller who polls fast expects fast batches
   * (12 x 30 s = 6 minutes by default, so the plan's estimate decides).
   */
  static final int FIRST_BATCH_POLLS = 12;
  /**
   * Where nothing can be predicted in a batch after the first, its first look comes this many tail gaps before the
   * quickest batch so far was seen done.
   */
  static final int GAPS_BEFORE_QUICKEST = 5;
  /** The tail's gap widens by one gap every this many looks. */
  static final int LOOKS_PER_WIDENING = 3;
  /** A predicted look comes at least this many tail gaps after the look before it. */
  static final double LEAST_GAPS = 1.2;
  /**
   * What a batch not seen done by the last look of its budget costs, in seconds of lateness, times the budget (7 s
   * at the default three looks a batch; tuned on the simulator's seeds 1-50).
   */
  static final double MISS_SECONDS = 21;
  /**
   * Rounds of the self-consistent estimate of settle times from their bounds: a few, so that an instance bounded only
   * from above (healthy at the first look at its batch) keeps some of its weight low rather than all of it on the
   * settle times the tighter bounds of others allow.
   */
  static final int BOUNDED_ITERATIONS = 5;
  /** Each learned time is spread this many tail gaps either side. */
  static final double SPREAD_GAPS = 1;
  /** Past the budget, this many more looks are planned; then the tail, widening to the poll interval. */
  static final int PLANNED_BEYOND_BUDGET = 3;
  /** Upper bound on the looks computed to reach now (a long wait ends in the tail's closed form before it). */
  private static final int MAX_SEQUENCE = 10_000;
  /** A chance this small is none: the grid a plan considers is where the batch's end is less certain. */
  private static final double NEGLIGIBLE = 1e-6;
  /** The most grid points a prediction plans over (a coarser grid where the batch's end is that uncertain). */
  private static final int MAX_POINTS = 600;
  /** The most grid steps a learned distribution spans. */
  private static final int MAX_GRID = 20_000;

  private final Instant start;
  private final Instant plausible;
  private final Duration gap;
  private final Duration poll;
  private final int budget;
  /** Grid step of predictions, in milliseconds. */
  private final long step;
  /** The batch's instances: request, upgrade end and settled look, epoch ms (Long.MAX_VALUE: not yet). */
  private final long[] requested;
  private final long[] upgraded;
  private final long[] settled;
  private final boolean predictable;
  /** Learned upgrade and settle times as cumulative distributions over grid steps (null: nothing learned). */
  private final double @Nullable [] upgradeCdf;
  private final double @Nullable [] settleCdf;

  private LookSchedule(Instant start, Instant plausible, Duration gap, Duration poll, int budget,
      long[] requested, long[] upgraded, long[] settled, boolean predictable, double @Nullable [] upgradeCdf,
      double @Nullable [] settleCdf) {
    this.start = start;
    this.plausible = plausible;
    this.gap = gap;
    this.poll = poll;
    this.budget = budget;
    this.step = Math.max(1, gap.toMillis() / 5);
    this.requested = requested;
    this.upgraded = upgraded;
    this.settled = settled;
    this.predictable = predictable;
    this.upgradeCdf = upgradeCdf;
    this.settleCdf = settleCdf;
  }

  /**
   * The schedule of a batch.
   *
   * @param options the rollout's options (poll interval, looks per batch, plan options)
   * @param instances every planned instance's progress
   * @param batch the batch in flight
   * @param batchStartedAt when it was sent
   * @return its schedule
   */
  static LookSchedule of(RolloutOptions options, Collection<InstanceProgress> instances, int batch,
      Instant batchStartedAt) {
    return of(options, instances, batch, batchStartedAt, null);
  }

  /**
   * The schedule of a batch, what the batches before it taught taken from {@code memo} when it holds it for the same
   * options, batch and instances of earlier batches (the same {@link InstanceProgress} objects, in the same order),
   * and left there otherwise: the same schedule as without a memo, computed once per batch rather than on every look.
   *
   * @param options the rollout's options (poll interval, looks per batch, plan options)
   * @param instances every planned instance's progress
   * @param batch the batch in flight
   * @param batchStartedAt when it was sent
   * @param memo where the last learned distributions are kept, or null
   * @return its schedule
   */
  static LookSchedule of(RolloutOptions options, Collection<InstanceProgress> instances, int batch,
      Instant batchStartedAt, @Nullable Memo memo) {
    Duration poll = options.pollInterval();
    Duration gap = tailGap(poll);
    List<InstanceProgress> members = new ArrayList<>();
    List<InstanceProgress> earlier = new ArrayList<>();
    boolean predictable = true;
    for (InstanceProgress p : instances) {
      if (p.batch() < batch) {
        earlier.add(p);
      }
      if (p.batch() != batch) {
        continue;
      }
      members.add(p);
      InstanceStage s = p.stage();
      if (!s.isSettled() && s != InstanceStage.UPGRADING && s != InstanceStage.AWAITING_HEALTH
          && s != InstanceStage.REPLACING) {
        predictable = false;
      }
    }
    int n = members.size();
    long[] requested = new long[n];
    long[] upgraded = new long[n];
    long[] settled = new long[n];
    for (int i = 0; i < n; i++) {
      InstanceProgress p = members.get(i);
      requested[i] = p.requestedAt() == null ? batchStartedAt.toEpochMilli() : p.requestedAt().toEpochMilli();
      upgraded[i] = p.upgradedAt() == null ? Long.MAX_VALUE : p.upgradedAt().toEpochMilli();
      settled[i] = !p.stage().isSettled() ? Long.MAX_VALUE
          : p.settledAt() == null ? Long.MIN_VALUE : p.settledAt().toEpochMilli();
    }
    InstanceProgress[] key = earlier.toArray(new InstanceProgress[0]);
    Learned learned = memo == null ? null : memo.last;
    if (learned == null || !learned.isFor(options, batch, key)) {
      learned = Learned.of(options, earlier, batch, key);
      if (memo != null) {
        memo.last = learned;
      }
    }
    Duration quickest = learned.quickest;
    Duration predicted = quickest == null ? firstBatch(options) : quickest.minus(times(gap, GAPS_BEFORE_QUICKEST));
    Instant plausible = batchStartedAt.plus(predicted.compareTo(gap) < 0 ? gap : predicted);
    return new LookSchedule(batchStartedAt, plausible, gap, poll, options.looksPerBatch(), requested, upgraded,
        settled, predictable, learned.upgradeCdf, learned.settleCdf);
  }

  /**
   * Where a rollout keeps the last distributions its batches taught ({@link #of(RolloutOptions, Collection, int,
   * Instant, Memo)}): not part of its state (a rollout resumed from its checkpoint learns them again, the same), and
   * safe to share between threads (a memo holds one immutable entry, replaced whole).
   */
  static final class Memo {
    private volatile @Nullable Learned last;
  }

  /** What the batches before one taught: a pure function of the options and of their instances' progress. */
  private static final class Learned {
    private final RolloutOptions options;
    private final int batch;
    /** The instances of the batches before, in the order given: the memo's key (by identity). */
    private final InstanceProgress[] earlier;
    private final double @Nullable [] upgradeCdf;
    private final double @Nullable [] settleCdf;
    private final @Nullable Duration quickest;

    private Learned(RolloutOptions options, int batch, InstanceProgress[] earlier, double @Nullable [] upgradeCdf,
        double @Nullable [] settleCdf, @Nullable Duration quickest) {
      this.options = options;
      this.batch = batch;
      this.earlier = earlier;
      this.upgradeCdf = upgradeCdf;
      this.settleCdf = settleCdf;
      this.quickest = quickest;
    }

    static Learned of(RolloutOptions options, Collection<InstanceProgress> earlier, int batch,
        InstanceProgress[] key) {
      Duration gap = tailGap(options.pollInterval());
      long step = Math.max(1, gap.toMillis() / 5);
      long[][] settle = settleBounds(earlier, batch);
      long[] upgrade = learnedUpgrade(earlier, batch);
      long spread = (long) (gap.toMillis() * SPREAD_GAPS);
      double[] upgradeCdf = upgrade.length == 0 ? null : cdf(upgrade, spread, step);
      double[] settleCdf = settle.length == 0 ? null
          : smooth(boundedCdf(settle, step, BOUNDED_ITERATIONS), spread / step);
      return new Learned(options, batch, key, upgradeCdf, settleCdf, quickestBatch(earlier, batch));
    }

    boolean isFor(RolloutOptions options, int batch, InstanceProgress[] key) {
      if (this.options != options || this.batch != batch || earlier.length != key.length) {
        return false;
      }
      for (int i = 0; i < key.length; i++) {
        if (earlier[i] != key[i]) {
          return false;
        }
      }
      return true;
    }
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
    Map<Integer, Instant[]> spans = new HashMap<>();
    Set<Integer> spoiled = new HashSet<>();
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
    for (Map.Entry<Integer, Instant[]> e : spans.entrySet()) {
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
   * What the batches before {@code batch} tell about upgrades, in milliseconds, sorted: for each instance that
   * succeeded, from its request to the end of its upgrade.
   */
  static long[] learnedUpgrade(Collection<InstanceProgress> instances, int batch) {
    List<Long> out = new ArrayList<>();
    for (InstanceProgress p : instances) {
      Instant requested = p.requestedAt();
      Instant upgraded = p.upgradedAt();
      if (p.batch() < batch && p.stage() == InstanceStage.SUCCEEDED && requested != null && upgraded != null
          && upgraded.isAfter(requested)) {
        out.add(Duration.between(requested, upgraded).toMillis());
      }
    }
    long[] sorted = out.stream().mapToLong(Long::longValue).toArray();
    Arrays.sort(sorted);
    return sorted;
  }

  /**
   * What the batches before {@code batch} tell about settling: for each instance that became healthy after an upgrade
   * that ended after its request, the least and the most its looks allow, in milliseconds (pairs: least, most).
   */
  static long[][] settleBounds(Collection<InstanceProgress> instances, int batch) {
    Map<Integer, TreeSet<Instant>> settledLooks = new HashMap<>();
    for (InstanceProgress p : instances) {
      if (p.batch() < batch && p.stage().isSettled() && p.settledAt() != null) {
        settledLooks.computeIfAbsent(p.batch(), b -> new TreeSet<>()).add(p.settledAt());
      }
    }
    List<long[]> out = new ArrayList<>();
    for (InstanceProgress p : instances) {
      Instant requested = p.requestedAt();
      Instant upgraded = p.upgradedAt();
      Instant settled = p.settledAt();
      if (p.batch() >= batch || p.stage() != InstanceStage.SUCCEEDED || requested == null || upgraded == null
          || settled == null || !upgraded.isAfter(requested) || settled.isBefore(upgraded)) {
        continue;
      }
      long most = Duration.between(upgraded, settled).toMillis();
      Instant before = settledLooks.get(p.batch()).lower(settled);
      long least = before != null && before.isAfter(upgraded) ? Duration.between(upgraded, before).toMillis() : 0;
      out.add(new long[] {least, most});
    }
    return out.toArray(new long[0][]);
  }

  /**
   * The most likely distribution of settle times given only their bounds (Turnbull's self-consistent estimate, by
   * expectation-maximisation over grid steps), as a cumulative distribution over grid steps.
   */
  static double[] boundedCdf(long[][] bounds, long step, int iterations) {
    int n = bounds.length;
    int[] lo = new int[n];
    int[] hi = new int[n];
    int size = 2;
    for (int i = 0; i < n; i++) {
      lo[i] = (int) Math.min(MAX_GRID - 2, bounds[i][0] / step);
      hi[i] = (int) Math.min(MAX_GRID - 1, Math.max(lo[i] + 1, (bounds[i][1] + step - 1) / step));
      size = Math.max(size, hi[i] + 1);
    }
    // Mass on grid points k in (lo, hi] of each; start even over every point some bound allows.
    double[] pmf = new double[size];
    double[] cover = new double[size + 1];
    for (int i = 0; i < n; i++) {
      cover[lo[i] + 1] += 1;
      cover[hi[i] + 1] -= 1;
    }
    double run = 0;
    int points = 0;
    for (int k = 0; k < size; k++) {
      run += cover[k];
      if (run > 0) {
        pmf[k] = 1;
        points++;
      }
    }
    for (int k = 0; k < size; k++) {
      pmf[k] /= points;
    }
    double[] cum = new double[size + 1];
    for (int it = 0; it < iterations; it++) {
      for (int k = 0; k < size; k++) {
        cum[k + 1] = cum[k] + pmf[k];
      }
      Arrays.fill(cover, 0);
      for (int i = 0; i < n; i++) {
        double mass = cum[hi[i] + 1] - cum[lo[i] + 1];
        if (mass > 0) {
          cover[lo[i] + 1] += 1 / mass;
          cover[hi[i] + 1] -= 1 / mass;
        }
      }
      run = 0;
      for (int k = 0; k < size; k++) {
        run += cover[k];
        pmf[k] *= run / n;
      }
    }
    return cumulative(pmf);
  }

  /** The running sum of a distribution over grid steps, at most 1, and exactly 1 at the last step. */
  private static double[] cumulative(double[] pmf) {
    double[] cdf = new double[pmf.length];
    double sum = 0;
    for (int k = 0; k < pmf.length; k++) {
      sum += pmf[k];
      cdf[k] = Math.min(1, sum);
    }
    cdf[pmf.length - 1] = 1;
    return cdf;
  }

  /**
   * The cumulative distribution over grid steps of {@code samples} (milliseconds), each spread evenly over
   * {@code spread} either side (not below zero): element k is the chance of at most k steps.
   */
  static double[] cdf(long[] samples, long spread, long step) {
    long top = samples[samples.length - 1] + spread;
    int size = (int) Math.min(MAX_GRID, top / step + 2);
    double[] pmf = new double[size];
    double each = 1.0 / samples.length;
    for (long v : samples) {
      long lo = Math.max(0, v - spread) / step;
      long hi = Math.min(size - 1, (v + spread) / step);
      double share = each / (hi - lo + 1);
      for (long k = lo; k <= hi; k++) {
        pmf[(int) k] += share;
      }
    }
    return cumulative(pmf);
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
    Instant at = predicted(start, 0);
    int looks = 1;
    int planned = at == null ? 0 : 1;
    int tail = 0;
    if (at == null) {
      at = plausible;
    }
    while (!at.isAfter(now)) {
      Instant predicted = planned >= budget + PLANNED_BEYOND_BUDGET ? null : predicted(at, looks);
      if (predicted != null) {
        at = predicted;
        tail = 0;
        planned++;
      } else {
        if (looks > 0 && sawSettle(at)) {
          tail = 0;
        }
        Duration stepBy = times(gap, 1 + tail / LOOKS_PER_WIDENING);
        if (stepBy.compareTo(poll) >= 0 || looks >= MAX_SEQUENCE) {
          // widened to the poll interval: the rest of the tail is a look per poll interval
          long polls = Duration.between(at, now).toNanos() / poll.toNanos() + 1;
          at = at.plus(times(poll, polls));
          break;
        }
        at = at.plus(stepBy);
        tail++;
      }
      looks++;
    }
    return deadline != null && deadline.isAfter(now) && deadline.isBefore(at) ? deadline : at;
  }

  /** Whether the look at {@code at} saw an instance of the batch become healthy. */
  private boolean sawSettle(Instant at) {
    long t = at.toEpochMilli();
    for (long s : settled) {
      if (s == t) {
        return true;
      }
    }
    return false;
  }

  /**
   * {@code d} times {@code n}, as {@link Duration#multipliedBy} has it but in nanoseconds rather than through
   * {@code BigDecimal} (a look's durations are at most a day, times a count of looks).
   */
  private static Duration times(Duration d, long n) {
    return Duration.ofNanos(Math.multiplyExact(d.toNanos(), n));
  }

  /** {@code cdf} with each step's mass spread evenly over {@code width} steps either side. */
  static double[] smooth(double[] cdf, long width) {
    if (width <= 0) {
      return cdf;
    }
    int size = (int) (cdf.length + width);
    double[] pmf = new double[size];
    for (int k = 0; k < cdf.length; k++) {
      double p = cdf[k] - (k == 0 ? 0 : cdf[k - 1]);
      long lo = Math.max(0, k - width);
      long hi = k + width;
      for (long j = lo; j <= hi; j++) {
        pmf[(int) j] += p / (hi - lo + 1);
      }
    }
    return cumulative(pmf);
  }

  /** The learned distribution's cumulative chance of at most {@code millis}. */
  private static double at(double[] cdf, long millis, long step) {
    if (millis < 0) {
      return 0;
    }
    long k = millis / step;
    return k >= cdf.length ? 1 : cdf[(int) k];
  }

  /**
   * The look after the one at {@code seen} (the batch's request when {@code looks} is 0), from what a look then saw:
   * null when nothing can be predicted (nothing learned, an instance rolling back, one that has upgraded or settled
   * longer than any learned).
   */
  private @Nullable Instant predicted(Instant seen, int looks) {
    if (upgradeCdf == null || settleCdf == null || !predictable) {
      return null;
    }
    long x = seen.toEpochMilli();
    // Grid of candidate look times: whole steps after x.
    long first = Math.floorDiv(x, step) * step + step;
    long horizon = first;
    int n = requested.length;
    double[] base = new double[n];
    boolean[] waiting = new boolean[n];
    for (int i = 0; i < n; i++) {
      if (settled[i] <= x) {
        continue;
      }
      waiting[i] = true;
      if (upgraded[i] <= x) {
        base[i] = at(settleCdf, x - upgraded[i], step);
        if (base[i] >= 1 - 1e-9) {
          return null;
        }
        horizon = Math.max(horizon, upgraded[i] + settleCdf.length * step);
      } else {
        base[i] = at(upgradeCdf, x - requested[i], step);
        if (base[i] >= 1 - 1e-9) {
          return null;
        }
        horizon = Math.max(horizon, requested[i] + (upgradeCdf.length + settleCdf.length) * step);
      }
    }
    long gridStart = first;
    // Whole steps, or coarser where the batch's end is uncertain over more than MAX_POINTS of them.
    long grid = step * Math.max(1, ((horizon - gridStart) / step + MAX_POINTS) / MAX_POINTS);
    int size = (int) Math.min(MAX_POINTS, (horizon - gridStart) / grid + 1);
    // F[j]: the chance the batch is done by first + (j - 1) grid steps; F[0] = 0 (not done at x).
    double[] done = new double[size + 1];
    Arrays.fill(done, 1);
    done[0] = 0;
    Map<Long, double[]> upgrading = new HashMap<>();
    for (int i = 0; i < n; i++) {
      if (!waiting[i]) {
        continue;
      }
      if (upgraded[i] <= x) {
        long u = upgraded[i];
        for (int j = 1; j <= size; j++) {
          long t = gridStart + (long) (j - 1) * grid;
          done[j] *= (at(settleCdf, t - u, step) - base[i]) / (1 - base[i]);
        }
      } else {
        double[] f = upgrading.computeIfAbsent(requested[i], r -> upgradingCdf(r, x, size, gridStart, grid));
        for (int j = 1; j <= size; j++) {
          done[j] *= f[j];
        }
      }
    }
    int choice = plan(done, Math.max(1, budget - looks), looks == 0 ? 0 : x, gridStart, grid, MISS_SECONDS / budget);
    return Instant.ofEpochMilli(gridStart + (long) (choice - 1) * grid);
  }

  /** The chance an instance requested at {@code r}, still upgrading at {@code x}, is healthy by each grid time. */
  private double[] upgradingCdf(long r, long x, int size, long first, long grid) {
    double[] u = upgradeCdf;
    double[] s = settleCdf;
    double[] out = new double[size + 1];
    int k0 = (int) Math.max(0, (x - r) / step);
    double below = at(u, x - r, step);
    for (int j = 1; j <= size; j++) {
      long t = first + (long) (j - 1) * grid;
      // Upgrades of at most (t - r) / step - s.length steps leave it settled surely by t: their chance at once.
      long m = Math.floorDiv(t - r, step);
      int sure = (int) Math.min(u.length - 1, m - s.length);
      double sum = sure > k0 ? u[sure] - u[k0] : 0;
      int from = Math.max(k0 + 1, sure + 1);
      int to = (int) Math.min(u.length - 1, m);
      for (int k = from; k <= to; k++) {
        double p = u[k] - u[k - 1];
        if (p > 0) {
          sum += p * at(s, t - r - (long) k * step, step);
        }
      }
      out[j] = sum / (1 - below);
    }
    return out;
  }

  /**
   * The first look of the best plan of {@code left} looks over the grid: least expected time from the batch's end to
   * the look that sees it, a batch not seen by the last costing {@link #MISS_SECONDS}.
   *
   * @return the grid index (1-based) of the first look
   */
  private int plan(double[] done, int left, long previous, long first, long grid, double miss) {
    int size = done.length - 1;
    double stepSeconds = grid / 1000.0;
    // Cumulative: A[j] = done[j]; B[j] = sum of p_i * i for i <= j (in steps).
    double[] weighted = new double[size + 1];
    for (int j = 1; j <= size; j++) {
      weighted[j] = weighted[j - 1] + (done[j] - done[j - 1]) * j;
    }
    long least = previous == 0 ? 1
        : (long) Math.ceil((previous + gap.toMillis() * LEAST_GAPS - first) / (double) grid) + 1;
    int lo = (int) Math.max(1, Math.min(size, least));
    // Only where the batch's end is uncertain: no look where it cannot be done yet, none after it surely is.
    int start = lo;
    while (start < size && done[start] < NEGLIGIBLE) {
      start++;
    }
    int end = start;
    while (end < size && done[end] < 1 - NEGLIGIBLE) {
      end++;
    }
    double[] cost = new double[size + 1];
    for (int a = 0; a <= size; a++) {
      cost[a] = miss * (1 - done[a]);
    }
    int minGap = (int) Math.max(1, Math.ceil(gap.toMillis() * LEAST_GAPS / grid));
    int best = start;
    for (int k = 1; k <= left; k++) {
      double[] next = new double[size + 1];
      // The last layer needs only the plan from now (a = 0); the others every grid point a look may come at.
      int last = k == left ? 0 : end;
      for (int a = 0; a <= last; a = a == 0 ? Math.max(1, start) : a + 1) {
        int from = a == 0 ? start : Math.min(size, a + minGap);
        double min = Double.MAX_VALUE;
        int arg = from;
        for (int y = from; y <= Math.max(from, end); y++) {
          double late = (y * (done[y] - done[a]) - (weighted[y] - weighted[a])) * stepSeconds;
          double c = late + cost[y];
          if (c < min) {
            min = c;
            arg = y;
          }
        }
        next[a] = min;
        if (a == 0 && k == left) {
          best = arg;
        }
      }
      cost = next;
    }
    return best;
  }
}
