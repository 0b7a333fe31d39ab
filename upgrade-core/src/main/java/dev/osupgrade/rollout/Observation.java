package dev.osupgrade.rollout;

import dev.osupgrade.Require;
import dev.osupgrade.fleet.InstanceIds;
import dev.osupgrade.fleet.ScaleSet;
import java.time.Instant;
import java.util.Collections;
import java.util.Set;
import java.util.TreeSet;
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
 * @param confirmedGone instances missing from this look that a read of each one
 *     ({@link dev.osupgrade.port.ScaleSetPort#instance}) found gone just now. The engine settles an instance it expects
 *     as removed only when it is here: an instance that is merely missing from looks, however many, stays in play
 *     (a listing can be incomplete the same way twice), and the engine waits for the instance or its confirmation.
 *     An instance both here and in {@code fleet} is not gone.
 */
public record Observation(Instant now, ScaleSet fleet, @Nullable Integer headroom, boolean fullRead,
    Set<String> confirmedGone) {
  /** Validates the fields and copies the set (sorted by instance id). */
  public Observation {
    Require.instant("now", now);
    Require.nonNull(fleet, "fleet");
    Set<String> sorted = new TreeSet<>(InstanceIds.ORDER);
    sorted.addAll(Require.noNulls("confirmedGone", confirmedGone));
    confirmedGone = Collections.unmodifiableSet(sorted);
  }

  /**
   * A look without confirmations of vanished instances.
   *
   * @param now the time
   * @param fleet the scale set snapshot
   * @param headroom how many instances the scale set could add now, or null
   * @param fullRead whether the model and the instances were read together just now
   */
  public Observation(Instant now, ScaleSet fleet, @Nullable Integer headroom, boolean fullRead) {
    this(now, fleet, headroom, fullRead, Set.of());
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

  /**
   * Says whether a direct read confirmed an instance gone in this look (and the look does not show it).
   *
   * @param instanceId the instance
   * @return true when it is confirmed gone
   */
  public boolean isConfirmedGone(String instanceId) {
    return confirmedGone.contains(Require.nonNull(instanceId, "instanceId"))
        && fleet.instance(instanceId).isEmpty();
  }
}
