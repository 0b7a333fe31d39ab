package dev.osupgrade.testkit;

import dev.osupgrade.InvalidValueException;
import dev.osupgrade.Require;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.InstanceIds;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.image.ImageVersion;
import dev.osupgrade.report.InstanceTrack;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.TreeMap;

/**
 * The ground truth of one scale set of a {@link SimulatedFleet} ({@link SimulatedFleet#record}): what really
 * happened to each instance, and every port call that named the scale set, kept by the simulator itself and
 * independent of whatever drove it. Oracles grade a rollout by this record rather than by the rollout's own events:
 * the upgrades it sent ({@code calls()} with {@code upgradeInstances}), the whole set's true health when each
 * arrived, what each read showed ({@link #fleetAt}), and each instance's reimages ({@link #history}).
 *
 * <pre>{@code
 * FleetRecord record = fleet.record(web);
 * for (PortCall c : record.calls("upgradeInstances")) {
 *   if (c.accepted()) System.out.println(c.at() + " " + c.instanceIds() + " sent with " + c.health());
 * }
 * long upgrades = record.history("3").stream().filter(e -> e.kind() == InstanceChange.Kind.UPGRADE_STARTED).count();
 * }</pre>
 *
 * <p>What is recorded, and when:
 * <ul>
 *   <li>an instance's history gets an entry only when its state changes: its creation (with the scale set or by a
 *       scale-out), the start of every reimage (upgrade or rollback, with the image it puts on the disk, by a port
 *       call or by the platform's own upgrade), the end of it (the image the disk then runs, or the failure), every
 *       change of health (a health laid over it by an outage or maintenance included), provisioning or power state
 *       or protection, and its deletion. A flapping instance's health alternates without an event; its history
 *       shows the phase each port call saw;</li>
 *   <li>port calls: the reads of instances ({@code get}, {@code listInstances}), the reads of one instance
 *       ({@code instance}) and every call that may change something (see {@link PortCall}), carried out or rejected, each with the scale set's true
 *       {@link FleetHealth} as it arrived. Reads of other things ({@code headroom}, {@code latestRollingUpgrade},
 *       {@code osUpgradeHistory}, {@code listReleases}) and {@link SimulatedFleet#peek} are not recorded.</li>
 * </ul>
 * One sequence orders the calls and the instances' changes, so {@link #fleetAt} replays the scale set as any call
 * found it: for a read that was carried out, exactly the instances it returned.
 *
 * <p>A live view: it grows as the fleet goes on. It costs two longs per history entry and one small object per port
 * call (instance states are shared). Not thread-safe, like the fleet.
 */
public final class FleetRecord {
  private final SimScaleSet s;
  private final Recorder recorder;

  FleetRecord(SimScaleSet s, Recorder recorder) {
    this.s = s;
    this.recorder = recorder;
  }

  /** @return the scale set this is the record of */
  public ScaleSetId scaleSet() {
    return s.id;
  }

  /** @return every instance the scale set ever had (deleted ones too), in instance-id order */
  public List<String> instances() {
    List<String> out = new ArrayList<>(s.instances.keySet());
    out.addAll(s.deleted.keySet());
    out.sort(InstanceIds.ORDER);
    return Collections.unmodifiableList(out);
  }

  /**
   * What happened to one instance, oldest first: it starts with {@link InstanceChange.Kind#CREATED} and, for a
   * deleted instance, ends with {@link InstanceChange.Kind#DELETED}.
   *
   * @param instanceId an instance the scale set has or had
   * @return its history
   * @throws InvalidValueException for an instance the scale set never had
   */
  public List<InstanceChange> history(String instanceId) {
    return Collections.unmodifiableList(recorder.history(instance(instanceId)));
  }

  /**
   * Counts the starts of one kind of reimage in an instance's history.
   *
   * @param instanceId an instance the scale set has or had
   * @param kind {@link InstanceChange.Kind#UPGRADE_STARTED} or {@link InstanceChange.Kind#ROLLBACK_STARTED}
   * @return how many times such a reimage started
   */
  public int count(String instanceId, InstanceChange.Kind kind) {
    Require.nonNull(kind, "kind");
    return (int) history(instanceId).stream().filter(e -> e.kind() == kind).count();
  }

  /** @return every recorded port call that named the scale set, in the order they arrived */
  public List<PortCall> calls() {
    return Collections.unmodifiableList(s.calls);
  }

  /**
   * The recorded calls of one port method, in the order they arrived.
   *
   * @param method e.g. {@code "upgradeInstances"}
   * @return the calls, carried out or rejected
   */
  public List<PortCall> calls(String method) {
    Require.nonNull(method, "method");
    return s.calls.stream().filter(c -> c.is(method)).toList();
  }

  /**
   * The recorded calls of one port operation, in the order they arrived.
   *
   * @param operation e.g. {@link PortOperation#UPGRADE_INSTANCES}
   * @return the calls, carried out or rejected
   */
  public List<PortCall> calls(PortOperation operation) {
    return calls(Require.nonNull(operation, "operation").methodName());
  }

  /**
   * The scale set's instances as they really were when a call arrived, before it took effect: for a read that was
   * carried out, exactly the instances it returned (in instance-id order).
   *
   * @param call a call of this record
   * @return the instances that existed then, in instance-id order
   * @throws InvalidValueException for a call of another record
   */
  public List<Instance> fleetAt(PortCall call) {
    Require.nonNull(call, "call");
    int at = Collections.binarySearch(s.calls, call, Comparator.comparingLong(PortCall::sequence));
    if (at < 0 || !s.calls.get(at).equals(call)) {
      throw new InvalidValueException("call", "a call of the record of " + s.id, call);
    }
    TreeMap<String, SimInstance> all = new TreeMap<>(InstanceIds.ORDER);
    all.putAll(s.instances);
    all.putAll(s.deleted);
    List<Instance> out = new ArrayList<>();
    for (SimInstance i : all.values()) {
      Instance shown = recorder.shownAt(s, i, call.sequence(), call.model());
      if (shown != null) {
        out.add(shown);
      }
    }
    return out;
  }

  /**
   * What each instance did in a time window, seen against a target version: the lanes of a
   * {@link dev.osupgrade.report.Timeline} drawn from this record ({@link SimulatedFleet#observations()} answers with
   * this). An instance on the target is initializing, healthy or unhealthy by the health a probe saw; one whose disk
   * is being replaced with the target is upgrading; one back on another image after running the target is rolled
   * back; health shown during a reimage is left out.
   *
   * @param target the version a rollout brings
   * @param from the window's start: each track starts with the instance's state then (or its creation)
   * @param to the window's end
   * @return one track per instance that existed in the window, in instance-id order
   */
  public List<InstanceTrack> tracks(ImageVersion target, Instant from, Instant to) {
    Require.nonNull(target, "target");
    Require.nonNull(from, "from");
    Require.nonNull(to, "to");
    Require.that(!to.isBefore(from), "to", "not before from (" + from + ")", to);
    List<InstanceTrack> out = new ArrayList<>();
    for (String id : instances()) {
      SimInstance i = instance(id);
      InstanceTrack t = RecordTracks.track(i, recorder.history(i), target, from, to);
      if (t != null) {
        out.add(t);
      }
    }
    return out;
  }

  /** The simulator's own state of the scale set, for {@link WhatIf} (same package). */
  SimScaleSet scaleSetState() {
    return s;
  }

  private SimInstance instance(String instanceId) {
    Require.nonNull(instanceId, "instanceId");
    SimInstance i = s.instances.get(instanceId);
    if (i == null) {
      i = s.deleted.get(instanceId);
    }
    if (i == null) {
      throw new InvalidValueException("instanceId", "an instance " + s.id + " has or had", instanceId);
    }
    return i;
  }

  @Override
  public String toString() {
    int entries = 0;
    for (SimInstance i : s.instances.values()) {
      entries += Recorder.length(i);
    }
    for (SimInstance i : s.deleted.values()) {
      entries += Recorder.length(i);
    }
    return "FleetRecord[" + s.id + ", " + (s.instances.size() + s.deleted.size()) + " instances, " + entries
        + " changes, " + s.calls.size() + " calls]";
  }
}
