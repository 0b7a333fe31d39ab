package dev.osupgrade.testkit;

import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.ScaleSet;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.policy.UpgradePolicy;
import dev.osupgrade.port.ScaleSetPort;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * A {@link ScaleSetPort} over a simulated fleet whose calls a test can replace one by one: to fail them, to apply them
 * and then lose the answer, or to change the fleet behind the rollout's back. Every call is counted before its hook
 * runs; the hooks default to the fleet's own methods.
 */
final class HookedPort implements ScaleSetPort {
  /** A read of the scale set. */
  interface Get {
    ScaleSet get(ScaleSetId id);
  }

  /** A listing of the instances. */
  interface ListInstances {
    List<Instance> list(ScaleSetId id);
  }

  /** A read of one instance. */
  interface ReadInstance {
    Optional<Instance> read(ScaleSetId id, String instanceId);
  }

  /** A change of the model's image. */
  interface UpdateModel {
    void update(ScaleSetId id, ImageReference image);
  }

  /** An upgrade of instances. */
  interface Upgrade {
    void upgrade(ScaleSetId id, List<String> instanceIds);
  }

  /** A rollback of instances. */
  interface RollBack {
    void rollBack(ScaleSetId id, List<String> instanceIds, ImageReference image);
  }

  final SimulatedFleet fleet;
  Get get;
  ListInstances listInstances;
  ReadInstance instance;
  UpdateModel updateModelImage;
  Upgrade upgradeInstances;
  RollBack rollBackInstances;
  private final Map<String, Integer> calls = new TreeMap<>();

  HookedPort(SimulatedFleet fleet) {
    this.fleet = fleet;
    this.get = fleet::get;
    this.listInstances = fleet::listInstances;
    this.instance = fleet::instance;
    this.updateModelImage = fleet::updateModelImage;
    this.upgradeInstances = fleet::upgradeInstances;
    this.rollBackInstances = fleet::rollBackInstances;
  }

  /** @return how many times the rollout called a method of this port (hooks included, whatever they did) */
  int calls(String method) {
    return calls.getOrDefault(method, 0);
  }

  private void count(String method) {
    calls.merge(method, 1, Integer::sum);
  }

  @Override
  public ScaleSet get(ScaleSetId id) {
    count("get");
    return get.get(id);
  }

  @Override
  public List<Instance> listInstances(ScaleSetId id) {
    count("listInstances");
    return listInstances.list(id);
  }

  @Override
  public Optional<Instance> instance(ScaleSetId id, String instanceId) {
    count("instance");
    return instance.read(id, instanceId);
  }

  @Override
  public void updateModelImage(ScaleSetId id, ImageReference image) {
    count("updateModelImage");
    updateModelImage.update(id, image);
  }

  @Override
  public void updateUpgradePolicy(ScaleSetId id, UpgradePolicy policy, @Nullable String ifMatchEtag) {
    count("updateUpgradePolicy");
    fleet.updateUpgradePolicy(id, policy, ifMatchEtag);
  }

  @Override
  public void upgradeInstances(ScaleSetId id, List<String> instanceIds) {
    count("upgradeInstances");
    upgradeInstances.upgrade(id, instanceIds);
  }

  @Override
  public void rollBackInstances(ScaleSetId id, List<String> instanceIds, ImageReference previousImage) {
    count("rollBackInstances");
    rollBackInstances.rollBack(id, instanceIds, previousImage);
  }
}
