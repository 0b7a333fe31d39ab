package dev.osupgrade.estate;

import dev.osupgrade.Durations;
import dev.osupgrade.Require;
import java.time.Duration;

/**
 * How long batches took in the estate's past rollouts, from their events ({@code BatchStarted} to
 * {@code BatchCompleted}): what a twin is tuned with, so that its rehearsal takes as long as the real estate does.
 *
 * @param batches how many batches were measured (0: nothing observed yet)
 * @param medianBatch the median batch duration ({@link Duration#ZERO} when nothing was observed), at most 1 day
 * @param longestBatch the longest batch duration, at least the median, at most 1 day
 */
public record ObservedTimings(int batches, Duration medianBatch, Duration longestBatch) {
  /** Validates the fields. */
  public ObservedTimings {
    Require.atLeast("batches", batches, 0);
    Require.nonNegative("medianBatch", medianBatch, Duration.ofDays(1));
    Require.nonNegative("longestBatch", longestBatch, Duration.ofDays(1));
    Require.that(longestBatch.compareTo(medianBatch) >= 0, "longestBatch", ">= medianBatch (" + medianBatch + ")",
        longestBatch);
  }

  /** @return nothing observed yet */
  public static ObservedTimings none() {
    return new ObservedTimings(0, Duration.ZERO, Duration.ZERO);
  }

  /** @return true when at least one batch was measured */
  public boolean isKnown() {
    return batches > 0;
  }

  @Override
  public String toString() {
    return batches == 0 ? "no batches observed yet" : batches + " batches observed, median "
        + Durations.words(medianBatch) + ", longest " + Durations.words(longestBatch);
  }
}
