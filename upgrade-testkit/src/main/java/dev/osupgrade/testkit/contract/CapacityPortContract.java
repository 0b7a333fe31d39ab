package dev.osupgrade.testkit.contract;

import static dev.osupgrade.testkit.contract.Worlds.MISSING;
import static dev.osupgrade.testkit.contract.Worlds.V1;
import static dev.osupgrade.testkit.contract.Worlds.V2;
import static dev.osupgrade.testkit.contract.Worlds.assertNotFound;
import static dev.osupgrade.testkit.contract.Worlds.settle;
import static dev.osupgrade.testkit.contract.Worlds.ubuntu;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osupgrade.fleet.HealthState;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.InstanceIds;
import dev.osupgrade.fleet.OrchestrationMode;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.port.CapacityPort;
import dev.osupgrade.port.CloudException;
import dev.osupgrade.port.ConflictException;
import dev.osupgrade.testkit.ScaleSetSpec;
import dev.osupgrade.testkit.SimulatedFleet;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link CapacityPort} guarantees. The world is one scale set {@code rg/web}: five regional instances
 * (0–4, in order of creation) on {@code V1}, upgrade mode Manual, the model moved to {@code V2}; its quota is the
 * simulator's default (1000 instances) unless a case scripts another. It is of the {@link #orchestration()} mode a
 * subclass chooses: Uniform instances are {@code "0"}–{@code "4"}, Flexible ones VMs named by the simulator.
 *
 * <h2>What the contract leaves to the implementation</h2>
 * <ul>
 *   <li>When {@code scaleOut} returns: at once with the new instances being created (simulator), or once ARM reports
 *       them created (Azure adapter). The cases check them after the clock has run.</li>
 *   <li>The HTTP status of a failure that comes after the request was accepted (an allocation failure): none in the
 *       simulator, ARM's long-running operation's in the adapter. The code is the same.</li>
 *   <li>Where the headroom comes from: a per-scale-set quota in the simulator; the region's vCPU quotas and the scale
 *       set's limit in the adapter. The number is the same for the worlds of these cases.</li>
 * </ul>
 */
public abstract class CapacityPortContract {
  private static final ScaleSetId WEB = ScaleSetId.of("rg", "web");

  /** Creates the contract. */
  protected CapacityPortContract() {}

  /**
   * Returns the port under test, answering from the world. Called once per case, after the case has built its world.
   *
   * @param world the world the case built
   * @return the port
   */
  protected abstract CapacityPort portOver(SimulatedFleet world);

  /** @return a fresh, empty world; override to use another seed or profile */
  protected SimulatedFleet newWorld() {
    return SimulatedFleet.create(Worlds.SEED);
  }

  /** @return the orchestration mode of the world's scale set; override to run the cases for Flexible */
  protected OrchestrationMode orchestration() {
    return OrchestrationMode.UNIFORM;
  }

  private SimulatedFleet world;

  /** Starts each case with a fresh world holding {@code rg/web}. */
  @BeforeEach
  void createWorld() {
    world = newWorld();
    world.add(ScaleSetSpec.named("web").orchestration(orchestration()).instances(5).image(ubuntu(V1)));
    world.publish(ubuntu(V2));
    world.updateModelImage(WEB, ubuntu(V2));
  }

  private List<String> ids() {
    return world.peek(WEB).instances().stream().map(Instance::instanceId).toList();
  }

  /** The k-th instance the scale set ever had (0-4 from the start, then those scaled out). */
  private String id(int k) {
    return world.createdInstanceIds(WEB).get(k);
  }

  private List<String> ids(int... ks) {
    return InstanceIds.sorted(java.util.Arrays.stream(ks).mapToObj(this::id).toList());
  }

  // ---------------------------------------------------------------------------------------------- headroom

  /** The headroom is what the quota leaves: 1000 less the five instances. */
  @Test
  void headroom_defaultQuota_quotaLessInstances() {
    CapacityPort port = portOver(world);

    assertThat(port.headroom(WEB)).isEqualTo(995);
  }

  /** A tighter quota gives a smaller headroom, never below zero. */
  @Test
  void headroom_tightQuota_whatIsLeft() {
    world.faults().quota(WEB, 8);
    CapacityPort port = portOver(world);

    assertThat(port.headroom(WEB)).isEqualTo(3);
    world.faults().quota(WEB, 5);
    assertThat(port.headroom(WEB)).isZero();
  }

  // ---------------------------------------------------------------------------------------------- scaleOut

  /**
   * {@code scaleOut} creates that many instances with new ids (after the highest ever used, never reused), on the
   * model's image; once the clock has run they are running, healthy and on the latest model.
   */
  @Test
  void scaleOut_two_newInstancesOnTheModelImage() {
    CapacityPort port = portOver(world);

    List<String> created = port.scaleOut(WEB, 2);
    settle(world);

    assertThat(created).containsExactlyInAnyOrderElementsOf(ids(5, 6))
        .doesNotContainAnyElementsOf(ids(0, 1, 2, 3, 4));
    if (orchestration() == OrchestrationMode.UNIFORM) {
      assertThat(created).containsExactly("5", "6");
    } else {
      assertThat(created).allSatisfy(name -> assertThat(name).startsWith("web_"));
    }
    assertThat(ids()).containsExactlyElementsOf(ids(0, 1, 2, 3, 4, 5, 6));
    assertThat(world.peek(WEB).instances()).filteredOn(i -> created.contains(i.instanceId())).allSatisfy(i -> {
      assertThat(i.imageVersion()).isEqualTo(V2);
      assertThat(i.latestModelApplied()).isTrue();
      assertThat(i.health()).isEqualTo(HealthState.HEALTHY);
    });
    assertThat(port.headroom(WEB)).isEqualTo(993);
  }

  /** Beyond the headroom {@code scaleOut} is refused ({@link ConflictException}, {@code QuotaExceeded}); nothing is created. */
  @Test
  void scaleOut_beyondHeadroom_refusedAndNothingCreated() {
    world.faults().quota(WEB, 6);
    CapacityPort port = portOver(world);

    assertThatThrownBy(() -> port.scaleOut(WEB, 2)).isInstanceOfSatisfying(ConflictException.class,
        e -> assertThat(e.code()).isEqualTo("QuotaExceeded"));
    settle(world);
    assertThat(ids()).hasSize(5);
  }

  /** An allocation failure fails {@code scaleOut} with code {@code AllocationFailed}; nothing is created. */
  @Test
  void scaleOut_allocationFailure_failsWithCodeAndNothingCreated() {
    world.faults().scaleOutAllocationFailure(WEB, 1);
    CapacityPort port = portOver(world);

    assertThatThrownBy(() -> port.scaleOut(WEB, 2)).isInstanceOfSatisfying(CloudException.class,
        e -> assertThat(e.code()).isEqualTo("AllocationFailed"));
    settle(world);
    assertThat(ids()).hasSize(5);
  }

  /** A count below one is refused before anything is sent. */
  @Test
  void scaleOut_zero_rejected() {
    CapacityPort port = portOver(world);

    assertThatThrownBy(() -> port.scaleOut(WEB, 0)).isInstanceOf(IllegalArgumentException.class);
    assertThat(ids()).hasSize(5);
  }

  // ---------------------------------------------------------------------------------------- deleteInstances

  /** {@code deleteInstances} removes exactly the named instances. */
  @Test
  void deleteInstances_named_removesThose() {
    CapacityPort port = portOver(world);

    port.deleteInstances(WEB, List.of(id(3), id(1)));
    settle(world);

    assertThat(ids()).containsExactlyElementsOf(ids(0, 2, 4));
  }

  /** Deleting instances that are already gone (or never were) is not an error. */
  @Test
  void deleteInstances_alreadyGone_noError() {
    CapacityPort port = portOver(world);
    port.deleteInstances(WEB, List.of(id(1)));

    port.deleteInstances(WEB, List.of(id(1)));
    port.deleteInstances(WEB, List.of(id(1), orchestration() == OrchestrationMode.UNIFORM ? "99" : "web_00000000",
        id(2)));
    settle(world);

    assertThat(ids()).containsExactlyElementsOf(ids(0, 3, 4));
  }

  // ---------------------------------------------------------------------------------------------- not found

  /** Every method fails on an unknown scale set with a 404 {@code ResourceNotFound}. */
  @Test
  void anyMethod_unknownScaleSet_resourceNotFound() {
    CapacityPort port = portOver(world);

    assertNotFound(() -> port.headroom(MISSING));
    assertNotFound(() -> port.scaleOut(MISSING, 1));
    assertNotFound(() -> port.deleteInstances(MISSING, List.of(id(0))));
  }
}
