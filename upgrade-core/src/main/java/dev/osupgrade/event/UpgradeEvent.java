package dev.osupgrade.event;

import java.time.Instant;

/**
 * Everything the library reports as it happens, as one sealed family: a rollout's steps ({@link RolloutEvent}) and a
 * ring rollout's timeline ({@link RingEvent}). Events are numbered from 1 per rollout (per ring rollout) and stamped
 * with the injected clock's time; {@code toString()} reads as a log line. One {@link UpgradeListener} takes both.
 *
 * <p>On Java 17, branch with {@code instanceof} patterns; the family is sealed so that a switch on Java 21 is
 * exhaustive.
 */
public sealed interface UpgradeEvent permits RolloutEvent, RingEvent {

  /** @return the event's number within its rollout or ring rollout, from 1 */
  long sequence();

  /** @return when it happened, by the injected clock */
  Instant at();
}
