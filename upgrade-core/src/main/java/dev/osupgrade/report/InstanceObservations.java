package dev.osupgrade.report;

import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.image.ImageVersion;
import java.time.Instant;
import java.util.List;

/**
 * Where the truth about each instance comes from, when there is one beyond the rollout's own events: the simulator
 * answers from its record of what every instance really did (the testkit's {@code SimulatedFleet.observations()}).
 * Against Azure there is none; a {@link Timeline} then draws the instances from the events alone.
 */
@FunctionalInterface
public interface InstanceObservations {
  /**
   * What each instance of a scale set did in a time window, seen against a target version.
   *
   * @param scaleSet the scale set
   * @param target the version the rollout brings (decides which image counts as new)
   * @param from the window's start: every track starts with the instance's state then (or with its creation)
   * @param to the window's end: later changes are left out
   * @return one track per instance that existed in the window, in instance-id order
   */
  List<InstanceTrack> tracks(ScaleSetId scaleSet, ImageVersion target, Instant from, Instant to);
}
