package dev.osupgrade.azure.replicas;

import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.port.Checkpoint;
import dev.osupgrade.port.Lease;
import dev.osupgrade.port.LeaseLostException;
import dev.osupgrade.port.RolloutStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A replica's store, telling every lease answer as a {@link LeaseLine}: each grant, renewal, lost renewal and release,
 * printed after the store answered and before the rollout acts on the answer (so a grant or renewal is on record before
 * the mutating request it allows is sent). Loads and saves pass through unlogged.
 */
final class LeaseLoggingStore implements RolloutStore {
  private final RolloutStore store;
  private final String replica;
  private final Clock clock;
  private final Consumer<String> out;

  /**
   * @param store the store that answers
   * @param replica the replica's name
   * @param clock the replica's clock, for the times of returns and releases
   * @param out where lines go (one call per line)
   */
  LeaseLoggingStore(RolloutStore store, String replica, Clock clock, Consumer<String> out) {
    this.store = store;
    this.replica = replica;
    this.clock = clock;
    this.out = out;
  }

  @Override
  public Optional<Checkpoint> load(ScaleSetId scaleSet) {
    return store.load(scaleSet);
  }

  @Override
  public Optional<Lease> tryAcquire(ScaleSetId scaleSet, String owner, Instant now, Duration ttl) {
    Optional<Lease> granted = store.tryAcquire(scaleSet, owner, now, ttl);
    long returned = clock.millis();
    granted.ifPresent(l -> out.accept(LeaseLine.of(LeaseLine.Kind.ACQUIRED, replica, l, now, returned).format()));
    return granted;
  }

  @Override
  public Lease renew(Lease lease, Instant now, Duration ttl) {
    try {
      Lease renewed = store.renew(lease, now, ttl);
      out.accept(LeaseLine.of(LeaseLine.Kind.RENEWED, replica, renewed, now, clock.millis()).format());
      return renewed;
    } catch (LeaseLostException e) {
      out.accept(LeaseLine.of(LeaseLine.Kind.LOST, replica, lease, now, clock.millis()).format());
      throw e;
    }
  }

  @Override
  public Checkpoint save(Lease lease, long expectedVersion, String data, Instant now) {
    return store.save(lease, expectedVersion, data, now);
  }

  @Override
  public void release(Lease lease) {
    Instant started = clock.instant();
    store.release(lease);
    out.accept(LeaseLine.of(LeaseLine.Kind.RELEASED, replica, lease, started, clock.millis()).format());
  }

  @Override
  public String toString() {
    return "LeaseLoggingStore[" + replica + ", " + store + "]";
  }
}
