package dev.osupgrade.governance.rings;

import dev.osupgrade.Durations;
import dev.osupgrade.Require;
import dev.osupgrade.fleet.ScaleSetId;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;

/**
 * One ring: scale sets upgraded together, then watched for {@code soak} before the next ring may start.
 *
 * @param name a short name, e.g. {@code canary}: one line of at most 256 characters
 * @param scaleSets the scale sets of the ring
 * @param soak how long the ring must stay healthy on the new version before promotion, at most {@link #MAX_SOAK}
 */
public record Ring(String name, List<ScaleSetId> scaleSets, Duration soak) {
  /** The longest soak a ring accepts: 90 days. */
  public static final Duration MAX_SOAK = Duration.ofDays(90);

  /** Validates and copies. */
  public Ring {
    Require.name("name", name, 256);
    scaleSets = List.copyOf(Require.nonEmpty("scaleSets", scaleSets));
    Require.that(new HashSet<>(scaleSets).size() == scaleSets.size(), "scaleSets", "free of duplicates", scaleSets);
    Require.nonNegative("soak", soak, MAX_SOAK);
  }

  /**
   * Creates a ring.
   *
   * @param name its name
   * @param soak how long to watch it before promotion, at most {@link #MAX_SOAK}
   * @param scaleSets its scale sets
   * @return the ring
   */
  public static Ring of(String name, Duration soak, ScaleSetId... scaleSets) {
    return new Ring(name, List.of(Require.noNulls("scaleSets", scaleSets)), soak);
  }

  @Override
  public String toString() {
    return name + " " + scaleSets + (soak.isZero() ? "" : ", soak " + Durations.words(soak));
  }
}
