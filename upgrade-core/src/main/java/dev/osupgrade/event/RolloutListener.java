package dev.osupgrade.event;

/**
 * Receives a rollout's events as they happen, on the thread that drives the rollout: an {@link UpgradeListener} for
 * a single rollout's events (others it ignores).
 */
@FunctionalInterface
public interface RolloutListener extends UpgradeListener {
  /**
   * Called once per event, in sequence order.
   *
   * @param event the event
   */
  void onEvent(RolloutEvent event);

  /** Takes a rollout's event; ignores others. */
  @Override
  default void onEvent(UpgradeEvent event) {
    if (event instanceof RolloutEvent e) {
      onEvent(e);
    }
  }
}
