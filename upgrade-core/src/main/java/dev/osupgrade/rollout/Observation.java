package dev.osupgrade.rollout;

import dev.osupgrade.Require;
import dev.osupgrade.fleet.ScaleSet;
import java.time.Instant;

/**
 * What the runner saw when it looked: the time and the scale set with its instances.
 *
 * @param now the time, from the injected clock
 * @param fleet the scale set snapshot
 */
public record Observation(Instant now, ScaleSet fleet) {
  /** Validates the fields. */
  public Observation {
    Require.nonNull(now, "now");
    Require.nonNull(fleet, "fleet");
  }
}
