package dev.osupgrade.rollout;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * What one rule of the {@linkplain RolloutStep rule table} says: the rule does not apply (ask the next one), go on in
 * a phase now, wait until a time, hold for the caller, or look again at once — each with its reason.
 *
 * @param kind what happens next
 * @param phase the phase to go on in, or null to stay in the current one
 * @param until when to look again, for {@link Kind#WAIT}
 * @param reason why, in words (for readers and traces; never an event)
 */
record Outcome(Kind kind, RolloutState.@Nullable Phase phase, @Nullable Instant until, String reason) {
  /** What happens after a rule. */
  enum Kind {
    /** The rule does not apply: the next rule of the phase is asked. */
    NEXT,
    /** Go on at once, in {@link #phase()}: its rules are asked in the same step. */
    GO_ON,
    /** The step ends; look again at {@link #until()} (the phase may have changed too). */
    WAIT,
    /** The step ends with no time to look again: the caller moves the rollout on (a pause). */
    HOLD,
    /** The step ends; look again at once, with a full read. */
    LOOK_AGAIN_NOW
  }

  /** The rule does not apply. */
  static final Outcome NEXT = new Outcome(Kind.NEXT, null, null, "");

  static Outcome goTo(RolloutState.Phase phase, String reason) {
    return new Outcome(Kind.GO_ON, phase, null, reason);
  }

  static Outcome waitUntil(Instant at, String reason) {
    return new Outcome(Kind.WAIT, null, at, reason);
  }

  static Outcome goToAndWait(RolloutState.Phase phase, Instant at, String reason) {
    return new Outcome(Kind.WAIT, phase, at, reason);
  }

  static Outcome hold(String reason) {
    return new Outcome(Kind.HOLD, null, null, reason);
  }

  static Outcome goToAndLookAgainNow(RolloutState.Phase phase, String reason) {
    return new Outcome(Kind.LOOK_AGAIN_NOW, phase, null, reason);
  }
}
