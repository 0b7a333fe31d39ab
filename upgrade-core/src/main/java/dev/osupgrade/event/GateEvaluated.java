package dev.osupgrade.event;

import dev.osupgrade.Require;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.health.GatePhase;
import dev.osupgrade.health.GateVerdict;
import java.time.Instant;
import java.util.Locale;

/**
 * A gate was asked, with its verdict and the numbers behind it.
 *
 * @param sequence the event number
 * @param at when
 * @param scaleSet the scale set
 * @param phase before or after a batch
 * @param batch the batch, 1-based
 * @param verdict the verdict
 */
public record GateEvaluated(long sequence, Instant at, ScaleSetId scaleSet, GatePhase phase, int batch,
    GateVerdict verdict) implements RolloutEvent {
  /** Validates the fields. */
  public GateEvaluated {
    EventText.require(at, scaleSet);
    Require.nonNull(phase, "phase");
    Require.nonNull(verdict, "verdict");
  }

  @Override
  public String toString() {
    String when = (phase == GatePhase.BEFORE_BATCH ? "before" : "after") + " batch " + batch;
    String outcome = verdict instanceof GateVerdict.Pass ? "PASS"
        : verdict instanceof GateVerdict.Wait w ? "WAIT until " + w.until()
        : "FAIL " + ((GateVerdict.Fail) verdict).code();
    return EventText.line(this, String.format(Locale.ROOT, "gate %s %s: %s - %s %s", verdict.gate(), when, outcome,
        verdict.reason(), verdict.measurements()));
  }
}
