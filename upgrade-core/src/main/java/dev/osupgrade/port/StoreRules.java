package dev.osupgrade.port;

import dev.osupgrade.Require;
import dev.osupgrade.fleet.ScaleSetId;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/** The lease and compare-and-set rules every {@link RolloutStore} in the library applies the same way. */
final class StoreRules {
  /** The longest lease a store grants: 1 day (a crashed replica blocks its scale set no longer than this). */
  static final Duration MAX_TTL = Duration.ofDays(1);
  /** The longest replica name: 256 characters. */
  static final int MAX_OWNER = 256;

  private StoreRules() {}

  /** Checks the arguments of {@link RolloutStore#tryAcquire} before a store touches anything. */
  static void checkAcquire(ScaleSetId scaleSet, String owner, Instant now, Duration ttl) {
    Require.nonNull(scaleSet, "scaleSet");
    owner(owner);
    Require.instant("now", now);
    Require.positive("ttl", ttl, MAX_TTL);
  }

  /** Checks the arguments of {@link RolloutStore#renew} before a store touches anything. */
  static void checkRenew(Lease lease, Instant now, Duration ttl) {
    Require.nonNull(lease, "lease");
    Require.instant("now", now);
    Require.positive("ttl", ttl, MAX_TTL);
  }

  /** Checks the arguments of {@link RolloutStore#save} before a store touches anything. */
  static void checkSave(Lease lease, long expectedVersion, String data, Instant now) {
    Require.nonNull(lease, "lease");
    Require.that(expectedVersion >= 0, "expectedVersion", ">= 0", expectedVersion);
    Require.nonNull(data, "data");
    Require.instant("now", now);
  }

  /** A replica's name: one line of at most {@value #MAX_OWNER} characters, as it goes into a store's header. */
  static String owner(String owner) {
    return Require.name("owner", owner, MAX_OWNER);
  }

  static Optional<Lease> acquire(@Nullable Lease current, ScaleSetId scaleSet, String owner, Instant now,
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
   * Renews a lease only if it is exactly the one on record (same owner and token) and has not expired: an expired
   * lease is never revived, even when nobody took it, because its holder may have been overtaken meanwhile.
   */
  static Lease renew(@Nullable Lease current, Lease lease, Instant now, Duration ttl) {
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

  /** A released lease stays on record, expired, so that the next holder's token is still higher. */
  static Lease released(Lease lease) {
    return new Lease(lease.scaleSet(), lease.owner(), lease.token(), Instant.MIN);
  }

  static Checkpoint save(@Nullable Lease current, @Nullable Checkpoint stored, Lease lease, long expectedVersion,
      String data, Instant now) {
    checkSave(lease, expectedVersion, data, now);
    if (current == null || current.token() != lease.token() || !current.owner().equals(lease.owner())
        || !current.isValidAt(now)) {
      throw lost(current, lease);
    }
    long found = stored == null ? 0 : stored.version();
    if (found != expectedVersion) {
      throw new CheckpointConflictException("checkpoint of " + lease.scaleSet() + " is at version " + found
          + ", not the expected " + expectedVersion);
    }
    return new Checkpoint(lease.scaleSet(), found + 1, lease.owner(), now, data);
  }
}
