package dev.osupgrade.health;

import dev.osupgrade.fleet.ScaleSetId;
import java.time.Instant;
import java.util.List;

/**
 * A check the rollout asks before each batch and after each batch. Implementations must be pure functions of the
 * context (no clock reads, no sleeping, no reads of their own, no state of their own): the rollout supplies the time in
 * {@link GateContext#now()}, the metric samples the gate {@linkplain #reads reads} in {@link GateContext#samples}, and
 * how many times the gate has already asked to wait in this phase of this batch in {@link GateContext#waits()} — kept
 * in the rollout's checkpoint, so a resumed rollout counts on.
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

  /**
   * The metric samples this gate needs to decide at {@code now}: the runner reads them before the decision step and
   * passes them in {@link GateContext#samples}. None by default.
   *
   * @param scaleSet the scale set
   * @param startedAt when the rollout (or the ring) started
   * @param now the time the gate will be asked at
   * @return the reads, empty when the gate reads nothing
   */
  default List<MetricQuery> reads(ScaleSetId scaleSet, Instant startedAt, Instant now) {
    return List.of();
  }
}
