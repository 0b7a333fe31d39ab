package dev.osupgrade.testkit.contract;

import static dev.osupgrade.testkit.contract.Worlds.V1;
import static dev.osupgrade.testkit.contract.Worlds.V2;
import static dev.osupgrade.testkit.contract.Worlds.ubuntu;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osupgrade.InvalidValueException;
import dev.osupgrade.Region;
import dev.osupgrade.fleet.OrchestrationMode;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.fleet.ScaleSetSummary;
import dev.osupgrade.fleet.Zone;
import dev.osupgrade.policy.AutomaticOsUpgradePolicy;
import dev.osupgrade.policy.UpgradePolicy;
import dev.osupgrade.port.DiscoveryScope;
import dev.osupgrade.port.ScaleSetInventory;
import dev.osupgrade.testkit.ScaleSetSpec;
import dev.osupgrade.testkit.SimulatedFleet;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link ScaleSetInventory} guarantees: a listing of a subscription or a resource group shows every scale
 * set in it, with its model (region, zones, orchestration, upgrade policy, model image, tags) and its capacity, over
 * every page. The world of most cases has seven scale sets in two resource groups of the placeholder subscription:
 * {@code rg-web/web-0} to {@code web-4} (West Europe, zonal over 1–3, three instances each on {@code V1}, tagged
 * {@code ring=canary} for {@code web-0} and {@code ring=broad} for the others), {@code rg-api/api} (North Europe,
 * regional, five instances, automatic OS upgrade on, model {@code latest}) and {@code rg-api/batch} (East US, two
 * instances on {@code V2}).
 *
 * <h2>What the contract leaves to the implementation</h2>
 * <ul>
 *   <li>The order of the listing: ARM does not document one (the simulator lists by resource group, then name). The
 *       cases compare the scale sets found, not their order.</li>
 *   <li>A resource group that does not exist: ARM answers 404 ({@link dev.osupgrade.port.ResourceNotFoundException});
 *       the simulator has no resource groups of its own and lists nothing. Not a case; an existing resource group
 *       without scale sets lists empty on both.</li>
 *   <li>How many scale sets a page holds: an adapter may read several pages; the cases only check that every scale
 *       set is listed once.</li>
 * </ul>
 */
public abstract class ScaleSetInventoryContract {

  /** Creates the contract. */
  protected ScaleSetInventoryContract() {}

  /**
   * Returns the inventory under test, answering from the world. Called once per case, after the case has built its
   * world.
   *
   * @param world the world the case built
   * @return the inventory
   */
  protected abstract ScaleSetInventory inventoryOver(SimulatedFleet world);

  /** @return a fresh, empty world; override to use another seed or profile */
  protected SimulatedFleet newWorld() {
    return SimulatedFleet.create(Worlds.SEED);
  }

  private SimulatedFleet world;

  /** Starts each case with a fresh, empty world. */
  @BeforeEach
  void createWorld() {
    world = newWorld();
  }

  private ScaleSetInventory given() {
    for (int k = 0; k < 5; k++) {
      world.add(ScaleSetSpec.named("web-" + k).resourceGroup("rg-web").region("westeurope").instances(3).zones(3)
          .image(ubuntu(V1)).tag("ring", k == 0 ? "canary" : "broad"));
    }
    world.add(ScaleSetSpec.named("api").resourceGroup("rg-api").region("northeurope").instances(5).image(ubuntu(V1))
        .automaticOsUpgrade(AutomaticOsUpgradePolicy.enabled()));
    world.publish(ubuntu(V2));
    world.add(ScaleSetSpec.named("batch").resourceGroup("rg-api").region("eastus").instances(2).image(ubuntu(V2)));
    return inventoryOver(world);
  }

  private static Map<ScaleSetId, ScaleSetSummary> byId(List<ScaleSetSummary> listed) {
    return listed.stream().collect(Collectors.toMap(ScaleSetSummary::id, Function.identity()));
  }

  /** A subscription's listing shows every scale set of it, once, whatever the paging. */
  @Test
  void listScaleSets_subscription_listsEveryScaleSetOnce() {
    ScaleSetInventory inventory = given();

    List<ScaleSetSummary> listed = inventory.listScaleSets(DiscoveryScope.subscription(ScaleSetId.LOCAL_SUBSCRIPTION));

    assertThat(listed).extracting(ScaleSetSummary::id).containsExactlyInAnyOrder(
        ScaleSetId.of("rg-web", "web-0"), ScaleSetId.of("rg-web", "web-1"), ScaleSetId.of("rg-web", "web-2"),
        ScaleSetId.of("rg-web", "web-3"), ScaleSetId.of("rg-web", "web-4"), ScaleSetId.of("rg-api", "api"),
        ScaleSetId.of("rg-api", "batch"));
  }

  /**
   * Each listed scale set carries its model as a read of it shows it: region, zones, orchestration, upgrade policy,
   * model image (pinned, or {@code latest} with automatic OS upgrade), tags, and its capacity.
   */
  @Test
  void listScaleSets_subscription_showsEachModel() {
    ScaleSetInventory inventory = given();

    Map<ScaleSetId, ScaleSetSummary> listed = byId(inventory.listScaleSets(
        DiscoveryScope.subscription(ScaleSetId.LOCAL_SUBSCRIPTION)));

    ScaleSetSummary web = listed.get(ScaleSetId.of("rg-web", "web-0"));
    assertThat(web.region()).isEqualTo(Region.of("westeurope"));
    assertThat(web.zones()).containsExactly(Zone.of("1"), Zone.of("2"), Zone.of("3"));
    assertThat(web.orchestrationMode()).isEqualTo(OrchestrationMode.UNIFORM);
    assertThat(web.upgradePolicy()).isEqualTo(UpgradePolicy.manual());
    assertThat(web.modelImage()).isEqualTo(ubuntu(V1));
    assertThat(web.capacity()).isEqualTo(3);
    assertThat(web.tag("ring")).hasValue("canary");
    assertThat(web.tag("environment")).hasValue("test");
    ScaleSetSummary api = listed.get(ScaleSetId.of("rg-api", "api"));
    assertThat(api.region()).isEqualTo(Region.of("northeurope"));
    assertThat(api.zones()).isEmpty();
    assertThat(api.modelImage().isLatest()).isTrue();
    assertThat(api.upgradePolicy().automaticOsUpgrade().enableAutomaticOSUpgrade()).isTrue();
    assertThat(api.capacity()).isEqualTo(5);
    assertThat(listed.get(ScaleSetId.of("rg-api", "batch")).modelImage()).isEqualTo(ubuntu(V2));
    for (ScaleSetSummary s : listed.values()) {
      assertThat(s).as("the listing agrees with the world's own model of %s", s.id())
          .isEqualTo(ScaleSetSummary.of(world.peek(s.id())));
    }
  }

  /** A resource group's listing shows its scale sets only. */
  @Test
  void listScaleSets_resourceGroup_listsOnlyThatGroup() {
    ScaleSetInventory inventory = given();

    List<ScaleSetSummary> listed = inventory.listScaleSets(DiscoveryScope.resourceGroup("rg-api"));

    assertThat(listed).extracting(ScaleSetSummary::id).containsExactlyInAnyOrder(ScaleSetId.of("rg-api", "api"),
        ScaleSetId.of("rg-api", "batch"));
  }

  /** A resource group without scale sets lists empty. */
  @Test
  void listScaleSets_resourceGroupWithoutScaleSets_listsNothing() {
    ScaleSetInventory inventory = given();

    assertThat(inventory.listScaleSets(DiscoveryScope.resourceGroup("rg-empty"))).isEmpty();
  }

  /** A scale set created after a listing is in the next one (discovery finds late joiners). */
  @Test
  void listScaleSets_scaleSetCreatedLater_inNextListing() {
    ScaleSetInventory inventory = given();
    DiscoveryScope scope = DiscoveryScope.resourceGroup("rg-web");
    assertThat(inventory.listScaleSets(scope)).hasSize(5);

    synchronized (world) {
      world.add(ScaleSetSpec.named("web-late").resourceGroup("rg-web").instances(2).image(ubuntu(V2)));
    }

    assertThat(byId(inventory.listScaleSets(scope))).hasSize(6)
        .containsKey(ScaleSetId.of("rg-web", "web-late"));
  }

  /** A scope that is null or names no valid subscription is refused before anything is read. */
  @Test
  void listScaleSets_badScope_refused() {
    ScaleSetInventory inventory = given();

    assertThatThrownBy(() -> inventory.listScaleSets(null)).isInstanceOf(InvalidValueException.class);
    assertThatThrownBy(() -> DiscoveryScope.resourceGroup("bad/group")).isInstanceOf(InvalidValueException.class);
  }
}
