package dev.osupgrade.service;

import dev.osupgrade.Require;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * What a {@link RolloutRunner} is doing, at one moment: its own state, its concurrent work, and every managed
 * rollout's {@link ManagedStatus}. {@link #toString()} prints a summary line (rollouts, ring rollouts and tasks counted
 * apart: {@link #managed()}) and one line per rollout.
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

  /** @return how many managed rollouts are of each kind (kinds with none are left out) */
  public Map<ManagedRollout.Kind, Integer> kinds() {
    Map<ManagedRollout.Kind, Integer> kinds = new EnumMap<>(ManagedRollout.Kind.class);
    rollouts.forEach(r -> kinds.merge(r.kind(), 1, Integer::sum));
    return kinds;
  }

  /**
   * What the runner manages, by kind: {@code "3 rollouts"}, {@code "2 rollouts, 1 ring rollout"},
   * {@code "2 rollouts, 1 task (governor estate)"} — a task is named, since a task is not a rollout.
   *
   * @return the managed work in words
   */
  public String managed() {
    Map<ManagedRollout.Kind, Integer> kinds = kinds();
    if (kinds.isEmpty()) {
      return "0 rollouts";
    }
    java.util.List<String> parts = new java.util.ArrayList<>();
    kinds.forEach((kind, n) -> {
      String noun = switch (kind) {
        case ROLLOUT -> n == 1 ? "rollout" : "rollouts";
        case RING_ROLLOUT -> n == 1 ? "ring rollout" : "ring rollouts";
        case TASK -> n == 1 ? "task" : "tasks";
      };
      String names = kind != ManagedRollout.Kind.TASK ? "" : " (" + String.join(", ", rollouts.stream()
          .filter(r -> r.kind() == ManagedRollout.Kind.TASK).map(ManagedStatus::name).toList()) + ")";
      parts.add(n + " " + noun + names);
    });
    return String.join(", ", parts);
  }

  @Override
  public String toString() {
    StringBuilder b = new StringBuilder("RolloutRunner ").append(state).append(" at ").append(at).append(": ")
        .append(inFlight).append(" of ").append(maxConcurrentAdvances).append(" in flight, ").append(queued)
        .append(" queued; ").append(managed());
    Map<ManagedRollout.State, Integer> counts = counts();
    if (!counts.isEmpty()) {
      b.append(' ').append(counts.toString().toLowerCase(java.util.Locale.ROOT));
    }
    rollouts.forEach(r -> b.append("\n  ").append(r));
    return b.toString();
  }
}
