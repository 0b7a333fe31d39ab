/**
 * The service runner: {@link dev.osupgrade.service.RolloutRunner} drives any number of
 * {@link dev.osupgrade.rollout.Rollout}s and {@link dev.osupgrade.governance.rings.RingRollout}s in a platform service,
 * each advanced when it asks, on a {@link java.util.concurrent.ScheduledExecutorService} (a thread pool on the real
 * clock in production, the testkit's {@code VirtualScheduler} on a virtual clock in tests), with a bound on concurrent
 * work, failures contained per rollout, graceful shutdown that hands the scale sets' leases back, and status for
 * operators ({@link dev.osupgrade.service.RunnerStatus}). It sits between the rollouts (one scale set or one ring plan
 * each) and whatever decides what to roll out.
 */
@NullMarked
package dev.osupgrade.service;

import org.jspecify.annotations.NullMarked;
