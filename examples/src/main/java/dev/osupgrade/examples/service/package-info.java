/**
 * A platform service that runs governed ring rollouts: {@link dev.osupgrade.examples.service.PlatformService} reads
 * a small JSON file ({@link dev.osupgrade.examples.service.ServiceConfig}), wires the fleet (Azure from environment
 * variables, or the simulator), the rollout store (Azure Blob Storage from a connection string, or files) and the
 * {@link dev.osupgrade.service.RolloutRunner}, runs the rings, and shuts down cleanly on SIGTERM.
 */
@NullMarked
package dev.osupgrade.examples.service;

import org.jspecify.annotations.NullMarked;
