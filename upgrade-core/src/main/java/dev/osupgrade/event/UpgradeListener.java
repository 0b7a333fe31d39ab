package dev.osupgrade.event;

/**
 * Receives events as they happen, on the thread that drives the rollout: the one listener type for rollouts and ring
 * rollouts ({@code Rollout.Builder.listener}, {@code RingRollout.Builder.listener}). Given to a ring rollout, it
 * receives the ring events and the events of every rollout and rollback the rings run, in the order they happen.
 * A {@link RolloutListener} is one that takes only a rollout's events (convenient for a lambda on
 * {@link RolloutEvent}s).
 */
@FunctionalInterface
public interface UpgradeListener {
  /**
   * Called once per event, in the order they happened.
   *
   * @param event the event
   */
  void onEvent(UpgradeEvent event);
}
