package dev.osupgrade.rollout;

import dev.osupgrade.Require;
import dev.osupgrade.event.RolloutEvent;
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
 */
public record Decision(RolloutState state, List<RolloutAction> actions, List<RolloutEvent> events,
    @Nullable Instant wakeAt) {

  /** Validates and copies. */
  public Decision {
    Require.nonNull(state, "state");
    actions = List.copyOf(Require.noNulls("actions", actions));
    events = List.copyOf(Require.noNulls("events", events));
  }

  /** @return when to look again, if at all */
  public Optional<Instant> nextLook() {
    return Optional.ofNullable(wakeAt);
  }
}
