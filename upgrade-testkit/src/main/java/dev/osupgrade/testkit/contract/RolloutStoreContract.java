package dev.osupgrade.testkit.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osupgrade.InvalidValueException;
import dev.osupgrade.OsUpgradeException;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.port.Checkpoint;
import dev.osupgrade.port.CheckpointConflictException;
import dev.osupgrade.port.Lease;
import dev.osupgrade.port.LeaseLostException;
import dev.osupgrade.port.RolloutStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * What every {@link RolloutStore} guarantees, case by case: compare-and-set saves, leases that expire and pass to
 * another replica, fencing tokens that only grow (also across releases), renewals that never revive a lost lease,
 * saves refused once the lease is lost, corrupt data reported and left alone, and writers racing from several
 * threads, each with its own replica of the store, where exactly one wins every round and no update is lost.
 *
 * <p>A store implementation extends this class and says how to open its store:
 * <pre>{@code
 * final class MyStoreContractTest extends RolloutStoreContract {
 *   @TempDir Path dir;
 *   @Override protected RolloutStore openReplica() { return MyStore.open(dir); }
 *   @Override protected void corrupt(ScaleSetId scaleSet) throws Exception { ...overwrite its bytes... }
 * }
 * }</pre>
 *
 * <h2>What the contract leaves to the implementation</h2>
 * <ul>
 *   <li>Whether {@link #openReplica()} gives a new client over the same storage (the file and blob stores: each is
 *       what another process would open) or the same object (the in-memory store, which only one JVM can share):
 *       the racing cases hold either way.</li>
 *   <li>A store that keeps no bytes (the in-memory one) cannot be corrupted: the corrupt-data cases are skipped
 *       for it, saying so, unless it overrides {@link #corrupt}.</li>
 *   <li>Two ids that differ only in the case of the subscription: ARM treats them as one scale set; a store may do
 *       the same or keep them apart. Not a case.</li>
 * </ul>
 * Times are the caller's: every case passes them in, and no case waits.
 */
public abstract class RolloutStoreContract {
  /** A scale set the cases use. */
  protected static final ScaleSetId WEB = ScaleSetId.of("rg-web", "web");
  /** Another scale set. */
  protected static final ScaleSetId API = ScaleSetId.of("rg-web", "api");
  /** When each case starts. */
  protected static final Instant T0 = Instant.parse("2026-01-05T00:00:00Z");
  /** The lease time the cases use. */
  protected static final Duration TTL = Duration.ofMinutes(5);

  private static final int RACERS = 4;
  private static final int ROUNDS = 12;

  private final List<ExecutorService> pools = new ArrayList<>();

  /** Creates the contract. */
  protected RolloutStoreContract() {}

  /**
   * Opens the store under test over this case's storage, as another replica would: each case starts with empty
   * storage, and every call within a case sees the same storage. Called several times per case.
   *
   * @return a store over the case's storage
   */
  protected abstract RolloutStore openReplica();

  /**
   * Overwrites what the store keeps for a scale set with bytes that are not a checkpoint, behind the store's back
   * (as a disk fault or a stray tool would). The default skips the calling case: a store that keeps no bytes cannot
   * be corrupted.
   *
   * @param scaleSet a scale set the case has written
   * @throws Exception if the bytes could not be overwritten
   */
  protected void corrupt(ScaleSetId scaleSet) throws Exception {
    Assumptions.abort("this store keeps no bytes that could be corrupted");
  }

  /** Stops the racing cases' threads. */
  @AfterEach
  void stopPools() {
    pools.forEach(ExecutorService::shutdownNow);
  }

  // ---- compare-and-set ----------------------------------------------------------------------------------------

  @Test
  void load_nothingSaved_empty() {
    assertThat(openReplica().load(WEB)).isEmpty();
  }

  @Test
  void load_leaseTakenButNothingSaved_empty() {
    RolloutStore store = openReplica();
    store.tryAcquire(WEB, "a", T0, TTL).orElseThrow();

    assertThat(store.load(WEB)).isEmpty();
    assertThat(openReplica().load(WEB)).isEmpty();
  }

  @Test
  void save_withLease_versionsCountFromOneAndEveryReplicaLoadsTheLatest() {
    RolloutStore store = openReplica();
    Lease lease = store.tryAcquire(WEB, "a", T0, TTL).orElseThrow();

    Checkpoint first = store.save(lease, 0, "one", T0);
    Checkpoint second = store.save(lease, first.version(), "two", T0.plusSeconds(1));

    assertThat(first.version()).isEqualTo(1);
    assertThat(second.version()).isEqualTo(2);
    assertThat(second).isEqualTo(new Checkpoint(WEB, 2, "a", T0.plusSeconds(1), "two"));
    assertThat(store.load(WEB)).contains(second);
    assertThat(openReplica().load(WEB)).contains(second);
    assertThat(openReplica().load(API)).isEmpty();
  }

  @Test
  void save_staleExpectedVersion_conflictAndNothingWritten() {
    RolloutStore store = openReplica();
    Lease lease = store.tryAcquire(WEB, "a", T0, TTL).orElseThrow();
    store.save(lease, 0, "one", T0);

    assertThatThrownBy(() -> store.save(lease, 0, "stale", T0)).isInstanceOf(CheckpointConflictException.class)
        .hasMessageContaining("version 1, not the expected 0");
    assertThat(openReplica().load(WEB).orElseThrow().data()).isEqualTo("one");
  }

  @Test
  void save_expectedVersionAhead_conflictAndNothingWritten() {
    RolloutStore store = openReplica();
    Lease lease = store.tryAcquire(WEB, "a", T0, TTL).orElseThrow();
    store.save(lease, 0, "one", T0);

    assertThatThrownBy(() -> store.save(lease, 5, "ahead", T0)).isInstanceOf(CheckpointConflictException.class)
        .hasMessageContaining("version 1, not the expected 5");
    assertThat(openReplica().load(WEB).orElseThrow().version()).isEqualTo(1);
  }

  @Test
  void save_anotherReplicaSavedMeanwhile_conflict() {
    RolloutStore mine = openReplica();
    RolloutStore twin = openReplica();
    Lease lease = mine.tryAcquire(WEB, "a", T0, TTL).orElseThrow();
    mine.save(lease, 0, "one", T0);
    twin.save(lease, 1, "two from the twin", T0.plusSeconds(1));

    assertThatThrownBy(() -> mine.save(lease, 1, "two", T0.plusSeconds(2)))
        .isInstanceOf(CheckpointConflictException.class).hasMessageContaining("version 2, not the expected 1");
    assertThat(mine.save(lease, 2, "three", T0.plusSeconds(3)).version()).isEqualTo(3);
    assertThat(openReplica().load(WEB).orElseThrow().data()).isEqualTo("three");
  }

  @Test
  void save_twoScaleSets_keepSeparateCheckpointsAndLeases() {
    RolloutStore store = openReplica();
    ScaleSetId a = ScaleSetId.of("rg_a", "b");
    ScaleSetId b = ScaleSetId.of("rg", "a_b");
    ScaleSetId elsewhere = ScaleSetId.of("11111111-1111-1111-1111-111111111111", "rg_a", "b");
    Lease la = store.tryAcquire(a, "x", T0, TTL).orElseThrow();
    Lease lb = store.tryAcquire(b, "y", T0, TTL).orElseThrow();
    Lease le = store.tryAcquire(elsewhere, "z", T0, TTL).orElseThrow();

    store.save(la, 0, "of a", T0);
    store.save(lb, 0, "of b", T0);
    store.save(le, 0, "of elsewhere", T0);

    RolloutStore other = openReplica();
    assertThat(other.load(a).orElseThrow().data()).isEqualTo("of a");
    assertThat(other.load(b).orElseThrow().data()).isEqualTo("of b");
    assertThat(other.load(elsewhere).orElseThrow().data()).isEqualTo("of elsewhere");
    assertThat(other.tryAcquire(a, "y", T0, TTL)).isEmpty();
  }

  // ---- leases: expiry, takeover, tokens -----------------------------------------------------------------------

  @Test
  void tryAcquire_heldByAnother_emptyUntilItExpires() {
    Lease a = openReplica().tryAcquire(WEB, "a", T0, TTL).orElseThrow();
    RolloutStore other = openReplica();

    assertThat(other.tryAcquire(WEB, "b", T0.plus(TTL).minusMillis(1), TTL)).isEmpty();
    Lease b = other.tryAcquire(WEB, "b", T0.plus(TTL), TTL).orElseThrow();

    assertThat(b.token()).isGreaterThan(a.token());
    assertThat(b).isEqualTo(new Lease(WEB, "b", b.token(), T0.plus(TTL).plus(TTL)));
  }

  @Test
  void tryAcquire_sameOwner_renewsWithSameToken() {
    RolloutStore store = openReplica();
    Lease first = store.tryAcquire(WEB, "a", T0, TTL).orElseThrow();

    Lease again = store.tryAcquire(WEB, "a", T0.plus(Duration.ofMinutes(4)), TTL).orElseThrow();

    assertThat(again.token()).isEqualTo(first.token());
    assertThat(again.expiresAt()).isEqualTo(T0.plus(Duration.ofMinutes(9)));
    assertThat(openReplica().tryAcquire(WEB, "b", T0.plus(Duration.ofMinutes(8)), TTL)).isEmpty();
  }

  @Test
  void tryAcquire_afterExpiry_newHolderContinuesFromTheCheckpoint() {
    RolloutStore a = openReplica();
    Lease la = a.tryAcquire(WEB, "a", T0, TTL).orElseThrow();
    a.save(la, 0, "batch 1 done", T0);
    RolloutStore b = openReplica();

    Lease lb = b.tryAcquire(WEB, "b", T0.plus(TTL), TTL).orElseThrow();
    Checkpoint found = b.load(WEB).orElseThrow();
    Checkpoint next = b.save(lb, found.version(), "batch 2 done", T0.plus(TTL));

    assertThat(found.data()).isEqualTo("batch 1 done");
    assertThat(next).isEqualTo(new Checkpoint(WEB, 2, "b", T0.plus(TTL), "batch 2 done"));
    assertThat(a.load(WEB)).contains(next);
  }

  @Test
  void token_acrossTakeoversAndReleases_onlyGrows() {
    List<Long> tokens = new ArrayList<>();
    Instant now = T0;
    RolloutStore a = openReplica();
    RolloutStore b = openReplica();
    Lease l = a.tryAcquire(WEB, "a", now, TTL).orElseThrow();
    tokens.add(l.token());
    a.release(l);
    l = b.tryAcquire(WEB, "b", now, TTL).orElseThrow(); // after a release
    tokens.add(l.token());
    now = now.plus(TTL);
    l = a.tryAcquire(WEB, "a", now, TTL).orElseThrow(); // after an expiry
    tokens.add(l.token());
    a.release(l);
    l = a.tryAcquire(WEB, "a", now, TTL).orElseThrow(); // the same owner after its own release
    tokens.add(l.token());
    now = now.plus(TTL);
    l = openReplica().tryAcquire(WEB, "a", now, TTL).orElseThrow(); // the same owner after its own expiry
    tokens.add(l.token());

    assertThat(tokens).hasSize(5).isSorted().doesNotHaveDuplicates();
    assertThat(tokens.get(0)).isPositive();
  }

  @Test
  void tryAcquire_badInput_invalidValueAndNothingChanges() {
    RolloutStore store = openReplica();

    assertThatThrownBy(() -> store.tryAcquire(WEB, " ", T0, TTL)).isInstanceOf(InvalidValueException.class);
    assertThatThrownBy(() -> store.tryAcquire(WEB, "a\nlease.owner=b", T0, TTL))
        .isInstanceOf(InvalidValueException.class).hasMessageContaining("owner must be free of control characters");
    assertThatThrownBy(() -> store.tryAcquire(WEB, "a", T0, Duration.ZERO))
        .isInstanceOf(InvalidValueException.class);
    assertThatThrownBy(() -> store.tryAcquire(WEB, "a", T0, Duration.ofSeconds(-1)))
        .isInstanceOf(InvalidValueException.class);

    assertThat(store.tryAcquire(WEB, "b", T0, TTL).orElseThrow().owner()).isEqualTo("b");
  }

  // ---- renew: the fencing check -------------------------------------------------------------------------------

  @Test
  void renew_heldLease_extendsItWithTheSameToken() {
    RolloutStore store = openReplica();
    Lease lease = store.tryAcquire(WEB, "a", T0, TTL).orElseThrow();

    Lease renewed = store.renew(lease, T0.plus(Duration.ofMinutes(4)), TTL);
    Lease again = store.renew(renewed, T0.plus(Duration.ofMinutes(8)), TTL);

    assertThat(renewed).isEqualTo(new Lease(WEB, "a", lease.token(), T0.plus(Duration.ofMinutes(9))));
    assertThat(again.expiresAt()).isEqualTo(T0.plus(Duration.ofMinutes(13)));
    assertThat(openReplica().tryAcquire(WEB, "b", T0.plus(Duration.ofMinutes(12)), TTL)).isEmpty();
  }

  @Test
  void renew_expiredEvenIfNobodyTookIt_leaseLostAndNotRevived() {
    RolloutStore store = openReplica();
    Lease lease = store.tryAcquire(WEB, "a", T0, TTL).orElseThrow();

    assertThatThrownBy(() -> store.renew(lease, T0.plus(TTL), TTL)).isInstanceOf(LeaseLostException.class)
        .hasMessageContaining("no longer holds the lease of " + WEB);
    assertThat(openReplica().tryAcquire(WEB, "b", T0.plus(TTL), TTL)).isPresent();
  }

  @Test
  void renew_takenOverByAnother_leaseLost() {
    RolloutStore store = openReplica();
    Lease a = store.tryAcquire(WEB, "a", T0, TTL).orElseThrow();
    Lease b = openReplica().tryAcquire(WEB, "b", T0.plus(TTL), TTL).orElseThrow();

    assertThatThrownBy(() -> store.renew(a, T0.plus(TTL), TTL)).isInstanceOf(LeaseLostException.class)
        .hasMessageContaining("held by b with token " + b.token());
    // the old holder's clock may lag: the record still says b
    assertThatThrownBy(() -> store.renew(a, T0.plus(TTL).minusSeconds(1), TTL))
        .isInstanceOf(LeaseLostException.class);
  }

  @Test
  void renew_released_leaseLost() {
    RolloutStore store = openReplica();
    Lease a = store.tryAcquire(WEB, "a", T0, TTL).orElseThrow();
    store.release(a);

    assertThatThrownBy(() -> store.renew(a, T0, TTL)).isInstanceOf(LeaseLostException.class);
  }

  @Test
  void renew_neverAcquired_leaseLost() {
    Lease forged = new Lease(WEB, "a", 1, T0.plus(TTL));

    assertThatThrownBy(() -> openReplica().renew(forged, T0, TTL)).isInstanceOf(LeaseLostException.class);
    assertThat(openReplica().tryAcquire(WEB, "b", T0, TTL)).isPresent();
  }

  @Test
  void renew_racingATakeoverAtExpiry_exactlyOneWinsEachRound() throws Exception {
    Instant expiry = T0.plus(TTL);
    Lease held = openReplica().tryAcquire(WEB, "holder", T0, TTL).orElseThrow();
    for (int round = 0; round < ROUNDS; round++) {
      // the holder renews just before expiry by its clock; the challenger's clock already says expired
      Lease lease = held;
      Instant renewAt = expiry.minusMillis(1);
      Instant challengeAt = expiry;
      RolloutStore holderStore = openReplica();
      RolloutStore challengerStore = openReplica();
      List<Object> outcomes = race(List.of(
          () -> attempt(() -> holderStore.renew(lease, renewAt, TTL)),
          () -> attempt(() -> challengerStore.tryAcquire(WEB, "challenger", challengeAt, TTL).orElse(null))));

      boolean renewed = outcomes.get(0) instanceof Lease;
      boolean tookOver = outcomes.get(1) instanceof Lease;
      assertThat(renewed ^ tookOver).as("round %d: exactly one of renewal and takeover: %s", round, outcomes)
          .isTrue();
      Lease winner = (Lease) (renewed ? outcomes.get(0) : outcomes.get(1));
      if (!renewed) {
        assertThat(outcomes.get(0)).as("the holder is told").isInstanceOf(LeaseLostException.class);
        assertThat(winner.token()).isGreaterThan(lease.token());
        openReplica().release(winner);
        held = openReplica().tryAcquire(WEB, "holder", challengeAt, TTL).orElseThrow();
      } else {
        assertThat(outcomes.get(1)).as("the challenger is refused").isNull();
        held = winner;
      }
      expiry = held.expiresAt();
    }
  }

  // ---- saves after losing the lease ---------------------------------------------------------------------------

  @Test
  void save_afterLeasePassedToAnother_leaseLostAndNothingWritten() {
    RolloutStore store = openReplica();
    Lease a = store.tryAcquire(WEB, "a", T0, TTL).orElseThrow();
    store.save(a, 0, "by a", T0);
    RolloutStore other = openReplica();
    Lease b = other.tryAcquire(WEB, "b", T0.plus(TTL), TTL).orElseThrow();
    other.save(b, 1, "by b", T0.plus(TTL));

    // a wakes up late and still believes it drives the rollout: fenced off, whatever version it names
    assertThatThrownBy(() -> store.save(a, 2, "late a", T0.plus(TTL).plusSeconds(1)))
        .isInstanceOf(LeaseLostException.class).hasMessageContaining("held by b");
    assertThatThrownBy(() -> store.save(a, 1, "late a", T0.plus(TTL).minusSeconds(1)))
        .isInstanceOf(LeaseLostException.class);
    assertThat(openReplica().load(WEB).orElseThrow()).extracting(Checkpoint::data, Checkpoint::version)
        .containsExactly("by b", 2L);
  }

  @Test
  void save_expiredLeaseNobodyTookOver_leaseLost() {
    RolloutStore store = openReplica();
    Lease a = store.tryAcquire(WEB, "a", T0, TTL).orElseThrow();

    assertThatThrownBy(() -> store.save(a, 0, "late", T0.plus(TTL))).isInstanceOf(LeaseLostException.class);
    assertThat(openReplica().load(WEB)).isEmpty();
  }

  @Test
  void save_afterRelease_leaseLost() {
    RolloutStore store = openReplica();
    Lease a = store.tryAcquire(WEB, "a", T0, TTL).orElseThrow();
    store.save(a, 0, "one", T0);
    store.release(a);

    assertThatThrownBy(() -> store.save(a, 1, "after release", T0)).isInstanceOf(LeaseLostException.class);
    assertThat(openReplica().load(WEB).orElseThrow().data()).isEqualTo("one");
  }

  // ---- release ------------------------------------------------------------------------------------------------

  @Test
  void release_thenAnotherOwner_acquiresAtOnceAndFindsTheCheckpoint() {
    RolloutStore store = openReplica();
    Lease a = store.tryAcquire(WEB, "a", T0, TTL).orElseThrow();
    store.save(a, 0, "kept", T0);

    store.release(a);

    RolloutStore other = openReplica();
    assertThat(other.tryAcquire(WEB, "b", T0.plusSeconds(1), TTL)).isPresent();
    assertThat(other.load(WEB).orElseThrow().data()).isEqualTo("kept");
  }

  @Test
  void release_staleLease_doesNotReleaseTheNewHolder() {
    RolloutStore store = openReplica();
    Lease a = store.tryAcquire(WEB, "a", T0, TTL).orElseThrow();
    openReplica().tryAcquire(WEB, "b", T0.plus(TTL), TTL).orElseThrow();

    store.release(a);

    assertThat(openReplica().tryAcquire(WEB, "c", T0.plus(TTL).plusSeconds(1), TTL)).isEmpty();
  }

  @Test
  void release_twiceOrNeverAcquired_noOp() {
    RolloutStore store = openReplica();
    store.release(new Lease(WEB, "a", 1, T0.plus(TTL)));
    Lease a = store.tryAcquire(WEB, "a", T0, TTL).orElseThrow();

    store.release(a);
    store.release(a);

    assertThat(openReplica().tryAcquire(WEB, "b", T0, TTL).orElseThrow().token()).isGreaterThan(a.token());
  }

  // ---- data ---------------------------------------------------------------------------------------------------

  @Test
  void save_newlinesUnicodeAndAHundredKilobytes_roundTripExactly() {
    StringBuilder big = new StringBuilder();
    SplittableRandom random = new SplittableRandom(11);
    while (big.length() < 100 * 1024) {
      big.append("instance ").append(random.nextInt(1_000_000)).append(" upgraded=").append(random.nextBoolean())
          .append(random.nextInt(10) == 0 ? "\r\n" : "\n");
    }
    List<String> texts = List.of(
        "",
        "\n\nstarts with a blank line\n\nand ends with two\n\n",
        "key=value\nlease.owner=mallory\nversion=99\n\n",
        "  leading and trailing spaces\t ",
        "Ünïcödé: 日本語, ελληνικά, emoji 🚀🧪, combining e\u0301, BOM \uFEFF, NUL \u0000 end",
        big.toString());
    RolloutStore store = openReplica();
    String owner = "réplica 1 ✓ (pod/web-7f9c)";
    Lease lease = store.tryAcquire(WEB, owner, T0, TTL).orElseThrow();
    long version = 0;
    for (String text : texts) {
      Checkpoint saved = store.save(lease, version, text, T0.plusSeconds(version));
      version = saved.version();

      Checkpoint loaded = openReplica().load(WEB).orElseThrow();
      assertThat(loaded.data()).as("text %d (%d chars)", version, text.length()).isEqualTo(text);
      assertThat(loaded).isEqualTo(saved);
      assertThat(loaded.owner()).isEqualTo(owner);
    }
    assertThat(openReplica().renew(lease, T0, TTL).owner()).isEqualTo(owner);
  }

  // ---- corrupt data -------------------------------------------------------------------------------------------

  @Test
  void load_corruptRecord_checkpointCorruptError() throws Exception {
    RolloutStore store = openReplica();
    Lease lease = store.tryAcquire(WEB, "a", T0, TTL).orElseThrow();
    store.save(lease, 0, "good", T0);

    corrupt(WEB);

    assertCorrupt(() -> openReplica().load(WEB));
    assertCorrupt(() -> store.load(WEB));
  }

  @Test
  void tryAcquire_corruptRecord_checkpointCorruptAndLeftAsItIs() throws Exception {
    RolloutStore store = openReplica();
    Lease lease = store.tryAcquire(WEB, "a", T0, TTL).orElseThrow();
    store.save(lease, 0, "good", T0);
    corrupt(WEB);

    assertCorrupt(() -> openReplica().tryAcquire(WEB, "b", T0.plus(TTL), TTL));
    assertCorrupt(() -> store.tryAcquire(WEB, "a", T0.plusSeconds(1), TTL));
    assertCorrupt(() -> openReplica().load(WEB)); // nobody wrote over it
  }

  @Test
  void saveAndRenew_corruptRecord_checkpointCorruptAndLeftAsItIs() throws Exception {
    RolloutStore store = openReplica();
    Lease lease = store.tryAcquire(WEB, "a", T0, TTL).orElseThrow();
    store.save(lease, 0, "good", T0);
    corrupt(WEB);

    assertCorrupt(() -> store.save(lease, 1, "next", T0.plusSeconds(1)));
    assertCorrupt(() -> store.renew(lease, T0.plusSeconds(1), TTL));
    assertCorrupt(() -> openReplica().load(WEB));
  }

  @Test
  void corruptRecord_otherScaleSets_unaffected() throws Exception {
    RolloutStore store = openReplica();
    Lease web = store.tryAcquire(WEB, "a", T0, TTL).orElseThrow();
    Lease api = store.tryAcquire(API, "a", T0, TTL).orElseThrow();
    store.save(web, 0, "web", T0);
    store.save(api, 0, "api", T0);

    corrupt(WEB);

    assertThat(openReplica().load(API).orElseThrow().data()).isEqualTo("api");
    assertThat(store.save(api, 1, "api 2", T0).version()).isEqualTo(2);
  }

  // ---- concurrent writers -------------------------------------------------------------------------------------

  @Test
  void tryAcquireAndSave_replicasRacingEachRound_exactlyOneWinsAndNoUpdateIsLost() throws Exception {
    List<RolloutStore> replicas = new ArrayList<>();
    for (int i = 0; i < RACERS; i++) {
      replicas.add(openReplica());
    }
    long lastToken = 0;
    for (int round = 1; round <= ROUNDS; round++) {
      // every lease of the round before has just expired: all racers may take it
      Instant now = T0.plus(TTL.multipliedBy(round));
      List<Callable<Object>> racers = new ArrayList<>();
      for (int i = 0; i < RACERS; i++) {
        RolloutStore store = replicas.get(i);
        String owner = "replica-" + i;
        racers.add(() -> attempt(() -> {
          Optional<Lease> lease = store.tryAcquire(WEB, owner, now, TTL);
          if (lease.isEmpty()) {
            return null;
          }
          Optional<Checkpoint> last = store.load(WEB);
          long count = last.map(c -> Long.parseLong(c.data().substring("count ".length()))).orElse(0L);
          store.save(lease.get(), last.map(Checkpoint::version).orElse(0L), "count " + (count + 1), now);
          return lease.get();
        }));
      }
      List<Object> outcomes = race(racers);

      List<Lease> winners = outcomes.stream().filter(Lease.class::isInstance).map(Lease.class::cast).toList();
      assertThat(winners).as("round %d: %s", round, outcomes).hasSize(1);
      assertThat(outcomes).as("round %d: the others are refused, not failed", round).containsOnly(winners.get(0),
          null);
      assertThat(winners.get(0).token()).isGreaterThan(lastToken);
      lastToken = winners.get(0).token();
      Checkpoint now2 = openReplica().load(WEB).orElseThrow();
      assertThat(now2.data()).isEqualTo("count " + round);
      assertThat(now2.version()).isEqualTo(round);
      assertThat(now2.owner()).isEqualTo(winners.get(0).owner());
    }
  }

  @Test
  void save_twinsOfOneHolderRacingOnOneVersion_exactlyOneWinsEachRound() throws Exception {
    Lease lease = openReplica().tryAcquire(WEB, "a", T0, Duration.ofDays(1)).orElseThrow();
    List<RolloutStore> twins = new ArrayList<>();
    for (int i = 0; i < RACERS; i++) {
      twins.add(openReplica());
    }
    for (int round = 0; round < ROUNDS; round++) {
      long expected = round;
      Instant now = T0.plusSeconds(round);
      List<Callable<Object>> racers = new ArrayList<>();
      for (int i = 0; i < RACERS; i++) {
        RolloutStore store = twins.get(i);
        String data = "round " + round + " by twin " + i;
        racers.add(() -> attempt(() -> store.save(lease, expected, data, now)));
      }
      List<Object> outcomes = race(racers);

      List<Checkpoint> saved = outcomes.stream().filter(Checkpoint.class::isInstance).map(Checkpoint.class::cast)
          .toList();
      assertThat(saved).as("round %d: %s", round, outcomes).hasSize(1);
      assertThat(outcomes.stream().filter(o -> !(o instanceof Checkpoint)))
          .as("round %d: the others conflict", round).hasSize(RACERS - 1)
          .allSatisfy(o -> assertThat(o).isInstanceOf(CheckpointConflictException.class));
      assertThat(openReplica().load(WEB)).contains(saved.get(0));
      assertThat(saved.get(0).version()).isEqualTo(round + 1);
    }
  }

  // ---- helpers ------------------------------------------------------------------------------------------------

  private static void assertCorrupt(org.assertj.core.api.ThrowableAssert.ThrowingCallable call) {
    assertThatThrownBy(call).isInstanceOf(OsUpgradeException.class)
        .satisfies(e -> assertThat(((OsUpgradeException) e).code()).as("code of %s", e)
            .isEqualTo(OsUpgradeException.CHECKPOINT_CORRUPT));
  }

  /** What a racer did: its result, or the port's exception it got (anything else fails the case). */
  private static Object attempt(Callable<Object> call) throws Exception {
    try {
      return call.call();
    } catch (LeaseLostException | CheckpointConflictException refused) {
      return refused;
    }
  }

  /** Runs the racers at once, each on its own thread, started together; their outcomes in order. */
  private List<Object> race(List<Callable<Object>> racers) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(racers.size());
    pools.add(pool);
    CountDownLatch ready = new CountDownLatch(racers.size());
    CountDownLatch go = new CountDownLatch(1);
    List<Future<Object>> futures = new ArrayList<>();
    for (Callable<Object> racer : racers) {
      futures.add(pool.submit(() -> {
        ready.countDown();
        go.await();
        return racer.call();
      }));
    }
    assertThat(ready.await(10, TimeUnit.SECONDS)).as("racers started").isTrue();
    go.countDown();
    List<Object> outcomes = new ArrayList<>();
    for (Future<Object> f : futures) {
      try {
        outcomes.add(f.get(20, TimeUnit.SECONDS));
      } catch (ExecutionException e) {
        throw new AssertionError("a racer failed: " + e.getCause(), e.getCause());
      }
    }
    pool.shutdown();
    return outcomes;
  }
}
