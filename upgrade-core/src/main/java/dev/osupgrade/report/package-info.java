/**
 * Seeing a rollout: a self-contained HTML {@link dev.osupgrade.report.Timeline} page (a lane per instance, batches,
 * gates with their numbers, stalls, faults and the stop reason) for a {@link dev.osupgrade.rollout.Rollout} or a
 * {@link dev.osupgrade.governance.rings.RingRollout}, built from the rollout's events and, when the fleet's truth is
 * at hand, from what each instance really did ({@link dev.osupgrade.report.InstanceTrack},
 * {@link dev.osupgrade.report.InstanceObservations}); and the {@link dev.osupgrade.report.Comparison} table of a
 * what-if replay (made by the testkit's {@code WhatIf}, drawn on the page). Plain string building, no dependency.
 */
@NullMarked
package dev.osupgrade.report;

import org.jspecify.annotations.NullMarked;
