package dev.osupgrade.port;

import dev.osupgrade.Require;
import dev.osupgrade.fleet.ScaleSetId;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/** {@link RolloutStore#inMemory()}: a synchronized map. */
final class InMemoryRolloutStore implements RolloutStore {
  private final Map<ScaleSetId, Entry> entries = new HashMap<>();

  @Override
  public synchronized Optional<Checkpoint> load(ScaleSetId scaleSet) {
    Entry e = entries.get(Require.nonNull(scaleSet, "scaleSet"));
    return e == null ? Optional.empty() : Optional.ofNullable(e.checkpoint);
  }

  @Override
  public synchronized Optional<Lease> tryAcquire(ScaleSetId scaleSet, String owner, Instant now, Duration ttl) {
    StoreRules.checkAcquire(scaleSet, owner, now, ttl);
    Entry e = entries.computeIfAbsent(Require.nonNull(scaleSet, "scaleSet"), k -> new Entry());
    Optional<Lease> lease = StoreRules.acquire(e.lease, scaleSet, owner, now, ttl);
    lease.ifPresent(l -> e.lease = l);
    return lease;
  }

  @Override
  public synchronized Lease renew(Lease lease, Instant now, Duration ttl) {
    StoreRules.checkRenew(lease, now, ttl);
    Entry e = entries.get(Require.nonNull(lease, "lease").scaleSet());
    Lease renewed = StoreRules.renew(e == null ? null : e.lease, lease, now, ttl);
    Objects.requireNonNull(e).lease = renewed;
    return renewed;
  }

  @Override
  public synchronized Checkpoint save(Lease lease, long expectedVersion, String data, Instant now) {
    StoreRules.checkSave(lease, expectedVersion, data, now);
    Entry e = entries.computeIfAbsent(Require.nonNull(lease, "lease").scaleSet(), k -> new Entry());
    long stored = e.checkpoint == null ? 0 : e.checkpoint.version();
    Checkpoint saved = StoreRules.save(e.lease, stored, lease, expectedVersion, data, now);
    e.checkpoint = saved;
    return saved;
  }

  @Override
  public synchronized void release(Lease lease) {
    Entry e = entries.get(Require.nonNull(lease, "lease").scaleSet());
    if (e != null) {
      StoreRules.release(e.lease, lease).ifPresent(released -> e.lease = released);
    }
  }

  @Override
  public String toString() {
    return "RolloutStore.inMemory[" + entries.size() + " scale sets]";
  }

  private static final class Entry {
    @Nullable Checkpoint checkpoint;
    @Nullable Lease lease;
  }
}
