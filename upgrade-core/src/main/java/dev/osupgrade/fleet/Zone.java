package dev.osupgrade.fleet;

import dev.osupgrade.Require;

/**
 * An availability zone of a region ({@code "1"}, {@code "2"}, {@code "3"}), or {@link #REGIONAL} for instances that
 * are not pinned to a zone.
 *
 * @param name the zone's name; empty for {@link #REGIONAL}, otherwise one line of at most 64 characters without
 *     surrounding white space
 */
public record Zone(String name) implements Comparable<Zone> {
  /** No zone: a regional (non-zonal) scale set or instance. */
  public static final Zone REGIONAL = new Zone("");

  /** Validates the name. */
  public Zone {
    Require.nonNull(name, "zone");
    if (!name.isEmpty()) {
      Require.name("zone", name, 64);
    }
  }

  /**
   * Returns the zone with that name; an empty name is {@link #REGIONAL}.
   *
   * @param name the zone's name: empty, or one line of at most 64 characters without surrounding white space
   * @return the zone
   */
  public static Zone of(String name) {
    return Require.nonNull(name, "zone").isEmpty() ? REGIONAL : new Zone(name);
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
