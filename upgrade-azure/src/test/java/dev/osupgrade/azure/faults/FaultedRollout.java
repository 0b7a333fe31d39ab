package dev.osupgrade.azure.faults;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import dev.osupgrade.OsUpgradeException;
import dev.osupgrade.azure.AzureFleet;
import dev.osupgrade.azure.emulator.ArmFaults;
import dev.osupgrade.event.InstanceFailed;
import dev.osupgrade.event.RolloutEvent;
import dev.osupgrade.event.RolloutStalled;
import dev.osupgrade.fleet.HealthState;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.InstanceIds;
import dev.osupgrade.fleet.ScaleSet;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.image.ImageVersion;
import dev.osupgrade.ops.RolloutStatus;
import dev.osupgrade.port.Checkpoint;
import dev.osupgrade.port.Lease;
import dev.osupgrade.port.LeaseLostException;
import dev.osupgrade.port.RolloutStore;
import dev.osupgrade.rollout.InstanceProgress;
import dev.osupgrade.rollout.InstanceStage;
import dev.osupgrade.rollout.Rollout;
import dev.osupgrade.rollout.RolloutState;
import dev.osupgrade.testkit.SimulatedFleet;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * Drives a {@link Rollout} through {@link AzureFleet} over the ARM emulator (behind {@link ArmFaults}) to its end, the
 * way a process that can crash would: its checkpoints in {@link RolloutStore#file}, and whenever an advance throws,
 * the process "crashes" — a new adapter (nothing cached) and a new rollout resumed from the store
 * ({@link Rollout#resuming}) take over after the poll interval. When an advance returns with the rollout neither
 * ended nor scheduled (a resumable stop), the driver waits a minute of fleet time and calls {@link Rollout#resume()}.
 * The run is bounded ({@link #MAX_STEPS} advances, {@link #MAX_FLEET_TIME}); a run that hits a bound is "hung".
 *
 * <p>At the end it reads the truth: the world (without counting calls or letting faults strike; each instance's
 * health after the world has run on for {@link #SETTLE}), and the store's
 * checkpoint, which must decode and agree with the rollout and the world: an instance the checkpoint says succeeded
 * runs the target, one rolled back runs its previous image, one removed or replaced no longer exists, an ended
 * rollout has no action left undone; and a rollout that says {@code Completed} has the model on the target and
 * every instance on the target, or an {@link InstanceFailed} event for the one that is not.
 */
final class FaultedRollout {
  /** The most advances one run may take. */
  static final int MAX_STEPS = 1_000;
  /** The most fleet time one run may take. */
  static final Duration MAX_FLEET_TIME = Duration.ofDays(2);
  /** How long a crashed process takes to come back, and how long the driver waits after a resumable stop. */
  static final Duration RESTART_AFTER = Duration.ofSeconds(30);
  /** How long the world runs on after the rollout before its instances' health is read. */
  static final Duration SETTLE = Duration.ofMinutes(30);

  private final WireMockExtension server;
  private final ArmFaults faults;
  private final SimulatedFleet world;
  private final ScaleSetId web;
  private final Scenario scenario;
  private final RolloutStore store;
  private final List<RolloutEvent> events = new ArrayList<>();
  private final List<String> crashes = new ArrayList<>();
  private final List<String> untyped = new ArrayList<>();
  private final List<String> interrupts = new ArrayList<>();
  private int restartAfterFault = -1;
  private final List<String> restarts = new ArrayList<>();
  private final List<String> leaseLosses = new ArrayList<>();

  /**
   * @param server the server running the emulator and the fault layer, already serving {@code world}
   * @param faults the fault layer
   * @param world the world
   * @param scenario the scenario the world was made for
   * @param storeDirectory where the file store keeps its checkpoints
   */
  FaultedRollout(WireMockExtension server, ArmFaults faults, Scenario.World world, Scenario scenario,
      Path storeDirectory) {
    this.server = server;
    this.faults = faults;
    this.world = world.fleet();
    this.web = world.web();
    this.scenario = scenario;
    this.store = new LeaseWatch(RolloutStore.file(storeDirectory));
  }

  /**
   * The file store, counting the times the runner found its lease lost (a renewal or a save refused with
   * {@link LeaseLostException}): the rollout says nothing of it, it only lets go and takes the lease again, so the
   * driver counts it as a stop.
   */
  private final class LeaseWatch implements RolloutStore {
    private final RolloutStore files;

    LeaseWatch(RolloutStore files) {
      this.files = files;
    }

    @Override
    public Optional<Checkpoint> load(ScaleSetId scaleSet) {
      return files.load(scaleSet);
    }

    @Override
    public Optional<Lease> tryAcquire(ScaleSetId scaleSet, String owner, Instant now, Duration ttl) {
      return files.tryAcquire(scaleSet, owner, now, ttl);
    }

    @Override
    public Lease renew(Lease lease, Instant now, Duration ttl) {
      try {
        return files.renew(lease, now, ttl);
      } catch (LeaseLostException e) {
        leaseLosses.add("renewal at " + now);
        throw e;
      }
    }

    @Override
    public Checkpoint save(Lease lease, long expectedVersion, String data, Instant now) {
      try {
        return files.save(lease, expectedVersion, data, now);
      } catch (LeaseLostException e) {
        leaseLosses.add("save at " + now);
        throw e;
      }
    }

    @Override
    public void release(Lease lease) {
      files.release(lease);
    }

    @Override
    public String toString() {
      return files.toString();
    }
  }

  /** @return every event of every incarnation of the rollout, in order */
  List<RolloutEvent> events() {
    return events;
  }

  /**
   * Also restarts the process once while the fault is at work, whether or not an advance throws: this many advances
   * after the advance in which the first fault fired, the rollout object and its adapter are dropped (a crash: the
   * lease is not released) and a new process resumes from the durable store ({@link Rollout#resuming}) with a new
   * adapter that has read nothing.
   *
   * @param advances 0 for right after the advance in which the fault first fired
   * @return this driver
   */
  FaultedRollout restartAfterFirstFault(int advances) {
    this.restartAfterFault = advances;
    return this;
  }

  /** @return the store */
  RolloutStore store() {
    return store;
  }

  private Rollout.Builder builder(AzureFleet adapter) {
    Rollout.Builder b = store.load(web).isPresent() ? Rollout.resuming(adapter, web, store)
        : Rollout.builder(adapter, web).store(store);
    return scenario.configure(b.target(Scenario.V2).clock(world.clock()).listener(events::add));
  }

  /**
   * Drives the rollout to its end (or a bound).
   *
   * @return the facts
   */
  RunFacts drive() {
    Instant deadline = world.clock().instant().plus(MAX_FLEET_TIME);
    Rollout rollout = builder(faults.adapter(server, world)).build();
    int steps = 0;
    int stops = 0;
    int firstFaultAt = -1;
    boolean reportedStall = false;
    boolean hung = false;
    while (true) {
      if (firstFaultAt < 0 && faults.fired() > 0) {
        firstFaultAt = steps;
      }
      if (++steps > MAX_STEPS || world.clock().instant().isAfter(deadline)) {
        hung = true;
        break;
      }
      Optional<Instant> next;
      try {
        next = rollout.advance();
        if (Thread.interrupted()) {
          interrupts.add("advance " + steps + " returned with the thread interrupted");
        }
      } catch (RuntimeException e) {
        crashes.add(describe(e));
        if (Thread.interrupted()) {
          interrupts.add("advance " + steps + " threw " + describe(e) + " with the thread interrupted");
        }
        if (!(e instanceof OsUpgradeException)) {
          untyped.add(e.toString());
        }
        later(RESTART_AFTER);
        rollout = builder(faults.adapter(server, world)).build();
        continue;
      }
      if (rollout.stall().isPresent() || (!rollout.status().isTerminal() && rollout.error().isPresent())) {
        reportedStall = true;
      }
      if (firstFaultAt < 0 && faults.fired() > 0) {
        firstFaultAt = steps;
      }
      if (next.isPresent() && restarts.isEmpty() && restartAfterFault >= 0 && firstFaultAt >= 0
          && steps >= firstFaultAt + restartAfterFault) {
        // the process dies between two advances; a new one resumes from the store when the rollout asked to look again
        restarts.add("after advance " + steps + " at " + world.clock().instant() + " (" + rollout + ")");
        rollout = builder(faults.adapter(server, world)).build();
      }
      if (next.isPresent()) {
        Instant at = next.get();
        faults.emulator().locked(() -> world.clock().advanceTo(at));
        continue;
      }
      if (rollout.isDone()) {
        break;
      }
      stops++;
      later(RESTART_AFTER);
      rollout.resume();
    }
    reportedStall |= events.stream().anyMatch(RolloutStalled.class::isInstance);
    return facts(rollout, steps, stops, reportedStall, hung);
  }

  private void later(Duration d) {
    faults.emulator().locked(() -> world.clock().advance(d));
  }

  private static String describe(RuntimeException e) {
    String message = String.valueOf(e.getMessage());
    return e.getClass().getSimpleName() + (e instanceof OsUpgradeException o ? ":" + o.code() : "") + " ("
        + (message.length() > 160 ? message.substring(0, 160) + "..." : message) + ")";
  }

  private RunFacts facts(Rollout rollout, int steps, int stops, boolean reportedStall, boolean hung) {
    ScaleSet truth = world.peek(web);
    SortedMap<String, ImageVersion> images = new TreeMap<>(InstanceIds.ORDER);
    SortedMap<String, HealthState> health = new TreeMap<>(InstanceIds.ORDER);
    SortedMap<String, Integer> reimages = new TreeMap<>(InstanceIds.ORDER);
    for (Instance i : truth.instances()) {
      images.put(i.instanceId(), i.imageVersion());
      reimages.put(i.instanceId(), world.reimageCount(web, i.instanceId()));
    }
    // health settles over time (a restored instance boots for a while): read it once the world has settled, so that
    // it says what the instance's image does, not how long ago the rollout happened to end
    later(SETTLE);
    for (Instance i : world.peek(web).instances()) {
      health.put(i.instanceId(), i.health());
    }
    List<String> problems = new ArrayList<>();
    if (!interrupts.isEmpty()) {
      problems.add("the caller's thread was left interrupted " + interrupts.size() + " times, first: "
          + interrupts.get(0));
    }
    checkCompletedTruth(rollout, truth, problems);
    checkCheckpoint(rollout, truth, problems);
    return new RunFacts(rollout.status(), rollout.progress(), rollout.error().map(e -> e.code()).orElse(""),
        truth.modelImage(), images, health, reimages, List.copyOf(crashes), List.copyOf(untyped), stops,
        reportedStall, hung, problems, steps, List.copyOf(restarts), List.copyOf(leaseLosses));
  }

  /** A Completed rollout leaves the model and every instance on the target, or explains the instance that is not. */
  private void checkCompletedTruth(Rollout rollout, ScaleSet truth, List<String> problems) {
    if (rollout.status() != RolloutStatus.COMPLETED) {
      return;
    }
    if (!truth.modelImage().version().map(v -> v.equals(Scenario.V2)).orElse(false)) {
      problems.add("Completed with the model on " + truth.modelImage());
    }
    Set<String> explained = new HashSet<>();
    for (RolloutEvent e : events) {
      if (e instanceof InstanceFailed f) {
        explained.add(f.instanceId());
      }
    }
    List<String> off = new ArrayList<>();
    for (Instance i : truth.instances()) {
      if (!i.runs(Scenario.V2) && !i.protectedFromUpgrade() && !explained.contains(i.instanceId())) {
        off.add(i.instanceId() + " on " + i.imageVersion());
      }
    }
    if (!off.isEmpty()) {
      problems.add("Completed with instances off target and no InstanceFailed: " + off);
    }
  }

  /** The checkpoint decodes and agrees with the rollout and the world. */
  private void checkCheckpoint(Rollout rollout, ScaleSet truth, List<String> problems) {
    Optional<Checkpoint> saved = store.load(web);
    if (saved.isEmpty()) {
      if (rollout.status() != RolloutStatus.NOT_STARTED) {
        problems.add("no checkpoint of a rollout that started");
      }
      return;
    }
    RolloutState state;
    try {
      state = RolloutState.decode(saved.get().data());
    } catch (RuntimeException e) {
      problems.add("checkpoint does not decode: " + e);
      return;
    }
    if (state.status() != rollout.status() || !state.progress().equals(rollout.progress())) {
      problems.add("checkpoint says " + state.status().azureName() + " " + RunFacts.counts(state.progress())
          + ", the rollout " + rollout.status().azureName() + " " + RunFacts.counts(rollout.progress()));
    }
    if (state.status().isTerminal() && !state.outbox().isEmpty()) {
      problems.add("ended with actions never carried out: " + state.outbox());
    }
    List<String> wrong = new ArrayList<>();
    for (InstanceProgress p : state.instances().values()) {
      @Nullable Instance live = truth.instance(p.instanceId()).orElse(null);
      switch (p.stage()) {
        case SUCCEEDED -> {
          if (live == null || !live.runs(state.target())) {
            wrong.add(p.instanceId() + " succeeded but " + (live == null ? "is gone" : "runs " + live.imageVersion()));
          }
        }
        case ROLLED_BACK -> {
          ImageVersion previous = p.previousImage().version().orElse(null);
          if (live == null || previous == null || !live.runs(previous)) {
            wrong.add(p.instanceId() + " rolled back but " + (live == null ? "is gone" : "runs "
                + live.imageVersion()));
          }
        }
        case REMOVED, REPLACED -> {
          // REMOVED also says "left alone": protected (or locked ReadOnly) since it was planned
          if (live != null && !(p.stage() == InstanceStage.REMOVED && live.protectedFromUpgrade())) {
            wrong.add(p.instanceId() + " " + p.stage().name().toLowerCase(java.util.Locale.ROOT)
                + " but exists (" + live.imageVersion() + ")");
          }
        }
        default -> {
          // in flight or failed: nothing the world must show yet
        }
      }
    }
    if (!wrong.isEmpty()) {
      problems.add("checkpoint disagrees with the world: " + wrong);
    }
  }
}
