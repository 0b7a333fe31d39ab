package dev.osupgrade.fleet;

/** The power state from an instance's view ({@code PowerState/running} and so on). */
public enum PowerState {
  /** Starting up. */
  STARTING,
  /** Running. */
  RUNNING,
  /** Stopped but still allocated. */
  STOPPED,
  /** Deallocated. */
  DEALLOCATED,
  /** Not reported. */
  UNKNOWN
}
