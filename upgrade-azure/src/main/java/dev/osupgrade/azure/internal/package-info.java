/**
 * The Azure adapter's implementation: calls through the SDK's fluent inner clients, the retry layer and the mapping
 * between ARM's JSON models and the domain. Not part of the API: anything here may change in any release.
 */
@NullMarked
package dev.osupgrade.azure.internal;

import org.jspecify.annotations.NullMarked;
