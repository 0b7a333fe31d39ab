package dev.osupgrade.azure.internal;

import dev.osupgrade.azure.AzureFleet.Sleeper;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.Delayed;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The scheduler resilience4j waits through: it runs each scheduled retry on the calling thread after the
 * {@link Sleeper} has waited. Nothing runs on another thread and nothing needs shutting down. Only
 * {@link #schedule(Runnable, long, TimeUnit)} is used by the retry; the other methods work the same way.
 */
final class InlineScheduler extends AbstractExecutorService implements ScheduledExecutorService {
  private final Sleeper sleeper;

  InlineScheduler(Sleeper sleeper) {
    this.sleeper = sleeper;
  }

  @Override
  public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
    waitFor(delay, unit);
    command.run();
    return new Done<>(null);
  }

  @Override
  public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
    waitFor(delay, unit);
    try {
      return new Done<>(callable.call());
    } catch (Exception e) {
      throw new IllegalStateException("scheduled task failed", e);
    }
  }

  @Override
  public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
    throw new UnsupportedOperationException("periodic tasks are not supported");
  }

  @Override
  public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay, TimeUnit unit) {
    throw new UnsupportedOperationException("periodic tasks are not supported");
  }

  /**
   * Waits; an interrupt is kept on the thread (the next attempt sees it and fails instead of calling Azure).
   */
  private void waitFor(long delay, TimeUnit unit) {
    if (delay <= 0) {
      return;
    }
    try {
      sleeper.sleep(Duration.ofNanos(unit.toNanos(delay)));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void execute(Runnable command) {
    command.run();
  }

  @Override
  public void shutdown() {
    // nothing to release
  }

  @Override
  public List<Runnable> shutdownNow() {
    return List.of();
  }

  @Override
  public boolean isShutdown() {
    return false;
  }

  @Override
  public boolean isTerminated() {
    return false;
  }

  @Override
  public boolean awaitTermination(long timeout, TimeUnit unit) {
    return true;
  }

  /** A task that has already run. */
  private static final class Done<V> implements ScheduledFuture<V> {
    private final V value;

    Done(V value) {
      this.value = value;
    }

    @Override
    public long getDelay(TimeUnit unit) {
      return 0;
    }

    @Override
    public int compareTo(Delayed other) {
      return Long.compare(0, other.getDelay(TimeUnit.NANOSECONDS));
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
      return false;
    }

    @Override
    public boolean isCancelled() {
      return false;
    }

    @Override
    public boolean isDone() {
      return true;
    }

    @Override
    public V get() {
      return value;
    }

    @Override
    public V get(long timeout, TimeUnit unit) {
      return value;
    }
  }
}
