package dev.osupgrade.health;

import dev.osupgrade.Redaction;
import dev.osupgrade.Require;
import dev.osupgrade.ops.StopCode;
import java.time.Instant;
import java.util.List;

/**
 * A gate's answer, with the reason and the numbers behind it: {@link Pass}, {@link Wait} (ask again at a time) or
 * {@link Fail} (stop the rollout with a code). Reasons are {@linkplain Redaction redacted} on construction, as
 * they end up in events and checkpoints.
 */
public sealed interface GateVerdict permits GateVerdict.Pass, GateVerdict.Wait, GateVerdict.Fail {

  /** @return the gate's name */
  String gate();

  /** @return why, in words, with the numbers */
  String reason();

  /** @return the numbers behind the verdict */
  List<Measurement> measurements();

  /**
   * Finds a measurement by name.
   *
   * @param name the name
   * @return its value, or NaN when absent
   */
  default double measurement(String name) {
    return measurements().stream().filter(m -> m.name().equals(name)).mapToDouble(Measurement::value)
        .findFirst().orElse(Double.NaN);
  }

  /**
   * The rollout may go on.
   *
   * @param gate the gate's name
   * @param reason why
   * @param measurements the numbers
   * @return the verdict
   */
  static Pass pass(String gate, String reason, Measurement... measurements) {
    return new Pass(gate, reason, List.of(Require.noNulls("measurements", measurements)));
  }

  /**
   * Not yet: ask again at {@code until}.
   *
   * @param gate the gate's name
   * @param reason why
   * @param until when to ask again
   * @param measurements the numbers
   * @return the verdict
   */
  static Wait waitUntil(String gate, String reason, Instant until, Measurement... measurements) {
    return new Wait(gate, reason, until, List.of(Require.noNulls("measurements", measurements)));
  }

  /**
   * Stop the rollout.
   *
   * @param gate the gate's name
   * @param code the stop code (Azure's name where there is one)
   * @param reason why
   * @param measurements the numbers
   * @return the verdict
   */
  static Fail fail(String gate, String code, String reason, Measurement... measurements) {
    return new Fail(gate, code, reason, List.of(Require.noNulls("measurements", measurements)));
  }

  /**
   * Stop the rollout, with a typed code.
   *
   * @param gate the gate's name
   * @param code the stop code
   * @param reason why
   * @param measurements the numbers
   * @return the verdict
   */
  static Fail fail(String gate, StopCode code, String reason, Measurement... measurements) {
    return fail(gate, Require.nonNull(code, "code").azureName(), reason, measurements);
  }

  /**
   * The rollout may go on.
   *
   * @param gate the gate's name
   * @param reason why
   * @param measurements the numbers
   */
  record Pass(String gate, String reason, List<Measurement> measurements) implements GateVerdict {
    /** Validates and copies. */
    public Pass {
      Require.nonBlank("gate", gate);
      reason = Redaction.redact(Require.nonNull(reason, "reason"));
      measurements = List.copyOf(Require.noNulls("measurements", measurements));
    }

    @Override
    public String toString() {
      return gate + " passed: " + reason;
    }
  }

  /**
   * Not yet.
   *
   * @param gate the gate's name
   * @param reason why
   * @param until when to ask again
   * @param measurements the numbers
   */
  record Wait(String gate, String reason, Instant until, List<Measurement> measurements) implements GateVerdict {
    /** Validates and copies. */
    public Wait {
      Require.nonBlank("gate", gate);
      Require.nonNull(reason, "reason");
      Require.instant("until", until);
      measurements = List.copyOf(Require.noNulls("measurements", measurements));
    }

    @Override
    public String toString() {
      return gate + " waits until " + until + ": " + reason;
    }
  }

  /**
   * Stop the rollout.
   *
   * @param gate the gate's name
   * @param code the stop code
   * @param reason why
   * @param measurements the numbers
   */
  record Fail(String gate, String code, String reason, List<Measurement> measurements) implements GateVerdict {
    /** Validates and copies. */
    public Fail {
      Require.nonBlank("gate", gate);
      Require.nonBlank("code", code);
      reason = Redaction.redact(Require.nonNull(reason, "reason"));
      measurements = List.copyOf(Require.noNulls("measurements", measurements));
    }

    @Override
    public String toString() {
      return gate + " failed [" + code + "]: " + reason;
    }
  }
}
