package dev.osupgrade.report;

import dev.osupgrade.Require;
import dev.osupgrade.event.BatchStarted;
import dev.osupgrade.event.PlanExtended;
import dev.osupgrade.event.RolloutCancelled;
import dev.osupgrade.event.RolloutCompleted;
import dev.osupgrade.event.RolloutEvent;
import dev.osupgrade.event.RolloutFaulted;
import dev.osupgrade.event.RolloutStarted;
import dev.osupgrade.ops.RolloutStatus;
import dev.osupgrade.policy.RollingUpgradePolicy;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * One rollout set beside other runs of it: the table of a what-if replay (the testkit's {@code WhatIf} makes it),
 * printed by {@link #toString()} and drawn on a {@link Timeline} page by {@link Timeline#whatIf}.
 *
 * @param title what is compared, e.g. the scale set and the target
 * @param rows the runs: by convention the observed rollout first, then the replay of its own policy (the
 *     self-check), then the alternatives
 */
public record Comparison(String title, List<Row> rows) {

  /** Validates and copies. */
  public Comparison {
    Require.nonNull(title, "title");
    rows = List.copyOf(Require.nonEmpty("rows", rows));
  }

  @Override
  public String toString() {
    String[] head = {"run", "policy", "outcome", "stopped at", "exposed", "makespan", "lowest healthy"};
    String[][] cells = new String[rows.size()][];
    int[] width = new int[head.length];
    for (int c = 0; c < head.length; c++) {
      width[c] = head[c].length();
    }
    for (int r = 0; r < rows.size(); r++) {
      Row row = rows.get(r);
      cells[r] = new String[] {row.label(), row.policySummary(), row.outcome(), row.stoppedAt(), row.exposedText(),
          Durations.format(row.makespan()), row.lowestHealthyText()};
      for (int c = 0; c < head.length; c++) {
        width[c] = Math.max(width[c], cells[r][c].length());
      }
    }
    StringBuilder b = new StringBuilder(title).append('\n');
    line(b, head, width);
    for (String[] row : cells) {
      line(b, row, width);
    }
    return b.toString();
  }

  private static void line(StringBuilder b, String[] cells, int[] width) {
    for (int c = 0; c < cells.length; c++) {
      b.append(c == 0 ? "" : "  ").append(cells[c]).append(" ".repeat(width[c] - cells[c].length()));
    }
    int end = b.length();
    while (end > 0 && b.charAt(end - 1) == ' ') {
      end--;
    }
    b.setLength(end);
    b.append('\n');
  }

  /**
   * One run of a rollout: how it ended and what it cost.
   *
   * @param label its name, e.g. {@code observed}, {@code replay (same policy)}, {@code maxBatchInstancePercent 10}
   * @param policy the rolling policy it ran with
   * @param status how it ended ({@link RolloutStatus#ROLLING_FORWARD} when it had not)
   * @param code the error code it stopped with, or null
   * @param batches how many batches started
   * @param plannedBatches how many batches its plan had (with batches added for instances created meanwhile)
   * @param exposed how many instances ran the target image at some point
   * @param assumed how many of them behaved as assumed, not as observed (a replay exposing an instance the
   *     observed rollout never upgraded); 0 for the observed run
   * @param makespan fleet time from the start to the end
   * @param lowestHealthy the fewest instances in service at any moment of the run
   * @param instances the instance count when it started
   */
  public record Row(String label, RollingUpgradePolicy policy, RolloutStatus status, @Nullable String code,
      int batches, int plannedBatches, int exposed, int assumed, Duration makespan, int lowestHealthy,
      int instances) {

    /** Validates the fields. */
    public Row {
      Require.nonBlank("label", label);
      Require.nonNull(policy, "policy");
      Require.nonNull(status, "status");
      Require.atLeast("batches", batches, 0);
      Require.atLeast("plannedBatches", plannedBatches, 0);
      Require.atLeast("exposed", exposed, 0);
      Require.inRange("assumed", assumed, 0, exposed);
      Require.nonNegative("makespan", makespan, Require.MAX_SPAN);
      Require.atLeast("lowestHealthy", lowestHealthy, 0);
      Require.atLeast("instances", instances, 0);
    }

    /**
     * Measures one run from its events and the tracks of its instances: the outcome and the batches from the
     * events, exposure and the lowest healthy capacity from the tracks (the fleet's record when there is one, else
     * tracks {@linkplain InstanceTrack#fromEvents from the events}).
     *
     * @param label the run's name
     * @param events the run's events, from its {@link RolloutStarted}
     * @param tracks its instances over the run
     * @param assumed how many exposed instances behaved as assumed rather than as observed
     * @return the row
     * @throws dev.osupgrade.InvalidValueException when the events have no {@link RolloutStarted}
     */
    public static Row of(String label, List<RolloutEvent> events, List<InstanceTrack> tracks, int assumed) {
      Require.noNulls("events", events);
      Require.noNulls("tracks", tracks);
      RolloutStarted started = events.stream().filter(e -> e instanceof RolloutStarted).map(RolloutStarted.class::cast)
          .findFirst().orElseThrow(() -> new dev.osupgrade.InvalidValueException("events",
              "a rollout's events, from its start", events.size() + " events without a start"));
      RolloutStatus status = RolloutStatus.ROLLING_FORWARD;
      String code = null;
      Instant end = events.get(events.size() - 1).at();
      int planned = started.plannedBatches();
      int batches = 0;
      for (RolloutEvent e : events) {
        if (e instanceof BatchStarted b) {
          batches = Math.max(batches, b.batch());
        } else if (e instanceof PlanExtended p) {
          planned += p.addedBatches();
        } else if (e instanceof RolloutCompleted) {
          status = RolloutStatus.COMPLETED;
          end = e.at();
        } else if (e instanceof RolloutFaulted f) {
          status = RolloutStatus.FAULTED;
          code = f.error().code();
          end = e.at();
        } else if (e instanceof RolloutCancelled) {
          status = RolloutStatus.CANCELLED;
          end = e.at();
        }
      }
      Capacity capacity = Capacity.of(tracks, started.at(), end);
      int exposed = (int) tracks.stream().filter(InstanceTrack::ranTarget).count();
      return new Row(label, started.policy(), status, code, batches, planned, exposed, Math.min(assumed, exposed),
          Duration.between(started.at(), end), capacity.lowest(), capacity.instances());
    }

    /** @return the outcome in words: the status, and the code it stopped with */
    public String outcome() {
      return status.azureName() + (code == null ? "" : " " + code);
    }

    /** @return where the run stopped: after which batch of how many */
    public String stoppedAt() {
      return status == RolloutStatus.COMPLETED ? "all " + batches + " batches"
          : "batch " + batches + " of " + plannedBatches;
    }

    /** @return the exposed instances, and how many of them were assumed */
    public String exposedText() {
      return exposed + (assumed == 0 ? "" : " (" + assumed + " assumed)");
    }

    /** @return the lowest healthy capacity, e.g. {@code 24/30 (80%)} */
    public String lowestHealthyText() {
      return String.format(Locale.ROOT, "%d/%d (%.0f%%)", lowestHealthy, instances,
          instances == 0 ? 100.0 : 100.0 * lowestHealthy / instances);
    }

    /** @return the policy's numbers that a what-if changes, e.g. {@code batch 10%, unhealthy 20%/20%} */
    public String policySummary() {
      return "batch " + policy.maxBatchInstancePercent() + "%, unhealthy " + policy.maxUnhealthyInstancePercent()
          + "%/" + policy.maxUnhealthyUpgradedInstancePercent() + "%"
          + (policy.pauseTimeBetweenBatches().isZero() ? "" : ", pause "
              + Durations.format(policy.pauseTimeBetweenBatches()))
          + (policy.maxSurge() ? ", surge" : "") + (policy.enableCrossZoneUpgrade() ? ", cross-zone" : "");
    }

    /** @return the error code, if the run stopped with one */
    public Optional<String> errorCode() {
      return Optional.ofNullable(code);
    }
  }
}
