/**
 * The ports of upgrade-core implemented over Azure Resource Manager. The one entry point is
 * {@link dev.osupgrade.azure.AzureFleet}: {@code AzureFleet.of(computeManager)} gives an object that is at once a
 * {@link dev.osupgrade.port.ScaleSetPort}, a {@link dev.osupgrade.port.PlatformUpgradePort} and an
 * {@link dev.osupgrade.port.ImageCatalog}. No Azure SDK type appears in its signatures except the
 * {@code ComputeManager} it is built from.
 */
@NullMarked
package dev.osupgrade.azure;

import org.jspecify.annotations.NullMarked;
