package dev.osupgrade.rollout;

import dev.osupgrade.Require;
import dev.osupgrade.fleet.ScaleSet;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * What the runner saw when it looked: the time and the scale set with its instances.
 *
 * @param now the time, from the injected clock
 * @param fleet the scale set snapshot
 * @param headroom how many instances the scale set could add now (read only before a max-surge batch), or null
 */
public record Observation(Instant now, ScaleSet fleet, @Nullable Integer headroom) {
  /** Validates the fields. */
  public Observation {
    Require.instant("now", now);
    Require.nonNull(fleet, "fleet");
  }

  /**
   * An observation without capacity information.
   *
   * @param now the time
   * @param fleet the scale set snapshot
   */
  public Observation(Instant now, ScaleSet fleet) {
    this(now, fleet, null);
  }
}
