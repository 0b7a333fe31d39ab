package dev.osupgrade.port;

import dev.osupgrade.Require;
import dev.osupgrade.fleet.ScaleSetId;
import java.util.Locale;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Where to look for scale sets: a whole subscription, or one resource group of it.
 *
 * @param subscriptionId the subscription (ARM's limits, as in {@link ScaleSetId})
 * @param resourceGroup the resource group, or null for the whole subscription; compared without case, as ARM does
 */
public record DiscoveryScope(String subscriptionId, @Nullable String resourceGroup) {

  /** Validates the parts as {@link ScaleSetId} does, and normalizes the resource group's case. */
  public DiscoveryScope {
    // the same rules as a scale set id's parts: one source of truth
    new ScaleSetId(subscriptionId, resourceGroup == null ? "rg" : resourceGroup, "probe");
    resourceGroup = resourceGroup == null ? null : resourceGroup.toLowerCase(Locale.ROOT);
  }

  /**
   * Every scale set of a subscription.
   *
   * @param subscriptionId the subscription
   * @return the scope
   */
  public static DiscoveryScope subscription(String subscriptionId) {
    return new DiscoveryScope(subscriptionId, null);
  }

  /**
   * Every scale set of one resource group.
   *
   * @param subscriptionId the subscription
   * @param resourceGroup the resource group
   * @return the scope
   */
  public static DiscoveryScope resourceGroup(String subscriptionId, String resourceGroup) {
    return new DiscoveryScope(subscriptionId, Require.nonNull(resourceGroup, "resourceGroup"));
  }

  /**
   * Every scale set of one resource group of the placeholder subscription the simulator uses, handy in tests and
   * JShell.
   *
   * @param resourceGroup the resource group
   * @return the scope
   */
  public static DiscoveryScope resourceGroup(String resourceGroup) {
    return resourceGroup(ScaleSetId.LOCAL_SUBSCRIPTION, resourceGroup);
  }

  /** @return the resource group, if the scope is one */
  public Optional<String> resourceGroupIfAny() {
    return Optional.ofNullable(resourceGroup);
  }

  /**
   * Says whether a scale set is inside the scope.
   *
   * @param id the scale set
   * @return true when it is in the subscription (and the resource group, if any)
   */
  public boolean contains(ScaleSetId id) {
    Require.nonNull(id, "id");
    return id.subscriptionId().equalsIgnoreCase(subscriptionId)
        && (resourceGroup == null || resourceGroup.equals(id.resourceGroup()));
  }

  @Override
  public String toString() {
    return resourceGroup == null ? "subscription " + subscriptionId
        : "resource group " + resourceGroup + " of subscription " + subscriptionId;
  }
}
