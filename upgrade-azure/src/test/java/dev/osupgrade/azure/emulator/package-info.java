/**
 * A stateful ARM emulator for the adapter's tests: WireMock answering the Azure Resource Manager calls that
 * {@code AzureFleet} makes from a {@code SimulatedFleet}'s state, so that the simulator stays the single source of
 * truth and the port contract tests and request-economy measurements can run against the real adapter and SDK.
 */
@NullMarked
package dev.osupgrade.azure.emulator;

import org.jspecify.annotations.NullMarked;
