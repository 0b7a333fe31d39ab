/**
 * The orchestrated rollout. Users see {@link dev.osupgrade.rollout.Rollout} (the runner: it observes the fleet through
 * the ports, lets the kernel decide, carries the actions out under a lease, saves the checkpoint, emits the events
 * and returns when it must look again), its {@link dev.osupgrade.rollout.RolloutOptions}, the checkpointed
 * {@link dev.osupgrade.rollout.RolloutState} (a value, for inspection) and the typed refusals. The decision kernel is
 * package-private: {@code RolloutEngine}, a pure step from (state, observation) to (new state, actions, events, next
 * look), whose rules are the table {@code RolloutStep.RULES} (phase by phase, in order) with instance transitions as
 * one pure function ({@code InstanceTransition.of}). Nothing here sleeps or reads the wall clock.
 */
@NullMarked
package dev.osupgrade.rollout;

import org.jspecify.annotations.NullMarked;
