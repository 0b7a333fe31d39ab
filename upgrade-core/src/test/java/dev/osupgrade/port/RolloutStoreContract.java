package dev.osupgrade.port;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osupgrade.fleet.ScaleSetId;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** What every {@link RolloutStore} must do; each implementation's test extends this. */
abstract class RolloutStoreContract {
  static final ScaleSetId WEB = ScaleSetId.of("rg", "web");
  static final ScaleSetId API = ScaleSetId.of("rg", "api");
  static final Instant T0 = Instant.parse("2026-01-05T00:00:00Z");
  static final Duration TTL = Duration.ofMinutes(5);

  abstract RolloutStore store();

  @Test
  void load_nothingSaved_empty() {
    assertThat(store().load(WEB)).isEmpty();
  }

  @Test
  void save_withLease_versionsCountFromOneAndLoadReturnsLatest() {
    RolloutStore store = store();
    Lease lease = store.tryAcquire(WEB, "a", T0, TTL).orElseThrow();

    Checkpoint first = store.save(lease, 0, "one", T0);
    Checkpoint second = store.save(lease, first.version(), "two\nlines", T0.plusSeconds(1));

    assertThat(first.version()).isEqualTo(1);
    assertThat(second.version()).isEqualTo(2);
    Checkpoint loaded = store.load(WEB).orElseThrow();
    assertThat(loaded.data()).isEqualTo("two\nlines");
    assertThat(loaded.owner()).isEqualTo("a");
    assertThat(loaded.savedAt()).isEqualTo(T0.plusSeconds(1));
    assertThat(store.load(API)).isEmpty();
  }

  @Test
  void save_staleExpectedVersion_conflictAndNothingWritten() {
    RolloutStore store = store();
    Lease lease = store.tryAcquire(WEB, "a", T0, TTL).orElseThrow();
    store.save(lease, 0, "one", T0);

    assertThatThrownBy(() -> store.save(lease, 0, "stale", T0)).isInstanceOf(CheckpointConflictException.class)
        .hasMessageContaining("version 1, not the expected 0");
    assertThat(store.load(WEB).orElseThrow().data()).isEqualTo("one");
  }

  @Test
  void renew_heldLease_extendsItWithTheSameToken() {
    RolloutStore store = store();
    Lease lease = store.tryAcquire(WEB, "a", T0, TTL).orElseThrow();

    Lease renewed = store.renew(lease, T0.plus(Duration.ofMinutes(4)), TTL);

    assertThat(renewed.token()).isEqualTo(lease.token());
    assertThat(renewed.expiresAt()).isEqualTo(T0.plus(Duration.ofMinutes(9)));
    assertThat(store.tryAcquire(WEB, "b", T0.plus(Duration.ofMinutes(8)), TTL)).isEmpty();
  }

  @Test
  void renew_expiredEvenIfNobodyTookIt_leaseLostAndNotRevived() {
    RolloutStore store = store();
    Lease lease = store.tryAcquire(WEB, "a", T0, TTL).orElseThrow();

    assertThatThrownBy(() -> store.renew(lease, T0.plus(TTL), TTL)).isInstanceOf(LeaseLostException.class)
        .hasMessageContaining("no longer holds the lease of " + WEB);
    assertThat(store.tryAcquire(WEB, "b", T0.plus(TTL), TTL)).isPresent();
  }

  @Test
  void renew_takenOverByAnother_leaseLost() {
    RolloutStore store = store();
    Lease a = store.tryAcquire(WEB, "a", T0, TTL).orElseThrow();
    Lease b = store.tryAcquire(WEB, "b", T0.plus(TTL), TTL).orElseThrow();

    assertThatThrownBy(() -> store.renew(a, T0.plus(TTL), TTL)).isInstanceOf(LeaseLostException.class)
        .hasMessageContaining("held by b with token " + b.token());
  }

  @Test
  void renew_released_leaseLost() {
    RolloutStore store = store();
    Lease a = store.tryAcquire(WEB, "a", T0, TTL).orElseThrow();
    store.release(a);

    assertThatThrownBy(() -> store.renew(a, T0, TTL)).isInstanceOf(LeaseLostException.class);
  }

  @Test
  void renew_neverAcquired_leaseLost() {
    Lease forged = new Lease(WEB, "a", 1, T0.plus(TTL));

    assertThatThrownBy(() -> store().renew(forged, T0, TTL)).isInstanceOf(LeaseLostException.class);
  }

  @Test
  void tryAcquire_heldByAnother_emptyUntilItExpires() {
    RolloutStore store = store();
    Lease a = store.tryAcquire(WEB, "a", T0, TTL).orElseThrow();

    assertThat(store.tryAcquire(WEB, "b", T0.plus(Duration.ofMinutes(4)), TTL)).isEmpty();
    Lease b = store.tryAcquire(WEB, "b", T0.plus(TTL), TTL).orElseThrow();

    assertThat(b.token()).isGreaterThan(a.token());
    assertThat(b.owner()).isEqualTo("b");
  }

  @Test
  void tryAcquire_sameOwner_renewsWithSameToken() {
    RolloutStore store = store();
    Lease first = store.tryAcquire(WEB, "a", T0, TTL).orElseThrow();

    Lease renewed = store.tryAcquire(WEB, "a", T0.plus(Duration.ofMinutes(4)), TTL).orElseThrow();

    assertThat(renewed.token()).isEqualTo(first.token());
    assertThat(renewed.expiresAt()).isEqualTo(T0.plus(Duration.ofMinutes(9)));
  }

  @Test
  void save_afterLeasePassedToAnother_leaseLostAndNothingWritten() {
    RolloutStore store = store();
    Lease a = store.tryAcquire(WEB, "a", T0, TTL).orElseThrow();
    store.save(a, 0, "by a", T0);
    Lease b = store.tryAcquire(WEB, "b", T0.plus(TTL), TTL).orElseThrow();
    store.save(b, 1, "by b", T0.plus(TTL));

    // a wakes up late and still believes it drives the rollout: fenced off.
    assertThatThrownBy(() -> store.save(a, 2, "late a", T0.plus(TTL).plusSeconds(1)))
        .isInstanceOf(LeaseLostException.class).hasMessageContaining("held by b");
    assertThat(store.load(WEB).orElseThrow().data()).isEqualTo("by b");
  }

  @Test
  void save_expiredLeaseNobodyTookOver_leaseLost() {
    RolloutStore store = store();
    Lease a = store.tryAcquire(WEB, "a", T0, TTL).orElseThrow();

    assertThatThrownBy(() -> store.save(a, 0, "late", T0.plus(TTL))).isInstanceOf(LeaseLostException.class);
  }

  @Test
  void release_thenAnotherOwner_acquiresAtOnce() {
    RolloutStore store = store();
    Lease a = store.tryAcquire(WEB, "a", T0, TTL).orElseThrow();

    store.release(a);

    assertThat(store.tryAcquire(WEB, "b", T0.plusSeconds(1), TTL)).isPresent();
  }

  @Test
  void release_staleLease_doesNotReleaseTheNewHolder() {
    RolloutStore store = store();
    Lease a = store.tryAcquire(WEB, "a", T0, TTL).orElseThrow();
    store.tryAcquire(WEB, "b", T0.plus(TTL), TTL).orElseThrow();

    store.release(a);

    assertThat(store.tryAcquire(WEB, "c", T0.plus(TTL).plusSeconds(1), TTL)).isEmpty();
  }
}
