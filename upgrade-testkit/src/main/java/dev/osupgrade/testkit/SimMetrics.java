package dev.osupgrade.testkit;

import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.image.ImageVersion;
import dev.osupgrade.port.Metric;
import dev.osupgrade.port.MetricSample;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * The simulated fleet's metrics: per-boot startup and readiness times, stamped when the instance settles, and
 * continuous metrics scraped once a minute. Every value is a baseline times the running version's factor
 * ({@link SimulatedFleet#imagePerformance}, 1 by default) times log-normal noise (σ = {@value #NOISE}) drawn from the
 * fleet's seed, the instance, the metric and the minute, so the same seed gives the same samples.
 *
 * <table>
 *   <caption>Baselines</caption>
 *   <tr><th>metric</th><th>baseline</th></tr>
 *   <tr><td>startup-time</td><td>20 s per boot</td></tr>
 *   <tr><td>readiness-time</td><td>the simulated boot plus health settling, in seconds, per boot</td></tr>
 *   <tr><td>cpu</td><td>35 %</td></tr>
 *   <tr><td>memory</td><td>50 %</td></tr>
 *   <tr><td>disk-latency</td><td>4 ms</td></tr>
 *   <tr><td>network-throughput</td><td>900 Mbit/s</td></tr>
 *   <tr><td>dependency-latency</td><td>25 ms</td></tr>
 *   <tr><td>an application's own metric</td><td>100</td></tr>
 * </table>
 */
final class SimMetrics {
  static final double NOISE = 0.08;
  private static final Duration SCRAPE = Duration.ofMinutes(1);

  private final FleetContext ctx;
  private final Map<ImageVersion, Map<String, Double>> factors = new HashMap<>();
  /** Per scale set and instance: since when it ran which version (null once deleted). */
  private final Map<ScaleSetId, Map<String, Runs>> history = new HashMap<>();
  private final Map<ScaleSetId, List<MetricSample>> boots = new HashMap<>();
  /** Per scale set: the size of its per-boot samples at which they are next pruned (amortized). */
  private final Map<ScaleSetId, Integer> pruneAt = new HashMap<>();

  SimMetrics(FleetContext ctx) {
    this.ctx = ctx;
  }

  void factor(ImageVersion version, Metric metric, double factor) {
    factors.computeIfAbsent(version, v -> new HashMap<>()).put(metric.name(), factor);
  }

  void runs(ScaleSetId id, String instanceId, @Nullable ImageVersion version, Instant since) {
    Runs runs = history.computeIfAbsent(id, k -> new HashMap<>()).computeIfAbsent(instanceId, k -> new Runs());
    runs.put(since, version);
    Instant horizon = horizon();
    if (horizon != null) {
      runs.prune(horizon);
    }
  }

  /** The oldest time a sample is kept for, or null when the retention keeps every sample. */
  private @Nullable Instant horizon() {
    Duration keep = ctx.retention.metricHistory();
    if (keep == null) {
      return null;
    }
    Instant now = ctx.now();
    return now.minus(keep).isBefore(dev.osupgrade.Require.EARLIEST) ? dev.osupgrade.Require.EARLIEST : now.minus(keep);
  }

  /** Drops what the retention no longer keeps: every sample older than the horizon, now. */
  void prune() {
    Instant horizon = horizon();
    if (horizon == null) {
      return;
    }
    for (Map.Entry<ScaleSetId, List<MetricSample>> e : boots.entrySet()) {
      e.getValue().removeIf(s -> s.at().isBefore(horizon));
      pruneAt.put(e.getKey(), Math.max(64, 2 * e.getValue().size()));
    }
    for (Map<String, Runs> instances : history.values()) {
      for (Runs runs : instances.values()) {
        runs.prune(horizon);
      }
    }
  }

  /**
   * Since when an instance ran which version (null once deleted), in time order: a few entries per instance, held in
   * arrays (times as seconds and nanoseconds) rather than a map of {@code Instant}s, so that the fleet's 100,000
   * instances keep little and an upgrade writes numbers into them rather than new objects.
   */
  private static final class Runs {
    private long[] seconds = new long[2];
    private int[] nanos = new int[2];
    private @Nullable ImageVersion[] versions = new ImageVersion[2];
    private int size;

    /** Index of the last entry at or before the time, or -1. */
    private int floor(long s, int n) {
      int lo = 0;
      int hi = size - 1;
      int found = -1;
      while (lo <= hi) {
        int mid = (lo + hi) >>> 1;
        if (seconds[mid] < s || (seconds[mid] == s && nanos[mid] <= n)) {
          found = mid;
          lo = mid + 1;
        } else {
          hi = mid - 1;
        }
      }
      return found;
    }

    /** As {@code TreeMap.put}: the version from {@code since}, replacing one at the same time. */
    void put(Instant since, @Nullable ImageVersion version) {
      long s = since.getEpochSecond();
      int n = since.getNano();
      int at = floor(s, n);
      if (at >= 0 && seconds[at] == s && nanos[at] == n) {
        versions[at] = version;
        return;
      }
      if (size == seconds.length) {
        seconds = java.util.Arrays.copyOf(seconds, size * 2);
        nanos = java.util.Arrays.copyOf(nanos, size * 2);
        versions = java.util.Arrays.copyOf(versions, size * 2);
      }
      int to = at + 1;
      System.arraycopy(seconds, to, seconds, to + 1, size - to);
      System.arraycopy(nanos, to, nanos, to + 1, size - to);
      System.arraycopy(versions, to, versions, to + 1, size - to);
      seconds[to] = s;
      nanos[to] = n;
      versions[to] = version;
      size++;
    }

    /** Keeps what ran from the horizon on: the entries after it and the one in force at it. */
    void prune(Instant horizon) {
      int inForce = floor(horizon.getEpochSecond(), horizon.getNano());
      if (inForce <= 0) {
        return;
      }
      System.arraycopy(seconds, inForce, seconds, 0, size - inForce);
      System.arraycopy(nanos, inForce, nanos, 0, size - inForce);
      System.arraycopy(versions, inForce, versions, 0, size - inForce);
      java.util.Arrays.fill(versions, size - inForce, size, null);
      size -= inForce;
    }

    /** The version in force at {@code t}, or null (none, or deleted). */
    @Nullable ImageVersion versionAt(Instant t) {
      int at = floor(t.getEpochSecond(), t.getNano());
      return at < 0 ? null : versions[at];
    }
  }

  /** An instance finished booting {@code version} and is settling; its per-boot samples are stamped at {@code at}. */
  void booted(ScaleSetId id, String instanceId, ImageVersion version, Duration readiness, Instant at) {
    List<MetricSample> list = boots.computeIfAbsent(id, k -> new ArrayList<>());
    list.add(MetricSample.of(instanceId, Metric.STARTUP_TIME,
        20.0 * factorOf(version, Metric.STARTUP_TIME) * noise(instanceId, Metric.STARTUP_TIME, at), at));
    list.add(MetricSample.of(instanceId, Metric.READINESS_TIME, readiness.toMillis() / 1000.0
        * factorOf(version, Metric.READINESS_TIME) * noise(instanceId, Metric.READINESS_TIME, at), at));
    Instant horizon = horizon();
    if (horizon != null && list.size() >= pruneAt.getOrDefault(id, 64)) {
      list.removeIf(s -> s.at().isBefore(horizon));
      pruneAt.put(id, Math.max(64, 2 * list.size()));
    }
  }

  /**
   * A new scale set's instances have been running {@code version} for a day, and each booted once within the last
   * hour (so that "before" windows have per-boot samples to compare with).
   */
  void existing(ScaleSetId id, List<String> instanceIds, ImageVersion version, Instant now) {
    long lo = ctx.profile.bootMin().plus(ctx.profile.settleMin()).toMillis();
    long hi = ctx.profile.bootMax().plus(ctx.profile.settleMax()).toMillis();
    for (String instanceId : instanceIds) {
      runs(id, instanceId, version, now.minus(Duration.ofDays(1)));
      SplittableRandom r = new SplittableRandom(ctx.seed ^ instanceId.hashCode() * 0x632BE59BD9B4E019L);
      Instant bootedAt = now.minusSeconds(1 + r.nextInt(3600));
      booted(id, instanceId, version, Duration.ofMillis(lo + (hi > lo ? r.nextLong(hi - lo) : 0)), bootedAt);
    }
  }

  List<MetricSample> samples(ScaleSetId id, Metric metric, Instant asked, Instant to) {
    List<MetricSample> out = new ArrayList<>();
    Instant horizon = horizon();
    Instant from = horizon != null && horizon.isAfter(asked) ? horizon : asked;
    if (!from.isBefore(to)) {
      return out;
    }
    if (metric.equals(Metric.STARTUP_TIME) || metric.equals(Metric.READINESS_TIME)) {
      for (MetricSample s : boots.getOrDefault(id, List.of())) {
        if (s.metric().equals(metric) && !s.at().isBefore(from) && s.at().isBefore(to)) {
          out.add(s);
        }
      }
      return out;
    }
    long first = ceilMinute(from);
    for (Map.Entry<String, Runs> e : new TreeMap<>(history.getOrDefault(id, Map.of())).entrySet()) {
      for (long m = first; m < to.getEpochSecond(); m += SCRAPE.getSeconds()) {
        Instant t = Instant.ofEpochSecond(m);
        if (t.isBefore(from) || t.isAfter(ctx.now())) {
          continue;
        }
        ImageVersion version = e.getValue().versionAt(t);
        if (version == null) {
          continue;
        }
        out.add(MetricSample.of(e.getKey(), metric, baseline(metric) * factorOf(version, metric)
            * noise(e.getKey(), metric, t), t));
      }
    }
    return out;
  }

  private static long ceilMinute(Instant from) {
    long s = from.getEpochSecond();
    long step = SCRAPE.getSeconds();
    long floor = Math.floorDiv(s, step) * step;
    return floor == s && from.getNano() == 0 ? floor : floor + step;
  }

  private double factorOf(ImageVersion version, Metric metric) {
    return factors.getOrDefault(version, Map.of()).getOrDefault(metric.name(), 1.0);
  }

  private static double baseline(Metric metric) {
    if (metric.equals(Metric.CPU)) {
      return 35;
    }
    if (metric.equals(Metric.MEMORY)) {
      return 50;
    }
    if (metric.equals(Metric.DISK_LATENCY)) {
      return 4;
    }
    if (metric.equals(Metric.NETWORK_THROUGHPUT)) {
      return 900;
    }
    if (metric.equals(Metric.DEPENDENCY_LATENCY)) {
      return 25;
    }
    return 100;
  }

  private double noise(String instanceId, Metric metric, Instant at) {
    long key = ctx.seed * 0x9E3779B97F4A7C15L + instanceId.hashCode() * 31L + metric.name().hashCode();
    SplittableRandom r = new SplittableRandom(key ^ at.getEpochSecond() * 0xBF58476D1CE4E5B9L);
    return Math.exp(NOISE * r.nextGaussian());
  }
}
