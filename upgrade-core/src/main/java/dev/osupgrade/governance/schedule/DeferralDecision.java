package dev.osupgrade.governance.schedule;

import dev.osupgrade.Require;
import dev.osupgrade.health.GateVerdict;
import java.time.Instant;
import java.util.List;

/**
 * What {@link DeferralApprovals} decided: {@link Approve} these instances now, or {@link Hold} until a time. Both
 * carry the gate verdicts behind the decision and every {@link DeferralOverdue} found, so an overdue deferral is
 * reported whatever the decision.
 */
public sealed interface DeferralDecision permits DeferralDecision.Approve, DeferralDecision.Hold {

  /** @return when the decision was made */
  Instant at();

  /** @return why, in words */
  String reason();

  /** @return the verdicts of the window and the gates, in the order asked */
  List<GateVerdict> verdicts();

  /** @return the instances deferred longer than the maximum; empty when none */
  List<DeferralOverdue> overdue();

  /** @return true when some deferral is overdue and someone must act */
  default boolean needsEscalation() {
    return !overdue().isEmpty();
  }

  /**
   * Approve these instances now ({@code approveRollingUpgrade}).
   *
   * @param at when
   * @param instanceIds the instances to approve, longest-deferred first; may be empty when nothing is pending
   * @param stillDeferred pending instances left for a later decision (over the at-once limit)
   * @param reason why
   * @param verdicts the verdicts behind it
   * @param overdue overdue deferrals
   */
  record Approve(Instant at, List<String> instanceIds, List<String> stillDeferred, String reason,
      List<GateVerdict> verdicts, List<DeferralOverdue> overdue) implements DeferralDecision {
    /** Validates and copies. */
    public Approve {
      Require.nonNull(at, "at");
      instanceIds = List.copyOf(Require.noNulls("instanceIds", instanceIds));
      stillDeferred = List.copyOf(Require.noNulls("stillDeferred", stillDeferred));
      Require.nonNull(reason, "reason");
      verdicts = List.copyOf(Require.noNulls("verdicts", verdicts));
      overdue = List.copyOf(Require.noNulls("overdue", overdue));
    }

    @Override
    public String toString() {
      return at + " approve " + instanceIds + (stillDeferred.isEmpty() ? "" : " (still deferred " + stillDeferred
          + ")") + ": " + reason + (overdue.isEmpty() ? "" : "; " + overdue.size() + " OVERDUE");
    }
  }

  /**
   * Approve nothing now; decide again at {@code until}.
   *
   * @param at when
   * @param until when to decide again
   * @param reason why
   * @param verdicts the verdicts behind it
   * @param overdue overdue deferrals
   */
  record Hold(Instant at, Instant until, String reason, List<GateVerdict> verdicts, List<DeferralOverdue> overdue)
      implements DeferralDecision {
    /** Validates and copies. */
    public Hold {
      Require.nonNull(at, "at");
      Require.nonNull(until, "until");
      Require.nonNull(reason, "reason");
      verdicts = List.copyOf(Require.noNulls("verdicts", verdicts));
      overdue = List.copyOf(Require.noNulls("overdue", overdue));
    }

    @Override
    public String toString() {
      return at + " hold until " + until + ": " + reason + (overdue.isEmpty() ? "" : "; " + overdue.size()
          + " OVERDUE");
    }
  }
}
