/** The ports of upgrade-core implemented over Azure Resource Manager. */
@NullMarked
package dev.osupgrade.azure;

import org.jspecify.annotations.NullMarked;
