package dev.osupgrade.governance;

import dev.osupgrade.Redaction;
import dev.osupgrade.Require;

/**
 * An explicit opt-out of production governance: a rollout started on a production scale set without a readiness
 * record and a trust decision, with who opted out and why. A rollout keeps it in its event log (its first event,
 * {@link dev.osupgrade.event.GovernanceWaived}) and in every checkpoint, so a rollout resumed from the store still
 * knows that it was started ungoverned.
 *
 * @param by who opted out: the replica that started the rollout (its lease owner name, e.g. the host name)
 * @param reason why, in words an auditor reads: the incident, the ticket, the person who decided; one line of at most
 *     {@link #MAX_REASON} characters, secrets masked
 */
public record GovernanceWaiver(String by, String reason) {
  /** The longest reason, in characters. */
  public static final int MAX_REASON = 1024;

  /** Validates the fields and masks secrets in the reason. */
  public GovernanceWaiver {
    Require.name("by", by, 256);
    reason = Redaction.redact(Require.name("reason", reason, MAX_REASON));
  }

  @Override
  public String toString() {
    return "governance waived by " + by + ": " + reason;
  }
}
