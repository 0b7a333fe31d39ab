package dev.osupgrade.rollout;

import dev.osupgrade.Require;
import dev.osupgrade.fleet.InstanceIds;
import dev.osupgrade.fleet.ScaleSet;
import dev.osupgrade.health.MetricQuery;
import dev.osupgrade.port.MetricSample;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * What the runner saw when it looked: the time and the scale set with its instances.
 *
 * @param now the time, from the injected clock
 * @param fleet the scale set snapshot
 * @param headroom how many instances the scale set could add now (read only before a max-surge batch), or null
 * @param fullRead true when the model and the instances were read together just now (a
 *     {@link dev.osupgrade.port.ScaleSetPort#get get}, or a read of the model alone right after a listing taken in the
 *     same advance at the same instant, nothing sent between); false when only the instances were listed and the
 *     model is the runner's copy. A rollout says {@code Completed} only on a full read.
 * @param confirmedGone instances missing from this look that a read of each one
 *     ({@link dev.osupgrade.port.ScaleSetPort#instance}) found gone just now. The engine settles an instance it expects
 *     as removed only when it is here: an instance that is merely missing from looks, however many, stays in play
 *     (a listing can be incomplete the same way twice), and the engine waits for the instance or its confirmation.
 *     An instance both here and in {@code fleet} is not gone.
 * @param headroomReadable true when the runner can read the capacity headroom (it has a capacity port): a step that
 *     needs it and finds none asks for it ({@link Decision#needs()}) instead of falling back to in-place upgrades
 * @param metrics the metric samples the runner read for the gates, by read; a step whose gates need a read that is
 *     not here asks for it ({@link Decision#needs()})
 * @param readAlone instances in {@code fleet} only because a read of each one found them (the listing left them
 *     out): they are still missing from the listings, and stay due for a read of their own
 */
record Observation(Instant now, ScaleSet fleet, @Nullable Integer headroom, boolean fullRead,
    Set<String> confirmedGone, boolean headroomReadable, Map<MetricQuery, List<MetricSample>> metrics,
    Set<String> readAlone) {
  /** Validates the fields and copies the set (sorted by instance id). */
  public Observation {
    Require.instant("now", now);
    Require.nonNull(fleet, "fleet");
    Set<String> sorted = new TreeSet<>(InstanceIds.ORDER);
    sorted.addAll(Require.noNulls("confirmedGone", confirmedGone));
    confirmedGone = Collections.unmodifiableSet(sorted);
    metrics = Collections.unmodifiableMap(new LinkedHashMap<>(Require.nonNull(metrics, "metrics")));
    readAlone = Set.copyOf(Require.noNulls("readAlone", readAlone));
  }

  /**
   * A look in which every instance shown was listed.
   *
   * @param now the time
   * @param fleet the scale set snapshot
   * @param headroom how many instances the scale set could add now, or null
   * @param fullRead whether the model and the instances were read together just now
   * @param confirmedGone instances a read of their own found gone in this look
   * @param headroomReadable whether the runner can read the capacity headroom
   * @param metrics the metric samples, by read
   */
  Observation(Instant now, ScaleSet fleet, @Nullable Integer headroom, boolean fullRead, Set<String> confirmedGone,
      boolean headroomReadable, Map<MetricQuery, List<MetricSample>> metrics) {
    this(now, fleet, headroom, fullRead, confirmedGone, headroomReadable, metrics, Set.of());
  }

  /**
   * A look without confirmations of vanished instances.
   *
   * @param now the time
   * @param fleet the scale set snapshot
   * @param headroom how many instances the scale set could add now, or null
   * @param fullRead whether the model and the instances were read together just now
   * @param confirmedGone instances a read of their own found gone in this look
   */
  public Observation(Instant now, ScaleSet fleet, @Nullable Integer headroom, boolean fullRead,
      Set<String> confirmedGone) {
    this(now, fleet, headroom, fullRead, confirmedGone, false, Map.of());
  }

  /**
   * This look with the capacity headroom read.
   *
   * @param value how many instances the scale set could add now
   * @return the look
   */
  public Observation withHeadroom(int value) {
    return new Observation(now, fleet, value, fullRead, confirmedGone, headroomReadable, metrics, readAlone);
  }

  /**
   * This look with more metric samples read.
   *
   * @param read the samples, by read
   * @return the look
   */
  public Observation withMetrics(Map<MetricQuery, List<MetricSample>> read) {
    Map<MetricQuery, List<MetricSample>> all = new LinkedHashMap<>(metrics);
    all.putAll(Require.nonNull(read, "read"));
    return new Observation(now, fleet, headroom, fullRead, confirmedGone, headroomReadable, all, readAlone);
  }

  /**
   * A look without confirmations of vanished instances.
   *
   * @param now the time
   * @param fleet the scale set snapshot
   * @param headroom how many instances the scale set could add now, or null
   * @param fullRead whether the model and the instances were read together just now
   */
  public Observation(Instant now, ScaleSet fleet, @Nullable Integer headroom, boolean fullRead) {
    this(now, fleet, headroom, fullRead, Set.of());
  }

  /**
   * A full read with capacity information.
   *
   * @param now the time
   * @param fleet the scale set snapshot, model and instances read together
   * @param headroom how many instances the scale set could add now, or null
   */
  public Observation(Instant now, ScaleSet fleet, @Nullable Integer headroom) {
    this(now, fleet, headroom, true);
  }

  /**
   * A full read without capacity information.
   *
   * @param now the time
   * @param fleet the scale set snapshot, model and instances read together
   */
  public Observation(Instant now, ScaleSet fleet) {
    this(now, fleet, null, true);
  }

  /**
   * Says whether a direct read confirmed an instance gone in this look (and the look does not show it).
   *
   * @param instanceId the instance
   * @return true when it is confirmed gone
   */
  public boolean isConfirmedGone(String instanceId) {
    return confirmedGone.contains(Require.nonNull(instanceId, "instanceId"))
        && fleet.instance(instanceId).isEmpty();
  }
}
