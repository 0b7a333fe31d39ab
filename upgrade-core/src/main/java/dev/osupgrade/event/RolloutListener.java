package dev.osupgrade.event;

/** Receives a rollout's events as they happen, on the thread that drives the rollout. */
@FunctionalInterface
public interface RolloutListener {
  /**
   * Called once per event, in sequence order.
   *
   * @param event the event
   */
  void onEvent(RolloutEvent event);
}
