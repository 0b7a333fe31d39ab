package dev.osupgrade.testkit;

import static dev.osupgrade.testkit.Images.V1;
import static dev.osupgrade.testkit.Images.V2;
import static dev.osupgrade.testkit.Images.ubuntu;
import static org.assertj.core.api.Assertions.assertThat;

import dev.osupgrade.event.GovernanceWaived;
import dev.osupgrade.event.InstanceUpgraded;
import dev.osupgrade.event.RingEvent;
import dev.osupgrade.event.RolloutCompleted;
import dev.osupgrade.event.RolloutEvent;
import dev.osupgrade.event.RolloutListener;
import dev.osupgrade.event.RolloutStarted;
import dev.osupgrade.event.UpgradeEvent;
import dev.osupgrade.event.UpgradeListener;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.governance.Environment;
import dev.osupgrade.governance.HealthSource;
import dev.osupgrade.governance.ImageTrustPolicy;
import dev.osupgrade.governance.ReadinessRecord;
import dev.osupgrade.governance.SignalThreshold;
import dev.osupgrade.governance.performance.PerformanceGate;
import dev.osupgrade.governance.rings.Ring;
import dev.osupgrade.governance.rings.RingPlan;
import dev.osupgrade.governance.rings.RingRollout;
import dev.osupgrade.ops.ErrorCodes;
import dev.osupgrade.ops.RolloutStatus;
import dev.osupgrade.port.Metric;
import dev.osupgrade.rollout.Rollout;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * One event family ({@link UpgradeEvent}: a rollout's steps and a ring rollout's timeline) and one listener type
 * ({@link UpgradeListener}) for single and ring rollouts; the order a listener hears is checked against the fleet's
 * record of what happened.
 */
final class OneEventFamilyTest {
  @RegisterExtension static final SimulatorExtension SIM = SimulatorExtension.withSeed(43);

  private record World(SimulatedFleet fleet, ScaleSetId canary, ScaleSetId broad, RingPlan plan) {}

  /** Two production rings: a 3-instance canary (1-hour soak) and a 6-instance, 2-zone broad ring. */
  private static World world(SimulatedFleet fleet) {
    ScaleSetId canary = fleet.add(ScaleSetSpec.named("web-canary").environment(Environment.PRODUCTION)
        .region("westeurope").instances(3).image(ubuntu(V1)));
    ScaleSetId broad = fleet.add(ScaleSetSpec.named("web-broad").environment(Environment.PRODUCTION)
        .region("westeurope").instances(6).zones(2).image(ubuntu(V1)));
    fleet.publish(ubuntu(V2));
    RingPlan plan = RingPlan.of(Ring.of("canary", Duration.ofHours(1), canary), Ring.of("broad", Duration.ZERO,
        broad));
    return new World(fleet, canary, broad, plan);
  }

  private static RingRollout.Builder rings(World w) {
    ReadinessRecord record = ReadinessRecord.builder().owner("team-web", "web-oncall@example.com")
        .healthSource(HealthSource.APPLICATION_HEALTH_EXTENSION)
        .threshold(SignalThreshold.relative(Metric.CPU, 0.10))
        .scaleSets(w.canary(), w.broad()).atMostPercentAtOnce(34).rings("canary", "broad").automaticRollback(true)
        .runbookStep("page web-oncall; roll the ring back to the previous version").build();
    return RingRollout.builder(w.plan(), w.fleet(), w.fleet()).target(V2).clock(w.fleet().clock())
        .trust(ImageTrustPolicy.trustingPublishers("Canonical")).readiness(record);
  }

  private static RingRollout run(SimulatedFleet fleet, RingRollout r) {
    Instant deadline = fleet.clock().instant().plus(Duration.ofDays(10));
    for (Optional<Instant> next = r.advance(); next.isPresent(); next = r.advance()) {
      assertThat(next.get()).as(r.eventLog()).isBefore(deadline);
      fleet.clock().advanceTo(next.get());
    }
    return r;
  }

  @Test
  void ringRollout_oneUpgradeListener_hearsRingAndRolloutEventsInTheOrderTheFleetSawThem(SimulatedFleet fleet) {
    World w = world(fleet);
    List<UpgradeEvent> heard = new ArrayList<>();

    RingRollout r = run(fleet, rings(w).listener(heard::add).build());

    assertThat(r.status()).as(r.eventLog()).isEqualTo(RingRollout.Status.COMPLETED);
    assertThat(r.isDone()).isTrue();
    assertThat(r.error()).isEmpty();
    // Every event of both families, once each, as each source numbered it.
    assertThat(heard).filteredOn(RingEvent.class::isInstance).containsExactlyElementsOf(r.events());
    for (ScaleSetId id : List.of(w.canary(), w.broad())) {
      assertThat(rolloutEventsOf(heard, id)).as(id.toString()).containsExactlyElementsOf(r.rollouts().get(id)
          .events());
    }
    assertThat(heard).hasSize(r.events().size() + r.rollouts().get(w.canary()).events().size()
        + r.rollouts().get(w.broad()).events().size());
    assertThat(heard).extracting(UpgradeEvent::at).isSorted();
    // Interleaved in the order they happened: ring started, its rollout, its soak, promotion, the next ring.
    int canaryStarted = indexOf(heard, ring(RingEvent.Kind.RING_STARTED, "canary"));
    int canaryRolloutStarted = indexOf(heard, e -> e instanceof RolloutStarted s && s.scaleSet().equals(w.canary()));
    int canaryRolloutCompleted = indexOf(heard, e -> e instanceof RolloutCompleted c
        && c.scaleSet().equals(w.canary()));
    int canarySoak = indexOf(heard, ring(RingEvent.Kind.SOAK_STARTED, "canary"));
    int canaryPromoted = indexOf(heard, ring(RingEvent.Kind.RING_PROMOTED, "canary"));
    int broadStarted = indexOf(heard, ring(RingEvent.Kind.RING_STARTED, "broad"));
    int broadRolloutStarted = indexOf(heard, e -> e instanceof RolloutStarted s && s.scaleSet().equals(w.broad()));
    int completed = indexOf(heard, e -> e instanceof RingEvent g && g.kind() == RingEvent.Kind.COMPLETED);
    assertThat(List.of(canaryStarted, canaryRolloutStarted, canaryRolloutCompleted, canarySoak, canaryPromoted,
        broadStarted, broadRolloutStarted, completed)).doesNotContain(-1).isSorted().doesNotHaveDuplicates();
    assertThat(completed).isEqualTo(heard.size() - 1);
    // By the fleet's record: the instances heard upgraded are the instances the fleet reimaged, once each; the
    // canary's last disk changed before the soak began; the broad ring's first change came after the promotion.
    for (ScaleSetId id : List.of(w.canary(), w.broad())) {
      FleetRecord record = fleet.record(id);
      List<String> reimagedOnce = record.instances().stream()
          .filter(i -> record.count(i, InstanceChange.Kind.UPGRADE_STARTED) == 1).sorted().toList();
      assertThat(reimagedOnce).as(id.toString()).hasSize(record.instances().size());
      List<String> heardUpgraded = heard.stream()
          .filter(e -> e instanceof InstanceUpgraded u && u.scaleSet().equals(id)).map(e -> ((InstanceUpgraded) e).instanceId()).sorted().toList();
      assertThat(heardUpgraded).as(id.toString()).isEqualTo(reimagedOnce);
    }
    Instant canaryLastDiskChange = lastAt(fleet.record(w.canary()), InstanceChange.Kind.IMAGE_CHANGED);
    assertThat(canaryLastDiskChange).isBeforeOrEqualTo(heard.get(canarySoak).at());
    Instant broadFirstReimage = firstAt(fleet.record(w.broad()), InstanceChange.Kind.UPGRADE_STARTED);
    assertThat(broadFirstReimage).isAfterOrEqualTo(heard.get(canaryPromoted).at());
    assertThat(Duration.between(heard.get(canarySoak).at(), heard.get(canaryPromoted).at()))
        .isEqualTo(Duration.ofHours(1));
  }

  @Test
  void ringRollout_soakFailsAndTheRingIsRolledBack_oneListenerHearsFailureAndRollbackRolloutInOrder(
      SimulatedFleet fleet) {
    World w = world(fleet);
    fleet.imagePerformance(V2, Metric.CPU, 1.3);
    PerformanceGate perf = PerformanceGate.builder().source(fleet)
        .threshold(SignalThreshold.relative(Metric.CPU, 0.10)).beforeVsAfter(true).build();
    List<UpgradeEvent> heard = new ArrayList<>();

    RingRollout r = run(fleet, rings(w).gate(perf).listener(heard::add).build());

    assertThat(r.status()).as(r.eventLog()).isEqualTo(RingRollout.Status.FAULTED);
    assertThat(r.error().orElseThrow().code()).isEqualTo(ErrorCodes.PERFORMANCE_REGRESSION);
    Rollout forward = r.rollouts().get(w.canary());
    Rollout back = r.rollbacks().get(w.canary());
    assertThat(back).as(r.eventLog()).isNotNull();
    assertThat(forward.status()).isEqualTo(RolloutStatus.COMPLETED);
    assertThat(back.status()).isEqualTo(RolloutStatus.COMPLETED);
    // The canary's forward rollout, then its rollback: both rollouts' events, each whole, in that order.
    List<RolloutEvent> expected = new ArrayList<>(forward.events());
    expected.addAll(back.events());
    assertThat(rolloutEventsOf(heard, w.canary())).containsExactlyElementsOf(expected);
    assertThat(rolloutEventsOf(heard, w.broad())).as("the broad ring never started").isEmpty();
    assertThat(heard).filteredOn(RingEvent.class::isInstance).containsExactlyElementsOf(r.events());
    int forwardCompleted = indexOf(heard, e -> e == forward.events().get(forward.events().size() - 1));
    int soak = indexOf(heard, ring(RingEvent.Kind.SOAK_STARTED, "canary"));
    int ringFailed = indexOf(heard, ring(RingEvent.Kind.RING_FAILED, "canary"));
    int rollbackStarted = indexOf(heard, ring(RingEvent.Kind.ROLLBACK_STARTED, "canary"));
    int backStarted = indexOf(heard, e -> e == back.events().get(0));
    int backCompleted = indexOf(heard, e -> e == back.events().get(back.events().size() - 1));
    int rollbackEnded = indexOf(heard, ring(RingEvent.Kind.ROLLBACK_ENDED, "canary"));
    assertThat(List.of(forwardCompleted, soak, ringFailed, rollbackStarted, backStarted, backCompleted,
        rollbackEnded)).doesNotContain(-1).isSorted().doesNotHaveDuplicates();
    assertThat(heard.get(forwardCompleted)).isInstanceOf(RolloutCompleted.class);
    assertThat(heard.get(backStarted)).as("the rollback is ungoverned, and says so first")
        .isInstanceOf(GovernanceWaived.class);
    assertThat(back.target()).isEqualTo(V1);
    assertThat(heard).extracting(UpgradeEvent::at).isSorted();
    // By the fleet's record: each canary instance was reimaged to the target, then back to V1 — the reimages the
    // listener heard, in the same order — and runs V1; the broad ring was never touched.
    FleetRecord canary = fleet.record(w.canary());
    assertThat(canary.instances()).hasSize(3);
    for (String i : canary.instances()) {
      List<InstanceChange> reimages = canary.history(i).stream().filter(c -> c.reimageTo() != null).toList();
      assertThat(reimages).as(i).extracting(InstanceChange::reimageTo).containsExactly(ubuntu(V2), ubuntu(V1));
      List<Instant> heardUpgraded = heard.stream().filter(e -> e instanceof InstanceUpgraded u
          && u.scaleSet().equals(w.canary()) && u.instanceId().equals(i)).map(UpgradeEvent::at).toList();
      assertThat(heardUpgraded).as(i).hasSize(2);
      assertThat(heardUpgraded.get(0)).as(i).isAfterOrEqualTo(reimages.get(0).at())
          .isBefore(reimages.get(1).at());
      assertThat(heardUpgraded.get(1)).as(i).isAfterOrEqualTo(reimages.get(1).at());
    }
    assertThat(fleet.get(w.canary()).instances()).allSatisfy(i -> assertThat(i.runs(V1)).isTrue());
    FleetRecord broad = fleet.record(w.broad());
    assertThat(broad.instances()).allSatisfy(i -> assertThat(broad.count(i, InstanceChange.Kind.UPGRADE_STARTED))
        .isZero());
  }

  @Test
  void ringRollout_rolloutListener_hearsOnlyTheRolloutsEventsWhetherGivenAsListenerOrRolloutListener(
      SimulatedFleet fleet) {
    World w = world(fleet);
    List<RolloutEvent> viaListener = new ArrayList<>();
    List<RolloutEvent> viaRolloutListener = new ArrayList<>();
    RolloutListener typed = viaListener::add;

    RingRollout r = run(fleet, rings(w).listener(typed).rolloutListener(viaRolloutListener::add).build());

    assertThat(r.status()).as(r.eventLog()).isEqualTo(RingRollout.Status.COMPLETED);
    List<RolloutEvent> expected = new ArrayList<>(r.rollouts().get(w.canary()).events());
    expected.addAll(r.rollouts().get(w.broad()).events());
    assertThat(viaListener).containsExactlyElementsOf(expected);
    assertThat(viaRolloutListener).containsExactlyElementsOf(expected);
  }

  @Test
  void rollout_upgradeListener_hearsEveryEventOnceInSequenceAsTheFleetSawIt(SimulatedFleet fleet) {
    ScaleSetId id = fleet.add(ScaleSetSpec.named("web").instances(6).zones(2).image(ubuntu(V1)));
    fleet.publish(ubuntu(V2));
    List<UpgradeEvent> heard = new ArrayList<>();
    UpgradeListener one = heard::add;

    Rollout r = fleet.run(Rollout.builder(fleet, id).target(V2).clock(fleet.clock()).listener(one).build());

    assertThat(r.status()).isEqualTo(RolloutStatus.COMPLETED);
    assertThat(heard).containsExactlyElementsOf(r.events());
    assertThat(heard).extracting(UpgradeEvent::sequence).containsExactlyElementsOf(
        java.util.stream.LongStream.rangeClosed(1, heard.size()).boxed().toList());
    FleetRecord record = fleet.record(id);
    assertThat(heard.stream().filter(InstanceUpgraded.class::isInstance)
        .map(e -> ((InstanceUpgraded) e).instanceId()).sorted().toList())
        .isEqualTo(record.instances().stream().filter(i -> record.count(i, InstanceChange.Kind.UPGRADE_STARTED) == 1)
            .sorted().toList())
        .hasSize(6);
  }

  /** The states that mean the same carry the same names; {@code RUNNING} and {@code REFUSED} are the rings' own. */
  @Test
  void ringStatus_statesThatMeanTheSameAsARollouts_carryRolloutStatusNames() {
    Set<String> rollout = Arrays.stream(RolloutStatus.values()).map(Enum::name).collect(Collectors.toSet());

    for (RingRollout.Status s : RingRollout.Status.values()) {
      if (rollout.contains(s.name())) {
        assertThat(RolloutStatus.valueOf(s.name()).isTerminal()).as(s.name()).isEqualTo(s.isTerminal());
      }
    }
    assertThat(Arrays.stream(RingRollout.Status.values()).map(Enum::name).filter(n -> !rollout.contains(n)))
        .containsExactly("RUNNING", "REFUSED");
  }

  private static List<RolloutEvent> rolloutEventsOf(List<UpgradeEvent> heard, ScaleSetId id) {
    return heard.stream().filter(e -> e instanceof RolloutEvent re && re.scaleSet().equals(id))
        .map(RolloutEvent.class::cast).toList();
  }

  private static Predicate<UpgradeEvent> ring(RingEvent.Kind kind, String ring) {
    return e -> e instanceof RingEvent g && g.kind() == kind && g.ring().equals(ring);
  }

  private static int indexOf(List<UpgradeEvent> events, Predicate<UpgradeEvent> p) {
    for (int k = 0; k < events.size(); k++) {
      if (p.test(events.get(k))) {
        return k;
      }
    }
    return -1;
  }

  private static Instant firstAt(FleetRecord record, InstanceChange.Kind kind) {
    return record.instances().stream().flatMap(i -> record.history(i).stream()).filter(c -> c.kind() == kind)
        .map(InstanceChange::at).min(Instant::compareTo).orElseThrow();
  }

  private static Instant lastAt(FleetRecord record, InstanceChange.Kind kind) {
    return record.instances().stream().flatMap(i -> record.history(i).stream()).filter(c -> c.kind() == kind)
        .map(InstanceChange::at).max(Instant::compareTo).orElseThrow();
  }
}
