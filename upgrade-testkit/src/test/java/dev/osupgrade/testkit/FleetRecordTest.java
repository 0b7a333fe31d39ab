package dev.osupgrade.testkit;

import static dev.osupgrade.testkit.Images.V1;
import static dev.osupgrade.testkit.Images.V2;
import static dev.osupgrade.testkit.Images.ubuntu;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osupgrade.InvalidValueException;
import dev.osupgrade.fleet.HealthState;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.ProvisioningState;
import dev.osupgrade.fleet.ScaleSet;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.policy.RollingUpgradePolicy;
import dev.osupgrade.policy.UpgradePolicy;
import dev.osupgrade.port.ScaleSetPort;
import dev.osupgrade.rollout.Rollout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

final class FleetRecordTest {

  /** Keeps what every read returned, to compare with what the record replays. */
  private static final class Capturing implements ScaleSetPort {
    private final ScaleSetPort delegate;
    final List<List<Instance>> shown = new ArrayList<>();

    Capturing(ScaleSetPort delegate) {
      this.delegate = delegate;
    }

    @Override
    public ScaleSet get(ScaleSetId id) {
      ScaleSet s = delegate.get(id);
      shown.add(s.instances());
      return s;
    }

    @Override
    public List<Instance> listInstances(ScaleSetId id) {
      List<Instance> instances = delegate.listInstances(id);
      shown.add(instances);
      return instances;
    }

    @Override
    public void updateModelImage(ScaleSetId id, ImageReference image) {
      delegate.updateModelImage(id, image);
    }

    @Override
    public void updateUpgradePolicy(ScaleSetId id, UpgradePolicy policy, @Nullable String ifMatchEtag) {
      delegate.updateUpgradePolicy(id, policy, ifMatchEtag);
    }

    @Override
    public void upgradeInstances(ScaleSetId id, List<String> instanceIds) {
      delegate.upgradeInstances(id, instanceIds);
    }

    @Override
    public void rollBackInstances(ScaleSetId id, List<String> instanceIds, ImageReference previousImage) {
      delegate.rollBackInstances(id, instanceIds, previousImage);
    }
  }

  @Test
  void history_healthyRollout_eachInstanceCreatedUpgradedOnceAndHealthyOnTheTarget() {
    SimulatedFleet fleet = SimulatedFleet.create(3);
    ScaleSetId id = fleet.add(ScaleSetSpec.named("web").instances(10).image(ubuntu(V1)));
    fleet.publish(ubuntu(V2));

    Rollout r = fleet.run(Rollout.builder(fleet, id).target(V2).clock(fleet.clock()).build());

    FleetRecord record = fleet.record(id);
    assertThat(record.instances()).containsExactly("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");
    for (String i : record.instances()) {
      List<InstanceChange> h = record.history(i);
      assertThat(h).extracting(InstanceChange::kind).containsExactly(InstanceChange.Kind.CREATED,
          InstanceChange.Kind.UPGRADE_STARTED, InstanceChange.Kind.IMAGE_CHANGED, InstanceChange.Kind.CHANGED);
      assertThat(h.get(1).image()).as("the disk still runs V1 while it is replaced").isEqualTo(ubuntu(V1));
      assertThat(h.get(1).reimageTo()).isEqualTo(ubuntu(V2));
      assertThat(h.get(1).provisioning()).isEqualTo(ProvisioningState.UPDATING);
      assertThat(h.get(2).image()).isEqualTo(ubuntu(V2));
      assertThat(h.get(3).health()).isEqualTo(HealthState.HEALTHY);
      assertThat(h.get(3).at()).isAfter(h.get(2).at()).isAfter(h.get(1).at());
    }
    List<PortCall> upgrades = record.calls("upgradeInstances");
    assertThat(upgrades).hasSize(r.plan().orElseThrow().batches().size()).allMatch(PortCall::accepted);
    assertThat(upgrades.stream().flatMap(c -> c.instanceIds().stream()).toList()).hasSize(10).doesNotHaveDuplicates();
    assertThat(upgrades).allSatisfy(c -> assertThat(c.health().unhealthyOrUnknown()).isZero());
    assertThat(record.calls("updateModelImage")).singleElement()
        .satisfies(c -> assertThat(c.image()).isEqualTo(ubuntu(V2)));
    assertThat(record.calls()).filteredOn(PortCall::isRead).hasSize(fleet.calls("get") + fleet.calls("listInstances"));
    assertThat(record.toString()).contains("10 instances", "40 changes");
  }

  @Test
  void fleetAt_everyReadOfAFaultyRollout_replaysExactlyWhatTheReadReturned() {
    for (long seed = 1; seed <= 20; seed++) {
      SimulatedFleet fleet = SimulatedFleet.create(seed);
      ScaleSetId id = fleet.add(ScaleSetSpec.named("web").instances(12).zones(3).image(ubuntu(V1)));
      fleet.publish(ubuntu(V2));
      fleet.imageBehavior(V2, seed % 2 == 0 ? ImageBehavior.flapping(Duration.ofMinutes(2))
          : ImageBehavior.recoversAfter(Duration.ofMinutes(3)));
      fleet.setHealth(id, HealthState.UNHEALTHY, "11");
      fleet.protect(id, true, "4");
      fleet.faults().randomMaintenance(id, Duration.ofMinutes(5), Duration.ofMinutes(20), 2)
          .zoneOutage(id, "3", Duration.ofMinutes(30), Duration.ofMinutes(10))
          .throttleRate("listInstances", 0.2).extensionFailureRate(0.1);
      Capturing port = new Capturing(fleet);
      RollingUpgradePolicy policy = RollingUpgradePolicy.builder().maxUnhealthyInstancePercent(60)
          .maxUnhealthyUpgradedInstancePercent(100).maxSurge(seed % 3 == 0).build();

      fleet.run(Rollout.builder(port, id).target(V2).clock(fleet.clock()).policy(policy).capacity(fleet).build());

      FleetRecord record = fleet.record(id);
      List<PortCall> reads = record.calls().stream().filter(c -> c.isRead() && c.accepted()).toList();
      assertThat(reads).as("seed %s", seed).hasSize(port.shown.size());
      for (int k = 0; k < reads.size(); k++) {
        assertThat(record.fleetAt(reads.get(k))).as("seed %s, read %s", seed, reads.get(k))
            .isEqualTo(port.shown.get(k));
        int unhealthy = (int) port.shown.get(k).stream().filter(i -> i.health().countsAsUnhealthy()).count();
        assertThat(reads.get(k).health().unhealthyOrUnknown()).isEqualTo(unhealthy);
        assertThat(reads.get(k).health().instances()).isEqualTo(port.shown.get(k).size());
      }
      assertThat(record.calls()).as("seed %s: some listings were throttled", seed)
          .anyMatch(c -> c.is("listInstances") && !c.accepted());
    }
  }

  @Test
  void calls_throttledUpgrade_recordedRejectedThenCarriedOutLater() {
    SimulatedFleet fleet = SimulatedFleet.create(5);
    ScaleSetId id = fleet.add(ScaleSetSpec.named("web").instances(4).image(ubuntu(V1)));
    fleet.publish(ubuntu(V2));
    fleet.faults().throttle("upgradeInstances", 1, Duration.ofMinutes(2));

    fleet.run(Rollout.builder(fleet, id).target(V2).clock(fleet.clock()).build());

    List<PortCall> upgrades = fleet.record(id).calls("upgradeInstances");
    assertThat(upgrades.get(0).accepted()).isFalse();
    assertThat(upgrades.get(0).rejectedWith()).isEqualTo("OperationNotAllowed");
    assertThat(upgrades.get(1).accepted()).isTrue();
    assertThat(upgrades.get(1).instanceIds()).isEqualTo(upgrades.get(0).instanceIds());
    assertThat(upgrades.get(1).at()).isEqualTo(upgrades.get(0).at().plus(Duration.ofMinutes(2)));
    assertThat(fleet.record(id).count(upgrades.get(0).instanceIds().get(0), InstanceChange.Kind.UPGRADE_STARTED))
        .as("the rejected call changed nothing").isEqualTo(1);
  }

  @Test
  void health_atACall_countsUnhealthyAndUnknownOfTheWholeSetByTheSimulatorsState() {
    SimulatedFleet fleet = SimulatedFleet.create(6);
    ScaleSetId id = fleet.add(ScaleSetSpec.named("web").instances(9).zones(3).image(ubuntu(V1)));
    fleet.setHealth(id, HealthState.UNHEALTHY, "1");
    fleet.faults().zoneOutage(id, "3", Duration.ZERO, Duration.ofMinutes(10));
    fleet.clock().advance(Duration.ofSeconds(1));

    fleet.listInstances(id);
    fleet.clock().advance(Duration.ofMinutes(10));
    fleet.listInstances(id);

    List<PortCall> reads = fleet.record(id).calls("listInstances");
    assertThat(reads.get(0).health()).isEqualTo(new FleetHealth(9, 1, 3));
    assertThat(reads.get(1).health()).isEqualTo(new FleetHealth(9, 1, 0));
    assertThat(fleet.record(id).history("2")).extracting(InstanceChange::health)
        .containsExactly(HealthState.HEALTHY, HealthState.UNKNOWN, HealthState.HEALTHY);
  }

  @Test
  void history_maxSurge_newInstancesCreatedOnTheTargetAndOldOnesDeleted() {
    SimulatedFleet fleet = SimulatedFleet.create(8);
    ScaleSetId id = fleet.add(ScaleSetSpec.named("web").instances(5).image(ubuntu(V1)));
    fleet.publish(ubuntu(V2));

    fleet.run(Rollout.builder(fleet, id).target(V2).clock(fleet.clock())
        .policy(RollingUpgradePolicy.builder().maxSurge(true).build()).build());

    FleetRecord record = fleet.record(id);
    List<PortCall> scaleOuts = record.calls("scaleOut");
    List<String> created = scaleOuts.stream().flatMap(c -> c.instanceIds().stream()).toList();
    assertThat(created).containsExactly("5", "6", "7", "8", "9");
    assertThat(scaleOuts).allSatisfy(c -> assertThat(c.instanceIds()).hasSize(c.count()));
    assertThat(record.calls("deleteInstances").stream().flatMap(c -> c.instanceIds().stream()))
        .containsExactly("0", "1", "2", "3", "4");
    assertThat(record.history("0")).last().extracting(InstanceChange::kind).isEqualTo(InstanceChange.Kind.DELETED);
    assertThat(record.history("5")).first().satisfies(e -> {
      assertThat(e.kind()).isEqualTo(InstanceChange.Kind.CREATED);
      assertThat(e.image()).isEqualTo(ubuntu(V2));
      assertThat(e.provisioning()).isEqualTo(ProvisioningState.CREATING);
    });
    assertThat(record.instances()).hasSize(10);
    assertThat(record.calls("upgradeInstances")).isEmpty();
    List<PortCall> deletes = record.calls("deleteInstances");
    PortCall lastDelete = deletes.get(deletes.size() - 1);
    assertThat(record.fleetAt(lastDelete)).as("before the call took effect").extracting(Instance::instanceId)
        .containsExactly("4", "5", "6", "7", "8", "9");
    fleet.listInstances(id);
    PortCall after = record.calls().get(record.calls().size() - 1);
    assertThat(record.fleetAt(after)).extracting(Instance::instanceId).containsExactly("5", "6", "7", "8", "9");
  }

  @Test
  void history_badImage_rolledBackToThePreviousImage() {
    SimulatedFleet fleet = SimulatedFleet.create(9);
    ScaleSetId id = fleet.add(ScaleSetSpec.named("web").instances(5).image(ubuntu(V1)));
    fleet.publish(ubuntu(V2));
    fleet.imageBehavior(V2, ImageBehavior.comesUpUnhealthy());

    fleet.run(Rollout.builder(fleet, id).target(V2).clock(fleet.clock()).build());

    FleetRecord record = fleet.record(id);
    PortCall rollback = record.calls("rollBackInstances").get(0);
    String first = rollback.instanceIds().get(0);
    assertThat(rollback.image()).isEqualTo(ubuntu(V1));
    assertThat(record.history(first)).extracting(InstanceChange::kind).containsSubsequence(
        InstanceChange.Kind.UPGRADE_STARTED, InstanceChange.Kind.IMAGE_CHANGED, InstanceChange.Kind.ROLLBACK_STARTED,
        InstanceChange.Kind.IMAGE_CHANGED);
    assertThat(record.history(first)).last().satisfies(e -> assertThat(e.image()).isEqualTo(ubuntu(V1)));
    assertThat(record.count(first, InstanceChange.Kind.ROLLBACK_STARTED)).isEqualTo(1);
  }

  @Test
  void record_badArguments_typedErrors() {
    SimulatedFleet fleet = SimulatedFleet.create(1);
    ScaleSetId id = fleet.add(ScaleSetSpec.named("web").instances(2).image(ubuntu(V1)));
    SimulatedFleet other = SimulatedFleet.create(1);
    ScaleSetId otherId = other.add(ScaleSetSpec.named("web").instances(2).image(ubuntu(V1)));
    other.listInstances(otherId);

    assertThatThrownBy(() -> fleet.record(id).history("7")).isInstanceOf(InvalidValueException.class)
        .hasMessageContaining("instanceId");
    assertThatThrownBy(() -> fleet.record(id).fleetAt(other.record(otherId).calls().get(0)))
        .isInstanceOf(InvalidValueException.class);
    assertThatThrownBy(() -> fleet.record(ScaleSetId.of("rg", "nope")))
        .isInstanceOf(dev.osupgrade.port.ResourceNotFoundException.class);
  }
}
