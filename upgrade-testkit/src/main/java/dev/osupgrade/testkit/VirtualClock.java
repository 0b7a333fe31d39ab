package dev.osupgrade.testkit;

import dev.osupgrade.Require;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.PriorityQueue;

/**
 * A clock that moves only when told to, with timers: {@link #advance(Duration)} and {@link #advanceTo(Instant)} move
 * time by hand and run every timer that falls due on the way, in time order (ties in the order they were
 * scheduled); {@link #runUntilIdle()} jumps from timer to timer until none remain. Six hours of fleet time pass in
 * milliseconds.
 *
 * <p>Not thread-safe: one test thread drives it.
 */
public final class VirtualClock extends Clock {
  /** Where a clock starts unless told otherwise: 2026-01-05T00:00:00Z, a Monday. */
  public static final Instant DEFAULT_START = Instant.parse("2026-01-05T00:00:00Z");
  private static final int MAX_TIMERS_PER_RUN = 10_000_000;

  private final PriorityQueue<Timer> timers = new PriorityQueue<>();
  private Instant now;
  private long nextTimerSeq;

  private VirtualClock(Instant start) {
    this.now = start;
  }

  /** @return a clock at {@link #DEFAULT_START} */
  public static VirtualClock create() {
    return new VirtualClock(DEFAULT_START);
  }

  /**
   * Creates a clock at a given time.
   *
   * @param start the starting time (any instant, including odd ones near {@link Instant#MAX})
   * @return the clock
   */
  public static VirtualClock startingAt(Instant start) {
    return new VirtualClock(Require.nonNull(start, "start"));
  }

  @Override
  public Instant instant() {
    return now;
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  /**
   * The clock is always UTC; this returns a fixed view of the current time in another zone.
   *
   * @param zone the zone
   * @return a fixed clock at the current instant
   */
  @Override
  public Clock withZone(ZoneId zone) {
    return Clock.fixed(now, Require.nonNull(zone, "zone"));
  }

  /**
   * Runs a task when time reaches {@code at} (at once on the next advance if {@code at} is not in the future).
   *
   * @param at when
   * @param task what
   * @return a handle that can cancel it
   */
  public Cancellable schedule(Instant at, Runnable task) {
    Require.nonNull(at, "at");
    Require.nonNull(task, "task");
    Timer t = new Timer(at, nextTimerSeq++, task);
    timers.add(t);
    return t;
  }

  /**
   * Runs a task after a delay.
   *
   * @param delay zero or positive, at most {@link Require#MAX_SPAN}, and not past {@link Instant#MAX}
   * @param task what
   * @return a handle that can cancel it
   */
  public Cancellable schedule(Duration delay, Runnable task) {
    return schedule(later("delay", delay), task);
  }

  /**
   * Moves time forward, running every timer due on the way.
   *
   * @param duration zero or positive, at most {@link Require#MAX_SPAN}, and not past {@link Instant#MAX}
   */
  public void advance(Duration duration) {
    advanceTo(later("duration", duration));
  }

  private Instant later(String parameter, Duration d) {
    Require.nonNegative(parameter, d, Require.MAX_SPAN);
    try {
      return now.plus(d);
    } catch (java.time.DateTimeException | ArithmeticException pastTheEnd) {
      throw new dev.osupgrade.InvalidValueException(parameter, "short enough not to pass " + Instant.MAX + " from "
          + now, d);
    }
  }

  /**
   * Moves time to {@code target}, running every timer due on the way; a target in the past runs only what is due.
   *
   * @param target the time to reach
   */
  public void advanceTo(Instant target) {
    Require.nonNull(target, "target");
    int ran = 0;
    while (!timers.isEmpty() && !timers.peek().at.isAfter(target)) {
      Timer t = timers.poll();
      if (t.cancelled) {
        continue;
      }
      if (t.at.isAfter(now)) {
        now = t.at;
      }
      t.task.run();
      if (++ran > MAX_TIMERS_PER_RUN) {
        throw new IllegalStateException("more than " + MAX_TIMERS_PER_RUN + " timers ran before " + target
            + ": a timer keeps rescheduling itself");
      }
    }
    if (target.isAfter(now)) {
      now = target;
    }
  }

  /** Runs timers, jumping from one to the next, until none remain (cancelled timers do not move the clock). */
  public void runUntilIdle() {
    int ran = 0;
    while (true) {
      Timer next = timers.peek();
      while (next != null && next.cancelled) {
        timers.poll();
        next = timers.peek();
      }
      if (next == null) {
        return;
      }
      advanceTo(next.at.isAfter(now) ? next.at : now);
      if (++ran > MAX_TIMERS_PER_RUN) {
        throw new IllegalStateException("timers never ran out: a timer keeps rescheduling itself");
      }
    }
  }

  /** @return how many timers are waiting */
  public int pendingTimers() {
    return (int) timers.stream().filter(t -> !t.cancelled).count();
  }

  @Override
  public String toString() {
    return "VirtualClock[" + now + ", " + pendingTimers() + " timers]";
  }

  /** A scheduled task that can be called off. */
  @FunctionalInterface
  public interface Cancellable {
    /** Calls the task off; it will not run. */
    void cancel();
  }

  private static final class Timer implements Comparable<Timer>, Cancellable {
    final Instant at;
    final long seq;
    final Runnable task;
    boolean cancelled;

    Timer(Instant at, long seq, Runnable task) {
      this.at = at;
      this.seq = seq;
      this.task = task;
    }

    @Override
    public int compareTo(Timer o) {
      int c = at.compareTo(o.at);
      return c != 0 ? c : Long.compare(seq, o.seq);
    }

    @Override
    public void cancel() {
      cancelled = true;
    }
  }
}
