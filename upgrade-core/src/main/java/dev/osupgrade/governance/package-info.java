/**
 * Governance before production: which images are trusted ({@link dev.osupgrade.governance.ImageTrustPolicy}, with
 * a fleet-wide {@link dev.osupgrade.governance.Quarantine}), and the readiness record that must document owner,
 * expected signal, rollout boundary and rollback path before a production scale set gets automatic OS upgrades or
 * an orchestrated rollout ({@link dev.osupgrade.governance.ReadinessRecord}, {@link
 * dev.osupgrade.governance.ProductionReadiness}). Performance validation lives in {@code governance.performance},
 * maintenance windows, release calendars and deferral approvals in {@code governance.schedule}.
 *
 * <p>Everything here is pure and deterministic: times come in as parameters, nothing reads a clock.
 */
@NullMarked
package dev.osupgrade.governance;

import org.jspecify.annotations.NullMarked;
