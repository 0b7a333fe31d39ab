package dev.osupgrade.event;

import dev.osupgrade.Redaction;
import dev.osupgrade.Require;
import dev.osupgrade.fleet.ScaleSetId;
import java.time.Instant;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * One line of a ring rollout's timeline: a member of the same sealed family as a rollout's events
 * ({@link UpgradeEvent}), so one {@link UpgradeListener} takes both. Numbered per ring rollout (each of its rollouts
 * numbers its own events). One record with a {@link Kind} rather than a record per kind: every ring step has the same
 * shape (a ring, perhaps a scale set, the reason); the numbers a rollout's step carries are in its own events.
 *
 * @param sequence numbered from 1
 * @param at when, by the injected clock
 * @param kind what happened
 * @param ring the ring's name
 * @param scaleSet the scale set it concerns, or null for the whole ring
 * @param detail why, with the numbers: one line, except for gate verdicts of several scale sets
 *     ({@link Kind#GATE_EVALUATED}, {@link Kind#RING_WAITING}), folded as a count on the first line, then each scale
 *     set on an indented line of its own with each of its verdicts indented below it
 */
public record RingEvent(long sequence, Instant at, Kind kind, String ring, @Nullable ScaleSetId scaleSet,
    String detail) implements UpgradeEvent {

  /** Validates the fields and masks secrets in the detail. */
  public RingEvent {
    Require.nonNull(at, "at");
    Require.nonNull(kind, "kind");
    Require.nonNull(ring, "ring");
    detail = Redaction.redact(Require.nonNull(detail, "detail"));
  }

  /** What happened. */
  public enum Kind {
    /** The ring rollout began. */
    STARTED,
    /** A ring started: its scale sets passed trust and readiness. */
    RING_STARTED,
    /** A ring waits (replication not done, a gate asked to wait). */
    RING_WAITING,
    /** Deferred platform upgrades were approved ({@code osRollingUpgradeDeferral}). */
    DEFERRAL_APPROVED,
    /** Deferred platform upgrades are held (outside a window, a gate waits). */
    DEFERRAL_HELD,
    /** An instance has waited for approval longer than the maximum deferral: someone must decide. */
    DEFERRAL_OVERDUE,
    /** One scale set of a ring finished its upgrade. */
    SCALE_SET_UPGRADED,
    /** One scale set of a ring had nothing to do (already on the target). */
    SCALE_SET_SKIPPED,
    /** All scale sets of a ring are on the target; the soak began. */
    SOAK_STARTED,
    /** A gate was asked during the soak or before promotion. */
    GATE_EVALUATED,
    /** The ring soaked healthy; the next ring may start. */
    RING_PROMOTED,
    /** A ring was refused before any change (trust, readiness, replication failure). */
    RING_REFUSED,
    /** A ring failed: promotion stops. */
    RING_FAILED,
    /** The version was quarantined: no ring may take it. */
    VERSION_QUARANTINED,
    /** A failed ring's scale set is being rolled back to its previous version. */
    ROLLBACK_STARTED,
    /** A failed ring's scale set is back on its previous version (or the rollback ended otherwise). */
    ROLLBACK_ENDED,
    /** Every ring was promoted. */
    COMPLETED,
    /** The ring rollout stopped. */
    STOPPED
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT, "#%03d %s [%s]%s %s: %s", sequence, at, ring,
        scaleSet == null ? "" : " " + scaleSet, kind.name().toLowerCase(Locale.ROOT).replace('_', ' '), detail);
  }
}
