package dev.osupgrade.estate;

import dev.osupgrade.Durations;
import dev.osupgrade.Region;
import dev.osupgrade.diagnosis.DriftReport;
import dev.osupgrade.estate.GovernorDecision.Kind;
import dev.osupgrade.estate.GovernorState.Campaign;
import dev.osupgrade.estate.GovernorState.Family;
import dev.osupgrade.estate.GovernorState.Known;
import dev.osupgrade.estate.GovernorState.Lane;
import dev.osupgrade.estate.GovernorState.LaneKind;
import dev.osupgrade.estate.GovernorState.Status;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.ScaleSet;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.fleet.ScaleSetSummary;
import dev.osupgrade.governance.Environment;
import dev.osupgrade.governance.GovernedAction;
import dev.osupgrade.governance.ProductionReadiness;
import dev.osupgrade.governance.QuarantineEntry;
import dev.osupgrade.governance.ReadinessCheck;
import dev.osupgrade.governance.ReadinessRecord;
import dev.osupgrade.governance.TrustDecision;
import dev.osupgrade.governance.TrustRule;
import dev.osupgrade.governance.schedule.MaintenanceSchedule;
import dev.osupgrade.image.Eligibility;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.image.ImageRelease;
import dev.osupgrade.image.ImageVersion;
import dev.osupgrade.image.ReplicationState;
import dev.osupgrade.plan.ImageEligibility;
import dev.osupgrade.port.DiscoveryScope;
import dev.osupgrade.port.ResourceNotFoundException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * The governor's turn, family by family: discovery, the inventory, the quarantine, the newest release a family may
 * take, its campaign through the rings (windows, replication, exclusions, rehearsal, lanes, promotion, failure), and
 * the catch-ups. Owned by one {@link EstateGovernor}; reads and writes its state.
 */
final class Campaigns {
  private final EstateGovernor g;
  /** The releases of each family seen in the last turn, per region. */
  final Map<String, Map<Region, List<ImageRelease>>> releases = new TreeMap<>();
  /** What each family waits for, with when (for the report), from the last turn. */
  final Map<String, List<Planned>> planned = new TreeMap<>();

  /** One thing the governor will do, and when. */
  record Planned(@Nullable Instant at, String what) {}

  Campaigns(EstateGovernor g) {
    this.g = g;
  }

  private GovernorState st() {
    return g.state;
  }

  /** True while an operator holds the governor (paused or cancelled): nothing starts or promotes. */
  private boolean held() {
    return g.state.hold != GovernorState.Hold.NONE;
  }

  // ---- the turn -----------------------------------------------------------------------------------------------

  void turn(Instant now) {
    discover(now);
    Instant inventoryAt = st().inventoryAt;
    if (inventoryAt == null || !now.isBefore(inventoryAt.plus(g.inventoryInterval))) {
      inventory(now);
    }
    if (g.rebuild) {
      for (Lane lane : st().runningLanes()) {
        startDriver(lane, now);
      }
      g.rebuild = false;
    }
    syncQuarantine(now);
    planned.clear();
    for (ImageFamily f : g.desired.families()) {
      steer(f, now);
    }
  }

  private void discover(Instant now) {
    Map<String, ScaleSetSummary> listed = new TreeMap<>();
    for (DiscoveryScope scope : g.desired.scopes()) {
      for (ScaleSetSummary s : g.inventory.listScaleSets(scope)) {
        listed.put(GovernorState.key(s.id()), s);
      }
    }
    List<ScaleSetId> added = new ArrayList<>();
    for (Map.Entry<String, ScaleSetSummary> e : listed.entrySet()) {
      ScaleSetSummary s = e.getValue();
      Known k = st().known.get(e.getKey());
      if (k == null) {
        k = new Known(s.id(), s.region());
        st().known.put(e.getKey(), k);
        added.add(s.id());
      }
      if (!s.equals(k.summary)) { // what the desired state assigns it changes only when its listing does
        k.summary = s;
        k.region = s.region();
        k.family = g.desired.familyOf(s).map(ImageFamily::name).orElse(null);
        k.ring = g.desired.ringOf(s).orElse(-1);
        k.mode = g.desired.modeOf(s);
        Known known = k;
        s.modelImage().version().ifPresent(v -> known.version = v);
      }
    }
    Set<String> inLanes = new TreeSet<>();
    st().runningLanes().forEach(l -> l.scaleSets.forEach(id -> inLanes.add(GovernorState.key(id))));
    List<ScaleSetId> gone = new ArrayList<>();
    st().known.entrySet().removeIf(e -> {
      if (listed.containsKey(e.getKey()) || inLanes.contains(e.getKey())) {
        return false;
      }
      gone.add(e.getValue().id);
      return true;
    });
    if (!added.isEmpty()) {
      long managed = added.stream().map(id -> st().known.get(GovernorState.key(id)))
          .filter(k -> k.family != null && k.ring >= 0).count();
      g.decide(now, Kind.DISCOVERED, "*", null, null, added, "found " + added.size() + " new scale set(s), "
          + managed + " of them in a ring and following a family: " + names(added));
    }
    if (!gone.isEmpty()) {
      g.decide(now, Kind.DISCOVERED, "*", null, null, gone, gone.size() + " scale set(s) no longer listed: "
          + names(gone));
    }
  }

  private static String names(List<ScaleSetId> ids) {
    List<String> shown = ids.stream().limit(8).map(ScaleSetId::toString).toList();
    return String.join(", ", shown) + (ids.size() > shown.size() ? " and " + (ids.size() - shown.size()) + " more"
        : "");
  }

  /** Reads every managed scale set in full: its instances' versions, health and drift. */
  private void inventory(Instant now) {
    for (Known k : st().known.values()) {
      if (k.family == null || k.ring < 0) {
        continue;
      }
      ScaleSet s;
      try {
        s = g.fleet.get(k.id);
      } catch (ResourceNotFoundException gone) {
        continue; // deleted since the listing: the next listing drops it
      }
      read(k, s, now);
    }
    st().inventoryAt = now;
  }

  private static void read(Known k, ScaleSet s, Instant now) {
    k.instances = s.instanceCount();
    k.unhealthy = s.unhealthyCount();
    k.drifting = DriftReport.of(s).driftingCount();
    k.version = versionOf(s);
    k.readAt = now;
  }

  /** The version a scale set runs: its model's when pinned, else the oldest any instance runs. */
  static @Nullable ImageVersion versionOf(ScaleSet s) {
    Optional<ImageVersion> model = s.modelImage().version();
    if (model.isPresent()) {
      return model.get();
    }
    return s.instances().stream().map(Instance::imageVersion).min(ImageVersion::compareTo).orElse(null);
  }

  private void syncQuarantine(Instant now) {
    for (QuarantineEntry e : g.desired.trust().quarantine().entries()) {
      String key = e.image().toString().toLowerCase(java.util.Locale.ROOT);
      if (st().quarantine.containsKey(key)) {
        continue;
      }
      st().quarantine.put(key, e);
      String family = g.desired.families().stream().filter(f -> f.follows(e.image())).map(ImageFamily::name)
          .findFirst().orElse("*");
      ImageVersion v = e.image().version().orElse(null);
      List<ScaleSetId> running = st().known.values().stream()
          .filter(k -> family.equals(k.family) && v != null && v.equals(k.version)).map(k -> k.id).toList();
      g.decide(now, Kind.VERSION_QUARANTINED, family, v, null, running, "quarantined at " + e.at() + " by " + e.by()
          + ": " + e.why() + "; no ring of the estate takes it"
          + (running.isEmpty() ? "" : "; " + running.size() + " scale set(s) run it and move on with the next "
              + "trusted release"));
      g.markDirty();
    }
  }

  // ---- one family -----------------------------------------------------------------------------------------------

  private void steer(ImageFamily f, Instant now) {
    Family fs = st().family(f.name());
    List<Known> members = st().known.values().stream()
        .filter(k -> f.name().equals(k.family) && k.ring >= 0 && k.summary != null).toList();
    if (members.isEmpty()) {
      return;
    }
    Map<Region, List<ImageRelease>> rel = new TreeMap<>();
    for (Region r : members.stream().map(k -> k.region).collect(java.util.stream.Collectors.toCollection(
        TreeSet::new))) {
      rel.put(r, g.catalog.listReleases(f.image(), r));
    }
    releases.put(f.name(), rel);
    Campaign c = fs.campaign;
    if (c != null && c.status == Status.RUNNING) {
      Optional<QuarantineEntry> q = g.desired.trust().quarantine().entry(f.image().withVersion(c.version));
      if (q.isPresent()) {
        fail(f, fs, c, "quarantined by " + q.get().by() + ": " + q.get().why(), now);
      } else {
        progress(f, fs, c, members, rel, now);
      }
    }
    Candidate next = candidate(f, fs, members, rel, now);
    c = fs.campaign;
    if (next != null && c != null && c.status == Status.RUNNING && c.supersededBy == null
        && c.version.compareTo(next.version) < 0) {
      c.supersededBy = next.version;
      g.decide(now, Kind.CAMPAIGN_SUPERSEDED, f.name(), c.version, ring(c.ring), List.of(), next.version
          + " is newer and eligible: " + c.version + " finishes its ring in flight, starts no other, and gives way");
      progress(f, fs, c, members, rel, now);
    }
    c = fs.campaign;
    if (next != null && c == null && fs.completed == null && members.stream()
        .allMatch(m -> m.version != null && m.version.compareTo(next.version) >= 0)) {
      fs.completed = next.version; // nothing to roll out: the estate already runs it
      g.decide(now, Kind.CAMPAIGN_COMPLETED, f.name(), next.version, null, List.of(), "adopted: all "
          + members.size() + " scale set(s) already run " + next.version + " or newer; no ring needs it");
      catchUp(f, fs, members, rel, now);
      plan(f, fs, members, rel, now);
      return;
    }
    if (next != null && !held() && (c == null || c.status != Status.RUNNING) && !busyWithAnother(fs, next.version)
        && (c == null || c.version.compareTo(next.version) < 0)) {
      Campaign started = new Campaign(next.version, next.publishedAt, now);
      fs.campaign = started;
      fs.waiting = "";
      g.decide(now, Kind.CAMPAIGN_STARTED, f.name(), next.version, null, List.of(), "the newest eligible, trusted, "
          + "replicated release (published " + next.publishedAt + ")" + (c == null ? "" : "; before it: "
          + c.version + " " + c.status.name().toLowerCase(java.util.Locale.ROOT)) + "; " + members.size()
          + " scale set(s) over " + g.desired.rings().size() + " ring(s)");
      progress(f, fs, started, members, rel, now);
    }
    catchUp(f, fs, members, rel, now);
    plan(f, fs, members, rel, now);
  }

  /** Any lane of the family running another version. */
  private static boolean busyWithAnother(Family fs, ImageVersion version) {
    List<Lane> lanes = new ArrayList<>(fs.catchUps);
    if (fs.campaign != null) {
      lanes.addAll(fs.campaign.lanes);
    }
    return lanes.stream().anyMatch(l -> l.isRunning() && !l.version.equals(version));
  }

  private @Nullable String ring(int index) {
    return index < g.desired.rings().size() ? g.desired.rings().get(index).name() : null;
  }

  // ---- the candidate ------------------------------------------------------------------------------------------

  private record Candidate(ImageVersion version, Instant publishedAt) {}

  /**
   * The newest release newer than what the family's campaigns reached that is published, not quarantined or failed
   * before, not excluded or at its end of life, trusted for the first ring's environments and replicated to its
   * regions. A newer one that only waits (replication pending in the first ring's regions, its minimum age) is
   * waited for, not skipped.
   */
  private @Nullable Candidate candidate(ImageFamily f, Family fs, List<Known> members,
      Map<Region, List<ImageRelease>> rel, Instant now) {
    ImageVersion baseline = fs.completed;
    if (fs.campaign != null && (baseline == null || fs.campaign.version.compareTo(baseline) > 0)) {
      baseline = fs.campaign.version;
    }
    int first = members.stream().mapToInt(k -> k.ring).min().orElse(0);
    List<Known> firstRing = members.stream().filter(k -> k.ring == first).toList();
    Set<Region> firstRegions = new TreeSet<>();
    firstRing.forEach(k -> firstRegions.add(k.region));
    Environment strictest = firstRing.stream().map(k -> g.desired.environmentOf(summary(k)))
        .filter(Environment::isProduction).findFirst().orElse(g.desired.environmentOf(summary(firstRing.get(0))));
    TreeMap<ImageVersion, ImageRelease> byVersion = new TreeMap<>();
    rel.values().forEach(list -> list.forEach(r -> byVersion.putIfAbsent(r.version(), r)));
    for (ImageRelease any : byVersion.descendingMap().values()) {
      ImageVersion v = any.version();
      if (baseline != null && v.compareTo(baseline) <= 0) {
        break;
      }
      if (fs.failed.containsKey(v) || g.desired.trust().quarantine().contains(any.image())
          || any.publishedAt().isAfter(now) || any.excludedFromLatest()
          || any.endOfLifeDate().map(eol -> !eol.isAfter(now)).orElse(false)) {
        continue;
      }
      TrustDecision trust = g.desired.trust().evaluate(any, strictest, now);
      if (!trust.isTrusted()) {
        if (trust.rules().equals(List.of(TrustRule.MINIMUM_AGE))) {
          Instant at = any.publishedAt().plus(g.desired.trust().minimumAge(strictest));
          waitFor(fs, f, v, null, Kind.RELEASE_WAITING, v + " waits for its minimum age for " + strictest
              + ": not before " + at, at, now);
          return null;
        }
        continue;
      }
      List<String> pending = new ArrayList<>();
      Instant expected = null;
      int replicated = 0;
      for (Region region : firstRegions) {
        ImageRelease there = releaseIn(rel, region, v);
        ReplicationState state = there == null ? ReplicationState.UNKNOWN : there.replicationIn(region);
        if (ReplicationState.COMPLETED.equals(state)) {
          replicated++;
        } else if (!ReplicationState.FAILED.equals(state)) {
          Instant at = g.calendar == null ? null : g.calendar.expectedAvailability(any, region).orElse(null);
          expected = at != null && (expected == null || at.isAfter(expected)) ? at : expected;
          pending.add(region.name() + " (" + (there == null ? "not listed yet" : state.toString().toLowerCase(
              java.util.Locale.ROOT)) + (at == null ? "" : ", expected by " + at + " per the release calendar")
              + ")");
        }
      }
      if (!pending.isEmpty()) {
        waitFor(fs, f, v, null, Kind.RELEASE_WAITING, v + " waits for replication to the first ring's regions: "
            + String.join(", ", pending), expected, now);
        return null;
      }
      if (replicated == 0) {
        continue; // replication failed wherever the first ring is: it cannot be proven there
      }
      return new Candidate(v, any.publishedAt());
    }
    return null;
  }

  private static @Nullable ImageRelease releaseIn(Map<Region, List<ImageRelease>> rel, Region region,
      ImageVersion v) {
    return rel.getOrDefault(region, List.of()).stream().filter(r -> r.version().equals(v)).findFirst().orElse(null);
  }

  private ScaleSetSummary summary(Known k) {
    ScaleSetSummary s = k.summary;
    if (s == null) {
      throw new IllegalStateException(k.id + " has not been listed in this turn");
    }
    return s;
  }

  /** Logs a wait once per reason, and remembers it for the report. */
  private void waitFor(Family fs, ImageFamily f, @Nullable ImageVersion v, @Nullable String ring, Kind kind,
      String why, @Nullable Instant until, Instant now) {
    if (!why.equals(fs.waiting)) {
      fs.waiting = why;
      g.decide(now, kind, f.name(), v, ring, List.of(), why);
    }
    planned.computeIfAbsent(f.name(), x -> new ArrayList<>()).add(new Planned(until, why));
    if (until != null && until.isAfter(now) && until.isBefore(g.nextTurnAt)) {
      g.nextTurnAt = until;
    }
  }

  // ---- the campaign through the rings ---------------------------------------------------------------------------

  private enum Start { STARTED, WAITING, NOTHING_LEFT }

  private void progress(ImageFamily f, Family fs, Campaign c, List<Known> members,
      Map<Region, List<ImageRelease>> rel, Instant now) {
    for (int guard = 0; guard < 100 && c.status == Status.RUNNING; guard++) {
      int k = c.ring;
      if (k >= g.desired.rings().size()) {
        c.status = Status.COMPLETED;
        c.endedAt = now;
        fs.completed = c.version;
        fs.waiting = "";
        g.decide(now, Kind.CAMPAIGN_COMPLETED, f.name(), c.version, null, List.of(), "every ring took "
            + c.version + (c.excluded.isEmpty() ? "" : "; " + c.excluded.size() + " scale set(s) left out, each "
                + "with its reason in the report"));
        return;
      }
      Optional<Lane> failed = c.lanes.stream().filter(l -> l.status == Status.FAILED).findFirst();
      if (failed.isPresent()) {
        fail(f, fs, c, "ring " + failed.get().ring + " failed: " + failed.get().detail, now);
        return;
      }
      boolean running = c.lanes.stream().anyMatch(Lane::isRunning);
      Set<String> inLanes = new TreeSet<>();
      c.lanes.forEach(l -> l.scaleSets.forEach(id -> inLanes.add(GovernorState.key(id))));
      List<Known> remaining = members.stream().filter(m -> m.ring == k && !inLanes.contains(GovernorState.key(m.id))
          && !c.excluded.containsKey(GovernorState.key(m.id))).toList();
      if (c.supersededBy != null) {
        if (!running) {
          c.status = Status.SUPERSEDED;
          c.endedAt = now;
          g.decide(now, Kind.CAMPAIGN_SUPERSEDED, f.name(), c.version, ring(k), List.of(), "gave way to "
              + c.supersededBy + " after " + k + " ring(s) took " + c.version);
        }
        return;
      }
      if (held()) {
        if (!running) {
          planned.computeIfAbsent(f.name(), x -> new ArrayList<>()).add(new Planned(null, "paused: ring "
              + ring(k) + " of " + c.version + (remaining.isEmpty() ? " is promoted" : " starts") + " once resumed"));
        }
        return; // paused: no ring starts or promotes
      }
      if (remaining.isEmpty()) {
        if (running) {
          return;
        }
        promote(f, fs, c, k, now);
        continue;
      }
      Start started = start(f, fs, c, k, remaining, rel, now);
      if (started != Start.NOTHING_LEFT) {
        return;
      }
    }
  }

  private void promote(ImageFamily f, Family fs, Campaign c, int k, Instant now) {
    RingRule rule = g.desired.rings().get(k);
    long took = c.lanes.stream().filter(l -> l.status == Status.COMPLETED).mapToLong(l -> l.scaleSets.size()).sum();
    boolean last = k + 1 >= g.desired.rings().size();
    g.decide(now, Kind.RING_PROMOTED, f.name(), c.version, rule.name(), List.of(), took + " scale set(s) on "
        + c.version + (took == 0 ? "" : ", soaked " + Durations.words(rule.soak())) + "; "
        + (last ? "that was the last ring" : "next: ring " + g.desired.rings().get(k + 1).name()));
    c.lanes.clear();
    c.ring = k + 1;
    c.ringStartedAt = null;
    c.rehearsedAt = null;
    c.blocked = "";
    fs.waiting = "";
  }

  private void fail(ImageFamily f, Family fs, Campaign c, String why, Instant now) {
    c.status = Status.FAILED;
    c.failure = why;
    c.endedAt = now;
    fs.failed.put(c.version, why);
    fs.waiting = "";
    g.decide(now, Kind.CAMPAIGN_FAILED, f.name(), c.version, ring(c.ring), List.of(), why + "; the governor does "
        + "not start " + c.version + " again (a newer release will)");
  }

  /** Starts what it can of ring {@code k}: checks, exclusions, windows, rehearsal, lanes. */
  private Start start(ImageFamily f, Family fs, Campaign c, int k, List<Known> remaining,
      Map<Region, List<ImageRelease>> rel, Instant now) {
    RingRule rule = g.desired.rings().get(k);
    ImageVersion v = c.version;
    List<String> waits = new ArrayList<>();
    Instant until = null;
    Map<Known, String> excluded = new LinkedHashMap<>();
    Map<Known, ImageRelease> ok = new LinkedHashMap<>();
    for (Known m : remaining) {
      ImageRelease r = releaseIn(rel, m.region, v);
      ReplicationState state = r == null ? ReplicationState.UNKNOWN : r.replicationIn(m.region);
      if (ReplicationState.FAILED.equals(state)) {
        excluded.put(m, "replication of " + v + " to " + m.region + " failed");
        continue;
      }
      if (r == null || !ReplicationState.COMPLETED.equals(state)) {
        Instant at = r == null || g.calendar == null ? null : g.calendar.expectedAvailability(r, m.region)
            .orElse(null);
        until = later(until, at);
        waits.add("replication to " + m.region + " is " + (r == null ? "not listed yet" : state.toString()
            .toLowerCase(java.util.Locale.ROOT)) + (at == null ? "" : " (expected by " + at + ")"));
        continue;
      }
      Environment env = g.desired.environmentOf(summary(m));
      TrustDecision trust = g.desired.trust().evaluate(r, env, now);
      if (!trust.isTrusted()) {
        if (trust.rules().equals(List.of(TrustRule.MINIMUM_AGE))) {
          Instant at = r.publishedAt().plus(g.desired.trust().minimumAge(env));
          until = later(until, at);
          waits.add("minimum age for " + env + ": not before " + at);
        } else {
          excluded.put(m, trust.toString());
        }
        continue;
      }
      ok.put(m, r);
    }
    exclude(f, c, rule.name(), excluded, now);
    if (!waits.isEmpty()) {
      waitFor(fs, f, v, rule.name(), Kind.RING_WAITING, "ring " + rule.name() + " waits: " + String.join("; ",
          new LinkedHashSet<>(waits)), until, now);
      return Start.WAITING;
    }
    // lanes: one per mode and schedule; only those whose window is open (with time left) start now
    Map<MaintenanceSchedule, Map<GovernanceMode, List<Known>>> groups = new IdentityHashMap<>();
    List<MaintenanceSchedule> order = new ArrayList<>();
    for (Known m : ok.keySet()) {
      MaintenanceSchedule schedule = g.desired.scheduleOf(summary(m));
      if (!groups.containsKey(schedule)) {
        order.add(schedule);
      }
      groups.computeIfAbsent(schedule, s -> new TreeMap<>()).computeIfAbsent(m.mode, x -> new ArrayList<>()).add(m);
    }
    Instant opening = null;
    List<Known> candidates = new ArrayList<>();
    for (MaintenanceSchedule schedule : order) {
      Optional<Instant> open = openAt(schedule, now);
      if (open.isPresent() && !open.get().isAfter(now)) {
        groups.get(schedule).values().forEach(candidates::addAll);
      } else {
        opening = earlier(opening, open.orElse(null));
      }
    }
    if (candidates.isEmpty()) {
      if (ok.isEmpty()) {
        return remainingAfter(c, remaining) ? Start.WAITING : Start.NOTHING_LEFT;
      }
      waitFor(fs, f, v, rule.name(), Kind.RING_WAITING, "ring " + rule.name() + " waits for a window"
          + (opening == null ? ": none opens again (check the schedules)" : "; next opening " + opening), opening,
          now);
      return Start.WAITING;
    }
    // read the scale sets about to start, and leave out those that cannot take the version
    Map<Known, ScaleSet> read = new LinkedHashMap<>();
    Map<Known, String> refused = new LinkedHashMap<>();
    for (Known m : candidates) {
      ScaleSet s;
      try {
        s = g.fleet.get(m.id);
      } catch (ResourceNotFoundException gone) {
        refused.put(m, "not found");
        continue;
      }
      read(m, s, now);
      Optional<String> why = whyNot(s, m, v, ok.get(m), now);
      if (why.isPresent()) {
        refused.put(m, why.get());
      } else {
        read.put(m, s);
      }
    }
    exclude(f, c, rule.name(), refused, now);
    if (read.isEmpty()) {
      return remainingAfter(c, remaining) ? Start.WAITING : Start.NOTHING_LEFT;
    }
    if (g.rehearsal != null && !rehearse(f, fs, c, rule, read, now)) {
      return Start.WAITING;
    }
    for (MaintenanceSchedule schedule : order) {
      for (Map.Entry<GovernanceMode, List<Known>> e : groups.get(schedule).entrySet()) {
        List<Known> laneMembers = e.getValue().stream().filter(read::containsKey).toList();
        if (laneMembers.isEmpty()) {
          continue;
        }
        Lane lane = new Lane(f.name() + "/" + v + "/" + rule.name() + "/" + (++fs.laneCounter), f.name(),
            LaneKind.RING, rule.name(), e.getKey(), v, laneMembers.stream().map(m -> m.id).toList(), now);
        c.lanes.add(lane);
        if (c.ringStartedAt == null) {
          c.ringStartedAt = now;
        }
        g.decide(now, Kind.RING_STARTED, f.name(), v, rule.name(), lane.scaleSets, laneMembers.size()
            + " scale set(s), " + e.getKey().name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ')
            + ", inside " + schedule + (schedule.isAlwaysOpen() ? "" : " (batches start with at least "
                + Durations.words(g.desired.minimumWindowLeft()) + " of the window left)"));
        startDriver(lane, now);
      }
    }
    fs.waiting = "";
    return Start.STARTED;
  }

  /** True when members of the ring are still neither in a lane nor left out (they wait for their window). */
  private static boolean remainingAfter(Campaign c, List<Known> remaining) {
    Set<String> inLanes = new TreeSet<>();
    c.lanes.forEach(l -> l.scaleSets.forEach(id -> inLanes.add(GovernorState.key(id))));
    return remaining.stream().anyMatch(m -> !inLanes.contains(GovernorState.key(m.id))
        && !c.excluded.containsKey(GovernorState.key(m.id)));
  }

  /**
   * When a schedule lets work start: now if it is open with at least the minimum left, else its next usable opening.
   */
  private Optional<Instant> openAt(MaintenanceSchedule schedule, Instant now) {
    if (schedule.isAlwaysOpen()) {
      return Optional.of(now);
    }
    Duration min = g.desired.minimumWindowLeft();
    Instant t = now;
    for (int i = 0; i < 400; i++) {
      Optional<Instant> open = schedule.nextOpening(t);
      if (open.isEmpty()) {
        return Optional.empty();
      }
      Optional<Instant> closes = schedule.closesAt(open.get());
      if (closes.isEmpty() || !Duration.between(open.get(), closes.get()).minus(min).isNegative()) {
        return open;
      }
      t = closes.get();
    }
    return Optional.empty();
  }

  /** Why a scale set just read cannot take the version in its mode now, if it cannot. */
  private Optional<String> whyNot(ScaleSet s, Known m, ImageVersion v, ImageRelease r, Instant now) {
    Optional<String> mode = RingDriver.cannotDrive(s, m.mode, v);
    if (mode.isPresent()) {
      return mode;
    }
    Environment env = g.desired.environmentOf(summary(m));
    ReadinessRecord record = g.desired.readinessOf(summary(m)).orElse(null);
    GovernedAction action = m.mode == GovernanceMode.ORCHESTRATED ? GovernedAction.START_ORCHESTRATED_ROLLOUT
        : GovernedAction.ENABLE_AUTOMATIC_OS_UPGRADE;
    ReadinessCheck check = ProductionReadiness.check(action, s, env, record);
    if (!check.isAllowed()) {
      // the sections with something missing, without the scale set's name, so that one reason covers a group
      return Optional.of((record == null ? "no readiness record" : "readiness record incomplete") + ": "
          + String.join(" ", check.sectionLines().stream().filter(l -> !l.endsWith(": nothing missing.")).toList()));
    }
    Eligibility e = ImageEligibility.check(r, s, now);
    if (e.refusedBy(Eligibility.Code.END_OF_LIFE)
        || (m.mode == GovernanceMode.GOVERNED_PLATFORM && e.refusedBy(Eligibility.Code.EXCLUDED_FROM_LATEST))) {
      return Optional.of(e.toString());
    }
    return Optional.empty();
  }

  private void exclude(ImageFamily f, Campaign c, String ring, Map<Known, String> excluded, Instant now) {
    if (excluded.isEmpty()) {
      return;
    }
    Map<String, List<ScaleSetId>> byReason = new LinkedHashMap<>();
    excluded.forEach((m, why) -> {
      c.excluded.put(GovernorState.key(m.id), why);
      byReason.computeIfAbsent(why, x -> new ArrayList<>()).add(m.id);
    });
    byReason.forEach((why, ids) -> g.decide(now, Kind.SCALE_SETS_EXCLUDED, f.name(), c.version, ring, ids,
        ids.size() + " scale set(s) left out of ring " + ring + ": " + why));
  }

  /**
   * Rehearses the scale sets about to start on the twin; false when the ring must not start (a breach, or a blocked
   * ring not yet due for another rehearsal).
   */
  private boolean rehearse(ImageFamily f, Family fs, Campaign c, RingRule rule, Map<Known, ScaleSet> read,
      Instant now) {
    Rehearsal rehearsal = g.rehearsal;
    if (rehearsal == null) {
      return true;
    }
    if (!c.blocked.isEmpty() && c.rehearsedAt != null && now.isBefore(c.rehearsedAt.plus(
        EstateGovernor.REHEARSAL_RETRY))) {
      planned.computeIfAbsent(f.name(), x -> new ArrayList<>()).add(new Planned(c.rehearsedAt.plus(
          EstateGovernor.REHEARSAL_RETRY), "rehearse ring " + rule.name() + " of " + c.version + " again (blocked: "
          + c.blocked + ")"));
      return false;
    }
    Map<ScaleSetId, GovernanceMode> modes = new LinkedHashMap<>();
    read.keySet().forEach(m -> modes.put(m.id, m.mode));
    RehearsalRequest request = new RehearsalRequest(f.name(), rule.name(), c.version, List.copyOf(read.values()),
        modes, g.rolloutOptions, st().timings(),
        (f.name() + "/" + rule.name() + "/" + c.version).hashCode());
    RehearsalResult result = rehearsal.rehearse(request);
    st().rehearsals.put(f.name() + "/" + rule.name(), result);
    c.rehearsedAt = now;
    Optional<String> breach = result.breach(g.desired.budget());
    g.decide(now, Kind.RING_REHEARSED, f.name(), c.version, rule.name(), List.copyOf(read.keySet().stream()
        .map(m -> m.id).toList()), result + " against " + g.desired.budget() + (breach.isEmpty() ? ": within"
            : ": breached"));
    if (breach.isPresent()) {
      String why = "rehearsal breached the budget: " + breach.get();
      if (!why.equals(c.blocked)) {
        g.decide(now, Kind.RING_BLOCKED, f.name(), c.version, rule.name(), List.of(), why + "; rehearsed again "
            + "after " + Durations.words(EstateGovernor.REHEARSAL_RETRY));
      }
      c.blocked = why;
      return false;
    }
    c.blocked = "";
    return true;
  }

  private static @Nullable Instant later(@Nullable Instant a, @Nullable Instant b) {
    return a == null ? b : b == null || !b.isAfter(a) ? a : b;
  }

  private static @Nullable Instant earlier(@Nullable Instant a, @Nullable Instant b) {
    return a == null ? b : b == null || !b.isBefore(a) ? a : b;
  }

  // ---- catch-up -----------------------------------------------------------------------------------------------

  /**
   * Brings scale sets that joined late or drifted to the version their ring already took: the running campaign's
   * version for promoted rings, else the last completed version; never while a lane of another version runs.
   */
  private void catchUp(ImageFamily f, Family fs, List<Known> members, Map<Region, List<ImageRelease>> rel,
      Instant now) {
    if (held()) {
      return; // paused: no catch-up starts
    }
    Campaign c = fs.campaign;
    ImageVersion target;
    int upTo;
    if (c != null && c.status == Status.RUNNING) {
      target = c.version;
      upTo = c.ring;
    } else if (fs.completed != null) {
      target = fs.completed;
      upTo = g.desired.rings().size();
    } else {
      return;
    }
    if (g.desired.trust().quarantine().contains(f.image().withVersion(target)) || busyWithAnother(fs, target)) {
      return;
    }
    Set<String> busy = new TreeSet<>();
    fs.catchUps.stream().filter(Lane::isRunning).forEach(l -> l.scaleSets.forEach(id -> busy.add(
        GovernorState.key(id))));
    if (c != null) {
      c.lanes.stream().filter(Lane::isRunning).forEach(l -> l.scaleSets.forEach(id -> busy.add(
          GovernorState.key(id))));
    }
    Campaign ofTarget = c != null && c.version.equals(target) ? c : null;
    Map<MaintenanceSchedule, Map<GovernanceMode, List<Known>>> groups = new IdentityHashMap<>();
    List<MaintenanceSchedule> order = new ArrayList<>();
    Map<Known, ImageRelease> releaseOf = new LinkedHashMap<>();
    for (Known m : members) {
      String key = GovernorState.key(m.id);
      if (m.ring >= upTo || busy.contains(key) || m.version == null
          || (m.blockedUntil != null && now.isBefore(m.blockedUntil))
          || (ofTarget != null && ofTarget.excluded.containsKey(key))) {
        continue;
      }
      boolean behind = m.version.compareTo(target) < 0
          || (m.drifting > 0 && m.mode == GovernanceMode.ORCHESTRATED && m.version.equals(target));
      if (!behind) {
        continue;
      }
      ImageRelease r = releaseIn(rel, m.region, target);
      if (r == null || !ReplicationState.COMPLETED.equals(r.replicationIn(m.region))
          || !g.desired.trust().evaluate(r, g.desired.environmentOf(summary(m)), now).isTrusted()) {
        continue; // reported as behind; it can be caught up once the release is there and trusted for it
      }
      releaseOf.put(m, r);
      MaintenanceSchedule schedule = g.desired.scheduleOf(summary(m));
      if (!groups.containsKey(schedule)) {
        order.add(schedule);
      }
      groups.computeIfAbsent(schedule, s -> new TreeMap<>()).computeIfAbsent(m.mode, x -> new ArrayList<>()).add(m);
    }
    for (MaintenanceSchedule schedule : order) {
      Optional<Instant> open = openAt(schedule, now);
      if (open.isEmpty() || open.get().isAfter(now)) {
        open.ifPresent(at -> planned.computeIfAbsent(f.name(), x -> new ArrayList<>()).add(new Planned(at,
            "catch up " + groups.get(schedule).values().stream().mapToInt(List::size).sum() + " scale set(s) to "
                + target)));
        if (open.isPresent() && open.get().isBefore(g.nextTurnAt)) {
          g.nextTurnAt = open.get();
        }
        continue;
      }
      for (Map.Entry<GovernanceMode, List<Known>> e : groups.get(schedule).entrySet()) {
        List<Known> start = new ArrayList<>();
        for (Known m : e.getValue()) {
          ScaleSet s;
          try {
            s = g.fleet.get(m.id);
          } catch (ResourceNotFoundException gone) {
            continue;
          }
          read(m, s, now);
          ImageVersion version = m.version;
          if (version == null || !(version.compareTo(target) < 0 || (m.drifting > 0 && version.equals(target)))) {
            continue;
          }
          Optional<String> why = whyNot(s, m, target, releaseOf.get(m), now);
          if (why.isPresent()) {
            m.blockedUntil = now.plus(EstateGovernor.CATCH_UP_RETRY);
            m.blockedWhy = why.get();
            continue;
          }
          start.add(m);
        }
        if (start.isEmpty()) {
          continue;
        }
        Lane lane = new Lane(f.name() + "/" + target + "/catch-up/" + (++fs.laneCounter), f.name(),
            LaneKind.CATCH_UP, "catch-up", e.getKey(), target, start.stream().map(m -> m.id).toList(), now);
        fs.catchUps.add(lane);
        g.decide(now, Kind.CATCH_UP_STARTED, f.name(), target, null, lane.scaleSets, start.size()
            + " scale set(s) behind the version their ring took (joined late or drifted): " + start.stream()
                .limit(8).map(m -> m.id + " on " + m.version + (m.drifting > 0 ? " (" + m.drifting + " drifting)"
                    : "")).toList());
        startDriver(lane, now);
      }
    }
  }

  // ---- lanes --------------------------------------------------------------------------------------------------

  /** Builds the driver of a lane (a new one, or one rebuilt after a restart) and makes it due now. */
  void startDriver(Lane lane, Instant now) {
    List<RingDriver.Member> members = new ArrayList<>();
    MaintenanceSchedule schedule = MaintenanceSchedule.always();
    boolean first = true;
    for (ScaleSetId id : lane.scaleSets) {
      Known k = st().known.get(GovernorState.key(id));
      ScaleSetSummary s = k == null ? null : k.summary;
      Environment env = s == null ? Environment.PRODUCTION : g.desired.environmentOf(s);
      ReadinessRecord record = s == null ? null : g.desired.readinessOf(s).orElse(null);
      if (first && s != null) {
        schedule = g.desired.scheduleOf(s);
        first = false;
      }
      members.add(new RingDriver.Member(id, env, record));
    }
    RingDriver.Setup setup = new RingDriver.Setup(g.fleet, g.catalog, g.platform, g.clock, g.store, g.owner,
        g.desired.trust(), g.ringPoll, g::fence, g.rolloutOptions, g.desired.maximumDeferral());
    RingDriver.Events events = events(lane);
    RingDriver driver;
    if (lane.kind == LaneKind.RING) {
      Duration soak = g.desired.rings().stream().filter(r -> r.name().equals(lane.ring)).findFirst()
          .map(RingRule::soak).orElse(Duration.ZERO);
      driver = RingDriver.ring(setup, lane, soak, members, schedule, g.desired.minimumWindowLeft(), events);
    } else {
      ImageFamily f = g.desired.families().stream().filter(x -> x.name().equals(lane.family)).findFirst()
          .orElseThrow(() -> new IllegalStateException("family " + lane.family + " is no longer declared"));
      Known k = st().known.get(GovernorState.key(lane.scaleSets.get(0)));
      Region region = k == null ? null : k.region;
      ImageReference image = f.image().withVersion(lane.version);
      ImageRelease release = (region == null ? Optional.<ImageRelease>empty() : g.catalog.find(image, region))
          .orElse(ImageRelease.marketplace(image, lane.startedAt));
      driver = RingDriver.catchUp(setup, lane, members, release, schedule, g.desired.minimumWindowLeft(), events);
    }
    g.holdDriver(driver); // a governor paused or cancelled before a restart holds its rebuilt lanes too
    g.drivers.put(lane.key, driver);
    g.laneDue.put(lane.key, now);
  }

  private RingDriver.Events events(Lane lane) {
    return new RingDriver.Events() {
      @Override
      public void upgraded(ScaleSetId id, Instant at, String what) {
        Known k = st().known.get(GovernorState.key(id));
        if (k != null) {
          k.version = lane.version;
          k.drifting = 0;
          k.lastChangeAt = at;
          k.lastChange = "on " + lane.version + " (" + (lane.kind == LaneKind.RING ? "ring " + lane.ring
              : "catch-up") + ")"; // saved with the next checkpoint (the lane's end saves)
        }
      }

      @Override
      public void rolledBack(ScaleSetId id, Instant at, String what) {
        Known k = st().known.get(GovernorState.key(id));
        if (k != null) {
          k.lastChangeAt = at;
          k.lastChange = what.length() > 200 ? what.substring(0, 200) + "…" : what;
          g.markDirty();
        }
      }

      @Override
      public void overdue(Instant at, String line) {
        st().overdue(line);
        g.decide(at, Kind.DEFERRAL_OVERDUE, lane.family, lane.version, lane.ring, List.of(), line);
      }

      @Override
      public void batch(Duration took) {
        st().batch(took); // saved with the next checkpoint: a timing is worth no write of its own
      }
    };
  }

  /** Records how a lane ended. */
  void laneEnded(Lane lane, RingDriver driver, Instant now) {
    lane.status = driver.outcome();
    lane.detail = driver.detail();
    lane.endedAt = now;
    Family fs = st().family(lane.family);
    if (lane.kind == LaneKind.RING) {
      if (lane.status == Status.FAILED) {
        g.decide(now, Kind.RING_FAILED, lane.family, lane.version, lane.ring, lane.scaleSets, lane.detail);
      } else if (lane.status == Status.REFUSED && fs.campaign != null && fs.campaign.version.equals(lane.version)) {
        Map<Known, String> refused = new LinkedHashMap<>();
        lane.scaleSets.forEach(id -> {
          Known k = st().known.get(GovernorState.key(id));
          if (k != null) {
            refused.put(k, "the ring rollout refused it: " + lane.detail);
          }
        });
        ImageFamily f = g.desired.families().stream().filter(x -> x.name().equals(lane.family)).findFirst()
            .orElse(null);
        if (f != null) {
          exclude(f, fs.campaign, lane.ring, refused, now);
        }
      }
      return;
    }
    Map<ScaleSetId, String> missed = driver.missed();
    missed.forEach((id, why) -> {
      Known k = st().known.get(GovernorState.key(id));
      if (k != null) {
        k.blockedUntil = now.plus(EstateGovernor.CATCH_UP_RETRY);
        k.blockedWhy = why;
      }
    });
    fs.catchUps.remove(lane);
    g.decide(now, Kind.CATCH_UP_ENDED, lane.family, lane.version, null, lane.scaleSets, lane.status.name()
        .toLowerCase(java.util.Locale.ROOT) + ": " + lane.detail + (missed.isEmpty() ? "" : "; tried again after "
            + Durations.words(EstateGovernor.CATCH_UP_RETRY)));
  }

  // ---- the plan, for the report -------------------------------------------------------------------------------

  private void plan(ImageFamily f, Family fs, List<Known> members, Map<Region, List<ImageRelease>> rel,
      Instant now) {
    List<Planned> list = planned.computeIfAbsent(f.name(), x -> new ArrayList<>());
    Campaign c = fs.campaign;
    if (c != null && c.status == Status.RUNNING) {
      for (Lane l : c.lanes) {
        if (l.isRunning()) {
          list.add(new Planned(g.laneDue.get(l.key), "look at ring " + l.ring + " of " + c.version + " ("
              + l.scaleSets.size() + " scale set(s), " + l.mode.name().toLowerCase(java.util.Locale.ROOT)
                  .replace('_', ' ') + "): upgrading or soaking " + Durations.words(g.desired.rings().stream()
                      .filter(r -> r.name().equals(l.ring)).findFirst().map(RingRule::soak).orElse(Duration.ZERO))));
        }
      }
      return;
    }
    if (g.calendar != null) {
      ImageRelease newest = rel.values().stream().flatMap(List::stream)
          .max(java.util.Comparator.comparing(ImageRelease::version)).orElse(null);
      g.calendar.nextExpected(f.image(), newest, now).ifPresent(e -> list.add(new Planned(e.expected(),
          "expect the next release of " + f.name() + " (" + e.earliest() + " to " + e.latest()
              + ", per the release calendar); then start its campaign with ring " + g.desired.rings().get(0)
              .name())));
    }
  }
}
