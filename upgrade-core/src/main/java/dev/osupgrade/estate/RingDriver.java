package dev.osupgrade.estate;

import dev.osupgrade.Require;
import dev.osupgrade.event.BatchCompleted;
import dev.osupgrade.event.BatchStarted;
import dev.osupgrade.event.RolloutEvent;
import dev.osupgrade.fleet.ScaleSet;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.governance.Environment;
import dev.osupgrade.governance.GovernanceGate;
import dev.osupgrade.governance.ImageTrustPolicy;
import dev.osupgrade.governance.ReadinessRecord;
import dev.osupgrade.governance.rings.Ring;
import dev.osupgrade.event.RingEvent;
import dev.osupgrade.governance.rings.RingPlan;
import dev.osupgrade.governance.rings.RingRollout;
import dev.osupgrade.governance.schedule.DeferralApprovals;
import dev.osupgrade.governance.schedule.MaintenanceSchedule;
import dev.osupgrade.governance.schedule.MaintenanceWindowGate;
import dev.osupgrade.image.ImageRelease;
import dev.osupgrade.image.ImageVersion;
import dev.osupgrade.ops.RolloutStatus;
import dev.osupgrade.port.Checkpoint;
import dev.osupgrade.port.CloudException;
import dev.osupgrade.port.Fencing;
import dev.osupgrade.port.ImageCatalog;
import dev.osupgrade.port.PlatformUpgradePort;
import dev.osupgrade.port.RolloutStore;
import dev.osupgrade.port.ScaleSetPort;
import dev.osupgrade.rollout.Rollout;
import dev.osupgrade.rollout.RolloutOptions;
import dev.osupgrade.rollout.RolloutRefusedException;
import dev.osupgrade.rollout.RolloutState;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The one place where the governor meets the layer below it: it builds a lane's {@link RingRollout} (one ring of one
 * mode and one maintenance schedule) or, for a catch-up of orchestrated scale sets, one {@link Rollout} per scale set,
 * advances them, and reads how they ended — through their public API only (builders, {@code advance()},
 * {@code status()}, {@code failure()}, events, {@code close()}). Everything the governor knows of rollouts and rings
 * goes through here, so a change of that API is a change of this class.
 *
 * <p>Why rings are driven one at a time: the governor promotes between rings itself (only inside windows, after a
 * rehearsal, with the version checked again), and keeps that progress in its own checkpoint; a ring rollout of one
 * ring then soaks its ring and rolls it back on failure. A catch-up needs no soak (the version has passed the rings)
 * but must bring drifted instances to the model, which a rollout started over does ({@code startOver()}).
 */
final class RingDriver {

  /** What the lanes report to the governor while they run. */
  interface Events {
    /** A scale set of the lane reached the version (or had it already). */
    void upgraded(ScaleSetId id, Instant at, String what);

    /** A scale set of the lane was rolled back, or its rollback ended. */
    void rolledBack(ScaleSetId id, Instant at, String what);

    /** An instance has waited for a deferral approval past the maximum. */
    void overdue(Instant at, String line);

    /** A batch of some rollout took this long. */
    void batch(Duration took);
  }

  /** The ports and settings every lane shares. */
  record Setup(ScaleSetPort fleet, ImageCatalog catalog, @Nullable PlatformUpgradePort platform, Clock clock,
      RolloutStore store, String owner, ImageTrustPolicy trust, Duration ringPoll, Fencing.Fence fence,
      RolloutOptions options, Duration maximumDeferral) {}

  /** One scale set of a lane, with what governs it. */
  record Member(ScaleSetId id, Environment environment, @Nullable ReadinessRecord record) {}

  private final @Nullable RingRollout rings;
  private final Map<ScaleSetId, Rollout> rollouts;
  private final Map<ScaleSetId, String> refused = new LinkedHashMap<>();
  private final @Nullable Events events;
  private final ImageVersion version;
  private final Setup setup;
  /** The governor is paused: the lane's rollouts pause at their batch boundary, and nothing new starts. */
  private boolean paused;
  /** The governor is cancelled: the lane's rollouts cancel, and the lane ends once they have. */
  private boolean cancelled;

  private RingDriver(Setup setup, @Nullable RingRollout rings, Map<ScaleSetId, Rollout> rollouts,
      ImageVersion version, @Nullable Events events) {
    this.setup = setup;
    this.events = events;
    this.rings = rings;
    this.rollouts = rollouts;
    this.version = version;
  }

  /**
   * The options of every rollout the governor starts: batches only inside the schedule's windows (with the time a
   * batch needs left).
   */
  static RolloutOptions options(RolloutOptions base, MaintenanceSchedule schedule, Duration minimumLeft) {
    RolloutOptions.Builder b = base.toBuilder();
    if (!schedule.isAlwaysOpen()) {
      b.gate(MaintenanceWindowGate.of(schedule, minimumLeft));
    }
    return b.build();
  }

  /**
   * Says why a scale set cannot be driven in a mode, before anything is started: the rules {@link Rollout} and
   * {@link RingRollout} would refuse it by, asked up front so that one scale set does not refuse its whole lane.
   */
  static Optional<String> cannotDrive(ScaleSet s, GovernanceMode mode, ImageVersion target) {
    if (mode == GovernanceMode.ORCHESTRATED) {
      try {
        Rollout.checkCanStart(s, target);
        return Optional.empty();
      } catch (RolloutRefusedException e) {
        return Optional.of("[" + e.code() + "] " + e.getMessage());
      }
    }
    if (!s.modelImage().isLatest()) {
      return Optional.of("governed platform mode needs the model's image version set to 'latest', but it is "
          + s.modelImage());
    }
    if (!s.upgradePolicy().automaticOsUpgrade().osRollingUpgradeDeferral()) {
      return Optional.of("governed platform mode needs osRollingUpgradeDeferral, so that the governor approves "
          + "each upgrade inside a window; without it Azure upgrades whenever a release reaches the region");
    }
    return Optional.empty();
  }

  /**
   * Starts one ring of a lane: a ring rollout of one ring, in the lane's mode, its rollouts held to the lane's
   * windows, soaked, and failed (quarantine, rollback) by the ring rollout's rules.
   */
  static RingDriver ring(Setup setup, GovernorState.Lane lane, Duration soak, List<Member> members,
      MaintenanceSchedule schedule, Duration minimumLeft, Events events) {
    ScaleSetId[] ids = members.stream().map(Member::id).toArray(ScaleSetId[]::new);
    Map<ScaleSetId, Environment> environments = new HashMap<>();
    members.forEach(m -> environments.put(m.id(), m.environment()));
    boolean platform = lane.mode == GovernanceMode.GOVERNED_PLATFORM;
    Map<String, Instant> starts = new HashMap<>();
    ScaleSetPort fleet = platform ? new FencedPorts(setup.fleet(), requirePlatform(setup), setup.fence())
        : setup.fleet();
    Set<String> overdueSeen = new HashSet<>(); // each waiting instance is reported overdue once per lane
    RingRollout.Builder b = RingRollout.builder(RingPlan.of(Ring.of(lane.ring, soak, ids)), fleet, setup.catalog())
        .target(lane.version).clock(setup.clock()).trust(setup.trust()).store(setup.store(), setup.owner())
        .rolloutOptions(options(setup.options(), schedule, minimumLeft)).pollInterval(setup.ringPoll())
        .environments(id -> environments.getOrDefault(id, Environment.PRODUCTION))
        .gate(new QuarantineGate(setup.trust()))
        .listener(e -> {
          if (e instanceof RingEvent ring) {
            ringEvent(ring, events, overdueSeen);
          } else if (e instanceof RolloutEvent rollout) {
            rolloutEvent(rollout, events, starts);
          }
        });
    for (Member m : members) {
      if (m.record() != null) {
        b.readiness(m.id(), m.record());
      }
    }
    if (platform) {
      b.governedPlatform((PlatformUpgradePort) fleet).deferralApprovals(DeferralApprovals.builder().schedule(schedule)
          .minimumRemaining(minimumLeft).maximumDeferral(setup.maximumDeferral()).build());
    }
    return new RingDriver(setup, b.build(), Map.of(), lane.version, null);
  }

  /**
   * Starts a catch-up: orchestrated scale sets get a rollout each, started over so that drifted instances are brought
   * to the version too (instances already on it are skipped); scale sets in governed platform mode get a ring
   * rollout of one ring without soak, which enables and watches the platform's upgrade.
   */
  static RingDriver catchUp(Setup setup, GovernorState.Lane lane, List<Member> members, ImageRelease release,
      MaintenanceSchedule schedule, Duration minimumLeft, Events events) {
    if (lane.mode == GovernanceMode.GOVERNED_PLATFORM) {
      return ring(setup, lane, Duration.ZERO, members, schedule, minimumLeft, events);
    }
    Map<ScaleSetId, Rollout> rollouts = new LinkedHashMap<>();
    Map<String, Instant> starts = new HashMap<>();
    for (Member m : members) {
      Rollout.Builder b = Rollout.builder(setup.fleet(), m.id()).target(lane.version).clock(setup.clock())
          .options(options(setup.options(), schedule, minimumLeft)).store(setup.store()).owner(setup.owner())
          .environment(m.environment()).trust(setup.trust()).startOver()
          .gate(GovernanceGate.of(m.environment(), setup.trust(), m.record(), release))
          .listener(e -> rolloutEvent(e, events, starts));
      if (m.record() != null) {
        b.readiness(m.record());
      }
      rollouts.put(m.id(), b.build());
    }
    return new RingDriver(setup, null, rollouts, lane.version, events);
  }

  private static PlatformUpgradePort requirePlatform(Setup setup) {
    PlatformUpgradePort p = setup.platform();
    if (p == null) {
      throw new IllegalStateException("a scale set in governed platform mode needs the governor's platform port: "
          + "EstateGovernor.Builder.platform(...)");
    }
    return p;
  }

  /** Matches the instance of a {@code DeferralOverdue} line. */
  private static final Pattern OVERDUE_INSTANCE = Pattern.compile("instance (\\S+) has deferred");

  private static void ringEvent(RingEvent e, Events events, Set<String> overdueSeen) {
    ScaleSetId id = e.scaleSet();
    switch (e.kind()) {
      case SCALE_SET_UPGRADED, SCALE_SET_SKIPPED -> {
        if (id != null) {
          events.upgraded(id, e.at(), e.detail());
        }
      }
      case ROLLBACK_STARTED, ROLLBACK_ENDED -> {
        if (id != null) {
          events.rolledBack(id, e.at(), e.detail());
        }
      }
      case DEFERRAL_OVERDUE -> {
        Matcher m = OVERDUE_INSTANCE.matcher(e.detail());
        if (overdueSeen.add(id + " " + (m.find() ? m.group(1) : e.detail()))) {
          events.overdue(e.at(), e.detail()); // the line names the scale set, the instance and since when
        }
      }
      default -> { }
    }
  }

  /** Batch durations, for the twin's timings: each batch from its start to its completion. */
  private static void rolloutEvent(RolloutEvent e, Events events, Map<String, Instant> started) {
    if (e instanceof BatchStarted s) {
      started.put(s.scaleSet() + "#" + s.batch(), s.at());
    } else if (e instanceof BatchCompleted c) {
      Instant from = started.remove(c.scaleSet() + "#" + c.batch());
      if (from != null) {
        events.batch(Duration.between(from, c.at()));
      }
    }
  }

  /**
   * Moves the lane on.
   *
   * @return when to look again; empty once it has ended
   */
  Optional<Instant> advance() {
    if (cancelled) {
      return drainCancelled();
    }
    if (rings != null) {
      if (paused && !safeWhilePaused()) {
        // Advancing the lane could start something (a ring not started, Azure's own upgrade waiting for approvals,
        // a rollout whose checkpoint does not hold the pause): it is held, not advanced, until resumed.
        return Optional.of(setup.clock().instant().plus(setup.ringPoll()));
      }
      applyHold(rings.rollouts().values());
      Optional<Instant> next = rings.advance();
      // rollouts the ring built in this advance (rebuilt from checkpoints a paused replica saved) obey the hold too
      if (applyHold(rings.rollouts().values())) {
        return Optional.of(setup.clock().instant());
      }
      return next;
    }
    applyHold(rollouts.values());
    Instant next = null;
    for (Map.Entry<ScaleSetId, Rollout> e : rollouts.entrySet()) {
      Rollout r = e.getValue();
      if (r.isDone() || refused.containsKey(e.getKey())) {
        continue;
      }
      Optional<Instant> again;
      try {
        again = r.advance();
      } catch (RuntimeException refusal) {
        if (refusal instanceof CloudException c && !c.isRejection()) {
          throw c;
        }
        refused.put(e.getKey(), refusal.getMessage() == null ? refusal.getClass().getSimpleName()
            : refusal.getMessage());
        continue;
      }
      if (r.isDone() && r.status() == RolloutStatus.COMPLETED && events != null) {
        events.upgraded(e.getKey(), setup.clock().instant(), r.progress().toString());
      }
      if (again.isPresent()) {
        next = next == null || again.get().isBefore(next) ? again.get() : next;
      } else if (!r.isDone()) {
        Instant soon = setup.clock().instant().plus(setup.ringPoll()); // paused by someone: look again later
        next = next == null || soon.isBefore(next) ? soon : next;
      }
    }
    return Optional.ofNullable(next);
  }

  /** @return true once nothing more will happen in the lane */
  boolean ended() {
    if (cancelled) {
      return live().stream().allMatch(r -> r.isDone() || refused.containsKey(r.scaleSet()));
    }
    if (rings != null) {
      return rings.status().isTerminal();
    }
    return rollouts.entrySet().stream().allMatch(e -> e.getValue().isDone() || refused.containsKey(e.getKey()));
  }

  /** @return how the lane ended: completed, failed (a ring failed, a rollout faulted) or refused */
  GovernorState.Status outcome() {
    if (cancelled) {
      return GovernorState.Status.CANCELLED;
    }
    if (rings != null) {
      return switch (rings.status()) {
        case COMPLETED -> GovernorState.Status.COMPLETED;
        case REFUSED -> GovernorState.Status.REFUSED;
        default -> GovernorState.Status.FAILED;
      };
    }
    if (!refused.isEmpty()) {
      return GovernorState.Status.REFUSED;
    }
    return rollouts.values().stream().allMatch(r -> r.status() == RolloutStatus.COMPLETED)
        ? GovernorState.Status.COMPLETED : GovernorState.Status.FAILED;
  }

  /** @return the scale sets of a catch-up that did not reach the version, each with why (empty for a ring) */
  Map<ScaleSetId, String> missed() {
    Map<ScaleSetId, String> out = new LinkedHashMap<>(refused);
    rollouts.forEach((id, r) -> {
      if (!refused.containsKey(id) && r.isDone() && r.status() != RolloutStatus.COMPLETED) {
        out.put(id, r.status().azureName() + r.error().map(e -> " [" + e.code() + "] " + e.message()).orElse(""));
      }
    });
    return out;
  }

  /** @return how it ended or stands, in words */
  String detail() {
    if (cancelled) {
      List<Rollout> all = live();
      long stopped = all.stream().filter(r -> r.status() == RolloutStatus.CANCELLED).count();
      long done = all.stream().filter(r -> r.status() == RolloutStatus.COMPLETED).count();
      return "cancelled with the governor: " + stopped + " rollout(s) cancelled after their batch in flight, " + done
          + " had completed" + (rings == null ? "" : "; the ring rollout was let go (" + rings.status() + ")");
    }
    if (rings != null) {
      return rings.error().map(f -> "[" + f.code() + "] " + f.message()).orElse(rings.toString());
    }
    long done = rollouts.values().stream().filter(r -> r.status() == RolloutStatus.COMPLETED).count();
    return done + " of " + rollouts.size() + " scale sets on " + version
        + (missed().isEmpty() ? "" : "; not: " + missed());
  }

  /**
   * Pauses or resumes the lane with the governor: while paused, its rollouts in flight pause at their batch boundary
   * ({@link Rollout#pause()}), and a lane with nothing in flight in this process is not advanced at all (so nothing
   * starts: no ring, no batch, no deferral approval). A ring's rollback of a failed ring is not paused.
   */
  void hold(boolean pause) {
    this.paused = pause;
  }

  /**
   * Cancels the lane with the governor: each rollout in flight finishes its batch and ends {@code Cancelled}
   * ({@link Rollout#cancel()}); they are advanced directly, not through the ring rollout, so that the cancel is not
   * taken for a failed ring (no rollback, no quarantine). The ring rollout itself is let go ({@link #close()}).
   */
  void cancel() {
    this.cancelled = true;
    live().forEach(r -> {
      if (!r.isDone()) {
        r.cancel();
      }
    });
  }

  /** The rollouts of the lane held in this process: a catch-up's, or the ones its ring rollout built. */
  private List<Rollout> live() {
    return List.copyOf(rings != null ? rings.rollouts().values() : rollouts.values());
  }

  /**
   * True when advancing a paused ring lane cannot start anything: orchestrated, and every rollout of it is held in
   * this process (paused here), or — rebuilt after a restart, its rollouts not built yet — each scale set's rollout
   * checkpoint is of this version and has ended or holds the pause (so the ring rebuilds it paused: its batch in
   * flight finishes, and the time it stays paused does not count against its progress deadline).
   */
  private boolean safeWhilePaused() {
    RingRollout r = java.util.Objects.requireNonNull(rings);
    if (r.mode() == RingRollout.Mode.GOVERNED_PLATFORM) {
      return false;
    }
    if (!r.rollouts().isEmpty()) {
      return r.status() == RingRollout.Status.RUNNING;
    }
    for (ScaleSetId id : r.plan().rings().get(0).scaleSets()) {
      Optional<Checkpoint> saved = setup.store().load(id);
      if (saved.isEmpty()) {
        return false;
      }
      RolloutState s = RolloutState.decode(saved.get().data());
      if (!s.target().equals(version) || !(s.status().isTerminal() || s.pauseRequested())) {
        return false;
      }
    }
    return true;
  }

  /** Makes each rollout follow the lane's pause; true when one had to be told. */
  private boolean applyHold(java.util.Collection<Rollout> all) {
    boolean told = false;
    for (Rollout r : List.copyOf(all)) {
      if (r.isDone()) {
        continue;
      }
      if (paused) {
        r.pause(); // idempotent: the rollout asks its engine once
      } else if (r.status() == RolloutStatus.PAUSED) {
        r.resume();
        told = true;
      }
    }
    return told;
  }

  private Optional<Instant> drainCancelled() {
    Instant next = null;
    for (Rollout r : live()) {
      if (r.isDone() || refused.containsKey(r.scaleSet())) {
        continue;
      }
      r.cancel();
      Optional<Instant> again;
      try {
        again = r.advance();
      } catch (RuntimeException refusal) {
        if (refusal instanceof CloudException c && !c.isRejection()) {
          throw c;
        }
        refused.put(r.scaleSet(), refusal.getMessage() == null ? refusal.getClass().getSimpleName()
            : refusal.getMessage());
        continue;
      }
      if (again.isPresent()) {
        next = next == null || again.get().isBefore(next) ? again.get() : next;
      } else if (!r.isDone()) {
        Instant soon = setup.clock().instant().plus(setup.ringPoll());
        next = next == null || soon.isBefore(next) ? soon : next;
      }
    }
    if (next == null) {
      close(); // every rollout ended: the ring rollout is let go (its lease released)
    }
    return Optional.ofNullable(next);
  }

  /** Releases the leases of every rollout the lane holds, without ending anything. */
  void close() {
    if (rings != null) {
      rings.close();
    }
    rollouts.values().forEach(Rollout::close);
  }
}
