/**
 * The consumer test: a project whose only dependency is {@code upgrade-azure} (upgrade-azure/src/it/consumer), built
 * by the maven-invoker-plugin against the freshly built artifacts, is run with exactly the classpath it resolves.
 */
@NullMarked
package dev.osupgrade.azure.consumer;

import org.jspecify.annotations.NullMarked;
