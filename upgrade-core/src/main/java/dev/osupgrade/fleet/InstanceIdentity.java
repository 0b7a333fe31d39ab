package dev.osupgrade.fleet;

import dev.osupgrade.Require;

/**
 * Who an instance is, in the terms of each orchestration mode: the id that names it in its scale set's calls, the
 * VM's name, and the VM's Azure resource id.
 *
 * <table>
 *   <caption>Identity by orchestration mode</caption>
 *   <tr><th></th><th>Uniform</th><th>Flexible</th></tr>
 *   <tr><td>{@link #instanceId()}</td><td>decimal instance id, {@code "17"}</td><td>the VM's name</td></tr>
 *   <tr><td>{@link #name()}</td><td>{@code {scaleSet}_{instanceId}}</td><td>the VM's name, e.g.
 *       {@code web_3f2a9c1d} for an instance the scale set created</td></tr>
 *   <tr><td>{@link #resourceId()}</td><td>{@code …/virtualMachineScaleSets/{scaleSet}/virtualMachines/{instanceId}}
 *       </td><td>{@code …/virtualMachines/{name}}, a VM of its own</td></tr>
 * </table>
 *
 * <p>A Flexible instance lives in its scale set's resource group: Azure requires it ("The VM must be in the same
 * resource group as the scale set", learn.microsoft.com, "Attach or detach a Virtual Machine to or from a Virtual
 * Machine Scale Set"), so its resource id follows from the scale set and its name.
 *
 * @param scaleSet the scale set
 * @param mode its orchestration mode
 * @param instanceId the instance id (Uniform) or VM name (Flexible), one path segment ({@link InstanceIds#require})
 */
public record InstanceIdentity(ScaleSetId scaleSet, OrchestrationMode mode, String instanceId) {

  /** Validates the fields. */
  public InstanceIdentity {
    Require.nonNull(scaleSet, "scaleSet");
    Require.nonNull(mode, "mode");
    InstanceIds.require("instanceId", instanceId);
  }

  /**
   * The identity of one of a scale set's instances.
   *
   * @param scaleSet the scale set (its id and orchestration mode)
   * @param instanceId the instance's id
   * @return the identity
   */
  public static InstanceIdentity of(ScaleSet scaleSet, String instanceId) {
    Require.nonNull(scaleSet, "scaleSet");
    return new InstanceIdentity(scaleSet.id(), scaleSet.orchestrationMode(), instanceId);
  }

  /** @return the VM's name: {@code {scaleSet}_{instanceId}} (Uniform), the instance id itself (Flexible) */
  public String name() {
    return mode == OrchestrationMode.FLEXIBLE ? instanceId : scaleSet.name() + "_" + instanceId;
  }

  /** @return the VM's Azure resource id */
  public String resourceId() {
    if (mode == OrchestrationMode.FLEXIBLE) {
      return "/subscriptions/" + scaleSet.subscriptionId() + "/resourceGroups/" + scaleSet.resourceGroup()
          + "/providers/Microsoft.Compute/virtualMachines/" + instanceId;
    }
    return scaleSet.armId() + "/virtualMachines/" + instanceId;
  }

  @Override
  public String toString() {
    return resourceId();
  }
}
