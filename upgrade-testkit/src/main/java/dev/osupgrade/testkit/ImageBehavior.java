package dev.osupgrade.testkit;

import dev.osupgrade.Require;
import java.time.Duration;

/**
 * How instances behave after they boot a given image version in the simulated fleet.
 *
 * @param kind what happens
 * @param initializingFor for {@link Kind#SLOW_INITIALIZING}: how long the health extension stays Initializing
 */
public record ImageBehavior(Kind kind, Duration initializingFor) {
  /** Validates the fields. */
  public ImageBehavior {
    Require.nonNull(kind, "kind");
    Require.nonNegative("initializingFor", initializingFor);
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
   * @param duration how long it stays Initializing
   * @return the behaviour
   */
  public static ImageBehavior slowInitializing(Duration duration) {
    return new ImageBehavior(Kind.SLOW_INITIALIZING, Require.positive("duration", duration));
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
    SLOW_INITIALIZING
  }
}
