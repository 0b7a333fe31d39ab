package dev.osupgrade;

import dev.osupgrade.Require;
import java.util.Locale;

/**
 * An Azure region, normalized the way ARM compares them: {@code "West Europe"}, {@code "westeurope"} and
 * {@code "WestEurope"} are the same region.
 *
 * @param name the normalized name: lower case, no spaces
 */
public record Region(String name) implements Comparable<Region> {
  /** Normalizes the name. */
  public Region {
    Require.nonBlank("region", name);
    name = name.replace(" ", "").toLowerCase(Locale.ROOT);
  }

  /**
   * Returns the region with that name, in any of Azure's spellings.
   *
   * @param name e.g. {@code "West Europe"} or {@code "westeurope"}
   * @return the region
   */
  public static Region of(String name) {
    return new Region(name);
  }

  @Override
  public int compareTo(Region other) {
    return name.compareTo(other.name);
  }

  @Override
  public String toString() {
    return name;
  }
}
