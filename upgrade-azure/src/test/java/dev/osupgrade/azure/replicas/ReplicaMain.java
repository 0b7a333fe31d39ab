package dev.osupgrade.azure.replicas;

import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import dev.osupgrade.azure.ArmServer;
import dev.osupgrade.azure.AzureFleet;
import dev.osupgrade.azure.BlobRolloutStore;
import dev.osupgrade.azure.emulator.ArmFaults;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.image.ImageVersion;
import dev.osupgrade.port.RolloutStore;
import dev.osupgrade.rollout.Rollout;
import dev.osupgrade.service.ManagedRollout;
import dev.osupgrade.service.ManagedStatus;
import dev.osupgrade.service.RolloutRunner;
import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One replica of a platform service, as its own JVM: a {@link RolloutRunner} on the real clock and its own thread
 * pool, driving a {@link Rollout} of every scale set it is given over its own {@link AzureFleet} (pointed at the ARM
 * emulator of the test process, every request tagged with the replica's name in {@value ArmFaults#REPLICA_HEADER}) and
 * its own {@link BlobRolloutStore} on a shared Azurite container. The same wiring as a production replica, except the
 * endpoints and the emulator's trust-all TLS client.
 *
 * <p>Arguments: {@code --arm=<https base url> --replica=<name> --container=<name> --scale-set=<ARM id> (repeated)
 * --target=<version> --lease-ms=<n> --poll-ms=<n> --max-seconds=<n>}; the storage connection string comes from the
 * environment variable {@value #STORAGE_ENV}.
 *
 * <p>It prints {@code @@ready} once its clients are built and warm, then waits for a line on standard input
 * ({@code go}), submits its rollouts, and prints: every lease answer ({@link LeaseLine}), every runner and rollout event
 * ({@code @@runner}, {@code @@rollout}), one {@code @@ended} line per rollout when all have settled, and
 * {@code @@done}. It exits 0 if every rollout ended {@code Completed}, else 1. It halts by itself if the test process
 * dies, or after {@code --max-seconds}.
 */
public final class ReplicaMain {
  /** The environment variable holding the storage account's connection string. */
  public static final String STORAGE_ENV = "OSUPGRADE_TEST_STORAGE";

  private static final OutputStream STDOUT = new FileOutputStream(FileDescriptor.out);

  private ReplicaMain() {}

  /**
   * Runs the replica.
   *
   * @param args see the class description
   * @throws Exception on a failure to start (printed; the exit code is then not 0)
   */
  public static void main(String[] args) throws Exception {
    Map<String, List<String>> a = arguments(args);
    String replica = one(a, "replica");
    watchdogs(Duration.ofSeconds(Long.parseLong(one(a, "max-seconds"))));
    Clock clock = Clock.systemUTC();
    Duration lease = Duration.ofMillis(Long.parseLong(one(a, "lease-ms")));
    Duration poll = Duration.ofMillis(Long.parseLong(one(a, "poll-ms")));
    ImageVersion target = ImageVersion.parse(one(a, "target"));
    List<ScaleSetId> scaleSets = a.getOrDefault("scale-set", List.of()).stream().map(ScaleSetId::parse).toList();

    AzureFleet fleet = AzureFleet.builder()
        .computeManager(ArmServer.computeManager(one(a, "arm"), ArmFaults.replicaTag(replica)))
        .clock(clock)
        .build();
    String storage = Optional.ofNullable(System.getenv(STORAGE_ENV)).orElseThrow(() -> new IllegalStateException(
        STORAGE_ENV + " is not set"));
    BlobContainerClient container = new BlobServiceClientBuilder().connectionString(storage).buildClient()
        .getBlobContainerClient(one(a, "container"));
    RolloutStore store = new LeaseLoggingStore(BlobRolloutStore.of(container), replica, clock, ReplicaMain::println);
    // warm up (class loading, TLS): one read of the fleet and one of the store, neither of which changes anything
    fleet.get(scaleSets.get(0));
    store.load(scaleSets.get(0));
    println("@@ready replica=" + replica);
    String go = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
    if (!"go".equals(go)) {
      println("@@done replica=" + replica + " exit=2 (no go: " + go + ")");
      System.exit(2);
    }

    RolloutRunner runner = RolloutRunner.builder()
        .clock(clock)
        .maxConcurrentAdvances(scaleSets.size())
        .retryBackoff(Duration.ofMillis(100), Duration.ofSeconds(1))
        .listener(e -> println("@@runner replica=" + replica + " " + e))
        .build();
    List<ManagedRollout> handles = new ArrayList<>();
    for (ScaleSetId id : scaleSets) {
      handles.add(runner.submit(Rollout.builder(fleet, id)
          .target(target)
          .clock(clock)
          .store(store)
          .owner(replica)
          .leaseDuration(lease)
          .pollInterval(poll)
          .listener(e -> println("@@rollout replica=" + replica + " " + e))
          .build()));
    }
    while (!handles.stream().allMatch(h -> h.status().state().isSettled())) {
      Thread.sleep(50);
    }
    boolean completed = true;
    for (ManagedRollout h : handles) {
      ManagedStatus s = h.status();
      completed &= s.state() == ManagedRollout.State.ENDED && s.status().equals("Completed");
      for (ScaleSetId id : s.scaleSets()) {
        println("@@ended replica=" + replica + " scaleSet=" + LeaseLine.key(id) + " state=" + s.state() + " status="
            + s.status());
      }
    }
    runner.shutdown();
    runner.awaitTermination(Duration.ofSeconds(10));
    int exit = completed ? 0 : 1;
    println("@@done replica=" + replica + " exit=" + exit);
    System.exit(exit);
  }

  /** Writes one line in one write, so that lines of different threads never interleave. */
  private static synchronized void println(String line) {
    try {
      STDOUT.write((line + "\n").getBytes(StandardCharsets.UTF_8));
      STDOUT.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Halts when the test process is gone (nobody would kill this one), or after the longest run allowed. */
  private static void watchdogs(Duration maxRun) {
    Optional<ProcessHandle> parent = ProcessHandle.current().parent();
    long deadline = System.nanoTime() + maxRun.toNanos();
    Thread t = new Thread(() -> {
      while (true) {
        if (parent.isPresent() && !parent.get().isAlive()) {
          Runtime.getRuntime().halt(3);
        }
        if (System.nanoTime() - deadline > 0) {
          println("@@done exit=4 (ran longer than " + maxRun + ")");
          Runtime.getRuntime().halt(4);
        }
        try {
          Thread.sleep(200);
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "replica-watchdog");
    t.setDaemon(true);
    t.start();
  }

  private static Map<String, List<String>> arguments(String[] args) {
    Map<String, List<String>> out = new java.util.HashMap<>();
    for (String arg : args) {
      if (!arg.startsWith("--") || arg.indexOf('=') < 0) {
        throw new IllegalArgumentException("arguments are --key=value, but one was " + arg);
      }
      int eq = arg.indexOf('=');
      out.computeIfAbsent(arg.substring(2, eq), k -> new ArrayList<>()).add(arg.substring(eq + 1));
    }
    return out;
  }

  private static String one(Map<String, List<String>> args, String key) {
    List<String> values = args.get(key);
    if (values == null || values.size() != 1) {
      throw new IllegalArgumentException("--" + key + " must be given once, but was " + values);
    }
    return values.get(0);
  }
}
