package dev.osupgrade.service;

import dev.osupgrade.Require;
import dev.osupgrade.fleet.ScaleSetId;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * What one managed rollout is doing, at one moment: for operators, as data and as a log-style line.
 *
 * @param id the runner's number for it
 * @param name the scale set and target, or the ring rollout's target
 * @param kind a rollout or a ring rollout
 * @param scaleSets the scale sets it works on now (a ring rollout: the current ring's)
 * @param state where it stands in the runner
 * @param status what the rollout itself says ({@code RollingForward}, {@code Completed}, ...; a ring rollout's
 *     {@code RUNNING}, {@code COMPLETED}, ...), as of its last advance
 * @param nextAdvance when it is advanced next (while queued or advancing: when that advance fell due), or null when
 *     no advance is planned (paused, ended, set aside, released)
 * @param advances how many advances ran
 * @param failures how many advances in a row failed (0 after one that worked)
 * @param lastError the last failure of an advance (a code or type, and the message), or null if none ever failed
 * @param lastErrorAt when it happened, or null
 * @param detail the rollout's own one-line summary (progress, error code), as of its last advance
 */
public record ManagedStatus(long id, String name, ManagedRollout.Kind kind, List<ScaleSetId> scaleSets,
    ManagedRollout.State state, String status, @Nullable Instant nextAdvance, long advances, int failures,
    @Nullable String lastError, @Nullable Instant lastErrorAt, String detail) {

  /** Validates the fields. */
  public ManagedStatus {
    Require.nonNull(name, "name");
    Require.nonNull(kind, "kind");
    scaleSets = List.copyOf(Require.noNulls("scaleSets", scaleSets));
    Require.nonNull(state, "state");
    Require.nonNull(status, "status");
    Require.nonNull(detail, "detail");
  }

  /** @return when it is advanced next, if an advance is planned */
  public Optional<Instant> nextAdvanceIfAny() {
    return Optional.ofNullable(nextAdvance);
  }

  /** @return the last failure of an advance, if any */
  public Optional<String> lastErrorIfAny() {
    return Optional.ofNullable(lastError);
  }

  /** @return e.g. {@code #3 shop-prod/web -> 22.04.202410010 WAITING (RollingForward) next 2026-01-05T00:12:30Z ...} */
  @Override
  public String toString() {
    StringBuilder b = new StringBuilder().append('#').append(id).append(' ').append(name).append(' ').append(state)
        .append(" (").append(status).append(')');
    if (nextAdvance != null) {
      b.append(" next ").append(nextAdvance);
    }
    b.append(", ").append(advances).append(advances == 1 ? " advance" : " advances");
    if (failures > 0) {
      b.append(", ").append(failures).append(failures == 1 ? " failure" : " failures").append(" in a row");
    }
    b.append(": ").append(detail);
    if (lastError != null) {
      b.append("; last error at ").append(lastErrorAt).append(": ").append(lastError);
    }
    return b.toString();
  }
}
