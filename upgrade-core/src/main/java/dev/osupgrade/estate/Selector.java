package dev.osupgrade.estate;

import dev.osupgrade.Region;
import dev.osupgrade.Require;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.fleet.ScaleSetSummary;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Picks scale sets of an estate by what the listing shows: tags, resource groups, regions, or ids. Every criterion
 * that is set must match (a scale set matches a criterion when it matches any of its values); a selector with none
 * set matches every scale set. Tag names compare without case, as Azure's do; tag values exactly.
 *
 * <pre>{@code
 * Selector.tag("ring", "canary")
 * Selector.region("westeurope", "northeurope").andTag("tier", "web")
 * Selector.resourceGroup("rg-payments")
 * }</pre>
 *
 * @param tags tag name and value, every one required
 * @param resourceGroups the resource groups (any), lower-case
 * @param regions the regions (any)
 * @param scaleSets the scale sets (any)
 */
public record Selector(Map<String, String> tags, Set<String> resourceGroups, Set<Region> regions,
    Set<ScaleSetId> scaleSets) {
  private static final Selector ALL = new Selector(Map.of(), Set.of(), Set.of(), Set.of());

  /** Validates and copies (sorted, so that equal selectors print the same). */
  public Selector {
    TreeMap<String, String> t = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    Require.noNulls("tags", tags).forEach((k, v) -> {
      Require.name("tags key", k, 512);
      Require.that(v.length() <= 256 && v.indexOf('\n') < 0, "tags value", "one line of at most 256 characters",
          v);
      t.put(k, v);
    });
    tags = Collections.unmodifiableMap(t);
    Set<String> groups = new TreeSet<>();
    for (String g : Require.noNulls("resourceGroups", resourceGroups)) {
      groups.add(ScaleSetId.of(ScaleSetId.LOCAL_SUBSCRIPTION, g, "probe").resourceGroup());
    }
    resourceGroups = Collections.unmodifiableSet(groups);
    regions = Collections.unmodifiableSet(new TreeSet<>(Require.noNulls("regions", regions)));
    Set<ScaleSetId> ids = new TreeSet<>((a, b) -> a.armId().compareToIgnoreCase(b.armId()));
    ids.addAll(Require.noNulls("scaleSets", scaleSets));
    scaleSets = Collections.unmodifiableSet(ids);
  }

  /** @return a selector that matches every scale set */
  public static Selector all() {
    return ALL;
  }

  /**
   * Scale sets with a tag.
   *
   * @param key the tag's name
   * @param value its value
   * @return the selector
   */
  public static Selector tag(String key, String value) {
    return ALL.andTag(key, value);
  }

  /**
   * Scale sets in any of these resource groups.
   *
   * @param names the resource groups
   * @return the selector
   */
  public static Selector resourceGroup(String... names) {
    return new Selector(Map.of(), Set.of(Require.noNulls("names", names)), Set.of(), Set.of());
  }

  /**
   * Scale sets in any of these regions.
   *
   * @param names the regions, e.g. {@code "westeurope"}
   * @return the selector
   */
  public static Selector region(String... names) {
    Set<Region> rs = new LinkedHashSet<>();
    for (String n : Require.noNulls("names", names)) {
      rs.add(Region.of(n));
    }
    return new Selector(Map.of(), Set.of(), rs, Set.of());
  }

  /**
   * These scale sets.
   *
   * @param ids the scale sets
   * @return the selector
   */
  public static Selector scaleSets(ScaleSetId... ids) {
    return new Selector(Map.of(), Set.of(), Set.of(), new LinkedHashSet<>(List.of(Require.noNulls("ids", ids))));
  }

  /**
   * Adds a tag that must match too.
   *
   * @param key the tag's name
   * @param value its value
   * @return the narrower selector
   */
  public Selector andTag(String key, String value) {
    Require.nonNull(key, "key");
    Require.nonNull(value, "value");
    Map<String, String> t = new TreeMap<>(tags);
    t.put(key, value);
    return new Selector(t, resourceGroups, regions, scaleSets);
  }

  /**
   * Narrows to regions too.
   *
   * @param names the regions
   * @return the narrower selector
   */
  public Selector andRegion(String... names) {
    return new Selector(tags, resourceGroups, region(names).regions(), scaleSets);
  }

  /**
   * Narrows to resource groups too.
   *
   * @param names the resource groups
   * @return the narrower selector
   */
  public Selector andResourceGroup(String... names) {
    return new Selector(tags, resourceGroup(names).resourceGroups(), regions, scaleSets);
  }

  /**
   * Says whether a scale set is selected.
   *
   * @param scaleSet the scale set as the listing shows it
   * @return true when every criterion set matches
   */
  public boolean matches(ScaleSetSummary scaleSet) {
    Require.nonNull(scaleSet, "scaleSet");
    for (Map.Entry<String, String> t : tags.entrySet()) {
      if (!scaleSet.tag(t.getKey()).map(t.getValue()::equals).orElse(false)) {
        return false;
      }
    }
    return (resourceGroups.isEmpty() || resourceGroups.contains(scaleSet.id().resourceGroup()))
        && (regions.isEmpty() || regions.contains(scaleSet.region()))
        && (scaleSets.isEmpty() || scaleSets.contains(scaleSet.id()));
  }

  /** @return e.g. {@code tag ring=canary, region westeurope}, or {@code every scale set} */
  @Override
  public String toString() {
    List<String> parts = new ArrayList<>();
    tags.forEach((k, v) -> parts.add("tag " + k + "=" + v));
    if (!resourceGroups.isEmpty()) {
      parts.add("resource group " + String.join(" or ", resourceGroups));
    }
    if (!regions.isEmpty()) {
      parts.add("region " + String.join(" or ", regions.stream().map(Region::name).toList()));
    }
    if (!scaleSets.isEmpty()) {
      parts.add("scale sets " + scaleSets);
    }
    return parts.isEmpty() ? "every scale set" : String.join(", ", parts);
  }
}
