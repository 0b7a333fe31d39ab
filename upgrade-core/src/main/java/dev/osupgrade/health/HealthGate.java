package dev.osupgrade.health;

/**
 * A check the rollout asks before each batch and after each batch. Implementations must be pure functions of the
 * context (no clock reads, no sleeping): the rollout supplies the time in {@link GateContext#now()}.
 */
public interface HealthGate {

  /** @return a short, stable name used in events, e.g. {@code "fleet-unhealthy"} */
  String name();

  /**
   * Says whether this gate is asked in a phase.
   *
   * @param phase the phase
   * @return true to be asked
   */
  boolean appliesTo(GatePhase phase);

  /**
   * Evaluates the gate.
   *
   * @param context what the gate sees
   * @return the verdict
   */
  GateVerdict evaluate(GateContext context);
}
