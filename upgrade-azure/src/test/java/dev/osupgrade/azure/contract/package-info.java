/**
 * The testkit's port contract tests run against {@code AzureFleet} over the ARM emulator, which serves each case's
 * simulated world: the same cases the simulator passes in the testkit's own tests.
 */
@NullMarked
package dev.osupgrade.azure.contract;

import org.jspecify.annotations.NullMarked;
