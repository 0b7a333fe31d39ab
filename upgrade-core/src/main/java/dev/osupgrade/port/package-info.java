/**
 * The ports (SPI): what the engine reads from and changes in the outside world. The Azure adapter and the simulated
 * fleet both implement them, and both pass the same contract tests. Failures cross the ports as
 * {@link dev.osupgrade.port.CloudException} subclasses that keep the cloud's own error code.
 */
@NullMarked
package dev.osupgrade.port;

import org.jspecify.annotations.NullMarked;
