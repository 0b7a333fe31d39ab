package dev.osupgrade.estate;

import dev.osupgrade.Require;
import dev.osupgrade.fleet.ScaleSet;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.image.ImageVersion;
import dev.osupgrade.rollout.RolloutOptions;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The next ring, as the ports read it, for a {@link Rehearsal} to try on a twin before the governor starts it for
 * real.
 *
 * @param family the image family's name
 * @param ring the ring's name
 * @param target the version the ring would take
 * @param scaleSets the ring's scale sets as just read: model, zones, update and fault domains, policies, instances
 *     with their health and images (at least one; unique)
 * @param modes each scale set's mode (every scale set of the request has one)
 * @param options the options the ring's rollouts would run with (policy, timeouts, gates)
 * @param timings what past rollouts of the estate took
 * @param seed the twin's seed: the same request, the same rehearsal
 */
public record RehearsalRequest(String family, String ring, ImageVersion target, List<ScaleSet> scaleSets,
    Map<ScaleSetId, GovernanceMode> modes, RolloutOptions options, ObservedTimings timings, long seed) {

  /** Validates and copies. */
  public RehearsalRequest {
    Require.name("family", family, 64);
    Require.name("ring", ring, 256);
    Require.nonNull(target, "target");
    scaleSets = List.copyOf(Require.nonEmpty("scaleSets", Require.noNulls("scaleSets", scaleSets)));
    Set<ScaleSetId> ids = new HashSet<>();
    for (ScaleSet s : scaleSets) {
      Require.that(ids.add(s.id()), "scaleSets", "unique", s.id());
    }
    TreeMap<ScaleSetId, GovernanceMode> m = new TreeMap<>((a, b) -> a.armId().compareTo(b.armId()));
    m.putAll(Require.noNulls("modes", modes));
    Require.that(m.keySet().containsAll(ids), "modes", "a mode for every scale set", m.keySet());
    modes = Collections.unmodifiableMap(m);
    Require.nonNull(options, "options");
    Require.nonNull(timings, "timings");
  }

  /** @return how many instances the ring has */
  public int instances() {
    return scaleSets.stream().mapToInt(ScaleSet::instanceCount).sum();
  }

  @Override
  public String toString() {
    return "RehearsalRequest[" + family + " " + target + ", ring " + ring + ": " + scaleSets.size()
        + " scale sets, " + instances() + " instances, " + timings + "]";
  }
}
