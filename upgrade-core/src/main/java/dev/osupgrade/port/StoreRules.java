package dev.osupgrade.port;

import dev.osupgrade.Require;
import dev.osupgrade.fleet.ScaleSetId;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The lease and compare-and-set rules every {@link RolloutStore} applies the same way, for implementers of the port:
 * a store checks the arguments ({@code check*}) before it touches anything, reads what it holds (the lease on record
 * and the latest checkpoint), asks these rules for the outcome, and writes the outcome only if what it read is still
 * what it holds (under a lock, or conditionally on a version or ETag). The rules never read the wall clock:
 * {@code now} is the caller's.
 */
public final class StoreRules {
  /** The longest lease a store grants: 1 day (a crashed replica blocks its scale set no longer than this). */
  public static final Duration MAX_TTL = Duration.ofDays(1);
  /** The longest replica name: 256 characters. */
  public static final int MAX_OWNER = 256;

  private StoreRules() {}

  /**
   * Checks the arguments of {@link RolloutStore#tryAcquire} before a store touches anything.
   *
   * @param scaleSet the scale set
   * @param owner the replica: one line of at most {@value #MAX_OWNER} characters
   * @param now the caller's time, within {@link Require#EARLIEST}..{@link Require#LATEST}
   * @param ttl positive, at most {@link #MAX_TTL}
   * @throws dev.osupgrade.InvalidValueException naming the first bad argument
   */
  public static void checkAcquire(ScaleSetId scaleSet, String owner, Instant now, Duration ttl) {
    Require.nonNull(scaleSet, "scaleSet");
    owner(owner);
    Require.instant("now", now);
    Require.positive("ttl", ttl, MAX_TTL);
  }

  /**
   * Checks the arguments of {@link RolloutStore#renew} before a store touches anything.
   *
   * @param lease the lease
   * @param now the caller's time
   * @param ttl positive, at most {@link #MAX_TTL}
   * @throws dev.osupgrade.InvalidValueException naming the first bad argument
   */
  public static void checkRenew(Lease lease, Instant now, Duration ttl) {
    Require.nonNull(lease, "lease");
    Require.instant("now", now);
    Require.positive("ttl", ttl, MAX_TTL);
  }

  /**
   * Checks the arguments of {@link RolloutStore#save} before a store touches anything.
   *
   * @param lease the lease
   * @param expectedVersion at least 0
   * @param data the encoded state
   * @param now the caller's time
   * @throws dev.osupgrade.InvalidValueException naming the first bad argument
   */
  public static void checkSave(Lease lease, long expectedVersion, String data, Instant now) {
    Require.nonNull(lease, "lease");
    Require.that(expectedVersion >= 0, "expectedVersion", ">= 0", expectedVersion);
    Require.nonNull(data, "data");
    Require.instant("now", now);
  }

  /**
   * Checks a replica's name: one line of at most {@value #MAX_OWNER} characters, as it goes into a store's header.
   *
   * @param owner the name
   * @return the name
   * @throws dev.osupgrade.InvalidValueException when it is blank, too long or spans lines
   */
  public static String owner(String owner) {
    return Require.name("owner", owner, MAX_OWNER);
  }

  /**
   * Decides a {@link RolloutStore#tryAcquire}: a free, expired or released lease passes to {@code owner} with a
   * higher token; the owner's own valid lease is renewed with the same token; another owner's valid lease is kept.
   *
   * @param current the lease on record, or null if there never was one
   * @param scaleSet the scale set
   * @param owner the replica asking: one line (a store may keep it on a line of text)
   * @param now the caller's current time
   * @param ttl how long the lease lasts
   * @return the lease to record, or empty if another owner holds it
   */
  public static Optional<Lease> acquire(@Nullable Lease current, ScaleSetId scaleSet, String owner, Instant now,
      Duration ttl) {
    checkAcquire(scaleSet, owner, now, ttl);
    if (current != null && current.isValidAt(now) && !current.owner().equals(owner)) {
      return Optional.empty();
    }
    boolean renewal = current != null && current.isValidAt(now) && current.owner().equals(owner);
    long token = renewal ? current.token() : (current == null ? 1 : current.token() + 1);
    return Optional.of(new Lease(scaleSet, owner, token, now.plus(ttl)));
  }

  /**
   * Decides a {@link RolloutStore#renew}: a lease is renewed only if it is exactly the one on record (same owner and
   * token) and has not expired; an expired lease is never revived, even when nobody took it, because its holder may
   * have been overtaken meanwhile.
   *
   * @param current the lease on record, or null if there never was one
   * @param lease the lease the caller holds
   * @param now the caller's current time
   * @param ttl how long the renewed lease lasts from now
   * @return the lease to record
   * @throws LeaseLostException if the caller does not hold the lease
   */
  public static Lease renew(@Nullable Lease current, Lease lease, Instant now, Duration ttl) {
    checkRenew(lease, now, ttl);
    if (current == null || current.token() != lease.token() || !current.owner().equals(lease.owner())
        || !current.isValidAt(now)) {
      throw lost(current, lease);
    }
    return new Lease(lease.scaleSet(), lease.owner(), lease.token(), now.plus(ttl));
  }

  private static LeaseLostException lost(@Nullable Lease current, Lease lease) {
    return new LeaseLostException(lease.owner() + " no longer holds the lease of " + lease.scaleSet()
        + (current == null ? " (no lease is held)"
            : " (held by " + current.owner() + " with token " + current.token() + " until "
                + current.expiresAt() + ")"));
  }

  /**
   * Decides a {@link RolloutStore#release}: only the holding on record (same token) is released, and it stays on
   * record, expired, so that the next holder's token is still higher.
   *
   * @param current the lease on record, or null if there never was one
   * @param lease the lease the caller gives up
   * @return the lease to record, or empty if {@code lease} is no longer the one on record (nothing to do)
   */
  public static Optional<Lease> release(@Nullable Lease current, Lease lease) {
    Require.nonNull(lease, "lease");
    return current != null && current.token() == lease.token() ? Optional.of(released(current))
        : Optional.empty();
  }

  /** A released lease stays on record, expired, so that the next holder's token is still higher. */
  static Lease released(Lease lease) {
    return new Lease(lease.scaleSet(), lease.owner(), lease.token(), Instant.MIN);
  }

  /**
   * Decides a {@link RolloutStore#save}: the caller must hold the lease on record, unexpired, and the stored version
   * must be the expected one.
   *
   * @param current the lease on record, or null if there never was one
   * @param storedVersion the version of the latest stored checkpoint; 0 if none was ever saved
   * @param lease the caller's lease
   * @param expectedVersion the version the caller expects
   * @param data the encoded state
   * @param now the caller's current time
   * @return the checkpoint to store, with the next version
   * @throws LeaseLostException if the caller does not hold the lease
   * @throws CheckpointConflictException if the stored version is not the expected one
   */
  public static Checkpoint save(@Nullable Lease current, long storedVersion, Lease lease, long expectedVersion,
      String data, Instant now) {
    checkSave(lease, expectedVersion, data, now);
    if (current == null || current.token() != lease.token() || !current.owner().equals(lease.owner())
        || !current.isValidAt(now)) {
      throw lost(current, lease);
    }
    long found = storedVersion;
    if (found != expectedVersion) {
      throw new CheckpointConflictException("checkpoint of " + lease.scaleSet() + " is at version " + found
          + ", not the expected " + expectedVersion);
    }
    return new Checkpoint(lease.scaleSet(), found + 1, lease.owner(), now, data);
  }
}
