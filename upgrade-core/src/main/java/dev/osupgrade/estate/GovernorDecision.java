package dev.osupgrade.estate;

import dev.osupgrade.Redaction;
import dev.osupgrade.Require;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.image.ImageVersion;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * One line of an {@link EstateGovernor}'s decision log: what it decided, when, about which family, version, ring and
 * scale sets, and why. The log is the governor's audit trail; the same estate, seed and clock give the same log.
 *
 * @param sequence numbered from 1 per governor, continued across restarts and replicas (kept in the checkpoint)
 * @param at when, by the injected clock
 * @param kind what was decided
 * @param family the image family's name, or {@code "*"} for the estate as a whole
 * @param version the version concerned, or null
 * @param ring the ring concerned, or null
 * @param scaleSets the scale sets concerned (may be empty)
 * @param detail why, with the numbers
 */
public record GovernorDecision(long sequence, Instant at, Kind kind, String family, @Nullable ImageVersion version,
    @Nullable String ring, List<ScaleSetId> scaleSets, String detail) {

  /** Validates the fields and masks secrets in the detail. */
  public GovernorDecision {
    Require.that(sequence >= 1, "sequence", ">= 1", sequence);
    Require.nonNull(at, "at");
    Require.nonNull(kind, "kind");
    Require.nonBlank("family", family);
    scaleSets = List.copyOf(Require.noNulls("scaleSets", scaleSets));
    detail = Redaction.redact(Require.nonNull(detail, "detail"));
  }

  /** What the governor decided. */
  public enum Kind {
    /** Discovery found scale sets it did not know, or lost ones it knew. */
    DISCOVERED,
    /** A newer release of a family is known but may not start yet (replication, minimum age, trust). */
    RELEASE_WAITING,
    /** A family's newest eligible, trusted, replicated release becomes its campaign. */
    CAMPAIGN_STARTED,
    /** A newer release arrived: the campaign finishes its ring in flight, starts no other, and gives way. */
    CAMPAIGN_SUPERSEDED,
    /** A ring may not start yet (window closed, replication pending, minimum age). */
    RING_WAITING,
    /** A ring was rehearsed on the twin. */
    RING_REHEARSED,
    /** A ring's rehearsal breached the budget (or failed on the twin): the ring does not start. */
    RING_BLOCKED,
    /** Scale sets of a ring were left out of it, each with the reason (replication failed, readiness, mode). */
    SCALE_SETS_EXCLUDED,
    /** A ring started on some or all of its scale sets (a lane per mode and schedule). */
    RING_STARTED,
    /** Every scale set of a ring is on the version and soaked healthy. */
    RING_PROMOTED,
    /** A ring failed: the campaign stops (the ring rolls back as its readiness record says). */
    RING_FAILED,
    /** The version is quarantined: nothing in the estate takes it. */
    VERSION_QUARANTINED,
    /** Every ring took the version. */
    CAMPAIGN_COMPLETED,
    /** The campaign stopped: a ring failed or the version was quarantined. */
    CAMPAIGN_FAILED,
    /** Scale sets that joined late or drifted are brought to the family's version. */
    CATCH_UP_STARTED,
    /** A catch-up ended. */
    CATCH_UP_ENDED,
    /** An instance waited for a deferral approval longer than the maximum: someone must decide. */
    DEFERRAL_OVERDUE,
    /** A turn could not finish (the cloud or the store failed); it is tried again. */
    TURN_STALLED,
    /**
     * An operator paused the governor: no ring starts or promotes and no catch-up starts; rollouts in flight pause at
     * their batch boundary. Kept in the checkpoint, so a replica that takes over stays paused.
     */
    GOVERNOR_PAUSED,
    /** An operator resumed a paused governor: paused rollouts go on, and the next turn runs at once. */
    GOVERNOR_RESUMED,
    /**
     * An operator cancelled the governor: nothing starts again, and each rollout in flight finishes its batch and
     * ends {@code Cancelled}.
     */
    GOVERNOR_CANCELLED,
    /** A cancelled governor's last rollout ended: the governor has ended ({@link EstateGovernor#isDone()}). */
    GOVERNOR_ENDED
  }

  /** @return the version, if the decision concerns one */
  public Optional<ImageVersion> versionIfAny() {
    return Optional.ofNullable(version);
  }

  /** @return the ring, if the decision concerns one */
  public Optional<String> ringIfAny() {
    return Optional.ofNullable(ring);
  }

  /** @return e.g. {@code #0007 2026-01-06T20:00:00Z [ubuntu-22 22.04.202601150 / canary] ring started: ...} */
  @Override
  public String toString() {
    return String.format(Locale.ROOT, "#%04d %s [%s%s%s] %s: %s", sequence, at, family,
        version == null ? "" : " " + version, ring == null ? "" : " / " + ring,
        kind.name().toLowerCase(Locale.ROOT).replace('_', ' '), detail);
  }
}
