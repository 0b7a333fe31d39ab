/**
 * Time in governance: {@link dev.osupgrade.governance.schedule.MaintenanceWindow}s and the {@link
 * dev.osupgrade.governance.schedule.MaintenanceSchedule} they form, the {@link
 * dev.osupgrade.governance.schedule.MaintenanceWindowGate} that keeps batches inside them, a {@link
 * dev.osupgrade.governance.schedule.ReleaseCalendar} of publisher cadences and gallery replication timing, and
 * {@link dev.osupgrade.governance.schedule.DeferralApprovals}, which decides when {@code osRollingUpgradeDeferral}
 * approvals may be granted and reports deferrals that have lasted too long.
 *
 * <p>Nothing here reads a clock: every method takes the current {@link java.time.Instant}.
 */
@NullMarked
package dev.osupgrade.governance.schedule;

import org.jspecify.annotations.NullMarked;
