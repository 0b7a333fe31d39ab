package dev.osupgrade.report;

import dev.osupgrade.report.InstanceTrack.Step;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The healthy capacity over a window: how many instances serve ({@link Step#inService()}) at each moment, and the
 * fewest.
 *
 * @param instances how many instances existed when the window began (max-surge instances created later not counted)
 * @param lowest the fewest instances in service at any moment of the window
 * @param lowestAt when that was first reached
 */
record Capacity(int instances, int lowest, Instant lowestAt) {

  static Capacity of(List<InstanceTrack> tracks, Instant from, Instant to) {
    int instances = 0;
    for (InstanceTrack t : tracks) {
      boolean existed = t.at(from).map(s -> s.state() != InstanceTrack.State.REMOVED
          && s.state() != InstanceTrack.State.REPLACED).orElse(false);
      if (existed) {
        instances++;
      }
    }
    int lowest = Integer.MAX_VALUE;
    Instant lowestAt = from;
    for (Map.Entry<Instant, Integer> point : curve(tracks, from, to)) {
      if (point.getValue() < lowest) {
        lowest = point.getValue();
        lowestAt = point.getKey();
      }
    }
    return new Capacity(instances, lowest, lowestAt);
  }

  /** The in-service count over the window, as (time, count) points where it changes, from {@code from}. */
  static List<Map.Entry<Instant, Integer>> curve(List<InstanceTrack> tracks, Instant from, Instant to) {
    int count = 0;
    Map<Instant, Integer> deltas = new TreeMap<>();
    for (InstanceTrack t : tracks) {
      boolean serving = t.at(from).map(Step::inService).orElse(false);
      if (serving) {
        count++;
      }
      for (Step s : t.steps()) {
        if (!s.at().isAfter(from) || s.at().isAfter(to)) {
          continue;
        }
        if (s.inService() != serving) {
          serving = s.inService();
          deltas.merge(s.at(), serving ? 1 : -1, Integer::sum);
        }
      }
    }
    List<Map.Entry<Instant, Integer>> out = new ArrayList<>();
    out.add(Map.entry(from, count));
    for (Map.Entry<Instant, Integer> d : deltas.entrySet()) {
      count += d.getValue();
      out.add(Map.entry(d.getKey(), count));
    }
    out.sort(Comparator.comparing(Map.Entry::getKey));
    return out;
  }
}
