/**
 * The batch planner: a pure function from a fleet snapshot, a rolling policy and a target version to a
 * {@link dev.osupgrade.plan.RolloutPlan} that follows Azure's documented batching rules, printable as a table with
 * an estimate of fleet time and of the lowest healthy capacity.
 */
@NullMarked
package dev.osupgrade.plan;

import org.jspecify.annotations.NullMarked;
