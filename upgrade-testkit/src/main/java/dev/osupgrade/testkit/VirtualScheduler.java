package dev.osupgrade.testkit;

import dev.osupgrade.Require;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.Delayed;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * A {@link ScheduledExecutorService} on a {@link VirtualClock}: code written for a real scheduler (a service's
 * rollout runner, for instance) runs on virtual time, deterministically, on the test's own thread. Nothing runs until
 * the test moves the clock ({@link VirtualClock#advance}, {@link VirtualClock#runUntilIdle}); then tasks run in time
 * order, ties in the order they were submitted. {@link #execute} runs a task at the current virtual time, after what
 * is already due, so a task that hands work to the executor finishes before that work starts, as it would on a busy
 * pool.
 *
 * <pre>{@code
 * SimulatedFleet fleet = SimulatedFleet.create(42);
 * ScheduledExecutorService scheduler = VirtualScheduler.on(fleet.clock());
 * RolloutRunner runner = RolloutRunner.builder(fleet.clock()).scheduler(scheduler).build();
 * runner.submit(rollout);
 * fleet.clock().runUntilIdle();          // hours of fleet time, in milliseconds
 * }</pre>
 *
 * <p>Unlike a thread pool: a task's exception from {@link #execute} is thrown out of the clock's
 * {@code advance}/{@code runUntilIdle} (a test sees it at once), while the futures of {@code submit} and
 * {@code schedule} keep theirs, as usual; {@link java.util.concurrent.Future#get()} of a task that has not run throws
 * {@link IllegalStateException} instead of blocking a clock that only the waiting thread could move;
 * {@link #awaitTermination} does not wait. Not thread-safe, like the clock: one test thread drives both.
 */
public final class VirtualScheduler extends AbstractExecutorService implements ScheduledExecutorService {
  private final VirtualClock clock;
  private final Set<Task<?>> pending = new LinkedHashSet<>();
  private boolean shutdown;

  private VirtualScheduler(VirtualClock clock) {
    this.clock = clock;
  }

  /**
   * Creates a scheduler on a clock.
   *
   * @param clock the clock whose timers run the tasks (a simulated fleet's, to interleave with it)
   * @return the scheduler
   */
  public static VirtualScheduler on(VirtualClock clock) {
    return new VirtualScheduler(Require.nonNull(clock, "clock"));
  }

  /** @return the clock the tasks run on */
  public VirtualClock clock() {
    return clock;
  }

  /** @return how many tasks wait to run (periodic ones count once) */
  public int pendingTasks() {
    return pending.size();
  }

  @Override
  public void execute(Runnable command) {
    Require.nonNull(command, "command");
    accept();
    Task<Void> task = new Task<>(() -> {
      command.run();
      return null;
    }, clock.instant(), null, true);
    task.arm();
  }

  @Override
  public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
    Require.nonNull(command, "command");
    return schedule(() -> {
      command.run();
      return null;
    }, delay, unit);
  }

  @Override
  public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
    Require.nonNull(callable, "callable");
    accept();
    Task<V> task = new Task<>(callable, at(delay, unit), null, false);
    task.arm();
    return task;
  }

  @Override
  public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
    return periodic(command, initialDelay, period, unit);
  }

  @Override
  public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay, TimeUnit unit) {
    // On a virtual clock a task takes no time, so a fixed delay and a fixed rate are the same.
    return periodic(command, initialDelay, delay, unit);
  }

  private ScheduledFuture<?> periodic(Runnable command, long initialDelay, long period, TimeUnit unit) {
    Require.nonNull(command, "command");
    Require.that(period > 0, "period", "> 0", period);
    accept();
    Task<Void> task = new Task<>(() -> {
      command.run();
      return null;
    }, at(initialDelay, unit), Duration.of(period, unit.toChronoUnit()), false);
    task.arm();
    return task;
  }

  private Instant at(long delay, TimeUnit unit) {
    Require.nonNull(unit, "unit");
    return delay <= 0 ? clock.instant() : clock.instant().plus(Duration.of(delay, unit.toChronoUnit()));
  }

  private void accept() {
    if (shutdown) {
      throw new RejectedExecutionException("the virtual scheduler is shut down");
    }
  }

  /** Takes no new tasks; those already scheduled still run (periodic ones stop). */
  @Override
  public void shutdown() {
    shutdown = true;
    for (Task<?> t : List.copyOf(pending)) {
      if (t.period != null) {
        t.cancel(false);
      }
    }
  }

  /** Takes no new tasks and calls off every waiting one. */
  @Override
  public List<Runnable> shutdownNow() {
    shutdown = true;
    List<Runnable> waiting = new ArrayList<>(pending);
    waiting.forEach(t -> ((Task<?>) t).cancel(false));
    return waiting;
  }

  @Override
  public boolean isShutdown() {
    return shutdown;
  }

  @Override
  public boolean isTerminated() {
    return shutdown && pending.isEmpty();
  }

  /**
   * Says whether the scheduler has terminated, without waiting: only the test thread can move the clock.
   *
   * @param timeout ignored
   * @param unit ignored
   * @return {@link #isTerminated()}
   */
  @Override
  public boolean awaitTermination(long timeout, TimeUnit unit) {
    return isTerminated();
  }

  @Override
  public String toString() {
    return "VirtualScheduler[" + clock.instant() + ", " + pending.size() + " tasks" + (shutdown ? ", shut down" : "")
        + "]";
  }

  /** One scheduled task: a future on the clock's timer. */
  private final class Task<V> implements ScheduledFuture<V>, Runnable {
    private final Callable<V> body;
    private final @Nullable Duration period;
    private final boolean rethrow;
    private Instant at;
    private VirtualClock.@Nullable Cancellable timer;
    private boolean cancelled;
    private boolean done;
    private @Nullable V result;
    private @Nullable Throwable failure;

    Task(Callable<V> body, Instant at, @Nullable Duration period, boolean rethrow) {
      this.body = body;
      this.at = at;
      this.period = period;
      this.rethrow = rethrow;
    }

    void arm() {
      pending.add(this);
      timer = clock.schedule(at, this);
    }

    @Override
    public void run() {
      if (done) {
        return;
      }
      pending.remove(this);
      try {
        V value = body.call();
        if (period == null) {
          result = value;
          done = true;
        } else if (!shutdown) {
          at = at.plus(period);
          arm();
        } else {
          done = true;
        }
      } catch (Exception | Error e) {
        failure = e;
        done = true;
        if (rethrow) {
          if (e instanceof RuntimeException r) {
            throw r;
          }
          if (e instanceof Error err) {
            throw err;
          }
          throw new IllegalStateException(e);
        }
      }
    }

    @Override
    public long getDelay(TimeUnit unit) {
      return unit.convert(Duration.between(clock.instant(), at));
    }

    @Override
    public int compareTo(Delayed other) {
      return Long.compare(getDelay(TimeUnit.NANOSECONDS), other.getDelay(TimeUnit.NANOSECONDS));
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
      if (done) {
        return false;
      }
      cancelled = true;
      done = true;
      pending.remove(this);
      if (timer != null) {
        timer.cancel();
      }
      return true;
    }

    @Override
    public boolean isCancelled() {
      return cancelled;
    }

    @Override
    public boolean isDone() {
      return done;
    }

    @Override
    public V get() throws ExecutionException {
      if (!done) {
        throw new IllegalStateException("the task runs at " + at + ", the clock is at " + clock.instant()
            + ": move the clock instead of waiting (nothing else can)");
      }
      if (cancelled) {
        throw new java.util.concurrent.CancellationException();
      }
      if (failure != null) {
        throw new ExecutionException(failure);
      }
      return result;
    }

    @Override
    public V get(long timeout, TimeUnit unit) throws ExecutionException {
      return get();
    }

    @Override
    public String toString() {
      return "task at " + at + (period != null ? " every " + period : "") + (cancelled ? " (cancelled)" : "");
    }
  }
}
