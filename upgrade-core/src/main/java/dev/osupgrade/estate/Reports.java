package dev.osupgrade.estate;

import dev.osupgrade.estate.EstateReport.State;
import dev.osupgrade.estate.GovernorState.Campaign;
import dev.osupgrade.estate.GovernorState.Family;
import dev.osupgrade.estate.GovernorState.Known;
import dev.osupgrade.estate.GovernorState.Lane;
import dev.osupgrade.estate.GovernorState.LaneKind;
import dev.osupgrade.estate.GovernorState.Status;
import dev.osupgrade.fleet.ScaleSetSummary;
import dev.osupgrade.governance.schedule.MaintenanceSchedule;
import dev.osupgrade.image.ImageRelease;
import dev.osupgrade.image.ImageVersion;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Builds an {@link EstateReport} from what a governor knows; reads nothing from the estate. */
final class Reports {
  private Reports() {}

  static EstateReport of(EstateGovernor g, Instant now) {
    GovernorState st = g.state;
    Map<String, Lane> laneOf = new HashMap<>();
    for (Lane l : st.runningLanes()) {
      l.scaleSets.forEach(id -> laneOf.put(GovernorState.key(id), l));
    }
    List<EstateReport.Row> rows = new ArrayList<>();
    Map<String, int[]> perFamily = new HashMap<>();
    List<EstateReport.Drift> drift = new ArrayList<>();
    List<EstateReport.Next> next = new ArrayList<>();
    for (Map.Entry<String, Known> e : st.known.entrySet()) {
      Known k = e.getValue();
      ScaleSetSummary s = k.summary;
      MaintenanceSchedule schedule = s == null ? MaintenanceSchedule.always() : g.desired.scheduleOf(s);
      boolean open = schedule.isOpen(now);
      Instant nextWindow = open ? null : schedule.nextOpening(now).orElse(null);
      String ring = k.ring < 0 || k.ring >= g.desired.rings().size() ? null : g.desired.rings().get(k.ring).name();
      if (k.family == null || ring == null) {
        rows.add(new EstateReport.Row(k.id, k.region, k.family, ring, k.mode, k.version, null, State.UNMANAGED,
            k.family == null ? "follows no declared family" : "in no ring", k.instances, k.drifting, k.lastChangeAt,
            k.lastChange, nextWindow, open));
        continue;
      }
      if (k.drifting > 0) {
        drift.add(new EstateReport.Drift(k.id, k.drifting, k.instances, k.readAt));
      }
      Family fs = st.family(k.family);
      Campaign c = fs.campaign;
      boolean running = c != null && c.status == Status.RUNNING;
      ImageVersion target = running ? c.version : fs.completed;
      State state;
      String why = "";
      Lane lane = laneOf.get(e.getKey());
      if (lane != null) {
        state = lane.kind == LaneKind.CATCH_UP ? State.CATCHING_UP : State.UPGRADING;
        target = lane.version;
        why = (lane.kind == LaneKind.RING ? "ring " + lane.ring : "catch-up") + " since " + lane.startedAt
            + (open || schedule.isAlwaysOpen() ? "" : "; batches paused until the window opens");
      } else if (k.version != null && g.desired.trust().quarantine().contains(
          g.desired.families().stream().filter(f -> f.name().equals(k.family)).findFirst().orElseThrow().image()
              .withVersion(k.version))) {
        state = State.ON_QUARANTINED;
        why = k.version + " is quarantined";
      } else if (running && c.excluded.containsKey(e.getKey())) {
        state = State.EXCLUDED;
        why = c.excluded.get(e.getKey());
      } else if (k.blockedUntil != null && now.isBefore(k.blockedUntil)) {
        state = State.BLOCKED;
        why = k.blockedWhy + " (tried again at " + k.blockedUntil + ")";
      } else if (k.version == null) {
        state = State.UNKNOWN;
      } else if (target == null || (k.version.compareTo(target) >= 0 && k.drifting == 0)) {
        state = State.CURRENT;
        target = target == null ? k.version : target;
      } else if (running && k.ring >= c.ring) {
        state = k.ring == c.ring && !open && !schedule.isAlwaysOpen() ? State.WAITING_WINDOW : State.PENDING_RING;
        why = k.ring == c.ring ? "ring " + ring + " is next" : "after ring " + g.desired.rings().get(c.ring).name();
      } else {
        state = State.BEHIND;
        why = k.version.compareTo(target) < 0 ? "on " + k.version + ", its ring took " + target
            : k.drifting + " instance(s) drifted off the model";
      }
      int[] counts = perFamily.computeIfAbsent(k.family, x -> new int[2]);
      counts[0]++;
      if (state == State.CURRENT) {
        counts[1]++;
      }
      rows.add(new EstateReport.Row(k.id, k.region, k.family, ring, k.mode, k.version, target, state, why,
          k.instances, k.drifting, k.lastChangeAt, k.lastChange, nextWindow, open));
    }
    List<EstateReport.FamilyLine> families = new ArrayList<>();
    for (ImageFamily f : g.desired.families()) {
      Family fs = st.families.get(f.name());
      Campaign c = fs == null ? null : fs.campaign;
      ImageVersion newest = g.campaigns.releases.getOrDefault(f.name(), Map.of()).values().stream()
          .flatMap(List::stream).map(ImageRelease::version).max(Comparator.naturalOrder()).orElse(null);
      int[] counts = perFamily.getOrDefault(f.name(), new int[2]);
      String ring = c == null || c.status != Status.RUNNING || c.ring >= g.desired.rings().size() ? null
          : g.desired.rings().get(c.ring).name();
      Map<ImageVersion, String> failed = fs == null ? Map.of() : fs.failed;
      families.add(new EstateReport.FamilyLine(f.name(), f.image().imageKey(), fs == null ? null : fs.completed,
          c == null ? null : c.version, c == null ? "" : c.status.name(), ring, newest, counts[0], counts[1],
          failed));
    }
    g.campaigns.planned.forEach((family, list) -> list.forEach(p -> next.add(new EstateReport.Next(p.at(), family,
        p.what()))));
    switch (st.hold) {
      case PAUSED -> next.add(new EstateReport.Next(now, "*", "paused by an operator since " + st.holdAt
          + ": nothing starts or promotes, rollouts in flight pause at their batch boundary, until resumed"));
      case CANCELLED -> next.add(new EstateReport.Next(now, "*", st.ended ? "cancelled by an operator at "
          + st.holdAt + ": ended; starts nothing again" : "cancelled by an operator at " + st.holdAt
              + ": rollouts in flight cancel after their batch, then the governor ends"));
      default -> next.add(new EstateReport.Next(g.nextTurnAt.isAfter(now) ? g.nextTurnAt : now, "*",
          "next turn: discover, look for releases, promote and catch up"));
    }
    next.sort(Comparator.comparing(EstateReport.Next::at, Comparator.nullsLast(Comparator.naturalOrder())));
    return new EstateReport(g.name, now, families, rows, g.desired.trust().quarantine().entries(), drift,
        List.copyOf(st.overdue), List.copyOf(st.rehearsals.values()), next);
  }
}
