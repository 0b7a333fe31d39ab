package dev.osupgrade.azure.replicas;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The lease answers every replica printed ({@link LeaseLine}), and the checks the multi-process test grades the
 * replicas' requests by. The store's record of a scale set's lease names one holder with an expiry; a grant or
 * renewal that returned to a replica is a moment the record named it, until {@code expires} (the time the replica
 * passed plus the TTL), unless it released the lease first. Lines are printed after the store answered and before the
 * rollout acts, so every request a grant allowed comes after its line.
 *
 * <p>All times are epoch milliseconds of one machine's clock, which the replicas and the test process share (WireMock
 * stamps a request when it arrives, at millisecond precision).
 */
final class LeaseHistory {
  private final List<LeaseLine> lines;

  /**
   * @param lines every replica's lease lines
   */
  LeaseHistory(List<LeaseLine> lines) {
    this.lines = List.copyOf(lines);
  }

  /** @return every line, in the order they returned */
  List<LeaseLine> lines() {
    return lines.stream().sorted(Comparator.comparingLong(LeaseLine::returned)).toList();
  }

  /**
   * The first half of the criterion, about each request: its sender held the scale set's lease when the request
   * arrived. That is: the sender's latest grant or renewal of that scale set that returned before the request arrived
   * ({@code c}) still ran when it arrived ({@code c.expires} after the arrival's millisecond), the sender had not
   * started to release it, and no other replica had been granted a newer token of the scale set by then.
   *
   * @param requests mutating requests from the journal
   * @return one sentence per request that breaks it; empty if none
   */
  List<String> sentWithoutLease(List<MutatingRequest> requests) {
    List<String> out = new ArrayList<>();
    for (MutatingRequest q : requests) {
      if (q.replica().isEmpty()) {
        out.add(q + ": no replica tag");
        continue;
      }
      Optional<LeaseLine> held = latestConfirmation(q.replica(), q.scaleSet(), q.receivedAt());
      if (held.isEmpty()) {
        out.add(q + ": " + q.replica() + " had never been granted the lease of " + q.scaleSet());
        continue;
      }
      LeaseLine c = held.get();
      if (c.expires() <= q.receivedAt() + 1) {
        out.add(q + ": " + q.replica() + "'s lease (token " + c.token() + ") expired at " + c.expires()
            + ", before the request arrived");
      }
      lines.stream()
          .filter(l -> l.kind() == LeaseLine.Kind.RELEASED && l.replica().equals(q.replica())
              && l.scaleSet().equals(q.scaleSet()) && l.token() == c.token() && l.now() <= q.receivedAt())
          .findFirst()
          .ifPresent(r -> out.add(q + ": " + q.replica() + " had started to release token " + c.token() + " at "
              + r.now()));
      lines.stream()
          .filter(l -> l.kind().confirms() && !l.replica().equals(q.replica()) && l.scaleSet().equals(q.scaleSet())
              && l.token() > c.token() && l.returned() <= q.receivedAt())
          .findFirst()
          .ifPresent(o -> out.add(q + ": " + o.replica() + " held token " + o.token() + " since " + o.returned()
              + ", newer than the sender's " + c.token()));
    }
    return out;
  }

  /**
   * The second half of the criterion, about the store's records: no two holdings of one scale set overlap. Each token
   * belongs to one replica; and each grant of a newer token came at or after the time the previous token's holder
   * last had it renewed until (its {@code now} is at or after that expiry), unless the previous holder had released it
   * (the release started before the grant returned). Renewals a replica could not print before it died can only have
   * run longer, so this never blames a correct store.
   *
   * @return one sentence per overlap; empty if none
   */
  List<String> overlappingHoldings() {
    List<String> out = new ArrayList<>();
    Map<String, List<LeaseLine>> byScaleSet = lines.stream().collect(Collectors.groupingBy(LeaseLine::scaleSet,
        TreeMap::new, Collectors.toList()));
    for (Map.Entry<String, List<LeaseLine>> e : byScaleSet.entrySet()) {
      Map<Long, List<LeaseLine>> byToken = e.getValue().stream().collect(Collectors.groupingBy(LeaseLine::token,
          TreeMap::new, Collectors.toList()));
      LeaseLine previousGrant = null;
      long previousExpiry = 0;
      LeaseLine previousRelease = null;
      for (Map.Entry<Long, List<LeaseLine>> t : byToken.entrySet()) {
        List<String> owners = t.getValue().stream().map(LeaseLine::replica).distinct().toList();
        if (owners.size() != 1) {
          out.add(e.getKey() + ": token " + t.getKey() + " was held by " + owners);
        }
        Optional<LeaseLine> grant = t.getValue().stream().filter(l -> l.kind() == LeaseLine.Kind.ACQUIRED)
            .min(Comparator.comparingLong(LeaseLine::returned));
        if (grant.isEmpty()) {
          out.add(e.getKey() + ": token " + t.getKey() + " was used without a grant");
          continue;
        }
        if (previousGrant != null) {
          long releasedAt = previousRelease == null ? Long.MAX_VALUE : previousRelease.now();
          boolean afterExpiry = grant.get().now() >= previousExpiry;
          boolean afterRelease = releasedAt <= grant.get().returned();
          if (!afterExpiry && !afterRelease) {
            out.add(e.getKey() + ": " + grant.get().replica() + " was granted token " + t.getKey() + " at "
                + grant.get().now() + " while " + previousGrant.replica() + "'s token " + previousGrant.token()
                + " ran until " + previousExpiry + (previousRelease == null ? " (never released)"
                : " (released at " + releasedAt + ")"));
          }
        }
        previousGrant = grant.get();
        previousExpiry = t.getValue().stream().filter(l -> l.kind().confirms()).mapToLong(LeaseLine::expires).max()
            .orElse(0);
        previousRelease = t.getValue().stream().filter(l -> l.kind() == LeaseLine.Kind.RELEASED)
            .min(Comparator.comparingLong(LeaseLine::now)).orElse(null);
      }
    }
    return out;
  }

  /**
   * The holding a replica had of a scale set at a time, by its own lines: its latest grant or renewal returned by then,
   * if that still ran and it had not started to release it.
   *
   * @param replica the replica
   * @param scaleSet the scale set
   * @param at the time
   * @return the grant or renewal; empty if it held none
   */
  Optional<LeaseLine> holding(String replica, String scaleSet, long at) {
    return latestConfirmation(replica, scaleSet, at).filter(c -> c.expires() > at
        && lines.stream().noneMatch(l -> l.kind() == LeaseLine.Kind.RELEASED && l.replica().equals(replica)
            && l.scaleSet().equals(scaleSet) && l.token() == c.token() && l.now() <= at));
  }

  /**
   * The first grant of a scale set to a replica other than one, of a newer token than it held.
   *
   * @param scaleSet the scale set
   * @param from the replica that held it
   * @param token the token it held
   * @return the other replica's grant; empty if none came
   */
  Optional<LeaseLine> takeover(String scaleSet, String from, long token) {
    return lines.stream()
        .filter(l -> l.kind() == LeaseLine.Kind.ACQUIRED && l.scaleSet().equals(scaleSet) && !l.replica().equals(from)
            && l.token() > token)
        .min(Comparator.comparingLong(LeaseLine::returned));
  }

  private Optional<LeaseLine> latestConfirmation(String replica, String scaleSet, long at) {
    return lines.stream()
        .filter(l -> l.kind().confirms() && l.replica().equals(replica) && l.scaleSet().equals(scaleSet)
            && l.returned() <= at)
        .max(Comparator.comparingLong(LeaseLine::returned).thenComparingLong(LeaseLine::token));
  }
}
