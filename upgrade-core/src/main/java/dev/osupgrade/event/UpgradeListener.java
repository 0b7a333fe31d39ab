package dev.osupgrade.event;

/**
 * Receives events as they happen, on the thread that drives the rollout: the one listener type of the library. A
 * {@link RolloutListener} is one (it takes a single rollout's events); a ring rollout's listener receives its ring
 * events and the events of every rollout its rings run.
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
