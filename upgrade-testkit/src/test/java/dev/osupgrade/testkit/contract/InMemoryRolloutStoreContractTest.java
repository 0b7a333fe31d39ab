package dev.osupgrade.testkit.contract;

import dev.osupgrade.port.RolloutStore;

/** The in-memory store passes the RolloutStore contract; it keeps no bytes, so the corrupt-data cases skip. */
final class InMemoryRolloutStoreContractTest extends RolloutStoreContract {
  private final RolloutStore store = RolloutStore.inMemory();

  @Override
  protected RolloutStore openReplica() {
    return store; // one JVM's memory: every replica shares the one store
  }
}
