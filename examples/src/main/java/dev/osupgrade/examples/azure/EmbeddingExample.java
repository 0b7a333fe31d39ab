package dev.osupgrade.examples.azure;

import com.azure.core.credential.TokenCredential;
import com.azure.core.management.AzureEnvironment;
import com.azure.identity.DefaultAzureCredentialBuilder;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobContainerClientBuilder;
import dev.osupgrade.Durations;
import dev.osupgrade.azure.AzureFleet;
import dev.osupgrade.azure.BlobRolloutStore;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.ScaleSet;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.image.ImageRelease;
import dev.osupgrade.ops.UpgradeHistoryEntry;
import dev.osupgrade.port.CloudException;
import dev.osupgrade.port.RolloutStore;
import dev.osupgrade.port.ThrottledException;
import java.time.Duration;
import java.util.List;

/**
 * How a platform service wires the Azure adapter. The service owns the credential; the adapter builds its ARM client
 * from it and a subscription.
 *
 * <ol>
 *   <li>{@code DefaultAzureCredential} (from {@code com.azure:azure-identity}) finds a credential the usual way:
 *       environment variables ({@code AZURE_CLIENT_ID}, {@code AZURE_TENANT_ID}, {@code AZURE_CLIENT_SECRET} or a
 *       federated token), workload or managed identity, then developer logins (Azure CLI, …).</li>
 *   <li>{@code AzureFleet.builder().credential(...).subscriptionId(...)} names the default subscription; the cloud is
 *       {@link AzureEnvironment#AZURE} unless {@code environment(...)} names a sovereign one. Scale sets in other
 *       subscriptions can still be named: the adapter reuses the same pipeline for them. The HTTP client is Azure's
 *       Netty client, a dependency of upgrade-azure; the SDK's retry policy is dropped from the pipeline, so the SDK's
 *       and the adapter's retries never multiply.</li>
 *   <li>{@link AzureFleet} is then the {@code ScaleSetPort}, {@code PlatformUpgradePort}, {@code ImageCatalog} and
 *       {@code CapacityPort} the engine is given.</li>
 * </ol>
 *
 * <p>Compiled with the build, not run by it: running it needs an Azure subscription. Usage:
 * {@code EmbeddingExample <subscriptionId> <resourceGroup> <scaleSetName>}, with {@code AZURE_TENANT_ID} set.
 */
public final class EmbeddingExample {
  private EmbeddingExample() {}

  /**
   * Builds the adapter the way a platform service would.
   *
   * @param tenantId the Entra ID tenant, or blank for the credential's own choice
   * @param subscriptionId the default subscription
   * @return the adapter
   */
  public static AzureFleet connect(String tenantId, String subscriptionId) {
    DefaultAzureCredentialBuilder identity = new DefaultAzureCredentialBuilder()
        .authorityHost(AzureEnvironment.AZURE.getActiveDirectoryEndpoint());
    if (!tenantId.isBlank()) {
      identity.tenantId(tenantId);
    }
    TokenCredential credential = identity.build();
    return AzureFleet.builder()
        .credential(credential)
        .subscriptionId(subscriptionId)
        .retry(AzureFleet.RetrySettings.ofDefaults().withMaxRetryAfter(Duration.ofSeconds(30)))
        .marketplaceRegion("westeurope")
        .build();
  }

  /**
   * The store replicas on several machines share: one blob per scale set in an existing container (the README's
   * wiring for {@code BlobRolloutStore}).
   *
   * @param accountUrl the storage account's blob endpoint, e.g. {@code https://myaccount.blob.core.windows.net}
   * @param containerName an existing container
   * @return the store to pass to {@code Rollout.builder(...).store(...)}, with the replica's name as owner
   */
  public static RolloutStore sharedStore(String accountUrl, String containerName) {
    BlobContainerClient container = new BlobContainerClientBuilder()
        .endpoint(accountUrl).containerName(containerName)
        .credential(new DefaultAzureCredentialBuilder().build()).buildClient();
    return BlobRolloutStore.of(container);
  }

  /**
   * Reads one scale set and prints what the engine would see.
   *
   * @param args subscription id, resource group, scale set name
   */
  public static void main(String[] args) {
    if (args.length != 3) {
      System.err.println("usage: EmbeddingExample <subscriptionId> <resourceGroup> <scaleSetName>");
      return;
    }
    String tenant = System.getenv().getOrDefault("AZURE_TENANT_ID", "");
    AzureFleet fleet = connect(tenant, args[0]);
    ScaleSetId id = ScaleSetId.of(args[0], args[1], args[2]);
    try {
      ScaleSet scaleSet = fleet.get(id);
      System.out.println(scaleSet);
      for (Instance instance : scaleSet.instances()) {
        System.out.println("  " + instance);
      }
      fleet.latestRollingUpgrade(id).ifPresentOrElse(
          latest -> System.out.println("latest rolling upgrade: " + latest.status().azureName() + ", "
              + latest.progress()),
          () -> System.out.println("no rolling upgrade yet"));
      List<UpgradeHistoryEntry> history = fleet.osUpgradeHistory(id);
      history.forEach(h -> System.out.println("  " + h.startTime() + " " + h.status().azureName() + " by "
          + h.startedBy() + " to " + h.targetImage()));
      List<ImageRelease> releases = fleet.listReleases(scaleSet.modelImage());
      System.out.println(releases.size() + " releases of " + scaleSet.modelImage().imageKey());
    } catch (ThrottledException e) {
      System.err.println("throttled by Azure: try again in " + Durations.words(e.retryAfter()));
    } catch (CloudException e) {
      System.err.println("Azure said " + e.code() + " (HTTP " + e.httpStatus() + "): " + e.getMessage());
    }
  }
}
