package dev.osupgrade.report;

import dev.osupgrade.event.BatchStarted;
import dev.osupgrade.event.InstanceFailed;
import dev.osupgrade.event.InstanceHealthy;
import dev.osupgrade.event.InstanceReplaced;
import dev.osupgrade.event.InstanceRolledBack;
import dev.osupgrade.event.InstanceUpgraded;
import dev.osupgrade.event.PlanExtended;
import dev.osupgrade.event.RolloutEvent;
import dev.osupgrade.event.RolloutStarted;
import dev.osupgrade.event.SurgeInstancesCreated;
import dev.osupgrade.fleet.HealthState;
import dev.osupgrade.fleet.InstanceIds;
import dev.osupgrade.fleet.Zone;
import dev.osupgrade.report.InstanceTrack.State;
import dev.osupgrade.report.InstanceTrack.Step;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/** Builds {@link InstanceTrack}s from a rollout's events (see {@link InstanceTrack#fromEvents}). */
final class EventTracks {
  private EventTracks() {}

  /** Where an instance is. */
  record Placement(Zone zone, int updateDomain, int faultDomain) {}

  static List<InstanceTrack> of(List<RolloutEvent> events, Collection<String> known,
      Function<String, Optional<Placement>> placement) {
    if (events.isEmpty()) {
      return List.of();
    }
    Instant start = events.stream().filter(e -> e instanceof RolloutStarted).map(RolloutEvent::at).findFirst()
        .orElse(events.get(0).at());
    Map<String, Lane> lanes = new TreeMap<>(InstanceIds.ORDER);
    for (String id : known) {
      lanes.computeIfAbsent(id, k -> new Lane(k, start, State.PENDING, null));
    }
    for (RolloutEvent e : events) {
      Instant at = e.at();
      if (e instanceof BatchStarted b) {
        for (String id : b.instanceIds()) {
          Lane lane = lanes.computeIfAbsent(id, k -> new Lane(k, start, State.PENDING, null));
          if (!b.zone().isRegional()) {
            lane.batchZone = b.zone();
          }
          lane.to(at, State.UPGRADING, null);
        }
      } else if (e instanceof SurgeInstancesCreated s) {
        for (int k = 0; k < s.created().size(); k++) {
          String id = s.created().get(k);
          Lane lane = lanes.computeIfAbsent(id, x -> new Lane(x, at, State.UPGRADING, null));
          lane.replaces = k < s.replacing().size() ? s.replacing().get(k) : null;
          Lane old = lane.replaces == null ? null : lanes.get(lane.replaces);
          if (old != null) {
            lane.batchZone = old.batchZone;
          }
        }
      } else if (e instanceof InstanceUpgraded u) {
        lane(lanes, u.instanceId(), start).to(at, State.INITIALIZING, null);
      } else if (e instanceof InstanceHealthy h) {
        lane(lanes, h.instanceId(), start).to(at, State.HEALTHY, HealthState.HEALTHY);
      } else if (e instanceof InstanceFailed f) {
        Lane lane = lane(lanes, f.instanceId(), start);
        boolean wasOnTarget = lane.state().onTarget();
        if (lane.replaces != null) {
          lane.to(at, State.REMOVED, null); // a failed surge instance is deleted
        } else if (f.rollingBack()) {
          lane.to(at, State.ROLLING_BACK, f.health());
        } else {
          lane.to(at, wasOnTarget ? State.UNHEALTHY : State.PENDING, f.health());
        }
      } else if (e instanceof InstanceRolledBack r) {
        Lane lane = lane(lanes, r.instanceId(), start);
        if (lane.replaces == null) {
          lane.to(at, r.succeeded() ? State.ROLLED_BACK : State.UNHEALTHY, r.succeeded() ? null : HealthState.UNKNOWN);
        }
      } else if (e instanceof InstanceReplaced r) {
        lane(lanes, r.replaced(), start).to(at, State.REPLACED, null);
      } else if (e instanceof PlanExtended p) {
        for (String id : p.instanceIds()) {
          lanes.computeIfAbsent(id, k -> new Lane(k, at, State.PENDING, null));
        }
      }
    }
    List<InstanceTrack> out = new ArrayList<>();
    for (Lane lane : lanes.values()) {
      Optional<Placement> where = placement.apply(lane.id);
      if (where.isEmpty() && lane.replaces != null) {
        where = placement.apply(lane.replaces);
      }
      Zone zone = where.map(Placement::zone).orElse(lane.batchZone);
      int ud = where.map(Placement::updateDomain).orElse(InstanceTrack.UNKNOWN_UPDATE_DOMAIN);
      int fd = where.map(Placement::faultDomain).orElse(InstanceTrack.UNKNOWN_UPDATE_DOMAIN);
      out.add(new InstanceTrack(lane.id, zone, ud, fd, lane.replaces, lane.steps));
    }
    return out;
  }

  private static Lane lane(Map<String, Lane> lanes, String id, Instant start) {
    return lanes.computeIfAbsent(id, k -> new Lane(k, start, State.PENDING, null));
  }

  /** A track being built. */
  private static final class Lane {
    final String id;
    final List<Step> steps = new ArrayList<>();
    Zone batchZone = Zone.REGIONAL;
    @Nullable String replaces;

    Lane(String id, Instant at, State state, @Nullable HealthState health) {
      this.id = id;
      steps.add(new Step(at, state, health));
    }

    State state() {
      return steps.get(steps.size() - 1).state();
    }

    void to(Instant at, State state, @Nullable HealthState health) {
      Step last = steps.get(steps.size() - 1);
      if (last.state() == state && last.health() == health) {
        return;
      }
      if (last.at().equals(at)) {
        steps.set(steps.size() - 1, new Step(at, state, health));
      } else {
        steps.add(new Step(at, state, health));
      }
    }
  }
}
