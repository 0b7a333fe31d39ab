package dev.osupgrade.azure.replicas;

import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.port.Lease;
import java.time.Instant;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * One line a replica prints about a scale set's lease, as its store answered: granted, renewed, refused on renewal
 * (lost), or released. Times are epoch milliseconds of the replica's clock (the real clock; all replicas and the test
 * run on one machine, so they read the same clock).
 *
 * <p>Printed as {@code @@lease kind=RENEWED replica=replica-1 scaleSet=svc-0 token=3 now=… expires=… returned=…}.
 *
 * @param kind what the store did
 * @param replica the replica (its lease owner name and its request tag)
 * @param scaleSet the scale set's name, lower case (as it appears in ARM paths)
 * @param token the fencing token of the lease granted, renewed, lost or released
 * @param now for a grant or renewal, the time the rollout passed to the store (the record's expiry is this plus the
 *     TTL); for a release, when the replica started it
 * @param expires the lease's expiry on record after a grant or renewal; for a loss or release, the expiry the replica
 *     believed it had
 * @param returned when the store's call returned (before the rollout could act on it)
 */
record LeaseLine(Kind kind, String replica, String scaleSet, long token, long now, long expires, long returned) {
  /** What every lease line starts with. */
  static final String PREFIX = "@@lease ";

  /** What the store did. */
  enum Kind {
    /** {@code tryAcquire} granted the lease (a new holding, or the holder's own again). */
    ACQUIRED,
    /** {@code renew} renewed it (the fence before a mutating call). */
    RENEWED,
    /** {@code renew} refused: the lease was lost. */
    LOST,
    /** {@code release} let it go. */
    RELEASED;

    /** @return true for a grant or renewal: the store's record names the replica until {@code expires} */
    boolean confirms() {
      return this == ACQUIRED || this == RENEWED;
    }
  }

  /**
   * A line about a lease.
   *
   * @param kind what the store did
   * @param replica the replica
   * @param lease the lease
   * @param now see {@link #now()}
   * @param returned when the call returned
   * @return the line
   */
  static LeaseLine of(Kind kind, String replica, Lease lease, Instant now, long returned) {
    return new LeaseLine(kind, replica, key(lease.scaleSet()), lease.token(), now.toEpochMilli(),
        lease.expiresAt().toEpochMilli(), returned);
  }

  /**
   * @param id a scale set
   * @return the name lines and the journal know it by
   */
  static String key(ScaleSetId id) {
    return id.name().toLowerCase(Locale.ROOT);
  }

  /** @return the line as printed */
  String format() {
    return PREFIX + "kind=" + kind + " replica=" + replica + " scaleSet=" + scaleSet + " token=" + token + " now="
        + now + " expires=" + expires + " returned=" + returned;
  }

  /**
   * Reads a printed line.
   *
   * @param line any line of a replica's output
   * @return the lease line, or empty if it is not one
   */
  static Optional<LeaseLine> parse(String line) {
    if (!line.startsWith(PREFIX)) {
      return Optional.empty();
    }
    Map<String, String> f = fields(line.substring(PREFIX.length()));
    return Optional.of(new LeaseLine(Kind.valueOf(f.get("kind")), f.get("replica"), f.get("scaleSet"),
        Long.parseLong(f.get("token")), Long.parseLong(f.get("now")), Long.parseLong(f.get("expires")),
        Long.parseLong(f.get("returned"))));
  }

  /**
   * @param text {@code key=value} pairs separated by single spaces (values without spaces)
   * @return the pairs
   */
  static Map<String, String> fields(String text) {
    Map<String, String> out = new HashMap<>();
    for (String pair : text.trim().split(" ")) {
      int eq = pair.indexOf('=');
      if (eq > 0) {
        out.put(pair.substring(0, eq), pair.substring(eq + 1));
      }
    }
    return out;
  }

  @Override
  public String toString() {
    return format().substring(PREFIX.length());
  }
}
