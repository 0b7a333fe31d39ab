package dev.osupgrade.testkit.contract;

import static dev.osupgrade.testkit.contract.Worlds.MISSING;
import static dev.osupgrade.testkit.contract.Worlds.UBUNTU;
import static dev.osupgrade.testkit.contract.Worlds.V1;
import static dev.osupgrade.testkit.contract.Worlds.V2;
import static dev.osupgrade.testkit.contract.Worlds.assertNotFound;
import static dev.osupgrade.testkit.contract.Worlds.settle;
import static dev.osupgrade.testkit.contract.Worlds.ubuntu;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osupgrade.InvalidValueException;
import dev.osupgrade.Region;
import dev.osupgrade.fleet.HealthMonitoring;
import dev.osupgrade.fleet.HealthState;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.InstanceIds;
import dev.osupgrade.fleet.OrchestrationMode;
import dev.osupgrade.fleet.PowerState;
import dev.osupgrade.fleet.ProvisioningState;
import dev.osupgrade.fleet.ResourceLock;
import dev.osupgrade.fleet.ScaleSet;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.fleet.Zone;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.image.ImageRelease;
import dev.osupgrade.image.ImageVersion;
import dev.osupgrade.image.ReplicationState;
import dev.osupgrade.policy.AutomaticOsUpgradePolicy;
import dev.osupgrade.policy.RollingUpgradePolicy;
import dev.osupgrade.policy.UpgradeMode;
import dev.osupgrade.policy.UpgradePolicy;
import dev.osupgrade.port.ConflictException;
import dev.osupgrade.port.InvalidModelException;
import dev.osupgrade.port.ScaleSetPort;
import dev.osupgrade.testkit.ScaleSetSpec;
import dev.osupgrade.testkit.SimulatedFleet;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link ScaleSetPort} guarantees. The world of most cases is one scale set {@code rg/web} in
 * West Europe: six instances over zones 1–3 on {@code V1} (the {@code k}-th instance created in zone
 * {@code k % 3 + 1}, update and fault domain = its index within the zone), upgrade mode Manual, the Application Health
 * extension, instance 4 protected and instance 5 unhealthy.
 *
 * <p>Every case runs for the {@link #orchestration()} mode a subclass chooses (Uniform by default). In a Flexible
 * world the instances are VMs named by the simulator ({@code web_…}, the k-th instance is the k-th of
 * {@link SimulatedFleet#createdInstanceIds}), all in update and fault domain 0 (a zonal Flexible scale set has one
 * fault domain, and no update domains), and instance 4's protection is a {@code ReadOnly} resource lock (Flexible's
 * protection; Uniform's is instance protection).
 *
 * <h2>What the contract leaves to the implementation</h2>
 * <ul>
 *   <li>Health of scale sets without the Application Health extension: the simulator reports the health it models,
 *       the Azure adapter what the Compute API shows (power and provisioning state). The cases use the extension.</li>
 *   <li>{@link ScaleSetPort#rollBackInstances} returns once the rollback is accepted (simulator) or once it has
 *       completed (Azure adapter, which moves the model there and back and needs upgrade mode Manual). The case
 *       checks the outcome after the clock has run.</li>
 *   <li>How long an upgrade takes, and the etag's form: the cases only compare etags with each other.</li>
 * </ul>
 */
public abstract class ScaleSetPortContract {

  /** Creates the contract. */
  protected ScaleSetPortContract() {}

  /**
   * Returns the port under test, answering from the world: the simulator itself, or an adapter over an emulator that
   * serves the world. Called once per case, after the case has built its world.
   *
   * @param world the world the case built
   * @return the port
   */
  protected abstract ScaleSetPort portOver(SimulatedFleet world);

  /** @return a fresh, empty world; override to use another seed or profile */
  protected SimulatedFleet newWorld() {
    return SimulatedFleet.create(Worlds.SEED);
  }

  /** @return the orchestration mode of every scale set the cases create; override to run them for Flexible */
  protected OrchestrationMode orchestration() {
    return OrchestrationMode.UNIFORM;
  }

  private ScaleSetSpec spec(String name) {
    return ScaleSetSpec.named(name).orchestration(orchestration());
  }

  private boolean flexible() {
    return orchestration() == OrchestrationMode.FLEXIBLE;
  }

  /** The k-th instance the scale set was created with. */
  private String id(int k) {
    return world.createdInstanceIds(web).get(k);
  }

  private List<String> ids(int... ks) {
    return java.util.Arrays.stream(ks).mapToObj(this::id).toList();
  }

  /** The instances in the order they were created (instance {@code k} at index {@code k}), missing ones left out. */
  private List<Instance> inCreationOrder(List<Instance> instances) {
    List<String> created = world.createdInstanceIds(web);
    return instances.stream().sorted(Comparator.comparingInt(i -> created.indexOf(i.instanceId()))).toList();
  }

  private static final ScaleSetId WEB = ScaleSetId.of("rg", "web");

  private SimulatedFleet world;
  private ScaleSetId web = WEB;

  /** Starts each case with a fresh, empty world. */
  @BeforeEach
  void createWorld() {
    world = newWorld();
  }

  /** Builds the usual world: see the class comment. */
  private ScaleSetPort given() {
    web = world.add(spec("web").region("westeurope").instances(6).zones(3).image(ubuntu(V1))
        .tag("environment", "production").tag("owner", "team-web"));
    if (flexible()) {
      world.lock(web, ResourceLock.READ_ONLY, id(4));
    } else {
      world.protect(web, true, id(4));
    }
    world.setHealth(web, HealthState.UNHEALTHY, id(5));
    return portOver(world);
  }

  /** Moves the model to V2 and upgrades instance 0 there, in the world itself (part of a "given"). */
  private void givenInstanceZeroOnV2() {
    world.publish(ubuntu(V2));
    world.updateModelImage(web, ubuntu(V2));
    world.upgradeInstances(web, List.of(id(0)));
    settle(world);
  }

  // ----------------------------------------------------------------------------------------------------- get

  /** {@code get} returns the model (region, zones, orchestration, policy, image, health source, etag). */
  @Test
  void get_scaleSet_returnsModel() {
    ScaleSetPort port = given();

    ScaleSet s = port.get(web);

    assertThat(s.id()).isEqualTo(web);
    assertThat(s.region()).isEqualTo(Region.of("westeurope"));
    assertThat(s.zones()).containsExactly(Zone.of("1"), Zone.of("2"), Zone.of("3"));
    assertThat(s.orchestrationMode()).isEqualTo(orchestration());
    assertThat(s.upgradePolicy()).isEqualTo(UpgradePolicy.manual());
    assertThat(s.modelImage()).isEqualTo(ubuntu(V1));
    assertThat(s.healthMonitoring()).isEqualTo(HealthMonitoring.extension());
    assertThat(s.etag()).isNotBlank();
    assertThat(s.tags()).containsEntry("environment", "production").containsEntry("owner", "team-web");
  }

  /**
   * {@code get} returns every instance in instance-id order with its zone, domains, exact image version, health,
   * {@code latestModelApplied}, protection and resource lock.
   */
  @Test
  void get_mixedInstances_returnsEveryInstanceAsItIs() {
    ScaleSetPort port = given();
    givenInstanceZeroOnV2();

    List<Instance> listed = port.get(web).instances();
    List<Instance> instances = inCreationOrder(listed);

    assertThat(listed).extracting(Instance::instanceId).isSortedAccordingTo(InstanceIds.ORDER)
        .containsExactlyInAnyOrderElementsOf(world.createdInstanceIds(web));
    assertThat(instances).extracting(Instance::instanceId).containsExactlyElementsOf(ids(0, 1, 2, 3, 4, 5));
    assertThat(instances).extracting(i -> i.zone().name()).containsExactly("1", "2", "3", "1", "2", "3");
    if (flexible()) {
      assertThat(instances).extracting(Instance::updateDomain).containsOnly(0);
      assertThat(instances).extracting(Instance::faultDomain).containsOnly(0);
      assertThat(instances).extracting(Instance::lock).containsExactly(ResourceLock.NONE, ResourceLock.NONE,
          ResourceLock.NONE, ResourceLock.NONE, ResourceLock.READ_ONLY, ResourceLock.NONE);
    } else {
      assertThat(instances).extracting(Instance::updateDomain).containsExactly(0, 0, 0, 1, 1, 1);
      assertThat(instances).extracting(Instance::faultDomain).containsExactly(0, 0, 0, 1, 1, 1);
      assertThat(instances).extracting(Instance::lock).containsOnly(ResourceLock.NONE);
    }
    assertThat(instances).extracting(Instance::imageVersion).containsExactly(V2, V1, V1, V1, V1, V1);
    assertThat(instances).extracting(Instance::image).allMatch(i -> i.sameImageAs(UBUNTU));
    assertThat(instances).extracting(Instance::latestModelApplied)
        .containsExactly(true, false, false, false, false, false);
    assertThat(instances).extracting(Instance::protectedFromUpgrade)
        .containsExactly(false, false, false, false, true, false);
    assertThat(instances).extracting(Instance::health).containsExactly(HealthState.HEALTHY, HealthState.HEALTHY,
        HealthState.HEALTHY, HealthState.HEALTHY, HealthState.HEALTHY, HealthState.UNHEALTHY);
    assertThat(instances).extracting(Instance::provisioningState).containsOnly(ProvisioningState.SUCCEEDED);
    assertThat(instances).extracting(Instance::powerState).containsOnly(PowerState.RUNNING);
  }

  /** {@code get} reports the world exactly as the simulator itself sees it, record for record. */
  @Test
  void get_anyTime_equalsTheWorld() {
    ScaleSetPort port = given();
    givenInstanceZeroOnV2();
    world.upgradeInstances(web, ids(1, 2));
    Worlds.advance(world, Duration.ofSeconds(30)); // 1 and 2 are being updated now

    assertThat(port.get(web)).isEqualTo(world.peek(web));
  }

  /** {@code listInstances} returns the same instances as {@code get}. */
  @Test
  void listInstances_afterGet_equalsInstancesOfGet() {
    ScaleSetPort port = given();
    givenInstanceZeroOnV2();

    ScaleSet s = port.get(web);

    assertThat(port.listInstances(web)).isEqualTo(s.instances());
  }

  /**
   * {@code model} is {@code get} without the instances, or with every one of them (a port that had to read them):
   * with the instances of a listing just taken, it is the world.
   */
  @Test
  void model_afterAListing_isGetWithoutTheInstancesOrWithEveryOne() {
    ScaleSetPort port = given();
    givenInstanceZeroOnV2();
    List<Instance> listed = port.listInstances(web);

    ScaleSet model = port.model(web);

    ScaleSet truth = world.peek(web);
    assertThat(model.instances()).as("no instance, or every one").satisfiesAnyOf(
        i -> assertThat(i).isEmpty(), i -> assertThat(i).isEqualTo(truth.instances()));
    assertThat(model.withInstances(listed)).isEqualTo(truth);
    world.updateModelImage(web, ubuntu(V2));
    assertThat(port.model(web).modelImage()).as("read afresh").isEqualTo(ubuntu(V2));
  }

  /** {@code listInstances} works without an earlier {@code get}. */
  @Test
  void listInstances_first_returnsEveryInstance() {
    ScaleSetPort port = given();

    assertThat(port.listInstances(web)).isEqualTo(world.peek(web).instances());
  }

  // ----------------------------------------------------------------------------------------------- instance

  /**
   * {@code instance} reads one instance exactly as the listing shows it (image, {@code latestModelApplied}, health,
   * provisioning state, domains, protection), an instance being updated included.
   */
  @Test
  void instance_existing_equalsItsEntryInTheListing() {
    ScaleSetPort port = given();
    givenInstanceZeroOnV2();
    world.upgradeInstances(web, ids(1));
    Worlds.advance(world, Duration.ofSeconds(30)); // 1 is being updated now

    ScaleSet truth = world.peek(web);
    for (String id : ids(0, 1, 4, 5)) {
      assertThat(port.instance(web, id)).as("instance %s", id).contains(truth.instance(id).orElseThrow());
    }
  }

  /** An instance that was deleted, or never existed, reads empty: not an error, and never a copy read earlier. */
  @Test
  void instance_deletedOrNeverExisted_empty() {
    ScaleSetPort port = given();
    assertThat(port.instance(web, id(3))).isPresent();
    world.deleteInstances(web, ids(3));

    assertThat(port.instance(web, id(3))).isEmpty();
    assertThat(port.instance(web, flexible() ? "web_00000000" : "99")).isEmpty();
    assertThat(port.instance(web, id(2))).contains(world.peek(web).instance(id(2)).orElseThrow());
  }

  /** An id that is not one path segment is refused as bad input, naming the parameter. */
  @Test
  void instance_idNotOnePathSegment_invalidValue() {
    ScaleSetPort port = given();

    for (String bad : List.of("", " ", " 1", "0/../1", "1/instanceView", "a b", "1?x=2", "1#", "%2F", ".", "..",
        "1\\2", "1\n")) {
      assertThatThrownBy(() -> port.instance(web, bad)).as("'%s'", bad)
          .isInstanceOfSatisfying(InvalidValueException.class,
              e -> assertThat(e.parameter()).isEqualTo("instanceId"));
    }
    assertThatThrownBy(() -> port.instance(web, null)).isInstanceOf(InvalidValueException.class);
    assertThatThrownBy(() -> port.instance(null, "0")).isInstanceOf(InvalidValueException.class);
  }

  // --------------------------------------------------------------------------------------- updateModelImage

  /**
   * {@code updateModelImage} moves the model; existing instances keep their image and now show
   * {@code latestModelApplied=false}; the etag changes.
   */
  @Test
  void updateModelImage_newVersion_oldInstancesNoLongerOnLatestModel() {
    ScaleSetPort port = given();
    world.publish(ubuntu(V2));
    String etag = port.get(web).etag();

    port.updateModelImage(web, ubuntu(V2));

    ScaleSet after = port.get(web);
    assertThat(after.modelImage()).isEqualTo(ubuntu(V2));
    assertThat(after.instances()).extracting(Instance::imageVersion).containsOnly(V1);
    assertThat(after.instances()).extracting(Instance::latestModelApplied).containsOnly(false);
    assertThat(after.etag()).isNotEqualTo(etag);
  }

  /** Setting the model to the image it already has changes nothing, not even the etag. */
  @Test
  void updateModelImage_sameImage_changesNothing() {
    ScaleSetPort port = given();
    ScaleSet before = port.get(web);

    port.updateModelImage(web, ubuntu(V1));
    port.updateModelImage(web, ubuntu(V1));

    assertThat(port.get(web)).isEqualTo(before);
  }

  /**
   * A gallery version not replicated to the scale set's region is refused with {@link InvalidModelException}
   * (Azure: 404 {@code GalleryImageNotFound}), and the model stays where it was.
   */
  @Test
  void updateModelImage_galleryVersionNotInRegion_refusedAndNothingChanged() {
    ImageReference gallery = ImageReference.gallery("/subscriptions/" + ScaleSetId.LOCAL_SUBSCRIPTION
        + "/resourceGroups/rg-images/providers/Microsoft.Compute/galleries/corp/images/web-base", "1.0.0");
    web = world.add(spec("web").instances(2).image(gallery));
    ImageReference next = gallery.withVersion(ImageVersion.parse("1.1.0"));
    world.publish(ImageRelease.gallery(next, world.clock().instant(), Map.of(Region.of("westeurope"),
        ReplicationState.REPLICATING, Region.of("northeurope"), ReplicationState.COMPLETED)));
    ScaleSetPort port = portOver(world);
    ScaleSet before = port.get(web);

    assertThatThrownBy(() -> port.updateModelImage(web, next)).isInstanceOfSatisfying(InvalidModelException.class,
        e -> {
          assertThat(e.httpStatus()).isEqualTo(404);
          assertThat(e.code()).isEqualTo("GalleryImageNotFound");
        });
    assertThat(port.get(web)).isEqualTo(before);
  }

  /**
   * With automatic OS upgrade enabled a pinned version is refused with {@link InvalidModelException} (Azure: 400
   * {@code InvalidParameter}), and nothing changes.
   */
  @Test
  void updateModelImage_pinnedWithAutomaticOsUpgrade_refusedAndNothingChanged() {
    web = world.add(spec("web").instances(2).image(ubuntu(V1))
        .automaticOsUpgrade(AutomaticOsUpgradePolicy.enabled()));
    world.publish(ubuntu(V2));
    ScaleSetPort port = portOver(world);
    ScaleSet before = port.get(web);

    assertThatThrownBy(() -> port.updateModelImage(web, ubuntu(V2)))
        .isInstanceOfSatisfying(InvalidModelException.class, e -> {
          assertThat(e.httpStatus()).isEqualTo(400);
          assertThat(e.code()).isEqualTo("InvalidParameter");
        });
    assertThat(port.get(web)).isEqualTo(before);
  }

  // ------------------------------------------------------------------------------------- updateUpgradePolicy

  private static UpgradePolicy rolling() {
    return UpgradePolicy.manual().withMode(UpgradeMode.ROLLING).withRolling(RollingUpgradePolicy.builder()
        .maxBatchInstancePercent(34).maxUnhealthyInstancePercent(50).maxUnhealthyUpgradedInstancePercent(10)
        .pauseTimeBetweenBatches(Duration.ofMinutes(2)).prioritizeUnhealthyInstances(true).build());
  }

  /** {@code updateUpgradePolicy} with the current etag sets exactly that policy and changes the etag. */
  @Test
  void updateUpgradePolicy_currentEtag_setsPolicy() {
    ScaleSetPort port = given();
    String etag = port.get(web).etag();

    port.updateUpgradePolicy(web, rolling(), etag);

    ScaleSet after = port.get(web);
    assertThat(after.upgradePolicy()).isEqualTo(rolling());
    assertThat(after.etag()).isNotEqualTo(etag);
  }

  /** {@code updateUpgradePolicy} without an etag overwrites unconditionally. */
  @Test
  void updateUpgradePolicy_noEtag_setsPolicy() {
    ScaleSetPort port = given();
    port.updateModelImage(web, ubuntu(V1)); // no change

    port.updateUpgradePolicy(web, rolling(), null);

    assertThat(port.get(web).upgradePolicy()).isEqualTo(rolling());
  }

  /** A policy without a rolling policy leaves the scale set's rolling policy as it is (a PATCH keeps it). */
  @Test
  void updateUpgradePolicy_withoutRollingPolicy_keepsTheCurrentOne() {
    ScaleSetPort port = given();
    port.updateUpgradePolicy(web, rolling(), null);

    port.updateUpgradePolicy(web, rolling().withRolling(null).withMode(UpgradeMode.MANUAL), null);

    UpgradePolicy after = port.get(web).upgradePolicy();
    assertThat(after.mode()).isEqualTo(UpgradeMode.MANUAL);
    assertThat(after.rolling()).isEqualTo(rolling().rolling());
  }

  /**
   * A stale etag is refused with {@link ConflictException} (Azure: 412 {@code PreconditionFailed}) and nothing
   * changes.
   */
  @Test
  void updateUpgradePolicy_staleEtag_conflictAndNothingChanged() {
    ScaleSetPort port = given();
    String stale = port.get(web).etag();
    world.publish(ubuntu(V2));
    world.updateModelImage(web, ubuntu(V2)); // someone else changed the model
    ScaleSet before = port.get(web);

    assertThatThrownBy(() -> port.updateUpgradePolicy(web, rolling(), stale))
        .isInstanceOfSatisfying(ConflictException.class, e -> {
          assertThat(e.httpStatus()).isEqualTo(412);
          assertThat(e.code()).isEqualTo("PreconditionFailed");
        });
    assertThat(port.get(web)).isEqualTo(before);
  }

  // ---------------------------------------------------------------------------------------- upgradeInstances

  /** {@code upgradeInstances} brings exactly the named instances to the model, once the clock has run. */
  @Test
  void upgradeInstances_namedIds_upgradesExactlyThose() {
    ScaleSetPort port = given();
    world.publish(ubuntu(V2));
    port.updateModelImage(web, ubuntu(V2));

    port.upgradeInstances(web, ids(3, 1));
    settle(world);

    List<Instance> after = inCreationOrder(port.listInstances(web));
    assertThat(after).extracting(Instance::imageVersion).containsExactly(V1, V2, V1, V2, V1, V1);
    assertThat(after).extracting(Instance::latestModelApplied).containsExactly(false, true, false, true, false, false);
    assertThat(after).filteredOn(i -> ids(1, 3).contains(i.instanceId()))
        .extracting(Instance::health).containsOnly(HealthState.HEALTHY);
  }

  /**
   * Repeating {@code upgradeInstances} (while the first call is in progress, and after it finished) is harmless: each
   * named instance's disk is replaced once.
   */
  @Test
  void upgradeInstances_repeated_replacesEachDiskOnce() {
    ScaleSetPort port = given();
    world.publish(ubuntu(V2));
    port.updateModelImage(web, ubuntu(V2));

    port.upgradeInstances(web, ids(0, 2));
    port.upgradeInstances(web, ids(2, 0));
    settle(world);
    port.upgradeInstances(web, ids(0, 2));
    settle(world);

    assertThat(world.reimageCount(web, id(0))).isEqualTo(1);
    assertThat(world.reimageCount(web, id(2))).isEqualTo(1);
    assertThat(world.reimageCount(web, id(1))).isZero();
    assertThat(inCreationOrder(port.listInstances(web))).extracting(Instance::imageVersion)
        .containsExactly(V2, V1, V2, V1, V1, V1);
  }

  /**
   * On a Flexible scale set an upgrade that names a VM under a {@code ReadOnly} resource lock is refused as ARM
   * refuses it, 409 {@code ScopeLocked} ({@link ConflictException}), and nothing changes. (Uniform instances are not
   * locked one by one: the case is Flexible's.)
   */
  @Test
  void upgradeInstances_readOnlyLockedVm_scopeLockedAndNothingChanged() {
    org.junit.jupiter.api.Assumptions.assumeTrue(flexible(), "resource locks on single instances are Flexible's");
    ScaleSetPort port = given();
    world.publish(ubuntu(V2));
    port.updateModelImage(web, ubuntu(V2));
    ScaleSet before = port.get(web);

    assertThatThrownBy(() -> port.upgradeInstances(web, ids(0, 4))).isInstanceOfSatisfying(ConflictException.class,
        e -> {
          assertThat(e.httpStatus()).isEqualTo(409);
          assertThat(e.code()).isEqualTo("ScopeLocked");
        });
    settle(world);
    assertThat(port.get(web)).isEqualTo(before);
    assertThat(world.reimageCount(web, id(0))).isZero();
  }

  // ------------------------------------------------------------------------------------------------ rollback

  /**
   * {@code rollBackInstances} restores the named instances to the previous image and leaves the model where it is:
   * they then show {@code latestModelApplied=false}.
   */
  @Test
  void rollBackInstances_named_restoresPreviousImageAndKeepsModel() {
    ScaleSetPort port = given();
    world.publish(ubuntu(V2));
    port.updateModelImage(web, ubuntu(V2));
    port.upgradeInstances(web, ids(0, 1));
    settle(world);

    port.rollBackInstances(web, ids(0), ubuntu(V1));
    settle(world);

    ScaleSet after = port.get(web);
    assertThat(after.modelImage()).isEqualTo(ubuntu(V2));
    assertThat(inCreationOrder(after.instances())).extracting(Instance::imageVersion)
        .containsExactly(V1, V2, V1, V1, V1, V1);
    assertThat(inCreationOrder(after.instances())).extracting(Instance::latestModelApplied)
        .containsExactly(false, true, false, false, false, false);
    assertThat(after).isEqualTo(world.peek(web));
  }

  // ------------------------------------------------------------------------------------------- not found

  /**
   * Every method fails on an unknown scale set with {@link dev.osupgrade.port.ResourceNotFoundException}, HTTP 404
   * and code {@code ResourceNotFound}, as ARM does.
   */
  @Test
  void anyMethod_unknownScaleSet_resourceNotFound() {
    ScaleSetPort port = given();
    String any = id(0);

    assertNotFound(() -> port.get(MISSING));
    assertNotFound(() -> port.listInstances(MISSING));
    assertNotFound(() -> port.instance(MISSING, any));
    assertNotFound(() -> port.updateModelImage(MISSING, ubuntu(V1)));
    assertNotFound(() -> port.updateUpgradePolicy(MISSING, rolling(), null));
    assertNotFound(() -> port.upgradeInstances(MISSING, List.of(any)));
    assertNotFound(() -> port.rollBackInstances(MISSING, List.of(any), ubuntu(V1)));
  }
}
