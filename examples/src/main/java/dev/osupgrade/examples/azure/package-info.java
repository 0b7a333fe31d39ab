/** How a platform service embeds the Azure adapter: credential, profile, compute manager, {@code AzureFleet}. */
@NullMarked
package dev.osupgrade.examples.azure;

import org.jspecify.annotations.NullMarked;
