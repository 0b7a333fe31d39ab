package dev.osupgrade.estate;

import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.ScaleSet;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.ops.RollingUpgradeStatus;
import dev.osupgrade.ops.UpgradeHistoryEntry;
import dev.osupgrade.policy.UpgradePolicy;
import dev.osupgrade.port.Fencing;
import dev.osupgrade.port.PlatformUpgradePort;
import dev.osupgrade.port.ScaleSetPort;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The ports a governed-platform lane changes scale sets through: every mutating call that no rollout's own lease
 * fences already (enabling automatic OS upgrade, cancel, approvals) runs under the governor's lease, so a replica that
 * lost the governor's lease sends nothing. Reads pass through.
 */
final class FencedPorts implements ScaleSetPort, PlatformUpgradePort {
  private final ScaleSetPort fleet;
  private final PlatformUpgradePort platform;
  private final Fencing.Fence fence;

  FencedPorts(ScaleSetPort fleet, PlatformUpgradePort platform, Fencing.Fence fence) {
    this.fleet = fleet;
    this.platform = platform;
    this.fence = fence;
  }

  private void fenced(Runnable call) {
    if (Fencing.isFenced()) {
      call.run(); // a rollout's own lease fences it
    } else {
      Fencing.run(fence, call);
    }
  }

  @Override
  public ScaleSet get(ScaleSetId id) {
    return fleet.get(id);
  }

  @Override
  public ScaleSet model(ScaleSetId id) {
    return fleet.model(id);
  }

  @Override
  public List<Instance> listInstances(ScaleSetId id) {
    return fleet.listInstances(id);
  }

  @Override
  public Optional<Instance> instance(ScaleSetId id, String instanceId) {
    return fleet.instance(id, instanceId);
  }

  @Override
  public void updateModelImage(ScaleSetId id, ImageReference image) {
    fenced(() -> fleet.updateModelImage(id, image));
  }

  @Override
  public void updateUpgradePolicy(ScaleSetId id, UpgradePolicy policy, @Nullable String ifMatchEtag) {
    fenced(() -> fleet.updateUpgradePolicy(id, policy, ifMatchEtag));
  }

  @Override
  public void upgradeInstances(ScaleSetId id, List<String> instanceIds) {
    fenced(() -> fleet.upgradeInstances(id, instanceIds));
  }

  @Override
  public void rollBackInstances(ScaleSetId id, List<String> instanceIds, ImageReference previousImage) {
    fenced(() -> fleet.rollBackInstances(id, instanceIds, previousImage));
  }

  @Override
  public void startOsUpgrade(ScaleSetId id) {
    fenced(() -> platform.startOsUpgrade(id));
  }

  @Override
  public void cancelRollingUpgrade(ScaleSetId id) {
    fenced(() -> platform.cancelRollingUpgrade(id));
  }

  @Override
  public Optional<RollingUpgradeStatus> latestRollingUpgrade(ScaleSetId id) {
    return platform.latestRollingUpgrade(id);
  }

  @Override
  public List<UpgradeHistoryEntry> osUpgradeHistory(ScaleSetId id) {
    return platform.osUpgradeHistory(id);
  }

  @Override
  public void approveRollingUpgrade(ScaleSetId id, List<String> instanceIds) {
    fenced(() -> platform.approveRollingUpgrade(id, instanceIds));
  }
}
