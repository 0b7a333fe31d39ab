/**
 * The orchestrated rollout: {@link dev.osupgrade.rollout.RolloutEngine}, a pure decision step from
 * (state, observation) to (new state, actions, events, next look), and {@link dev.osupgrade.rollout.Rollout}, the thin
 * runner that observes the fleet through the ports, executes the actions, emits the events and returns the time it
 * must look again. Nothing here sleeps or reads the wall clock.
 */
@NullMarked
package dev.osupgrade.rollout;

import org.jspecify.annotations.NullMarked;
