package dev.osupgrade.testkit;

import dev.osupgrade.Durations;
import dev.osupgrade.InvalidValueException;
import dev.osupgrade.Require;
import dev.osupgrade.event.InstanceUpgraded;
import dev.osupgrade.event.ModelImageChanged;
import dev.osupgrade.event.RolloutCancelled;
import dev.osupgrade.event.RolloutCompleted;
import dev.osupgrade.event.RolloutEvent;
import dev.osupgrade.event.RolloutFaulted;
import dev.osupgrade.event.RolloutStarted;
import dev.osupgrade.fleet.HealthState;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.PowerState;
import dev.osupgrade.fleet.ProvisioningState;
import dev.osupgrade.fleet.ScaleSet;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.image.ImageRelease;
import dev.osupgrade.image.ImageVersion;
import dev.osupgrade.image.ReplicationState;
import dev.osupgrade.policy.RollingUpgradePolicy;
import dev.osupgrade.report.Comparison;
import dev.osupgrade.report.InstanceTrack;
import dev.osupgrade.rollout.Rollout;
import dev.osupgrade.rollout.RolloutOptions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Replays a finished rollout in the simulator under other policies or gate thresholds, and compares: "would
 * {@code maxBatchInstancePercent} 10 have caught this earlier, and at what makespan?"
 *
 * <pre>{@code
 * Comparison table = WhatIf.of(rollout, fleet.record(web))
 *     .with(RollingUpgradePolicy.builder().maxBatchInstancePercent(10).build())
 *     .compare();
 * System.out.println(table);                                  // outcome, where it stops, exposure, makespan, capacity
 * Timeline.of(rollout).observed(fleet.observations()).whatIf(table).writeTo(page);
 * }</pre>
 *
 * <p><b>Each instance behaves as it was observed.</b> A replay runs a copy of the scale set as the rollout found it
 * (the same instances, zones, update and fault domains, images and health) on a fresh simulated fleet whose clock
 * starts when the rollout started. Whenever the replayed rollout upgrades an instance, the upgrade takes as long as
 * that instance's did, and its health afterwards follows what that instance showed (an instance that failed on the
 * new image fails again, one that settled Healthy after 70 s does so again); a rollback takes as long as it did.
 * Health changes an instance showed before its upgrade happen again at the same time from the start, unless the
 * replay has begun reimaging it by then. An instance the rollout never upgraded behaves as the observed instances
 * mostly did (the one with the median time among those with the majority's outcome), and the table counts such
 * instances as <em>assumed</em>.
 *
 * <p><b>Sources.</b> {@link #of(Rollout, FleetRecord)} reads the exact timings from the simulator's record. A rollout
 * recorded against Azure has only its events: {@link #of(Rollout, ScaleSet)} takes them from the events (an upgrade
 * lasts from its batch's start to the first look that saw the new image; an instance that failed turned unhealthy no
 * later than its failure), with the zones and update domains of a read of the scale set; every instance then starts
 * Healthy.
 *
 * <p>Every replay runs with {@link #options(RolloutOptions)} (by default Azure's defaults; set them to the observed
 * rollout's, gates included, when they differ), and the first replay is always the observed policy's own: a
 * self-check that should end as the rollout did. Not thread-safe; the replays run once, when first asked for.
 */
public final class WhatIf {
  private final List<RolloutEvent> events;
  private final RolloutStarted started;
  private final Instant end;
  private final ImageVersion target;
  private final ScaleSet shape;
  private final Replay scripts;
  private final List<Ambient> ambient;
  private final List<InstanceTrack> observedTracks;
  private final String source;
  private RolloutOptions options = RolloutOptions.ofDefaults();
  private final List<Scenario> scenarios = new ArrayList<>();
  private @Nullable List<Run> runs;

  private WhatIf(List<RolloutEvent> events, ScaleSet shape, Replay scripts, List<Ambient> ambient,
      List<InstanceTrack> observedTracks, String source) {
    this.events = events;
    this.started = start(events);
    this.end = end(events);
    this.target = started.target();
    this.shape = shape;
    this.scripts = scripts;
    this.ambient = ambient;
    this.observedTracks = observedTracks;
    this.source = source;
  }

  /**
   * A what-if of a rollout run on a simulated fleet, with every instance's exact timings and health from the
   * fleet's record.
   *
   * @param rollout the rollout (it has started; usually it has ended)
   * @param record the record of its scale set ({@code fleet.record(rollout.scaleSet())})
   * @return the what-if
   * @throws InvalidValueException when the rollout has not started, or the record is of another scale set
   */
  public static WhatIf of(Rollout rollout, FleetRecord record) {
    Require.nonNull(rollout, "rollout");
    Require.nonNull(record, "record");
    Require.that(record.scaleSet().equals(rollout.scaleSet()), "record", "the record of " + rollout.scaleSet(),
        record.scaleSet());
    List<RolloutEvent> events = List.copyOf(rollout.events());
    RolloutStarted started = start(events);
    Instant end = end(events);
    SimScaleSet s = record.scaleSetState();
    PortCall first = record.calls().stream().filter(c -> c.isRead() && !c.at().isBefore(started.at())).findFirst()
        .orElse(null);
    List<Instance> instances = first != null ? record.fleetAt(first)
        : record.calls().isEmpty() ? List.of() : record.fleetAt(record.calls().get(record.calls().size() - 1));
    ImageReference model = first != null ? first.model() : s.modelImage;
    ScaleSet shape = new ScaleSet(s.id, s.region, s.zones, s.orchestration, s.upgradePolicy, model,
        s.healthMonitoring, null, instances, s.tags);
    Replay scripts = new Replay(started.target());
    List<Ambient> ambient = new ArrayList<>();
    for (Instance i : instances) {
      ObservedInstance.fromHistory(i.instanceId(), record.history(i.instanceId()), started.target(), started.at(),
          end, scripts, ambient);
    }
    assume(scripts);
    return new WhatIf(events, shape, scripts, ambient, record.tracks(started.target(), started.at(), end),
        "the simulator's record");
  }

  /**
   * A what-if of a rollout known only by its events, as one run against Azure is: timings and health from the
   * events, zones and update domains from a read of the scale set.
   *
   * @param rollout the rollout (it has started; usually it has ended)
   * @param layout the scale set as read at any time, before or after the rollout ({@code fleet.get(id)}): its
   *     instances' zones, update and fault domains, and the images of those the rollout did not upgrade
   * @return the what-if
   * @throws InvalidValueException when the rollout has not started, or the layout is of another scale set
   */
  public static WhatIf of(Rollout rollout, ScaleSet layout) {
    Require.nonNull(rollout, "rollout");
    Require.nonNull(layout, "layout");
    Require.that(layout.id().equals(rollout.scaleSet()), "layout", "a read of " + rollout.scaleSet(), layout.id());
    List<RolloutEvent> events = List.copyOf(rollout.events());
    RolloutStarted started = start(events);
    Map<String, ImageVersion> previous = new HashMap<>();
    ImageReference model = null;
    for (RolloutEvent e : events) {
      if (e instanceof InstanceUpgraded u) {
        previous.putIfAbsent(u.instanceId(), u.from());
      } else if (e instanceof ModelImageChanged m && model == null) {
        model = m.from();
      }
    }
    List<Instance> instances = new ArrayList<>();
    for (Instance i : layout.instances()) {
      ImageVersion before = previous.get(i.instanceId());
      ImageReference image = before != null ? i.image().withVersion(before) : i.image();
      instances.add(new Instance(i.instanceId(), i.zone(), i.updateDomain(), i.faultDomain(), image, true,
          ProvisioningState.SUCCEEDED, PowerState.RUNNING, HealthState.HEALTHY, i.protectedFromUpgrade(), null,
          i.lock()));
    }
    if (model == null) {
      model = layout.modelImage();
    }
    ScaleSet shape = new ScaleSet(layout.id(), layout.region(), layout.zones(), layout.orchestrationMode(),
        layout.upgradePolicy(), model, layout.healthMonitoring(), null, instances, layout.tags());
    List<InstanceTrack> tracks = InstanceTrack.fromEvents(events, layout.instances());
    Replay scripts = new Replay(started.target());
    for (InstanceTrack t : tracks) {
      ObservedInstance.fromTrack(t, scripts);
    }
    assume(scripts);
    return new WhatIf(events, shape, scripts, List.of(), tracks, "the rollout's events");
  }

  /**
   * Sets the options every replay runs with (default: {@link RolloutOptions#ofDefaults()}); their policy is
   * replaced by each replay's.
   *
   * @param value the options, e.g. the observed rollout's health timeout and gates
   * @return this
   */
  public WhatIf options(RolloutOptions value) {
    this.options = Require.nonNull(value, "options");
    runs = null;
    return this;
  }

  /**
   * Adds a replay under another policy, named by what differs from the observed one (e.g.
   * {@code maxBatchInstancePercent 10}).
   *
   * @param policy the policy
   * @return this
   */
  public WhatIf with(RollingUpgradePolicy policy) {
    Require.nonNull(policy, "policy");
    return with(difference(started.policy(), policy), policy);
  }

  /**
   * Adds a replay under another policy, named as given.
   *
   * @param label its name in the table: one line of at most 256 characters
   * @param policy the policy
   * @return this
   */
  public WhatIf with(String label, RollingUpgradePolicy policy) {
    scenarios.add(new Scenario(Require.name("label", label, 256), Require.nonNull(policy, "policy")));
    runs = null;
    return this;
  }

  /**
   * Runs the replays (once; later calls return the same runs until {@link #with} or {@link #options} changes them):
   * the observed policy's own first, then each added policy in order.
   *
   * @return the runs
   */
  public List<Run> runs() {
    if (runs == null) {
      List<Run> out = new ArrayList<>();
      out.add(replay(new Scenario("replay (observed policy)", started.policy())));
      for (Scenario s : scenarios) {
        out.add(replay(s));
      }
      runs = List.copyOf(out);
    }
    return runs;
  }

  /**
   * The comparison table: the observed rollout, the replay of its own policy (the self-check), then each added
   * policy. Print it, or draw it on a timeline page ({@link dev.osupgrade.report.Timeline#whatIf}).
   *
   * @return the table
   */
  public Comparison compare() {
    List<Comparison.Row> rows = new ArrayList<>();
    rows.add(Comparison.Row.of("observed", events, observedTracks, 0));
    runs().forEach(r -> rows.add(r.row()));
    return new Comparison(shape.id() + " \u2192 " + target + ": replayed from " + source + ", "
        + shape.instances().size() + " instances, " + scripts.upgrades.size() + " observed upgrades", rows);
  }

  private Run replay(Scenario scenario) {
    VirtualClock clock = VirtualClock.startingAt(started.at());
    SimulatedFleet fleet = SimulatedFleet.create(1, clock, SimulationProfile.ofDefaults());
    Set<ImageReference> images = new LinkedHashSet<>();
    images.add(shape.modelImage());
    shape.instances().forEach(i -> images.add(i.image()));
    ImageReference targetImage = shape.modelImage().withVersion(target);
    images.add(targetImage);
    for (ImageReference image : images) {
      if (image.version().isPresent()) {
        fleet.publish(image instanceof ImageReference.Gallery
            ? ImageRelease.gallery(image, started.at().minus(Duration.ofDays(1)),
                Map.of(shape.region(), ReplicationState.COMPLETED))
            : ImageRelease.marketplace(image, started.at().minus(Duration.ofDays(1))));
      }
    }
    Replay replay = scripts.copy();
    fleet.addCopy(shape, replay);
    for (Ambient a : ambient) {
      fleet.healthAt(shape.id(), a.instanceId(), a.at(), a.health());
    }
    Rollout rollout = Rollout.builder(fleet, shape.id()).target(target).clock(clock).options(options)
        .policy(scenario.policy()).build();
    fleet.run(rollout);
    List<RolloutEvent> replayed = rollout.events();
    List<InstanceTrack> tracks = fleet.record(shape.id()).tracks(target, started.at(), end(replayed));
    int assumed = (int) tracks.stream().filter(t -> t.ranTarget() && replay.assumed.contains(t.instanceId()))
        .count();
    return new Run(scenario.label(), scenario.policy(), rollout, fleet,
        Comparison.Row.of(scenario.label(), replayed, tracks, assumed));
  }

  private static RolloutStarted start(List<RolloutEvent> events) {
    return events.stream().filter(e -> e instanceof RolloutStarted).map(RolloutStarted.class::cast).findFirst()
        .orElseThrow(() -> new InvalidValueException("rollout", "a rollout that has started", events.size()
            + " events without a start"));
  }

  private static Instant end(List<RolloutEvent> events) {
    for (RolloutEvent e : events) {
      if (e instanceof RolloutCompleted || e instanceof RolloutFaulted || e instanceof RolloutCancelled) {
        return e.at();
      }
    }
    return events.get(events.size() - 1).at();
  }

  /** The instances the observed rollout never upgraded behave as most observed ones did. */
  private static void assume(Replay scripts) {
    scripts.assumedUpgrade = representative(new ArrayList<>(scripts.upgrades.values()));
    scripts.assumedRollback = representative(new ArrayList<>(scripts.rollbacks.values()));
  }

  private static Replay.@Nullable Reimage representative(List<Replay.Reimage> seen) {
    if (seen.isEmpty()) {
      return null;
    }
    long healthy = seen.stream().filter(Replay.Reimage::endsHealthy).count();
    boolean majorityHealthy = healthy * 2 > seen.size();
    List<Replay.Reimage> like = new ArrayList<>(seen.stream().filter(r -> r.endsHealthy() == majorityHealthy).toList());
    like.sort((a, b) -> a.settled().compareTo(b.settled()));
    return like.get((like.size() - 1) / 2);
  }

  private static String difference(RollingUpgradePolicy a, RollingUpgradePolicy b) {
    List<String> d = new ArrayList<>();
    if (a.maxBatchInstancePercent() != b.maxBatchInstancePercent()) {
      d.add("maxBatchInstancePercent " + b.maxBatchInstancePercent());
    }
    if (a.maxUnhealthyInstancePercent() != b.maxUnhealthyInstancePercent()) {
      d.add("maxUnhealthyInstancePercent " + b.maxUnhealthyInstancePercent());
    }
    if (a.maxUnhealthyUpgradedInstancePercent() != b.maxUnhealthyUpgradedInstancePercent()) {
      d.add("maxUnhealthyUpgradedInstancePercent " + b.maxUnhealthyUpgradedInstancePercent());
    }
    if (!a.pauseTimeBetweenBatches().equals(b.pauseTimeBetweenBatches())) {
      d.add("pauseTimeBetweenBatches " + Durations.words(b.pauseTimeBetweenBatches()));
    }
    if (a.prioritizeUnhealthyInstances() != b.prioritizeUnhealthyInstances()) {
      d.add("prioritizeUnhealthyInstances " + b.prioritizeUnhealthyInstances());
    }
    if (a.enableCrossZoneUpgrade() != b.enableCrossZoneUpgrade()) {
      d.add("enableCrossZoneUpgrade " + b.enableCrossZoneUpgrade());
    }
    if (a.rollbackFailedInstancesOnPolicyBreach() != b.rollbackFailedInstancesOnPolicyBreach()) {
      d.add("rollbackFailedInstancesOnPolicyBreach " + b.rollbackFailedInstancesOnPolicyBreach());
    }
    if (a.maxSurge() != b.maxSurge()) {
      d.add("maxSurge " + b.maxSurge());
    }
    return d.isEmpty() ? "same policy" : String.join(", ", d);
  }

  @Override
  public String toString() {
    return "WhatIf[" + shape.id() + " -> " + target + ", from " + source + ", " + scenarios.size()
        + " alternative(s)]";
  }

  /** A policy to replay under. */
  private record Scenario(String label, RollingUpgradePolicy policy) {}

  /** A health an instance showed before its upgrade, replayed at the same time. */
  record Ambient(String instanceId, Instant at, HealthState health) {}

  /**
   * One replay.
   *
   * @param label its name in the table
   * @param policy the policy it ran with
   * @param rollout the replayed rollout (its events, status and plan)
   * @param fleet the simulated fleet it ran on, with its own record ({@link #record()})
   * @param row its line of the table
   */
  public record Run(String label, RollingUpgradePolicy policy, Rollout rollout, SimulatedFleet fleet,
      Comparison.Row row) {
    /** Validates the fields. */
    public Run {
      Require.nonBlank("label", label);
      Require.nonNull(policy, "policy");
      Require.nonNull(rollout, "rollout");
      Require.nonNull(fleet, "fleet");
      Require.nonNull(row, "row");
    }

    /** @return the replay fleet's record of the scale set: what the replay really did to each instance */
    public FleetRecord record() {
      return fleet.record(rollout.scaleSet());
    }
  }
}
