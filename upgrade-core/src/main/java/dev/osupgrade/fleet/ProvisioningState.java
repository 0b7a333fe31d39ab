package dev.osupgrade.fleet;

/** The provisioning state ARM reports for an instance. */
public enum ProvisioningState {
  /** Being created. */
  CREATING,
  /** Being updated (an upgrade or reimage in progress). */
  UPDATING,
  /** The last operation succeeded. */
  SUCCEEDED,
  /** The last operation failed. */
  FAILED,
  /** Being deleted. */
  DELETING
}
