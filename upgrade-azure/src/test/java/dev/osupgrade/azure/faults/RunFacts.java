package dev.osupgrade.azure.faults;

import dev.osupgrade.fleet.HealthState;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.image.ImageVersion;
import dev.osupgrade.ops.RolloutStatus;
import dev.osupgrade.ops.UpgradeProgress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;

/**
 * What one driven rollout left behind: the rollout's own word (status, progress, error) next to the world's truth
 * (the model, each instance's image and health, reimages), with what the driver saw on the way (crashes, resumable
 * stops) and what it found wrong with the truth (a Completed rollout with an unexplained instance off target, a
 * checkpoint that disagrees with the world).
 *
 * @param status the rollout's last status
 * @param progress its last progress counts
 * @param error its last error code, or null
 * @param model the world's model image at the end
 * @param images each instance's image version, by instance id
 * @param health each instance's health, by instance id
 * @param reimages each instance's reimage count (upgrades plus rollbacks), by instance id
 * @param crashes the exceptions an advance threw (class and code), in order; each was a crash and a resume
 * @param untyped the exceptions that were not the library's typed errors
 * @param stops how often an advance returned with the rollout neither ended nor scheduled (a resumable stop)
 * @param reportedStall whether the rollout reported a stall ({@code Rollout.stall()}, a {@code RolloutStalled} event)
 *     or showed an error while not ended: a stop in its own words
 * @param hung true when the run did not end within the driver's bounds
 * @param truthProblems what the world contradicts (see {@link FaultedRollout})
 * @param steps how many advances it took
 * @param restarts the restarts of the process the driver made on purpose (not because an advance threw), each in
 *     words
 * @param leaseLosses the times the runner found its lease lost (it lets go and takes it again, silently), each in
 *     words; counted as a stop
 */
record RunFacts(
    RolloutStatus status,
    UpgradeProgress progress,
    String error,
    ImageReference model,
    SortedMap<String, ImageVersion> images,
    SortedMap<String, HealthState> health,
    SortedMap<String, Integer> reimages,
    List<String> crashes,
    List<String> untyped,
    int stops,
    boolean reportedStall,
    boolean hung,
    List<String> truthProblems,
    int steps,
    List<String> restarts,
    List<String> leaseLosses) {

  /** @return true when the run stopped on the way: a crash, a resumable stop, a stall it reported, a lost lease */
  boolean stalled() {
    return !crashes.isEmpty() || stops > 0 || reportedStall || !leaseLosses.isEmpty();
  }

  /**
   * What differs from a reference run (the fault-free one): the final status and counts, the model, and per
   * instance the image, the health and the reimage count. A scenario whose instances are replaced (max surge) gets
   * new instance ids, so there only the counts per image version are compared.
   *
   * @param reference the fault-free run
   * @param byId compare instance by instance (false: compare the versions' counts)
   * @return the differences, each in words; empty when the run ended like the reference
   */
  List<String> differencesFrom(RunFacts reference, boolean byId) {
    List<String> out = new ArrayList<>();
    if (status != reference.status) {
      out.add("status " + status.azureName() + (error.isEmpty() ? "" : " " + error) + " (fault-free: "
          + reference.status.azureName() + ")");
    }
    if (!progress.equals(reference.progress)) {
      out.add("progress " + counts(progress) + " (fault-free: " + counts(reference.progress) + ")");
    }
    if (!model.equals(reference.model)) {
      out.add("model on " + model.version().map(Object::toString).orElse("latest") + " (fault-free: "
          + reference.model.version().map(Object::toString).orElse("latest") + ")");
    }
    if (byId) {
      diff(out, "image", images, reference.images);
      diff(out, "health", health, reference.health);
      diff(out, "reimages", reimages, reference.reimages);
    } else {
      Map<ImageVersion, Long> mine = versionCounts(images);
      Map<ImageVersion, Long> theirs = versionCounts(reference.images);
      if (!mine.equals(theirs)) {
        out.add("instances per version " + mine + " (fault-free: " + theirs + ")");
      }
    }
    return out;
  }

  private static <V> void diff(List<String> out, String what, SortedMap<String, V> mine, SortedMap<String, V> theirs) {
    List<String> wrong = new ArrayList<>();
    for (String id : mine.keySet()) {
      if (!Objects.equals(mine.get(id), theirs.get(id))) {
        wrong.add(id + "=" + mine.get(id) + " (fault-free " + theirs.get(id) + ")");
      }
    }
    for (String id : theirs.keySet()) {
      if (!mine.containsKey(id)) {
        wrong.add(id + " missing");
      }
    }
    if (!wrong.isEmpty()) {
      out.add(what + " " + String.join(", ", wrong));
    }
  }

  private static Map<ImageVersion, Long> versionCounts(Map<String, ImageVersion> images) {
    return images.values().stream().collect(java.util.stream.Collectors.groupingBy(v -> v,
        java.util.TreeMap::new, java.util.stream.Collectors.counting()));
  }

  static String counts(UpgradeProgress p) {
    return p.successful() + " succeeded / " + p.failed() + " failed / " + p.inProgress() + " in progress / "
        + p.pending() + " pending";
  }

  /** @return a one-line summary */
  String summary() {
    return status.azureName() + (error.isEmpty() ? "" : " " + error) + ", " + counts(progress) + ", model "
        + model.version().map(Object::toString).orElse("latest") + ", " + steps + " advances"
        + (crashes.isEmpty() ? "" : ", " + crashes.size() + " crashes, first " + crashes.get(0)
            + (crashes.size() > 1 ? ", last " + crashes.get(crashes.size() - 1) : "")) + (stops == 0 ? "" : ", " + stops + " stops")
        + (reportedStall ? ", reported a stall" : "") + (restarts.isEmpty() ? "" : ", restarted " + restarts.get(0))
        + (leaseLosses.isEmpty() ? "" : ", lease lost " + leaseLosses.size() + "x, first " + leaseLosses.get(0))
        + (hung ? ", HUNG" : "")
        + (truthProblems.isEmpty() ? "" : ", truth: " + truthProblems);
  }
}
