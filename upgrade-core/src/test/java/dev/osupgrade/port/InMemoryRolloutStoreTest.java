package dev.osupgrade.port;

final class InMemoryRolloutStoreTest extends RolloutStoreContract {
  private final RolloutStore store = RolloutStore.inMemory();

  @Override
  RolloutStore store() {
    return store;
  }
}
