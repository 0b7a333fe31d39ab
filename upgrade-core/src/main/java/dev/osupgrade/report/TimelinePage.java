package dev.osupgrade.report;

import static dev.osupgrade.report.Html.esc;
import static dev.osupgrade.report.Html.num;

import dev.osupgrade.event.BatchCompleted;
import dev.osupgrade.event.BatchStarted;
import dev.osupgrade.event.GateEvaluated;
import dev.osupgrade.event.InstanceFailed;
import dev.osupgrade.event.InstanceReplaced;
import dev.osupgrade.event.InstanceRolledBack;
import dev.osupgrade.event.RolloutCancelled;
import dev.osupgrade.event.RolloutCompleted;
import dev.osupgrade.event.RolloutEvent;
import dev.osupgrade.event.RolloutFaulted;
import dev.osupgrade.event.RolloutPaused;
import dev.osupgrade.event.RolloutResumed;
import dev.osupgrade.event.RolloutStallCleared;
import dev.osupgrade.event.RolloutStalled;
import dev.osupgrade.event.RolloutStarted;
import dev.osupgrade.event.SurgeInstancesCreated;
import dev.osupgrade.fleet.InstanceIds;
import dev.osupgrade.fleet.Zone;
import dev.osupgrade.governance.rings.Ring;
import dev.osupgrade.event.RingEvent;
import dev.osupgrade.health.GatePhase;
import dev.osupgrade.health.GateVerdict;
import dev.osupgrade.ops.RolloutStatus;
import dev.osupgrade.plan.Batch;
import dev.osupgrade.plan.RolloutPlan;
import dev.osupgrade.plan.SkippedInstance;
import dev.osupgrade.report.InstanceTrack.State;
import dev.osupgrade.report.InstanceTrack.Step;
import dev.osupgrade.report.Timeline.Rings;
import dev.osupgrade.report.Timeline.Section;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.ToDoubleFunction;
import org.jspecify.annotations.Nullable;

/** Renders a {@link Timeline} as one HTML document: inline CSS, SVG and script, nothing fetched. */
final class TimelinePage {
  private static final int WIDTH = 1180;
  private static final int LABEL = 170;
  private static final int RIGHT = 24;
  private static final int PLOT = WIDTH - LABEL - RIGHT;
  private static final int AXIS = 26;
  private static final int ROW = 16;
  private static final int GROUP = 17;
  private static final int CAPACITY = 54;
  private static final Duration[] TICKS = {Duration.ofSeconds(30), Duration.ofMinutes(1), Duration.ofMinutes(2),
      Duration.ofMinutes(5), Duration.ofMinutes(10), Duration.ofMinutes(15), Duration.ofMinutes(30),
      Duration.ofHours(1), Duration.ofHours(2), Duration.ofHours(3), Duration.ofHours(6), Duration.ofHours(12),
      Duration.ofDays(1), Duration.ofDays(2), Duration.ofDays(7), Duration.ofDays(14), Duration.ofDays(30)};

  private final String title;
  private final List<Section> sections;
  private final @Nullable Rings rings;
  private final @Nullable InstanceObservations observations;
  private final @Nullable Comparison comparison;
  private final StringBuilder out = new StringBuilder(64 * 1024);

  TimelinePage(String title, List<Section> sections, @Nullable Rings rings,
      @Nullable InstanceObservations observations, @Nullable Comparison comparison) {
    this.title = title;
    this.sections = sections;
    this.rings = rings;
    this.observations = observations;
    this.comparison = comparison;
  }

  String render() {
    out.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
        .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
        .append("<title>").append(esc("osupgrade timeline: " + title)).append("</title>\n<style>\n").append(CSS)
        .append("</style>\n</head>\n<body>\n");
    defs();
    out.append("<header class=\"page\"><h1>").append(rings == null ? "Rollout timeline" : "Ring rollout timeline")
        .append("</h1>\n<p class=\"sub\">")
        .append(esc(subtitle())).append("</p></header>\n");
    List<Window> windows = new ArrayList<>();
    for (Section s : sections) {
      windows.add(Window.of(s));
    }
    if (rings != null) {
      ringStrip(rings, windows);
    }
    for (int k = 0; k < sections.size(); k++) {
      section(sections.get(k), windows.get(k), k + 1);
    }
    if (sections.isEmpty() && rings == null) {
      out.append("<p>No rollout to show.</p>\n");
    }
    if (comparison != null && sections.size() != 1) {
      whatIf(comparison);
    }
    legend();
    out.append("<script>\n").append(SCRIPT).append("</script>\n</body>\n</html>\n");
    return out.toString();
  }

  private String subtitle() {
    String source = observations == null
        ? "drawn from the rollout's events alone (each instance as the rollout's looks saw it)"
        : "drawn from the rollout's events and the fleet's own record of every instance";
    return (rings == null ? "" : "ring rollout, " + rings.mode().name().toLowerCase(Locale.ROOT).replace('_', ' ')
        + " mode; ") + source + "; times in UTC, fleet time";
  }

  // ---- rings ----------------------------------------------------------------------------------------------------

  private void ringStrip(Rings r, List<Window> windows) {
    Instant from = r.events().isEmpty() ? null : r.events().get(0).at();
    Instant to = r.events().isEmpty() ? null : r.events().get(r.events().size() - 1).at();
    for (Window w : windows) {
      from = from == null || w.from.isBefore(from) ? w.from : from;
      to = to == null || w.to.isAfter(to) ? w.to : to;
    }
    out.append("<section class=\"rings\" id=\"rings\">\n<h2>Rings \u2192 ").append(esc(r.target().toString()))
        .append(" <span class=\"status status-").append(r.status().name().toLowerCase(Locale.ROOT)).append("\">")
        .append(esc(r.status().name())).append("</span></h2>\n");
    if (r.failure() != null) {
      out.append("<p class=\"stop-reason\"><b>Stopped: ").append(esc(r.failure().code())).append("</b> ")
          .append(esc(r.failure().message())).append("</p>\n");
    }
    out.append("<p class=\"facts\">").append(r.promoted()).append(" of ").append(r.rings().size())
        .append(" rings promoted; ").append(r.events().size()).append(" ring events</p>\n");
    if (from == null) {
      out.append("</section>\n");
      return;
    }
    Axis axis = Axis.of(from, to);
    Map<String, List<Integer>> sectionsByRing = new LinkedHashMap<>();
    for (int k = 0; k < sections.size(); k++) {
      String ring = sections.get(k).ring();
      sectionsByRing.computeIfAbsent(ring == null ? "" : ring, x -> new ArrayList<>()).add(k);
    }
    int rows = 0;
    for (Ring ring : r.rings()) {
      rows += 1 + sectionsByRing.getOrDefault(ring.name(), List.of()).size();
    }
    int height = AXIS + rows * (ROW + 2) + 12;
    svgOpen("ring-strip", height, "ring rollout over time");
    axis.draw(out, height);
    int y = AXIS;
    for (Ring ring : r.rings()) {
      ringRow(r, ring, axis, y);
      y += ROW + 2;
      for (int k : sectionsByRing.getOrDefault(ring.name(), List.of())) {
        Section s = sections.get(k);
        Window w = windows.get(k);
        out.append("<a href=\"#rollout-").append(k + 1).append("\"><text class=\"lane-label\" x=\"")
            .append(LABEL - 8).append("\" y=\"").append(y + ROW - 4).append("\" text-anchor=\"end\">")
            .append(esc(s.scaleSet().name() + (s.rollback() ? " (rollback)" : ""))).append("</text>");
        out.append("<rect class=\"ring-rollout st-").append(outcomeClass(s)).append("\" x=\"")
            .append(num(axis.x(w.from))).append("\" y=\"").append(y + 3).append("\" width=\"")
            .append(num(Math.max(2, axis.x(w.to) - axis.x(w.from)))).append("\" height=\"").append(ROW - 6)
            .append("\"><title>").append(esc(s.scaleSet() + (s.rollback() ? " rollback" : " rollout") + " to "
                + s.target() + ": " + s.status().azureName() + " (" + Html.full(w.from) + " \u2013 "
                + Html.full(w.to) + ")")).append("</title></rect></a>\n");
        y += ROW + 2;
      }
    }
    out.append("</svg>\n</section>\n");
  }

  private void ringRow(Rings r, Ring ring, Axis axis, int y) {
    out.append("<g class=\"ring\" data-ring=\"").append(esc(ring.name())).append("\">");
    out.append("<text class=\"ring-label\" x=\"").append(LABEL - 8).append("\" y=\"").append(y + ROW - 4)
        .append("\" text-anchor=\"end\">").append(esc("ring " + ring.name())).append("</text>");
    Instant started = null;
    Instant soak = null;
    Instant end = axis.to;
    String endKind = "running";
    for (RingEvent e : r.events()) {
      if (!e.ring().equals(ring.name())) {
        continue;
      }
      switch (e.kind()) {
        case RING_STARTED -> started = started == null ? e.at() : started;
        case SOAK_STARTED -> soak = soak == null ? e.at() : soak;
        case RING_PROMOTED -> {
          end = e.at();
          endKind = "promoted";
        }
        case RING_FAILED, RING_REFUSED -> {
          end = e.at();
          endKind = "failed";
        }
        default -> { }
      }
    }
    if (started != null) {
      band("ring-band ring-" + endKind, axis.x(started), axis.x(end), y + 2, ROW - 4,
          "ring " + ring.name() + " " + endKind + " (" + Html.full(started) + " \u2013 " + Html.full(end) + ")");
    }
    if (soak != null) {
      band("soak", axis.x(soak), axis.x(end), y + 2, ROW - 4, "ring " + ring.name() + " soaking from "
          + Html.full(soak) + " (soak " + Durations.format(ring.soak()) + ")");
    }
    for (RingEvent e : r.events()) {
      if (!e.ring().equals(ring.name())) {
        continue;
      }
      double x = axis.x(e.at());
      out.append("<circle class=\"ring-event ring-").append(e.kind().name().toLowerCase(Locale.ROOT).replace('_', '-'))
          .append("\" cx=\"").append(num(x)).append("\" cy=\"").append(y + ROW / 2).append("\" r=\"")
          .append(e.kind() == RingEvent.Kind.RING_WAITING ? 2.5 : 4).append("\"><title>").append(esc(e.toString()))
          .append("</title></circle>");
    }
    out.append("</g>\n");
  }

  private static String outcomeClass(Section s) {
    return switch (s.status()) {
      case COMPLETED -> "healthy";
      case FAULTED -> "unhealthy";
      case CANCELLED -> "rolled_back";
      default -> "upgrading";
    };
  }

  // ---- one rollout ------------------------------------------------------------------------------------------

  private void section(Section s, Window w, int index) {
    List<InstanceTrack> tracks = tracks(s, w);
    out.append("<section class=\"rollout\" id=\"rollout-").append(index).append("\" data-scale-set=\"")
        .append(esc(s.scaleSet().toString())).append("\">\n<h2>")
        .append(esc((s.ring() == null ? "" : "[" + s.ring() + "] ") + s.scaleSet() + (s.rollback() ? " rollback" : "")
            + " \u2192 " + s.target()))
        .append(" <span class=\"status status-").append(s.status().name().toLowerCase(Locale.ROOT)).append("\">")
        .append(esc(s.status().azureName())).append("</span></h2>\n");
    ending(s);
    summary(s, w, tracks);
    if (comparison != null && sections.size() == 1) {
      whatIf(comparison); // one rollout: its what-if right under its summary
    }
    lanes(s, w, tracks);
    out.append("<details class=\"log\"><summary>Event log: ").append(s.events().size())
        .append(" events</summary>\n<pre>");
    s.events().forEach(e -> out.append(esc(e.toString())).append('\n'));
    out.append("</pre></details>\n</section>\n");
  }

  private void ending(Section s) {
    for (RolloutEvent e : s.events()) {
      if (e instanceof RolloutFaulted f) {
        out.append("<p class=\"stop-reason\"><b>Stopped: ").append(esc(f.error().code())).append("</b> ")
            .append(esc(f.error().message()));
        if (f.rollback().successfullyRolledBack() + f.rollback().failedToRollBack() > 0) {
          out.append(" <span class=\"note\">(rolled back ").append(f.rollback().successfullyRolledBack())
              .append(", failed to roll back ").append(f.rollback().failedToRollBack()).append(")</span>");
        }
        out.append("</p>\n");
      } else if (e instanceof RolloutCancelled c) {
        out.append("<p class=\"stop-reason cancelled\"><b>Cancelled</b> by the caller after ").append(c.batchesDone())
            .append(" batches</p>\n");
      } else if (e instanceof RolloutCompleted c) {
        out.append("<p class=\"verified\"><b>Completed</b> in ").append(esc(Durations.format(c.took())))
            .append("; verified: ").append(esc(c.verification().toString())).append("</p>\n");
      }
    }
    if (!s.status().isTerminal() && s.error() == null) {
      out.append("<p class=\"facts\">Still running when the page was made: ").append(esc(s.progress().toString()))
          .append("</p>\n");
    }
  }

  private List<InstanceTrack> tracks(Section s, Window w) {
    List<InstanceTrack> raw;
    if (observations != null) {
      raw = observations.tracks(s.scaleSet(), s.target(), w.from, w.to);
    } else {
      raw = EventTracks.of(s.events(), known(s.plan()), id -> placement(s.plan(), id));
    }
    Map<String, String> replaces = new HashMap<>();
    Set<String> replaced = new HashSet<>();
    for (RolloutEvent e : s.events()) {
      if (e instanceof SurgeInstancesCreated c) {
        for (int k = 0; k < c.created().size() && k < c.replacing().size(); k++) {
          replaces.put(c.created().get(k), c.replacing().get(k));
        }
      } else if (e instanceof InstanceReplaced r) {
        replaced.add(r.replaced());
      }
    }
    List<InstanceTrack> out = new ArrayList<>();
    for (InstanceTrack t : raw) {
      List<Step> steps = t.steps();
      if (replaced.contains(t.instanceId())) {
        steps = steps.stream().map(st -> st.state() == State.REMOVED ? new Step(st.at(), State.REPLACED, st.health())
            : st).toList();
      }
      String rep = t.replaces() != null ? t.replaces() : replaces.get(t.instanceId());
      out.add(new InstanceTrack(t.instanceId(), t.zone(), t.updateDomain(), t.faultDomain(), rep, steps));
    }
    return out;
  }

  private static List<String> known(@Nullable RolloutPlan plan) {
    List<String> ids = new ArrayList<>();
    if (plan != null) {
      plan.batches().forEach(b -> ids.addAll(b.instanceIds()));
      plan.skipped().stream().map(SkippedInstance::instanceId).forEach(ids::add);
    }
    return ids;
  }

  private static Optional<EventTracks.Placement> placement(@Nullable RolloutPlan plan, String id) {
    if (plan == null) {
      return Optional.empty();
    }
    for (Batch b : plan.batches()) {
      if (b.instanceIds().contains(id)) {
        return Optional.of(new EventTracks.Placement(b.zone(),
            b.updateDomains().size() == 1 ? b.updateDomains().get(0) : InstanceTrack.UNKNOWN_UPDATE_DOMAIN,
            b.faultDomains().size() == 1 ? b.faultDomains().get(0) : InstanceTrack.UNKNOWN_UPDATE_DOMAIN));
      }
    }
    return Optional.empty();
  }

  private void summary(Section s, Window w, List<InstanceTrack> tracks) {
    RolloutStarted started = first(s.events(), RolloutStarted.class);
    int batches = 0;
    int rolledBack = 0;
    for (RolloutEvent e : s.events()) {
      if (e instanceof BatchStarted b) {
        batches = Math.max(batches, b.batch());
      } else if (e instanceof InstanceRolledBack r && r.succeeded()) {
        rolledBack++;
      }
    }
    Capacity cap = Capacity.of(tracks, w.from, w.to);
    long exposed = tracks.stream().filter(InstanceTrack::ranTarget).count();
    RolloutPlan plan = s.plan();
    out.append("<table class=\"summary\">\n<tr><th></th><th>plan</th><th>actual</th></tr>\n");
    String planned = plan == null ? (started == null ? "\u2013" : String.valueOf(started.plannedBatches()))
        : plan.batches().size() + " (up to " + plan.batchSize() + " instances each)";
    String actual = batches + " started" + (s.status() == RolloutStatus.COMPLETED ? ""
        : s.status().isTerminal() ? ", stopped at batch " + batches : " so far");
    row("batches", planned, actual);
    row("makespan", plan == null ? "\u2013" : "~" + Durations.format(plan.estimate().fleetTime()) + " (estimate)",
        Durations.format(Duration.between(w.from, w.to)) + " (" + Html.full(w.from) + " \u2013 " + Html.time(w.to)
            + ")");
    row("lowest healthy capacity", plan == null ? "\u2013" : plan.estimate().lowestHealthyInstances() + "/"
        + plan.estimate().totalInstances() + String.format(Locale.ROOT, " (%.0f%%)",
            plan.estimate().lowestHealthyPercent()),
        cap.lowest() + "/" + cap.instances() + String.format(Locale.ROOT, " (%.0f%%)", cap.instances() == 0 ? 100.0
            : 100.0 * cap.lowest() / cap.instances()) + " at " + Html.time(cap.lowestAt())
            + (observations == null ? " (from the events)" : " (observed)"));
    row("instances", plan == null ? "\u2013" : plan.instancesToUpgrade() + " to upgrade, " + plan.skipped().size()
        + " skipped", s.progress().successful() + " succeeded, " + s.progress().failed() + " failed ("
        + rolledBack + " rolled back), " + s.progress().inProgress() + " in progress, " + s.progress().pending()
        + " pending");
    row("exposed to the target", "", exposed + " instance(s) ran " + s.target());
    if (started != null) {
      row("policy", started.policy().toString(), "");
    }
    out.append("</table>\n");
  }

  private void row(String name, String plan, String actual) {
    out.append("<tr><th>").append(esc(name)).append("</th><td>").append(esc(plan)).append("</td><td>")
        .append(esc(actual)).append("</td></tr>\n");
  }

  private void lanes(Section s, Window w, List<InstanceTrack> tracks) {
    Axis axis = Axis.of(w.from, w.to);
    RolloutPlan plan = s.plan();
    boolean flexible = plan != null && plan.batches().stream().anyMatch(b -> !b.faultDomains().isEmpty());
    Map<String, List<InstanceTrack>> groups = groups(tracks, flexible);
    int lane = tracks.size() <= 80 ? 14 : tracks.size() <= 300 ? 8 : 4;
    int top = AXIS + 2 * ROW + 4;
    int lanesHeight = groups.size() * GROUP + tracks.size() * lane;
    int height = top + lanesHeight + 8 + CAPACITY;
    svgOpen("lanes", height, "instances of " + s.scaleSet() + " over time");
    axis.draw(out, top + lanesHeight);
    backgroundBands(s, w, axis, top, lanesHeight);
    out.append("<text class=\"row-label\" x=\"").append(LABEL - 8).append("\" y=\"").append(AXIS + ROW - 4)
        .append("\" text-anchor=\"end\">batches</text>");
    out.append("<text class=\"row-label\" x=\"").append(LABEL - 8).append("\" y=\"").append(AXIS + 2 * ROW - 4)
        .append("\" text-anchor=\"end\">gates</text>\n");
    gates(s, axis, AXIS + ROW);
    Map<String, Integer> laneY = new HashMap<>();
    int y = top;
    for (Map.Entry<String, List<InstanceTrack>> g : groups.entrySet()) {
      out.append("<g class=\"group\"><text class=\"group-label\" x=\"4\" y=\"").append(y + GROUP - 5).append("\">")
          .append(esc(g.getKey() + " (" + g.getValue().size() + ")")).append("</text><line class=\"group-line\" x1=\"")
          .append(LABEL).append("\" x2=\"").append(WIDTH - RIGHT).append("\" y1=\"").append(y + GROUP - 2)
          .append("\" y2=\"").append(y + GROUP - 2).append("\"/></g>\n");
      y += GROUP;
      for (InstanceTrack t : g.getValue()) {
        laneY.put(t.instanceId(), y);
        lane(t, axis, y, lane, w, flexible);
        y += lane;
      }
    }
    overlays(s, axis, top, lanesHeight, laneY, lane);
    capacity(tracks, w, axis, top + lanesHeight + 8);
    out.append("</svg>\n");
  }

  private static Map<String, List<InstanceTrack>> groups(List<InstanceTrack> tracks, boolean flexible) {
    Map<String, InstanceTrack> byId = new HashMap<>();
    tracks.forEach(t -> byId.put(t.instanceId(), t));
    Comparator<InstanceTrack> order = Comparator
        .comparing((InstanceTrack t) -> home(t, byId).zone())
        .thenComparingInt(t -> domain(home(t, byId), flexible))
        .thenComparing(t -> home(t, byId).instanceId(), InstanceIds.ORDER)
        .thenComparing(t -> t.isSurge() ? 1 : 0)
        .thenComparing(InstanceTrack::instanceId, InstanceIds.ORDER);
    Map<String, List<InstanceTrack>> groups = new LinkedHashMap<>();
    tracks.stream().sorted(order).forEach(t -> {
      InstanceTrack h = home(t, byId);
      String key = (h.zone().isRegional() ? "regional" : "zone " + h.zone().name()) + " \u00b7 " + domainLabel(h, flexible);
      groups.computeIfAbsent(key, k -> new ArrayList<>()).add(t);
    });
    return groups;
  }

  /**
   * The domain a lane is grouped by: the fault domain on a Flexible scale set (its batches follow fault domains; its
   * instances have no update domains), else the update domain.
   */
  private static int domain(InstanceTrack t, boolean flexible) {
    return flexible ? t.faultDomain() : t.updateDomain();
  }

  private static String domainLabel(InstanceTrack t, boolean flexible) {
    int d = domain(t, flexible);
    return (flexible ? "FD " : "UD ") + (d == InstanceTrack.UNKNOWN_UPDATE_DOMAIN ? "?" : String.valueOf(d));
  }

  /** A surge instance is drawn beside the instance it replaces. */
  private static InstanceTrack home(InstanceTrack t, Map<String, InstanceTrack> byId) {
    InstanceTrack h = t.replaces() == null ? null : byId.get(t.replaces());
    return h == null ? t : h;
  }

  private void lane(InstanceTrack t, Axis axis, int y, int height, Window w, boolean flexible) {
    String where = (t.zone().isRegional() ? "regional" : "zone " + t.zone().name()) + ", " + domainLabel(t, flexible);
    out.append("<g class=\"lane").append(t.isSurge() ? " surge" : "").append("\" data-instance=\"")
        .append(esc(t.instanceId())).append("\">");
    if (height >= 8) {
      out.append("<text class=\"lane-label\" x=\"").append(LABEL - 8).append("\" y=\"").append(y + height - 3)
          .append("\" text-anchor=\"end\">").append(esc(t.replaces() == null ? t.instanceId()
              : t.instanceId() + " \u21e2 " + t.replaces())).append("</text>");
    }
    List<Step> steps = t.steps();
    for (int k = 0; k < steps.size(); k++) {
      Step st = steps.get(k);
      Instant from = st.at().isBefore(w.from) ? w.from : st.at();
      Instant to = k + 1 < steps.size() ? steps.get(k + 1).at() : w.to;
      if (to.isAfter(w.to)) {
        to = w.to;
      }
      if (!to.isAfter(from) && !(k + 1 == steps.size() && from.equals(w.to))) {
        continue;
      }
      double x0 = axis.x(from);
      double x1 = Math.max(axis.x(to), x0 + 1);
      String cls = "st st-" + st.state().name().toLowerCase(Locale.ROOT)
          + (st.health() != null && st.health().countsAsUnhealthy() && !st.state().onTarget() ? " bad" : "");
      out.append("<rect class=\"").append(cls).append("\" x=\"").append(num(x0)).append("\" y=\"").append(y + 1)
          .append("\" width=\"").append(num(x1 - x0)).append("\" height=\"").append(Math.max(1, height - 2))
          .append("\"><title>").append(esc("instance " + t.instanceId() + " (" + where
              + (t.replaces() == null ? "" : ", surge instance replacing " + t.replaces()) + "): "
              + stateText(st) + " " + Html.time(from) + " \u2013 " + Html.time(to) + " ("
              + Durations.format(Duration.between(from, to)) + ")")).append("</title></rect>");
    }
    out.append("</g>\n");
  }

  private static String stateText(Step st) {
    String s = st.state().name().toLowerCase(Locale.ROOT).replace('_', ' ');
    return st.health() == null || st.health().name().equals(st.state().name()) ? s
        : s + ", health " + st.health().name().toLowerCase(Locale.ROOT);
  }

  private void backgroundBands(Section s, Window w, Axis axis, int top, int height) {
    Map<Integer, Instant> starts = new TreeMap<>();
    Map<Integer, BatchStarted> started = new HashMap<>();
    Map<Integer, BatchCompleted> completed = new HashMap<>();
    Instant lastCompleted = null;
    Duration pause = Optional.ofNullable(first(s.events(), RolloutStarted.class))
        .map(r -> r.policy().pauseTimeBetweenBatches()).orElse(Duration.ZERO);
    for (RolloutEvent e : s.events()) {
      if (e instanceof BatchStarted b) {
        starts.putIfAbsent(b.batch(), b.at());
        started.putIfAbsent(b.batch(), b);
        if (lastCompleted != null && !pause.isZero()) {
          Instant pauseEnd = lastCompleted.plus(pause).isBefore(b.at()) ? lastCompleted.plus(pause) : b.at();
          band("pause", axis.x(lastCompleted), axis.x(pauseEnd), AXIS, ROW + height + 2 * ROW,
              "pause between batches (pauseTimeBetweenBatches " + Durations.format(pause) + ")");
        }
        lastCompleted = null;
      } else if (e instanceof BatchCompleted c) {
        completed.put(c.batch(), c);
        lastCompleted = c.at();
      }
    }
    int k = 0;
    for (Map.Entry<Integer, Instant> b : starts.entrySet()) {
      BatchStarted bs = started.get(b.getKey());
      BatchCompleted bc = completed.get(b.getKey());
      Instant end = bc != null ? bc.at() : w.to;
      double x0 = axis.x(b.getValue());
      double x1 = Math.max(axis.x(end), x0 + 2);
      String tip = "batch " + bs.batch() + "/" + bs.totalBatches() + " in " + bs.zone() + ": "
          + InstanceIds.format(bs.instanceIds()) + "; started " + Html.time(bs.at())
          + (bc == null ? ", not completed" : ", completed " + Html.time(bc.at()) + ": " + bc.succeeded()
              + " healthy, " + bc.failed() + " failed");
      out.append("<g class=\"batch\" data-batch=\"").append(bs.batch()).append("\"><rect class=\"batch-band")
          .append(k++ % 2 == 0 ? "" : " odd").append("\" x=\"").append(num(x0)).append("\" y=\"").append(AXIS)
          .append("\" width=\"").append(num(x1 - x0)).append("\" height=\"").append(2 * ROW + 4 + height)
          .append("\"/><rect class=\"batch-tab\" x=\"").append(num(x0)).append("\" y=\"").append(AXIS + 1)
          .append("\" width=\"").append(num(x1 - x0)).append("\" height=\"").append(ROW - 2).append("\"><title>")
          .append(esc(tip)).append("</title></rect>");
      if (x1 - x0 >= 14) {
        out.append("<text class=\"batch-label\" x=\"").append(num((x0 + x1) / 2)).append("\" y=\"")
            .append(AXIS + ROW - 4).append("\" text-anchor=\"middle\">B").append(bs.batch()).append("</text>");
      }
      out.append("</g>\n");
    }
  }

  private void gates(Section s, Axis axis, int y) {
    for (RolloutEvent e : s.events()) {
      if (!(e instanceof GateEvaluated g)) {
        continue;
      }
      GateVerdict v = g.verdict();
      String kind = v instanceof GateVerdict.Pass ? "pass" : v instanceof GateVerdict.Wait ? "wait" : "fail";
      double x = axis.x(g.at());
      int cy = y + ROW / 2 + (g.phase() == GatePhase.BEFORE_BATCH ? -3 : 3);
      int r = kind.equals("fail") ? 6 : 4;
      out.append("<g class=\"gate gate-").append(kind).append("\" data-gate=\"").append(esc(v.gate()))
          .append("\"><path d=\"M").append(num(x)).append(' ').append(cy - r).append(" L").append(num(x + r))
          .append(' ').append(cy).append(" L").append(num(x)).append(' ').append(cy + r).append(" L")
          .append(num(x - r)).append(' ').append(cy).append(" Z\"/><title>").append(esc(gateText(g)))
          .append("</title></g>\n");
    }
  }

  static String gateText(GateEvaluated g) {
    GateVerdict v = g.verdict();
    String outcome = v instanceof GateVerdict.Pass ? "PASS"
        : v instanceof GateVerdict.Wait w ? "WAIT until " + Html.full(w.until())
        : "FAIL " + ((GateVerdict.Fail) v).code();
    return "gate " + v.gate() + (g.phase() == GatePhase.BEFORE_BATCH ? " before" : " after") + " batch " + g.batch()
        + " at " + Html.time(g.at()) + ": " + outcome + " \u2013 " + v.reason() + " " + v.measurements();
  }

  private void overlays(Section s, Axis axis, int top, int height, Map<String, Integer> laneY, int lane) {
    Instant pausedAt = null;
    RolloutStalled stalled = null;
    for (RolloutEvent e : s.events()) {
      if (e instanceof RolloutPaused p) {
        pausedAt = p.at();
      } else if (e instanceof RolloutResumed r && pausedAt != null) {
        band("paused", axis.x(pausedAt), axis.x(r.at()), top, height, "paused by the caller "
            + Html.time(pausedAt) + " \u2013 " + Html.time(r.at()));
        pausedAt = null;
      } else if (e instanceof RolloutStalled st) {
        stalled = stalled == null ? st : stalled;
      } else if (e instanceof RolloutStallCleared c && stalled != null) {
        band("stall", axis.x(stalled.at()), axis.x(c.at()), top, height, e + "\n" + stalled);
        stalled = null;
      } else if (e instanceof InstanceFailed f) {
        Integer y = laneY.get(f.instanceId());
        if (y != null) {
          double x = axis.x(f.at());
          int h = Math.max(lane - 2, 3);
          out.append("<path class=\"fail-mark\" d=\"M").append(num(x - 3)).append(' ').append(y + 1).append(" L")
              .append(num(x + 3)).append(' ').append(y + 1 + h).append(" M").append(num(x + 3)).append(' ')
              .append(y + 1).append(" L").append(num(x - 3)).append(' ').append(y + 1 + h).append("\"><title>")
              .append(esc(f.toString())).append("</title></path>\n");
        }
      }
    }
    if (pausedAt != null) {
      band("paused", axis.x(pausedAt), axis.x(axis.to), top, height, "paused by the caller since "
          + Html.time(pausedAt));
    }
    if (stalled != null) {
      band("stall", axis.x(stalled.at()), axis.x(axis.to), top, height, stalled.toString());
    }
    for (RolloutEvent e : s.events()) {
      String kind = e instanceof RolloutFaulted ? "faulted" : e instanceof RolloutCompleted ? "completed"
          : e instanceof RolloutCancelled ? "cancelled" : null;
      if (kind != null) {
        double x = axis.x(e.at());
        String label = e instanceof RolloutFaulted f ? "FAULTED " + f.error().code() : kind.toUpperCase(Locale.ROOT);
        out.append("<g class=\"end end-").append(kind).append("\"><line x1=\"").append(num(x)).append("\" x2=\"")
            .append(num(x)).append("\" y1=\"").append(AXIS).append("\" y2=\"").append(top + height)
            .append("\"/><text class=\"end-label\" x=\"").append(num(x - 4)).append("\" y=\"").append(top + 12)
            .append("\" text-anchor=\"end\">").append(esc(label)).append("</text><title>").append(esc(e.toString()))
            .append("</title></g>\n");
      }
    }
  }

  private void capacity(List<InstanceTrack> tracks, Window w, Axis axis, int y) {
    Capacity cap = Capacity.of(tracks, w.from, w.to);
    List<Map.Entry<Instant, Integer>> curve = Capacity.curve(tracks, w.from, w.to);
    int max = Math.max(1, Math.max(cap.instances(), curve.stream().mapToInt(Map.Entry::getValue).max().orElse(1)));
    int h = CAPACITY - 14;
    ToDoubleFunction<Integer> yOf = v -> y + 4 + h - (double) h * v / max;
    StringBuilder d = new StringBuilder();
    double prevY = yOf.applyAsDouble(curve.get(0).getValue());
    d.append('M').append(num(axis.x(w.from))).append(' ').append(num(prevY));
    for (int k = 1; k < curve.size(); k++) {
      double x = axis.x(curve.get(k).getKey());
      double ny = yOf.applyAsDouble(curve.get(k).getValue());
      d.append(" L").append(num(x)).append(' ').append(num(prevY)).append(" L").append(num(x)).append(' ')
          .append(num(ny));
      prevY = ny;
    }
    d.append(" L").append(num(axis.x(w.to))).append(' ').append(num(prevY));
    out.append("<g class=\"capacity\"><text class=\"row-label\" x=\"").append(LABEL - 8).append("\" y=\"")
        .append(y + 14).append("\" text-anchor=\"end\">in service</text><text class=\"row-label\" x=\"")
        .append(LABEL - 8).append("\" y=\"").append(y + 28).append("\" text-anchor=\"end\">")
        .append(max).append(" max</text><line class=\"capacity-base\" x1=\"").append(LABEL).append("\" x2=\"")
        .append(WIDTH - RIGHT).append("\" y1=\"").append(num(yOf.applyAsDouble(0))).append("\" y2=\"")
        .append(num(yOf.applyAsDouble(0))).append("\"/><path class=\"capacity-line\" d=\"").append(d)
        .append("\"><title>").append(esc("instances in service over time; lowest " + cap.lowest() + " of "
            + cap.instances() + " at " + Html.time(cap.lowestAt()))).append("</title></path>");
    double lx = axis.x(cap.lowestAt());
    double ly = yOf.applyAsDouble(cap.lowest());
    out.append("<circle class=\"capacity-low\" cx=\"").append(num(lx)).append("\" cy=\"").append(num(ly))
        .append("\" r=\"3\"/><text class=\"capacity-text\" x=\"").append(num(Math.min(lx + 6, WIDTH - RIGHT - 150)))
        .append("\" y=\"").append(num(Math.max(ly - 4, y + 10))).append("\">").append(esc("lowest " + cap.lowest()
            + "/" + cap.instances() + " at " + Html.time(cap.lowestAt()))).append("</text></g>\n");
  }

  // ---- what-if ------------------------------------------------------------------------------------------------

  private void whatIf(Comparison c) {
    long maxExposed = Math.max(1, c.rows().stream().mapToLong(Comparison.Row::exposed).max().orElse(1));
    long maxSpan = Math.max(1, c.rows().stream().mapToLong(r -> r.makespan().getSeconds()).max().orElse(1));
    out.append("<div class=\"what-if\" id=\"what-if\">\n<h3>What if</h3>\n<p class=\"facts\">")
        .append(esc(c.title())).append("</p>\n<table class=\"comparison\">\n<tr><th>run</th><th>policy</th>")
        .append("<th>outcome</th><th>stopped at</th><th>exposed to the target</th><th>makespan</th>")
        .append("<th>lowest healthy</th></tr>\n");
    for (Comparison.Row r : c.rows()) {
      out.append("<tr class=\"run run-").append(r.status().name().toLowerCase(Locale.ROOT)).append("\"><td>")
          .append(esc(r.label())).append("</td><td>").append(esc(r.policySummary())).append("</td><td><b>")
          .append(esc(r.status().azureName())).append("</b>");
      if (r.code() != null) {
        out.append("<br><span class=\"code\">").append(esc(r.code())).append("</span>");
      }
      out.append("</td><td class=\"num\">").append(esc(r.stoppedAt())).append("</td><td class=\"num\">")
          .append(bar(r.exposed(), maxExposed, "exposed")).append(esc(r.exposedText())).append("</td><td class=\"num\">")
          .append(bar(r.makespan().getSeconds(), maxSpan, "span")).append(esc(Durations.format(r.makespan())))
          .append("</td><td class=\"num\">").append(esc(r.lowestHealthyText())).append("</td></tr>\n");
    }
    out.append("</table>\n</div>\n");
  }

  private static String bar(long value, long max, String cls) {
    return "<svg class=\"bar\" width=\"48\" height=\"10\"><rect class=\"bar-" + cls + "\" x=\"0\" y=\"1\" width=\""
        + num(Math.max(1, 46.0 * value / max)) + "\" height=\"8\"/></svg> ";
  }

  // ---- bits ---------------------------------------------------------------------------------------------------

  private void legend() {
    out.append("<section class=\"legend\"><h2>Legend</h2><p>");
    for (State st : State.values()) {
      out.append("<span class=\"key\"><svg width=\"22\" height=\"12\"><rect class=\"swatch st st-")
          .append(st.name().toLowerCase(Locale.ROOT)).append("\" x=\"0\" y=\"1\" width=\"22\" height=\"10\"/></svg> ")
          .append(esc(st.name().toLowerCase(Locale.ROOT).replace('_', ' '))).append("</span>");
    }
    out.append("<span class=\"key\"><svg width=\"22\" height=\"12\"><rect class=\"swatch st st-pending bad\" x=\"0\" y=\"1\" ")
        .append("width=\"22\" height=\"10\"/></svg> not healthy before its upgrade</span>")
        .append("<span class=\"key\"><svg width=\"14\" height=\"12\"><path class=\"gate-pass\" d=\"M7 1 L12 6 L7 11 L2 6 Z\"/>")
        .append("</svg> gate passed</span><span class=\"key\"><svg width=\"14\" height=\"12\"><g class=\"gate-fail\">")
        .append("<path d=\"M7 0 L13 6 L7 12 L1 6 Z\"/></g></svg> gate failed</span>")
        .append("<span class=\"key\"><svg width=\"14\" height=\"12\"><path class=\"fail-mark\" d=\"M3 2 L11 10 M11 2 L3 10\"/>")
        .append("</svg> instance failed</span><span class=\"key\"><svg width=\"22\" height=\"12\"><rect class=\"stall\" ")
        .append("x=\"0\" y=\"0\" width=\"22\" height=\"12\"/></svg> stalled</span><span class=\"key\"><svg width=\"22\" ")
        .append("height=\"12\"><rect class=\"pause\" x=\"0\" y=\"0\" width=\"22\" height=\"12\"/></svg> pause</span>")
        .append("</p><p class=\"note\">Hover a lane, batch, gate or mark for its details; click to keep them below.")
        .append("</p></section>\n<div id=\"details\" class=\"details\" hidden></div>\n");
  }

  private void defs() {
    out.append("<svg width=\"0\" height=\"0\" style=\"position:absolute\" aria-hidden=\"true\"><defs>")
        .append("<pattern id=\"hatch-stall\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" ")
        .append("patternTransform=\"rotate(45)\"><rect width=\"3\" height=\"6\" fill=\"#f59e0b\" opacity=\"0.35\"/>")
        .append("</pattern><pattern id=\"hatch-pause\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" ")
        .append("patternTransform=\"rotate(-45)\"><rect width=\"2\" height=\"6\" fill=\"#64748b\" opacity=\"0.25\"/>")
        .append("</pattern></defs></svg>\n");
  }

  private void svgOpen(String cls, int height, String label) {
    out.append("<svg class=\"").append(cls).append("\" width=\"").append(WIDTH).append("\" height=\"").append(height)
        .append("\" viewBox=\"0 0 ").append(WIDTH).append(' ').append(height).append("\" role=\"img\" aria-label=\"")
        .append(esc(label)).append("\">\n");
  }

  private void band(String cls, double x0, double x1, int y, int height, String tip) {
    out.append("<rect class=\"").append(cls).append("\" x=\"").append(num(x0)).append("\" y=\"").append(y)
        .append("\" width=\"").append(num(Math.max(1, x1 - x0))).append("\" height=\"").append(height)
        .append("\"><title>").append(esc(tip)).append("</title></rect>\n");
  }

  private static <T> @Nullable T first(List<RolloutEvent> events, Class<T> type) {
    return events.stream().filter(type::isInstance).map(type::cast).findFirst().orElse(null);
  }

  /** The time span of one rollout: from its start to its end (or its last event). */
  record Window(Instant from, Instant to) {
    static Window of(Section s) {
      if (s.events().isEmpty()) {
        Instant never = Instant.EPOCH;
        return new Window(never, never.plusSeconds(60));
      }
      Instant from = s.events().get(0).at();
      Instant to = s.events().get(s.events().size() - 1).at();
      if (!to.isAfter(from)) {
        to = from.plusSeconds(60);
      }
      return new Window(from, to);
    }
  }

  /** Maps fleet time to x, and draws the ticks. */
  static final class Axis {
    final Instant from;
    final Instant to;
    private final double span;

    private Axis(Instant from, Instant to) {
      this.from = from;
      this.to = to.isAfter(from) ? to : from.plusSeconds(60);
      this.span = Duration.between(this.from, this.to).toMillis();
    }

    static Axis of(Instant from, Instant to) {
      return new Axis(from, to);
    }

    double x(Instant t) {
      double f = Duration.between(from, t).toMillis() / span;
      return LABEL + PLOT * Math.max(0, Math.min(1, f));
    }

    void draw(StringBuilder out, int bottom) {
      Duration step = TICKS[TICKS.length - 1];
      for (Duration d : TICKS) {
        if (span / d.toMillis() <= 12) {
          step = d;
          break;
        }
      }
      long stepMs = step.toMillis();
      long first = Math.floorDiv(from.toEpochMilli() + stepMs - 1, stepMs) * stepMs;
      out.append("<g class=\"axis\">");
      String lastDay = "";
      for (long t = first; t <= to.toEpochMilli(); t += stepMs) {
        Instant at = Instant.ofEpochMilli(t);
        double x = x(at);
        String day = Html.day(at);
        String label = step.compareTo(Duration.ofDays(1)) >= 0 ? day
            : (day.equals(lastDay) ? "" : day + " ") + (step.getSeconds() < 60 ? Html.time(at) : Html.minute(at));
        lastDay = day;
        out.append("<line class=\"tick\" x1=\"").append(num(x)).append("\" x2=\"").append(num(x)).append("\" y1=\"")
            .append(AXIS - 6).append("\" y2=\"").append(bottom).append("\"/><text class=\"tick-label\" x=\"")
            .append(num(x)).append("\" y=\"").append(AXIS - 9).append("\" text-anchor=\"middle\">").append(esc(label))
            .append("</text>");
      }
      out.append("</g>\n");
    }
  }

  private static final String CSS = """
      :root { --fg:#1f2933; --muted:#64748b; --line:#e2e8f0; }
      body { font: 13px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); margin: 20px;
        background: #fff; }
      h1 { font-size: 20px; margin: 0 0 2px; } h2 { font-size: 16px; margin: 18px 0 6px; }
      h3 { font-size: 14px; margin: 12px 0 2px; }
      .sub, .facts, .note { color: var(--muted); margin: 2px 0 8px; }
      section { margin-bottom: 26px; }
      .status { font-size: 12px; padding: 1px 8px; border-radius: 9px; background: #e2e8f0; vertical-align: middle; }
      .status-completed { background: #d1fae5; color: #065f46; } .status-faulted, .status-failed, .status-refused {
        background: #fee2e2; color: #991b1b; } .status-cancelled { background: #ede9fe; color: #5b21b6; }
      .stop-reason { background: #fef2f2; border-left: 4px solid #dc2626; padding: 6px 10px; max-width: 1140px; }
      .stop-reason.cancelled { background: #f5f3ff; border-color: #7c3aed; }
      .verified { background: #ecfdf5; border-left: 4px solid #059669; padding: 6px 10px; max-width: 1140px; }
      table { border-collapse: collapse; margin: 6px 0 10px; }
      th, td { text-align: left; padding: 3px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
      table.summary th:first-child { color: var(--muted); font-weight: 500; }
      svg text { font: 11px system-ui, sans-serif; fill: var(--fg); }
      .tick { stroke: var(--line); } .tick-label { fill: var(--muted); }
      .row-label, .group-label { fill: var(--muted); } .group-label { font-weight: 600; }
      .group-line { stroke: var(--line); }
      .lane-label { font-size: 10px; fill: #334155; }
      .st { stroke: none; } .lane:hover .st { stroke: #0f172a; stroke-width: 0.6; }
      .st-pending { fill: #cbd5e1; } .st-pending.bad, .st-rolled_back.bad { fill: #fca5a5; }
      .st-upgrading { fill: #3b82f6; } .st-initializing { fill: #fbbf24; } .st-healthy { fill: #22c55e; }
      .st-unhealthy { fill: #ef4444; } .st-rolling_back { fill: #f97316; } .st-rolled_back { fill: #a855f7; }
      .st-replaced { fill: #e2e8f0; stroke: #94a3b8; stroke-dasharray: 2 2; } .st-removed { fill: #f1f5f9; }
      .surge .lane-label { fill: #2563eb; font-style: italic; }
      .batch-band { fill: #f1f5f9; } .batch-band.odd { fill: #f8fafc; }
      .batch-tab { fill: #cbd5e1; } .batch-label { font-weight: 600; font-size: 10px; pointer-events: none; }
      .pause { fill: url(#hatch-pause); } .paused { fill: url(#hatch-pause); stroke: #64748b; stroke-dasharray: 3 2; }
      .stall { fill: url(#hatch-stall); stroke: #f59e0b; stroke-dasharray: 3 2; }
      .gate path, path.gate-pass { stroke: #fff; stroke-width: 0.8; }
      .gate-pass path, path.gate-pass { fill: #16a34a; } .gate-wait path { fill: #f59e0b; }
      .gate-fail path { fill: #dc2626; }
      .fail-mark { stroke: #7f1d1d; stroke-width: 1.6; fill: none; }
      .end line { stroke-width: 2; } .end-faulted line { stroke: #dc2626; } .end-completed line { stroke: #059669; }
      .end-cancelled line { stroke: #7c3aed; } .end-label { font-weight: 700; font-size: 11px; }
      .end-faulted .end-label { fill: #b91c1c; } .end-completed .end-label { fill: #047857; }
      .capacity-line { fill: none; stroke: #0ea5e9; stroke-width: 1.6; } .capacity-base { stroke: var(--line); }
      .capacity-low { fill: #dc2626; } .capacity-text { fill: #b91c1c; font-size: 10px; }
      .ring-label { font-weight: 600; } .ring-band { fill: #dbeafe; } .ring-promoted { fill: #d1fae5; }
      .ring-failed { fill: #fee2e2; } .soak { fill: url(#hatch-pause); }
      .ring-event { fill: #64748b; stroke: #fff; stroke-width: 0.8; } .ring-ring-failed, .ring-version-quarantined,
      .ring-ring-refused, .ring-stopped { fill: #dc2626; } .ring-ring-promoted, .ring-completed { fill: #16a34a; }
      .ring-ring-waiting, .ring-deferral-held { fill: #f59e0b; } .ring-rollback-started, .ring-rollback-ended {
        fill: #a855f7; } .ring-gate-evaluated { fill: #0ea5e9; }
      .ring-rollout { opacity: 0.9; }
      .bar { vertical-align: middle; } .bar-exposed { fill: #ef4444; } .bar-span { fill: #3b82f6; }
      table.comparison { max-width: 1160px; } .comparison td.num { white-space: nowrap; }
      .comparison .code { font-size: 10px; color: var(--muted); overflow-wrap: anywhere; }
      .comparison td:nth-child(1) { min-width: 150px; } .comparison td:nth-child(2) { min-width: 170px; }
      .comparison tr.run-completed td:nth-child(3) b { color: #047857; }
      .comparison tr.run-faulted td:nth-child(3) b { color: #b91c1c; }
      .comparison tr:first-child + tr td { background: #f8fafc; }
      .key { margin-right: 14px; white-space: nowrap; } .key svg { vertical-align: middle; }
      details.log pre { font: 11px/1.4 ui-monospace, monospace; white-space: pre-wrap; max-height: 360px; overflow: auto;
        background: #f8fafc; padding: 8px; }
      .tip { position: fixed; pointer-events: none; background: #0f172a; color: #f8fafc; padding: 5px 8px;
        border-radius: 4px; font-size: 12px; max-width: 560px; white-space: pre-wrap; z-index: 10; display: none; }
      .details { position: sticky; bottom: 0; background: #0f172a; color: #f8fafc; padding: 8px 12px;
        white-space: pre-wrap; font-size: 12px; }
      """;

  /**
   * Progressive enhancement: each SVG {@code <title>} (the browser's own tooltip without script) becomes a
   * {@code data-tip} shown at once in a small tooltip; a click keeps it in the details bar.
   */
  private static final String SCRIPT = """
      (function () {
        'use strict';
        var titles = document.querySelectorAll('svg title');
        for (var i = 0; i < titles.length; i++) {
          var t = titles[i], host = t.parentNode;
          host.setAttribute('data-tip', t.textContent);
          host.removeChild(t);
        }
        var tip = document.createElement('div');
        tip.className = 'tip';
        tip.id = 'tip';
        document.body.appendChild(tip);
        var details = document.getElementById('details');
        document.addEventListener('mousemove', function (e) {
          var el = e.target.closest ? e.target.closest('[data-tip]') : null;
          if (!el) { tip.style.display = 'none'; return; }
          tip.textContent = el.getAttribute('data-tip');
          tip.style.display = 'block';
          var x = Math.min(e.clientX + 14, window.innerWidth - tip.offsetWidth - 8);
          tip.style.left = Math.max(0, x) + 'px';
          tip.style.top = (e.clientY + 16) + 'px';
        });
        document.addEventListener('click', function (e) {
          var el = e.target.closest ? e.target.closest('[data-tip]') : null;
          if (!el || !details) { return; }
          details.textContent = el.getAttribute('data-tip');
          details.hidden = false;
        });
        document.documentElement.setAttribute('data-ready', String(titles.length));
      })();
      """;
}
