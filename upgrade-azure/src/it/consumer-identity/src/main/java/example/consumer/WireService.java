package example.consumer;

import com.azure.core.credential.TokenCredential;
import com.azure.identity.DefaultAzureCredentialBuilder;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobContainerClientBuilder;
import dev.osupgrade.azure.AzureFleet;
import dev.osupgrade.azure.BlobRolloutStore;

/**
 * The wiring of a platform service on Azure, as the README shows it: DefaultAzureCredential, the fleet from it and a
 * subscription, the blob store from the same credential. Builds everything and sends nothing (no request goes out
 * before the first use), so it runs anywhere and proves the classes link with the versions Maven resolved.
 *
 * <p>Arguments: subscription id, storage account URL.
 */
public final class WireService {
  private WireService() {}

  public static void main(String[] args) {
    TokenCredential credential = new DefaultAzureCredentialBuilder().build();
    AzureFleet fleet = AzureFleet.builder().credential(credential).subscriptionId(args[0]).build();
    BlobContainerClient container = new BlobContainerClientBuilder().endpoint(args[1]).containerName("osupgrade")
        .credential(credential).buildClient();
    BlobRolloutStore store = BlobRolloutStore.of(container);

    System.out.println("fleet " + fleet);
    System.out.println("store " + store.containerUrl());
    System.out.println("http client " + com.azure.core.http.HttpClient.createDefault().getClass().getName());
  }
}
