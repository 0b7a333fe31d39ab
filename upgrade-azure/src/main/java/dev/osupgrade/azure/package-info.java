/**
 * The ports of upgrade-core implemented over Azure. {@link dev.osupgrade.azure.AzureFleet} is the entry point to
 * Azure Resource Manager: {@code AzureFleet.of(computeManager)} gives an object that is at once a
 * {@link dev.osupgrade.port.ScaleSetPort}, a {@link dev.osupgrade.port.PlatformUpgradePort} and an
 * {@link dev.osupgrade.port.ImageCatalog}. {@link dev.osupgrade.azure.BlobRolloutStore} is a
 * {@link dev.osupgrade.port.RolloutStore} on Azure Blob Storage that replicas on several machines share (it needs
 * {@code com.azure:azure-storage-blob}, an optional dependency of this module). No Azure SDK type appears in their
 * signatures except the clients they are built from.
 */
@NullMarked
package dev.osupgrade.azure;

import org.jspecify.annotations.NullMarked;
