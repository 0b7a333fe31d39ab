package dev.osupgrade.rollout;

import dev.osupgrade.OsUpgradeException;
import dev.osupgrade.Redaction;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.fleet.Zone;
import dev.osupgrade.governance.GovernanceWaiver;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.image.ImageVersion;
import dev.osupgrade.ops.RolloutStatus;
import dev.osupgrade.ops.Stall;
import dev.osupgrade.ops.UpgradeError;
import dev.osupgrade.plan.Batch;
import dev.osupgrade.plan.PlanEstimate;
import dev.osupgrade.plan.RolloutPlan;
import dev.osupgrade.plan.SkippedInstance;
import dev.osupgrade.policy.RollingUpgradePolicy;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Writes a {@link RolloutState} as text and reads it back, for {@link dev.osupgrade.port.RolloutStore}. The format is
 * line-based {@code key=value} (backslash escapes), stable in key order, and versioned by its first line.
 */
final class CheckpointCodec {
  static final String FORMAT = "osupgrade-rollout-state 1";
  private static final String SEP = "|";

  private CheckpointCodec() {}

  static String encode(RolloutState s) {
    return new Encoder().encode(s);
  }

  /**
   * Encodes states, remembering the pieces of the last one so that the next encoding costs what changed: each
   * instance's line is kept with the (immutable) progress it was written from and reused while that progress is equal,
   * and the plan's lines are kept with the plan. The text is exactly {@link CheckpointCodec#encode}'s. Not
   * thread-safe: one encoder per rollout.
   */
  static final class Encoder {
    /** The progress of each instance the last encoding wrote, in the order it wrote them, and their lines. */
    private InstanceProgress[] progress = new InstanceProgress[0];
    private String[] lines = new String[0];
    private @Nullable RolloutPlan plan;
    private String planLines = "";
    /** The policy of the last encoding and its text (a rollout's policy is fixed when it starts). */
    private @Nullable RollingUpgradePolicy policy;
    private String policyText = "";
    /** Builders reused from one encoding to the next (only their text is kept). */
    private final StringBuilder scratch = new StringBuilder(1024);
    private final StringBuilder lineScratch = new StringBuilder(128);
    /** The previous image of the last instance line written, and its text (instances share one image, mostly). */
    private @Nullable ImageReference previousImage;
    private String previousImageText = "";

    /** Forgets every remembered piece (the next encoding writes everything). */
    void clear() {
      progress = new InstanceProgress[0];
      lines = new String[0];
      plan = null;
      planLines = "";
      previousImage = null;
      previousImageText = "";
      policy = null;
      policyText = "";
      scratch.setLength(0);
      scratch.trimToSize();
    }

    String encode(RolloutState s) {
      // the text is joined once from its pieces (the header, the plan's lines, each instance's line, the outbox):
      // a single copy of the whole, however large
      int count = s.instances().size();
      String[] pieces = new String[count + 3];
      StringBuilder b = scratch;
      b.setLength(0);
      b.append(FORMAT).append('\n');
      line(b, "scaleSet", s.scaleSet().armId());
      line(b, "target", s.target().toString());
      line(b, "status", s.status().name());
      line(b, "phase", s.phase().name());
      RollingUpgradePolicy pol = s.policy();
      if (pol != null) {
        if (pol != policy && !pol.equals(policy)) {
          policyText = policy(pol);
        }
        policy = pol;
        line(b, "policy", policyText);
      }
      optLine(b, "previousModelImage", s.previousModelImage());
      optLine(b, "startedAt", s.startedAt());
      optLine(b, "endedAt", s.endedAt());
      line(b, "batch", String.valueOf(s.batch()));
      optLine(b, "batchStartedAt", s.batchStartedAt());
      optLine(b, "pauseUntil", s.pauseUntil());
      optLine(b, "lastProgressAt", s.lastProgressAt());
      if (s.error() != null) {
        // UpgradeError masks its text already; masked again here so no free text reaches a store unredacted
        line(b, "error.code", Redaction.redact(s.error().code()));
        line(b, "error.message", Redaction.redact(s.error().message()));
      }
      line(b, "lastSequence", String.valueOf(s.lastSequence()));
      line(b, "cancelRequested", String.valueOf(s.cancelRequested()));
      line(b, "pauseRequested", String.valueOf(s.pauseRequested()));
      Stall stall = s.stall();
      if (stall != null) {
        line(b, "stall.code", stall.code());
        line(b, "stall.message", stall.message());
        line(b, "stall.httpStatus", String.valueOf(stall.httpStatus()));
        line(b, "stall.during", stall.during());
        line(b, "stall.since", stall.since().toString());
        line(b, "stall.attempts", String.valueOf(stall.attempts()));
      }
      optLine(b, "intendedModel", s.intendedModel());
      s.missingSince().forEach((id, since) -> line(b, "missing." + id, since.toString()));
      GovernanceWaiver waiver = s.governanceWaiver();
      if (waiver != null) {
        line(b, "ungoverned.by", waiver.by());
        line(b, "ungoverned.reason", Redaction.redact(waiver.reason()));
      }
      int w = 0;
      for (Map.Entry<String, Integer> e : s.gateWaits().entrySet()) {
        line(b, "gateWait." + (w++), e.getValue() + SEP + e.getKey()); // a gate's name may hold any character
      }
      // only a rollout that re-planned an instance it had asked to upgrade writes these: other checkpoints read as
      // before, byte for byte
      s.replanned().forEach((id, n) -> line(b, "replanned." + id, String.valueOf(n)));
      RolloutPlan p = s.plan();
      if (p != null) {
        if (p != plan && !p.equals(plan)) {
          StringBuilder pb = new StringBuilder();
          planLines(pb, p);
          planLines = pb.toString();
        }
        plan = p;
      }
      pieces[0] = b.toString();
      pieces[1] = p == null ? "" : planLines;
      // An instance's line is the last one's at the same place while its progress is the same (the same object, as a
      // state passes its unchanged progress on, or an equal one); instances come and go rarely (max surge), and
      // after one the lines behind it are written afresh once.
      if (progress.length != count) {
        // instances came or went: the lines are compared by position, those at a new position are written afresh
        progress = java.util.Arrays.copyOf(progress, count);
        lines = java.util.Arrays.copyOf(lines, count);
      }
      int i = 0;
      for (InstanceProgress now : s.instances().values()) {
        InstanceProgress before = progress[i];
        if (before == null || (before != now && !before.equals(now))) {
          ImageReference image = now.previousImage();
          if (image != previousImage && !image.equals(previousImage)) {
            previousImage = image;
            previousImageText = escape(image.toString());
          }
          StringBuilder lb = lineScratch;
          lb.setLength(0);
          instanceLine(lb, now, previousImageText);
          lines[i] = lb.toString();
          progress[i] = now;
        }
        pieces[2 + i] = lines[i];
        i++;
      }
      pieces[2 + count] = "";
      if (!s.outbox().isEmpty()) {
        StringBuilder o = new StringBuilder();
        int k = 0;
        for (RolloutAction a : s.outbox()) {
          line(o, "outbox." + (k++), action(a));
        }
        pieces[2 + count] = o.toString();
      }
      return String.join("", pieces);
    }
  }

  private static void planLines(StringBuilder out, RolloutPlan plan) {
    line(out, "plan.instanceCount", String.valueOf(plan.instanceCount()));
    line(out, "plan.batchSize", String.valueOf(plan.batchSize()));
    line(out, "plan.policy", policy(plan.policy()));
    PlanEstimate e = plan.estimate();
    line(out, "plan.estimate", join(e.batches(), e.fleetTime(), e.lowestHealthyInstances(), e.totalInstances(),
        e.surgeInstances()));
    for (Batch b : plan.batches()) {
      line(out, "plan.batch." + b.number(), join(b.unhealthyFirst(),
          String.join(",", b.zones().stream().map(z -> z.isRegional() ? "-" : z.name()).toList()),
          String.join(",", b.updateDomains().stream().map(String::valueOf).toList()),
          String.join(",", b.instanceIds())));
      if (b.byFaultDomain()) {
        // a key of its own, so that checkpoints of Uniform rollouts read as before
        line(out, "plan.batch." + b.number() + ".faultDomains",
            String.join(",", b.faultDomains().stream().map(String::valueOf).toList()));
      }
    }
    for (SkippedInstance k : plan.skipped()) {
      line(out, "plan.skipped." + k.instanceId(), k.reason().name());
    }
  }

  private static void instanceLine(StringBuilder out, InstanceProgress p) {
    instanceLine(out, p, escape(p.previousImage().toString()));
  }

  /**
   * An instance's line, {@code instance.<id>=<batch>|<previous image>|<stage>|<requested>|<upgraded>|<settled>|
   * <replaces>} (the value escaped), written straight into {@code out}.
   *
   * @param previousImage the previous image's text, escaped already (instances share it: the caller may keep it)
   */
  private static void instanceLine(StringBuilder out, InstanceProgress p, String previousImage) {
    out.append("instance.").append(p.instanceId()).append('=').append(p.batch()).append(SEP)
        .append(previousImage).append(SEP);
    escape(out, p.stage().toString()).append(SEP);
    optIso(out, p.requestedAt()).append(SEP);
    optIso(out, p.upgradedAt()).append(SEP);
    optIso(out, p.settledAt()).append(SEP);
    if (p.replaces() != null) {
      escape(out, p.replaces());
    }
    out.append('\n');
  }

  private static StringBuilder optIso(StringBuilder out, @Nullable Instant i) {
    return i == null ? out : iso(out, i); // digits and separators only: nothing to escape
  }

  /** One {@code key=value} line, the value escaped. */
  private static void line(StringBuilder out, String key, String value) {
    out.append(key).append('=').append(escape(value)).append('\n');
  }

  private static void optLine(StringBuilder out, String key, @Nullable Object value) {
    if (value != null) {
      line(out, key, value instanceof Instant i ? iso(i) : value.toString());
    }
  }

  static RolloutState decode(String text) {
    try {
      return decodeStrict(text);
    } catch (OsUpgradeException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new OsUpgradeException(OsUpgradeException.CHECKPOINT_CORRUPT, "the checkpoint cannot be read: " + e, e);
    }
  }

  private static RolloutState decodeStrict(String text) {
    String[] lines = text.split("\n");
    if (lines.length == 0 || !lines[0].equals(FORMAT)) {
      throw new OsUpgradeException(OsUpgradeException.CHECKPOINT_CORRUPT, "the checkpoint does not start with '" + FORMAT + "'");
    }
    Map<String, String> in = new LinkedHashMap<>();
    for (int i = 1; i < lines.length; i++) {
      if (lines[i].isEmpty()) {
        continue;
      }
      int eq = lines[i].indexOf('=');
      in.put(lines[i].substring(0, eq), unescape(lines[i].substring(eq + 1)));
    }
    ScaleSetId scaleSet = ScaleSetId.parse(req(in, "scaleSet"));
    ImageVersion target = ImageVersion.parse(req(in, "target"));
    RollingUpgradePolicy policy = get(in, "policy", CheckpointCodec::policy);
    RolloutPlan plan = null;
    if (in.containsKey("plan.instanceCount")) {
      List<Batch> batches = new ArrayList<>();
      for (int n = 1; in.containsKey("plan.batch." + n); n++) {
        String[] f = split(in.get("plan.batch." + n), 4);
        List<Zone> zones = Arrays.stream(f[1].split(",")).map(z -> z.equals("-") ? Zone.REGIONAL : Zone.of(z))
            .toList();
        List<Integer> uds = domains(f[2]);
        List<Integer> fds = domains(in.getOrDefault("plan.batch." + n + ".faultDomains", ""));
        batches.add(new Batch(n, Arrays.asList(f[3].split(",")), zones, uds, fds, Boolean.parseBoolean(f[0])));
      }
      List<SkippedInstance> skipped = new ArrayList<>();
      in.forEach((key, value) -> {
        if (key.startsWith("plan.skipped.")) {
          skipped.add(new SkippedInstance(key.substring("plan.skipped.".length()),
              SkippedInstance.Reason.valueOf(value)));
        }
      });
      String[] e = split(req(in, "plan.estimate"), 5);
      PlanEstimate estimate = new PlanEstimate(Integer.parseInt(e[0]), Duration.parse(e[1]), Integer.parseInt(e[2]),
          Integer.parseInt(e[3]), Integer.parseInt(e[4]));
      plan = new RolloutPlan(scaleSet, target, policy(req(in, "plan.policy")),
          Integer.parseInt(req(in, "plan.instanceCount")), Integer.parseInt(req(in, "plan.batchSize")), batches,
          skipped, estimate);
    }
    SortedMap<String, InstanceProgress> instances = new TreeMap<>();
    List<RolloutAction> outbox = new ArrayList<>();
    in.forEach((key, value) -> {
      if (key.startsWith("instance.")) {
        String id = key.substring("instance.".length());
        String[] f = split(value, 7);
        instances.put(id, new InstanceProgress(id, Integer.parseInt(f[0]), ImageReference.parse(f[1]),
            InstanceStage.valueOf(f[2]), instant(f[3]), instant(f[4]), instant(f[5]), f[6].isEmpty() ? null : f[6]));
      }
    });
    for (int k = 0; in.containsKey("outbox." + k); k++) {
      outbox.add(action(in.get("outbox." + k)));
    }
    SortedMap<String, Instant> missing = new TreeMap<>();
    in.forEach((key, value) -> {
      if (key.startsWith("missing.")) {
        missing.put(key.substring("missing.".length()), Instant.parse(value));
      }
    });
    SortedMap<String, Integer> gateWaits = new TreeMap<>();
    for (int w = 0; in.containsKey("gateWait." + w); w++) {
      String value = in.get("gateWait." + w);
      int sep = value.indexOf(SEP);
      gateWaits.put(value.substring(sep + 1), Integer.parseInt(value.substring(0, sep)));
    }
    SortedMap<String, Integer> replanned = new TreeMap<>();
    in.forEach((key, value) -> {
      if (key.startsWith("replanned.")) {
        replanned.put(key.substring("replanned.".length()), Integer.parseInt(value));
      }
    });
    // Checkpoints written before stalls, intended models, missing instances, waivers, gate waits and re-plans were
    // kept have none of them.
    Stall stall = in.containsKey("stall.code")
        ? new Stall(req(in, "stall.code"), in.getOrDefault("stall.message", ""),
            Integer.parseInt(req(in, "stall.httpStatus")), req(in, "stall.during"),
            Instant.parse(req(in, "stall.since")), Integer.parseInt(req(in, "stall.attempts")))
        : null;
    GovernanceWaiver waiver = in.containsKey("ungoverned.by")
        ? new GovernanceWaiver(req(in, "ungoverned.by"), req(in, "ungoverned.reason")) : null;
    UpgradeError error = in.containsKey("error.code")
        ? new UpgradeError(in.get("error.code"), in.getOrDefault("error.message", "")) : null;
    return new RolloutState(scaleSet, target, RolloutStatus.valueOf(req(in, "status")),
        RolloutState.Phase.valueOf(req(in, "phase")), policy, plan,
        get(in, "previousModelImage", ImageReference::parse), get(in, "startedAt", Instant::parse),
        get(in, "endedAt", Instant::parse), Integer.parseInt(req(in, "batch")), get(in, "batchStartedAt",
            Instant::parse), get(in, "pauseUntil", Instant::parse), get(in, "lastProgressAt", Instant::parse),
        instances, outbox, error, Long.parseLong(req(in, "lastSequence")),
        Boolean.parseBoolean(req(in, "cancelRequested")), Boolean.parseBoolean(req(in, "pauseRequested")), stall,
        get(in, "intendedModel", ImageReference::parse), missing, waiver, gateWaits, replanned);
  }

  // ---- pieces -------------------------------------------------------------------------------------------------

  private static String policy(RollingUpgradePolicy p) {
    return join(p.maxBatchInstancePercent(), p.maxUnhealthyInstancePercent(), p.maxUnhealthyUpgradedInstancePercent(),
        p.pauseTimeBetweenBatches(), p.prioritizeUnhealthyInstances(), p.enableCrossZoneUpgrade(),
        p.rollbackFailedInstancesOnPolicyBreach(), p.maxSurge());
  }

  private static RollingUpgradePolicy policy(String text) {
    String[] f = split(text, 8);
    return new RollingUpgradePolicy(Integer.parseInt(f[0]), Integer.parseInt(f[1]), Integer.parseInt(f[2]),
        Duration.parse(f[3]), Boolean.parseBoolean(f[4]), Boolean.parseBoolean(f[5]), Boolean.parseBoolean(f[6]),
        Boolean.parseBoolean(f[7]));
  }

  private static String action(RolloutAction a) {
    if (a instanceof RolloutAction.UpdateModelImage u) {
      return join("model", u.image(), "");
    }
    if (a instanceof RolloutAction.UpgradeInstances u) {
      return join("upgrade", "", String.join(",", u.instanceIds()));
    }
    if (a instanceof RolloutAction.ScaleOut o) {
      return join("scaleout", String.join(",", o.existingIds()), String.join(",", o.replacing()));
    }
    if (a instanceof RolloutAction.DeleteInstances del) {
      return join("delete", "", String.join(",", del.instanceIds()));
    }
    RolloutAction.RollBackInstances r = (RolloutAction.RollBackInstances) a;
    return join("rollback", r.image(), String.join(",", r.instanceIds()));
  }

  private static RolloutAction action(String text) {
    String[] f = split(text, 3);
    return switch (f[0]) {
      case "model" -> new RolloutAction.UpdateModelImage(ImageReference.parse(f[1]));
      case "upgrade" -> new RolloutAction.UpgradeInstances(Arrays.asList(f[2].split(",")));
      case "rollback" -> new RolloutAction.RollBackInstances(Arrays.asList(f[2].split(",")),
          ImageReference.parse(f[1]));
      case "scaleout" -> new RolloutAction.ScaleOut(Arrays.asList(f[2].split(",")),
          f[1].isEmpty() ? List.of() : Arrays.asList(f[1].split(",")));
      case "delete" -> new RolloutAction.DeleteInstances(Arrays.asList(f[2].split(",")));
      default -> throw new IllegalArgumentException("unknown action " + f[0]);
    };
  }

  private static String join(Object... parts) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < parts.length; i++) {
      if (i > 0) {
        b.append(SEP);
      }
      b.append(parts[i]);
    }
    return b.toString();
  }

  private static List<Integer> domains(String text) {
    return text.isEmpty() ? List.of() : Arrays.stream(text.split(",")).map(Integer::parseInt).toList();
  }

  private static String[] split(String text, int parts) {
    String[] f = text.split("\\" + SEP, -1);
    if (f.length != parts) {
      throw new IllegalArgumentException("expected " + parts + " fields in '" + text + "'");
    }
    return f;
  }

  private static String opt(@Nullable Instant i) {
    return i == null ? "" : iso(i);
  }

  /**
   * {@link Instant#toString()}'s text (ISO-8601 in UTC, the fraction in groups of three digits, as many as it needs),
   * written without a formatter for the years 0000 to 9999, where the formatter costs most of an instance's line.
   */
  static String iso(Instant i) {
    long seconds = i.getEpochSecond();
    if (seconds < EPOCH_SECOND_0000 || seconds > EPOCH_SECOND_9999_END) {
      return i.toString();
    }
    return iso(new StringBuilder(30), i).toString();
  }

  /** Appends {@link #iso(Instant)}'s text. */
  private static StringBuilder iso(StringBuilder b, Instant i) {
    long seconds = i.getEpochSecond();
    if (seconds < EPOCH_SECOND_0000 || seconds > EPOCH_SECOND_9999_END) {
      return b.append(i);
    }
    long day = Math.floorDiv(seconds, 86_400L);
    int secondOfDay = (int) Math.floorMod(seconds, 86_400L);
    java.time.LocalDate date = java.time.LocalDate.ofEpochDay(day);
    digits(b, date.getYear(), 4).append('-');
    digits(b, date.getMonthValue(), 2).append('-');
    digits(b, date.getDayOfMonth(), 2).append('T');
    digits(b, secondOfDay / 3600, 2).append(':');
    digits(b, secondOfDay / 60 % 60, 2).append(':');
    digits(b, secondOfDay % 60, 2);
    int nano = i.getNano();
    if (nano != 0) {
      b.append('.');
      if (nano % 1_000_000 == 0) {
        digits(b, nano / 1_000_000, 3);
      } else if (nano % 1_000 == 0) {
        digits(b, nano / 1_000, 6);
      } else {
        digits(b, nano, 9);
      }
    }
    return b.append('Z');
  }

  /** 0000-01-01T00:00:00Z. */
  private static final long EPOCH_SECOND_0000 = -62_167_219_200L;
  /** The last second of 9999-12-31. */
  private static final long EPOCH_SECOND_9999_END = 253_402_300_799L;

  /** Appends a value of 0 or more, zero-padded to {@code width} digits (at most 9). */
  private static StringBuilder digits(StringBuilder b, int value, int width) {
    int length = 1;
    for (int v = value; v >= 10; v /= 10) {
      length++;
    }
    for (int pad = width - length; pad > 0; pad--) {
      b.append('0');
    }
    return b.append(value);
  }

  private static @Nullable Instant instant(String text) {
    return text.isEmpty() ? null : Instant.parse(text);
  }

  private static <T> @Nullable T get(Map<String, String> in, String key, Function<String, T> f) {
    String v = in.get(key);
    return v == null ? null : f.apply(v);
  }

  private static String req(Map<String, String> in, String key) {
    String v = in.get(key);
    if (v == null) {
      throw new IllegalArgumentException("missing " + key);
    }
    return v;
  }

  private static String escape(String s) {
    return s.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r");
  }

  /** Appends {@link #escape(String)}'s text. */
  private static StringBuilder escape(StringBuilder out, String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\') {
        out.append("\\\\");
      } else if (c == '\n') {
        out.append("\\n");
      } else if (c == '\r') {
        out.append("\\r");
      } else {
        out.append(c);
      }
    }
    return out;
  }

  private static String unescape(String s) {
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 1 < s.length()) {
        char n = s.charAt(++i);
        b.append(n == 'n' ? '\n' : n == 'r' ? '\r' : n);
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }
}
