/**
 * The rollout's audit trail: a sealed family of events, each with a sequence number, the fleet time it happened at,
 * the scale set, and the evidence behind the decision. {@code toString()} reads as a log line that says why.
 */
@NullMarked
package dev.osupgrade.event;

import org.jspecify.annotations.NullMarked;
