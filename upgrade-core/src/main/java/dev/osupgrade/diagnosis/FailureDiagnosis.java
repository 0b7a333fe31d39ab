package dev.osupgrade.diagnosis;

import dev.osupgrade.ops.StopCode;
import dev.osupgrade.Require;
import dev.osupgrade.event.InstanceFailed;
import dev.osupgrade.event.InstanceHealthy;
import dev.osupgrade.event.RolloutEvent;
import dev.osupgrade.fleet.HealthState;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.InstanceIds;
import dev.osupgrade.fleet.PowerState;
import dev.osupgrade.fleet.ScaleSet;
import dev.osupgrade.fleet.Zone;
import dev.osupgrade.ops.RolloutStatus;
import dev.osupgrade.ops.UpgradeError;
import dev.osupgrade.rollout.InstanceProgress;
import dev.osupgrade.rollout.InstanceStage;
import dev.osupgrade.rollout.Rollout;
import dev.osupgrade.rollout.RolloutState;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Names the likely cause of a failed rollout from its events and the fleet as it is now, with the evidence — so that
 * during an incident the operator knows whether to blame the new image, extension sequencing, application start-up,
 * regional replication, capacity or concurrent maintenance.
 *
 * <pre>{@code
 * System.out.println(FailureDiagnosis.of(rollout, fleet.get(rollout.scaleSet())));
 * // Diagnosis: NEW_IMAGE - 6 of 6 upgraded instances failed on 22.04.202411010 ...
 * }</pre>
 *
 * <p>It reasons from what the rollout saw: which stop code, which instances failed in which health state, whether
 * their provisioning failed (and whether they were deallocated), whether other instances on the same image were
 * healthy, and whether rolled-back instances recovered on their old image.
 */
public final class FailureDiagnosis {
  private FailureDiagnosis() {}

  /**
   * Diagnoses a rollout.
   *
   * @param rollout the rollout
   * @param fleetNow the scale set as it is now
   * @return the diagnosis
   */
  public static Diagnosis of(Rollout rollout, ScaleSet fleetNow) {
    Require.nonNull(rollout, "rollout");
    return of(rollout.state(), rollout.events(), fleetNow);
  }

  /**
   * Diagnoses a rollout from its state and events (for example read back from a checkpoint and a log).
   *
   * @param state the rollout's state
   * @param events its events
   * @param fleetNow the scale set as it is now
   * @return the diagnosis
   */
  public static Diagnosis of(RolloutState state, List<RolloutEvent> events, ScaleSet fleetNow) {
    Require.nonNull(state, "state");
    Require.nonNull(events, "events");
    Require.nonNull(fleetNow, "fleetNow");
    if (state.status() == RolloutStatus.COMPLETED) {
      return new Diagnosis(Diagnosis.Cause.NONE, "the rollout completed: " + state.progress(), List.of(), List.of());
    }
    if (state.status() != RolloutStatus.FAULTED) {
      return new Diagnosis(Diagnosis.Cause.NONE, "the rollout did not fail (" + state.status().azureName() + ")",
          List.of(), List.of());
    }
    UpgradeError error = state.errorIfAny().orElse(new UpgradeError("Unknown", ""));
    String code = error.code();
    StopCode stop = error.stopCode().orElse(null);
    String message = error.message();
    List<String> evidence = new ArrayList<>();
    evidence.add("stopped with " + code + ": " + shorten(message));

    if (stop == StopCode.IMAGE_NOT_TRUSTED || stop == StopCode.READINESS_INCOMPLETE) {
      return new Diagnosis(Diagnosis.Cause.GOVERNANCE_REFUSAL, "a governance rule refused the rollout before it "
          + "changed anything", evidence, List.of("read the rule in the message; fix the trust policy or the "
          + "readiness record, or pick another version"));
    }
    if (stop == StopCode.PERFORMANCE_REGRESSION || stop == StopCode.PERFORMANCE_INCONCLUSIVE) {
      return new Diagnosis(Diagnosis.Cause.PERFORMANCE_REGRESSION, state.target() + " is slower or heavier than the "
          + "image it replaces, although health probes pass", evidence, List.of("compare canary metrics and "
          + "dependency latency between the two images; keep the version quarantined until the regression is "
          + "understood"));
    }
    if (stop == StopCode.UPGRADE_NOT_APPLIED) {
      List<String> lost = state.instancesIn(InstanceStage.FAILED).stream()
          .filter(id -> state.replanned().containsKey(id)
              || fleetNow.instance(id).map(i -> !i.runs(state.target())).orElse(false))
          .toList();
      evidence.add("never on " + state.target() + ": " + InstanceIds.format(lost) + " (the upgrade requests were "
          + "accepted; the instances were then left out of the listings)");
      return new Diagnosis(Diagnosis.Cause.UPGRADE_NOT_APPLIED, "the platform accepted the upgrade of "
          + InstanceIds.format(lost) + " and never applied it; the new image is not to blame", evidence,
          List.of("read the instances' instance view and the manualupgrade operations in the activity log; reimage "
              + "or delete the instances by hand, then restart the rollout (startOver) for what is left"));
    }
    if (stop == StopCode.OPERATION_REJECTED) {
      if (containsAny(message, "GalleryImageNotFound", "not available in", "ImageNotFound", "replicate")) {
        return new Diagnosis(Diagnosis.Cause.REGIONAL_REPLICATION, state.target() + " is not available in "
            + fleetNow.region() + " yet", evidence, List.of("check the gallery version's replication status for "
            + fleetNow.region() + " (and excludeFromLatest); retry once replication has completed"));
      }
      if (containsAny(message, "AllocationFailed", "QuotaExceeded", "quota")) {
        return new Diagnosis(Diagnosis.Cause.CAPACITY, "Azure had no capacity or quota for the change", evidence,
            List.of("raise the quota or use another VM size or region; retry later"));
      }
    }
    Set<String> upgraded = new TreeSet<>(InstanceIds.ORDER);
    for (InstanceProgress p : state.instances().values()) {
      if (!p.isSurge() && p.stage() != InstanceStage.PENDING && p.stage() != InstanceStage.REMOVED) {
        upgraded.add(p.instanceId());
      }
    }
    if (stop == StopCode.MAX_UNHEALTHY_BEFORE || stop == StopCode.MAX_UNHEALTHY_IN) {
      List<Instance> outside = fleetNow.instances().stream()
          .filter(i -> !upgraded.contains(i.instanceId()) && i.health().countsAsUnhealthy()).toList();
      Map<Zone, Integer> byZone = new TreeMap<>();
      outside.forEach(i -> byZone.merge(i.zone(), 1, Integer::sum));
      evidence.add(outside.size() + " instance(s) the rollout had not touched are unhealthy now: "
          + InstanceIds.format(outside.stream().map(Instance::instanceId).toList()) + (byZone.isEmpty() ? ""
              : " (" + byZone + ")"));
      if (byZone.size() == 1 && !byZone.keySet().iterator().next().isRegional() && outside.size() > 1) {
        evidence.add("all of them in " + byZone.keySet().iterator().next() + ": looks like a zone outage");
      }
      boolean before = stop == StopCode.MAX_UNHEALTHY_BEFORE;
      return new Diagnosis(before ? Diagnosis.Cause.UNHEALTHY_BEFORE_ROLLOUT : Diagnosis.Cause.CONCURRENT_MAINTENANCE,
          before ? "too much of the scale set was unhealthy before the first batch; the new image is not to blame"
              : "instances outside the rollout went unhealthy while it ran (maintenance, a zone or host problem); "
                  + "the new image is not to blame",
          evidence, List.of("check Azure Service Health and the instances' maintenance status; restart the rollout "
              + "(startOver) once the set is healthy"));
    }

    List<InstanceFailed> failed = events.stream().filter(InstanceFailed.class::isInstance)
        .map(InstanceFailed.class::cast).toList();
    long healthy = events.stream().filter(InstanceHealthy.class::isInstance).count();
    if (failed.isEmpty()) {
      return new Diagnosis(Diagnosis.Cause.UNKNOWN, "no instance failed; the rollout stopped on " + code, evidence,
          List.of("read the event log around the stop"));
    }
    Map<HealthState, Integer> byHealth = new EnumMap<>(HealthState.class);
    int provisioningFailed = 0;
    int deallocated = 0;
    for (InstanceFailed f : failed) {
      byHealth.merge(f.health(), 1, Integer::sum);
      if (f.reason().contains("provisioning state Failed")) {
        provisioningFailed++;
        if (f.reason().contains("power " + PowerState.DEALLOCATED) || f.reason().contains("still on ")) {
          deallocated++;
        }
      }
    }
    Set<Zone> zones = new TreeSet<>();
    for (InstanceFailed f : failed) {
      fleetNow.instance(f.instanceId()).ifPresent(i -> zones.add(i.zone()));
    }
    evidence.add(failed.size() + " instance(s) failed " + byHealth + " while " + healthy + " became healthy on "
        + state.target() + (zones.isEmpty() ? "" : ", in " + zones));
    if (deallocated > 0 && deallocated * 2 >= failed.size()) {
      evidence.add(deallocated + " failed instance(s) never got the new image and were left deallocated: the upgrade "
          + "could not allocate them");
      return new Diagnosis(Diagnosis.Cause.CAPACITY, "the upgrade could not allocate instances", evidence,
          List.of("retry later or in another zone; check regional capacity for the VM size"));
    }
    if (provisioningFailed * 2 >= failed.size()) {
      evidence.add(provisioningFailed + " failed instance(s) run the new image but an extension failed to provision");
      return new Diagnosis(Diagnosis.Cause.EXTENSION_SEQUENCING, "extensions failed to provision after the OS "
          + "came up on " + state.target(), evidence, List.of("read the extension logs on a failed instance; check "
          + "extension ordering (provisionAfterExtensions) and bootstrap scripts against the new image"));
    }
    if (byHealth.getOrDefault(HealthState.INITIALIZING, 0) * 2 >= failed.size()) {
      return new Diagnosis(Diagnosis.Cause.APPLICATION_STARTUP, "the application had not finished starting when "
          + "the instance upgrade timeout passed", evidence, List.of("measure start-up time on the new image; raise "
          + "the instance upgrade timeout or make start-up faster"));
    }
    long recovered = rolledBackAndHealthy(events, fleetNow);
    if (recovered > 0) {
      evidence.add(recovered + " rolled-back instance(s) are healthy again on their previous image");
    }
    int upgradedCount = (int) (healthy + failed.size());
    if (healthy > 0 && failed.size() * 4 <= upgradedCount) {
      return new Diagnosis(Diagnosis.Cause.APPLICATION_STARTUP, "a few instances failed where most became healthy "
          + "on the same image: their application start-up, not the image, is the likely cause", evidence,
          List.of("compare the failed instances' application logs with healthy ones; restart the rollout once "
              + "fixed"));
    }
    return new Diagnosis(Diagnosis.Cause.NEW_IMAGE, failed.size() + " of " + upgradedCount + " upgraded instances "
        + "failed on " + state.target() + (byHealth.containsKey(HealthState.UNKNOWN)
            ? " (some never answered: the image may not boot)" : ""), evidence,
        List.of("keep " + state.target() + " away from other scale sets (quarantine it); reproduce on a canary "
            + "and compare with the previous image"));
  }

  private static long rolledBackAndHealthy(List<RolloutEvent> events, ScaleSet fleetNow) {
    return events.stream().filter(dev.osupgrade.event.InstanceRolledBack.class::isInstance)
        .map(dev.osupgrade.event.InstanceRolledBack.class::cast)
        .filter(e -> e.succeeded() && fleetNow.instance(e.instanceId())
            .map(i -> i.health() == HealthState.HEALTHY && i.runs(e.to())).orElse(false))
        .count();
  }

  private static boolean containsAny(String text, String... parts) {
    for (String p : parts) {
      if (text.contains(p)) {
        return true;
      }
    }
    return false;
  }

  private static String shorten(String text) {
    return text.length() <= 240 ? text : text.substring(0, 237) + "...";
  }
}
