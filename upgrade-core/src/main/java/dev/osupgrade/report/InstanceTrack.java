package dev.osupgrade.report;

import dev.osupgrade.Require;
import dev.osupgrade.event.RolloutEvent;
import dev.osupgrade.fleet.HealthState;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.Zone;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * What one instance did during a rollout, as a run of states over time: one lane of a {@link Timeline}. Tracks come
 * from the rollout's events ({@link #fromEvents}, all there is against Azure) or from the fleet's own record of each
 * instance ({@link InstanceObservations}, the simulator's truth).
 *
 * @param instanceId the instance
 * @param zone its availability zone ({@link Zone#REGIONAL} when regional or not known)
 * @param updateDomain its platform update domain, or {@link #UNKNOWN_UPDATE_DOMAIN}
 * @param faultDomain its fault domain, or {@link #UNKNOWN_UPDATE_DOMAIN} when not known (a Flexible scale set's lanes
 *     are grouped by it, as its batches are)
 * @param replaces for an instance created by max surge, the instance it replaces; else null
 * @param steps its states, oldest first, each lasting until the next (the last one until the end of the window)
 */
public record InstanceTrack(String instanceId, Zone zone, int updateDomain, int faultDomain,
    @Nullable String replaces, List<Step> steps) {

  /** The update domain of a track whose update domain is not known (events name no update domain). */
  public static final int UNKNOWN_UPDATE_DOMAIN = -1;

  /** Validates and copies; the steps must be in time order. */
  public InstanceTrack {
    Require.nonBlank("instanceId", instanceId);
    Require.nonNull(zone, "zone");
    Require.atLeast("updateDomain", updateDomain, UNKNOWN_UPDATE_DOMAIN);
    Require.atLeast("faultDomain", faultDomain, UNKNOWN_UPDATE_DOMAIN);
    steps = List.copyOf(Require.nonEmpty("steps", steps));
    for (int k = 1; k < steps.size(); k++) {
      Require.that(!steps.get(k).at().isBefore(steps.get(k - 1).at()), "steps", "in time order", steps);
    }
  }

  /**
   * A track whose fault domain is not known.
   *
   * @param instanceId the instance
   * @param zone its availability zone
   * @param updateDomain its update domain, or {@link #UNKNOWN_UPDATE_DOMAIN}
   * @param replaces the instance it replaces (max surge), or null
   * @param steps its states, oldest first
   */
  public InstanceTrack(String instanceId, Zone zone, int updateDomain, @Nullable String replaces, List<Step> steps) {
    this(instanceId, zone, updateDomain, UNKNOWN_UPDATE_DOMAIN, replaces, steps);
  }

  /**
   * Tracks from a rollout's events alone. Every instance the events or the layout name starts {@link State#PENDING}
   * when the rollout started; the rest follows the events: a batch start makes its instances
   * {@link State#UPGRADING}, the first look that sees the new image {@link State#INITIALIZING}, then
   * {@link State#HEALTHY} or, at the failure, {@link State#UNHEALTHY} (the events say only that it was not Healthy
   * by then), {@link State#ROLLING_BACK}, {@link State#ROLLED_BACK}; max-surge instances get their own tracks and the
   * instances they replace end {@link State#REPLACED}. Health is known only where an event reports it.
   *
   * @param events a rollout's events, in order
   * @param layout the scale set's instances as read at any time (zones and update domains do not change), or an
   *     empty list: then a track's zone is its batch's zone and its update domain unknown
   * @return one track per instance, in instance-id order; empty when there are no events
   */
  public static List<InstanceTrack> fromEvents(List<RolloutEvent> events, List<Instance> layout) {
    Require.noNulls("events", events);
    Require.noNulls("layout", layout);
    Map<String, EventTracks.Placement> placed = new HashMap<>();
    layout.forEach(i -> placed.put(i.instanceId(), new EventTracks.Placement(i.zone(), i.updateDomain(),
        i.faultDomain())));
    return EventTracks.of(events, layout.stream().map(Instance::instanceId).toList(),
        id -> Optional.ofNullable(placed.get(id)));
  }

  /**
   * The state at a moment.
   *
   * @param at the moment
   * @return the step in force then, or empty before the first step
   */
  public Optional<Step> at(Instant at) {
    Require.nonNull(at, "at");
    Step found = null;
    for (Step s : steps) {
      if (s.at().isAfter(at)) {
        break;
      }
      found = s;
    }
    return Optional.ofNullable(found);
  }

  /** @return true when the instance ran the target image at some point of the track */
  public boolean ranTarget() {
    return steps.stream().anyMatch(s -> s.state().onTarget());
  }

  /** @return true for an instance created by max surge */
  public boolean isSurge() {
    return replaces != null;
  }

  @Override
  public String toString() {
    StringBuilder b = new StringBuilder("InstanceTrack[").append(instanceId).append(", zone ")
        .append(zone.isRegional() ? "-" : zone.name()).append(", UD ")
        .append(updateDomain == UNKNOWN_UPDATE_DOMAIN ? "?" : String.valueOf(updateDomain));
    if (faultDomain != UNKNOWN_UPDATE_DOMAIN) {
      b.append(", FD ").append(faultDomain);
    }
    if (replaces != null) {
      b.append(", replaces ").append(replaces);
    }
    steps.forEach(s -> b.append(", ").append(s));
    return b.append(']').toString();
  }

  /**
   * One state of an instance, from a moment on.
   *
   * @param at when it began
   * @param state what the instance was doing
   * @param health the health a probe saw, when known (events report it only at some steps); null when not known
   */
  public record Step(Instant at, State state, @Nullable HealthState health) {
    /** Validates the fields. */
    public Step {
      Require.nonNull(at, "at");
      Require.nonNull(state, "state");
    }

    /**
     * Says whether the instance serves in this step: it exists, is not being reimaged, and is Healthy (or, when its
     * health is not known, is pending, healthy on the target or rolled back).
     *
     * @return true when it counts towards the healthy capacity
     */
    public boolean inService() {
      if (state == State.UPGRADING || state == State.ROLLING_BACK || state == State.REPLACED
          || state == State.REMOVED) {
        return false;
      }
      if (health != null) {
        return health == HealthState.HEALTHY;
      }
      return state == State.PENDING || state == State.HEALTHY || state == State.ROLLED_BACK;
    }

    @Override
    public String toString() {
      return at + " " + state + (health == null || health.name().equals(state.name()) ? "" : " (" + health + ")");
    }
  }

  /** What an instance is doing, as a timeline draws it. */
  public enum State {
    /** On its previous image, not yet upgraded (or skipped by the plan). */
    PENDING,
    /** Its OS disk is being replaced with the target (or, max surge, it is being created on the target). */
    UPGRADING,
    /** On the target image; the health extension has not settled yet. */
    INITIALIZING,
    /** On the target image and Healthy. */
    HEALTHY,
    /** On the target image and Unhealthy or Unknown (or its upgrade failed). */
    UNHEALTHY,
    /** Being restored to its previous image. */
    ROLLING_BACK,
    /** Restored to its previous image. */
    ROLLED_BACK,
    /** Max surge: replaced by a new healthy instance (deleted when its batch ends). */
    REPLACED,
    /** No longer in the scale set (deleted). */
    REMOVED;

    /** @return true for the states of an instance that runs the target image */
    public boolean onTarget() {
      return this == INITIALIZING || this == HEALTHY || this == UNHEALTHY;
    }
  }
}
