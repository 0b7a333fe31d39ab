package dev.osupgrade.fleet;

import dev.osupgrade.Require;

/**
 * An availability zone of a region ({@code "1"}, {@code "2"}, {@code "3"}), or {@link #REGIONAL} for instances that
 * are not pinned to a zone.
 *
 * @param name the zone's name; empty for {@link #REGIONAL}
 */
public record Zone(String name) implements Comparable<Zone> {
  /** No zone: a regional (non-zonal) scale set or instance. */
  public static final Zone REGIONAL = new Zone("");

  /** Validates the name. */
  public Zone {
    Require.nonNull(name, "zone");
    Require.that(name.equals(name.strip()), "zone", "free of surrounding white space", name);
  }

  /**
   * Returns the zone with that name; an empty name is {@link #REGIONAL}.
   *
   * @param name the zone's name
   * @return the zone
   */
  public static Zone of(String name) {
    return name.isEmpty() ? REGIONAL : new Zone(name);
  }

  /** @return true for {@link #REGIONAL} */
  public boolean isRegional() {
    return name.isEmpty();
  }

  @Override
  public int compareTo(Zone other) {
    int byLength = Integer.compare(name.length(), other.name.length());
    return byLength != 0 ? byLength : name.compareTo(other.name);
  }

  @Override
  public String toString() {
    return isRegional() ? "regional" : "zone " + name;
  }
}
