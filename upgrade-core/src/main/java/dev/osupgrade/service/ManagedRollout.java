package dev.osupgrade.service;

import dev.osupgrade.fleet.ScaleSetId;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import org.jspecify.annotations.Nullable;

/**
 * A rollout (or ring rollout) a {@link RolloutRunner} drives: the handle {@code submit} returns. Ask it for its
 * {@link #status()}, and cancel, pause or resume through it, never through the rollout object itself (the rollout is
 * not thread-safe; the runner applies these requests between two advances).
 *
 * <p>Thread-safe.
 */
public final class ManagedRollout {

  /** What the runner drives. */
  public enum Kind {
    /** A {@link dev.osupgrade.rollout.Rollout} of one scale set. */
    ROLLOUT,
    /** A {@link dev.osupgrade.governance.rings.RingRollout}. */
    RING_ROLLOUT,
    /** Other work ({@link RunnerTask}), e.g. an estate governor. */
    TASK
  }

  /** Where a managed rollout stands in the runner (what the rollout itself says is in {@link ManagedStatus#status()}). */
  public enum State {
    /** Waits for the time its last advance asked for. */
    WAITING,
    /** Due, and waits for a free slot (the runner's bound on concurrent advances); first due, first served. */
    QUEUED,
    /** An advance runs (or the runner releases its lease). */
    ADVANCING,
    /** Its last advance failed; it waits to be tried again (backoff). */
    BACKING_OFF,
    /** Paused: nothing happens until {@link ManagedRollout#resume()} (or {@link ManagedRollout#cancel()}). */
    PAUSED,
    /** The rollout ended (completed, faulted, cancelled; a ring rollout completed, failed or refused). */
    ENDED,
    /** The runner gave up on it after an error it cannot get past; its lease was released, its checkpoint kept. */
    SET_ASIDE,
    /** The runner shut down before it ended; its lease was released, its checkpoint kept: a restart resumes it. */
    RELEASED;

    /** @return true when the runner will not advance it again */
    public boolean isSettled() {
      return this == ENDED || this == SET_ASIDE || this == RELEASED;
    }
  }

  private final RolloutRunner runner;
  final long id;
  final Driven driven;
  final String name;

  // Guarded by the runner's lock.
  State state = State.QUEUED;
  @Nullable Instant dueAt;
  @Nullable ScheduledFuture<?> timer;
  long timerGeneration;
  boolean timerCapped;
  long queueSeq;
  long advances;
  int failures;
  @Nullable String lastError;
  @Nullable Instant lastErrorAt;
  final List<Driven.Control> controls = new ArrayList<>();
  // What the rollout said after its last advance (read on the task that advanced it).
  String status;
  String detail;
  List<ScaleSetId> scaleSets;

  ManagedRollout(RolloutRunner runner, long id, Driven driven) {
    this.runner = runner;
    this.id = id;
    this.driven = driven;
    this.name = driven.name();
    this.status = driven.status();
    this.detail = driven.detail();
    this.scaleSets = List.copyOf(driven.scaleSets());
  }

  /** @return the runner's number for it, from 1 in submission order */
  public long id() {
    return id;
  }

  /** @return a short name: the scale set and target, or the ring rollout's target */
  public String name() {
    return name;
  }

  /** @return what it is */
  public Kind kind() {
    return driven.kind();
  }

  /** @return what it is doing now */
  public ManagedStatus status() {
    return runner.statusOf(this);
  }

  /** @return where it stands in the runner */
  public State state() {
    return status().state();
  }

  /**
   * Asks the rollout to cancel (the batch in flight finishes, then it ends {@code Cancelled}); applied at once if no
   * advance runs, else right after it.
   *
   * @throws UnsupportedOperationException for a ring rollout (it has no cancel of its own), or a task that takes no
   *     control ({@link RunnerTask#supportsControl()}; an estate governor takes it: its rollouts in flight cancel)
   * @throws IllegalStateException if the runner shut down or no longer drives it
   */
  public void cancel() {
    runner.request(this, Driven.Control.CANCEL);
  }

  /**
   * Asks the rollout to pause before its next batch; it then waits in {@link State#PAUSED} until {@link #resume()}.
   * A task that takes control pauses its own way: an estate governor keeps turning (reading, reporting) in
   * {@link State#WAITING} while it starts nothing, and its status says {@code PAUSED}.
   *
   * @throws UnsupportedOperationException for a ring rollout, or a task that takes no control
   * @throws IllegalStateException if the runner shut down or no longer drives it
   */
  public void pause() {
    runner.request(this, Driven.Control.PAUSE);
  }

  /**
   * Lets a paused rollout go on.
   *
   * @throws UnsupportedOperationException for a ring rollout, or a task that takes no control
   * @throws IllegalStateException if the runner shut down or no longer drives it
   */
  public void resume() {
    runner.request(this, Driven.Control.RESUME);
  }

  @Override
  public String toString() {
    return status().toString();
  }
}
