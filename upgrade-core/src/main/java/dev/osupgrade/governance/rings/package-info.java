/**
 * Rings across scale sets and regions: a canary ring first, then wider rings, with a soak time and gates between
 * them; promotion only when the previous ring is healthy on the new version; a failure in any ring stops promotion,
 * quarantines the version and, per the readiness record, rolls the ring back. Works for orchestrated rollouts and for
 * governed platform upgrades (Azure's automatic OS upgrade enabled ring by ring).
 */
@NullMarked
package dev.osupgrade.governance.rings;

import org.jspecify.annotations.NullMarked;
