/**
 * The adversary of the Azure adapter and the runner: rollouts driven through {@code AzureFleet} over the ARM emulator
 * while {@code ArmFaults} injects faults, crashed and resumed from a durable store, and graded by the world's truth
 * (the simulator's state and WireMock's journal), not by the rollout's own events.
 */
@NullMarked
package dev.osupgrade.azure.faults;

import org.jspecify.annotations.NullMarked;
