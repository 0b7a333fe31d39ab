package dev.osupgrade.health;

/** When a gate is asked. */
public enum GatePhase {
  /** Before a batch starts: may the rollout go on? */
  BEFORE_BATCH,
  /** After every instance of a batch has settled: did the batch go well enough? */
  AFTER_BATCH
}
