package dev.osupgrade.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.azure.core.http.HttpMethod;
import com.azure.core.http.HttpPipelineCallContext;
import com.azure.core.http.HttpPipelineNextPolicy;
import com.azure.core.http.HttpPipelineNextSyncPolicy;
import com.azure.core.http.HttpPipelinePosition;
import com.azure.core.http.HttpResponse;
import com.azure.core.http.policy.HttpPipelinePolicy;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.common.policy.RequestRetryOptions;
import com.azure.storage.common.policy.RetryPolicyType;
import dev.osupgrade.azure.azurite.Azurite;
import dev.osupgrade.azure.azurite.AzuriteExtension;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.port.Checkpoint;
import dev.osupgrade.port.Lease;
import dev.osupgrade.port.LeaseLostException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Mono;

/** How many requests each operation of the blob store sends to Storage, counted on Azurite, and how long they take. */
final class BlobRolloutStoreRequestsTest {
  @RegisterExtension static final AzuriteExtension AZURITE = new AzuriteExtension();

  private static final ScaleSetId WEB = ScaleSetId.of("rg-web", "web");
  private static final Instant T0 = Instant.parse("2026-01-05T00:00:00Z");
  private static final Duration TTL = Duration.ofMinutes(5);

  private final RequestLog log = new RequestLog();
  private BlobContainerClient container;

  @BeforeEach
  void newContainer(Azurite azurite) {
    container = azurite.newContainer(azurite.clientBuilder().addPolicy(log));
    log.take();
  }

  private BlobRolloutStore replica() {
    return BlobRolloutStore.of(container);
  }

  @Test
  void everyOperation_currentView_oneRequestEach() {
    BlobRolloutStore a = replica();

    Lease lease = a.tryAcquire(WEB, "a", T0, TTL).orElseThrow();
    assertThat(log.take()).as("first acquisition: read, then create the blob")
        .containsExactly("HEAD -> 404", "PUT If-None-Match:* -> 201");

    Checkpoint saved = a.save(lease, 0, "batch 1", T0);
    assertThat(log.take()).as("save").containsExactly("PUT If-Match -> 201");

    lease = a.renew(lease, T0.plusSeconds(60), TTL);
    assertThat(log.take()).as("renew").containsExactly("PUT ?comp=metadata If-Match -> 200");

    a.save(lease, saved.version(), "batch 2", T0.plusSeconds(61));
    assertThat(log.take()).as("save after renew").containsExactly("PUT If-Match -> 201");

    lease = a.tryAcquire(WEB, "a", T0.plusSeconds(120), TTL).orElseThrow();
    assertThat(log.take()).as("tryAcquire by the holder").containsExactly("PUT ?comp=metadata If-Match -> 200");

    assertThat(a.load(WEB).orElseThrow().data()).isEqualTo("batch 2");
    assertThat(log.take()).as("load").containsExactly("GET -> 200");

    a.release(lease);
    assertThat(log.take()).as("release").containsExactly("PUT ?comp=metadata If-Match -> 200");
  }

  @Test
  void standbyReplica_pollsWithOneReadAndTakesOverWithOneWrite() {
    BlobRolloutStore a = replica();
    BlobRolloutStore b = replica();
    Lease la = a.tryAcquire(WEB, "a", T0, TTL).orElseThrow();
    a.save(la, 0, "by a", T0);
    log.take();

    assertThat(b.tryAcquire(WEB, "b", T0.plusSeconds(10), TTL)).isEmpty();
    assertThat(b.tryAcquire(WEB, "b", T0.plusSeconds(20), TTL)).isEmpty();
    assertThat(log.take()).as("two polls while a holds the lease").containsExactly("HEAD -> 200", "HEAD -> 200");

    Lease lb = b.tryAcquire(WEB, "b", T0.plus(TTL), TTL).orElseThrow();
    assertThat(log.take()).as("takeover after expiry: its last read shows the lease expired by now")
        .containsExactly("PUT ?comp=metadata If-Match -> 200");

    b.save(lb, 1, "by b", T0.plus(TTL));
    assertThat(log.take()).as("the new holder's save").containsExactly("PUT If-Match -> 201");

    assertThatThrownBy(() -> a.renew(la, T0.plus(TTL).minusSeconds(1), TTL))
        .isInstanceOf(LeaseLostException.class);
    assertThat(log.take()).as("the old holder's fencing check: refused on the stale view, refused on a fresh read")
        .containsExactly("PUT ?comp=metadata If-Match -> 412", "HEAD -> 200");
  }

  @Test
  void save_viewMadeStaleByATwin_oneFailedWriteOneReadOneWrite() {
    BlobRolloutStore a = replica();
    Lease lease = a.tryAcquire(WEB, "a", T0, TTL).orElseThrow();
    a.save(lease, 0, "one", T0);
    replica().renew(lease, T0.plusSeconds(1), TTL); // the same holder through another store (e.g. after a restart)
    log.take();

    a.save(lease, 1, "two", T0.plusSeconds(2));

    assertThat(log.take()).containsExactly("PUT If-Match -> 412", "HEAD -> 200", "PUT If-Match -> 201");
  }

  @Test
  void renew_newStoreAfterRestart_oneReadOneWrite() {
    Lease lease = replica().tryAcquire(WEB, "a", T0, TTL).orElseThrow();
    log.take();

    replica().renew(lease, T0.plusSeconds(30), TTL);

    assertThat(log.take()).containsExactly("HEAD -> 200", "PUT ?comp=metadata If-Match -> 200");
  }

  @Test
  void saveAndRenew_answerLostAfterTheWriteLanded_recognisedAsDoneNotRepeated(Azurite azurite) {
    LoseAnswer lose = new LoseAnswer();
    BlobContainerClient flaky = azurite.newContainer(azurite.clientBuilder()
        .retryOptions(new RequestRetryOptions(RetryPolicyType.FIXED, 3, (Duration) null, Duration.ofMillis(5),
            Duration.ofMillis(5), null))
        .addPolicy(lose).addPolicy(log));
    BlobRolloutStore store = BlobRolloutStore.of(flaky);
    Lease lease = store.tryAcquire(WEB, "a", T0, TTL).orElseThrow();
    store.save(lease, 0, "one", T0);
    log.take();

    lose.next(1);
    Checkpoint saved = store.save(lease, 1, "two", T0.plusSeconds(1));

    assertThat(saved.version()).isEqualTo(2);
    assertThat(log.take()).as("the SDK repeats the PUT, Storage refuses it, the store reads and finds its own write")
        .containsExactly("PUT If-Match -> 201", "PUT If-Match -> 412", "HEAD -> 200");
    assertThat(BlobRolloutStore.of(flaky).load(WEB)).contains(saved);
    log.take();

    lose.next(1);
    Lease renewed = store.renew(lease, T0.plusSeconds(2), TTL);

    assertThat(renewed.expiresAt()).isEqualTo(T0.plusSeconds(2).plus(TTL));
    assertThat(log.take()).containsExactly("PUT ?comp=metadata If-Match -> 200",
        "PUT ?comp=metadata If-Match -> 412", "HEAD -> 200");
    assertThat(BlobRolloutStore.of(flaky).tryAcquire(WEB, "b", T0.plusSeconds(2).plus(TTL).minusMillis(1), TTL))
        .isEmpty();
  }

  @Test
  void saveRenewLoad_onAzurite_latencyPrinted() {
    BlobRolloutStore store = replica();
    Lease lease = store.tryAcquire(WEB, "a", T0, Duration.ofDays(1)).orElseThrow();
    String small = "x".repeat(1024);
    String large = "y".repeat(100 * 1024);
    int n = 50;
    long[] version = {0};
    Instant now = T0;
    int warmUp = 50; // connections, the JIT and Azurite's own code paths
    for (int i = 0; i < warmUp; i++) {
      version[0] = store.save(lease, version[0], i % 2 == 0 ? small : large, now).version();
      store.renew(lease, now, Duration.ofDays(1));
      store.load(WEB);
    }
    log.take();

    String saveSmall = measure(n, () -> version[0] = store.save(lease, version[0], small, now).version());
    String saveLarge = measure(n, () -> version[0] = store.save(lease, version[0], large, now).version());
    String renew = measure(n, () -> store.renew(lease, now, Duration.ofDays(1)).token());
    String load = measure(n, () -> store.load(WEB).orElseThrow().version());

    System.out.printf(Locale.ROOT, "blob store on Azurite 3.35 (loopback, %d each): save 1 KB %s; save 100 KB %s; "
        + "renew %s; load 100 KB %s%n", n, saveSmall, saveLarge, renew, load);
    List<String> requests = log.take();
    assertThat(requests).hasSize(4 * n);
    assertThat(requests.subList(0, 2 * n)).containsOnly("PUT If-Match -> 201");
    assertThat(requests.subList(2 * n, 3 * n)).containsOnly("PUT ?comp=metadata If-Match -> 200");
    assertThat(requests.subList(3 * n, 4 * n)).containsOnly("GET -> 200");
    assertThat(store.load(WEB).orElseThrow().version()).isEqualTo(warmUp + 2L * n);
  }

  private static String measure(int n, LongSupplier operation) {
    List<Long> micros = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      long start = System.nanoTime();
      operation.getAsLong();
      micros.add((System.nanoTime() - start) / 1000);
    }
    micros.sort(null);
    return String.format(Locale.ROOT, "median %.2f ms, p90 %.2f ms", micros.get(n / 2) / 1000.0,
        micros.get(n * 9 / 10) / 1000.0);
  }

  /**
   * Lets the next write reach Storage, then loses its answer (as a connection reset after sending would), so that
   * the client's retry policy repeats it.
   */
  private static final class LoseAnswer implements HttpPipelinePolicy {
    private final AtomicInteger remaining = new AtomicInteger();

    void next(int writes) {
      remaining.set(writes);
    }

    @Override
    public Mono<HttpResponse> process(HttpPipelineCallContext context, HttpPipelineNextPolicy next) {
      return next.process().flatMap(r -> shouldLose(context) ? Mono.error(lost(r)) : Mono.just(r));
    }

    @Override
    public HttpResponse processSync(HttpPipelineCallContext context, HttpPipelineNextSyncPolicy next) {
      HttpResponse r = next.processSync();
      if (shouldLose(context)) {
        throw new UncheckedIOException(lost(r));
      }
      return r;
    }

    private boolean shouldLose(HttpPipelineCallContext context) {
      return context.getHttpRequest().getHttpMethod() == HttpMethod.PUT && remaining.getAndDecrement() > 0;
    }

    private static IOException lost(HttpResponse r) {
      r.close();
      return new IOException("Connection reset after the request was sent (test)");
    }

    @Override
    public HttpPipelinePosition getPipelinePosition() {
      return HttpPipelinePosition.PER_RETRY;
    }
  }
}
