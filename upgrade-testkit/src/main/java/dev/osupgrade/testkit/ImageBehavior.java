package dev.osupgrade.testkit;

import dev.osupgrade.Durations;
import dev.osupgrade.Require;
import java.time.Duration;

/**
 * How instances behave after they boot: per image version ({@link SimulatedFleet#imageBehavior}) or for one
 * instance's next reimage ({@link Faults#nextBoot}). Every behaviour starts after the usual boot (the health
 * extension reports Initializing meanwhile) and, except {@link Kind#SLOW_INITIALIZING}, the usual settling.
 *
 * @param kind what happens
 * @param duration the behaviour's one duration (at most {@link #MAX_DURATION}): how long the health extension stays
 *     Initializing ({@link Kind#SLOW_INITIALIZING}), each half of a flapping cycle ({@link Kind#FLAPPING}), how long the instance
 *     stays Unhealthy before it recovers ({@link Kind#RECOVERS_LATE}); zero for the others
 */
public record ImageBehavior(Kind kind, Duration duration) {
  /** The longest duration a behaviour takes: 30 days. */
  public static final Duration MAX_DURATION = Duration.ofDays(30);

  /** Validates the fields. */
  public ImageBehavior {
    Require.nonNull(kind, "kind");
    Require.nonNegative("duration", duration, MAX_DURATION);
    if (kind == Kind.SLOW_INITIALIZING || kind == Kind.FLAPPING || kind == Kind.RECOVERS_LATE) {
      Require.positive("duration", duration, MAX_DURATION);
    }
  }

  /** @return instances come up Healthy (the default for every version) */
  public static ImageBehavior healthy() {
    return new ImageBehavior(Kind.HEALTHY, Duration.ZERO);
  }

  /** @return instances boot but the application reports Unhealthy */
  public static ImageBehavior comesUpUnhealthy() {
    return new ImageBehavior(Kind.UNHEALTHY, Duration.ZERO);
  }

  /** @return the OS does not boot: the health extension never answers and health is Unknown */
  public static ImageBehavior failsToBoot() {
    return new ImageBehavior(Kind.BOOT_FAILURE, Duration.ZERO);
  }

  /**
   * The health extension stays Initializing for a long time, then reports Healthy.
   *
   * @param duration how long it stays Initializing: positive, at most {@link #MAX_DURATION}
   * @return the behaviour
   */
  public static ImageBehavior slowInitializing(Duration duration) {
    return new ImageBehavior(Kind.SLOW_INITIALIZING, Require.positive("duration", duration, MAX_DURATION));
  }

  /**
   * Health flaps: Healthy for {@code period}, then Unhealthy for {@code period}, and so on, until the instance is
   * reimaged or its health is set by hand.
   *
   * @param period each half of the cycle: positive, at most {@link #MAX_DURATION}
   * @return the behaviour
   */
  public static ImageBehavior flapping(Duration period) {
    return new ImageBehavior(Kind.FLAPPING, Require.positive("period", period, MAX_DURATION));
  }

  /**
   * The application comes up Unhealthy and recovers late: Unhealthy for {@code unhealthyFor}, then Healthy.
   *
   * @param unhealthyFor how long it stays Unhealthy after settling: positive, at most {@link #MAX_DURATION}
   * @return the behaviour
   */
  public static ImageBehavior recoversAfter(Duration unhealthyFor) {
    return new ImageBehavior(Kind.RECOVERS_LATE, Require.positive("unhealthyFor", unhealthyFor, MAX_DURATION));
  }

  /** @return for {@link Kind#SLOW_INITIALIZING}: how long the health extension stays Initializing */
  public Duration initializingFor() {
    return kind == Kind.SLOW_INITIALIZING ? duration : Duration.ZERO;
  }

  @Override
  public String toString() {
    return switch (kind) {
      case HEALTHY -> "healthy";
      case UNHEALTHY -> "comes up Unhealthy";
      case BOOT_FAILURE -> "fails to boot";
      case SLOW_INITIALIZING -> "Initializing for " + Durations.words(duration);
      case FLAPPING -> "flapping every " + Durations.words(duration);
      case RECOVERS_LATE -> "Unhealthy for " + Durations.words(duration) + ", then Healthy";
    };
  }

  /** What happens after boot. */
  public enum Kind {
    /** Healthy after the usual settling. */
    HEALTHY,
    /** Unhealthy after the usual settling. */
    UNHEALTHY,
    /** Unknown: the VM never answers. */
    BOOT_FAILURE,
    /** Initializing for a long time, then Healthy. */
    SLOW_INITIALIZING,
    /** Healthy and Unhealthy in turn, each for the behaviour's duration. */
    FLAPPING,
    /** Unhealthy for the behaviour's duration, then Healthy. */
    RECOVERS_LATE
  }
}
