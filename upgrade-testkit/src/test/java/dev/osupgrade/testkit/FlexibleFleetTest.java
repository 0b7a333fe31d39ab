package dev.osupgrade.testkit;

import static dev.osupgrade.testkit.Images.V1;
import static dev.osupgrade.testkit.Images.V2;
import static dev.osupgrade.testkit.Images.ubuntu;
import static dev.osupgrade.testkit.OsUpgradeAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osupgrade.InvalidValueException;
import dev.osupgrade.event.BatchStarted;
import dev.osupgrade.event.RolloutCompleted;
import dev.osupgrade.event.SurgeFallback;
import dev.osupgrade.event.SurgeInstancesCreated;
import dev.osupgrade.fleet.HealthMonitoring;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.OrchestrationMode;
import dev.osupgrade.fleet.ResourceLock;
import dev.osupgrade.fleet.ScaleSet;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.ops.FleetVerification;
import dev.osupgrade.ops.StartedBy;
import dev.osupgrade.policy.AutomaticOsUpgradePolicy;
import dev.osupgrade.policy.RollingUpgradePolicy;
import dev.osupgrade.policy.UpgradeMode;
import dev.osupgrade.policy.UpgradePolicy;
import dev.osupgrade.port.ConflictException;
import dev.osupgrade.port.InvalidModelException;
import dev.osupgrade.rollout.Rollout;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The simulator's Flexible scale sets: VM names, fault domains without update domains, locks, the platform. */
final class FlexibleFleetTest {
  @RegisterExtension static final SimulatorExtension SIM = SimulatorExtension.withSeed(14);

  private static ScaleSetSpec flexible(int instances) {
    return ScaleSetSpec.named("web").orchestration(OrchestrationMode.FLEXIBLE).instances(instances).image(ubuntu(V1));
  }

  /** Every batch upgrades part of one fault domain or whole fault domains, checked against the fleet's state. */
  private static void assertFaultDomainBoundaries(List<List<String>> batches, Map<String, Integer> faultDomainOf) {
    Map<Integer, Set<String>> members = new HashMap<>();
    faultDomainOf.forEach((id, fd) -> members.computeIfAbsent(fd, k -> new java.util.HashSet<>()).add(id));
    for (List<String> batch : batches) {
      Set<Integer> domains = batch.stream().map(faultDomainOf::get).collect(Collectors.toSet());
      if (domains.size() > 1) {
        for (int d : domains) {
          assertThat(batch).as("batch %s holds all of FD %s", batch, d).containsAll(members.get(d));
        }
      }
    }
  }

  @Test
  void add_flexible_vmNamesFaultDomainsAndNoUpdateDomains(SimulatedFleet fleet) {
    ScaleSetId id = fleet.add(flexible(9).faultDomains(3));

    ScaleSet s = fleet.get(id);

    assertThat(s.orchestrationMode()).isEqualTo(OrchestrationMode.FLEXIBLE);
    List<String> created = fleet.createdInstanceIds(id);
    assertThat(created).hasSize(9).allSatisfy(name -> assertThat(name).matches("web_[0-9a-f]{8}"));
    assertThat(s.instances()).extracting(Instance::instanceId).containsExactlyInAnyOrderElementsOf(created);
    assertThat(s.instances()).allSatisfy(i -> assertThat(i.updateDomain()).isZero());
    assertThat(created.stream().map(n -> s.instance(n).orElseThrow().faultDomain()).toList())
        .containsExactly(0, 1, 2, 0, 1, 2, 0, 1, 2);
    assertThat(s.identity(created.get(0)).resourceId()).isEqualTo("/subscriptions/"
        + ScaleSetId.LOCAL_SUBSCRIPTION + "/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/"
        + created.get(0));
    assertThat(fleet.log()).anyMatch(l -> l.contains("(Flexible, 3 fault domains)"));
  }

  @Test
  void add_flexible_sameSeedSameNamesOtherSeedOthers() {
    List<String> a = names(5);
    List<String> b = names(5);
    List<String> c = names(6);

    assertThat(a).isEqualTo(b).doesNotContainAnyElementsOf(c);
  }

  private static List<String> names(long seed) {
    SimulatedFleet fleet = SimulatedFleet.create(seed);
    return fleet.createdInstanceIds(fleet.add(flexible(4)));
  }

  @Test
  void add_flexibleDefaults_maxSpreadingOneFaultDomain(SimulatedFleet fleet) {
    ScaleSetId id = fleet.add(flexible(6).zones(3));

    assertThat(fleet.get(id).instances()).allSatisfy(i -> assertThat(i.faultDomain()).isZero());
  }

  @Test
  void add_flexibleFaultDomainsAzureDoesNotAllow_rejectedNamingTheRule(SimulatedFleet fleet) {
    assertThatThrownBy(() -> fleet.add(flexible(6).zones(3).faultDomains(2)))
        .isInstanceOf(InvalidValueException.class).hasMessageContaining("1 for a zonal Flexible scale set");
    assertThatThrownBy(() -> fleet.add(flexible(6).faultDomains(5)))
        .isInstanceOf(InvalidValueException.class).hasMessageContaining("1 to 3 for a regional Flexible");
    assertThatThrownBy(() -> fleet.add(ScaleSetSpec.named("w".repeat(56)).orchestration(OrchestrationMode.FLEXIBLE)
        .image(ubuntu(V1)))).isInstanceOf(InvalidValueException.class).hasMessageContaining("at most 55");
    assertThat(fleet.scaleSetIds()).isEmpty();
  }

  @Test
  void lock_readOnly_protectsAndRefusesUpgradeAsScopeLockedChangingNothing(SimulatedFleet fleet) {
    ScaleSetId id = fleet.add(flexible(4));
    fleet.publish(ubuntu(V2));
    fleet.updateModelImage(id, ubuntu(V2));
    List<String> vms = fleet.createdInstanceIds(id);
    fleet.lock(id, ResourceLock.READ_ONLY, vms.get(1));

    Instance locked = fleet.get(id).instance(vms.get(1)).orElseThrow();
    assertThat(locked.lock()).isEqualTo(ResourceLock.READ_ONLY);
    assertThat(locked.protectedFromUpgrade()).isTrue();
    assertThatThrownBy(() -> fleet.upgradeInstances(id, List.of(vms.get(0), vms.get(1))))
        .isInstanceOfSatisfying(ConflictException.class, e -> {
          assertThat(e.httpStatus()).isEqualTo(409);
          assertThat(e.code()).isEqualTo("ScopeLocked");
          assertThat(e.getMessage()).contains("/providers/Microsoft.Compute/virtualMachines/" + vms.get(1),
              "cannot perform write operation");
        });
    fleet.clock().runUntilIdle();

    assertThat(fleet.record(id).count(vms.get(0), InstanceChange.Kind.UPGRADE_STARTED)).isZero();
    assertThat(fleet.record(id).calls("upgradeInstances")).singleElement()
        .satisfies(c -> assertThat(c.accepted()).isFalse());
    assertThat(fleet.record(id).history(vms.get(1))).last()
        .satisfies(c -> assertThat(c.lock()).isEqualTo(ResourceLock.READ_ONLY));
  }

  @Test
  void lock_canNotDelete_refusesDeleteButNotUpgrade(SimulatedFleet fleet) {
    ScaleSetId id = fleet.add(flexible(3));
    List<String> vms = fleet.createdInstanceIds(id);
    fleet.lock(id, ResourceLock.CAN_NOT_DELETE, vms.get(2));

    assertThatThrownBy(() -> fleet.deleteInstances(id, List.of(vms.get(0), vms.get(2))))
        .isInstanceOfSatisfying(ConflictException.class, e -> assertThat(e.code()).isEqualTo("ScopeLocked"));
    assertThat(fleet.get(id).instances()).hasSize(3);
    assertThat(fleet.get(id).instance(vms.get(2)).orElseThrow().protectedFromUpgrade()).isFalse();

    fleet.lock(id, ResourceLock.NONE, vms.get(2));
    fleet.deleteInstances(id, List.of(vms.get(2)));
    assertThat(fleet.get(id).instances()).hasSize(2);
  }

  @Test
  void lock_uniformScaleSet_rejected(SimulatedFleet fleet) {
    ScaleSetId id = fleet.add(ScaleSetSpec.named("web").instances(3).image(ubuntu(V1)));

    assertThatThrownBy(() -> fleet.lock(id, ResourceLock.READ_ONLY, "0")).isInstanceOf(InvalidValueException.class)
        .hasMessageContaining("Flexible");
  }

  @Test
  void updateUpgradePolicy_flexibleRollingWithProbe_refusedAsAzureRequiresTheExtension(SimulatedFleet fleet) {
    ScaleSetId id = fleet.add(flexible(3).healthMonitoring(HealthMonitoring.probe()));

    assertThatThrownBy(() -> fleet.updateUpgradePolicy(id, UpgradePolicy.manual().withMode(UpgradeMode.ROLLING), null))
        .isInstanceOfSatisfying(InvalidModelException.class, e -> {
          assertThat(e.httpStatus()).isEqualTo(400);
          assertThat(e.getMessage()).contains("Flexible orchestration must use the Application Health extension");
        });
    assertThat(fleet.get(id).upgradePolicy().mode()).isEqualTo(UpgradeMode.MANUAL);
  }

  @Test
  void rollout_flexibleThreeFaultDomains_completesInFaultDomainBatchesLockedVmLeftAlone(SimulatedFleet fleet) {
    ScaleSetId id = fleet.add(flexible(15).faultDomains(3));
    fleet.publish(ubuntu(V2));
    List<String> vms = fleet.createdInstanceIds(id);
    fleet.lock(id, ResourceLock.READ_ONLY, vms.get(4));
    Map<String, Integer> fd = new HashMap<>();
    fleet.get(id).instances().forEach(i -> fd.put(i.instanceId(), i.faultDomain()));

    Rollout r = fleet.run(Rollout.builder(fleet, id).target(V2).clock(fleet.clock()).build());

    assertThat(r).isCompleted().hadBatches(6); // FD 0: 3+2, FD 1 (one locked): 3+1, FD 2: 3+2
    List<List<String>> sent = fleet.record(id).calls("upgradeInstances").stream().map(PortCall::instanceIds).toList();
    assertThat(sent).hasSize(6).allSatisfy(b -> assertThat(b.size()).isLessThanOrEqualTo(3));
    assertFaultDomainBoundaries(sent, fd);
    assertThat(sent.stream().flatMap(List::stream)).doesNotContain(vms.get(4));
    assertThat(fleet.get(id).instances()).allSatisfy(i -> assertThat(i.runs(V2)).isEqualTo(!i.instanceId()
        .equals(vms.get(4))));
    RolloutCompleted done = r.events().stream().filter(RolloutCompleted.class::isInstance)
        .map(RolloutCompleted.class::cast).findFirst().orElseThrow();
    assertThat(done.verification().explained()).singleElement().satisfies(e -> {
      assertThat(e.instanceId()).isEqualTo(vms.get(4));
      assertThat(e.reason()).isEqualTo(FleetVerification.Reason.PROTECTED);
      assertThat(e.detail()).contains("ReadOnly resource lock");
    });
  }

  @Test
  void rollout_maxSurgeWithCanNotDeleteLock_thatBatchInPlaceOthersSurged(SimulatedFleet fleet) {
    ScaleSetId id = fleet.add(flexible(10));
    fleet.publish(ubuntu(V2));
    List<String> vms = fleet.createdInstanceIds(id);
    fleet.lock(id, ResourceLock.CAN_NOT_DELETE, vms.get(0));
    RollingUpgradePolicy surge = RollingUpgradePolicy.builder().maxSurge(true).build();

    Rollout r = fleet.run(Rollout.builder(fleet, id).target(V2).clock(fleet.clock()).policy(surge).build());

    assertThat(r).isCompleted().hadBatches(5).emitted(SurgeFallback.class).emitted(SurgeInstancesCreated.class);
    assertThat(r.events().stream().filter(SurgeFallback.class::isInstance).map(Object::toString).toList())
        .singleElement().asString().contains("CanNotDelete resource lock applies to [" + vms.get(0));
    assertThat(fleet.record(id).calls("upgradeInstances")).singleElement()
        .satisfies(c -> assertThat(c.instanceIds()).contains(vms.get(0)));
    assertThat(fleet.record(id).calls("deleteInstances")).allSatisfy(c -> {
      assertThat(c.accepted()).isTrue();
      assertThat(c.instanceIds()).doesNotContain(vms.get(0));
    });
    assertThat(fleet.get(id).instances()).hasSize(10).allSatisfy(i -> assertThat(i.runs(V2)).isTrue());
    assertThat(fleet.get(id).instance(vms.get(0))).isPresent();
  }

  @Test
  void platformUpgrade_flexibleAutomaticOsUpgradeWithMaxSurge_upgradesInPlaceByFaultDomain(SimulatedFleet fleet,
      VirtualClock clock) {
    RollingUpgradePolicy surge = RollingUpgradePolicy.builder().maxSurge(true).build();
    ScaleSetId id = fleet.add(flexible(12).faultDomains(3).rollingPolicy(surge)
        .automaticOsUpgrade(new AutomaticOsUpgradePolicy(true, false, true, false)));
    Map<String, Integer> fd = new HashMap<>();
    fleet.get(id).instances().forEach(i -> fd.put(i.instanceId(), i.faultDomain()));
    fleet.publish(ubuntu(V2));

    clock.runUntilIdle();

    assertThat(fleet.get(id).instances()).hasSize(12).allSatisfy(i -> assertThat(i.runs(V2)).isTrue());
    assertThat(fleet.createdInstanceIds(id)).as("no surge instance: not supported with automatic OS upgrade")
        .hasSize(12);
    assertThat(fleet.osUpgradeHistory(id)).first().satisfies(h -> assertThat(h.startedBy())
        .isEqualTo(StartedBy.PLATFORM));
    List<List<String>> batches = fleet.platformEvents(id).stream().filter(BatchStarted.class::isInstance)
        .map(e -> ((BatchStarted) e).instanceIds()).toList();
    assertThat(batches).isNotEmpty();
    assertFaultDomainBoundaries(batches, fd);
    assertThat(batches).allSatisfy(b -> assertThat(b.stream().map(fd::get).distinct()).hasSize(1));
  }

  /**
   * A VM locked ReadOnly between the look its batch was decided from and the call: ARM refuses the call (409
   * ScopeLocked), the rollout stalls, and the next advance leaves the locked VM alone (the decided upgrade is
   * reconciled with a fresh read that shows it protected) while its batch mates are upgraded; it completes, the VM
   * untouched by the fleet's record and explained.
   */
  @Test
  void rollout_vmLockedJustBeforeItsUpgrade_refusedThenLeftAloneBatchMatesUpgraded(SimulatedFleet fleet) {
    ScaleSetId id = fleet.add(flexible(10));
    fleet.publish(ubuntu(V2));
    HookedPort port = new HookedPort(fleet);
    String[] locked = {null};
    port.upgradeInstances = (scaleSet, ids) -> {
      if (locked[0] == null && ids.size() == 2 && fleet.calls("upgradeInstances") >= 2) {
        locked[0] = ids.get(1);
        fleet.lock(scaleSet, ResourceLock.READ_ONLY, locked[0]);
      }
      fleet.upgradeInstances(scaleSet, ids);
    };

    Rollout r = fleet.run(Rollout.builder(port, id).target(V2).clock(fleet.clock()).build());

    assertThat(locked[0]).isNotNull();
    assertThat(r).isCompleted();
    assertThat(r.events()).anySatisfy(e -> assertThat(e.toString()).contains("STALLED", "ScopeLocked"));
    assertThat(fleet.record(id).count(locked[0], InstanceChange.Kind.UPGRADE_STARTED)).isZero();
    assertThat(fleet.record(id).calls("upgradeInstances").stream().filter(PortCall::accepted))
        .allSatisfy(c -> assertThat(c.instanceIds()).doesNotContain(locked[0]))
        .anySatisfy(c -> assertThat(c.instanceIds()).as("its batch mate, sent again alone").hasSize(1));
    assertThat(fleet.get(id).instances()).filteredOn(i -> !i.instanceId().equals(locked[0]))
        .allSatisfy(i -> assertThat(i.runs(V2)).isTrue());
    RolloutCompleted done = r.events().stream().filter(RolloutCompleted.class::isInstance)
        .map(RolloutCompleted.class::cast).findFirst().orElseThrow();
    assertThat(done.verification().explained()).singleElement()
        .satisfies(e -> assertThat(e.instanceId()).isEqualTo(locked[0]));
  }
}
