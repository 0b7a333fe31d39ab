package dev.osupgrade.estate;

import dev.osupgrade.governance.ImageTrustPolicy;
import dev.osupgrade.health.GateContext;
import dev.osupgrade.health.GatePhase;
import dev.osupgrade.health.GateVerdict;
import dev.osupgrade.health.HealthGate;
import dev.osupgrade.ops.ErrorCodes;

/**
 * Fails a soaking ring as soon as its version is quarantined anywhere (the governance gate of its rollouts asks only
 * before batches, so a ring that already soaks would otherwise notice only at promotion). Not the image's fault by
 * this ring's evidence, so the ring rolls back without quarantining again.
 */
final class QuarantineGate implements HealthGate {
  static final String NAME = "estate-quarantine";

  private final ImageTrustPolicy trust;

  QuarantineGate(ImageTrustPolicy trust) {
    this.trust = trust;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public boolean appliesTo(GatePhase phase) {
    return phase == GatePhase.AFTER_BATCH;
  }

  @Override
  public GateVerdict evaluate(GateContext context) {
    var image = context.fleet().modelImage().withVersion(context.target());
    return trust.quarantine().entry(image)
        .<GateVerdict>map(e -> GateVerdict.fail(NAME, ErrorCodes.IMAGE_NOT_TRUSTED, context.target()
            + " was quarantined at " + e.at() + " by " + e.by() + ": " + e.why()))
        .orElseGet(() -> GateVerdict.pass(NAME, context.target() + " is not quarantined"));
  }

  @Override
  public String toString() {
    return NAME;
  }
}
