/**
 * Health gates: a gate turns evidence about the fleet into a {@link dev.osupgrade.health.GateVerdict} (pass, wait
 * or fail, each with its reason and numbers). Azure's two budgets are built in ({@link
 * dev.osupgrade.health.FleetUnhealthyGate}, {@link dev.osupgrade.health.UpgradedUnhealthyGate}); users add their own.
 */
@NullMarked
package dev.osupgrade.health;

import org.jspecify.annotations.NullMarked;
