package dev.osupgrade.testkit;

import dev.osupgrade.Require;
import dev.osupgrade.image.ImageReference;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * One port call that named a scale set of a {@link SimulatedFleet}, as the fleet received it: an entry of
 * {@link FleetRecord#calls()}. Recorded are the instance reads ({@code get}, {@code listInstances}), the reads of one
 * instance ({@code instance}, naming it: the look a rollout takes at an instance missing from its listings) and every
 * call that may change something ({@code updateModelImage}, {@code updateUpgradePolicy}, {@code upgradeInstances},
 * {@code rollBackInstances}, {@code scaleOut}, {@code deleteInstances}, {@code startOsUpgrade},
 * {@code cancelRollingUpgrade}, {@code approveRollingUpgrade}), whether they were carried out or rejected.
 *
 * @param sequence the call's place in the fleet's record: increasing, shared with the instances' histories
 * @param at when the call arrived, on the fleet's clock
 * @param method the port method, e.g. {@code "upgradeInstances"}
 * @param instanceIds the instances the call named ({@code instance}, {@code upgradeInstances},
 *     {@code rollBackInstances}, {@code deleteInstances}, {@code approveRollingUpgrade}) or created ({@code scaleOut}, once carried out), in
 *     the caller's order; empty for the others
 * @param image the image the call asked for ({@code updateModelImage}, {@code rollBackInstances}); null otherwise
 * @param count how many instances a {@code scaleOut} asked for; 0 otherwise
 * @param rejectedWith the error code the call failed with (a scripted 429 or 5xx, or the fleet's own validation),
 *     having changed nothing; null when it was carried out
 * @param health the whole scale set's true health when the call arrived, before it took effect
 * @param model the model's image when the call arrived, with {@code latest} resolved as Azure resolves it for the
 *     scale set (what {@code latestModelApplied} is measured against)
 */
public record PortCall(long sequence, Instant at, String method, List<String> instanceIds,
    @Nullable ImageReference image, int count, @Nullable String rejectedWith, FleetHealth health,
    ImageReference model) {

  /**
   * The methods that read the instances: their snapshots are {@link FleetRecord#fleetAt(PortCall)}. A read of one
   * instance ({@code instance}) is not among them: {@code fleetAt} shows the whole set as that read found it, of which
   * it returned the named instance only.
   */
  public static final Set<String> READS = Set.of("get", "listInstances");

  /** Validates and copies. */
  public PortCall {
    Require.nonNull(at, "at");
    Require.nonBlank("method", method);
    instanceIds = List.copyOf(Require.noNulls("instanceIds", instanceIds));
    Require.nonNull(health, "health");
    Require.nonNull(model, "model");
  }

  /** @return true when the fleet carried the call out; false when it rejected it */
  public boolean accepted() {
    return rejectedWith == null;
  }

  /** @return true for {@code get} and {@code listInstances} */
  public boolean isRead() {
    return READS.contains(method);
  }

  /**
   * Says whether this is a call of a method.
   *
   * @param name a port method's name
   * @return true when it is
   */
  public boolean is(String name) {
    return method.equals(name);
  }

  /**
   * Says whether this is a call of an operation.
   *
   * @param operation the port operation
   * @return true when it is
   */
  public boolean is(PortOperation operation) {
    return method.equals(Require.nonNull(operation, "operation").methodName());
  }

  /** @return the call's port operation */
  public PortOperation operation() {
    return PortOperation.of(method);
  }

  @Override
  public String toString() {
    return "#" + sequence + " " + at + " " + method + (instanceIds.isEmpty() ? "" : " " + instanceIds)
        + (image != null ? " " + image : "") + (count > 0 ? " count " + count : "")
        + (rejectedWith != null ? " REJECTED " + rejectedWith : "") + " [" + health + "]";
  }
}
