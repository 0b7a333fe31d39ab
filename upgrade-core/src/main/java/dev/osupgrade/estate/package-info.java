/**
 * Governs a whole estate continuously: the layer above the service runner. A {@link dev.osupgrade.estate.DesiredState}
 * declares which scale sets belong to which ring (by tags, resource groups, regions), the image families they follow,
 * the trust policy, readiness records, maintenance schedules and each scale set's mode; an
 * {@link dev.osupgrade.estate.EstateGovernor} discovers the scale sets on every turn, notices new trusted, replicated
 * releases per family, promotes each ring by ring inside the windows (rehearsing each ring on a twin first, through a
 * {@link dev.osupgrade.estate.Rehearsal}), reacts to quarantine everywhere, catches up scale sets that joined late or
 * drifted, keeps its state in the shared {@link dev.osupgrade.port.RolloutStore}, and reports the estate as text and
 * data ({@link dev.osupgrade.estate.EstateReport}).
 */
@NullMarked
package dev.osupgrade.estate;

import org.jspecify.annotations.NullMarked;
