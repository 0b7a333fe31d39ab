package dev.osupgrade.estate;

import dev.osupgrade.Require;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.governance.QuarantineEntry;
import dev.osupgrade.governance.schedule.ReleaseCalendar;
import dev.osupgrade.image.ImageVersion;
import dev.osupgrade.port.CheckpointConflictException;
import dev.osupgrade.port.Checkpoint;
import dev.osupgrade.port.CloudException;
import dev.osupgrade.port.ImageCatalog;
import dev.osupgrade.port.Lease;
import dev.osupgrade.port.LeaseLostException;
import dev.osupgrade.port.PlatformUpgradePort;
import dev.osupgrade.port.RolloutStore;
import dev.osupgrade.port.ScaleSetInventory;
import dev.osupgrade.port.ScaleSetPort;
import dev.osupgrade.port.ThrottledException;
import dev.osupgrade.rollout.RolloutOptions;
import dev.osupgrade.service.RunnerTask;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Governs a whole estate continuously: on every turn it discovers the scale sets ({@link ScaleSetInventory}), finds
 * each image family's newest eligible, trusted, replicated release ({@link ImageCatalog}, the trust policy, the
 * {@link ReleaseCalendar} for when to expect more), and promotes it ring by ring through the
 * {@link DesiredState}'s rings: a ring starts only inside its scale sets' maintenance windows, after a rehearsal on a
 * twin ({@link Rehearsal}) within the budget, and with every scale set that cannot take the version (replication
 * failed in its region, readiness incomplete, the wrong mode) left out and reported. Each ring runs as ring rollouts
 * of the layer below (one per mode and schedule), which soak it and, when the image is to blame, quarantine the
 * version in the shared quarantine and roll the ring back; the governor then stops the campaign, and no ring of the
 * estate takes that version again. It never runs two versions of one family at once: a newer release waits until the
 * ring in flight has finished, then starts again from the first ring. Scale sets that joined late, or drifted from
 * the version their ring took, are caught up inside their windows.
 *
 * <pre>{@code
 * EstateGovernor governor = EstateGovernor.builder(desired, fleet)    // AzureFleet, or a SimulatedFleet
 *     .clock(clock).store(store).owner(hostName)
 *     .calendar(calendar).rehearsal(TwinRehearsal.create())          // the testkit's twin
 *     .listener(System.out::println)                                 // every decision, as a log line
 *     .build();
 * runner.submit(governor);                                           // a RolloutRunner drives it
 * System.out.println(governor.report());                             // the estate: versions, rings, what next
 * }</pre>
 *
 * <p><b>Durable, fenced, one at a time.</b> Its state (campaigns, lanes, what it knows of each scale set, the
 * quarantine, observed timings, the last rehearsals) is one checkpoint in the shared {@link RolloutStore}, under the
 * reserved key {@link #storeKey(String)}, saved with compare-and-set under a lease like a rollout's: several
 * replicas may run the same governor, exactly one acts, and one that lost the lease sends nothing (the platform calls
 * its lanes make are fenced by its lease; orchestrated rollouts by their own). The state is saved before any lane is
 * started, so a replica that crashed mid-turn is resumed by the next holder from the checkpoint: lanes are rebuilt,
 * their rollouts resume from their own checkpoints, and no instance is upgraded twice.
 *
 * <p><b>Never sleeps.</b> {@link #advance()} does what is due (a turn every {@link Builder#turnInterval}, the lanes
 * when they ask) and returns when to come back; it implements {@link RunnerTask}, so a
 * {@link dev.osupgrade.service.RolloutRunner} drives it ({@code runner.submit(governor)}). Failures of the cloud stall
 * a turn (a {@link GovernorDecision.Kind#TURN_STALLED} decision, tried again), never end it.
 *
 * <p>Not thread-safe: drive it from one thread at a time (the runner does).
 */
public final class EstateGovernor implements RunnerTask {
  /** The subscription part of the governor's reserved store key: not a GUID, so no real scale set can have it. */
  public static final String RESERVED_SUBSCRIPTION = "osupgrade-governor";
  /** The default time between turns: 15 minutes. */
  public static final Duration DEFAULT_TURN_INTERVAL = Duration.ofMinutes(15);
  /** The default time between full reads of every scale set (instances, drift): 6 hours. */
  public static final Duration DEFAULT_INVENTORY_INTERVAL = Duration.ofHours(6);
  /** The default time between looks at a ring while it runs or soaks: 5 minutes. */
  public static final Duration DEFAULT_RING_POLL = Duration.ofMinutes(5);
  /** The default lease: 5 minutes. */
  public static final Duration DEFAULT_LEASE = Duration.ofMinutes(5);
  /** How long a scale set whose catch-up failed waits before the next try: 1 day. */
  public static final Duration CATCH_UP_RETRY = Duration.ofDays(1);
  /** How long a ring blocked by its rehearsal waits before it is rehearsed again: 6 hours. */
  public static final Duration REHEARSAL_RETRY = Duration.ofHours(6);

  final String name;
  final DesiredState desired;
  final ScaleSetInventory inventory;
  final ScaleSetPort fleet;
  final ImageCatalog catalog;
  final @Nullable PlatformUpgradePort platform;
  final RolloutStore store;
  final String owner;
  final Clock clock;
  final @Nullable ReleaseCalendar calendar;
  final @Nullable Rehearsal rehearsal;
  private final List<Consumer<GovernorDecision>> listeners;
  final Duration turnInterval;
  final Duration inventoryInterval;
  final Duration ringPoll;
  final RolloutOptions rolloutOptions;
  private final Duration leaseDuration;
  private final ScaleSetId key;

  // ---- what this replica holds ----
  private @Nullable Lease lease;
  private long checkpointVersion;
  GovernorState state = new GovernorState();
  final Map<String, RingDriver> drivers = new TreeMap<>();
  final Map<String, Instant> laneDue = new TreeMap<>();
  Instant nextTurnAt = Instant.MIN;
  boolean rebuild;
  private boolean dirty;
  private final List<GovernorDecision> pending = new ArrayList<>();
  private final List<GovernorDecision> decisions = new ArrayList<>();
  final Campaigns campaigns;
  private boolean stalledNow;
  /** True while this object's state is the one it loaded or saved last (false after a lost save). */
  private boolean held;
  /** An operator's requests not yet in the checkpoint: applied by the next advance that holds the lease. */
  private final List<GovernorState.Hold> requested = new ArrayList<>();

  private EstateGovernor(Builder b) {
    this.name = b.name;
    this.desired = b.desired;
    this.inventory = b.inventory;
    this.fleet = b.fleet;
    this.catalog = b.catalog;
    this.platform = b.platform;
    this.store = b.store;
    this.owner = b.owner;
    this.clock = Require.nonNull(b.clock, "clock");
    this.calendar = b.calendar;
    this.rehearsal = b.rehearsal;
    this.listeners = List.copyOf(b.listeners);
    this.turnInterval = b.turnInterval;
    this.inventoryInterval = b.inventoryInterval;
    this.ringPoll = b.ringPoll;
    this.rolloutOptions = b.rolloutOptions;
    this.leaseDuration = b.leaseDuration;
    this.key = storeKey(b.name);
    this.campaigns = new Campaigns(this);
  }

  /**
   * Starts building a governor over ports that one object implements ({@code AzureFleet}, {@code SimulatedFleet}):
   * discovery, scale sets, the image catalog and, when it implements it, the platform's own upgrade.
   *
   * @param desired the desired state
   * @param fleet the fleet: a {@link ScaleSetInventory}, {@link ScaleSetPort} and {@link ImageCatalog}
   * @param <F> the fleet's type
   * @return a builder
   */
  public static <F extends ScaleSetInventory & ScaleSetPort & ImageCatalog> Builder builder(DesiredState desired,
      F fleet) {
    Require.nonNull(fleet, "fleet");
    return builder(desired, fleet, fleet, fleet)
        .platformIfAny(fleet instanceof PlatformUpgradePort p ? p : null);
  }

  /**
   * Starts building a governor over separate ports.
   *
   * @param desired the desired state
   * @param inventory where scale sets are discovered
   * @param fleet the scale sets
   * @param catalog the image releases
   * @return a builder
   */
  public static Builder builder(DesiredState desired, ScaleSetInventory inventory, ScaleSetPort fleet,
      ImageCatalog catalog) {
    return new Builder(desired, inventory, fleet, catalog);
  }

  /**
   * The store key the governor of a name keeps its checkpoint and lease under.
   *
   * @param name the governor's name
   * @return {@code osupgrade-governor/estate/{name}} as a scale set id, in the {@link #RESERVED_SUBSCRIPTION}
   */
  public static ScaleSetId storeKey(String name) {
    return ScaleSetId.of(RESERVED_SUBSCRIPTION, "estate", Require.nonNull(name, "name"));
  }

  // ---- advancing ----------------------------------------------------------------------------------------------

  /**
   * Does what is due now — a turn (discover, decide, start rings and catch-ups) when one is due, and every lane that
   * asked to be looked at — saves the checkpoint, and says when to come back. A replica that does not hold the
   * governor's lease does nothing and comes back when the lease may have passed.
   *
   * @return when to call again (never empty: the governor runs until closed)
   * @throws dev.osupgrade.InvalidValueException if the clock reads a time the library cannot compute with
   */
  @Override
  public Optional<Instant> advance() {
    Instant now = Require.instant("clock.instant()", clock.instant());
    stalledNow = false;
    Optional<Lease> taken = store.tryAcquire(key, owner, now, leaseDuration);
    if (taken.isEmpty()) {
      forget();
      return Optional.of(now.plus(leaseWait()));
    }
    boolean newHolding = lease == null || lease.token() != taken.get().token();
    lease = taken.get();
    try {
      if (newHolding) {
        reload(now);
      }
      applyRequests(now);
      if (isDone()) {
        return ended(now);
      }
      for (int guard = 0; guard < 32; guard++) {
        if (!now.isBefore(nextTurnAt)) {
          turn(now);
        }
        save(now);
        boolean ended = driveLanes(now);
        save(now);
        if (!ended) {
          break;
        }
        nextTurnAt = now; // a lane ended: promote, or start what it held back, at once
      }
      clearStall();
      endIfCancelled(now);
      save(now);
      if (isDone()) {
        return ended(now);
      }
    } catch (LeaseLostException | CheckpointConflictException e) {
      forget();
      return Optional.of(now.plus(leaseWait()));
    } catch (CloudException e) {
      return stalled(now, e);
    }
    Instant next = nextTurnAt;
    for (Instant due : laneDue.values()) {
      next = due.isBefore(next) ? due : next;
    }
    Instant renew = now.plus(leaseDuration.dividedBy(2)); // come back in time to keep the lease
    next = renew.isBefore(next) ? renew : next;
    return Optional.of(next.isAfter(now) ? next : now.plusSeconds(1));
  }

  private void turn(Instant now) {
    Instant due = nextTurnAt;
    nextTurnAt = now.plus(turnInterval);
    if (state.hold == GovernorState.Hold.CANCELLED) {
      return; // nothing is decided any more: the lanes in flight drain
    }
    try {
      campaigns.turn(now); // what it decides marks the state dirty; what it only read is read again next turn
    } catch (CloudException e) {
      nextTurnAt = due; // the turn did not finish: the retry after the stall runs it again, not the next interval
      throw e;
    }
  }

  /** Advances every lane that is due; returns true when one ended. */
  private boolean driveLanes(Instant now) {
    boolean ended = false;
    for (GovernorState.Lane lane : state.runningLanes()) {
      RingDriver driver = drivers.get(lane.key);
      if (driver == null) {
        continue; // rebuilt by the next turn
      }
      Instant due = laneDue.getOrDefault(lane.key, now);
      if (due.isAfter(now)) {
        continue;
      }
      Optional<Instant> next;
      try {
        fence();
        next = driver.advance();
      } catch (CloudException e) {
        laneDue.put(lane.key, now.plus(retryAfter(e)));
        noteStall(now, "lane " + lane.key + ": [" + e.code() + "] " + e.getMessage());
        continue;
      }
      if (driver.ended()) {
        campaigns.laneEnded(lane, driver, now);
        drivers.remove(lane.key);
        laneDue.remove(lane.key);
        dirty = true;
        ended = true;
      } else {
        laneDue.put(lane.key, next.orElse(now.plus(ringPoll)));
      }
    }
    return ended;
  }

  // ---- an operator's control ---------------------------------------------------------------------------------

  /** @return true: a governor takes pause, resume and cancel (through its runner handle, or called directly) */
  @Override
  public boolean supportsControl() {
    return true;
  }

  /**
   * Pauses the estate: from the next {@link #advance()} that holds the lease, no campaign, ring or catch-up starts
   * and no ring is promoted; the orchestrated rollouts in flight pause at their batch boundary (the batch in flight
   * finishes, as {@link dev.osupgrade.rollout.Rollout#pause()} does), and a lane with nothing in flight (a ring not
   * yet started, soaking after a restart, or governed by the platform, whose deferrals are then not approved) is not
   * advanced at all. A failed ring's rollback is not paused. The governor keeps turning — discovery, the inventory,
   * the quarantine, the report — and a quarantine still stops its campaign. The pause is kept in the checkpoint
   * ({@link GovernorDecision.Kind#GOVERNOR_PAUSED}): a replica that takes over stays paused until {@link #resume()}.
   * Does nothing if paused or cancelled already. Call it from the thread that advances the governor (a runner's
   * handle does so between two advances); a replica that does not hold the lease applies it once it does.
   */
  @Override
  public void pause() {
    requested.add(GovernorState.Hold.PAUSED);
  }

  /**
   * Resumes a paused estate: paused rollouts go on, and the next turn runs at once
   * ({@link GovernorDecision.Kind#GOVERNOR_RESUMED}). Does nothing unless paused.
   */
  @Override
  public void resume() {
    requested.add(GovernorState.Hold.NONE);
  }

  /**
   * Cancels governing for good: nothing starts again; each orchestrated rollout in flight finishes its batch and
   * ends {@code Cancelled} (as {@link dev.osupgrade.rollout.Rollout#cancel()} does; a ring that is cancelled is not
   * taken for a failed one: no rollback, no quarantine); lanes governed by the platform get no more approvals. Once
   * the last rollout has ended, the campaigns in flight are {@code CANCELLED}, the governor ends
   * ({@link GovernorDecision.Kind#GOVERNOR_ENDED}, {@link #isDone()}) and releases its lease. Kept in the checkpoint:
   * a replica that loads it ends too. To govern again, build a governor of another {@link Builder#name name}.
   */
  @Override
  public void cancel() {
    requested.add(GovernorState.Hold.CANCELLED);
  }

  /** @return true while the checkpoint this replica holds says paused */
  public boolean isPaused() {
    return state.hold == GovernorState.Hold.PAUSED;
  }

  private void applyRequests(Instant now) {
    for (GovernorState.Hold want : requested) {
      GovernorState.Hold was = state.hold;
      if (was == want || was == GovernorState.Hold.CANCELLED
          || (want == GovernorState.Hold.NONE && was != GovernorState.Hold.PAUSED)) {
        continue;
      }
      state.hold = want;
      state.holdAt = want == GovernorState.Hold.NONE ? null : now;
      List<GovernorState.Lane> lanes = state.runningLanes();
      List<ScaleSetId> inFlight = lanes.stream().flatMap(l -> l.scaleSets.stream()).toList();
      switch (want) {
        case PAUSED -> decide(now, GovernorDecision.Kind.GOVERNOR_PAUSED, "*", null, null, inFlight, "paused by an "
            + "operator: no campaign, ring or catch-up starts and no ring is promoted; " + lanes.size()
            + " lane(s) in flight pause at their batch boundary");
        case NONE -> decide(now, GovernorDecision.Kind.GOVERNOR_RESUMED, "*", null, null, inFlight, "resumed by "
            + "an operator; "
            + lanes.size() + " lane(s) go on; the next turn runs now");
        case CANCELLED -> decide(now, GovernorDecision.Kind.GOVERNOR_CANCELLED, "*", null, null, inFlight,
            "cancelled by an operator: nothing starts again; " + lanes.size() + " lane(s) in flight cancel after "
                + "their batch in flight");
        default -> throw new IllegalStateException("hold " + want);
      }
      for (RingDriver d : drivers.values()) {
        holdDriver(d);
      }
      laneDue.replaceAll((k, v) -> now); // every lane hears of it now
      nextTurnAt = now;
    }
    requested.clear();
  }

  /** Makes a lane's driver (new, or rebuilt from the checkpoint) follow the governor's hold. */
  void holdDriver(RingDriver d) {
    switch (state.hold) {
      case PAUSED -> d.hold(true);
      case CANCELLED -> d.cancel();
      default -> d.hold(false);
    }
  }

  /** A cancelled governor whose last lane ended: its campaigns are cancelled and it ends. */
  private void endIfCancelled(Instant now) {
    if (state.hold != GovernorState.Hold.CANCELLED || !state.runningLanes().isEmpty()) {
      return;
    }
    List<String> cancelled = new ArrayList<>();
    for (GovernorState.Family f : state.families.values()) {
      GovernorState.Campaign c = f.campaign;
      if (c != null && c.status == GovernorState.Status.RUNNING) {
        c.status = GovernorState.Status.CANCELLED;
        c.endedAt = now;
        cancelled.add(f.name + " " + c.version);
      }
    }
    if (state.ended) {
      return;
    }
    state.ended = true;
    decide(now, GovernorDecision.Kind.GOVERNOR_ENDED, "*", null, null, List.of(), "every rollout in flight ended; "
        + (cancelled.isEmpty() ? "no campaign was running" : "campaign(s) cancelled: " + String.join(", ",
            cancelled)) + "; the governor starts nothing again");
  }

  /** The governor has ended: saves what is left and lets go of the lease. */
  private Optional<Instant> ended(Instant now) {
    save(now);
    closeDrivers();
    if (lease != null) {
      store.release(lease);
      lease = null;
    }
    return Optional.empty();
  }

  // ---- lease and checkpoint -----------------------------------------------------------------------------------

  private Duration leaseWait() {
    return leaseDuration.compareTo(turnInterval) < 0 ? leaseDuration : turnInterval;
  }

  /** The fence of every mutating call the governor's lanes make outside a rollout's own lease. */
  void fence() {
    Lease held = lease;
    if (held == null) {
      throw new LeaseLostException(owner + " holds no lease of governor " + name);
    }
    lease = store.renew(held, clock.instant(), leaseDuration);
  }

  private void reload(Instant now) {
    Optional<Checkpoint> saved = store.load(key);
    if (held && saved.map(Checkpoint::version).orElse(0L) == checkpointVersion) {
      return; // the lease lapsed, but nobody saved since this replica did: what it holds in memory is current
    }
    closeDrivers();
    if (saved.isEmpty()) {
      state = new GovernorState();
      checkpointVersion = 0;
      rebuild = false;
      held = true;
    } else {
      state = GovernorState.decode(saved.get().data());
      checkpointVersion = saved.get().version();
      rebuild = true;
      held = true;
      for (QuarantineEntry e : state.quarantine.values()) {
        desired.trust().quarantine().add(e.image(), e.by(), e.at(), e.why()); // a restart forgets nothing it saw
      }
    }
    nextTurnAt = now;
    dirty = false;
  }

  private void save(Instant now) {
    if (!dirty) {
      deliver();
      return;
    }
    Lease held = Require.nonNull(lease, "lease");
    checkpointVersion = store.save(held, checkpointVersion, state.encode(), now).version();
    dirty = false;
    deliver();
  }

  /** The lease is lost (or was never held): forget everything held under it; the next holding reloads. */
  private void forget() {
    if (lease != null || !drivers.isEmpty()) {
      closeDrivers();
    }
    lease = null;
    pending.clear();
    dirty = false;
    held = false;
  }

  private void closeDrivers() {
    drivers.values().forEach(RingDriver::close);
    drivers.clear();
    laneDue.clear();
  }

  void markDirty() {
    dirty = true;
  }

  // ---- stalls -------------------------------------------------------------------------------------------------

  private Optional<Instant> stalled(Instant now, CloudException e) {
    noteStall(now, "[" + e.code() + "] " + e.getMessage());
    try {
      save(now);
    } catch (LeaseLostException | CheckpointConflictException lost) {
      forget();
      return Optional.of(now.plus(leaseWait()));
    } catch (CloudException ignored) {
      // the store is part of the stall: nothing is saved, nothing is lost (the decisions wait for the next save)
    }
    return Optional.of(now.plus(retryAfter(e)));
  }

  private static Duration retryAfter(CloudException e) {
    Duration wait = Duration.ofMinutes(1);
    return e instanceof ThrottledException t && t.retryAfter().compareTo(wait) > 0 ? t.retryAfter() : wait;
  }

  private void noteStall(Instant now, String why) {
    stalledNow = true;
    String cause = why.length() > 300 ? why.substring(0, 300) + "…" : why;
    if (!cause.equals(state.stall)) {
      state.stall = cause;
      decide(now, GovernorDecision.Kind.TURN_STALLED, "*", null, null, List.of(), cause + "; tried again");
    }
  }

  private void clearStall() {
    if (!state.stall.isEmpty() && !stalledNow) {
      state.stall = "";
      dirty = true;
    }
  }

  // ---- decisions ----------------------------------------------------------------------------------------------

  /** Records a decision; it reaches the listeners once the checkpoint that follows it is saved. */
  GovernorDecision decide(Instant at, GovernorDecision.Kind kind, String family, @Nullable ImageVersion version,
      @Nullable String ring, List<ScaleSetId> scaleSets, String detail) {
    GovernorDecision d = new GovernorDecision(++state.decisions, at, kind, family, version, ring, scaleSets, detail);
    pending.add(d);
    dirty = true;
    return d;
  }

  private void deliver() {
    for (GovernorDecision d : pending) {
      decisions.add(d);
      for (Consumer<GovernorDecision> l : listeners) {
        try {
          l.accept(d);
        } catch (RuntimeException ignored) {
          // a listener's failure must not stop the governor
        }
      }
    }
    pending.clear();
  }

  // ---- reading ------------------------------------------------------------------------------------------------

  /** @return the governor's name */
  @Override
  public String name() {
    return "governor " + name;
  }

  /**
   * @return true once a {@linkplain #cancel() cancelled} governor's last rollout has ended (as the checkpoint this
   *     replica holds says); a governor otherwise runs until it is closed
   */
  @Override
  public boolean isDone() {
    return state.hold == GovernorState.Hold.CANCELLED && state.ended;
  }

  /**
   * @return {@code ACTING} while this replica holds the lease, {@code STANDBY} otherwise, {@code STALLED} while a
   *     failure of the cloud or the store keeps its turn from finishing, {@code PAUSED} while paused,
   *     {@code CANCELLING} while cancelled rollouts finish their batch, {@code CANCELLED} once it has ended
   */
  @Override
  public String status() {
    if (isDone()) {
      return "CANCELLED";
    }
    if (lease == null) {
      return "STANDBY";
    }
    return switch (state.hold) {
      case PAUSED -> "PAUSED";
      case CANCELLED -> "CANCELLING";
      default -> state.stall.isEmpty() ? "ACTING" : "STALLED";
    };
  }

  @Override
  public String detail() {
    return toString();
  }

  /** @return the scale sets of the lanes running now */
  @Override
  public List<ScaleSetId> scaleSets() {
    return state.runningLanes().stream().flatMap(l -> l.scaleSets.stream()).toList();
  }

  /** @return every decision this object delivered, oldest first (a restarted governor starts a new list) */
  public List<GovernorDecision> decisions() {
    return Collections.unmodifiableList(decisions);
  }

  /** @return the decision log, one line per decision */
  public String decisionLog() {
    StringBuilder b = new StringBuilder();
    decisions.forEach(d -> b.append(d).append('\n'));
    return b.toString();
  }

  /** @return the desired state it governs by */
  public DesiredState desired() {
    return desired;
  }

  /**
   * The estate as the governor knows it now: the version matrix, drift and overdue deferrals, quarantined versions
   * with why, the last rehearsals, and what it will do next and when. Reads nothing from the estate (the last turn
   * did); call it from the thread that advances the governor.
   *
   * @return the report
   */
  public EstateReport report() {
    return Reports.of(this, Require.instant("clock.instant()", clock.instant()));
  }

  /**
   * Lets go of the estate without ending anything: releases the leases of every lane's rollouts and the governor's
   * own, so that another replica, or this service restarted, takes over at once. A runner calls it on shutdown. A
   * later {@link #advance()} takes the lease again and reloads the checkpoint.
   */
  @Override
  public void close() {
    closeDrivers();
    held = false; // the lanes are let go: the next holding rebuilds them from the checkpoint
    if (lease != null) {
      store.release(lease);
      lease = null;
    }
  }

  @Override
  public String toString() {
    long running = state.runningLanes().size();
    List<String> campaignsText = new ArrayList<>();
    state.families.values().forEach(f -> {
      if (f.campaign != null) {
        campaignsText.add(f.name + " " + f.campaign.version + " " + f.campaign.status
            + (f.campaign.status == GovernorState.Status.RUNNING ? " ring " + Math.min(f.campaign.ring,
                desired.rings().size() - 1) : ""));
      }
    });
    return "EstateGovernor[" + name + ", " + status() + ", " + state.known.size() + " scale sets, " + running
        + " lane(s) running" + (campaignsText.isEmpty() ? "" : ", " + String.join("; ", campaignsText)) + "]";
  }

  /** Builds an {@link EstateGovernor}. Not thread-safe. */
  public static final class Builder {
    private final DesiredState desired;
    private final ScaleSetInventory inventory;
    private final ScaleSetPort fleet;
    private final ImageCatalog catalog;
    private @Nullable PlatformUpgradePort platform;
    private @Nullable Clock clock;
    private RolloutStore store = RolloutStore.inMemory();
    private String owner = "local";
    private String name = "estate";
    private @Nullable ReleaseCalendar calendar;
    private @Nullable Rehearsal rehearsal;
    private final List<Consumer<GovernorDecision>> listeners = new ArrayList<>();
    private Duration turnInterval = DEFAULT_TURN_INTERVAL;
    private Duration inventoryInterval = DEFAULT_INVENTORY_INTERVAL;
    private Duration ringPoll = DEFAULT_RING_POLL;
    private Duration leaseDuration = DEFAULT_LEASE;
    private RolloutOptions rolloutOptions = RolloutOptions.ofDefaults();

    private Builder(DesiredState desired, ScaleSetInventory inventory, ScaleSetPort fleet, ImageCatalog catalog) {
      this.desired = Require.nonNull(desired, "desired");
      this.inventory = Require.nonNull(inventory, "inventory");
      this.fleet = Require.nonNull(fleet, "fleet");
      this.catalog = Require.nonNull(catalog, "catalog");
    }

    private Builder platformIfAny(@Nullable PlatformUpgradePort value) {
      this.platform = value;
      return this;
    }

    /**
     * Sets the platform port that scale sets in {@link GovernanceMode#GOVERNED_PLATFORM} are upgraded through
     * (set already when the fleet implements it).
     *
     * @param value the port
     * @return this builder
     */
    public Builder platform(PlatformUpgradePort value) {
      this.platform = Require.nonNull(value, "platform");
      return this;
    }

    /**
     * Sets the clock (required): the same clock the runner uses.
     *
     * @param value the clock
     * @return this builder
     */
    public Builder clock(Clock value) {
      this.clock = Require.nonNull(value, "clock");
      return this;
    }

    /**
     * Keeps the governor's checkpoint and its rollouts' checkpoints in this store (default: in memory); replicas of
     * one governor share one store.
     *
     * @param value the store
     * @return this builder
     */
    public Builder store(RolloutStore value) {
      this.store = Require.nonNull(value, "store");
      return this;
    }

    /**
     * Names this replica for the leases (default {@code local}): unique per replica, stable across its restarts.
     *
     * @param value one line of at most 256 characters
     * @return this builder
     */
    public Builder owner(String value) {
      this.owner = Require.name("owner", value, 256);
      return this;
    }

    /**
     * Names the governor (default {@code estate}): its checkpoint's key ({@link #storeKey}). Governors of separate
     * estates sharing a store need separate names.
     *
     * @param value a name of at most 64 characters without {@code '/'} or white space
     * @return this builder
     */
    public Builder name(String value) {
      storeKey(value); // validates as a scale set name
      this.name = value;
      return this;
    }

    /**
     * Sets the release calendar the report and the waits read expected release and replication times from.
     *
     * @param value the calendar
     * @return this builder
     */
    public Builder calendar(ReleaseCalendar value) {
      this.calendar = Require.nonNull(value, "calendar");
      return this;
    }

    /**
     * Rehearses every ring on a twin before it starts (the testkit's {@code TwinRehearsal}); without one, rings
     * start unrehearsed.
     *
     * @param value the rehearsal
     * @return this builder
     */
    public Builder rehearsal(Rehearsal value) {
      this.rehearsal = Require.nonNull(value, "rehearsal");
      return this;
    }

    /**
     * Adds a listener for the decision log, called once each decision's checkpoint is saved.
     *
     * @param listener the listener
     * @return this builder
     */
    public Builder listener(Consumer<GovernorDecision> listener) {
      listeners.add(Require.nonNull(listener, "listener"));
      return this;
    }

    /**
     * Sets the time between turns (default 15 minutes).
     *
     * @param value between 1 minute and 1 day
     * @return this builder
     */
    public Builder turnInterval(Duration value) {
      this.turnInterval = Require.duration("turnInterval", value, Duration.ofMinutes(1), Duration.ofDays(1));
      return this;
    }

    /**
     * Sets the time between full reads of every scale set (default 6 hours): instances, health and drift; between
     * them, the listing of scale sets and the lanes' own reads keep the picture current.
     *
     * @param value between 1 minute and 7 days
     * @return this builder
     */
    public Builder inventoryInterval(Duration value) {
      this.inventoryInterval = Require.duration("inventoryInterval", value, Duration.ofMinutes(1),
          Duration.ofDays(7));
      return this;
    }

    /**
     * Sets how often a ring is looked at while it runs or soaks (default 5 minutes).
     *
     * @param value positive, at most 1 day
     * @return this builder
     */
    public Builder ringPoll(Duration value) {
      this.ringPoll = Require.positive("ringPoll", value, Duration.ofDays(1));
      return this;
    }

    /**
     * Sets the governor's lease (default 5 minutes): how long a crashed replica holds the estate.
     *
     * @param value positive, at most 1 day
     * @return this builder
     */
    public Builder leaseDuration(Duration value) {
      this.leaseDuration = Require.positive("leaseDuration", value, Duration.ofDays(1));
      return this;
    }

    /**
     * Sets the options every rollout the governor starts runs with (default {@link RolloutOptions#ofDefaults()}): an
     * explicit rolling policy, poll interval, timeouts, gates of your own. The governor adds each scale set's
     * maintenance-window gate; rings add their governance.
     *
     * @param value the options
     * @return this builder
     */
    public Builder rolloutOptions(RolloutOptions value) {
      this.rolloutOptions = Require.nonNull(value, "rolloutOptions");
      return this;
    }

    /** @return the governor, not yet advanced */
    public EstateGovernor build() {
      if (clock == null) {
        throw new IllegalStateException("clock must be set before build(): time comes from an injected Clock");
      }
      return new EstateGovernor(this);
    }
  }
}
