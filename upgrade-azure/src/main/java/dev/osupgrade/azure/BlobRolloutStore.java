package dev.osupgrade.azure;

import com.azure.core.http.HttpHeaderName;
import com.azure.core.http.rest.Response;
import com.azure.core.util.BinaryData;
import com.azure.core.util.Context;
import com.azure.storage.blob.BlobClient;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClient;
import com.azure.storage.blob.models.BlobDownloadContentResponse;
import com.azure.storage.blob.models.BlobHttpHeaders;
import com.azure.storage.blob.models.BlobProperties;
import com.azure.storage.blob.models.BlobRequestConditions;
import com.azure.storage.blob.models.BlobStorageException;
import com.azure.storage.blob.models.BlockBlobItem;
import com.azure.storage.blob.options.BlockBlobSimpleUploadOptions;
import dev.osupgrade.Require;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.port.Checkpoint;
import dev.osupgrade.port.CheckpointConflictException;
import dev.osupgrade.port.CloudException;
import dev.osupgrade.port.Lease;
import dev.osupgrade.port.LeaseLostException;
import dev.osupgrade.port.RolloutStore;
import dev.osupgrade.port.StoreRules;
import dev.osupgrade.port.TransientCloudException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * A {@link RolloutStore} on Azure Blob Storage, shared by replicas on any number of machines: one blob per scale set
 * holds the latest checkpoint (the blob's content) and the lease on record (owner, fencing token, expiry), and every
 * change is a write conditional on the blob's ETag, so two replicas can never both hold a scale set's lease or both
 * save over the same version.
 *
 * <pre>{@code
 * BlobContainerClient container = new BlobContainerClientBuilder()
 *     .endpoint("https://myaccount.blob.core.windows.net").containerName("osupgrade")
 *     .credential(new DefaultAzureCredentialBuilder().build()).buildClient();
 * RolloutStore store = BlobRolloutStore.of(container);          // the container must exist
 * var rollout = Rollout.builder(fleet, web).target(v2).clock(clock).store(store).owner(hostName).build();
 * }</pre>
 *
 * <h2>The blob</h2>
 * {@code <prefix><subscription>/<resource group>/<name>.checkpoint}, lower case, each part escaped so that different
 * scale sets never share a blob. Its content is the checkpoint's data as UTF-8 (opaque, as the port wants it); its
 * metadata holds the lease on record, the checkpoint's version, author and time, and the SHA-256 of the data, so a
 * body changed behind the store's back reads as corrupt. Keeping the lease in the metadata lets a renewal rewrite only
 * the metadata, not a checkpoint of 100 KB. Do not delete a blob while its scale set may still be driven: the fencing
 * token would start again at 1.
 *
 * <h2>Ownership by ETag-claimed record, not by Azure blob lease</h2>
 * Ownership is claimed the way the Event Hubs checkpoint store claims partitions: read the record and its ETag,
 * decide with {@link StoreRules} (free, expired or released: take it with a higher token; held by another: leave
 * it), and write the new record with {@code If-Match} on that ETag ({@code If-None-Match: *} when there is no blob
 * yet). Of two replicas racing for the same record, exactly one write succeeds; the other gets 412 and reads again.
 * Every save, renewal and release is conditional the same way, on the ETag the store last saw, and falls back to a
 * fresh read only when that ETag turned stale. Azure's own blob leases are not used, because they fit the port
 * badly:
 * <ul>
 *   <li>The port's leases expire by the <em>caller's</em> clock, with any TTL the caller picks (minutes, typically),
 *       so that the same rules run on a virtual clock in tests. A blob lease lasts 15 to 60 s or forever by the
 *       storage service's clock: a TTL over 60 s would need a background renewal loop, and an infinite lease never
 *       lapses when its holder dies (someone must break it).</li>
 *   <li>A blob lease has a random id, not a fencing token that only grows, so a replica cannot tell an older holding
 *       from a newer one; and a leased blob refuses writes without the lease id (412 {@code LeaseIdMissing}), so a
 *       takeover would need a break and a new lease before writing the record: two steps instead of one.</li>
 * </ul>
 * What ETag claims need in exchange: replicas' clocks agree to well within the TTL (NTP keeps them within
 * milliseconds). A replica whose clock runs {@code d} ahead could take over {@code d} early; the old holder still
 * makes no mutating call without first renewing, which fails once the record changed.
 *
 * <h2>Requests</h2>
 * While the store's last view of a blob is current (the usual case: one replica drives the scale set), each
 * operation is one request: {@link #save} is one conditional {@code PUT} of the blob (content and metadata),
 * {@link #renew} and {@link #release} one conditional {@code PUT ?comp=metadata}, {@link #load} one {@code GET}.
 * {@link #tryAcquire} by the holder is one conditional metadata write; by any other replica it reads first (one
 * {@code HEAD}, whose answer is the only request when another replica holds the lease) and then writes. A write that
 * finds a stale ETag costs one {@code HEAD} and, if the rules still allow it, the write again.
 *
 * <h2>Failures</h2>
 * A lost race ends as the port says: {@link LeaseLostException} or {@link CheckpointConflictException} once a fresh
 * read shows the lease or the version moved on, an empty {@link #tryAcquire} once another replica holds the lease. A
 * write whose answer was lost but which reached the blob is recognised on the fresh read and reported as done. A blob
 * the store cannot read (no or foreign metadata, another scale set's id, content that does not match its SHA-256)
 * throws {@code OsUpgradeException} with code {@code CheckpointCorrupt} and is left as it is. Storage's failures
 * become the ports' {@link CloudException} family: throttling, 5xx and failed connections a
 * {@link TransientCloudException} (the client's own retry policy has already run), 401/403 a
 * {@code ForbiddenException}, a missing container a {@link CloudException} with code {@code ContainerNotFound}.
 *
 * <h2>Threading</h2>
 * Thread-safe; every call blocks the calling thread until Storage answers. Replicas in one JVM may share one store
 * or each have their own: both are as safe as replicas on different machines.
 */
public final class BlobRolloutStore implements RolloutStore {
  /** How many times in a row an operation reads again after losing a race before it gives up (transiently). */
  private static final int MAX_ATTEMPTS = 16;

  private final BlobContainerClient container;
  private final String prefix;
  /** The last view of each blob (by name): its ETag and record. Only saves requests; never decides alone. */
  private final Map<String, Seen> seen = new ConcurrentHashMap<>();

  private BlobRolloutStore(BlobContainerClient container, String prefix) {
    this.container = container;
    this.prefix = prefix;
  }

  /**
   * A store in an existing container, with blobs named from the container's root.
   *
   * @param container a container client the caller configured (endpoint, credential, HTTP and retry options)
   * @return the store
   */
  public static BlobRolloutStore of(BlobContainerClient container) {
    return builder().containerClient(container).build();
  }

  /** @return a builder: a container client, or a service client and a container name, is required */
  public static Builder builder() {
    return new Builder();
  }

  /** @return the container's URL */
  public String containerUrl() {
    return container.getBlobContainerUrl();
  }

  /** @return what every blob name of this store starts with; empty by default */
  public String blobPrefix() {
    return prefix;
  }

  /**
   * The blob a scale set's checkpoint and lease live in.
   *
   * @param scaleSet the scale set
   * @return the blob's name in the container
   */
  public String blobNameOf(ScaleSetId scaleSet) {
    return BlobNames.blobOf(prefix, Require.nonNull(scaleSet, "scaleSet"));
  }

  /**
   * {@inheritDoc}
   *
   * <p>One {@code GET} of the blob.
   */
  @Override
  public Optional<Checkpoint> load(ScaleSetId scaleSet) {
    String blob = blobNameOf(scaleSet);
    BlobDownloadContentResponse r;
    try {
      r = client(blob).downloadContentWithResponse(null, null, null, Context.NONE);
    } catch (BlobStorageException e) {
      if (BlobErrors.isBlobNotFound(e)) {
        seen.remove(blob);
        return Optional.empty();
      }
      throw BlobErrors.map(e, "load " + scaleSet, containerUrl());
    } catch (RuntimeException e) {
      throw BlobErrors.map(e, "load " + scaleSet, containerUrl());
    }
    BlobRecord record = BlobRecord.fromMetadata(r.getDeserializedHeaders().getMetadata(), scaleSet, blob);
    Optional<Checkpoint> checkpoint = record.version() == 0 ? Optional.empty()
        : Optional.of(record.checkpoint(scaleSet, r.getValue().toBytes(), blob));
    seen.put(blob, new Seen(r.getDeserializedHeaders().getETag(), record));
    return checkpoint;
  }

  /**
   * {@inheritDoc}
   *
   * <p>The lease holder renewing: one conditional metadata write. Anyone else: a {@code HEAD}, then (if the lease is
   * free, expired or released) a conditional write.
   */
  @Override
  public Optional<Lease> tryAcquire(ScaleSetId scaleSet, String owner, Instant now, Duration ttl) {
    Require.nonNull(scaleSet, "scaleSet");
    StoreRules.acquire(null, scaleSet, owner, now, ttl); // checks the arguments before any request; pure
    String blob = blobNameOf(scaleSet);
    String operation = "tryAcquire " + scaleSet + " for " + owner;
    // another holder, as far as the last view knows, may have released since: refused on a fresh read only
    return update(scaleSet, blob, operation, current -> StoreRules.acquire(current.lease(), scaleSet, owner, now, ttl)
        .map(granted -> Step.write(current.withLease(granted), Optional.of(granted),
            after -> granted.equals(after.lease())))
        .orElseGet(() -> Step.none(Optional.empty())));
  }

  /**
   * {@inheritDoc}
   *
   * <p>One conditional metadata write (the data is not rewritten).
   */
  @Override
  public Lease renew(Lease lease, Instant now, Duration ttl) {
    Require.nonNull(lease, "lease");
    Require.nonNull(now, "now");
    Require.positive("ttl", ttl);
    ScaleSetId scaleSet = lease.scaleSet();
    String blob = blobNameOf(scaleSet);
    String operation = "renew " + scaleSet + " for " + lease.owner();
    return update(scaleSet, blob, operation, current -> {
      Lease renewed = StoreRules.renew(current.lease(), lease, now, ttl);
      return Step.write(current.withLease(renewed), renewed, after -> renewed.equals(after.lease()));
    });
  }

  /**
   * {@inheritDoc}
   *
   * <p>One conditional {@code PUT} of the blob, content and metadata together.
   */
  @Override
  public Checkpoint save(Lease lease, long expectedVersion, String data, Instant now) {
    Require.nonNull(lease, "lease");
    Require.nonNull(data, "data");
    Require.nonNull(now, "now");
    ScaleSetId scaleSet = lease.scaleSet();
    String blob = blobNameOf(scaleSet);
    String operation = "save " + scaleSet + " version " + (expectedVersion + 1) + " by " + lease.owner();
    byte[] bytes = data.getBytes(StandardCharsets.UTF_8);
    String sha256 = BlobRecord.sha256(bytes);
    return update(scaleSet, blob, operation, current -> {
      Checkpoint saved = StoreRules.save(current.lease(), current.version(), lease, expectedVersion, data, now);
      BlobRecord next = current.withCheckpoint(saved, sha256);
      return Step.upload(next, bytes, saved, next::equals);
    });
  }

  /**
   * {@inheritDoc}
   *
   * <p>One conditional metadata write; the token stays on record so that the next holder's is higher.
   */
  @Override
  public void release(Lease lease) {
    Require.nonNull(lease, "lease");
    ScaleSetId scaleSet = lease.scaleSet();
    String blob = blobNameOf(scaleSet);
    String operation = "release " + scaleSet + " by " + lease.owner();
    // after a lost race the fresh read decides: released already (by us or by expiry), nothing to write
    update(scaleSet, blob, operation, current -> StoreRules.release(current.lease(), lease)
        .map(released -> Step.write(current.withLease(released), Boolean.TRUE, after -> false))
        .orElseGet(() -> Step.none(Boolean.TRUE)));
  }

  @Override
  public String toString() {
    return "BlobRolloutStore[" + containerUrl() + (prefix.isEmpty() ? "" : ", prefix " + prefix) + "]";
  }

  // ---- requests -----------------------------------------------------------------------------------------------

  private BlobClient client(String blob) {
    return container.getBlobClient(blob);
  }

  /** One {@code HEAD}: the blob's ETag and record, or {@link Seen#ABSENT}. */
  private Seen read(ScaleSetId scaleSet, String blob, String operation) {
    Response<BlobProperties> r;
    try {
      r = client(blob).getPropertiesWithResponse(null, null, Context.NONE);
    } catch (BlobStorageException e) {
      if (BlobErrors.isBlobNotFound(e)) {
        seen.remove(blob);
        return Seen.ABSENT;
      }
      throw BlobErrors.map(e, operation, containerUrl());
    } catch (RuntimeException e) {
      throw BlobErrors.map(e, operation, containerUrl());
    }
    Seen view = new Seen(r.getValue().getETag(), BlobRecord.fromMetadata(r.getValue().getMetadata(), scaleSet, blob));
    seen.put(blob, view);
    return view;
  }

  /**
   * Writes a record's metadata if the blob is still as seen: {@code PUT ?comp=metadata} with {@code If-Match}, or,
   * when there is no blob yet, an empty blob with {@code If-None-Match: *}.
   *
   * @return false if the blob changed since (the caller reads again)
   */
  private boolean writeMetadata(ScaleSetId scaleSet, String blob, Seen view, BlobRecord next, String operation) {
    if (view.etag() == null) {
      return writeBlob(scaleSet, blob, view, next, new byte[0], operation);
    }
    try {
      Response<Void> r = client(blob).setMetadataWithResponse(next.toMetadata(scaleSet),
          new BlobRequestConditions().setIfMatch(view.etag()), null, Context.NONE);
      remember(blob, r.getHeaders().getValue(HttpHeaderName.ETAG), next);
      return true;
    } catch (BlobStorageException e) {
      return lostRace(e, blob, operation);
    } catch (RuntimeException e) {
      seen.remove(blob);
      throw BlobErrors.map(e, operation, containerUrl());
    }
  }

  /** Writes content and metadata in one {@code PUT} if the blob is still as seen. */
  private boolean writeBlob(ScaleSetId scaleSet, String blob, Seen view, BlobRecord next, byte[] content,
      String operation) {
    BlobRequestConditions condition = view.etag() == null ? new BlobRequestConditions().setIfNoneMatch("*")
        : new BlobRequestConditions().setIfMatch(view.etag());
    try {
      Response<BlockBlobItem> r = client(blob).getBlockBlobClient().uploadWithResponse(
          new BlockBlobSimpleUploadOptions(BinaryData.fromBytes(content))
              .setHeaders(new BlobHttpHeaders().setContentType("text/plain; charset=utf-8"))
              .setMetadata(next.toMetadata(scaleSet)).setRequestConditions(condition), null, Context.NONE);
      remember(blob, r.getValue().getETag(), next);
      return true;
    } catch (BlobStorageException e) {
      return lostRace(e, blob, operation);
    } catch (RuntimeException e) {
      seen.remove(blob);
      throw BlobErrors.map(e, operation, containerUrl());
    }
  }

  private boolean lostRace(BlobStorageException e, String blob, String operation) {
    seen.remove(blob);
    if (BlobErrors.isLostRace(e)) {
      return false;
    }
    throw BlobErrors.map(e, operation, containerUrl());
  }

  private void remember(String blob, @Nullable String etag, BlobRecord record) {
    if (etag == null) {
      seen.remove(blob);
    } else {
      seen.put(blob, new Seen(etag, record));
    }
  }

  /**
   * The one optimistic update of every writing operation: decide from the record as last seen (the cached view, or a
   * fresh {@code HEAD}), write conditionally on its ETag, and on a lost race read again and decide again. A refusal
   * ({@link LeaseLostException}, {@link CheckpointConflictException}, or nothing to write) counts only when decided on
   * a fresh read; on a cached view it reads again first. A write whose answer was lost is recognised by the read after
   * it ({@link Step#landed}).
   */
  private <T> T update(ScaleSetId scaleSet, String blob, String operation, Function<BlobRecord, Step<T>> decide) {
    Seen view = seen.get(blob);
    boolean fresh = false;
    for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      if (view == null) {
        view = read(scaleSet, blob, operation);
        fresh = true;
      }
      Step<T> step;
      try {
        step = decide.apply(view.record());
      } catch (LeaseLostException | CheckpointConflictException refused) {
        if (fresh) {
          throw refused;
        }
        view = null;
        continue;
      }
      BlobRecord next = step.next();
      if (next == null) {
        if (fresh) {
          return step.result();
        }
        view = null;
        continue;
      }
      byte[] content = step.content();
      boolean written = content == null ? writeMetadata(scaleSet, blob, view, next, operation)
          : writeBlob(scaleSet, blob, view, next, content, operation);
      if (written) {
        return step.result();
      }
      view = read(scaleSet, blob, operation);
      fresh = true;
      if (step.landed().test(view.record())) {
        return step.result(); // our write landed; its answer was lost
      }
    }
    throw contended(operation);
  }

  /**
   * What an operation decided from one view of the record.
   *
   * @param next the record to write, or null when there is nothing to write
   * @param content the blob's new content, or null to write the metadata only
   * @param result what the operation returns once written (or when there is nothing to write)
   * @param landed whether a record read after a lost answer shows the write
   */
  private record Step<T>(@Nullable BlobRecord next, byte @Nullable [] content, T result,
      Predicate<BlobRecord> landed) {
    static <T> Step<T> none(T result) {
      return new Step<>(null, null, result, r -> false);
    }

    static <T> Step<T> write(BlobRecord next, T result, Predicate<BlobRecord> landed) {
      return new Step<>(next, null, result, landed);
    }

    static <T> Step<T> upload(BlobRecord next, byte[] content, T result, Predicate<BlobRecord> landed) {
      return new Step<>(next, content, result, landed);
    }
  }

  private TransientCloudException contended(String operation) {
    return new TransientCloudException(412, "ConditionNotMet", operation + " lost " + MAX_ATTEMPTS
        + " races in a row for the blob in " + containerUrl() + "; try again", null);
  }

  /**
   * The store's view of a blob.
   *
   * @param etag its ETag; null if there was no blob
   * @param record what it said
   */
  private record Seen(@Nullable String etag, BlobRecord record) {
    static final Seen ABSENT = new Seen(null, BlobRecord.NONE);
  }

  /**
   * Builds a {@link BlobRolloutStore}. Either {@link #containerClient} or {@link #serviceClient} with
   * {@link #containerName} is required. Not thread-safe.
   */
  public static final class Builder {
    private @Nullable BlobContainerClient containerClient;
    private @Nullable BlobServiceClient serviceClient;
    private @Nullable String containerName;
    private String prefix = "";

    private Builder() {}

    /**
     * Sets the container, through a client the caller configured (endpoint, credential, HTTP client, retry options).
     *
     * @param containerClient the container client; the container must exist
     * @return this builder
     */
    public Builder containerClient(BlobContainerClient containerClient) {
      this.containerClient = Require.nonNull(containerClient, "containerClient");
      return this;
    }

    /**
     * Sets the storage account, through a client the caller configured; the container is named by
     * {@link #containerName}.
     *
     * @param serviceClient the service client
     * @return this builder
     */
    public Builder serviceClient(BlobServiceClient serviceClient) {
      this.serviceClient = Require.nonNull(serviceClient, "serviceClient");
      return this;
    }

    /**
     * Names the container in the {@link #serviceClient}'s account.
     *
     * @param containerName an existing container's name
     * @return this builder
     */
    public Builder containerName(String containerName) {
      this.containerName = Require.nonBlank("containerName", containerName);
      return this;
    }

    /**
     * Starts every blob name with a prefix, e.g. {@code "osupgrade/prod/"}, so that several stores (or other data)
     * can share a container.
     *
     * @param prefix the prefix; at most 512 characters; empty by default
     * @return this builder
     */
    public Builder blobPrefix(String prefix) {
      Require.nonNull(prefix, "prefix");
      Require.that(prefix.length() <= 512, "prefix", "at most 512 characters long", prefix);
      Require.that(!prefix.startsWith("/"), "prefix", "free of a leading '/'", prefix);
      this.prefix = prefix;
      return this;
    }

    /**
     * Builds the store. No request is made.
     *
     * @return the store
     * @throws IllegalStateException if neither or both of a container client and a service client were set, or a
     *     service client without a container name, or a container name without a service client
     */
    public BlobRolloutStore build() {
      if (containerClient != null && (serviceClient != null || containerName != null)) {
        throw new IllegalStateException("containerClient cannot be combined with serviceClient or containerName: "
            + "set the container client alone, or a service client and a container name");
      }
      if (containerClient != null) {
        return new BlobRolloutStore(containerClient, prefix);
      }
      if (serviceClient == null || containerName == null) {
        throw new IllegalStateException(serviceClient == null && containerName == null
            ? "a container is required: set containerClient(...), or serviceClient(...) and containerName(...)"
            : serviceClient == null ? "containerName(...) needs serviceClient(...)"
                : "serviceClient(...) needs containerName(...)");
      }
      return new BlobRolloutStore(Objects.requireNonNull(serviceClient).getBlobContainerClient(containerName),
          prefix);
    }

    @Override
    public String toString() {
      StringBuilder b = new StringBuilder("BlobRolloutStore.Builder{");
      if (containerClient != null) {
        b.append("container=").append(containerClient.getBlobContainerUrl());
      }
      if (serviceClient != null) {
        b.append("account=").append(serviceClient.getAccountUrl());
      }
      if (containerName != null) {
        b.append(", containerName=").append(containerName);
      }
      if (!prefix.isEmpty()) {
        b.append(", prefix=").append(prefix);
      }
      return b.append('}').toString();
    }
  }
}
