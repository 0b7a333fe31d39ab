package dev.osupgrade.azure.contract;

import com.azure.core.util.BinaryData;
import com.azure.storage.blob.BlobContainerClient;
import dev.osupgrade.azure.BlobRolloutStore;
import dev.osupgrade.azure.azurite.Azurite;
import dev.osupgrade.azure.azurite.AzuriteExtension;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.port.RolloutStore;
import dev.osupgrade.testkit.contract.RolloutStoreContract;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The blob store passes the RolloutStore contract on Azurite: each case in a new container, each replica a new store
 * (its own view of the blobs), as on another machine.
 */
final class BlobRolloutStoreContractTest extends RolloutStoreContract {
  @RegisterExtension static final AzuriteExtension AZURITE = new AzuriteExtension();

  private BlobContainerClient container;

  @BeforeEach
  void newContainer(Azurite azurite) {
    container = azurite.newContainer();
  }

  @Override
  protected RolloutStore openReplica() {
    return BlobRolloutStore.builder().containerClient(container).blobPrefix("osupgrade/").build();
  }

  /** Replaces the blob with one that has other content and no metadata, as a stray upload would. */
  @Override
  protected void corrupt(ScaleSetId scaleSet) {
    String blob = BlobRolloutStore.builder().containerClient(container).blobPrefix("osupgrade/").build()
        .blobNameOf(scaleSet);
    container.getBlobClient(blob).upload(BinaryData.fromString("garbage"), true);
  }
}
