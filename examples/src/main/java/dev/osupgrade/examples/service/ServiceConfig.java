package dev.osupgrade.examples.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.osupgrade.InvalidValueException;
import dev.osupgrade.Require;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.governance.HealthSource;
import dev.osupgrade.governance.ImageTrustPolicy;
import dev.osupgrade.governance.ReadinessRecord;
import dev.osupgrade.governance.SignalThreshold;
import dev.osupgrade.governance.rings.Ring;
import dev.osupgrade.governance.rings.RingPlan;
import dev.osupgrade.governance.schedule.MaintenanceSchedule;
import dev.osupgrade.governance.schedule.MaintenanceWindow;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.image.ImageVersion;
import dev.osupgrade.port.Metric;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * What a platform service is told to do, read from a small JSON file (comments allowed, unknown fields refused):
 * the image version to roll out, the rings and their scale sets ({@code "resourceGroup/name"}), the image trust
 * policy, the production readiness record, the maintenance windows promotions must fall in, where the store keeps its
 * checkpoints, and the simulated fleet used when no Azure subscription is given. The bundled
 * {@code platform-service.json} next to this class is a complete example.
 *
 * @param name the service's name, for its log
 * @param target the image version to roll out, e.g. {@code 22.04.202410010}
 * @param rings the rings, in promotion order
 * @param trust which images may be rolled out
 * @param readiness the production readiness record: owner, expected signal, rollout boundary, rollback path
 * @param windows maintenance windows ({@link MaintenanceWindow#parse} syntax, e.g. {@code MON-FRI 20:00-23:30 UTC});
 *     promotions happen only inside one; empty means at any time
 * @param store where checkpoints go; null for the defaults (see {@link StoreConfig})
 * @param simulator the simulated fleet, used when no Azure subscription is configured; null when there is none
 */
public record ServiceConfig(String name, String target, List<RingConfig> rings, TrustConfig trust,
    ReadinessConfig readiness, List<String> windows, @Nullable StoreConfig store,
    @Nullable SimulatorConfig simulator) {

  private static final JsonMapper JSON = JsonMapper.builder()
      .enable(JsonReadFeature.ALLOW_JAVA_COMMENTS)
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
      .build();

  /** Validates the fields. */
  public ServiceConfig {
    Require.name("name", name, 100);
    ImageVersion.parse(Require.nonBlank("target", target));
    rings = List.copyOf(Require.nonEmpty("rings", Require.noNulls("rings", rings)));
    Require.nonNull(trust, "trust");
    Require.nonNull(readiness, "readiness");
    windows = windows == null ? List.of() : List.copyOf(Require.noNulls("windows", windows));
  }

  /**
   * Reads a configuration file.
   *
   * @param file the JSON file
   * @return the configuration
   * @throws InvalidValueException when the file is not a valid configuration (the message says where)
   */
  public static ServiceConfig read(Path file) {
    try {
      return parse(Files.readString(file, StandardCharsets.UTF_8), file.toString());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the configuration " + file, e);
    }
  }

  /**
   * Parses a configuration.
   *
   * @param json the JSON text
   * @param source where it came from, for messages
   * @return the configuration
   * @throws InvalidValueException when the text is not a valid configuration (the message says where)
   */
  public static ServiceConfig parse(String json, String source) {
    try {
      return JSON.readValue(json, ServiceConfig.class);
    } catch (JsonProcessingException e) {
      for (Throwable t = e; t != null; t = t.getCause()) {
        if (t instanceof InvalidValueException bad) {
          // a value the domain refused (a missing field arrives as null): named as in the file
          throw new InvalidValueException(source + ": " + bad.parameter(), bad.rule(), bad.value());
        }
      }
      throw new InvalidValueException("configuration " + source, "valid JSON of a ServiceConfig",
          e.getOriginalMessage() + " at " + (e.getLocation() == null ? "?" : "line " + e.getLocation().getLineNr()));
    }
  }

  /**
   * The rings, with their scale sets named in a subscription.
   *
   * @param scaleSetId how a {@code "resourceGroup/name"} becomes a scale set id
   * @return the ring plan
   */
  public RingPlan ringPlan(Function<String, ScaleSetId> scaleSetId) {
    List<Ring> list = new ArrayList<>();
    for (RingConfig ring : rings) {
      list.add(Ring.of(ring.name(), Duration.parse(ring.soak()),
          ring.scaleSets().stream().map(scaleSetId).toArray(ScaleSetId[]::new)));
    }
    return RingPlan.of(list.toArray(new Ring[0]));
  }

  /** @return the image version to roll out */
  public ImageVersion targetVersion() {
    return ImageVersion.parse(target);
  }

  /** @return the trust policy */
  public ImageTrustPolicy trustPolicy() {
    ImageTrustPolicy.Builder b = ImageTrustPolicy.builder();
    trust.publishers().forEach(b::trustPublisher);
    trust.galleries().forEach(b::trustGallery);
    if (trust.minimumAge() != null) {
      b.minimumAge(Duration.parse(trust.minimumAge()));
    }
    return b.build();
  }

  /**
   * The readiness record, whose rollout boundary is the plan's scale sets and rings.
   *
   * @param plan the ring plan
   * @return the record
   */
  public ReadinessRecord readinessRecord(RingPlan plan) {
    ReadinessRecord.Builder b = ReadinessRecord.builder().owner(readiness.owner(), readiness.contact())
        .healthSource(HealthSource.valueOf(readiness.healthSource().toUpperCase(Locale.ROOT).replace('-', '_')))
        .scaleSets(plan.scaleSets().toArray(new ScaleSetId[0]))
        .atMostPercentAtOnce(readiness.atMostPercentAtOnce())
        .rings(plan.rings().stream().map(Ring::name).toArray(String[]::new))
        .automaticRollback(readiness.automaticRollback());
    for (SignalConfig signal : readiness.signals()) {
      b.threshold(signal.threshold());
    }
    readiness.runbook().forEach(b::runbookStep);
    return b.build();
  }

  /** @return the maintenance schedule promotions must fall in ({@link MaintenanceSchedule#always()} when empty) */
  public MaintenanceSchedule schedule() {
    return windows.isEmpty() ? MaintenanceSchedule.always()
        : MaintenanceSchedule.of(windows.stream().map(MaintenanceWindow::parse).toList());
  }

  /** Parses an ISO-8601 duration, refusing anything else as bad input. */
  static Duration duration(String parameter, @Nullable String text) {
    try {
      return Duration.parse(Require.nonBlank(parameter, text));
    } catch (java.time.format.DateTimeParseException e) {
      throw new InvalidValueException(parameter, "an ISO-8601 duration such as PT2H or P7D", text);
    }
  }

  /**
   * A ring.
   *
   * @param name its name
   * @param soak how long its upgraded instances must stay healthy before the next ring (ISO-8601, e.g. {@code PT2H})
   * @param scaleSets its scale sets, each {@code "resourceGroup/name"}
   */
  public record RingConfig(String name, String soak, List<String> scaleSets) {
    /** Validates the fields. */
    public RingConfig {
      Require.name("rings[].name", name, 100);
      duration("rings[].soak", soak);
      scaleSets = List.copyOf(Require.nonEmpty("rings[].scaleSets", Require.noNulls("rings[].scaleSets", scaleSets)));
    }
  }

  /**
   * Which images may be rolled out.
   *
   * @param publishers trusted marketplace publishers, e.g. {@code Canonical}
   * @param galleries trusted compute galleries (ids or names)
   * @param minimumAge how old a release must be before production (ISO-8601), or null
   */
  public record TrustConfig(List<String> publishers, List<String> galleries, @Nullable String minimumAge) {
    /** Validates the fields. */
    public TrustConfig {
      publishers = publishers == null ? List.of() : List.copyOf(Require.noNulls("trust.publishers", publishers));
      galleries = galleries == null ? List.of() : List.copyOf(Require.noNulls("trust.galleries", galleries));
      Require.that(!publishers.isEmpty() || !galleries.isEmpty(), "trust", "at least one trusted publisher or gallery",
          "none");
      if (minimumAge != null) {
        duration("trust.minimumAge", minimumAge);
      }
    }
  }

  /**
   * The production readiness record, as the service's owners wrote it down.
   *
   * @param owner the owning team
   * @param contact how to reach it (an on-call alias, a channel)
   * @param healthSource {@code APPLICATION_HEALTH_EXTENSION} or {@code LOAD_BALANCER_PROBE}
   * @param signals the expected signal: metric thresholds an upgraded ring must keep
   * @param atMostPercentAtOnce the rollout boundary: the largest share of a scale set upgraded at once
   * @param automaticRollback the rollback path: roll a failed ring back automatically
   * @param runbook what the on-call does when a ring fails, step by step
   */
  public record ReadinessConfig(String owner, String contact, String healthSource, List<SignalConfig> signals,
      int atMostPercentAtOnce, boolean automaticRollback, List<String> runbook) {
    /** Validates the fields. */
    public ReadinessConfig {
      Require.nonBlank("readiness.owner", owner);
      Require.nonBlank("readiness.contact", contact);
      Require.nonBlank("readiness.healthSource", healthSource);
      signals = signals == null ? List.of() : List.copyOf(Require.noNulls("readiness.signals", signals));
      Require.inRange("readiness.atMostPercentAtOnce", atMostPercentAtOnce, 1, 100);
      runbook = runbook == null ? List.of() : List.copyOf(Require.noNulls("readiness.runbook", runbook));
    }
  }

  /**
   * A metric threshold relative to the ring's own values before the upgrade.
   *
   * @param metric {@code cpu}, {@code memory}, {@code startup-time}, {@code readiness-time}, {@code disk-latency},
   *     {@code network-throughput} or {@code dependency-latency}
   * @param tolerance how much worse it may get, e.g. {@code 0.10} for 10%
   */
  public record SignalConfig(String metric, double tolerance) {
    private static final Map<String, Metric> METRICS = Map.of(Metric.CPU.name(), Metric.CPU,
        Metric.MEMORY.name(), Metric.MEMORY, Metric.STARTUP_TIME.name(), Metric.STARTUP_TIME,
        Metric.READINESS_TIME.name(), Metric.READINESS_TIME, Metric.DISK_LATENCY.name(), Metric.DISK_LATENCY,
        Metric.NETWORK_THROUGHPUT.name(), Metric.NETWORK_THROUGHPUT, Metric.DEPENDENCY_LATENCY.name(),
        Metric.DEPENDENCY_LATENCY);

    /** Validates the fields. */
    public SignalConfig {
      Require.that(metric != null && METRICS.containsKey(metric), "readiness.signals[].metric",
          "one of " + new java.util.TreeSet<>(METRICS.keySet()), metric);
      SignalThreshold.relative(METRICS.get(metric), tolerance);
    }

    /** @return the threshold */
    public SignalThreshold threshold() {
      return SignalThreshold.relative(METRICS.get(metric), tolerance);
    }
  }

  /**
   * Where the rollout store keeps checkpoints and leases. With {@code AZURE_STORAGE_CONNECTION_STRING} set (Azure
   * Storage, or Azurite), a container in Azure Blob Storage, shared by replicas on several machines; otherwise files
   * in a directory, shared by replicas on one machine.
   *
   * @param directory the file store's directory; null for a new temporary directory
   * @param container the blob container (created if missing); null for {@code osupgrade}
   */
  public record StoreConfig(@Nullable String directory, @Nullable String container) {}

  /**
   * The simulated fleet the service runs against when no Azure subscription is configured.
   *
   * @param seed the simulator's seed (same seed, same run)
   * @param speed how many seconds of fleet time pass per real second; 0 runs to the end as fast as possible
   * @param image the image every scale set runs at the start, e.g.
   *     {@code Canonical:0001-com-ubuntu-server-jammy:22_04-lts-gen2:22.04.202409010}
   * @param scaleSets the scale sets
   */
  public record SimulatorConfig(long seed, double speed, String image, List<ScaleSetConfig> scaleSets) {
    /** Validates the fields. */
    public SimulatorConfig {
      Require.that(speed >= 0 && Double.isFinite(speed), "simulator.speed", "0 (as fast as possible) or positive",
          speed);
      ImageReference.parse(Require.nonBlank("simulator.image", image));
      scaleSets = List.copyOf(Require.nonEmpty("simulator.scaleSets",
          Require.noNulls("simulator.scaleSets", scaleSets)));
    }
  }

  /**
   * A simulated scale set.
   *
   * @param id {@code "resourceGroup/name"}, as the rings name it
   * @param region its Azure region, e.g. {@code westeurope}
   * @param instances how many instances
   * @param zones across how many availability zones (0 for none)
   */
  public record ScaleSetConfig(String id, String region, int instances, int zones) {
    /** Validates the fields. */
    public ScaleSetConfig {
      Require.that(id != null && id.indexOf('/') > 0 && id.indexOf('/') == id.lastIndexOf('/')
          && id.indexOf('/') < id.length() - 1, "simulator.scaleSets[].id", "resourceGroup/name", id);
      Require.nonBlank("simulator.scaleSets[].region", region);
      Require.inRange("simulator.scaleSets[].instances", instances, 1, 1000);
      Require.inRange("simulator.scaleSets[].zones", zones, 0, 3);
    }
  }
}
