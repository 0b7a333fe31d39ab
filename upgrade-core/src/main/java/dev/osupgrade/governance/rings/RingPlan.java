package dev.osupgrade.governance.rings;

import dev.osupgrade.Require;
import dev.osupgrade.fleet.ScaleSetId;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Rings in promotion order. A scale set belongs to at most one ring; names are unique.
 *
 * @param rings the rings, first to last
 */
public record RingPlan(List<Ring> rings) {
  /** Validates and copies. */
  public RingPlan {
    rings = List.copyOf(Require.nonEmpty("rings", rings));
    Set<String> names = new HashSet<>();
    Set<ScaleSetId> seen = new HashSet<>();
    for (Ring r : rings) {
      Require.that(names.add(r.name()), "rings", "uniquely named", r.name());
      for (ScaleSetId id : r.scaleSets()) {
        Require.that(seen.add(id), "rings", "each scale set in one ring only", id);
      }
    }
  }

  /**
   * Creates a plan.
   *
   * @param rings the rings, first to last
   * @return the plan
   */
  public static RingPlan of(Ring... rings) {
    return new RingPlan(List.of(Require.noNulls("rings", rings)));
  }

  /**
   * Finds the ring of a scale set.
   *
   * @param id the scale set
   * @return its ring, if it has one
   */
  public Optional<Ring> ringOf(ScaleSetId id) {
    Require.nonNull(id, "id");
    return rings.stream().filter(r -> r.scaleSets().contains(id)).findFirst();
  }

  /** @return every scale set, ring by ring */
  public List<ScaleSetId> scaleSets() {
    List<ScaleSetId> all = new ArrayList<>();
    rings.forEach(r -> all.addAll(r.scaleSets()));
    return all;
  }

  @Override
  public String toString() {
    StringBuilder b = new StringBuilder("RingPlan:");
    for (int i = 0; i < rings.size(); i++) {
      b.append("\n  ring ").append(i).append(": ").append(rings.get(i));
    }
    return b.toString();
  }
}
