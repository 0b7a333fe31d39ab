package dev.osupgrade.testkit;

import dev.osupgrade.InvalidValueException;
import dev.osupgrade.Require;
import java.util.Arrays;

/**
 * The simulated fleet's port operations, as a type: what {@link Faults} scripts faults on, what
 * {@link SimulatedFleet#calls(PortOperation)} counts and what a {@link PortCall} records. Each carries the port
 * method's name ({@link #methodName()}), which the string forms of those methods take.
 */
public enum PortOperation {
  /** {@code ScaleSetPort.get}: the scale set, model and instances together. */
  GET("get"),
  /** {@code ScaleSetPort.model}: the scale set's model, without its instances. */
  MODEL("model"),
  /** {@code ScaleSetPort.listInstances}. */
  LIST_INSTANCES("listInstances"),
  /** {@code ScaleSetPort.instance}: one instance, read on its own. */
  INSTANCE("instance"),
  /** {@code ScaleSetPort.updateModelImage}. */
  UPDATE_MODEL_IMAGE("updateModelImage"),
  /** {@code ScaleSetPort.updateUpgradePolicy}. */
  UPDATE_UPGRADE_POLICY("updateUpgradePolicy"),
  /** {@code ScaleSetPort.upgradeInstances} (Azure's {@code manualupgrade}). */
  UPGRADE_INSTANCES("upgradeInstances"),
  /** {@code ScaleSetPort.rollBackInstances}. */
  ROLL_BACK_INSTANCES("rollBackInstances"),
  /** {@code ImageCatalog.listReleases}. */
  LIST_RELEASES("listReleases"),
  /** {@code PlatformUpgradePort.startOsUpgrade}. */
  START_OS_UPGRADE("startOsUpgrade"),
  /** {@code PlatformUpgradePort.cancelRollingUpgrade}. */
  CANCEL_ROLLING_UPGRADE("cancelRollingUpgrade"),
  /** {@code PlatformUpgradePort.latestRollingUpgrade}. */
  LATEST_ROLLING_UPGRADE("latestRollingUpgrade"),
  /** {@code PlatformUpgradePort.osUpgradeHistory}. */
  OS_UPGRADE_HISTORY("osUpgradeHistory"),
  /** {@code PlatformUpgradePort.approveRollingUpgrade}. */
  APPROVE_ROLLING_UPGRADE("approveRollingUpgrade"),
  /** {@code CapacityPort.headroom}. */
  HEADROOM("headroom"),
  /** {@code CapacityPort.scaleOut}. */
  SCALE_OUT("scaleOut"),
  /** {@code CapacityPort.deleteInstances}. */
  DELETE_INSTANCES("deleteInstances"),
  /** {@code ScaleSetInventory.listScaleSets}: discovery of the scale sets of a subscription or resource group. */
  LIST_SCALE_SETS("listScaleSets");

  private final String methodName;

  PortOperation(String methodName) {
    this.methodName = methodName;
  }

  /** @return the port method's name, e.g. {@code "listInstances"} */
  public String methodName() {
    return methodName;
  }

  /**
   * Finds the operation of a port method's name.
   *
   * @param methodName e.g. {@code "upgradeInstances"}
   * @return the operation
   * @throws InvalidValueException for a name that is no port operation
   */
  public static PortOperation of(String methodName) {
    Require.nonNull(methodName, "methodName");
    return Arrays.stream(values()).filter(o -> o.methodName.equals(methodName)).findFirst()
        .orElseThrow(() -> new InvalidValueException("methodName", "a port method's name, one of "
            + Arrays.stream(values()).map(PortOperation::methodName).toList(), methodName));
  }

  @Override
  public String toString() {
    return methodName;
  }
}
