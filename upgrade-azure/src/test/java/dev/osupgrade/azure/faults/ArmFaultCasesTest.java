package dev.osupgrade.azure.faults;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import dev.osupgrade.OsUpgradeException;
import dev.osupgrade.azure.AzureFleet;
import dev.osupgrade.azure.emulator.ArmEmulator;
import dev.osupgrade.azure.emulator.ArmFault;
import dev.osupgrade.azure.emulator.ArmFaults;
import dev.osupgrade.azure.emulator.ArmOp;
import dev.osupgrade.event.RolloutEvent;
import dev.osupgrade.event.RolloutStalled;
import dev.osupgrade.fleet.HealthState;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.image.ImageVersion;
import dev.osupgrade.ops.RolloutStatus;
import dev.osupgrade.ops.UpgradeProgress;
import dev.osupgrade.port.RolloutStore;
import dev.osupgrade.rollout.InstanceStage;
import dev.osupgrade.rollout.Rollout;
import dev.osupgrade.rollout.RolloutRefusedException;
import dev.osupgrade.rollout.RolloutState;
import dev.osupgrade.testkit.SimulatedFleet;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.assertj.core.api.SoftAssertions;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The cases of issue 8, reproduced over the real adapter: a {@code Rollout} drives {@code AzureFleet} over the ARM
 * emulator while {@link ArmFaults} injects a fault, its checkpoints in {@code RolloutStore.file}, crashed and resumed
 * whenever an advance throws ({@link FaultedRollout}). Each case is graded by the world (the simulator's model, each
 * instance's image, health and reimages) and WireMock's journal, against the fault-free run of the same scenario:
 * ten instances, instance 7's new image fails health, automatic rollback on — Completed, 9 succeeded / 1 failed,
 * 7 back on V1, the model on V2.
 */
final class ArmFaultCasesTest {
  private static final ArmEmulator EMULATOR = ArmEmulator.create();
  private static final ArmFaults FAULTS = ArmFaults.over(EMULATOR);
  @RegisterExtension static final WireMockExtension ARM = FAULTS.extension();

  private static @Nullable RunFacts faultFree;
  private static final int UNKNOWN_TIMES = 3;

  @TempDir Path temp;
  private @Nullable StoreDirectories stores;

  @AfterEach
  void deleteStores() {
    EMULATOR.vmPageSize(ArmEmulator.DEFAULT_VM_PAGE_SIZE);
    if (stores != null) {
      stores.close();
    }
  }

  private Path storeDirectory() {
    if (stores == null) {
      stores = new StoreDirectories(temp);
    }
    return stores.next();
  }

  /** A fresh world of the issue's scenario, served through the fault layer (no rule yet). */
  private Scenario.World world() {
    Scenario.World world = Scenario.ROLLBACK.create();
    FAULTS.serve(ARM, world.fleet());
    return world;
  }

  private RunFacts drive(Scenario.World world) {
    return new FaultedRollout(ARM, FAULTS, world, Scenario.ROLLBACK, storeDirectory()).drive();
  }

  /** The fault-free run, once per class. */
  private RunFacts faultFree() {
    if (faultFree == null) {
      faultFree = drive(world());
    }
    return faultFree;
  }

  /** Asserts that a faulted run ended like the fault-free one, by the world's truth. */
  private void assertEndsLikeFaultFree(RunFacts facts) {
    RunFacts reference = faultFree();
    SoftAssertions soft = new SoftAssertions();
    soft.assertThat(facts.differencesFrom(reference, true)).as("differences from the fault-free run (%s)",
        facts.summary()).isEmpty();
    soft.assertThat(facts.truthProblems()).as("what the world contradicts").isEmpty();
    soft.assertThat(facts.untyped()).as("untyped exceptions").isEmpty();
    soft.assertThat(facts.hung()).as("hung").isFalse();
    soft.assertAll();
  }

  @Test
  void faultFree_issueScenario_completesNineOfTenWithSevenRolledBackAndTheModelOnTarget() {
    RunFacts facts = faultFree();
    Journal journal = Journal.read(ARM, FAULTS);

    assertThat(facts.status()).isEqualTo(RolloutStatus.COMPLETED);
    assertThat(facts.progress()).isEqualTo(new UpgradeProgress(9, 1, 0, 0));
    assertThat(facts.model().version()).contains(Scenario.V2);
    assertThat(facts.images()).hasSize(10).allSatisfy((id, v) ->
        assertThat(v).as("instance %s", id).isEqualTo(id.equals("7") ? Scenario.V1 : Scenario.V2));
    assertThat(facts.health()).allSatisfy((id, h) -> assertThat(h).as("instance %s", id).isEqualTo(
        HealthState.HEALTHY));
    assertThat(facts.reimages()).allSatisfy((id, n) -> assertThat(n).as("instance %s", id)
        .isEqualTo(id.equals("7") ? 2 : 1));
    assertThat(facts.crashes()).isEmpty();
    assertThat(facts.stalled()).isFalse();
    assertThat(facts.truthProblems()).isEmpty();
    assertThat(FAULTS.fired()).isZero();
    assertThat(journal.of(ArmOp.PATCH_MODEL_IMAGE)).hasSize(1);
    assertThat(journal.of(ArmOp.PATCH_ROLLBACK_MODEL)).hasSize(1);
    assertThat(journal.of(ArmOp.POST_ROLLBACK_UPGRADE)).singleElement()
        .satisfies(e -> assertThat(e.instanceIds()).containsExactly("7"));
    assertThat(journal.of(ArmOp.PATCH_RESTORE_MODEL)).hasSize(1);
    assertThat(journal.of(ArmOp.POST_MANUAL_UPGRADE)).hasSize(5);
    assertThat(journal.of(ArmOp.GET_VM)).as("no instance goes missing: no read of one instance").isEmpty();
  }

  /**
   * Case 1: the server applies the If-Match PATCH that moves the model back for the rollback, and the response is
   * lost. Today the retry finds the model already on the previous image and skips the PATCH back.
   */
  @Test
  void rollbackPatch_appliedAndResponseLost_endsLikeTheFaultFreeRun() {
    faultFree();
    Scenario.World world = world();
    FAULTS.on(ArmOp.PATCH_ROLLBACK_MODEL).nth(1).inject(ArmFault.RESET_AFTER);

    RunFacts facts = drive(world);
    Journal journal = Journal.read(ARM, FAULTS);

    assertThat(FAULTS.fired(ArmOp.PATCH_ROLLBACK_MODEL, ArmFault.RESET_AFTER)).isEqualTo(1);
    assertEndsLikeFaultFree(facts);
    List<Journal.Entry> modelPatches = journal.entries().stream().filter(e -> e.op() == ArmOp.PATCH_MODEL_IMAGE
        || e.op() == ArmOp.PATCH_ROLLBACK_MODEL || e.op() == ArmOp.PATCH_RESTORE_MODEL).toList();
    assertThat(modelPatches.get(modelPatches.size() - 1).op()).as("the last model PATCH moves it forward")
        .isNotEqualTo(ArmOp.PATCH_ROLLBACK_MODEL);
  }

  /**
   * Case 2: one listing of the instances comes back empty ({@code {}} or {@code {"value": []}}) mid-rollout. Today
   * every instance is settled as removed for good and the rollout completes with nothing upgraded.
   */
  @ParameterizedTest
  @EnumSource(value = ArmFault.class, names = {"EMPTY_OBJECT", "EMPTY_VALUE"})
  void emptyListing_onceMidRollout_settlesNoInstanceAsRemovedAndEndsLikeFaultFree(ArmFault empty) {
    faultFree();
    Scenario.World world = world();
    FAULTS.on(ArmOp.LIST_VMS).nth(5).inject(empty);

    FaultedRollout run = new FaultedRollout(ARM, FAULTS, world, Scenario.ROLLBACK, storeDirectory());
    RunFacts facts = run.drive();

    assertThat(FAULTS.fired(ArmOp.LIST_VMS, empty)).isEqualTo(1);
    RolloutState checkpoint = RolloutState.decode(run.store().load(world.web()).orElseThrow().data());
    assertThat(checkpoint.instancesIn(InstanceStage.REMOVED)).as("instances settled as removed").isEmpty();
    assertEndsLikeFaultFree(facts);
  }

  /**
   * Case 2, a lost page: a later page of the instance listing (five instances per page) is answered
   * {@code {"value": []}} on five looks in a row, so the listing lacks instance 7 while it is in flight. A listing can
   * be incomplete the same way twice, so 7 is not taken as gone: once it has been missing for a poll interval it is
   * read on its own (one GET of the scale set VM), found, and fails health and is rolled back as in the fault-free
   * run. It used to be settled as removed, and the rollout ended Completed 9/0 with 7 unhealthy on the target.
   */
  @Test
  void laterPageEmpty_fiveLooksInARow_theMissingInstanceIsReadOnItsOwnAndEndsLikeFaultFree() {
    faultFree();
    EMULATOR.vmPageSize(5);
    Scenario.World world = world();
    FAULTS.on(ArmOp.LIST_VMS_NEXT).nth(17).times(5).inject(ArmFault.EMPTY_VALUE);

    FaultedRollout run = new FaultedRollout(ARM, FAULTS, world, Scenario.ROLLBACK, storeDirectory());
    RunFacts facts = run.drive();
    Journal journal = Journal.read(ARM, FAULTS);

    assertThat(FAULTS.fired(ArmOp.LIST_VMS_NEXT, ArmFault.EMPTY_VALUE)).isEqualTo(5);
    assertThat(journal.of(ArmOp.GET_VM)).as("reads of one instance").isNotEmpty()
        .allSatisfy(e -> assertThat(e.status()).isEqualTo(200));
    RolloutState checkpoint = RolloutState.decode(run.store().load(world.web()).orElseThrow().data());
    assertThat(checkpoint.instancesIn(InstanceStage.REMOVED)).as("instances settled as removed").isEmpty();
    assertEndsLikeFaultFree(facts);
  }

  /**
   * Case 3: the scale set's upgrade mode is one the SDK does not know ({@code "Eventually"}). Today it is read as
   * Manual and the rollout starts changing the scale set. Unknown is not Manual: refused before any mutating request.
   */
  @Test
  void unknownUpgradeMode_refusedBeforeAnyMutatingRequest() {
    Scenario.World world = world();
    FAULTS.on(ArmOp.GET_SCALE_SET).always().inject(ArmFault.UNKNOWN_ENUM);
    AzureFleet azure = FAULTS.adapter(ARM, world.fleet());
    Rollout rollout = Rollout.builder(azure, world.web()).target(Scenario.V2).clock(world.fleet().clock())
        .store(RolloutStore.file(storeDirectory())).build();

    List<RuntimeException> thrown = new ArrayList<>();
    for (int look = 0; look < 20 && !rollout.isDone(); look++) {
      try {
        Optional<Instant> next = rollout.advance();
        if (next.isEmpty()) {
          break;
        }
        EMULATOR.locked(() -> world.fleet().clock().advanceTo(next.get()));
      } catch (RuntimeException e) {
        thrown.add(e);
        break;
      }
    }
    Journal journal = Journal.read(ARM, FAULTS);

    assertThat(FAULTS.fired(ArmOp.GET_SCALE_SET, ArmFault.UNKNOWN_ENUM)).isPositive();
    SoftAssertions soft = new SoftAssertions();
    soft.assertThat(journal.mutating()).as("mutating requests").isEmpty();
    soft.assertThat(world.fleet().peek(world.web()).modelImage().version()).contains(Scenario.V1);
    soft.assertThat(world.fleet().peek(world.web()).instances()).extracting(Instance::imageVersion)
        .containsOnly(Scenario.V1);
    soft.assertThat(thrown).as("the first advance refuses").hasSize(1)
        .hasOnlyElementsOfType(RolloutRefusedException.class);
    soft.assertAll();
  }

  /**
   * Case 3, mid-rollout: the scale set's upgrade mode reads as one the SDK does not know ({@code "Eventually"}) in the
   * GET the rollback makes before it moves the model (the second GET of the scale set: the first look sends the
   * first, and the model PATCH none), for {@value #UNKNOWN_TIMES} reads in a row. A refusal is only before the start:
   * mid-rollout an unknown mode makes the rollback wait (a stall, naming the mode) rather than guess it is Manual or
   * end the rollout, and the rollback happens once the mode reads Manual again.
   */
  @Test
  void unknownUpgradeMode_readByTheRollbackMidRollout_stallsAndEndsLikeFaultFree() {
    faultFree();
    Scenario.World world = world();
    FAULTS.on(ArmOp.GET_SCALE_SET).nth(2).times(UNKNOWN_TIMES).inject(ArmFault.UNKNOWN_ENUM);

    FaultedRollout run = new FaultedRollout(ARM, FAULTS, world, Scenario.ROLLBACK, storeDirectory());
    RunFacts facts = run.drive();

    assertThat(FAULTS.fired(ArmOp.GET_SCALE_SET, ArmFault.UNKNOWN_ENUM)).isEqualTo(UNKNOWN_TIMES);
    assertThat(run.events()).filteredOn(RolloutStalled.class::isInstance).map(e -> ((RolloutStalled) e).stall())
        .anySatisfy(st -> assertThat(st.message()).contains("Eventually"));
    assertEndsLikeFaultFree(facts);
  }

  /**
   * Case 4: ARM answers the adapter's own rollback PATCH with 412 once. Today the rollback is dropped:
   * {@code Faulted OperationRejected}, instance 7 left on the failing image, 8 instances never upgraded. The rollback
   * must still happen: re-read, re-decide with the new ETag.
   */
  @Test
  void rollbackPatch_412Once_rollbackStillHappensAndTheRestIsUpgraded() {
    faultFree();
    Scenario.World world = world();
    FAULTS.on(ArmOp.PATCH_ROLLBACK_MODEL).nth(1).inject(ArmFault.PRECONDITION_FAILED);

    RunFacts facts = drive(world);

    assertThat(FAULTS.fired(ArmOp.PATCH_ROLLBACK_MODEL, ArmFault.PRECONDITION_FAILED)).isEqualTo(1);
    assertThat(facts.images().get("7")).as("instance 7, rolled back (%s)", facts.summary()).isEqualTo(Scenario.V1);
    assertThat(facts.images().entrySet().stream().filter(e -> !e.getKey().equals("7")).map(Map.Entry::getValue))
        .as("the other nine (%s)", facts.summary()).containsOnly(Scenario.V2);
    assertEndsLikeFaultFree(facts);
  }

  /**
   * Case 5: one 409 (another operation in progress), one 401, one 403, or one malformed 200 listing. Today each ends
   * the rollout for good; each must only stall it, and the rollout finish like the fault-free run once it is gone.
   */
  @ParameterizedTest(name = "{0} on {1} (request {2})")
  @CsvSource({
      "CONFLICT, POST_MANUAL_UPGRADE, 2",
      "CONFLICT, PATCH_MODEL_IMAGE, 1",
      "UNAUTHORIZED, LIST_VMS, 5",
      "UNAUTHORIZED, POST_MANUAL_UPGRADE, 2",
      "FORBIDDEN, LIST_VMS, 5",
      "FORBIDDEN, POST_MANUAL_UPGRADE, 2",
      "MALFORMED, LIST_VMS, 5",
  })
  void infrastructureError_once_stallsAndThenEndsLikeFaultFree(ArmFault fault, ArmOp op, int nth) {
    faultFree();
    Scenario.World world = world();
    FAULTS.on(op).nth(nth).inject(fault);

    RunFacts facts = drive(world);

    assertThat(FAULTS.fired(op, fault)).isEqualTo(1);
    assertEndsLikeFaultFree(facts);
  }

  /**
   * Case 6, the zombie leader: replica a is stalled past its lease inside the second batch's {@code manualupgrade}
   * (ARM answers 503 and a's retry waits; while it waits, fleet time passes the 5-minute lease and replica b takes
   * over from the shared file store and sends the batch itself). When a comes back it must send nothing: it no longer
   * holds the lease. Each replica has its own adapter, tagging its requests; the journal says whose request was
   * whose.
   */
  @Test
  void zombieLeader_stalledPastItsLease_sendsNoMutatingRequestAfterTheOtherReplicaTookOver() {
    faultFree();
    Scenario.World world = world();
    SimulatedFleet fleet = world.fleet();
    Path directory = storeDirectory();
    FAULTS.on(ArmOp.POST_MANUAL_UPGRADE).nth(2).when(r -> "a".equals(r.getHeader(ArmFaults.REPLICA_HEADER)))
        .inject(ArmFault.SERVER_ERROR);

    List<RolloutEvent> events = new ArrayList<>();
    AtomicReference<@Nullable Rollout> b = new AtomicReference<>();
    AtomicBoolean tookOver = new AtomicBoolean();
    AzureFleet.Sleeper stalling = d -> {
      EMULATOR.locked(() -> fleet.clock().advance(d));
      if (FAULTS.fired() == 1 && tookOver.compareAndSet(false, true)) {
        // a is stuck in its call: fleet time passes its lease, and b takes over meanwhile
        EMULATOR.locked(() -> fleet.clock().advance(ArmFaults.DEFAULT_SLOW_BY));
        Rollout other = replica("b", FAULTS.adapter(ARM, fleet, ArmFaults.replicaTag("b")), world, directory,
            events);
        b.set(other);
        other.advance();
      }
    };
    Rollout a = replica("a", FAULTS.adapter(ARM, fleet, stalling, ArmFaults.replicaTag("a")), world, directory,
        events);

    Map<String, Rollout> replicas = new LinkedHashMap<>();
    replicas.put("a", a);
    for (int round = 0; round < 500; round++) {
      Rollout rb = b.get();
      if (rb != null) {
        replicas.putIfAbsent("b", rb);
      }
      if (replicas.values().stream().allMatch(Rollout::isDone) && replicas.size() == 2) {
        break;
      }
      Instant next = fleet.clock().instant().plus(Duration.ofMinutes(1));
      for (Map.Entry<String, Rollout> r : replicas.entrySet()) {
        try {
          Optional<Instant> at = r.getValue().advance();
          if (at.isPresent() && at.get().isBefore(next)) {
            next = at.get();
          }
        } catch (OsUpgradeException e) {
          // a replica that lost its lease mid-call: it comes back on its next advance
        }
      }
      Instant at = next;
      EMULATOR.locked(() -> fleet.clock().advanceTo(at));
    }
    Journal journal = Journal.read(ARM, FAULTS);

    assertThat(tookOver).as("b took over while a was stalled").isTrue();
    int firstOfB = -1;
    for (int i = 0; i < journal.entries().size(); i++) {
      if ("b".equals(journal.entries().get(i).replica())) {
        firstOfB = i;
        break;
      }
    }
    assertThat(firstOfB).as("b sent requests").isNotNegative();
    List<Journal.Entry> zombie = journal.entries().subList(firstOfB, journal.entries().size()).stream()
        .filter(e -> "a".equals(e.replica()) && e.op().isMutating()).toList();
    Map<List<String>, Integer> batches = new LinkedHashMap<>();
    for (Journal.Entry e : journal.of(ArmOp.POST_MANUAL_UPGRADE)) {
      if (e.applied()) {
        batches.merge(e.instanceIds(), 1, Integer::sum);
      }
    }
    SoftAssertions soft = new SoftAssertions();
    soft.assertThat(zombie).as("mutating requests of a after b took over").isEmpty();
    soft.assertThat(batches).as("applied manualupgrades per batch").hasSize(5).allSatisfy((ids, n) ->
        assertThat(n).as("batch %s", ids).isEqualTo(1));
    Map<String, ImageVersion> images = new LinkedHashMap<>();
    fleet.peek(world.web()).instances().forEach(i -> images.put(i.instanceId(), i.imageVersion()));
    soft.assertThat(images).as("the world").isEqualTo(faultFree().images());
    soft.assertThat(fleet.peek(world.web()).modelImage().version()).contains(Scenario.V2);
    soft.assertAll();
  }

  private static Rollout replica(String owner, AzureFleet azure, Scenario.World world, Path directory,
      List<RolloutEvent> events) {
    RolloutStore store = RolloutStore.file(directory);
    Rollout.Builder b = store.load(world.web()).isPresent() ? Rollout.resuming(azure, world.web(), store)
        : Rollout.builder(azure, world.web()).store(store);
    return Scenario.ROLLBACK.configure(b.target(Scenario.V2).owner(owner).clock(world.fleet().clock())
        .listener(events::add)).build();
  }
}
