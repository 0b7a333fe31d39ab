package dev.osupgrade.rollout;

import dev.osupgrade.Require;
import dev.osupgrade.event.RolloutEvent;
import dev.osupgrade.health.MetricQuery;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The outcome of one engine step.
 *
 * @param state the new state (its outbox holds every action not yet confirmed, including {@link #actions()})
 * @param actions the actions this step decided, in the order they must run
 * @param events the events this step emitted, in sequence order
 * @param wakeAt when the runner must look again; null when the rollout is finished or waits for the caller
 * @param needs what the step needs that the observation lacks, or null: then the state is the one given, nothing
 *     was decided, and the runner reads what is asked and takes the step again with it
 */
record Decision(RolloutState state, List<RolloutAction> actions, List<RolloutEvent> events,
    @Nullable Instant wakeAt, @Nullable Needs needs) {

  /** Validates and copies. */
  public Decision {
    Require.nonNull(state, "state");
    actions = List.copyOf(Require.noNulls("actions", actions));
    events = List.copyOf(Require.noNulls("events", events));
  }

  /**
   * A decision that needs nothing more.
   *
   * @param state the new state
   * @param actions the actions decided
   * @param events the events emitted
   * @param wakeAt when to look again, or null
   */
  public Decision(RolloutState state, List<RolloutAction> actions, List<RolloutEvent> events,
      @Nullable Instant wakeAt) {
    this(state, actions, events, wakeAt, null);
  }

  /**
   * What a step asks the runner to read before it can decide: the kernel never calls a port, it asks.
   *
   * @param headroom the capacity headroom (a max-surge batch is about to go)
   * @param metrics metric samples the gates about to be asked read
   */
  public record Needs(boolean headroom, List<MetricQuery> metrics) {
    /** Copies the reads. */
    public Needs {
      metrics = List.copyOf(Require.noNulls("metrics", metrics));
    }
  }

  /** @return what the step needs read first, if anything */
  public Optional<Needs> needsFirst() {
    return Optional.ofNullable(needs);
  }

  /** @return when to look again, if at all */
  public Optional<Instant> nextLook() {
    return Optional.ofNullable(wakeAt);
  }
}
