package dev.osupgrade.estate;

/**
 * Rehearses a ring before the governor starts it for real: builds a twin of the ring's scale sets from what the
 * ports read (zones, update domains, policies, instance health, the images they run) tuned with the timings observed
 * in past rollouts, runs the ring's rollouts on it, and reports the plan, the predicted makespan and the lowest healthy
 * capacity ({@link RehearsalResult}).
 *
 * <p>The twin needs a simulator, which core does not have: the testkit implements this interface
 * ({@code dev.osupgrade.testkit.TwinRehearsal}). A production service that wants rehearsals puts
 * {@code upgrade-testkit} on its runtime classpath and passes {@code TwinRehearsal.create()} to
 * {@link EstateGovernor.Builder#rehearsal}; without one, rings start unrehearsed and the report says so.
 * Implementations must be deterministic for a request (its {@link RehearsalRequest#seed()}), must not touch the real
 * estate, and should report a failure of the twin itself in {@link RehearsalResult#problems()} rather than throw.
 */
@FunctionalInterface
public interface Rehearsal {

  /**
   * Rehearses a ring on a twin.
   *
   * @param request the ring as read, with the options and timings
   * @return what the twin showed
   */
  RehearsalResult rehearse(RehearsalRequest request);
}
