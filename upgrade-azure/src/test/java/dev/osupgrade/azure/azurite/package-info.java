/**
 * Azurite, the Azure Storage emulator, for the blob store's tests: installed by the build from
 * {@code src/test/azurite/package-lock.json} and started by the tests themselves on a free loopback port.
 */
@NullMarked
package dev.osupgrade.azure.azurite;

import org.jspecify.annotations.NullMarked;
