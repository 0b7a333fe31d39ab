/**
 * Operations: a rollout's status and progress in Azure's shape (running status code and the four progress counts),
 * Azure's error codes, and (later) history, drift and diagnosis.
 */
@NullMarked
package dev.osupgrade.ops;

import org.jspecify.annotations.NullMarked;
