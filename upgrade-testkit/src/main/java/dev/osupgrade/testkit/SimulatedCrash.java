package dev.osupgrade.testkit;

import java.io.Serial;

/**
 * Thrown by {@link CrashPoints} to stand for the death of the process driving a rollout. It is an {@link Error} so
 * that no {@code catch (RuntimeException)} in the code under test swallows it, as nothing survives a real crash.
 */
public final class SimulatedCrash extends Error {
  @Serial private static final long serialVersionUID = 1L;

  /**
   * Creates the crash.
   *
   * @param message where it happened
   */
  public SimulatedCrash(String message) {
    super(message, null, false, false);
  }
}
