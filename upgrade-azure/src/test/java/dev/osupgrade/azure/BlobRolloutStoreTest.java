package dev.osupgrade.azure;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.azure.core.util.BinaryData;
import com.azure.storage.blob.BlobClient;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobContainerClientBuilder;
import com.azure.storage.blob.models.BlobItem;
import com.azure.storage.blob.specialized.BlobLeaseClientBuilder;
import com.azure.storage.common.StorageSharedKeyCredential;
import com.azure.storage.common.policy.RequestRetryOptions;
import com.azure.storage.common.policy.RetryPolicyType;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import dev.osupgrade.InvalidValueException;
import dev.osupgrade.OsUpgradeException;
import dev.osupgrade.azure.azurite.Azurite;
import dev.osupgrade.azure.azurite.AzuriteExtension;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.port.CloudException;
import dev.osupgrade.port.ForbiddenException;
import dev.osupgrade.port.Lease;
import dev.osupgrade.port.RolloutStore;
import dev.osupgrade.port.TransientCloudException;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What only the blob store does: its builder, its blob names, its metadata's errors, and Storage's failures. */
final class BlobRolloutStoreTest {
  @RegisterExtension static final AzuriteExtension AZURITE = new AzuriteExtension();
  @RegisterExtension static final WireMockExtension STORAGE = WireMockExtension.newInstance()
      .options(wireMockConfig().dynamicPort()).build();

  private static final ScaleSetId WEB = ScaleSetId.of("rg-web", "web");
  private static final ScaleSetId API = ScaleSetId.of("rg-web", "api");
  private static final Instant T0 = Instant.parse("2026-01-05T00:00:00Z");
  private static final Duration TTL = Duration.ofMinutes(5);

  private BlobContainerClient container;
  private BlobRolloutStore store;

  @BeforeEach
  void newContainer(Azurite azurite) {
    container = azurite.newContainer();
    store = BlobRolloutStore.of(container);
  }

  // ---- builder ------------------------------------------------------------------------------------------------

  @Test
  void builder_noContainer_illegalStateSayingWhatToSet() {
    assertThatThrownBy(() -> BlobRolloutStore.builder().build()).isInstanceOf(IllegalStateException.class)
        .hasMessage("a container is required: set containerClient(...), or serviceClient(...) and "
            + "containerName(...)");
    assertThatThrownBy(() -> BlobRolloutStore.builder().containerName("c").build())
        .isInstanceOf(IllegalStateException.class).hasMessage("containerName(...) needs serviceClient(...)");
  }

  @Test
  void builder_containerClientAndServiceClient_illegalState(Azurite azurite) {
    var builder = BlobRolloutStore.builder().containerClient(container)
        .serviceClient(azurite.clientBuilder().buildClient());

    assertThatThrownBy(builder::build).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("containerClient cannot be combined with serviceClient or containerName");
  }

  @Test
  void builder_serviceClientWithoutContainerName_illegalState(Azurite azurite) {
    var builder = BlobRolloutStore.builder().serviceClient(azurite.clientBuilder().buildClient());

    assertThatThrownBy(builder::build).isInstanceOf(IllegalStateException.class)
        .hasMessage("serviceClient(...) needs containerName(...)");
  }

  @Test
  void builder_serviceClientAndContainerName_storesInThatContainer(Azurite azurite) {
    RolloutStore viaService = BlobRolloutStore.builder().serviceClient(azurite.clientBuilder().buildClient())
        .containerName(container.getBlobContainerName()).blobPrefix("prod/").build();

    Lease lease = viaService.tryAcquire(WEB, "a", T0, TTL).orElseThrow();
    viaService.save(lease, 0, "hello", T0);

    assertThat(container.listBlobs().stream().map(BlobItem::getName))
        .containsExactly("prod/00000000-0000-0000-0000-000000000000/rg-web/web.checkpoint");
    assertThat(viaService).hasToString("BlobRolloutStore[" + container.getBlobContainerUrl() + ", prefix prod/]");
  }

  @Test
  void builder_badPrefix_invalidValue() {
    assertThatThrownBy(() -> BlobRolloutStore.builder().blobPrefix("/rooted")).isInstanceOf(
        InvalidValueException.class).hasMessageContaining("prefix must be free of a leading '/'");
    assertThatThrownBy(() -> BlobRolloutStore.builder().blobPrefix("p".repeat(513)))
        .isInstanceOf(InvalidValueException.class);
    assertThatThrownBy(() -> BlobRolloutStore.builder().containerName(" "))
        .isInstanceOf(InvalidValueException.class);
  }

  @Test
  void builder_toString_onlyWhatWasSet() {
    assertThat(BlobRolloutStore.builder().containerClient(container).blobPrefix("p/"))
        .hasToString("BlobRolloutStore.Builder{container=" + container.getBlobContainerUrl() + ", prefix=p/}");
  }

  // ---- blob names ---------------------------------------------------------------------------------------------

  @Test
  void blobNameOf_oddCharacters_escapedLowerCaseAndListedAsNamed() {
    ScaleSetId odd = ScaleSetId.of("SUB-Ä", "RG_(Prod)-ü.a", "Web.1");
    Lease lease = store.tryAcquire(odd, "a", T0, TTL).orElseThrow();
    store.save(lease, 0, "odd", T0);

    assertThat(store.blobNameOf(odd)).isEqualTo("sub-~C3~A4/rg_~28prod~29-~C3~BC.a/web.1.checkpoint");
    assertThat(container.listBlobs().stream().map(BlobItem::getName)).containsExactly(store.blobNameOf(odd));
    assertThat(BlobRolloutStore.of(container).load(odd).orElseThrow().data()).isEqualTo("odd");
  }

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {1, 2, 3, 4, 5})
  void blobNameOf_randomIds_differentScaleSetsNeverShareABlob(long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    // every character ScaleSetId accepts in some part, and escape-like sequences; no white space or '/' (ARM names
    // have none, and ScaleSetId refuses them)
    String[] alphabet = {"a", "B", "0", ".", "_", "-", "~", "~2E", "%", "(", ")", "ü", "日"};
    Map<String, String> byName = new HashMap<>();
    for (int i = 0; i < 3_000; i++) {
      String sub = word(random, alphabet);
      String rg = word(random, alphabet);
      String name = word(random, alphabet);
      ScaleSetId id = ScaleSetId.of(sub, rg, name);
      String key = id.subscriptionId().toLowerCase(Locale.ROOT) + "|" + id.resourceGroup() + "|" + id.name();
      String previous = byName.putIfAbsent(store.blobNameOf(id), key);
      assertThat(previous == null || previous.equals(key)).as("%s and %s share %s", previous, key,
          store.blobNameOf(id)).isTrue();
    }
  }

  /** A name ScaleSetId accepts: starts and ends with a letter, odd characters in between. */
  private static String word(SplittableRandom random, String[] alphabet) {
    StringBuilder b = new StringBuilder("x");
    int length = random.nextInt(1, 4);
    for (int i = 0; i < length; i++) {
      b.append(alphabet[random.nextInt(alphabet.length)]);
    }
    return b.append('z').toString();
  }

  // ---- what the blob holds, and what it must not -------------------------------------------------------------

  @Test
  void blob_afterSave_holdsTheDataAsContentAndTheLeaseInMetadata() {
    Lease lease = store.tryAcquire(WEB, "réplica 1", T0, TTL).orElseThrow();
    store.save(lease, 0, "state ✓", T0);

    BlobClient blob = container.getBlobClient(store.blobNameOf(WEB));
    assertThat(blob.downloadContent().toString()).isEqualTo("state ✓");
    assertThat(blob.getProperties().getContentType()).isEqualTo("text/plain; charset=utf-8");
    assertThat(blob.getProperties().getMetadata()).containsEntry("osupgrade", "1")
        .containsEntry("leaseowner", "r%C3%A9plica%201").containsEntry("leasetoken", "1")
        .containsEntry("leaseexpiresat", "2026-01-05T00:05:00Z").containsEntry("version", "1")
        .containsEntry("savedat", "2026-01-05T00:00:00Z").containsKey("datasha256");
  }

  @Test
  void load_contentChangedBehindTheStore_checkpointCorruptNamingTheDigest() {
    Lease lease = store.tryAcquire(WEB, "a", T0, TTL).orElseThrow();
    store.save(lease, 0, "good", T0);
    BlobClient blob = container.getBlobClient(store.blobNameOf(WEB));
    Map<String, String> metadata = blob.getProperties().getMetadata();

    blob.upload(BinaryData.fromString("evil"), true);
    blob.setMetadata(metadata);

    assertCorrupt(() -> BlobRolloutStore.of(container).load(WEB), "whose SHA-256 is");
  }

  @Test
  void load_anotherScaleSetsBlobCopiedOver_checkpointCorrupt() {
    Lease lease = store.tryAcquire(API, "a", T0, TTL).orElseThrow();
    store.save(lease, 0, "of api", T0);
    BlobClient api = container.getBlobClient(store.blobNameOf(API));

    container.getBlobClient(store.blobNameOf(WEB)).upload(api.downloadContent(), true);
    container.getBlobClient(store.blobNameOf(WEB)).setMetadata(api.getProperties().getMetadata());

    assertCorrupt(() -> store.load(WEB), "holds the checkpoint of");
    assertCorrupt(() -> store.tryAcquire(WEB, "a", T0, TTL), "holds the checkpoint of");
  }

  @Test
  void load_otherFormatOrUnreadableMetadata_checkpointCorrupt() {
    Lease lease = store.tryAcquire(WEB, "a", T0, TTL).orElseThrow();
    store.save(lease, 0, "good", T0);
    BlobClient blob = container.getBlobClient(store.blobNameOf(WEB));
    Map<String, String> good = blob.getProperties().getMetadata();

    Map<String, String> future = new HashMap<>(good);
    future.put("osupgrade", "2");
    blob.setMetadata(future);
    assertCorrupt(() -> store.load(WEB), "has format 2, not 1");

    Map<String, String> garbled = new HashMap<>(good);
    garbled.put("leasetoken", "many");
    blob.setMetadata(garbled);
    assertCorrupt(() -> store.load(WEB), "unreadable metadata");

    blob.setMetadata(Map.of());
    assertCorrupt(() -> store.load(WEB), "is not an osupgrade checkpoint blob");
  }

  @Test
  void save_blobLeasedByAnotherTool_cloudErrorNotARace() {
    Lease lease = store.tryAcquire(WEB, "a", T0, TTL).orElseThrow();
    BlobClient blob = container.getBlobClient(store.blobNameOf(WEB));
    new BlobLeaseClientBuilder().blobClient(blob).buildClient().acquireLease(60);

    assertThatThrownBy(() -> store.save(lease, 0, "blocked", T0)).isInstanceOf(CloudException.class)
        .isNotInstanceOf(TransientCloudException.class)
        .satisfies(e -> assertThat(((CloudException) e).code()).isEqualTo("LeaseIdMissing"))
        .satisfies(e -> assertThat(((CloudException) e).httpStatus()).isEqualTo(412));
    assertThatThrownBy(() -> store.renew(lease, T0, TTL)).isInstanceOf(CloudException.class)
        .satisfies(e -> assertThat(((CloudException) e).code()).isEqualTo("LeaseIdMissing"));
    new BlobLeaseClientBuilder().blobClient(blob).buildClient().breakLease();
  }

  // ---- Storage's failures -------------------------------------------------------------------------------------

  @Test
  void anyOperation_containerMissing_cloudErrorSayingToCreateIt(Azurite azurite) {
    RolloutStore missing = BlobRolloutStore.builder().serviceClient(azurite.clientBuilder().buildClient())
        .containerName("no-such-container").build();

    assertThatThrownBy(() -> missing.tryAcquire(WEB, "a", T0, TTL)).isInstanceOf(CloudException.class)
        .hasMessageContaining("the container does not exist; create it first")
        .satisfies(e -> assertThat(((CloudException) e).code()).isEqualTo("ContainerNotFound"));
    assertThatThrownBy(() -> missing.load(WEB)).isInstanceOf(CloudException.class)
        .satisfies(e -> assertThat(((CloudException) e).code()).isEqualTo("ContainerNotFound"));
  }

  @Test
  void anyOperation_serverBusy_transientWithStoragesCode() {
    STORAGE.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(503).withHeader("x-ms-error-code", "ServerBusy")
        .withHeader("Content-Type", "application/xml").withBody("<?xml version=\"1.0\" encoding=\"utf-8\"?><Error>"
            + "<Code>ServerBusy</Code><Message>Ingress is over the account limit.</Message></Error>")));
    RolloutStore busy = BlobRolloutStore.of(containerAt(STORAGE.baseUrl()));

    for (ThrowingCallable call : List.<ThrowingCallable>of(() -> busy.load(WEB),
        () -> busy.tryAcquire(WEB, "a", T0, TTL), () -> busy.renew(new Lease(WEB, "a", 1, T0.plus(TTL)), T0, TTL))) {
      assertThatThrownBy(call).isInstanceOf(TransientCloudException.class)
          .satisfies(e -> assertThat(((CloudException) e).code()).isEqualTo("ServerBusy"))
          .satisfies(e -> assertThat(((CloudException) e).httpStatus()).isEqualTo(503))
          .satisfies(e -> assertThat(((CloudException) e).isRetryable()).isTrue());
    }
    assertThat(STORAGE.getAllServeEvents()).as("one request per call: the client's retries were set to one try")
        .hasSize(3);
  }

  @Test
  void anyOperation_forbidden_forbiddenError() {
    STORAGE.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(403)
        .withHeader("x-ms-error-code", "AuthorizationPermissionMismatch")
        .withHeader("Content-Type", "application/xml").withBody("<?xml version=\"1.0\" encoding=\"utf-8\"?><Error>"
            + "<Code>AuthorizationPermissionMismatch</Code><Message>This request is not authorized to perform this "
            + "operation using this permission.</Message></Error>")));

    assertThatThrownBy(() -> BlobRolloutStore.of(containerAt(STORAGE.baseUrl())).load(WEB))
        .isInstanceOf(ForbiddenException.class).hasMessageContaining("may not read and write blobs")
        .satisfies(e -> assertThat(((CloudException) e).code()).isEqualTo("AuthorizationPermissionMismatch"));
  }

  @Test
  void anyOperation_nothingListening_transientConnectionFailed() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = socket.getLocalPort();
    }
    RolloutStore unreachable = BlobRolloutStore.of(containerAt("http://127.0.0.1:" + port));

    assertThatThrownBy(() -> unreachable.tryAcquire(WEB, "a", T0, TTL)).isInstanceOf(TransientCloudException.class)
        .hasMessageContaining("failed before Storage answered")
        .satisfies(e -> assertThat(((CloudException) e).code()).isEqualTo("ConnectionFailed"));
  }

  private static BlobContainerClient containerAt(String baseUrl) {
    return new BlobContainerClientBuilder().endpoint(baseUrl + "/" + Azurite.ACCOUNT + "/rollouts")
        .credential(new StorageSharedKeyCredential(Azurite.ACCOUNT, Azurite.KEY))
        .retryOptions(new RequestRetryOptions(RetryPolicyType.FIXED, 1, (Duration) null, null, null, null))
        .buildClient();
  }

  private static void assertCorrupt(ThrowingCallable call, String says) {
    assertThatThrownBy(call).isInstanceOf(OsUpgradeException.class).hasMessageContaining(says)
        .satisfies(e -> assertThat(((OsUpgradeException) e).code()).isEqualTo("CheckpointCorrupt"));
  }
}
