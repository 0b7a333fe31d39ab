package dev.osupgrade.event;

import dev.osupgrade.fleet.ScaleSetId;
import java.time.Instant;

/**
 * One step of a rollout, as it happened; with the ring events ({@link RingEvent}) one family, {@link UpgradeEvent}.
 * Events are numbered per rollout from 1 and stamped with the injected clock's time, so the same seed and the same
 * fleet give the same log.
 *
 * <p>On Java 17, branch with {@code instanceof} patterns; the family is sealed so that a switch on Java 21 is
 * exhaustive.
 */
public sealed interface RolloutEvent extends UpgradeEvent permits GovernanceWaived, RolloutStarted, ModelImageChanged,
    GateEvaluated, BatchStarted, BatchSkipped, InstanceUpgraded, InstanceHealthy, InstanceFailed, InstanceRolledBack,
    BatchCompleted, RolloutCompleted, RolloutFaulted, RolloutCancelled, RolloutPaused, RolloutResumed, SurgeFallback,
    SurgeInstancesCreated, InstanceReplaced, PlanExtended, RolloutStalled, RolloutStallCleared {

  /** @return the event's number within its rollout, from 1 */
  @Override
  long sequence();

  /** @return when it happened, by the injected clock */
  @Override
  Instant at();

  /** @return the scale set the rollout upgrades */
  ScaleSetId scaleSet();
}
