package dev.osupgrade.port;

import dev.osupgrade.Require;
import dev.osupgrade.fleet.ScaleSetId;
import java.time.Instant;

/**
 * The right to drive one scale set's rollout, held by one replica until it expires. The {@code token} grows with every
 * new holder, so a store can refuse a save from a replica whose lease was taken over (fencing).
 *
 * @param scaleSet the scale set
 * @param owner the replica holding it: one line of at most 256 characters, without surrounding white space
 * @param token the fencing token of this holding
 * @param expiresAt when it lapses unless renewed
 */
public record Lease(ScaleSetId scaleSet, String owner, long token, Instant expiresAt) {
  /** Validates the fields. */
  public Lease {
    Require.nonNull(scaleSet, "scaleSet");
    StoreRules.owner(owner);
    Require.that(token >= 1, "token", ">= 1", token);
    Require.nonNull(expiresAt, "expiresAt");
  }

  /**
   * Says whether the lease is still held at a time.
   *
   * @param now the time
   * @return true before it expires
   */
  public boolean isValidAt(Instant now) {
    Require.nonNull(now, "now");
    return now.isBefore(expiresAt);
  }
}
