package dev.osupgrade.fleet;

/**
 * An instance's health as the Application Health extension (rich states) reports it, with the meaning a rolling
 * upgrade gives it: {@link #INITIALIZING} waits, {@link #UNKNOWN} counts as unhealthy.
 */
public enum HealthState {
  /** The application answers healthy. */
  HEALTHY,
  /** The application answers unhealthy. */
  UNHEALTHY,
  /** No usable answer (timeout, unreachable, bad body, grace period expired): counts as unhealthy. */
  UNKNOWN,
  /** The extension has just started and has not settled yet: a rollout waits for it. */
  INITIALIZING;

  /** @return true for the states a rollout counts against the unhealthy budgets: Unhealthy and Unknown */
  public boolean countsAsUnhealthy() {
    return this == UNHEALTHY || this == UNKNOWN;
  }

  /**
   * Parses Azure's spelling: {@code "Healthy"}, or the instance view code {@code "HealthState/healthy"}.
   *
   * @param text the text
   * @return the state; {@link #UNKNOWN} for anything unrecognised (a newer API version's value), as Azure itself
   *     treats an unusable answer
   */
  public static HealthState fromAzure(String text) {
    String s = text.strip();
    int slash = s.indexOf('/');
    if (slash >= 0) {
      s = s.substring(slash + 1);
    }
    for (HealthState state : values()) {
      if (state.name().equalsIgnoreCase(s)) {
        return state;
      }
    }
    return UNKNOWN;
  }
}
