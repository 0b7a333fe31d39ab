package dev.osupgrade.diagnosis;

import dev.osupgrade.Require;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.InstanceIds;
import dev.osupgrade.fleet.ScaleSet;
import dev.osupgrade.image.ImageVersion;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Which instances of a scale set do not match its model ({@code latestModelApplied=false}), what they run, and how to
 * bring them there.
 *
 * @param scaleSet the scale set
 * @param byVersion drifting instances (not protected), by the version they run
 * @param protectedDrifting drifting instances that are protected from scale-set actions (left alone by upgrades)
 * @param steps what to do, in words
 */
public record DriftReport(ScaleSet scaleSet, Map<ImageVersion, List<String>> byVersion,
    List<String> protectedDrifting, List<String> steps) {

  /** Copies the collections. */
  public DriftReport {
    Require.nonNull(scaleSet, "scaleSet");
    byVersion = Map.copyOf(Require.noNulls("byVersion", byVersion));
    protectedDrifting = List.copyOf(Require.noNulls("protectedDrifting", protectedDrifting));
    steps = List.copyOf(Require.noNulls("steps", steps));
  }

  /**
   * Reads the drift of a scale set.
   *
   * @param scaleSet the scale set snapshot
   * @return the report
   */
  public static DriftReport of(ScaleSet scaleSet) {
    Require.nonNull(scaleSet, "scaleSet");
    Map<ImageVersion, List<String>> byVersion = new TreeMap<>();
    List<String> protectedOnes = new ArrayList<>();
    for (Instance i : scaleSet.instances()) {
      if (i.latestModelApplied()) {
        continue;
      }
      if (i.protectedFromUpgrade()) {
        protectedOnes.add(i.instanceId());
      } else {
        byVersion.computeIfAbsent(i.imageVersion(), v -> new ArrayList<>()).add(i.instanceId());
      }
    }
    List<String> steps = new ArrayList<>();
    List<String> drifting = byVersion.values().stream().flatMap(List::stream).toList();
    String model = scaleSet.modelImage().version().map(Object::toString).orElse("latest");
    if (!drifting.isEmpty()) {
      if (scaleSet.upgradePolicy().automaticOsUpgrade().enableAutomaticOSUpgrade()) {
        steps.add("automatic OS upgrade is on: the platform brings " + drifting.size() + " instance(s) to the latest "
            + "image with its next OS upgrade; to do it now, start one (POST osRollingUpgrade).");
      } else {
        steps.add("bring " + InstanceIds.format(drifting) + " to the model (" + model + "): a Rollout to " + model
            + " upgrades them in safe batches; a single manualupgrade of all of them would not.");
      }
    }
    if (!protectedOnes.isEmpty()) {
      steps.add("protected from scale-set actions, left alone by every upgrade: " + InstanceIds.format(protectedOnes)
          + "; lift the protection, or replace these instances, when their owner agrees.");
    }
    return new DriftReport(scaleSet, byVersion, protectedOnes, steps);
  }

  /** @return how many instances drift, protected ones included */
  public int driftingCount() {
    return byVersion.values().stream().mapToInt(List::size).sum() + protectedDrifting.size();
  }

  /** @return true when every instance matches the model */
  public boolean isInSync() {
    return driftingCount() == 0;
  }

  @Override
  public String toString() {
    StringBuilder b = new StringBuilder("Drift of ").append(scaleSet.id()).append(" (model ")
        .append(scaleSet.modelImage()).append("): ");
    if (isInSync()) {
      return b.append("every instance matches the model").toString();
    }
    b.append(driftingCount()).append(" of ").append(scaleSet.instanceCount()).append(" instances do not match");
    byVersion.forEach((v, ids) -> b.append("\n  on ").append(v).append(": ").append(InstanceIds.format(ids)));
    if (!protectedDrifting.isEmpty()) {
      b.append("\n  protected: ").append(InstanceIds.format(protectedDrifting));
    }
    steps.forEach(s -> b.append("\n  -> ").append(s));
    return b.toString();
  }
}
