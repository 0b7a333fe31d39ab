package dev.osupgrade.testkit;

import dev.osupgrade.fleet.HealthState;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.PowerState;
import dev.osupgrade.fleet.ProvisioningState;
import dev.osupgrade.fleet.ResourceLock;
import dev.osupgrade.image.ImageReference;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Writes the fleet's ground truth ({@link FleetRecord}): each instance's changes, appended only when its state
 * really changes, and one shared sequence that orders those changes against the port calls.
 *
 * <p>Kept compact because a fleet of a thousand instances lives in the heap benchmark: an instance's history is
 * one {@code long[]} in {@link SimInstance} holding two longs per entry — the time (nanoseconds since the record's
 * origin) and the sequence number, kind and state packed together — and the states themselves (image, provisioning,
 * power, health, protection, lock) are interned here, since a fleet has only a handful of distinct ones. A reimage's
 * start entry interns the state with the image being put on the disk; the image the disk still runs is the one of
 * the entry before it.
 */
final class Recorder {
  static final long[] EMPTY = new long[0];
  private static final InstanceChange.Kind[] KINDS = InstanceChange.Kind.values();
  private static final int STATE_BITS = 28;
  private static final long STATE_MASK = (1L << STATE_BITS) - 1;

  private final VirtualClock clock;
  private final Instant origin;
  private long lastSequence;
  private final List<State> states = new ArrayList<>();
  private final Map<State, Integer> stateIndex = new HashMap<>();

  /** One distinct state an instance can show. */
  private record State(ImageReference image, ProvisioningState provisioning, PowerState power, HealthState health,
      boolean protectedFromUpgrade, ResourceLock lock) {}

  Recorder(VirtualClock clock) {
    this.clock = clock;
    this.origin = clock.instant();
  }

  /** @return the last number of the record's sequence handed out (0 before the first) */
  long lastSequence() {
    return lastSequence;
  }

  /** @return the next number of the record's sequence (port calls and instance changes share it) */
  long nextSequence() {
    if (lastSequence == Integer.MAX_VALUE) {
      throw new IllegalStateException("the fleet's record is full: more than " + Integer.MAX_VALUE + " entries");
    }
    return ++lastSequence;
  }

  // ---- writing ----------------------------------------------------------------------------------------------------

  /** The instance came into being (its fields hold its first state). */
  void created(SimInstance i) {
    int state = intern(i.image, i);
    append(i, InstanceChange.Kind.CREATED, state);
    i.shownState = state;
  }

  /** A reimage began (its fields already hold Updating, Starting, Initializing). */
  void reimageStarted(SimInstance i, ImageReference target, boolean rollback) {
    append(i, rollback ? InstanceChange.Kind.ROLLBACK_STARTED : InstanceChange.Kind.UPGRADE_STARTED,
        intern(target, i));
    i.shownState = intern(i.image, i);
  }

  /** A reimage or creation finished: the disk runs {@code i.image}. */
  void imageChanged(SimInstance i) {
    int state = intern(i.image, i);
    append(i, InstanceChange.Kind.IMAGE_CHANGED, state);
    i.shownState = state;
  }

  /** The instance was deleted. */
  void deleted(SimInstance i) {
    append(i, InstanceChange.Kind.DELETED, i.shownState);
  }

  /**
   * Records the instance's state if it differs from the last one recorded (a health laid over it, a flapping phase,
   * a settled health, a protection).
   *
   * @return the health a probe sees now
   */
  HealthState changed(SimInstance i) {
    HealthState health = i.effectiveHealth(clock.instant());
    State last = i.shownState < 0 ? null : states.get(i.shownState);
    if (last == null || !last.image().equals(i.image) || last.provisioning() != i.provisioning
        || last.power() != i.power || last.health() != health
        || last.protectedFromUpgrade() != i.leftAloneByUpgrades() || last.lock() != i.lock) {
      int state = intern(new State(i.image, i.provisioning, i.power, health, i.leftAloneByUpgrades(), i.lock));
      append(i, InstanceChange.Kind.CHANGED, state);
      i.shownState = state;
    }
    return health;
  }

  /**
   * Brings every instance's history up to date (a flapping instance changes health without an event) and counts the
   * scale set's true health: called as each port call arrives, so that the histories show exactly what the call saw.
   */
  FleetHealth sync(SimScaleSet s) {
    int unhealthy = 0;
    int unknown = 0;
    for (SimInstance i : s.instances.values()) {
      HealthState h = changed(i);
      if (h == HealthState.UNHEALTHY) {
        unhealthy++;
      } else if (h == HealthState.UNKNOWN) {
        unknown++;
      }
    }
    return new FleetHealth(s.instances.size(), unhealthy, unknown);
  }

  private int intern(ImageReference image, SimInstance i) {
    return intern(new State(image, i.provisioning, i.power, i.effectiveHealth(clock.instant()),
        i.leftAloneByUpgrades(), i.lock));
  }

  private int intern(State state) {
    Integer known = stateIndex.get(state);
    if (known != null) {
      return known;
    }
    if (states.size() > STATE_MASK) {
      throw new IllegalStateException("the fleet's record holds too many distinct instance states");
    }
    states.add(state);
    stateIndex.put(state, states.size() - 1);
    return states.size() - 1;
  }

  private void append(SimInstance i, InstanceChange.Kind kind, int state) {
    long at;
    try {
      at = Duration.between(origin, clock.instant()).toNanos();
    } catch (ArithmeticException e) {
      throw new IllegalStateException("the fleet's record spans at most 292 years of fleet time", e);
    }
    long meta = (nextSequence() << 32) | ((long) kind.ordinal() << STATE_BITS) | state;
    if (i.trailLength + 2 > i.trail.length) {
      int grown = Math.max(8, i.trail.length + (i.trail.length / 4) * 2);
      i.trail = Arrays.copyOf(i.trail, grown);
    }
    i.trail[i.trailLength++] = at;
    i.trail[i.trailLength++] = meta;
  }

  // ---- reading ----------------------------------------------------------------------------------------------------

  /** @return the instance's history, oldest first */
  List<InstanceChange> history(SimInstance i) {
    List<InstanceChange> out = new ArrayList<>(i.trailLength / 2);
    ImageReference running = null;
    for (int k = 0; k < i.trailLength; k += 2) {
      InstanceChange.Kind kind = kindOf(i.trail[k + 1]);
      State s = stateOf(i.trail[k + 1]);
      Instant at = origin.plusNanos(i.trail[k]);
      boolean reimage = kind == InstanceChange.Kind.UPGRADE_STARTED || kind == InstanceChange.Kind.ROLLBACK_STARTED;
      ImageReference image = reimage && running != null ? running : s.image();
      if (!reimage) {
        running = s.image();
      }
      out.add(new InstanceChange(at, kind, image, s.provisioning(), s.power(), s.health(), s.protectedFromUpgrade(),
          s.lock(), reimage ? s.image() : null));
    }
    return out;
  }

  /**
   * The instance as a read made at {@code sequence} showed it (or would have).
   *
   * @param model the model's resolved image then, for {@code latestModelApplied}
   * @return the instance, or null if it did not exist then
   */
  @Nullable Instance shownAt(SimScaleSet scaleSet, SimInstance i, long sequence, ImageReference model) {
    int last = -1;
    int lo = 0;
    int hi = i.trailLength / 2 - 1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      if (sequenceOf(i.trail[2 * mid + 1]) < sequence) {
        last = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    if (last < 0) {
      return null;
    }
    long meta = i.trail[2 * last + 1];
    InstanceChange.Kind kind = kindOf(meta);
    if (kind == InstanceChange.Kind.DELETED) {
      return null;
    }
    State s = stateOf(meta);
    ImageReference image = s.image();
    if (isReimage(kind)) {
      // During a reimage the disk still runs the image of the last entry that was not a reimage's start.
      int k = last - 1;
      while (k >= 0 && isReimage(kindOf(i.trail[2 * k + 1]))) {
        k--;
      }
      if (k >= 0) {
        image = stateOf(i.trail[2 * k + 1]).image();
      }
    }
    boolean followsLatest = scaleSet.followsLatest.floorEntry(2 * sequence).getValue();
    // The last reimage or creation that ended by then (its IMAGE_CHANGED entry) is when the instance was provisioned.
    Instant provisionedAt = null;
    for (int k = last; k >= 0; k--) {
      if (kindOf(i.trail[2 * k + 1]) == InstanceChange.Kind.IMAGE_CHANGED) {
        provisionedAt = origin.plusNanos(i.trail[2 * k]);
        break;
      }
    }
    return FleetContext.instance(i, image, scaleSet.onModel(image, model, followsLatest), s.provisioning(), s.power(),
        s.health(), s.protectedFromUpgrade(), s.lock(), provisionedAt);
  }

  /** @return how many entries the instance's history holds */
  static int length(SimInstance i) {
    return i.trailLength / 2;
  }

  private static boolean isReimage(InstanceChange.Kind kind) {
    return kind == InstanceChange.Kind.UPGRADE_STARTED || kind == InstanceChange.Kind.ROLLBACK_STARTED;
  }

  private static long sequenceOf(long meta) {
    return meta >>> 32;
  }

  private static InstanceChange.Kind kindOf(long meta) {
    return KINDS[(int) ((meta >>> STATE_BITS) & 0xF)];
  }

  private State stateOf(long meta) {
    return states.get((int) (meta & STATE_MASK));
  }
}
