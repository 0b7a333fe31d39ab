package dev.osupgrade.estate;

import dev.osupgrade.OsUpgradeException;
import dev.osupgrade.Redaction;
import dev.osupgrade.Region;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.fleet.ScaleSetSummary;
import dev.osupgrade.governance.QuarantineEntry;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.image.ImageVersion;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * What the governor remembers between turns, and writes to its checkpoint: what it knows of each scale set, each
 * family's campaign and lanes, the quarantine, overdue deferrals, observed timings, the last rehearsals. Everything
 * else is read from the estate again. Mutable; owned by one governor at a time.
 */
final class GovernorState {
  static final String FORMAT = "osupgrade-governor-state 1";
  static final int MAX_OVERDUE = 50;
  static final int MAX_BATCHES = 64;

  long decisions;
  @Nullable Instant inventoryAt;
  /** Scale sets by lower-case ARM id. */
  final SortedMap<String, Known> known = new TreeMap<>();
  /** Families by name. */
  final SortedMap<String, Family> families = new TreeMap<>();
  /** Quarantined versions the governor has seen, by lower-case image text. */
  final SortedMap<String, QuarantineEntry> quarantine = new TreeMap<>();
  final Deque<String> overdue = new ArrayDeque<>();
  /** Observed batch durations, seconds, newest last. */
  final Deque<Long> batchSeconds = new ArrayDeque<>();
  /** The last rehearsal of each family and ring, by "family/ring". */
  final SortedMap<String, RehearsalResult> rehearsals = new TreeMap<>();
  String stall = "";
  /** What the operator asked of the governor as a whole (pause, cancel), durable so that a replica obeys it. */
  Hold hold = Hold.NONE;
  /** When the hold began, or null. */
  @Nullable Instant holdAt;
  /** A cancelled governor's last lane ended: it has ended. */
  boolean ended;

  /** A status a campaign or lane ends in. */
  enum Status { RUNNING, COMPLETED, FAILED, REFUSED, SUPERSEDED, CANCELLED }

  /** The operator's hold on the governor. */
  enum Hold {
    /** Governing: rings start and promote, catch-ups start. */
    NONE,
    /** Paused: nothing starts or promotes; rollouts in flight pause at their batch boundary. */
    PAUSED,
    /** Cancelled: nothing starts again; rollouts in flight cancel; the governor ends once they have. */
    CANCELLED
  }

  /** What a lane does. */
  enum LaneKind { RING, CATCH_UP }

  /** One scale set as the governor knows it. */
  static final class Known {
    final ScaleSetId id;
    Region region;
    @Nullable String family;
    int ring = -1;
    GovernanceMode mode = GovernanceMode.ORCHESTRATED;
    /** The version it runs (the model's when pinned; the instances' newest at the last read otherwise). */
    @Nullable ImageVersion version;
    int instances;
    int drifting;
    int unhealthy;
    @Nullable Instant readAt;
    @Nullable Instant lastChangeAt;
    String lastChange = "";
    @Nullable Instant blockedUntil;
    String blockedWhy = "";
    /** The latest listing of it (not saved: every turn lists again). */
    @Nullable ScaleSetSummary summary;

    Known(ScaleSetId id, Region region) {
      this.id = id;
      this.region = region;
    }
  }

  /** One family's campaigns. */
  static final class Family {
    final String name;
    @Nullable Campaign campaign;
    /** The version every ring took last. */
    @Nullable ImageVersion completed;
    /** Versions whose campaign failed, with why: never started again by the governor. */
    final SortedMap<ImageVersion, String> failed = new TreeMap<>();
    final List<Lane> catchUps = new ArrayList<>();
    /** The last waiting reason logged, so that a wait is logged once. */
    String waiting = "";
    int laneCounter;

    Family(String name) {
      this.name = name;
    }
  }

  /** One version on its way through the rings. */
  static final class Campaign {
    final ImageVersion version;
    final Instant publishedAt;
    final Instant startedAt;
    Status status = Status.RUNNING;
    int ring;
    @Nullable ImageVersion supersededBy;
    String failure = "";
    @Nullable Instant ringStartedAt;
    @Nullable Instant rehearsedAt;
    String blocked = "";
    /** Scale sets left out of the campaign, by lower-case ARM id, with why. */
    final SortedMap<String, String> excluded = new TreeMap<>();
    /** Lanes of the current ring. */
    final List<Lane> lanes = new ArrayList<>();
    @Nullable Instant endedAt;

    Campaign(ImageVersion version, Instant publishedAt, Instant startedAt) {
      this.version = version;
      this.publishedAt = publishedAt;
      this.startedAt = startedAt;
    }
  }

  /** A group of scale sets upgraded together: one ring rollout (or catch-up), one mode, one schedule. */
  static final class Lane {
    final String key;
    final String family;
    final LaneKind kind;
    final String ring;
    final GovernanceMode mode;
    final ImageVersion version;
    final List<ScaleSetId> scaleSets;
    final Instant startedAt;
    Status status = Status.RUNNING;
    String detail = "";
    @Nullable Instant endedAt;

    Lane(String key, String family, LaneKind kind, String ring, GovernanceMode mode, ImageVersion version,
        List<ScaleSetId> scaleSets, Instant startedAt) {
      this.key = key;
      this.family = family;
      this.kind = kind;
      this.ring = ring;
      this.mode = mode;
      this.version = version;
      this.scaleSets = List.copyOf(scaleSets);
      this.startedAt = startedAt;
    }

    boolean isRunning() {
      return status == Status.RUNNING;
    }
  }

  Family family(String name) {
    return families.computeIfAbsent(name, Family::new);
  }

  /** Keys by id, computed once: a turn looks every scale set up several times. */
  private static final int MAX_CACHED_KEYS = 100_000;
  private static final java.util.Map<ScaleSetId, String> KEYS = new java.util.concurrent.ConcurrentHashMap<>();

  static String key(ScaleSetId id) {
    String k = KEYS.get(id);
    if (k == null) {
      k = id.armId().toLowerCase(java.util.Locale.ROOT);
      if (KEYS.size() < MAX_CACHED_KEYS) {
        KEYS.put(id, k);
      }
    }
    return k;
  }

  /** @return the lanes still running, in key order */
  List<Lane> runningLanes() {
    List<Lane> out = new ArrayList<>();
    for (Family f : families.values()) {
      if (f.campaign != null) {
        f.campaign.lanes.stream().filter(Lane::isRunning).forEach(out::add);
      }
      f.catchUps.stream().filter(Lane::isRunning).forEach(out::add);
    }
    out.sort(java.util.Comparator.comparing(l -> l.key));
    return out;
  }

  void batch(Duration d) {
    batchSeconds.addLast(Math.max(0, Math.min(d.getSeconds(), Duration.ofDays(1).getSeconds())));
    while (batchSeconds.size() > MAX_BATCHES) {
      batchSeconds.removeFirst();
    }
  }

  ObservedTimings timings() {
    if (batchSeconds.isEmpty()) {
      return ObservedTimings.none();
    }
    List<Long> sorted = new ArrayList<>(batchSeconds);
    sorted.sort(null);
    return new ObservedTimings(sorted.size(), Duration.ofSeconds(sorted.get((sorted.size() - 1) / 2)),
        Duration.ofSeconds(sorted.get(sorted.size() - 1)));
  }

  void overdue(String line) {
    overdue.addLast(line);
    while (overdue.size() > MAX_OVERDUE) {
      overdue.removeFirst();
    }
  }

  // ---- codec --------------------------------------------------------------------------------------------------

  String encode() {
    Map<String, String> out = new LinkedHashMap<>();
    out.put("decisions", String.valueOf(decisions));
    put(out, "inventoryAt", inventoryAt);
    out.put("stall", stall);
    if (hold != Hold.NONE) {
      out.put("hold", hold.name());
      put(out, "holdAt", holdAt);
      out.put("ended", String.valueOf(ended));
    }
    int i = 0;
    for (Known k : known.values()) {
      String p = "ss." + i++ + ".";
      out.put(p + "id", k.id.armId());
      out.put(p + "region", k.region.name());
      put(out, p + "family", k.family);
      out.put(p + "ring", String.valueOf(k.ring));
      out.put(p + "mode", k.mode.name());
      put(out, p + "version", k.version);
      count(out, p + "instances", k.instances);
      count(out, p + "drifting", k.drifting);
      count(out, p + "unhealthy", k.unhealthy);
      put(out, p + "readAt", k.readAt);
      put(out, p + "lastChangeAt", k.lastChangeAt);
      text(out, p + "lastChange", k.lastChange);
      put(out, p + "blockedUntil", k.blockedUntil);
      text(out, p + "blockedWhy", k.blockedWhy);
    }
    i = 0;
    for (Family f : families.values()) {
      String p = "fam." + i++ + ".";
      out.put(p + "name", f.name);
      put(out, p + "completed", f.completed);
      out.put(p + "waiting", f.waiting);
      out.put(p + "laneCounter", String.valueOf(f.laneCounter));
      int j = 0;
      for (Map.Entry<ImageVersion, String> e : f.failed.entrySet()) {
        out.put(p + "failed." + j + ".version", e.getKey().toString());
        out.put(p + "failed." + j++ + ".why", e.getValue());
      }
      j = 0;
      for (Lane l : f.catchUps) {
        lane(out, p + "catchUp." + j++ + ".", l);
      }
      Campaign c = f.campaign;
      if (c != null) {
        String q = p + "campaign.";
        out.put(q + "version", c.version.toString());
        out.put(q + "publishedAt", c.publishedAt.toString());
        out.put(q + "startedAt", c.startedAt.toString());
        out.put(q + "status", c.status.name());
        out.put(q + "ring", String.valueOf(c.ring));
        put(out, q + "supersededBy", c.supersededBy);
        out.put(q + "failure", c.failure);
        put(out, q + "ringStartedAt", c.ringStartedAt);
        put(out, q + "rehearsedAt", c.rehearsedAt);
        out.put(q + "blocked", c.blocked);
        put(out, q + "endedAt", c.endedAt);
        j = 0;
        for (Map.Entry<String, String> e : c.excluded.entrySet()) {
          out.put(q + "excluded." + j + ".id", e.getKey());
          out.put(q + "excluded." + j++ + ".why", e.getValue());
        }
        j = 0;
        for (Lane l : c.lanes) {
          lane(out, q + "lane." + j++ + ".", l);
        }
      }
    }
    i = 0;
    for (QuarantineEntry e : quarantine.values()) {
      String p = "quarantine." + i++ + ".";
      out.put(p + "image", e.image().toString());
      out.put(p + "by", e.by());
      out.put(p + "at", e.at().toString());
      out.put(p + "why", e.why());
    }
    i = 0;
    for (String o : overdue) {
      out.put("overdue." + i++, o);
    }
    out.put("batchSeconds", String.join(",", batchSeconds.stream().map(String::valueOf).toList()));
    i = 0;
    for (RehearsalResult r : rehearsals.values()) {
      String p = "rehearsal." + i++ + ".";
      out.put(p + "family", r.family());
      out.put(p + "ring", r.ring());
      out.put(p + "target", r.target().toString());
      out.put(p + "scaleSets", String.valueOf(r.scaleSets()));
      out.put(p + "instances", String.valueOf(r.instances()));
      out.put(p + "makespan", r.predictedMakespan().toString());
      out.put(p + "lowestHealthyPercent", String.valueOf(r.lowestHealthyPercent()));
      put(out, p + "lowestAt", r.lowestAt() == null ? null : r.lowestAt().armId());
      list(out, p + "plan.", r.plan());
      list(out, p + "problem.", r.problems());
    }
    StringBuilder b = new StringBuilder(FORMAT).append('\n');
    out.forEach((k, v) -> b.append(k).append('=').append(escape(isText(k) ? Redaction.redact(v) : v)).append('\n'));
    return b.toString();
  }

  /** Free text that may quote a cloud's message: masked before it reaches the store. The rest is structure. */
  private static boolean isText(String key) {
    return key.endsWith(".lastChange") || key.endsWith(".blockedWhy") || key.endsWith(".why")
        || key.endsWith(".detail") || key.endsWith(".failure") || key.endsWith(".blocked") || key.endsWith(".waiting")
        || key.startsWith("overdue.") || key.contains(".plan.") || key.contains(".problem.") || key.equals("stall");
  }

  private static void lane(Map<String, String> out, String p, Lane l) {
    out.put(p + "key", l.key);
    out.put(p + "family", l.family);
    out.put(p + "kind", l.kind.name());
    out.put(p + "ring", l.ring);
    out.put(p + "mode", l.mode.name());
    out.put(p + "version", l.version.toString());
    out.put(p + "startedAt", l.startedAt.toString());
    out.put(p + "status", l.status.name());
    out.put(p + "detail", l.detail);
    put(out, p + "endedAt", l.endedAt);
    list(out, p + "scaleSet.", l.scaleSets.stream().map(ScaleSetId::armId).toList());
  }

  private static void list(Map<String, String> out, String p, List<String> values) {
    for (int i = 0; i < values.size(); i++) {
      out.put(p + i, values.get(i));
    }
  }

  /** Counts that are zero, and texts that are empty, are left out: most scale sets have nothing to say. */
  private static void count(Map<String, String> out, String key, int value) {
    if (value != 0) {
      out.put(key, String.valueOf(value));
    }
  }

  private static void text(Map<String, String> out, String key, String value) {
    if (!value.isEmpty()) {
      out.put(key, value);
    }
  }

  private static void put(Map<String, String> out, String key, @Nullable Object value) {
    if (value != null) {
      out.put(key, value.toString());
    }
  }

  static GovernorState decode(String text) {
    String[] lines = text.split("\n", -1);
    if (lines.length == 0 || !lines[0].equals(FORMAT)) {
      throw corrupt("it does not start with '" + FORMAT + "'");
    }
    Map<String, String> in = new TreeMap<>();
    for (int i = 1; i < lines.length; i++) {
      if (lines[i].isEmpty()) {
        continue;
      }
      int eq = lines[i].indexOf('=');
      if (eq <= 0) {
        throw corrupt("line " + (i + 1) + " is not key=value");
      }
      in.put(lines[i].substring(0, eq), unescape(lines[i].substring(eq + 1)));
    }
    try {
      return read(new Reader(in));
    } catch (RuntimeException e) {
      throw e instanceof OsUpgradeException o ? o : corrupt(e.toString());
    }
  }

  private static GovernorState read(Reader r) {
    GovernorState s = new GovernorState();
    s.decisions = Long.parseLong(r.req("decisions"));
    s.inventoryAt = r.opt("inventoryAt", Instant::parse);
    s.stall = r.str("stall");
    s.hold = r.has("hold") ? Hold.valueOf(r.req("hold")) : Hold.NONE; // older checkpoints have no hold
    s.holdAt = r.opt("holdAt", Instant::parse);
    s.ended = Boolean.parseBoolean(r.str("ended"));
    for (int i = 0; r.has("ss." + i + ".id"); i++) {
      String p = "ss." + i + ".";
      Known k = new Known(ScaleSetId.parse(r.req(p + "id")), Region.of(r.req(p + "region")));
      k.family = r.opt(p + "family", Function.identity());
      k.ring = Integer.parseInt(r.req(p + "ring"));
      k.mode = GovernanceMode.valueOf(r.req(p + "mode"));
      k.version = r.opt(p + "version", ImageVersion::parse);
      k.instances = Integer.parseInt(r.in().getOrDefault(p + "instances", "0"));
      k.drifting = Integer.parseInt(r.in().getOrDefault(p + "drifting", "0"));
      k.unhealthy = Integer.parseInt(r.in().getOrDefault(p + "unhealthy", "0"));
      k.readAt = r.opt(p + "readAt", Instant::parse);
      k.lastChangeAt = r.opt(p + "lastChangeAt", Instant::parse);
      k.lastChange = r.str(p + "lastChange");
      k.blockedUntil = r.opt(p + "blockedUntil", Instant::parse);
      k.blockedWhy = r.str(p + "blockedWhy");
      s.known.put(key(k.id), k);
    }
    for (int i = 0; r.has("fam." + i + ".name"); i++) {
      String p = "fam." + i + ".";
      Family f = s.family(r.req(p + "name"));
      f.completed = r.opt(p + "completed", ImageVersion::parse);
      f.waiting = r.str(p + "waiting");
      f.laneCounter = Integer.parseInt(r.req(p + "laneCounter"));
      for (int j = 0; r.has(p + "failed." + j + ".version"); j++) {
        f.failed.put(ImageVersion.parse(r.req(p + "failed." + j + ".version")), r.str(p + "failed." + j + ".why"));
      }
      for (int j = 0; r.has(p + "catchUp." + j + ".key"); j++) {
        f.catchUps.add(lane(r, p + "catchUp." + j + "."));
      }
      String q = p + "campaign.";
      if (r.has(q + "version")) {
        Campaign c = new Campaign(ImageVersion.parse(r.req(q + "version")), Instant.parse(r.req(q + "publishedAt")),
            Instant.parse(r.req(q + "startedAt")));
        c.status = Status.valueOf(r.req(q + "status"));
        c.ring = Integer.parseInt(r.req(q + "ring"));
        c.supersededBy = r.opt(q + "supersededBy", ImageVersion::parse);
        c.failure = r.str(q + "failure");
        c.ringStartedAt = r.opt(q + "ringStartedAt", Instant::parse);
        c.rehearsedAt = r.opt(q + "rehearsedAt", Instant::parse);
        c.blocked = r.str(q + "blocked");
        c.endedAt = r.opt(q + "endedAt", Instant::parse);
        for (int j = 0; r.has(q + "excluded." + j + ".id"); j++) {
          c.excluded.put(r.req(q + "excluded." + j + ".id"), r.str(q + "excluded." + j + ".why"));
        }
        for (int j = 0; r.has(q + "lane." + j + ".key"); j++) {
          c.lanes.add(lane(r, q + "lane." + j + "."));
        }
        f.campaign = c;
      }
    }
    for (int i = 0; r.has("quarantine." + i + ".image"); i++) {
      String p = "quarantine." + i + ".";
      QuarantineEntry e = new QuarantineEntry(ImageReference.parse(r.req(p + "image")), r.req(p + "by"),
          Instant.parse(r.req(p + "at")), r.req(p + "why"));
      s.quarantine.put(e.image().toString().toLowerCase(java.util.Locale.ROOT), e);
    }
    for (int i = 0; r.has("overdue." + i); i++) {
      s.overdue.addLast(r.req("overdue." + i));
    }
    String batches = r.str("batchSeconds");
    if (!batches.isEmpty()) {
      for (String b : batches.split(",")) {
        s.batchSeconds.addLast(Long.parseLong(b));
      }
    }
    for (int i = 0; r.has("rehearsal." + i + ".family"); i++) {
      String p = "rehearsal." + i + ".";
      RehearsalResult res = new RehearsalResult(r.req(p + "family"), r.req(p + "ring"),
          ImageVersion.parse(r.req(p + "target")), Integer.parseInt(r.req(p + "scaleSets")),
          Integer.parseInt(r.req(p + "instances")), r.list(p + "plan."), Duration.parse(r.req(p + "makespan")),
          Integer.parseInt(r.req(p + "lowestHealthyPercent")), r.opt(p + "lowestAt", ScaleSetId::parse),
          r.list(p + "problem."));
      s.rehearsals.put(res.family() + "/" + res.ring(), res);
    }
    return s;
  }

  private static Lane lane(Reader r, String p) {
    Lane l = new Lane(r.req(p + "key"), r.req(p + "family"), LaneKind.valueOf(r.req(p + "kind")),
        r.req(p + "ring"), GovernanceMode.valueOf(r.req(p + "mode")), ImageVersion.parse(r.req(p + "version")),
        r.list(p + "scaleSet.").stream().map(ScaleSetId::parse).toList(), Instant.parse(r.req(p + "startedAt")));
    l.status = Status.valueOf(r.req(p + "status"));
    l.detail = r.str(p + "detail");
    l.endedAt = r.opt(p + "endedAt", Instant::parse);
    return l;
  }

  /** Reads fields of a decoded checkpoint. */
  private record Reader(Map<String, String> in) {
    boolean has(String key) {
      return in.containsKey(key);
    }

    String req(String key) {
      String v = in.get(key);
      if (v == null) {
        throw corrupt("field " + key + " is missing");
      }
      return v;
    }

    String str(String key) {
      return in.getOrDefault(key, "");
    }

    <T> @Nullable T opt(String key, Function<String, T> parse) {
      String v = in.get(key);
      return v == null ? null : parse.apply(v);
    }

    List<String> list(String prefix) {
      List<String> out = new ArrayList<>();
      for (int i = 0; in.containsKey(prefix + i); i++) {
        out.add(in.get(prefix + i));
      }
      return out;
    }
  }

  private static OsUpgradeException corrupt(String why) {
    return new OsUpgradeException("CheckpointCorrupt", "the governor's checkpoint cannot be read: " + why);
  }

  private static String escape(String v) {
    StringBuilder b = new StringBuilder(v.length());
    for (int i = 0; i < v.length(); i++) {
      char c = v.charAt(i);
      switch (c) {
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        default -> b.append(c);
      }
    }
    return b.toString();
  }

  private static String unescape(String v) {
    StringBuilder b = new StringBuilder(v.length());
    for (int i = 0; i < v.length(); i++) {
      char c = v.charAt(i);
      if (c == '\\' && i + 1 < v.length()) {
        char n = v.charAt(++i);
        b.append(n == 'n' ? '\n' : n == 'r' ? '\r' : n);
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }
}
