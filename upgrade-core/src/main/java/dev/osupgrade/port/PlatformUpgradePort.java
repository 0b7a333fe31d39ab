package dev.osupgrade.port;

import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.ops.RollingUpgradeStatus;
import dev.osupgrade.ops.UpgradeHistoryEntry;
import java.util.List;
import java.util.Optional;

/**
 * The platform's own OS upgrade of a scale set: start it by hand, cancel it, watch it, read its history, and approve
 * instances that defer their upgrade ({@code osRollingUpgradeDeferral}).
 */
public interface PlatformUpgradePort {

  /**
   * Starts an OS rolling upgrade to the latest available image (ARM: POST {@code osRollingUpgrade}). Manually started
   * upgrades have no automatic rollback, as on Azure.
   *
   * @param id the scale set
   */
  void startOsUpgrade(ScaleSetId id);

  /**
   * Cancels the rolling upgrade in progress (ARM: POST {@code rollingUpgrades/cancel}). With nothing in progress this
   * is a no-op, not an error.
   *
   * @param id the scale set
   */
  void cancelRollingUpgrade(ScaleSetId id);

  /**
   * Reads the latest rolling upgrade (ARM: GET {@code rollingUpgrades/latest}).
   *
   * @param id the scale set
   * @return the latest rolling upgrade, or empty if the scale set never had one
   */
  Optional<RollingUpgradeStatus> latestRollingUpgrade(ScaleSetId id);

  /**
   * Reads the OS upgrade history (ARM: GET {@code osUpgradeHistory}, every page).
   *
   * @param id the scale set
   * @return the entries, newest first
   */
  List<UpgradeHistoryEntry> osUpgradeHistory(ScaleSetId id);

  /**
   * Approves deferred OS upgrades of the named instances (ARM: POST {@code approveRollingUpgrade}). An empty list
   * approves nothing: ARM would approve every instance when the ids are omitted, and the port never does that by
   * accident.
   *
   * @param id the scale set
   * @param instanceIds the instances
   */
  void approveRollingUpgrade(ScaleSetId id, List<String> instanceIds);
}
