package dev.osupgrade.testkit;

import dev.osupgrade.fleet.HealthState;
import dev.osupgrade.fleet.ProvisioningState;
import dev.osupgrade.image.ImageVersion;
import dev.osupgrade.report.InstanceTrack;
import dev.osupgrade.report.InstanceTrack.State;
import dev.osupgrade.report.InstanceTrack.Step;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** Reads how one instance behaved in an observed rollout into the {@link Replay} scripts of a {@link WhatIf}. */
final class ObservedInstance {
  private ObservedInstance() {}

  /**
   * From the simulator's record: the first upgrade to the target that began in the rollout's window, the first
   * reimage away from it after that, and the health changes before the upgrade.
   */
  static void fromHistory(String id, List<InstanceChange> history, ImageVersion target, Instant start, Instant end,
      Replay scripts, List<WhatIf.Ambient> ambient) {
    int upgrade = -1;
    for (int k = 0; k < history.size(); k++) {
      InstanceChange c = history.get(k);
      if (c.at().isBefore(start)) {
        continue;
      }
      if (c.at().isAfter(end)) {
        break;
      }
      boolean toTarget = (c.isReimage() && RecordTracks.runs(c.reimageTo(), target))
          || (c.kind() == InstanceChange.Kind.CREATED && c.provisioning() == ProvisioningState.CREATING
              && RecordTracks.runs(c.image(), target));
      if (toTarget) {
        upgrade = k;
        break;
      }
      if (c.kind() == InstanceChange.Kind.CHANGED && c.at().isAfter(start)) {
        ambient.add(new WhatIf.Ambient(id, c.at(), c.health()));
      }
    }
    if (upgrade < 0) {
      return;
    }
    int[] next = new int[1];
    Replay.Reimage up = reimage(history, upgrade, next);
    if (up == null) {
      return;
    }
    scripts.upgrades.put(id, up);
    for (int k = next[0]; k < history.size(); k++) {
      InstanceChange c = history.get(k);
      if (c.isReimage()) {
        if (!RecordTracks.runs(c.reimageTo(), target)) {
          Replay.Reimage back = reimage(history, k, new int[1]);
          if (back != null) {
            scripts.rollbacks.put(id, back);
          }
        }
        return;
      }
      if (c.kind() == InstanceChange.Kind.DELETED) {
        return;
      }
    }
  }

  /**
   * The reimage (or creation) whose start is {@code history[start]}: how long until the image went on (or the
   * failure), and the health after, until the next reimage or deletion. Sets {@code next[0]} to the first entry after
   * it. Null when it never ended.
   */
  private static Replay.@Nullable Reimage reimage(List<InstanceChange> history, int start, int[] next) {
    Instant began = history.get(start).at();
    for (int k = start + 1; k < history.size(); k++) {
      InstanceChange c = history.get(k);
      if (c.kind() == InstanceChange.Kind.DELETED || c.isReimage()) {
        next[0] = k;
        return null; // superseded before it ended
      }
      if (c.kind() == InstanceChange.Kind.CHANGED && c.provisioning() == ProvisioningState.FAILED
          && c.power() == dev.osupgrade.fleet.PowerState.DEALLOCATED) {
        next[0] = k + 1;
        return new Replay.Reimage(Duration.between(began, c.at()), true, false, null);
      }
      if (c.kind() == InstanceChange.Kind.IMAGE_CHANGED) {
        List<Replay.HealthAt> health = new ArrayList<>();
        health.add(new Replay.HealthAt(Duration.ZERO, c.health()));
        int j = k + 1;
        for (; j < history.size(); j++) {
          InstanceChange h = history.get(j);
          if (h.isReimage() || h.kind() == InstanceChange.Kind.DELETED) {
            break;
          }
          if (h.health() != health.get(health.size() - 1).health()) {
            health.add(new Replay.HealthAt(Duration.between(c.at(), h.at()), h.health()));
          }
        }
        next[0] = j;
        return new Replay.Reimage(Duration.between(began, c.at()), false,
            c.provisioning() == ProvisioningState.FAILED, health);
      }
    }
    next[0] = history.size();
    return null;
  }

  /**
   * From the events alone: an upgrade lasts from its batch's start to the first look that saw the new image, then
   * the instance is Initializing until it was seen Healthy or failed with the health the failure reports (a look that
   * sees the new image and the health together, as sparse looks do, settles it at once); a rollback lasts until it
   * was seen done.
   */
  static void fromTrack(InstanceTrack t, Replay scripts) {
    List<Step> steps = t.steps();
    for (int k = 0; k < steps.size(); k++) {
      if (steps.get(k).state() != State.UPGRADING) {
        continue;
      }
      Instant began = steps.get(k).at();
      Step after = k + 1 < steps.size() ? steps.get(k + 1) : null;
      if (after == null) {
        return;
      }
      int rest;
      if (after.state() == State.INITIALIZING) {
        Step settled = k + 2 < steps.size() ? steps.get(k + 2) : null;
        List<Replay.HealthAt> health = new ArrayList<>();
        health.add(new Replay.HealthAt(Duration.ZERO, HealthState.INITIALIZING));
        if (settled != null) {
          HealthState h = settled.state() == State.HEALTHY ? HealthState.HEALTHY
              : settled.health() != null && settled.health() != HealthState.INITIALIZING ? settled.health()
              : HealthState.UNHEALTHY;
          health.add(new Replay.HealthAt(Duration.between(after.at(), settled.at()), h));
        }
        scripts.upgrades.put(t.instanceId(), new Replay.Reimage(Duration.between(began, after.at()), false, false,
            health));
        rest = k + 2;
      } else if (after.state().onTarget()) {
        // Seen on the target and already settled at the same look (sparse looks): its health from then on.
        HealthState h = after.state() == State.HEALTHY ? HealthState.HEALTHY
            : after.health() != null && after.health() != HealthState.INITIALIZING ? after.health()
            : HealthState.UNHEALTHY;
        scripts.upgrades.put(t.instanceId(), new Replay.Reimage(Duration.between(began, after.at()), false, false,
            List.of(new Replay.HealthAt(Duration.ZERO, h))));
        rest = k + 1;
      } else {
        scripts.upgrades.put(t.instanceId(), new Replay.Reimage(Duration.between(began, after.at()), true, false,
            null));
        rest = k + 1;
      }
      for (int j = rest; j + 1 < steps.size(); j++) {
        if (steps.get(j).state() == State.ROLLING_BACK && steps.get(j + 1).state() == State.ROLLED_BACK) {
          scripts.rollbacks.put(t.instanceId(), new Replay.Reimage(
              Duration.between(steps.get(j).at(), steps.get(j + 1).at()), false, false, null));
          break;
        }
      }
      return;
    }
  }
}
