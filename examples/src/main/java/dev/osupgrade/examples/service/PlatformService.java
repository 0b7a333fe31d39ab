package dev.osupgrade.examples.service;

import com.azure.identity.DefaultAzureCredentialBuilder;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobContainerClientBuilder;
import dev.osupgrade.Durations;
import dev.osupgrade.azure.AzureFleet;
import dev.osupgrade.azure.BlobRolloutStore;
import dev.osupgrade.event.BatchCompleted;
import dev.osupgrade.event.BatchStarted;
import dev.osupgrade.event.InstanceFailed;
import dev.osupgrade.event.RingEvent;
import dev.osupgrade.event.RolloutCompleted;
import dev.osupgrade.event.RolloutEvent;
import dev.osupgrade.event.RolloutFaulted;
import dev.osupgrade.event.RolloutStalled;
import dev.osupgrade.event.RolloutStarted;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.governance.performance.PerformanceGate;
import dev.osupgrade.governance.rings.RingPlan;
import dev.osupgrade.governance.rings.RingRollout;
import dev.osupgrade.governance.schedule.MaintenanceWindowGate;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.image.ImageRelease;
import dev.osupgrade.port.ImageCatalog;
import dev.osupgrade.port.MetricsSource;
import dev.osupgrade.port.RolloutStore;
import dev.osupgrade.port.ScaleSetPort;
import dev.osupgrade.service.ManagedRollout;
import dev.osupgrade.service.RolloutRunner;
import dev.osupgrade.service.RunnerStatus;
import dev.osupgrade.testkit.ScaleSetSpec;
import dev.osupgrade.testkit.SimulatedFleet;
import dev.osupgrade.testkit.VirtualClock;
import dev.osupgrade.testkit.VirtualScheduler;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * A platform service that rolls an image version out ring by ring, as a team would run it: it reads a small JSON
 * configuration ({@link ServiceConfig}: scale sets, rings, trust, readiness record, maintenance windows), wires
 *
 * <ul>
 *   <li>the fleet: Azure when {@value #SUBSCRIPTION_VARIABLE} is set ({@code AzureFleet.builder().credential(new
 *       DefaultAzureCredentialBuilder().build()).subscriptionId(...)}; the credential reads {@code AZURE_CLIENT_ID},
 *       {@code AZURE_TENANT_ID}, {@code AZURE_CLIENT_SECRET}, a workload or managed identity, or an Azure CLI login),
 *       otherwise the simulated fleet of the configuration's {@code simulator} section;</li>
 *   <li>the store: Azure Blob Storage when {@value #STORAGE_VARIABLE} is set (a real account, or Azurite's
 *       connection string), shared by replicas on several machines; otherwise files in a directory;</li>
 *   <li>the {@link RolloutRunner}, which advances the ring rollout whenever it asks;</li>
 * </ul>
 *
 * runs the rings to their end, prints the runner's status, and exits (0 when every ring completed, 1 otherwise). A
 * SIGTERM shuts it down cleanly: a JVM shutdown hook calls {@link RolloutRunner#shutdown()} (the step in flight
 * finishes, every checkpoint is saved, every lease released) and {@link RolloutRunner#awaitTermination}, so a restart,
 * or another replica, resumes where it stopped.
 *
 * <p>On the simulator, fleet time is virtual: with {@code "speed": 0} the rings run to their end at once (days in
 * milliseconds); with a speed, fleet time passes that many times faster than real time, so the service can be watched,
 * and stopped, mid-rollout. The simulator's clock and the runner are then moved by one thread, and the shutdown hook
 * takes the same lock, so nothing is half-way when it shuts the runner down.
 *
 * <pre>
 * mvn -B -q -pl examples -am -DskipTests package exec:java -Ddemo.main=dev.osupgrade.examples.service.PlatformService
 * mvn ... exec:java -Ddemo.main=dev.osupgrade.examples.service.PlatformService -Dexec.args=my-service.json
 * </pre>
 */
public final class PlatformService {
  /** The environment variable naming the Azure subscription; when set, the service drives Azure. */
  public static final String SUBSCRIPTION_VARIABLE = "AZURE_SUBSCRIPTION_ID";
  /** The environment variable holding a storage connection string; when set, the store is Azure Blob Storage. */
  public static final String STORAGE_VARIABLE = "AZURE_STORAGE_CONNECTION_STRING";
  /** The configuration used when none is named: {@code platform-service.json} next to this class. */
  public static final String BUNDLED_CONFIG = "platform-service.json";

  private static final Duration TICK = Duration.ofMillis(10);

  private final ServiceConfig config;
  private final PrintStream out;
  private final Object lock = new Object();
  private final Clock clock;
  private final @Nullable SimulatedFleet simulated;
  private final String fleetDescription;
  private final String storeDescription;
  private final String replica;
  private final RingPlan plan;
  private final RingRollout rings;
  private final RolloutRunner runner;
  private volatile boolean stopping;

  private PlatformService(ServiceConfig config, Map<String, String> environment, PrintStream out) {
    this.config = config;
    this.out = out;
    this.replica = environment.getOrDefault("HOSTNAME", "platform-service") + "-" + ProcessHandle.current().pid();
    String subscription = environment.get(SUBSCRIPTION_VARIABLE);
    ScaleSetPort fleet;
    ImageCatalog catalog;
    MetricsSource metrics;
    RolloutRunner.Builder runnerBuilder = RolloutRunner.builder().listener(e -> out.println("[runner] " + e));
    if (subscription != null && !subscription.isBlank()) {
      AzureFleet azure = AzureFleet.builder().credential(new DefaultAzureCredentialBuilder().build())
          .subscriptionId(subscription.trim()).build();
      fleet = azure;
      catalog = azure;
      metrics = null; // this example wires no Azure Monitor source: the performance gate runs on the simulator only
      simulated = null;
      clock = Clock.systemUTC();
      plan = config.ringPlan(rgName -> id(subscription.trim(), rgName));
      fleetDescription = "Azure, subscription " + subscription.trim();
      runnerBuilder.clock(clock); // a daemon thread pool of its own
    } else {
      ServiceConfig.SimulatorConfig sim = config.simulator();
      if (sim == null) {
        throw new IllegalStateException(SUBSCRIPTION_VARIABLE + " is not set and the configuration has no simulator "
            + "section: there is no fleet to drive");
      }
      SimulatedFleet world = SimulatedFleet.create(sim.seed());
      Map<String, ScaleSetId> ids = new HashMap<>();
      ImageReference image = ImageReference.parse(sim.image());
      for (ServiceConfig.ScaleSetConfig s : sim.scaleSets()) {
        String[] rgName = s.id().split("/");
        ids.put(s.id().toLowerCase(java.util.Locale.ROOT), world.add(ScaleSetSpec.named(rgName[1])
            .resourceGroup(rgName[0]).region(s.region()).instances(s.instances()).zones(s.zones()).image(image)));
      }
      // the target was published a month ago, so a minimum age in the trust policy does not hold it back
      ImageReference target = image.withVersion(config.targetVersion());
      if (target instanceof ImageReference.Marketplace) {
        world.publish(ImageRelease.marketplace(target, world.clock().instant().minus(Duration.ofDays(30))));
      } else {
        world.publish(target);
      }
      fleet = world;
      catalog = world;
      metrics = world;
      simulated = world;
      clock = world.clock();
      plan = config.ringPlan(rgName -> {
        ScaleSetId id = ids.get(rgName.toLowerCase(java.util.Locale.ROOT));
        if (id == null) {
          throw new IllegalStateException("ring scale set " + rgName + " is not in the simulator section");
        }
        return id;
      });
      fleetDescription = "simulated (seed " + sim.seed() + ", " + sim.scaleSets().size() + " scale sets, "
          + (sim.speed() == 0 ? "as fast as possible" : sim.speed() + "x real time") + ")";
      runnerBuilder.clock(clock).scheduler(VirtualScheduler.on(world.clock()));
    }
    RolloutStore store;
    String connection = environment.get(STORAGE_VARIABLE);
    ServiceConfig.StoreConfig storeConfig = config.store();
    if (connection != null && !connection.isBlank()) {
      String name = storeConfig == null || storeConfig.container() == null ? "osupgrade" : storeConfig.container();
      BlobContainerClient container = new BlobContainerClientBuilder().connectionString(connection)
          .containerName(name).buildClient();
      container.createIfNotExists();
      store = BlobRolloutStore.of(container);
      storeDescription = "Azure Blob Storage, " + container.getBlobContainerUrl();
    } else {
      Path directory;
      try {
        directory = storeConfig == null || storeConfig.directory() == null
            ? Files.createTempDirectory("osupgrade-service-") : Path.of(storeConfig.directory());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      store = RolloutStore.file(directory);
      storeDescription = "files in " + directory;
    }
    runner = runnerBuilder.build();
    RingRollout.Builder b = RingRollout.builder(plan, fleet, catalog).target(config.targetVersion()).clock(clock)
        .trust(config.trustPolicy()).readiness(config.readinessRecord(plan)).store(store, replica)
        .listener(e -> { // one listener: the ring timeline and the steps of the rollouts the rings run
          if (e instanceof RingEvent) {
            out.println("[ring] " + e);
          } else if (e instanceof RolloutEvent r && worthALine(r)) {
            out.println("[rollout] " + e);
          }
        });
    if (!config.windows().isEmpty()) {
      b.gate(MaintenanceWindowGate.of(config.schedule()));
    }
    if (metrics != null && !config.readiness().signals().isEmpty()) {
      b.gate(PerformanceGate.builder().source(metrics).thresholds(config.readiness().signals().stream()
          .map(ServiceConfig.SignalConfig::threshold).toList()).beforeVsAfter(true).build());
    }
    rings = b.build();
  }

  private static ScaleSetId id(String subscription, String rgName) {
    String[] parts = rgName.split("/");
    return ScaleSetId.of(subscription, parts[0], parts[1]);
  }

  private static boolean worthALine(RolloutEvent e) {
    return e instanceof RolloutStarted || e instanceof BatchStarted || e instanceof BatchCompleted
        || e instanceof InstanceFailed || e instanceof RolloutStalled || e instanceof RolloutCompleted
        || e instanceof RolloutFaulted;
  }

  /**
   * Wires the service.
   *
   * @param config the configuration
   * @param environment the environment variables ({@link #SUBSCRIPTION_VARIABLE}, {@link #STORAGE_VARIABLE},
   *     {@code HOSTNAME} for the replica's name)
   * @param out where the service logs
   * @return the service, not started
   */
  public static PlatformService create(ServiceConfig config, Map<String, String> environment, PrintStream out) {
    return new PlatformService(config, environment, out);
  }

  /** @return the configuration bundled with the example */
  public static ServiceConfig bundledConfig() {
    try (InputStream in = PlatformService.class.getResourceAsStream(BUNDLED_CONFIG)) {
      if (in == null) {
        throw new IllegalStateException("the bundled " + BUNDLED_CONFIG + " is missing from the class path");
      }
      return ServiceConfig.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), BUNDLED_CONFIG);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Runs the service: the configuration named by the first argument (default: the bundled one), the fleet and store
   * the environment variables select; exits when every ring has ended, or on SIGTERM.
   *
   * @param args optional: the configuration file
   */
  public static void main(String[] args) {
    ServiceConfig config = args.length > 0 ? ServiceConfig.read(Path.of(args[0])) : bundledConfig();
    PlatformService service = create(config, System.getenv(), System.out);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> service.stop(Duration.ofSeconds(30)), "shutdown"));
    RunnerStatus end = service.run();
    if (end != null && !service.completed()) {
      System.exit(1);
    }
  }

  /**
   * Runs the rings until they end, or until {@link #stop} is called.
   *
   * @return the runner's status at the end, or null when the service was stopped first (the stop printed it)
   */
  public @Nullable RunnerStatus run() {
    out.println("== " + config.name() + ": " + config.targetVersion() + " ring by ring, replica " + replica + " ==");
    out.println("fleet: " + fleetDescription);
    out.println("store: " + storeDescription);
    out.println(plan);
    out.println("promotions only inside: " + config.schedule());
    out.flush();
    synchronized (lock) {
      if (stopping) {
        return null;
      }
      runner.submit(rings);
    }
    try {
      drive();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
    synchronized (lock) {
      if (stopping) {
        return null; // the shutdown hook has it
      }
      runner.shutdown();
    }
    try {
      runner.awaitTermination(Duration.ofSeconds(30));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    RunnerStatus status = runner.status();
    out.println(status);
    out.println("[service] done: " + rings);
    out.flush();
    return status;
  }

  /** Moves time until the rings have ended or the service is stopping. */
  private void drive() throws InterruptedException {
    if (simulated == null) {
      while (!stopping && !settled()) {
        TimeUnit.SECONDS.sleep(1);
      }
      return;
    }
    VirtualClock virtual = simulated.clock();
    double speed = java.util.Objects.requireNonNull(config.simulator()).speed();
    if (speed == 0) {
      synchronized (lock) {
        if (!stopping) {
          virtual.runUntilIdle();
        }
      }
      return;
    }
    Duration step = Duration.ofNanos(Math.max(1, Math.round(TICK.toNanos() * speed)));
    while (!stopping && !settled()) {
      synchronized (lock) {
        if (!stopping) {
          virtual.advance(step);
        }
      }
      TimeUnit.NANOSECONDS.sleep(TICK.toNanos());
    }
  }

  private boolean settled() {
    return runner.rollouts().stream().allMatch(m -> m.state().isSettled());
  }

  /** @return true when the ring rollout ran to its end and completed */
  public boolean completed() {
    return rings.status() == RingRollout.Status.COMPLETED;
  }

  /** @return the ring rollout the service drives */
  public RingRollout rings() {
    return rings;
  }

  /** @return the replica's name: the owner written into the store's leases and checkpoints */
  public String replica() {
    return replica;
  }

  /** @return the ring plan, with the scale sets' ids */
  public RingPlan plan() {
    return plan;
  }

  /** @return the simulated fleet, when the service runs on one */
  public java.util.Optional<SimulatedFleet> simulatedFleet() {
    return java.util.Optional.ofNullable(simulated);
  }

  /**
   * Shuts the service down, as the SIGTERM hook does: no new work, the step in flight finishes, every lease is
   * released (checkpoints were saved before every change), then waits for the runner. Does nothing when the rings
   * already ended.
   *
   * @param timeout how long to wait for the runner
   * @return true when the runner terminated in time (or had already)
   */
  public boolean stop(Duration timeout) {
    synchronized (lock) {
      stopping = true;
      if (runner.isShutdown()) {
        return runner.isTerminated();
      }
      out.println("[service] stopping at " + clock.instant() + ": finishing the step in flight, releasing leases");
      runner.shutdown();
    }
    boolean terminated;
    try {
      terminated = runner.awaitTermination(timeout);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      terminated = false;
    }
    out.println(runner.status());
    for (ManagedRollout m : runner.rollouts()) {
      out.println("[service] " + m.name() + ": " + m.state());
    }
    out.println(terminated ? "[service] stopped cleanly at " + clock.instant()
        + ": every step finished, every checkpoint saved, every lease released"
        : "[service] the runner did not terminate within " + Durations.words(timeout));
    out.flush();
    return terminated;
  }
}
