package dev.osupgrade.testkit;

import dev.osupgrade.Require;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * How much of its own history a {@link SimulatedFleet} keeps: the last so many lines of its {@link
 * SimulatedFleet#log() log}, and metric samples for so long (per-boot samples and the scrape history older than that
 * are dropped and no longer answered by {@link SimulatedFleet#samples}).
 *
 * <p>The default, {@link #unbounded()}, keeps everything, as every test expects. A bounded retention is for long or
 * large simulations (100 scale sets of 1,000 instances: the log alone holds about 3 lines per instance upgrade). The
 * fleet's ground truth, its {@link FleetRecord} per scale set, is never trimmed: oracles grade by it.
 *
 * @param logLines the most log lines kept, the newest ({@link Integer#MAX_VALUE}: all)
 * @param metricHistory how long metric samples are kept, back from the fleet's clock (null: forever)
 */
public record FleetRetention(int logLines, @Nullable Duration metricHistory) {
  /** The most fleet time a metric history can span (the clock's range). */
  private static final Duration MAX_HISTORY = Require.MAX_SPAN;

  /**
   * Checks the limits.
   *
   * @throws dev.osupgrade.InvalidValueException if {@code logLines} is below 1 or {@code metricHistory} is not
   *     positive
   */
  public FleetRetention {
    Require.atLeast("logLines", logLines, 1);
    if (metricHistory != null) {
      Require.positive("metricHistory", metricHistory, MAX_HISTORY);
    }
  }

  /** @return a retention that keeps every log line and every metric sample (the default) */
  public static FleetRetention unbounded() {
    return new FleetRetention(Integer.MAX_VALUE, null);
  }

  /**
   * @param lines the most log lines to keep, at least 1
   * @return this retention keeping only the newest {@code lines} log lines
   * @throws dev.osupgrade.InvalidValueException if {@code lines} is below 1
   */
  public FleetRetention logLines(int lines) {
    return new FleetRetention(lines, metricHistory);
  }

  /**
   * @param history how long to keep metric samples, positive
   * @return this retention keeping metric samples for {@code history} back from the fleet's clock
   * @throws dev.osupgrade.InvalidValueException if {@code history} is null or not positive
   */
  public FleetRetention metricHistory(Duration history) {
    return new FleetRetention(logLines, Require.positive("metricHistory", history, MAX_HISTORY));
  }

  /** @return true if this retention keeps everything */
  public boolean isUnbounded() {
    return logLines == Integer.MAX_VALUE && metricHistory == null;
  }
}
