package dev.osupgrade.testkit;

import dev.osupgrade.fleet.HealthState;
import dev.osupgrade.fleet.ProvisioningState;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.image.ImageVersion;
import dev.osupgrade.report.InstanceTrack;
import dev.osupgrade.report.InstanceTrack.State;
import dev.osupgrade.report.InstanceTrack.Step;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Reads one instance's {@link FleetRecord#history} as an {@link InstanceTrack} against a target version: what a
 * timeline draws when the fleet's truth is at hand.
 */
final class RecordTracks {
  private RecordTracks() {}

  static @Nullable InstanceTrack track(SimInstance i, List<InstanceChange> history, ImageVersion target, Instant from,
      Instant to) {
    boolean reimaging = false;
    boolean wasOnTarget = false;
    State state = State.PENDING;
    Step atStart = null;
    List<Step> steps = new ArrayList<>();
    for (InstanceChange c : history) {
      if (c.at().isAfter(to)) {
        break;
      }
      HealthState health = c.health();
      switch (c.kind()) {
        case DELETED -> {
          state = State.REMOVED;
          health = null;
          reimaging = false;
        }
        case UPGRADE_STARTED, ROLLBACK_STARTED -> {
          reimaging = true;
          boolean toTarget = runs(c.reimageTo(), target);
          state = toTarget ? State.UPGRADING
              : c.kind() == InstanceChange.Kind.ROLLBACK_STARTED || wasOnTarget || runs(c.image(), target)
                  ? State.ROLLING_BACK : State.UPGRADING;
        }
        case CREATED -> {
          reimaging = c.provisioning() == ProvisioningState.CREATING;
          if (reimaging) {
            state = State.UPGRADING;
          } else {
            wasOnTarget |= runs(c.image(), target);
            state = settled(c, target, wasOnTarget);
          }
        }
        case IMAGE_CHANGED -> {
          reimaging = false;
          wasOnTarget |= runs(c.image(), target);
          state = settled(c, target, wasOnTarget);
        }
        case CHANGED -> {
          if (reimaging && c.provisioning() != ProvisioningState.FAILED) {
            continue; // health shown during a reimage is the reimage's own
          }
          reimaging = false;
          wasOnTarget |= runs(c.image(), target);
          state = settled(c, target, wasOnTarget);
        }
      }
      if (!c.at().isAfter(from)) {
        atStart = new Step(from, state, health);
      } else {
        add(steps, new Step(c.at(), state, health));
      }
    }
    if (atStart != null) {
      if (atStart.state() == State.REMOVED) {
        atStart = null; // deleted before the window: not part of it
      } else {
        steps.add(0, atStart);
      }
    }
    if (steps.isEmpty()) {
      return null;
    }
    return new InstanceTrack(i.id, i.zone, i.updateDomain, i.faultDomain, null, collapse(steps));
  }

  private static State settled(InstanceChange c, ImageVersion target, boolean wasOnTarget) {
    if (runs(c.image(), target)) {
      if (c.provisioning() == ProvisioningState.FAILED) {
        return State.UNHEALTHY;
      }
      return switch (c.health()) {
        case HEALTHY -> State.HEALTHY;
        case INITIALIZING -> State.INITIALIZING;
        default -> State.UNHEALTHY;
      };
    }
    return wasOnTarget ? State.ROLLED_BACK : State.PENDING;
  }

  static boolean runs(@Nullable ImageReference image, ImageVersion version) {
    return image != null && image.version().map(version::equals).orElse(false);
  }

  private static void add(List<Step> steps, Step s) {
    steps.add(s);
  }

  private static List<Step> collapse(List<Step> steps) {
    List<Step> out = new ArrayList<>();
    for (Step s : steps) {
      Step last = out.isEmpty() ? null : out.get(out.size() - 1);
      if (last != null && last.state() == s.state() && last.health() == s.health()) {
        continue;
      }
      if (last != null && last.at().equals(s.at())) {
        out.set(out.size() - 1, s);
      } else {
        out.add(s);
      }
    }
    return out;
  }
}
