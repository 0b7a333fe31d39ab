package dev.osupgrade.service;

import dev.osupgrade.Durations;
import dev.osupgrade.InvalidValueException;
import dev.osupgrade.OsUpgradeException;
import dev.osupgrade.Require;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.governance.ImageNotTrustedException;
import dev.osupgrade.governance.ReadinessIncompleteException;
import dev.osupgrade.governance.rings.RingRollout;
import dev.osupgrade.port.CloudException;
import dev.osupgrade.port.ThrottledException;
import dev.osupgrade.rollout.Rollout;
import dev.osupgrade.rollout.RolloutRefusedException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Drives any number of {@link Rollout}s and {@link RingRollout}s (and other {@link RunnerTask}s, such as an estate
 * governor) in a platform service: each is advanced when it asks
 * (the time its last {@code advance()} returned), never two advances of one rollout at once, at most
 * {@link Builder#maxConcurrentAdvances(int) n} advances at a time (rollouts due beyond that wait their turn, first due
 * first served), and a failure of one rollout's advance never touches the others or the runner.
 *
 * <pre>{@code
 * RolloutRunner runner = RolloutRunner.builder().clock(Clock.systemUTC()).maxConcurrentAdvances(4)
 *     .listener(System.out::println).build();                  // a daemon thread pool of its own
 * for (ScaleSetId id : scaleSets) {
 *   runner.submit(Rollout.builder(fleet, id).target(version).clock(clock).store(store).owner(host).build());
 * }
 * Runtime.getRuntime().addShutdownHook(new Thread(() -> {
 *   runner.shutdown();                                         // steps in flight finish, leases are released
 *   runner.awaitTermination(Duration.ofSeconds(30));
 * }));
 * }</pre>
 *
 * <p><b>Time.</b> The runner reads time only from its {@link Clock} and waits only through its
 * {@link ScheduledExecutorService}: a thread pool on the real clock in production (by default one of its own, with
 * {@code maxConcurrentAdvances} daemon threads), the testkit's {@code VirtualScheduler} on a {@code VirtualClock} in
 * tests, where dozens of rollouts run to their end in milliseconds, in the same order for the same seed.
 *
 * <p><b>Failures.</b> An advance that throws is recorded in the rollout's {@link ManagedStatus}, reported to the
 * listeners ({@link RunnerEvent.Kind#ADVANCE_FAILED}), and tried again after a backoff (doubling from
 * {@link Builder#retryBackoff 30 seconds} to 10 minutes, or what a {@link ThrottledException} asks); after
 * {@link Builder#maxConsecutiveFailures 10} failures in a row, or at once for a failure that cannot pass by waiting (a
 * {@link RolloutRefusedException}, a governance refusal, a {@link CloudException#isRejection() rejection}, bad input),
 * the rollout is set aside ({@link ManagedRollout.State#SET_ASIDE}): its lease is released and its checkpoint kept.
 *
 * <p><b>Shutdown.</b> {@link #shutdown()} takes no new work, lets every advance in flight finish (each rollout saves
 * its own checkpoint before every change), and releases the leases of the rollouts that have not ended
 * ({@link Rollout#close()}), so another replica, or this service restarted, takes them over at once: rollouts built
 * again the same way on the same store resume where these stopped. {@link #awaitTermination(Duration)} waits for it.
 *
 * <p>Control a managed rollout through its {@link ManagedRollout} handle, not through the rollout object (which is
 * not thread-safe). Two rollouts of one scale set in one runner are refused: they would share the replica's lease.
 *
 * <p>Thread-safe. Listeners are called in event order, one event at a time, never while the runner's lock is held;
 * a listener that throws is ignored.
 */
public final class RolloutRunner {
  /** The default bound on advances running at once: 4. */
  public static final int DEFAULT_MAX_CONCURRENT_ADVANCES = 4;
  /** The longest wait between retries of a failed advance the builder accepts: 1 day. */
  public static final Duration MAX_RETRY = Duration.ofDays(1);
  /** The default wait before the first retry of a failed advance: 30 seconds. */
  public static final Duration DEFAULT_FIRST_RETRY = Duration.ofSeconds(30);
  /** The default longest wait between retries: 10 minutes. */
  public static final Duration DEFAULT_MAX_RETRY = Duration.ofMinutes(10);
  /** The default number of failed advances in a row after which a rollout is set aside: 10. */
  public static final int DEFAULT_MAX_CONSECUTIVE_FAILURES = 10;
  /** The longest single timer: a later time is reached by arming again, so a jump of the clock is noticed. */
  static final Duration LONGEST_TIMER = Duration.ofHours(1);

  /** Where the runner stands. */
  public enum State {
    /** Takes and drives rollouts. */
    RUNNING,
    /** Takes no new work; advances in flight finish and leases are released. */
    SHUTTING_DOWN,
    /** Nothing runs any more. */
    TERMINATED
  }

  private static final Comparator<ManagedRollout> FIRST_DUE = Comparator
      .comparing((ManagedRollout m) -> Require.nonNull(m.dueAt, "dueAt"))
      .thenComparingLong(m -> m.queueSeq);

  private final Clock clock;
  private final ScheduledExecutorService scheduler;
  private final boolean ownsScheduler;
  private final int maxConcurrent;
  private final Duration firstRetry;
  private final Duration maxRetry;
  private final int maxFailures;
  private final List<Consumer<RunnerEvent>> listeners;

  private final Object lock = new Object();
  private final Object delivery = new Object();
  private final CountDownLatch terminated = new CountDownLatch(1);
  // Guarded by lock.
  private final Map<Long, ManagedRollout> managed = new LinkedHashMap<>();
  private final PriorityQueue<ManagedRollout> queue = new PriorityQueue<>(FIRST_DUE);
  private final ArrayDeque<RunnerEvent> outbox = new ArrayDeque<>();
  private State state = State.RUNNING;
  private int inFlight;
  private long nextId = 1;
  private long nextQueueSeq;
  private long nextEventSeq;

  private RolloutRunner(Builder b, Clock clock) {
    this.clock = clock;
    this.maxConcurrent = b.maxConcurrent;
    this.firstRetry = b.firstRetry;
    this.maxRetry = b.maxRetry;
    this.maxFailures = b.maxFailures;
    this.listeners = List.copyOf(b.listeners);
    this.ownsScheduler = b.scheduler == null;
    this.scheduler = b.scheduler != null ? b.scheduler : threadPool(b.maxConcurrent);
  }

  /** @return a builder; {@link Builder#clock(Clock)} is required */
  public static Builder builder() {
    return new Builder();
  }

  // ---- submitting and controlling ------------------------------------------------------------------------------

  /**
   * Takes a rollout over and advances it at once, then whenever it asks, until it ends.
   *
   * @param rollout a rollout not advanced by anyone else (built with the same clock as the runner)
   * @return its handle
   * @throws IllegalStateException if the runner is shutting down or terminated
   * @throws InvalidValueException if it was submitted before, or another unfinished rollout of its scale set is
   *     managed here
   */
  public ManagedRollout submit(Rollout rollout) {
    return add(Driven.of(Require.nonNull(rollout, "rollout")));
  }

  /**
   * Takes a ring rollout over and advances it at once, then whenever it asks, until it ends. Its handle cannot
   * cancel or pause it (a ring rollout has no such control of its own).
   *
   * @param rings a ring rollout not advanced by anyone else
   * @return its handle
   * @throws IllegalStateException if the runner is shutting down or terminated
   * @throws InvalidValueException if it was submitted before
   */
  public ManagedRollout submit(RingRollout rings) {
    return add(Driven.of(Require.nonNull(rings, "rings")));
  }

  /**
   * Takes other work over ({@link RunnerTask}, e.g. an estate governor) and advances it at once, then whenever it
   * asks, until it ends or the runner shuts down. Its handle cancels, pauses and resumes it when the task
   * {@linkplain RunnerTask#supportsControl() takes control} (an estate governor does), and throws
   * {@link UnsupportedOperationException} otherwise.
   *
   * @param task work not advanced by anyone else
   * @return its handle
   * @throws IllegalStateException if the runner is shutting down or terminated
   * @throws InvalidValueException if it was submitted before
   */
  public ManagedRollout submit(RunnerTask task) {
    return add(new DrivenTask(Require.nonNull(task, "task")));
  }

  private ManagedRollout add(Driven driven) {
    ManagedRollout m;
    synchronized (lock) {
      if (state != State.RUNNING) {
        throw new IllegalStateException("the runner is " + words(state) + ": it takes no new rollouts");
      }
      ScaleSetId own = driven.exclusiveScaleSet();
      for (ManagedRollout other : managed.values()) {
        if (other.driven.target() == driven.target()) {
          throw new InvalidValueException("rollout", "submitted only once (it is #" + other.id + ")", driven.name());
        }
        if (own != null && !other.state.isSettled() && own.equals(other.driven.exclusiveScaleSet())) {
          throw new InvalidValueException("rollout", "the only unfinished rollout of " + own
              + " in this runner (#" + other.id + " drives it)", driven.name());
        }
      }
      m = new ManagedRollout(this, nextId++, driven);
      managed.put(m.id, m);
      Instant now = clock.instant();
      event(now, RunnerEvent.Kind.SUBMITTED, m, m.detail, null);
      makeDue(m, now, now);
      dispatch();
    }
    deliver();
    return m;
  }

  /** Records a caller's request; it is applied by the next advance, which is brought forward to now. */
  void request(ManagedRollout m, Driven.Control control) {
    if (!m.driven.supportsControl()) {
      throw new UnsupportedOperationException("#" + m.id + " " + m.name + ": "
          + (m.driven.kind() == ManagedRollout.Kind.TASK ? "this task" : "a ring rollout") + " has no "
          + control.verb() + " of its own");
    }
    synchronized (lock) {
      if (state != State.RUNNING) {
        throw new IllegalStateException("the runner is " + words(state) + ": it no longer drives #" + m.id);
      }
      if (m.state == ManagedRollout.State.ENDED) {
        return; // nothing is left to cancel, pause or resume
      }
      if (m.state.isSettled()) {
        throw new IllegalStateException("#" + m.id + " " + m.name + " is " + words(m.state)
            + ": the runner no longer drives it");
      }
      m.controls.add(control);
      Instant now = clock.instant();
      boolean busy = m.state == ManagedRollout.State.ADVANCING;
      event(now, RunnerEvent.Kind.REQUESTED, m, control.verb() + " requested"
          + (busy ? "; applied after the advance in flight" : "; applied now"), null);
      if (m.state == ManagedRollout.State.WAITING || m.state == ManagedRollout.State.BACKING_OFF
          || m.state == ManagedRollout.State.PAUSED) {
        makeDue(m, now, now);
        dispatch();
      }
    }
    deliver();
  }

  // ---- scheduling --------------------------------------------------------------------------------------------

  /** Plans the next advance at {@code at}: queued at once if due, else a timer. Under the lock. */
  private void makeDue(ManagedRollout m, Instant at, Instant now) {
    cancelTimer(m);
    m.dueAt = at;
    if (!at.isAfter(now)) {
      enqueue(m);
      return;
    }
    m.state = m.failures > 0 ? ManagedRollout.State.BACKING_OFF : ManagedRollout.State.WAITING;
    arm(m, now);
  }

  private void arm(ManagedRollout m, Instant now) {
    Duration wait = Duration.between(now, Require.nonNull(m.dueAt, "dueAt"));
    m.timerCapped = wait.compareTo(LONGEST_TIMER) > 0;
    long generation = ++m.timerGeneration;
    try {
      m.timer = scheduler.schedule(() -> onTimer(m, generation), (m.timerCapped ? LONGEST_TIMER : wait).toNanos(),
          TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      schedulerRejected(m, e);
    }
  }

  private void cancelTimer(ManagedRollout m) {
    m.timerGeneration++;
    if (m.timer != null) {
      m.timer.cancel(false);
      m.timer = null;
    }
  }

  private void onTimer(ManagedRollout m, long generation) {
    synchronized (lock) {
      if (generation != m.timerGeneration || m.timer == null || state != State.RUNNING) {
        return; // called off, or overtaken by a request
      }
      m.timer = null;
      Instant now = clock.instant();
      if (m.timerCapped && now.isBefore(Require.nonNull(m.dueAt, "dueAt"))) {
        arm(m, now);
        return;
      }
      enqueue(m);
      dispatch();
    }
    deliver();
  }

  private void enqueue(ManagedRollout m) {
    m.state = ManagedRollout.State.QUEUED;
    m.queueSeq = nextQueueSeq++;
    queue.add(m);
  }

  /** Starts queued advances while slots are free. Under the lock. */
  private void dispatch() {
    while (state == State.RUNNING && inFlight < maxConcurrent && !queue.isEmpty()) {
      ManagedRollout m = queue.poll();
      m.state = ManagedRollout.State.ADVANCING;
      inFlight++;
      try {
        scheduler.execute(() -> run(m));
      } catch (RejectedExecutionException e) {
        inFlight--;
        schedulerRejected(m, e);
      }
    }
  }

  /** Someone shut the scheduler down under the runner: this rollout cannot go on. Under the lock (rare). */
  private void schedulerRejected(ManagedRollout m, RejectedExecutionException e) {
    cancelTimer(m);
    queue.remove(m);
    Instant now = clock.instant();
    m.failures++;
    m.lastError = describe(e);
    m.lastErrorAt = now;
    settle(m, new Settle(ManagedRollout.State.SET_ASIDE, "the scheduler rejected its next advance (was it shut "
        + "down?)", e), closeQuietly(m), now);
  }

  // ---- advancing ---------------------------------------------------------------------------------------------

  /** One advance of one rollout, on a scheduler thread; the rollout is this task's alone until it finishes. */
  private void run(ManagedRollout m) {
    List<Driven.Control> controls;
    boolean stopping;
    synchronized (lock) {
      stopping = state != State.RUNNING;
      controls = List.copyOf(m.controls);
      if (!stopping) {
        m.controls.clear();
      }
    }
    Optional<Instant> next = Optional.empty();
    @Nullable Throwable failure = null;
    if (!stopping) {
      try {
        for (Driven.Control c : controls) {
          m.driven.apply(c);
        }
        next = m.driven.advance();
      } catch (RuntimeException | Error e) {
        failure = e;
      }
    }
    View view;
    try {
      view = new View(m.driven);
    } catch (RuntimeException e) {
      view = new View(m.status, m.detail, m.scaleSets, false, false);
      failure = failure == null ? e : failure;
    }
    finish(m, next, failure, view, stopping);
    if (failure instanceof Error err) {
      throw err;
    }
  }

  /** What the rollout says after an advance, read on the advancing task. */
  private record View(String status, String detail, List<ScaleSetId> scaleSets, boolean done, boolean paused) {
    View(Driven d) {
      this(d.status(), d.detail(), List.copyOf(d.scaleSets()), d.isDone(), d.isPaused());
    }
  }

  /** How a managed rollout leaves the runner's care, once its lease is released. */
  private record Settle(ManagedRollout.State as, String why, @Nullable Throwable error) {}

  private void finish(ManagedRollout m, Optional<Instant> next, @Nullable Throwable failure, View view,
      boolean skipped) {
    Settle settle;
    synchronized (lock) {
      Instant now = clock.instant();
      m.status = view.status();
      m.detail = view.detail();
      m.scaleSets = view.scaleSets();
      if (!skipped) {
        m.advances++;
      }
      settle = decide(m, next, failure, view, skipped, now);
      if (settle == null) {
        inFlight--;
        dispatch();
        terminateIfIdle(now);
      }
    }
    if (settle != null) {
      Throwable closeFailure = closeQuietly(m);
      synchronized (lock) {
        Instant now = clock.instant();
        settle(m, settle, closeFailure, now);
        inFlight--;
        dispatch();
        terminateIfIdle(now);
      }
    }
    deliver();
  }

  /** Plans what follows an advance; returns how the rollout leaves if its lease must be released first. */
  private @Nullable Settle decide(ManagedRollout m, Optional<Instant> next, @Nullable Throwable thrown, View view,
      boolean skipped, Instant now) {
    Throwable failure = thrown;
    if (failure == null && !skipped && next.isEmpty() && !view.done() && !view.paused()) {
      failure = new IllegalStateException("advance() returned no time to look again, but the rollout has neither "
          + "ended nor paused");
    }
    if (failure != null) {
      m.failures++;
      m.lastError = describe(failure);
      m.lastErrorAt = now;
    } else if (!skipped) {
      m.failures = 0;
    }
    if (view.done()) {
      m.state = ManagedRollout.State.ENDED;
      m.dueAt = null;
      event(now, RunnerEvent.Kind.ENDED, m, view.status() + ": " + view.detail()
          + (failure == null ? "" : " (its last advance threw: " + m.lastError + ")"), failure);
      return null;
    }
    if (state != State.RUNNING) {
      return new Settle(ManagedRollout.State.RELEASED, (skipped ? "the runner shut down before its advance"
          : "the runner shut down; its advance in flight finished") + dropped(m), failure);
    }
    if (failure != null) {
      if (cannotPass(failure)) {
        return new Settle(ManagedRollout.State.SET_ASIDE, "it cannot go on: " + m.lastError, failure);
      }
      if (m.failures >= maxFailures) {
        return new Settle(ManagedRollout.State.SET_ASIDE, m.failures + " advances in a row failed; the last: "
            + m.lastError, failure);
      }
      Instant retry = now.plus(backoff(m.failures, failure));
      event(now, RunnerEvent.Kind.ADVANCE_FAILED, m, "failure " + m.failures + " of at most " + maxFailures
          + " in a row: " + m.lastError + "; trying again at " + retry, failure);
      makeDue(m, retry, now);
      return null;
    }
    if (!m.controls.isEmpty()) {
      makeDue(m, now, now); // a request arrived during the advance: apply it now
      return null;
    }
    if (next.isPresent()) {
      makeDue(m, next.get(), now);
      return null;
    }
    cancelTimer(m);
    m.state = ManagedRollout.State.PAUSED;
    m.dueAt = null;
    event(now, RunnerEvent.Kind.PAUSED, m, view.detail() + "; waits for resume()", null);
    return null;
  }

  private void settle(ManagedRollout m, Settle settle, @Nullable Throwable closeFailure, Instant now) {
    m.state = settle.as();
    m.dueAt = null;
    m.controls.clear();
    String lease = closeFailure == null ? "lease released, checkpoint kept"
        : "releasing the lease failed (it expires by itself): " + describe(closeFailure) + "; checkpoint kept";
    RunnerEvent.Kind kind = settle.as() == ManagedRollout.State.SET_ASIDE ? RunnerEvent.Kind.SET_ASIDE
        : RunnerEvent.Kind.RELEASED;
    event(now, kind, m, settle.why() + "; " + lease, settle.error() != null ? settle.error() : closeFailure);
  }

  private static String dropped(ManagedRollout m) {
    return m.controls.isEmpty() ? "" : " (not applied: " + String.join(", ", m.controls.stream()
        .map(Driven.Control::verb).toList()) + ")";
  }

  private static @Nullable Throwable closeQuietly(ManagedRollout m) {
    try {
      m.driven.close();
      return null;
    } catch (RuntimeException e) {
      return e;
    }
  }

  /** Failures that waiting cannot cure: the runner sets the rollout aside at once. */
  private static boolean cannotPass(Throwable e) {
    return e instanceof Error || e instanceof RolloutRefusedException || e instanceof ReadinessIncompleteException
        || e instanceof ImageNotTrustedException || e instanceof IllegalArgumentException
        || (e instanceof CloudException c && c.isRejection());
  }

  private Duration backoff(int failures, Throwable failure) {
    Duration wait = firstRetry;
    for (int i = 1; i < failures && wait.compareTo(maxRetry) < 0; i++) {
      wait = wait.multipliedBy(2);
    }
    if (wait.compareTo(maxRetry) > 0) {
      wait = maxRetry;
    }
    if (failure instanceof ThrottledException t && t.retryAfter().compareTo(wait) > 0) {
      wait = t.retryAfter();
    }
    return wait;
  }

  private static String describe(Throwable e) {
    String message = e.getMessage() == null ? "" : ": " + e.getMessage();
    return e instanceof OsUpgradeException o ? "[" + o.code() + "]" + message
        : e.getClass().getSimpleName() + message;
  }

  // ---- shutting down -----------------------------------------------------------------------------------------

  /**
   * Shuts down gracefully: takes no new rollouts or requests, lets every advance in flight finish, and releases the
   * leases of the rollouts that have not ended (at once for the idle ones, on this thread; after its advance for
   * each one in flight), so that a restarted service or another replica resumes them from their checkpoints at
   * once. Requests not yet applied are dropped (the release event names them). Does nothing if already called.
   */
  public void shutdown() {
    List<ManagedRollout> idle = new ArrayList<>();
    synchronized (lock) {
      if (state != State.RUNNING) {
        return;
      }
      state = State.SHUTTING_DOWN;
      queue.clear();
      int busy = inFlight;
      for (ManagedRollout m : managed.values()) {
        if (m.state == ManagedRollout.State.WAITING || m.state == ManagedRollout.State.QUEUED
            || m.state == ManagedRollout.State.BACKING_OFF || m.state == ManagedRollout.State.PAUSED) {
          cancelTimer(m);
          m.state = ManagedRollout.State.ADVANCING; // its lease is being released
          m.dueAt = null;
          inFlight++;
          idle.add(m);
        }
      }
      event(clock.instant(), RunnerEvent.Kind.SHUTTING_DOWN, null, busy + " advance(s) in flight finish first; "
          + idle.size() + " idle rollout(s) release their leases now", null);
    }
    deliver();
    for (ManagedRollout m : idle) {
      Throwable closeFailure = closeQuietly(m);
      synchronized (lock) {
        settle(m, new Settle(ManagedRollout.State.RELEASED, "the runner shut down" + dropped(m), null), closeFailure,
            clock.instant());
        inFlight--;
      }
      deliver();
    }
    synchronized (lock) {
      terminateIfIdle(clock.instant());
    }
    deliver();
  }

  /** Under the lock. */
  private void terminateIfIdle(Instant now) {
    if (state != State.SHUTTING_DOWN || inFlight > 0) {
      return;
    }
    state = State.TERMINATED;
    Map<ManagedRollout.State, Integer> counts = snapshot(now).counts();
    event(now, RunnerEvent.Kind.TERMINATED, null, managed.isEmpty() ? "no rollouts" : managed.size()
        + " rollout(s) " + counts.toString().toLowerCase(Locale.ROOT), null);
    terminated.countDown();
    if (ownsScheduler) {
      scheduler.shutdown();
    }
  }

  /**
   * Waits, in real time, until the runner has terminated after {@link #shutdown()}. On a virtual clock, move the
   * clock instead (a shutdown there completes as the clock runs the advances in flight).
   *
   * @param timeout how long to wait at most
   * @return true if it terminated, false if the time ran out first (advances still in flight keep their leases until
   *     they finish, or until the leases expire if the process exits first; their checkpoints are safe)
   * @throws InterruptedException if the waiting thread is interrupted
   */
  public boolean awaitTermination(Duration timeout) throws InterruptedException {
    Require.nonNegative("timeout", timeout);
    long nanos;
    try {
      nanos = timeout.toNanos();
    } catch (ArithmeticException e) {
      nanos = Long.MAX_VALUE;
    }
    return terminated.await(nanos, TimeUnit.NANOSECONDS);
  }

  /** @return true once {@link #shutdown()} was called */
  public boolean isShutdown() {
    synchronized (lock) {
      return state != State.RUNNING;
    }
  }

  /** @return true once shut down and nothing runs any more */
  public boolean isTerminated() {
    synchronized (lock) {
      return state == State.TERMINATED;
    }
  }

  // ---- status ------------------------------------------------------------------------------------------------

  /** @return what the runner and every managed rollout are doing now */
  public RunnerStatus status() {
    synchronized (lock) {
      return snapshot(clock.instant());
    }
  }

  /** @return the handles of every managed rollout, in submission order */
  public List<ManagedRollout> rollouts() {
    synchronized (lock) {
      return List.copyOf(managed.values());
    }
  }

  /**
   * Stops remembering the rollouts the runner no longer drives (ended, set aside, released), so that a service running
   * for months does not keep every finished rollout and its events; their handles keep their last status.
   *
   * @return their last statuses, in submission order
   */
  public List<ManagedStatus> forgetSettled() {
    synchronized (lock) {
      List<ManagedStatus> forgotten = new ArrayList<>();
      managed.values().removeIf(m -> {
        if (m.state.isSettled()) {
          forgotten.add(statusUnderLock(m));
          return true;
        }
        return false;
      });
      return forgotten;
    }
  }

  private RunnerStatus snapshot(Instant now) {
    List<ManagedStatus> all = new ArrayList<>(managed.size());
    for (ManagedRollout m : managed.values()) {
      all.add(statusUnderLock(m));
    }
    return new RunnerStatus(state, now, inFlight, queue.size(), maxConcurrent, all);
  }

  ManagedStatus statusOf(ManagedRollout m) {
    synchronized (lock) {
      return statusUnderLock(m);
    }
  }

  private static ManagedStatus statusUnderLock(ManagedRollout m) {
    return new ManagedStatus(m.id, m.name, m.driven.kind(), m.scaleSets, m.state, m.status, m.dueAt, m.advances,
        m.failures, m.lastError, m.lastErrorAt, m.detail);
  }

  @Override
  public String toString() {
    RunnerStatus s = status();
    return "RolloutRunner[" + s.state() + ", " + s.managed() + ", " + s.inFlight() + " of "
        + s.maxConcurrentAdvances() + " in flight, " + s.queued() + " queued]";
  }

  // ---- events ------------------------------------------------------------------------------------------------

  /** Under the lock: numbers the event and queues it for delivery. */
  private void event(Instant at, RunnerEvent.Kind kind, @Nullable ManagedRollout m, String detail,
      @Nullable Throwable error) {
    outbox.add(new RunnerEvent(++nextEventSeq, at, kind, m, detail, error));
  }

  /** Hands queued events to the listeners in order; never under the lock. */
  private void deliver() {
    synchronized (delivery) {
      while (true) {
        RunnerEvent e;
        synchronized (lock) {
          e = outbox.poll();
        }
        if (e == null) {
          return;
        }
        for (Consumer<RunnerEvent> l : listeners) {
          try {
            l.accept(e);
          } catch (RuntimeException ignored) {
            // a listener's failure must not stop the runner or keep the other listeners from the event
          }
        }
      }
    }
  }

  private static String words(Enum<?> value) {
    return value.name().toLowerCase(Locale.ROOT).replace('_', ' ');
  }

  private static ScheduledExecutorService threadPool(int threads) {
    AtomicInteger n = new AtomicInteger();
    ScheduledThreadPoolExecutor pool = new ScheduledThreadPoolExecutor(threads, r -> {
      Thread t = new Thread(r, "osupgrade-runner-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    pool.setRemoveOnCancelPolicy(true);
    pool.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    return pool;
  }

  /** Builds a {@link RolloutRunner}. Not thread-safe. */
  public static final class Builder {
    private @Nullable Clock clock;
    private @Nullable ScheduledExecutorService scheduler;
    private int maxConcurrent = DEFAULT_MAX_CONCURRENT_ADVANCES;
    private Duration firstRetry = DEFAULT_FIRST_RETRY;
    private Duration maxRetry = DEFAULT_MAX_RETRY;
    private int maxFailures = DEFAULT_MAX_CONSECUTIVE_FAILURES;
    private final List<Consumer<RunnerEvent>> listeners = new ArrayList<>();

    private Builder() {}

    /**
     * Sets the clock every time comes from (required): the same clock the rollouts use ({@code Clock.systemUTC()} in
     * production, a {@code VirtualClock} in tests).
     *
     * @param value the clock
     * @return this builder
     */
    public Builder clock(Clock value) {
      this.clock = Require.nonNull(value, "clock");
      return this;
    }

    /**
     * Runs timers and advances on this scheduler, which the caller owns (shuts down) and which must follow the
     * clock: a thread pool for a real clock, the testkit's {@code VirtualScheduler} for a virtual one. Without it,
     * the runner makes a pool of {@code maxConcurrentAdvances} daemon threads on real time, and shuts it down when it
     * terminates.
     *
     * @param value the scheduler
     * @return this builder
     */
    public Builder scheduler(ScheduledExecutorService value) {
      this.scheduler = Require.nonNull(value, "scheduler");
      return this;
    }

    /**
     * Bounds the advances running at once (default 4); rollouts due beyond that wait their turn, first due first
     * served. Each advance makes a few calls to the fleet and the store, so this also bounds the load on them.
     *
     * @param value at least 1
     * @return this builder
     */
    public Builder maxConcurrentAdvances(int value) {
      this.maxConcurrent = Require.atLeast("maxConcurrentAdvances", value, 1);
      return this;
    }

    /**
     * Sets the wait after a failed advance: {@code first} after the first failure, doubling with each failure in a
     * row up to {@code max} (default 30 seconds to 10 minutes); a {@link ThrottledException} waits at least what it
     * asks.
     *
     * @param first positive, at most 1 day
     * @param max at least {@code first}, at most 1 day
     * @return this builder
     */
    public Builder retryBackoff(Duration first, Duration max) {
      Require.positive("first", first, MAX_RETRY);
      Require.positive("max", max, MAX_RETRY);
      Require.that(max.compareTo(first) >= 0, "max", ">= first (" + Durations.words(first) + ")", max);
      this.firstRetry = first;
      this.maxRetry = max;
      return this;
    }

    /**
     * Sets how many advances of one rollout may fail in a row before the runner sets it aside (default 10).
     *
     * @param value at least 1
     * @return this builder
     */
    public Builder maxConsecutiveFailures(int value) {
      this.maxFailures = Require.atLeast("maxConsecutiveFailures", value, 1);
      return this;
    }

    /**
     * Adds a listener for the runner's events (submitted, failed advances, set aside, paused, ended, released,
     * shutdown). Called in event order, one at a time, from whichever thread made the event.
     *
     * @param listener the listener
     * @return this builder
     */
    public Builder listener(Consumer<RunnerEvent> listener) {
      listeners.add(Require.nonNull(listener, "listener"));
      return this;
    }

    /** @return the runner, running and empty */
    public RolloutRunner build() {
      if (clock == null) {
        throw new IllegalStateException("clock must be set before build(): time comes from an injected Clock");
      }
      return new RolloutRunner(this, clock);
    }
  }
}
