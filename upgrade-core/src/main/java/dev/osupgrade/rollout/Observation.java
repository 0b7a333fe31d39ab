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
 * @param fullRead true when the model and the instances were read together just now (a
 *     {@link dev.osupgrade.port.ScaleSetPort#get get}); false when only the instances were listed and the model is the
 *     runner's copy. A rollout says {@code Completed} only on a full read.
 */
public record Observation(Instant now, ScaleSet fleet, @Nullable Integer headroom, boolean fullRead) {
  /** Validates the fields. */
  public Observation {
    Require.instant("now", now);
    Require.nonNull(fleet, "fleet");
  }

  /**
   * A full read with capacity information.
   *
   * @param now the time
   * @param fleet the scale set snapshot, model and instances read together
   * @param headroom how many instances the scale set could add now, or null
   */
  public Observation(Instant now, ScaleSet fleet, @Nullable Integer headroom) {
    this(now, fleet, headroom, true);
  }

  /**
   * A full read without capacity information.
   *
   * @param now the time
   * @param fleet the scale set snapshot, model and instances read together
   */
  public Observation(Instant now, ScaleSet fleet) {
    this(now, fleet, null, true);
  }
}
