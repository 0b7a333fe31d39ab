package dev.osupgrade.health;

import dev.osupgrade.ops.StopCode;
import dev.osupgrade.Require;
import java.util.Locale;

/**
 * Azure's before-batch rule: if more than {@code maxUnhealthyInstancePercent} of the whole scale set is unhealthy
 * (Unhealthy or Unknown, for any reason), the rollout stops with
 * {@code MaxUnhealthyInstancePercentExceededBeforeRollingUpgrade} before the first batch and
 * {@code MaxUnhealthyInstancePercentExceededInRollingUpgrade} later.
 */
public final class FleetUnhealthyGate implements HealthGate {
  /** The gate's name in events. */
  public static final String NAME = "fleet-unhealthy";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public boolean appliesTo(GatePhase phase) {
    return phase == GatePhase.BEFORE_BATCH;
  }

  @Override
  public GateVerdict evaluate(GateContext context) {
    Require.nonNull(context, "context");
    int total = context.fleet().instanceCount();
    int unhealthy = context.fleet().unhealthyCount();
    int limit = context.policy().maxUnhealthyInstancePercent();
    Measurement[] numbers = {Measurement.of("unhealthy", unhealthy), Measurement.of("instances", total),
        Measurement.of("limitPercent", limit)};
    String share = String.format(Locale.ROOT, "%d of %d instances (%d%%) are unhealthy", unhealthy, total,
        total == 0 ? 0 : (int) Math.round(100.0 * unhealthy / total));
    if (context.policy().unhealthyPercent().isExceededBy(unhealthy, total)) {
      StopCode code = context.isFirstBatch() ? StopCode.MAX_UNHEALTHY_BEFORE : StopCode.MAX_UNHEALTHY_IN;
      return GateVerdict.fail(NAME, code, share + " - more than the threshold of " + limit + "%", numbers);
    }
    return GateVerdict.pass(NAME, share + ", within the threshold of " + limit + "%", numbers);
  }

  @Override
  public String toString() {
    return NAME;
  }
}
