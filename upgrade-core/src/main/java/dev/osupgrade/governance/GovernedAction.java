package dev.osupgrade.governance;

/** The actions that production governance refuses until the readiness record is complete. */
public enum GovernedAction {
  /** Enabling Azure's automatic OS image upgrade on a scale set (governed platform mode). */
  ENABLE_AUTOMATIC_OS_UPGRADE("enable automatic OS image upgrade"),
  /** Starting an orchestrated rollout of a new image version (the library drives the batches). */
  START_ORCHESTRATED_ROLLOUT("start an orchestrated rollout");

  private final String words;

  GovernedAction(String words) {
    this.words = words;
  }

  @Override
  public String toString() {
    return words;
  }
}
