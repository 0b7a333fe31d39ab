package dev.osupgrade.azure.emulator;

/**
 * An ARM operation, as {@link ArmFaults} classifies a request: what a fault rule matches. The rollback sequence of
 * {@code AzureFleet#rollBackInstances} is told apart from the forward change by what it does to the model: a
 * conditional ({@code If-Match}) PATCH that moves the model to an older version than it has opens a rollback; the
 * {@code manualupgrade} requests while it is open are the rollback's; the PATCH that moves the model forward again
 * closes it.
 */
public enum ArmOp {
  /** {@code GET} the scale set (the SDK also sends one at the end of each PATCH it polled). */
  GET_SCALE_SET("getVmss"),
  /** {@code GET virtualMachineScaleSets} of a subscription or resource group (discovery), any page. */
  LIST_SCALE_SETS("listVmss"),
  /**
   * {@code GET virtualMachines}, first page: the scale-set VM list (Uniform), or the VM list of the resource group
   * filtered on the scale set (Flexible).
   */
  LIST_VMS("listVms"),
  /** {@code GET virtualMachines}, a page after the first ({@code $skiptoken}). */
  LIST_VMS_NEXT("listVms+"),
  /**
   * {@code GET virtualMachines/{instanceId}}: one instance (a rollout's look at an instance its listing lacked); for a
   * Flexible scale set the VM API's {@code GET …/virtualMachines/{name}}.
   */
  GET_VM("getVm"),
  /** {@code GET …/providers/Microsoft.Authorization/locks} of a resource group (a Flexible scale set's protection). */
  GET_LOCKS("locks"),
  /** {@code PATCH} of the model image outside a rollback (the rollout's model change, or a revert). */
  PATCH_MODEL_IMAGE("patchImg"),
  /** {@code PATCH} of the model to an older image with {@code If-Match}: the rollback's first PATCH. */
  PATCH_ROLLBACK_MODEL("rbPatch"),
  /** {@code PATCH} of the model forward again while a rollback is open: the rollback's last PATCH. */
  PATCH_RESTORE_MODEL("rbRestore"),
  /** {@code PATCH} of the upgrade policy. */
  PATCH_UPGRADE_POLICY("patchPol"),
  /** {@code PATCH} of {@code sku.capacity} (max surge's scale-out). */
  PATCH_CAPACITY("patchCap"),
  /** {@code POST manualupgrade} outside a rollback. */
  POST_MANUAL_UPGRADE("upgrade"),
  /** {@code POST manualupgrade} while a rollback is open. */
  POST_ROLLBACK_UPGRADE("rbUpgrade"),
  /** {@code GET} of a long-running operation ({@code Azure-AsyncOperation} or {@code Location}). */
  POLL_OPERATION("poll"),
  /** {@code GET rollingUpgrades/latest}. */
  GET_ROLLING_UPGRADE_LATEST("latest"),
  /** {@code GET osUpgradeHistory}. */
  GET_OS_UPGRADE_HISTORY("history"),
  /** {@code POST osRollingUpgrade}. */
  POST_OS_ROLLING_UPGRADE("osUpgrade"),
  /** {@code POST rollingUpgrades/cancel}. */
  POST_CANCEL("cancel"),
  /** {@code POST approveRollingUpgrade}. */
  POST_APPROVE("approve"),
  /** {@code GET} the marketplace versions of an image in a region. */
  GET_MARKETPLACE_VERSIONS("mktVers"),
  /** {@code GET} the versions of a gallery image (the list). */
  GET_GALLERY_VERSIONS("galVers"),
  /** {@code GET} one gallery image version. */
  GET_GALLERY_VERSION("galVer"),
  /** {@code POST delete} of instances. */
  POST_DELETE("delete"),
  /** {@code GET} compute usages of a region. */
  GET_USAGES("usages"),
  /** {@code GET} resource SKUs. */
  GET_SKUS("skus"),
  /** Anything else. */
  OTHER("other");

  private final String label;

  ArmOp(String label) {
    this.label = label;
  }

  /** @return a short label, for a matrix column */
  public String label() {
    return label;
  }

  /** @return true for an operation that asks ARM to change something */
  public boolean isMutating() {
    return switch (this) {
      case PATCH_MODEL_IMAGE, PATCH_ROLLBACK_MODEL, PATCH_RESTORE_MODEL, PATCH_UPGRADE_POLICY, PATCH_CAPACITY,
          POST_MANUAL_UPGRADE, POST_ROLLBACK_UPGRADE, POST_OS_ROLLING_UPGRADE, POST_CANCEL, POST_APPROVE,
          POST_DELETE -> true;
      default -> false;
    };
  }

  /**
   * @return true for a listing: answered as a page ({@code {"value": [...], "nextLink": ...}}), or as a bare array
   *     (the marketplace versions)
   */
  public boolean isListing() {
    return switch (this) {
      case LIST_SCALE_SETS, LIST_VMS, LIST_VMS_NEXT, GET_OS_UPGRADE_HISTORY, GET_GALLERY_VERSIONS, GET_USAGES,
          GET_SKUS, GET_MARKETPLACE_VERSIONS, GET_LOCKS -> true;
      default -> false;
    };
  }
}
