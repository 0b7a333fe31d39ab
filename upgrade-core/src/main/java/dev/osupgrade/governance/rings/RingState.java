package dev.osupgrade.governance.rings;

import dev.osupgrade.OsUpgradeException;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.image.ImageVersion;
import dev.osupgrade.ops.UpgradeError;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * What a ring rollout remembers between two advances, and keeps in its checkpoint: the ring, the phase, when the ring
 * started and its soak ends, the verdicts so far (scale sets done, the failure), what a rollback needs (previous
 * versions, scale sets to roll back, rollbacks started), the gates' wait counts and the event sequence. A ring rollout
 * rebuilt after a crash resumes from it: a soak goes on where it was, it is not spent again.
 *
 * @param target the version spread
 * @param status where the ring rollout stands
 * @param phase what it is doing in the current ring
 * @param ringIndex the current ring, from 0
 * @param ringStartedAt when the current ring started, or null
 * @param soakUntil when the current ring's soak ends, or null
 * @param failure why it stopped, or null
 * @param waitingFor the last reason it waited for (so a wait is reported once), empty if none
 * @param releaseImage the target release's image, once found, or null
 * @param previous per scale set, the version a rollback returns to
 * @param toRollBack per scale set of a failed ring to roll back, the runbook note
 * @param rollbacksStarted scale sets whose rollback has started
 * @param done scale sets of the current ring that are on the target
 * @param heldFor per scale set, the last reason deferred upgrades were held for
 * @param gateWaits how often each soak gate said "wait", by ring, scale set, phase and gate
 * @param sequence the number of the last event emitted
 */
record RingState(
    ImageVersion target,
    RingRollout.Status status,
    Phase phase,
    int ringIndex,
    @Nullable Instant ringStartedAt,
    @Nullable Instant soakUntil,
    @Nullable UpgradeError failure,
    String waitingFor,
    @Nullable ImageReference releaseImage,
    Map<ScaleSetId, ImageVersion> previous,
    Map<ScaleSetId, String> toRollBack,
    java.util.Set<ScaleSetId> rollbacksStarted,
    java.util.Set<ScaleSetId> done,
    Map<ScaleSetId, String> heldFor,
    Map<String, Integer> gateWaits,
    long sequence) {

  /** The first line of a ring checkpoint. */
  static final String FORMAT = "osupgrade-ring-state 1";

  /** What a ring rollout is doing in its current ring. */
  enum Phase { PENDING, WAITING, RUNNING, SOAKING, ROLLING_BACK, DONE }

  /** Scale sets in ARM-id order. */
  static final java.util.Comparator<ScaleSetId> ORDER = (a, b) -> a.armId().compareTo(b.armId());

  RingState {
    previous = Collections.unmodifiableSortedMap(copy(previous));
    toRollBack = Collections.unmodifiableSortedMap(copy(toRollBack));
    heldFor = Collections.unmodifiableSortedMap(copy(heldFor));
    SortedSet<ScaleSetId> started = new TreeSet<>(ORDER);
    started.addAll(rollbacksStarted);
    rollbacksStarted = Collections.unmodifiableSortedSet(started);
    SortedSet<ScaleSetId> d = new TreeSet<>(ORDER);
    d.addAll(done);
    done = Collections.unmodifiableSortedSet(d);
    gateWaits = Collections.unmodifiableSortedMap(new TreeMap<>(gateWaits));
  }

  private static <V> SortedMap<ScaleSetId, V> copy(Map<ScaleSetId, V> m) {
    SortedMap<ScaleSetId, V> out = new TreeMap<>(ORDER);
    out.putAll(m);
    return out;
  }

  /**
   * The checkpoint key of a ring plan: one per plan, in the first scale set's subscription and resource group.
   *
   * @param plan the plan
   * @return the key
   */
  static ScaleSetId key(RingPlan plan) {
    ScaleSetId first = plan.rings().get(0).scaleSets().get(0);
    String name = "osupgrade-rings-" + Integer.toHexString(plan.rings().stream()
        .map(r -> r.name() + "=" + r.scaleSets().stream().map(ScaleSetId::armId).toList())
        .toList().hashCode());
    return ScaleSetId.of(first.subscriptionId(), first.resourceGroup(), name);
  }

  // ---- the checkpoint's text ------------------------------------------------------------------------------------

  String encode() {
    Map<String, String> out = new LinkedHashMap<>();
    out.put("target", target.toString());
    out.put("status", status.name());
    out.put("phase", phase.name());
    out.put("ringIndex", String.valueOf(ringIndex));
    put(out, "ringStartedAt", ringStartedAt);
    put(out, "soakUntil", soakUntil);
    if (failure != null) {
      out.put("failure.code", failure.code());
      out.put("failure.message", failure.message());
    }
    out.put("waitingFor", waitingFor);
    put(out, "releaseImage", releaseImage);
    out.put("sequence", String.valueOf(sequence));
    previous.forEach((id, v) -> out.put("previous." + id.armId(), v.toString()));
    toRollBack.forEach((id, note) -> out.put("toRollBack." + id.armId(), note));
    rollbacksStarted.forEach(id -> out.put("rollbackStarted." + id.armId(), "true"));
    done.forEach(id -> out.put("done." + id.armId(), "true"));
    heldFor.forEach((id, why) -> out.put("heldFor." + id.armId(), why));
    int w = 0;
    for (Map.Entry<String, Integer> e : gateWaits.entrySet()) {
      out.put("gateWait." + (w++), e.getValue() + "|" + e.getKey());
    }
    StringBuilder b = new StringBuilder(FORMAT).append('\n');
    out.forEach((k, v) -> b.append(k).append('=').append(escape(v)).append('\n'));
    return b.toString();
  }

  static RingState decode(String text) {
    try {
      String[] lines = text.split("\n");
      if (lines.length == 0 || !lines[0].equals(FORMAT)) {
        throw new IllegalArgumentException("it does not start with '" + FORMAT + "'");
      }
      Map<String, String> in = new LinkedHashMap<>();
      for (int i = 1; i < lines.length; i++) {
        if (!lines[i].isEmpty()) {
          int eq = lines[i].indexOf('=');
          in.put(lines[i].substring(0, eq), unescape(lines[i].substring(eq + 1)));
        }
      }
      SortedMap<String, Integer> waits = new TreeMap<>();
      for (int w = 0; in.containsKey("gateWait." + w); w++) {
        String v = in.get("gateWait." + w);
        int sep = v.indexOf('|');
        waits.put(v.substring(sep + 1), Integer.parseInt(v.substring(0, sep)));
      }
      return new RingState(ImageVersion.parse(req(in, "target")), RingRollout.Status.valueOf(req(in, "status")),
          Phase.valueOf(req(in, "phase")), Integer.parseInt(req(in, "ringIndex")),
          get(in, "ringStartedAt", Instant::parse), get(in, "soakUntil", Instant::parse),
          in.containsKey("failure.code") ? new UpgradeError(in.get("failure.code"),
              in.getOrDefault("failure.message", "")) : null,
          in.getOrDefault("waitingFor", ""), get(in, "releaseImage", ImageReference::parse),
          byScaleSet(in, "previous.", ImageVersion::parse), byScaleSet(in, "toRollBack.", s -> s),
          byScaleSet(in, "rollbackStarted.", s -> s).keySet(),
          byScaleSet(in, "done.", s -> s).keySet(), byScaleSet(in, "heldFor.", s -> s), waits,
          Long.parseLong(req(in, "sequence")));
    } catch (RuntimeException e) {
      throw new OsUpgradeException(OsUpgradeException.CHECKPOINT_CORRUPT, "the ring checkpoint cannot be read: "
          + e.getMessage(), e);
    }
  }

  private static <V> SortedMap<ScaleSetId, V> byScaleSet(Map<String, String> in, String prefix,
      Function<String, V> value) {
    SortedMap<ScaleSetId, V> out = new TreeMap<>(ORDER);
    in.forEach((k, v) -> {
      if (k.startsWith(prefix)) {
        out.put(ScaleSetId.parse(k.substring(prefix.length())), value.apply(v));
      }
    });
    return out;
  }

  private static void put(Map<String, String> out, String key, @Nullable Object value) {
    if (value != null) {
      out.put(key, value.toString());
    }
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
