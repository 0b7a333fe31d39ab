package dev.osupgrade.governance;

import dev.osupgrade.ops.StopCode;
import dev.osupgrade.Require;
import dev.osupgrade.health.GateContext;
import dev.osupgrade.health.GatePhase;
import dev.osupgrade.health.GateVerdict;
import dev.osupgrade.health.HealthGate;
import dev.osupgrade.health.Measurement;
import dev.osupgrade.image.ImageRelease;
import org.jspecify.annotations.Nullable;

/**
 * Governance as a gate of an orchestrated rollout: before every batch, the target release must be trusted (trust
 * policy and quarantine) and a production scale set must have a complete readiness record. Before the first batch
 * the model has not moved yet, so a refusal changes nothing; asked again before every later batch, it stops a
 * rollout whose version was quarantined elsewhere in the meantime (for example by another ring).
 *
 * <pre>{@code
 * Rollout.builder(fleet, web).target(v).clock(clock)
 *     .gate(GovernanceGate.of(Environment.PRODUCTION, trust, record, release))
 *     .build();
 * }</pre>
 */
public final class GovernanceGate implements HealthGate {
  /** The gate's name in events. */
  public static final String NAME = "governance";

  private final Environment environment;
  private final ImageTrustPolicy trust;
  private final @Nullable ReadinessRecord record;
  private final ImageRelease release;

  private GovernanceGate(Environment environment, ImageTrustPolicy trust, @Nullable ReadinessRecord record,
      ImageRelease release) {
    this.environment = Require.nonNull(environment, "environment");
    this.trust = Require.nonNull(trust, "trust");
    this.record = record;
    this.release = Require.nonNull(release, "release");
  }

  /**
   * Creates the gate.
   *
   * @param environment the scale set's environment (production needs a complete record)
   * @param trust the image trust policy (with its quarantine)
   * @param record the scale set's readiness record, or null if it has none
   * @param release the release being rolled out (from the image catalog)
   * @return the gate
   */
  public static GovernanceGate of(Environment environment, ImageTrustPolicy trust, @Nullable ReadinessRecord record,
      ImageRelease release) {
    return new GovernanceGate(environment, trust, record, release);
  }

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
    if (!release.version().equals(context.target())) {
      return GateVerdict.fail(NAME, StopCode.IMAGE_NOT_TRUSTED, "the gate was given release "
          + release.version() + " but the rollout's target is " + context.target());
    }
    TrustDecision decision = trust.evaluate(release, environment, context.now());
    if (!decision.isTrusted()) {
      return GateVerdict.fail(NAME, StopCode.IMAGE_NOT_TRUSTED, decision.toString(),
          Measurement.of("refusals", decision.refusals().size()));
    }
    if (context.isFirstBatch()) {
      ReadinessCheck check = ProductionReadiness.check(GovernedAction.START_ORCHESTRATED_ROLLOUT, context.fleet(),
          environment, record, context.policy());
      if (!check.isAllowed()) {
        return GateVerdict.fail(NAME, StopCode.READINESS_INCOMPLETE, check.toString(),
            Measurement.of("gaps", check.items().size()));
      }
    }
    return GateVerdict.pass(NAME, release.version() + " is trusted for " + environment
        + (record == null ? "" : "; the readiness record is complete"));
  }

  @Override
  public String toString() {
    return NAME + "[" + environment + ", " + release.version() + "]";
  }
}
