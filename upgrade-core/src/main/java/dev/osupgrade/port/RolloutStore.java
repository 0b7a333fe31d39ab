package dev.osupgrade.port;

import dev.osupgrade.fleet.ScaleSetId;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Where rollouts keep their checkpoints, with compare-and-set saves and a lease per scale set so that two replicas
 * never drive the same scale set. Times are passed in by the caller (from its injected clock); stores never read the
 * wall clock.
 *
 * <p>Two implementations ship with the library: {@link #inMemory()} (one JVM; lost on exit) and {@link #file(Path)}
 * (durable: atomic writes, survives a JVM kill; the default for a single-machine embedding). Replicas on several
 * machines share {@code dev.osupgrade.azure.BlobRolloutStore} (upgrade-azure, one blob per scale set on Azure Blob
 * Storage). Another store applies {@link StoreRules} and passes the testkit's
 * {@code dev.osupgrade.testkit.contract.RolloutStoreContract}.
 */
public interface RolloutStore {

  /**
   * Reads the latest checkpoint of a scale set's rollout.
   *
   * @param scaleSet the scale set
   * @return the checkpoint, or empty if none was ever saved
   */
  Optional<Checkpoint> load(ScaleSetId scaleSet);

  /**
   * Takes (or renews) the scale set's lease if it is free, expired or already held by {@code owner}.
   *
   * @param scaleSet the scale set
   * @param owner the replica asking, e.g. a host name: one line of at most 256 characters, without surrounding
   *     white space (it is written into the store's header)
   * @param now the caller's current time, between {@link dev.osupgrade.Require#EARLIEST} and
   *     {@link dev.osupgrade.Require#LATEST}
   * @param ttl how long the lease lasts unless renewed: positive, at most 1 day
   * @return the lease, or empty if another replica holds it
   * @throws dev.osupgrade.InvalidValueException for an argument out of these bounds; nothing is changed
   */
  Optional<Lease> tryAcquire(ScaleSetId scaleSet, String owner, Instant now, Duration ttl);

  /**
   * Proves that the caller still holds a lease and extends it: the fencing check a runner makes immediately before
   * every mutating call to the fleet. Unlike {@link #tryAcquire}, it never grants a new holding: a lease that expired
   * (even if nobody took it since), was released, or passed to another replica fails, so a replica that stalled past
   * its lease makes no call until it has taken the lease anew and reloaded the checkpoint.
   *
   * @param lease the lease the caller holds
   * @param now the caller's current time (as for {@link #tryAcquire})
   * @param ttl how long the lease lasts from now unless renewed again: positive, at most 1 day
   * @return the renewed lease (same owner and token, later expiry)
   * @throws LeaseLostException if the lease is no longer the caller's
   */
  Lease renew(Lease lease, Instant now, Duration ttl);

  /**
   * Saves a checkpoint if the caller still holds the lease and the stored version is the expected one.
   *
   * @param lease the caller's lease
   * @param expectedVersion the version the caller last read or saved; 0 when it expects none
   * @param data the encoded state
   * @param now the caller's current time (as for {@link #tryAcquire})
   * @return the saved checkpoint, with the new version
   * @throws LeaseLostException if the lease expired or passed to another replica
   * @throws CheckpointConflictException if the stored version is not {@code expectedVersion}
   */
  Checkpoint save(Lease lease, long expectedVersion, String data, Instant now);

  /**
   * Gives the lease up (a no-op if it is no longer held).
   *
   * @param lease the lease
   */
  void release(Lease lease);

  /** @return a store in this JVM's memory: fast, thread-safe, lost when the JVM exits */
  static RolloutStore inMemory() {
    return new InMemoryRolloutStore();
  }

  /**
   * A durable store: one file per scale set under {@code directory}, written atomically (write, fsync, rename) under
   * a file lock, so a killed JVM leaves either the old or the new checkpoint, never a torn one, and several JVMs on
   * one machine can share it.
   *
   * @param directory where the files go; created if missing
   * @return the store
   */
  static RolloutStore file(Path directory) {
    return new FileRolloutStore(directory);
  }
}
