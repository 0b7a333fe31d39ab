package dev.osupgrade.service;

import dev.osupgrade.Require;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * What a {@link RolloutRunner} is doing, at one moment: its own state, its concurrent work, and every managed
 * rollout's {@link ManagedStatus}. {@link #toString()} prints a summary line and one line per rollout.
 *
 * @param state running, shutting down or terminated
 * @param at when, by the runner's clock
 * @param inFlight advances running (or dispatched to the scheduler), and leases being released
 * @param queued rollouts due and waiting for a free slot
 * @param maxConcurrentAdvances the bound on advances running at once
 * @param rollouts every managed rollout, in submission order
 */
public record RunnerStatus(RolloutRunner.State state, Instant at, int inFlight, int queued, int maxConcurrentAdvances,
    List<ManagedStatus> rollouts) {

  /** Validates the fields. */
  public RunnerStatus {
    Require.nonNull(state, "state");
    Require.nonNull(at, "at");
    rollouts = List.copyOf(Require.noNulls("rollouts", rollouts));
  }

  /** @return how many managed rollouts are in each state (states with none are left out) */
  public Map<ManagedRollout.State, Integer> counts() {
    Map<ManagedRollout.State, Integer> counts = new EnumMap<>(ManagedRollout.State.class);
    rollouts.forEach(r -> counts.merge(r.state(), 1, Integer::sum));
    return counts;
  }

  @Override
  public String toString() {
    StringBuilder b = new StringBuilder("RolloutRunner ").append(state).append(" at ").append(at).append(": ")
        .append(inFlight).append(" of ").append(maxConcurrentAdvances).append(" in flight, ").append(queued)
        .append(" queued; ").append(rollouts.size()).append(rollouts.size() == 1 ? " rollout" : " rollouts");
    Map<ManagedRollout.State, Integer> counts = counts();
    if (!counts.isEmpty()) {
      b.append(' ').append(counts.toString().toLowerCase(java.util.Locale.ROOT));
    }
    rollouts.forEach(r -> b.append("\n  ").append(r));
    return b.toString();
  }
}
