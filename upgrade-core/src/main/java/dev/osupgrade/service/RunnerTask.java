package dev.osupgrade.service;

import dev.osupgrade.fleet.ScaleSetId;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Work other than a single rollout that a {@link RolloutRunner} drives the same way: advanced when its last
 * {@link #advance()} asked, never two advances at once, retried after a failure, and {@linkplain #close() closed}
 * when the runner shuts down. The estate governor ({@code dev.osupgrade.estate.EstateGovernor}) is one: a layer above
 * the runner that runs inside it, like the rollouts it starts.
 *
 * <p>The runner calls every method from the one task that owns the work at that moment, never two at once, so an
 * implementation need not be thread-safe. A runner-wide failure rule applies: an advance that throws is tried again
 * after a backoff, and set aside (closed) after too many failures in a row or a failure waiting cannot cure.
 */
public interface RunnerTask {

  /** @return a short name for the runner's status and events, e.g. {@code "governor estate-eu"} */
  String name();

  /**
   * Does what is due now and says when to come back.
   *
   * @return when to call again; empty once the work has ended ({@link #isDone()})
   */
  Optional<Instant> advance();

  /** @return true once nothing more will happen */
  boolean isDone();

  /** @return where the work stands, in one word or code (e.g. {@code RUNNING}) */
  String status();

  /** @return a one-line summary for the runner's status (by default {@code toString()}) */
  default String detail() {
    return toString();
  }

  /** @return the scale sets it works on now, for the runner's status (by default none) */
  default List<ScaleSetId> scaleSets() {
    return List.of();
  }

  /**
   * Says whether the task takes an operator's {@link #pause()}, {@link #resume()} and {@link #cancel()} (the runner's
   * handle passes them on); by default it takes none, and the handle throws {@link UnsupportedOperationException}.
   *
   * @return true when it does
   */
  default boolean supportsControl() {
    return false;
  }

  /**
   * Asks the task to pause: nothing new starts until {@link #resume()}; what is in flight stops at its next safe
   * point. Called by the runner between two advances, never during one.
   *
   * @throws UnsupportedOperationException unless {@link #supportsControl()}
   */
  default void pause() {
    throw new UnsupportedOperationException(name() + " has no pause of its own");
  }

  /**
   * Lets a paused task go on.
   *
   * @throws UnsupportedOperationException unless {@link #supportsControl()}
   */
  default void resume() {
    throw new UnsupportedOperationException(name() + " has no resume of its own");
  }

  /**
   * Asks the task to end: nothing new starts; what is in flight stops at its next safe point, after which
   * {@link #isDone()} turns true.
   *
   * @throws UnsupportedOperationException unless {@link #supportsControl()}
   */
  default void cancel() {
    throw new UnsupportedOperationException(name() + " has no cancel of its own");
  }

  /**
   * Lets go without ending: releases leases so that another replica, or this service restarted, takes over at once.
   * Called by the runner when it shuts down or sets the work aside, never while an {@link #advance()} runs.
   */
  void close();
}
