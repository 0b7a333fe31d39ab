package dev.osupgrade.azure.replicas;

import static dev.osupgrade.azure.emulator.ArmImages.UBUNTU;
import static dev.osupgrade.azure.emulator.ArmImages.V1;
import static dev.osupgrade.azure.emulator.ArmImages.V2;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import dev.osupgrade.azure.BlobRolloutStore;
import dev.osupgrade.azure.azurite.Azurite;
import dev.osupgrade.azure.azurite.AzuriteExtension;
import dev.osupgrade.azure.emulator.ArmEmulator;
import dev.osupgrade.azure.emulator.ArmFaults;
import dev.osupgrade.azure.emulator.ArmOp;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.ProvisioningState;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.image.ImageRelease;
import dev.osupgrade.ops.RolloutStatus;
import dev.osupgrade.port.Checkpoint;
import dev.osupgrade.rollout.RolloutState;
import dev.osupgrade.testkit.FleetRecord;
import dev.osupgrade.testkit.InstanceChange;
import dev.osupgrade.testkit.ScaleSetSpec;
import dev.osupgrade.testkit.SimulatedFleet;
import dev.osupgrade.testkit.SimulationProfile;
import dev.osupgrade.testkit.VirtualClock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Replicas in separate processes (issue 11): three JVMs, each a {@link ReplicaMain} with a {@code RolloutRunner} on
 * the real clock, its own {@code AzureFleet} and its own {@link BlobRolloutStore}, share one Azurite container and one
 * ARM emulator (this process, HTTPS on a free loopback port) and all drive the same three scale sets of ten instances
 * to the same version. The replica that sends the second {@code manualupgrade} of a scale set is killed with
 * {@code kill -9} while ARM applies it ({@link KillSwitch}): mid-batch, its instances updating. The others take over
 * its scale sets when its lease runs out and finish.
 *
 * <p><b>Time.</b> The replicas and their leases run on the real clock. The world (the simulator behind the emulator)
 * runs on a virtual clock that this test moves ten times faster than real time (200 ms every 20 ms, while no request
 * is being answered), and that each poll of a running ARM operation moves on by 500 ms; instances take 2–4 s of world
 * time to upgrade and 1.5–3 s more to boot and report healthy, so a batch takes a fraction of a real second. Nothing
 * about timing is asserted: only outcomes, with generous bounds on waiting.
 *
 * <p><b>What is checked</b>, from the world, the emulator's journal, the store and the replicas' lease logs
 * ({@link LeaseHistory}), not from what the replicas say about themselves:
 * <ul>
 *   <li>every instance of every scale set was upgraded exactly once: the simulator's record shows one upgrade start
 *       and no rollback per instance, and it runs the target; the journal's {@code manualupgrade} requests, from all
 *       replicas together, name each instance exactly once;</li>
 *   <li>every rollout ended {@code Completed}: each scale set's checkpoint in Azurite says so, and each survivor
 *       reports all three ended {@code Completed};</li>
 *   <li>no mutating call was sent without the lease. The criterion: for each mutating request in the journal, its
 *       sender (the request's tag) had a grant or renewal of that scale set's lease that returned before the request
 *       arrived, whose expiry on record was after the request arrived, which it had not started to release, and no
 *       other replica had been granted a newer token by then; and no two holdings overlap (each token has one holder,
 *       and each new grant came after the previous holder's last expiry or release). The leases expire by the
 *       replicas' clock, which is this machine's clock, the same that stamps the journal, so the two are
 *       comparable;</li>
 *   <li>the kill was mid-batch by the world's truth (the request's instances were updating when the replica was dead),
 *       and each scale set the dead replica held was taken over by another with a newer token, which sent that scale
 *       set's remaining batches.</li>
 * </ul>
 * It prints the takeover time (kill to the survivor's grant) and how much of it the dead leader's lease still ran.
 *
 * <p>Needs Azurite (Node): skipped without it, failed under {@code CI=true} ({@link AzuriteExtension}).
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
final class MultiProcessReplicasTest {
  @RegisterExtension static final AzuriteExtension AZURITE = new AzuriteExtension();

  private static final ArmEmulator EMULATOR = ArmEmulator.create().pollAdvance(Duration.ofMillis(500));
  private static final ArmFaults FAULTS = ArmFaults.over(EMULATOR);
  private static final KillSwitch KILL_SWITCH = new KillSwitch(FAULTS);
  @RegisterExtension static final WireMockExtension ARM = WireMockExtension.newInstance()
      .options(wireMockConfig().httpDisabled(true).dynamicHttpsPort().bindAddress("127.0.0.1")
          .extensions(KILL_SWITCH, FAULTS, EMULATOR))
      .build();

  private static final int REPLICAS = 3;
  private static final int SCALE_SETS = 3;
  private static final int INSTANCES = 10;
  /** Azure's default batch of 20%: five batches of two instances per scale set. */
  private static final int BATCHES = 5;
  /** The batch (a scale set's n-th {@code manualupgrade}) whose sender is killed. */
  private static final int KILLED_BATCH = 2;
  private static final Duration LEASE = Duration.ofSeconds(5);
  private static final Duration POLL = Duration.ofMillis(200);
  private static final Duration PATIENCE = Duration.ofSeconds(60);
  private static final Duration TICK = Duration.ofMillis(20);
  private static final Duration WORLD_PER_TICK = Duration.ofMillis(200);
  private static final SimulationProfile FAST = new SimulationProfile(Duration.ofSeconds(2), Duration.ofSeconds(4),
      Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofMillis(500), Duration.ofSeconds(1));

  @Test
  void threeReplicas_leaderKilledMidBatch_everyInstanceUpgradedOnceAndNoMutatingCallWithoutTheLease(Azurite azurite)
      throws Exception {
    long started = System.nanoTime();
    SimulatedFleet world = SimulatedFleet.create(11, VirtualClock.startingAt(Instant.now().truncatedTo(
        ChronoUnit.SECONDS)), FAST);
    List<ScaleSetId> ids = new ArrayList<>();
    for (int s = 0; s < SCALE_SETS; s++) {
      ids.add(world.add(ScaleSetSpec.named("svc-" + s).instances(INSTANCES).image(UBUNTU.withVersion(V1))));
    }
    world.publish(ImageRelease.marketplace(UBUNTU.withVersion(V2), world.clock().instant().minus(Duration.ofDays(1))));
    FAULTS.serve(ARM, world);
    KILL_SWITCH.serve(ARM, world);
    String container = azurite.newContainer().getBlobContainerName();

    Map<String, ReplicaProcess> replicas = new LinkedHashMap<>();
    ScheduledExecutorService pump = Executors.newSingleThreadScheduledExecutor();
    try {
      for (int r = 1; r <= REPLICAS; r++) {
        String name = "replica-" + r;
        replicas.put(name, ReplicaProcess.start(name, arguments(name, container, ids),
            Map.of(ReplicaMain.STORAGE_ENV, azurite.connectionString())));
      }
      for (ReplicaProcess p : replicas.values()) {
        assertThat(p.awaitLine(l -> l.startsWith("@@ready"), PATIENCE)).as("%s ready; its errors:%n%s", p,
            p.errorTail()).isPresent();
      }
      long ready = System.nanoTime();
      pump.scheduleAtFixedRate(() -> EMULATOR.locked(() -> world.clock().advance(WORLD_PER_TICK)), 0,
          TICK.toMillis(), TimeUnit.MILLISECONDS);
      KILL_SWITCH.arm(KILLED_BATCH, tag -> replicas.get(tag).kill());
      replicas.values().forEach(ReplicaProcess::go);

      KillSwitch.Kill kill = awaitKill();
      List<ReplicaProcess> survivors = replicas.values().stream().filter(p -> !p.name().equals(kill.replica()))
          .toList();
      for (ReplicaProcess p : survivors) {
        assertThat(p.awaitExit(PATIENCE)).as("%s exit code; its errors:%n%s", p, p.errorTail()).contains(0);
      }
      long finished = System.nanoTime();
      pump.shutdownNow();
      pump.awaitTermination(10, TimeUnit.SECONDS);

      List<MutatingRequest> requests = MutatingRequest.fromJournal(ARM, FAULTS);
      LeaseHistory leases = leaseHistory(replicas);
      midBatch(kill);
      everyInstanceUpgradedOnce(world, ids, requests);
      completed(azurite, container, ids, survivors);
      assertThat(leases.sentWithoutLease(requests)).as("mutating requests sent without the lease").isEmpty();
      assertThat(leases.overlappingHoldings()).as("overlapping holdings").isEmpty();
      Map<String, Long> takeovers = takenOver(kill, leases, requests);
      report(kill, requests, takeovers, leases, ready - started, finished - ready);
    } catch (AssertionError | RuntimeException | InterruptedException e) {
      pump.shutdownNow();
      dump(replicas);
      throw e;
    } finally {
      pump.shutdownNow();
      replicas.values().forEach(ReplicaProcess::close);
    }
  }

  private static List<String> arguments(String name, String container, List<ScaleSetId> ids) {
    List<String> args = new ArrayList<>(List.of("--arm=https://127.0.0.1:" + ARM.getRuntimeInfo().getHttpsPort(),
        "--replica=" + name, "--container=" + container, "--target=" + V2, "--lease-ms=" + LEASE.toMillis(),
        "--poll-ms=" + POLL.toMillis(), "--max-seconds=" + PATIENCE.multipliedBy(2).toSeconds()));
    ids.forEach(id -> args.add("--scale-set=" + id.armId()));
    return args;
  }

  private static KillSwitch.Kill awaitKill() throws InterruptedException {
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    while (KILL_SWITCH.kill().isEmpty()) {
      assertThat(System.nanoTime() - deadline).as("no replica sent a second manualupgrade of a scale set in %s",
          PATIENCE).isNegative();
      Thread.sleep(20);
    }
    return KILL_SWITCH.kill().orElseThrow();
  }

  /** The replica died with its batch in flight: the world shows the batch's instances still updating. */
  private static void midBatch(KillSwitch.Kill kill) {
    assertThat(kill.instanceIds()).as("the killed batch").hasSize(INSTANCES / BATCHES);
    assertThat(kill.stateAtKill()).as("the killed batch's instances when its sender was dead")
        .containsOnlyKeys(kill.instanceIds()).allSatisfy((id, state) -> assertThat(state)
            .isEqualTo(ProvisioningState.UPDATING));
  }

  /** From the world's record and the journal: each instance upgraded once, to the target, and nothing rolled back. */
  private static void everyInstanceUpgradedOnce(SimulatedFleet world, List<ScaleSetId> ids,
      List<MutatingRequest> requests) {
    List<String> all = IntStream.range(0, INSTANCES).mapToObj(String::valueOf).toList();
    EMULATOR.locked(() -> {
      for (ScaleSetId id : ids) {
        FleetRecord record = world.record(id);
        assertThat(world.peek(id).modelImage().version()).as("%s model", id.name()).contains(V2);
        for (Instance i : world.peek(id).instances()) {
          String what = id.name() + "/" + i.instanceId();
          assertThat(i.runs(V2)).as("%s runs the target", what).isTrue();
          assertThat(record.count(i.instanceId(), InstanceChange.Kind.UPGRADE_STARTED)).as("%s upgrades", what)
              .isEqualTo(1);
          assertThat(record.count(i.instanceId(), InstanceChange.Kind.ROLLBACK_STARTED)).as("%s rollbacks", what)
              .isZero();
        }
        assertThat(world.peek(id).instances()).extracting(Instance::instanceId).as("%s instances", id.name())
            .containsExactlyInAnyOrderElementsOf(all);
      }
    });
    for (ScaleSetId id : ids) {
      String key = LeaseLine.key(id);
      List<MutatingRequest> upgrades = requests.stream().filter(q -> q.scaleSet().equals(key)
          && q.op() == ArmOp.POST_MANUAL_UPGRADE).toList();
      assertThat(upgrades).as("%s manualupgrade requests", key).hasSize(BATCHES)
          .allSatisfy(q -> assertThat(q.status()).as("%s answer", q).isEqualTo(202));
      assertThat(upgrades.stream().flatMap(q -> q.instanceIds().stream()).toList())
          .as("instances the journal's manualupgrade requests of %s name", key)
          .containsExactlyInAnyOrderElementsOf(all);
      assertThat(requests.stream().filter(q -> q.scaleSet().equals(key) && q.op() == ArmOp.PATCH_MODEL_IMAGE))
          .as("%s model changes", key).hasSize(1);
    }
    assertThat(requests).extracting(MutatingRequest::op).as("mutating operations")
        .containsOnly(ArmOp.POST_MANUAL_UPGRADE, ArmOp.PATCH_MODEL_IMAGE);
  }

  /** Every checkpoint in the shared store says Completed, and each survivor saw every rollout end Completed. */
  private static void completed(Azurite azurite, String container, List<ScaleSetId> ids,
      List<ReplicaProcess> survivors) {
    BlobRolloutStore store = BlobRolloutStore.of(azurite.clientBuilder().buildClient()
        .getBlobContainerClient(container));
    for (ScaleSetId id : ids) {
      Optional<Checkpoint> checkpoint = store.load(id);
      assertThat(checkpoint).as("%s checkpoint", id.name()).isPresent();
      assertThat(RolloutState.decode(checkpoint.get().data()).status()).as("%s checkpoint's status", id.name())
          .isEqualTo(RolloutStatus.COMPLETED);
    }
    for (ReplicaProcess p : survivors) {
      assertThat(p.lines().stream().filter(l -> l.startsWith("@@ended")).toList()).as("%s's rollouts", p)
          .hasSize(SCALE_SETS).allSatisfy(l -> assertThat(l).contains("state=ENDED", "status=Completed"));
    }
  }

  /**
   * Each scale set the dead replica held when it died was taken over by another replica with a newer token, which
   * sent everything the scale set still needed: no request of the dead replica arrived after its death.
   *
   * @return per scale set taken over, milliseconds from the kill to the survivor's grant
   */
  private static Map<String, Long> takenOver(KillSwitch.Kill kill, LeaseHistory leases,
      List<MutatingRequest> requests) {
    Map<String, Long> out = new TreeMap<>();
    List<String> held = new ArrayList<>();
    for (int s = 0; s < SCALE_SETS; s++) {
      String key = "svc-" + s;
      leases.holding(kill.replica(), key, kill.at()).ifPresent(h -> {
        held.add(key);
        Optional<LeaseLine> takeover = leases.takeover(key, kill.replica(), h.token());
        assertThat(takeover).as("a takeover of %s from %s", key, kill.replica()).isPresent();
        out.put(key, takeover.get().returned() - kill.at());
      });
    }
    assertThat(held).as("scale sets %s held when it died", kill.replica()).contains(kill.scaleSet());
    assertThat(requests).filteredOn(q -> q.replica().equals(kill.replica()))
        .allSatisfy(q -> assertThat(q.receivedAt()).as("%s", q).isLessThanOrEqualTo(kill.at()));
    assertThat(requests).filteredOn(q -> q.scaleSet().equals(kill.scaleSet()) && q.op() == ArmOp.POST_MANUAL_UPGRADE
        && q.receivedAt() > kill.at()).as("%s's batches after the kill", kill.scaleSet())
        .hasSize(BATCHES - KILLED_BATCH)
        .allSatisfy(q -> assertThat(q.replica()).isNotEqualTo(kill.replica()));
    return out;
  }

  private static void report(KillSwitch.Kill kill, List<MutatingRequest> requests, Map<String, Long> takeovers,
      LeaseHistory leases, long startupNanos, long runNanos) {
    Map<String, Map<ArmOp, Long>> bySender = requests.stream().collect(Collectors.groupingBy(
        MutatingRequest::replica, TreeMap::new, Collectors.groupingBy(MutatingRequest::op,
            () -> new EnumMap<>(ArmOp.class), Collectors.counting())));
    System.out.printf(Locale.ROOT, "multi-process replicas: %d JVMs, %d scale sets x %d instances; JVMs ready in "
        + "%.1f s, rollouts done in %.1f s; lease %d ms, poll %d ms%n", REPLICAS, SCALE_SETS, INSTANCES,
        startupNanos / 1e9, runNanos / 1e9, LEASE.toMillis(), POLL.toMillis());
    System.out.printf(Locale.ROOT, "  killed %s with batch %d of %s (%s) in flight%n", kill.replica(), KILLED_BATCH,
        kill.scaleSet(), kill.instanceIds());
    takeovers.forEach((key, ms) -> {
      LeaseLine last = leases.holding(kill.replica(), key, kill.at()).orElseThrow();
      System.out.printf(Locale.ROOT, "  %s taken over %d ms after the kill (the dead leader's lease ran %d ms of "
          + "it)%n", key, ms, last.expires() - kill.at());
    });
    System.out.println("  mutating requests by sender: " + bySender);
  }

  private static LeaseHistory leaseHistory(Map<String, ReplicaProcess> replicas) {
    return new LeaseHistory(replicas.values().stream().flatMap(p -> p.leases().stream()).toList());
  }

  /** Prints what a failure needs to be understood: the journal's mutating requests, the leases, each replica's say. */
  private static void dump(Map<String, ReplicaProcess> replicas) {
    System.out.println("mutating requests:");
    MutatingRequest.fromJournal(ARM, FAULTS).forEach(q -> System.out.println("  " + q));
    System.out.println("lease lines:");
    leaseHistory(replicas).lines().forEach(l -> System.out.println("  " + l));
    for (ReplicaProcess p : replicas.values()) {
      System.out.println(p + " output:");
      p.lines().stream().filter(l -> !l.startsWith(LeaseLine.PREFIX)).forEach(l -> System.out.println("  " + l));
      System.out.println(p + " errors (tail):");
      System.out.println(p.errorTail());
    }
  }
}
