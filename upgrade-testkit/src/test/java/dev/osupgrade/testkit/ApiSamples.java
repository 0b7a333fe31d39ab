package dev.osupgrade.testkit;

import static dev.osupgrade.testkit.Images.V1;
import static dev.osupgrade.testkit.Images.V2;
import static dev.osupgrade.testkit.Images.ubuntu;

import dev.osupgrade.Region;
import dev.osupgrade.event.RingEvent;
import dev.osupgrade.event.RolloutCompleted;
import dev.osupgrade.event.RolloutEvent;
import dev.osupgrade.event.RolloutListener;
import dev.osupgrade.event.UpgradeEvent;
import dev.osupgrade.event.UpgradeListener;
import dev.osupgrade.fleet.HealthMonitoring;
import dev.osupgrade.fleet.HealthState;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.ScaleSet;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.fleet.Zone;
import dev.osupgrade.governance.Environment;
import dev.osupgrade.governance.ImageTrustPolicy;
import dev.osupgrade.governance.ImageValidator;
import dev.osupgrade.governance.Quarantine;
import dev.osupgrade.governance.ReadinessRecord;
import dev.osupgrade.governance.SignalThreshold;
import dev.osupgrade.governance.TrustDecision;
import dev.osupgrade.governance.ValidationResult;
import dev.osupgrade.governance.performance.Alternative;
import dev.osupgrade.governance.performance.PerformanceGate;
import dev.osupgrade.governance.performance.PerformanceReport;
import dev.osupgrade.governance.rings.Ring;
import dev.osupgrade.governance.rings.RingPlan;
import dev.osupgrade.governance.rings.RingRollout;
import dev.osupgrade.governance.schedule.Cadence;
import dev.osupgrade.governance.schedule.DeferralApprovals;
import dev.osupgrade.governance.schedule.MaintenanceSchedule;
import dev.osupgrade.governance.schedule.MaintenanceWindow;
import dev.osupgrade.governance.schedule.ReleaseCalendar;
import dev.osupgrade.health.FleetUnhealthyGate;
import dev.osupgrade.health.GateContext;
import dev.osupgrade.health.GatePhase;
import dev.osupgrade.health.GateVerdict;
import dev.osupgrade.health.HealthGate;
import dev.osupgrade.health.Measurement;
import dev.osupgrade.image.Eligibility;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.image.ImageRelease;
import dev.osupgrade.image.ImageVersion;
import dev.osupgrade.image.ReplicationState;
import dev.osupgrade.ops.RollbackInfo;
import dev.osupgrade.ops.UpgradeError;
import dev.osupgrade.ops.UpgradeProgress;
import dev.osupgrade.plan.BatchPlanner;
import dev.osupgrade.plan.PlanOptions;
import dev.osupgrade.plan.RolloutPlan;
import dev.osupgrade.policy.AutomaticOsUpgradePolicy;
import dev.osupgrade.policy.RollingUpgradePolicy;
import dev.osupgrade.policy.UpgradePolicy;
import dev.osupgrade.port.CapacityPort;
import dev.osupgrade.port.ImageCatalog;
import dev.osupgrade.port.Lease;
import dev.osupgrade.port.Metric;
import dev.osupgrade.port.MetricsSource;
import dev.osupgrade.port.PlatformUpgradePort;
import dev.osupgrade.port.RolloutStore;
import dev.osupgrade.port.ScaleSetPort;
import dev.osupgrade.report.Comparison;
import dev.osupgrade.report.InstanceObservations;
import dev.osupgrade.report.Timeline;
import dev.osupgrade.rollout.InstanceProgress;
import dev.osupgrade.rollout.Rollout;
import dev.osupgrade.rollout.RolloutAction;
import dev.osupgrade.rollout.RolloutOptions;
import dev.osupgrade.rollout.RolloutState;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.reflect.Array;
import java.lang.reflect.Constructor;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Valid and hostile values for the public API fuzz test ({@link PublicApiFuzzTest}): a fresh simulated world per call
 * (a fleet with one zonal scale set {@code rg/web} of four instances on V1 and V2 published), valid samples per type
 * (and per parameter name where the type alone does not say what is valid), and hostile values per type.
 */
final class ApiSamples {
  static final String LONG = "x".repeat(10_000);
  static final Instant NOW = VirtualClock.DEFAULT_START;

  /** One fresh world per call: nothing a call does leaks into the next. */
  static final class World {
    final VirtualClock clock = VirtualClock.create();
    final SimulatedFleet fleet = SimulatedFleet.create(1, clock, SimulationProfile.ofDefaults());
    final ScaleSetId id;
    private final Map<Class<?>, Object> made = new HashMap<>();

    World() {
      id = fleet.add(ScaleSetSpec.named("web").resourceGroup("rg").instances(4).zones(2).image(ubuntu(V1)));
      fleet.publish(ubuntu(V2));
    }

    <T> T once(Class<T> type, Supplier<T> make) {
      return type.cast(made.computeIfAbsent(type, k -> make.get()));
    }
  }

  /** A value the API does not accept as a sample; the fuzz test reports the type. */
  static final class NoSample extends RuntimeException {
    private static final long serialVersionUID = 1L;

    NoSample(String what) {
      super(what);
    }
  }

  /** A hostile value with a label for the report. */
  record Hostile(String label, Object value) {
    static final Object NULL = new Object();

    Object actual() {
      return value == NULL ? null : value;
    }
  }

  private ApiSamples() {}

  // ---- hostile values ------------------------------------------------------------------------------------------

  static List<Hostile> hostile(Type type) {
    Class<?> raw = raw(type);
    List<Hostile> out = new ArrayList<>();
    if (!raw.isPrimitive()) {
      out.add(new Hostile("null", Hostile.NULL));
    }
    if (raw == String.class) {
      out.add(new Hostile("\"\"", ""));
      out.add(new Hostile("\"  \"", "  "));
      out.add(new Hostile("\"a\\nb\"", "a\nb"));
      out.add(new Hostile("\"/\"", "/"));
      out.add(new Hostile("\"..\"", ".."));
      out.add(new Hostile("10,000 x", LONG));
    } else if (raw == int.class || raw == Integer.class) {
      for (int v : new int[] {-1, 0, Integer.MIN_VALUE, Integer.MAX_VALUE}) {
        out.add(new Hostile(String.valueOf(v), v));
      }
    } else if (raw == long.class || raw == Long.class) {
      for (long v : new long[] {-1, 0, Long.MIN_VALUE, Long.MAX_VALUE}) {
        out.add(new Hostile(v + "L", v));
      }
    } else if (raw == double.class || raw == Double.class) {
      for (double v : new double[] {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, -1.0,
          Double.MAX_VALUE}) {
        out.add(new Hostile(String.valueOf(v), v));
      }
    } else if (raw == Duration.class) {
      out.add(new Hostile("PT0S", Duration.ZERO));
      out.add(new Hostile("PT-1S", Duration.ofSeconds(-1)));
      out.add(new Hostile("ofSeconds(Long.MAX_VALUE)", Duration.ofSeconds(Long.MAX_VALUE)));
    } else if (raw == Instant.class) {
      out.add(new Hostile("Instant.MIN", Instant.MIN));
      out.add(new Hostile("Instant.MAX", Instant.MAX));
    } else if (raw.isArray() && !raw.getComponentType().isPrimitive()) {
      out.add(new Hostile("[]", Array.newInstance(raw.getComponentType(), 0)));
      out.add(new Hostile("[null]", Array.newInstance(raw.getComponentType(), 1)));
    } else if (raw == double[].class) {
      out.add(new Hostile("double[0]", new double[0]));
      out.add(new Hostile("[NaN]", new double[] {Double.NaN}));
    } else if (raw == int[].class) {
      out.add(new Hostile("int[0]", new int[0]));
      out.add(new Hostile("[-1]", new int[] {-1}));
    } else if (raw == SortedMap.class) {
      out.add(new Hostile("{}", new TreeMap<>()));
      TreeMap<String, Object> nullValue = new TreeMap<>();
      nullValue.put("1", null);
      out.add(new Hostile("{1=null}", nullValue));
    } else if (Map.class.isAssignableFrom(raw)) {
      out.add(new Hostile("{}", new HashMap<>()));
      Map<Object, Object> nulls = new HashMap<>();
      nulls.put(null, null);
      out.add(new Hostile("{null=null}", nulls));
    } else if (Set.class.isAssignableFrom(raw)) {
      out.add(new Hostile("[]", new HashSet<>()));
      Set<Object> nulls = new HashSet<>();
      nulls.add(null);
      out.add(new Hostile("[null]", nulls));
    } else if (Collection.class.isAssignableFrom(raw)) {
      out.add(new Hostile("[]", new ArrayList<>()));
      out.add(new Hostile("[null]", Arrays.asList((Object) null)));
    }
    return out;
  }

  // ---- valid values --------------------------------------------------------------------------------------------

  /**
   * A valid value for a parameter.
   *
   * @param type the parameter's type
   * @param name the parameter's name
   * @param where {@code Class.method} of the executable, for the few places where name and type are not enough
   * @param w the world of this call
   */
  static Object valid(Type type, String name, String where, World w) {
    if (type instanceof TypeVariable<?> v) {
      Class<?> bound = raw(v.getBounds()[0]);
      if (Collection.class.isAssignableFrom(bound)) {
        return List.of("x");
      }
      if (Map.class.isAssignableFrom(bound)) {
        return Map.of("k", "v");
      }
      Supplier<Object> bounded = registry(bound, w); // e.g. <F extends ScaleSetInventory & ScaleSetPort & ...>
      return bounded != null ? bounded.get() : "x";
    }
    if (type instanceof GenericArrayType) {
      return new Object[] {"x"};
    }
    if (type instanceof ParameterizedType p) {
      return parameterized(p, name, where, w);
    }
    Class<?> c = (Class<?>) type;
    Object byName = byName(c, name, where, w);
    if (byName != null) {
      return byName;
    }
    if (c.isArray()) {
      Object array = Array.newInstance(c.getComponentType(), 1);
      Array.set(array, 0, valid(c.getComponentType(), singular(name), where, w));
      return array;
    }
    if (c.isEnum()) {
      return c.getEnumConstants()[0];
    }
    Supplier<Object> s = registry(c, w);
    if (s != null) {
      return s.get();
    }
    if (c.isRecord()) {
      return record(c, where, w);
    }
    throw new NoSample(c.getName());
  }

  private static String singular(String name) {
    return name.endsWith("s") ? name.substring(0, name.length() - 1) : name;
  }

  private static Object parameterized(ParameterizedType p, String name, String where, World w) {
    Class<?> raw = raw(p);
    Type[] args = p.getActualTypeArguments();
    if (raw == Class.class) {
      return RolloutCompleted.class;
    }
    if (raw == List.class || raw == Collection.class) {
      return List.of(valid(bound(args[0]), singular(name), where, w));
    }
    if (raw == Set.class) {
      return Set.of(valid(bound(args[0]), singular(name), where, w));
    }
    if (raw == SortedMap.class) {
      ScaleSet web = w.fleet.get(w.id);
      SortedMap<String, InstanceProgress> m = new TreeMap<>();
      m.put("1", InstanceProgress.pending("1", 1, web.instance("1").orElseThrow().image()));
      return m;
    }
    if (raw == Map.class) {
      Map<Object, Object> m = new LinkedHashMap<>();
      m.put(valid(bound(args[0]), "key", where, w), valid(bound(args[1]), "value", where, w));
      return m;
    }
    if (raw == Function.class) {
      Function<Object, Object> f = x -> Environment.DEVELOPMENT;
      return f;
    }
    if (raw == Consumer.class) {
      Consumer<Object> c = x -> { };
      return c;
    }
    if (raw == Supplier.class) {
      Supplier<Object> s = () -> "x";
      return s;
    }
    if (raw == java.util.concurrent.Callable.class) {
      java.util.concurrent.Callable<Object> c = () -> "x";
      return c;
    }
    throw new NoSample(p.getTypeName());
  }

  private static Type bound(Type t) {
    return t instanceof WildcardType wt ? wt.getUpperBounds()[0] : t;
  }

  static Class<?> raw(Type t) {
    if (t instanceof Class<?> c) {
      return c;
    }
    if (t instanceof ParameterizedType p) {
      return (Class<?>) p.getRawType();
    }
    if (t instanceof GenericArrayType g) {
      return Array.newInstance(raw(g.getGenericComponentType()), 0).getClass();
    }
    if (t instanceof TypeVariable<?> v) {
      return raw(v.getBounds()[0]);
    }
    if (t instanceof WildcardType wt) {
      return raw(wt.getUpperBounds()[0]);
    }
    return Object.class;
  }

  /** Strings, numbers, durations and times: what is valid depends on what the parameter is. */
  private static Object byName(Class<?> c, String name, String where, World w) {
    if (c == String.class) {
      return string(name, where, w);
    }
    if (c == Path.class && where.equals("Timeline.writeTo")) {
      return tempDir().resolve("timeline.html");
    }
    if (c == int.class || c == Integer.class) {
      return switch (name) {
        case "percent", "maxBatchInstancePercent", "maxUnhealthyInstancePercent",
            "maxUnhealthyUpgradedInstancePercent", "value", "limit" -> where.startsWith("Percent") ? 20 : 20;
        case "instances", "instanceCount", "whole", "totalInstances", "size" -> 4;
        case "dayOfMonth" -> 15;
        case "httpStatus" -> where.contains("serverErrors") ? 500 : 409;
        case "index", "part", "waitsSoFar", "failed", "skipped", "pending", "inProgress", "headroom", "min",
            "failedToRollBack", "successfullyRolledBack", "unhealthyInstances", "faultDomain", "updateDomain" -> 0;
        case "max", "maxLength", "maxInstances" -> 100;
        default -> 1;
      };
    }
    if (c == long.class || c == Long.class) {
      if (where.equals("Checkpoint.<init>")) {
        return 1L;
      }
      return switch (name) {
        case "expectedVersion", "version", "lastSequence" -> 0L;
        default -> 1L;
      };
    }
    if (c == double.class || c == Double.class) {
      if (where.endsWith(".alpha")) {
        return 0.05;
      }
      return switch (name) {
        case "alpha", "pValue", "probability", "tolerance", "shift" -> 0.1;
        case "factor" -> 1.5;
        case "percentile", "percent" -> 50.0;
        default -> 1.0;
      };
    }
    if (c == boolean.class || c == Boolean.class) {
      return where.equals("Require.that");
    }
    if (c == Duration.class) {
      return duration(name, where);
    }
    if (c == Instant.class) {
      return switch (name) {
        case "to", "endTime", "close", "latest", "expiresAt", "until", "wakeAt", "pauseUntil", "endedAt",
            "settledAt", "upgradedAt", "target" -> NOW.plus(Duration.ofHours(1));
        case "endOfLife" -> NOW.plus(Duration.ofDays(365));
        case "now" -> NOW.plus(Duration.ofMinutes(1));
        default -> NOW;
      };
    }
    if (c == LocalTime.class) {
      return name.equals("end") ? LocalTime.of(5, 0) : LocalTime.of(1, 0);
    }
    if (c == LocalDate.class) {
      return LocalDate.of(2026, 1, 10);
    }
    if (c == DayOfWeek.class) {
      return DayOfWeek.MONDAY;
    }
    if (c == ZoneId.class) {
      return ZoneId.of("Europe/Berlin");
    }
    if (c == Object.class) {
      return "x";
    }
    if (c == Zone.class) {
      return Zone.of("1");
    }
    if (c == ImageVersion.class) {
      return name.equals("from") || name.equals("pinned") ? V1 : V2;
    }
    if (c == ImageReference.class) {
      return switch (name) {
        case "from", "previousImage", "previousModelImage", "modelImage", "image" -> where.startsWith("Faults")
            || where.startsWith("ImageRelease") || where.contains("publish") ? ubuntu(V2) : ubuntu(V1);
        default -> ubuntu(V2);
      };
    }
    return null;
  }

  private static String string(String name, String where, World w) {
    switch (where) {
      case "ImageReference.parse":
        return ubuntu(V2).toString();
      case "ImageVersion.parse", "ImageVersion.of":
        return V2.toString();
      case "Environment.parse":
        return "production";
      case "MaintenanceWindow.parse":
        return "MON-FRI 22:00-02:00 Europe/Berlin";
      case "RolloutState.decode":
        return RolloutState.initial(w.id, V2).encode();
      case "Require.that", "InvalidValueException.<init>":
        return "x";
      default:
        break;
    }
    return switch (name) {
      case "armId" -> w.id.armId();
      case "by", "replaced", "replaces", "instanceId" -> "1";
      case "code" -> "InvalidParameter";
      case "contact", "contactInfo" -> "oncall@example.com";
      case "etag", "ifMatchEtag" -> w.fleet.get(w.id).etag();
      case "galleryIdOrName", "galleryName" -> "gallery";
      case "imageDefinitionId" -> "/subscriptions/" + ScaleSetId.LOCAL_SUBSCRIPTION + "/resourceGroups/rg/providers"
          + "/Microsoft.Compute/galleries/gallery/images/web";
      case "imageKey" -> "Canonical:0001-com-ubuntu-server-jammy:22_04-lts-gen2";
      case "key" -> "env";
      case "method" -> "upgradeInstances";
      case "offer" -> "0001-com-ubuntu-server-jammy";
      case "publisher", "publishers" -> "Canonical";
      case "sku" -> "22_04-lts-gen2";
      case "owner", "replica" -> "replica-1";
      case "region" -> "westeurope";
      case "resourceGroup" -> "rg";
      case "ring" -> "canary";
      case "subscriptionId" -> ScaleSetId.LOCAL_SUBSCRIPTION;
      case "version" -> V2.toString();
      case "zone" -> "1";
      case "iso8601" -> "PT1M";
      case "unit" -> "ms";
      case "name" -> where.startsWith("ScaleSetSpec") ? "web2" : "web";
      case "instanceIds" -> "1";
      default -> "text";
    };
  }

  private static Duration duration(String name, String where) {
    if (name.endsWith("Max") || name.equals("max") || name.equals("maximum")) {
      return Duration.ofMinutes(10);
    }
    if (name.endsWith("Min") || name.equals("min")) {
      return Duration.ofMinutes(1);
    }
    return switch (name) {
      case "progressDeadline" -> Duration.ofHours(2);
      case "period" -> Duration.ofDays(7);
      case "soak", "spread", "leaseDuration", "ttl" -> Duration.ofHours(1);
      case "deferralTimeout", "timeout" -> Duration.ofDays(7);
      default -> Duration.ofMinutes(1);
    };
  }

  /** A record from samples of its components. */
  private static Object record(Class<?> c, String where, World w) {
    RecordComponent[] rc = c.getRecordComponents();
    Class<?>[] types = Arrays.stream(rc).map(RecordComponent::getType).toArray(Class<?>[]::new);
    Object[] args = new Object[rc.length];
    for (int i = 0; i < rc.length; i++) {
      args[i] = valid(rc[i].getGenericType(), rc[i].getName(), c.getSimpleName() + ".<init>", w);
    }
    try {
      Constructor<?> k = c.getDeclaredConstructor(types);
      return k.newInstance(args);
    } catch (ReflectiveOperationException e) {
      throw new NoSample(c.getName() + " (" + e.getCause() + ")");
    }
  }

  // ---- samples of the domain types -----------------------------------------------------------------------------

  private static Supplier<Object> registry(Class<?> c, World w) {
    Map<Class<?>, Supplier<Object>> m = new HashMap<>();
    m.put(Region.class, () -> Region.of("westeurope"));
    m.put(ScaleSetId.class, () -> w.id);
    m.put(ScaleSet.class, () -> w.fleet.get(w.id));
    m.put(Instance.class, () -> w.fleet.get(w.id).instance("1").orElseThrow());
    m.put(HealthMonitoring.class, HealthMonitoring::extension);
    m.put(ImageRelease.class, () -> w.fleet.listReleases(ubuntu(V2)).stream()
        .filter(r -> r.version().equals(V2)).findFirst().orElseThrow());
    m.put(ImageReference.Marketplace.class, () -> ubuntu(V2));
    m.put(ImageReference.Gallery.class, () -> ImageReference.gallery("/subscriptions/" + ScaleSetId.LOCAL_SUBSCRIPTION
        + "/resourceGroups/rg/providers/Microsoft.Compute/galleries/gallery/images/web", "1.2.3"));
    m.put(ComputeThrottling.class, ComputeThrottling::create);
    m.put(RollingUpgradePolicy.class, RollingUpgradePolicy::ofDefaults);
    m.put(AutomaticOsUpgradePolicy.class, () -> w.fleet.get(w.id).upgradePolicy().automaticOsUpgrade());
    m.put(UpgradePolicy.class, () -> w.fleet.get(w.id).upgradePolicy());
    m.put(RolloutPlan.class, () -> BatchPlanner.plan(w.fleet.get(w.id), RollingUpgradePolicy.ofDefaults(), V2));
    m.put(PlanOptions.class, () -> PlanOptions.withBatchTime(Duration.ofMinutes(10)));
    m.put(dev.osupgrade.plan.Batch.class, () -> BatchPlanner.plan(w.fleet.get(w.id), RollingUpgradePolicy.ofDefaults(),
        V2).batch(1));
    m.put(UpgradeProgress.class, () -> new UpgradeProgress(1, 0, 0, 3));
    m.put(UpgradeError.class, () -> new UpgradeError("InvalidParameter", "text"));
    m.put(RollbackInfo.class, () -> new RollbackInfo(0, 0, null));
    m.put(Eligibility.class, () -> dev.osupgrade.plan.ImageEligibility.check(
        (ImageRelease) registry(ImageRelease.class, w).get(), w.fleet.get(w.id), NOW));
    m.put(Measurement.class, () -> Measurement.of("unhealthy", 1));
    m.put(GateVerdict.class, () -> GateVerdict.pass("gate", "fine"));
    m.put(GateVerdict.Fail.class, () -> GateVerdict.fail("gate", "Code", "bad"));
    m.put(GateContext.class, () -> new GateContext(GatePhase.BEFORE_BATCH, 1, 2, w.fleet.get(w.id), V2,
        RollingUpgradePolicy.ofDefaults(), Set.of(), Set.of(), NOW, NOW));
    m.put(HealthGate.class, FleetUnhealthyGate::new);
    m.put(FleetUnhealthyGate.class, FleetUnhealthyGate::new);
    m.put(dev.osupgrade.health.UpgradedUnhealthyGate.class, dev.osupgrade.health.UpgradedUnhealthyGate::new);
    m.put(dev.osupgrade.governance.GovernanceGate.class, () -> dev.osupgrade.governance.GovernanceGate.of(
        Environment.DEVELOPMENT, ImageTrustPolicy.trustingPublishers("Canonical"),
        ReadinessRecord.builder().owner("team", "oncall@example.com").build(),
        (ImageRelease) registry(ImageRelease.class, w).get()));
    m.put(dev.osupgrade.governance.schedule.MaintenanceWindowGate.class,
        () -> dev.osupgrade.governance.schedule.MaintenanceWindowGate.of(MaintenanceSchedule.of(
            MaintenanceWindow.parse("MON-FRI 22:00-02:00 Europe/Berlin"))));
    m.put(Number.class, () -> 1.0);
    m.put(ImageVersion.class, () -> V2);
    m.put(dev.osupgrade.port.Checkpoint.class, () -> new dev.osupgrade.port.Checkpoint(w.id, 1, "data", NOW,
        "replica-1"));
    m.put(RolloutEvent.class, () -> new RolloutCompleted(1, NOW, w.id, V2, new UpgradeProgress(4, 0, 0, 0),
        Duration.ofMinutes(1), new dev.osupgrade.ops.FleetVerification(ubuntu(V2), true, 4, 4, List.of())));
    m.put(RolloutListener.class, () -> (RolloutListener) e -> { });
    m.put(UpgradeListener.class, () -> (UpgradeListener) e -> { });
    m.put(UpgradeEvent.class, () -> new RingEvent(1, NOW, RingEvent.Kind.STARTED, "canary", null, "rolling out"));
    m.put(FleetRecord.class, () -> w.fleet.record(w.id));
    m.put(VirtualScheduler.class, () -> VirtualScheduler.on(w.clock));
    m.put(dev.osupgrade.service.RolloutRunner.Builder.class, () -> dev.osupgrade.service.RolloutRunner.builder()
        .clock(w.clock).scheduler(VirtualScheduler.on(w.clock)));
    // a runner already shut down (and so terminated, holding nothing): awaitTermination returns at once
    m.put(dev.osupgrade.service.RolloutRunner.class, () -> {
      dev.osupgrade.service.RolloutRunner r = dev.osupgrade.service.RolloutRunner.builder().clock(w.clock)
          .scheduler(VirtualScheduler.on(w.clock)).build();
      r.shutdown();
      return r;
    });
    m.put(dev.osupgrade.service.ManagedRollout.class, () -> w.once(dev.osupgrade.service.ManagedRollout.class,
        () -> dev.osupgrade.service.RolloutRunner.builder().clock(w.clock).scheduler(VirtualScheduler.on(w.clock))
            .build().submit(Rollout.builder(w.fleet, w.id).target(V2).clock(w.clock).build())));
    m.put(Rollout.class, () -> w.once(Rollout.class,
        () -> Rollout.builder(w.fleet, w.id).target(V2).clock(w.clock).build()));
    m.put(RolloutState.class, () -> RolloutState.initial(w.id, V2));
    m.put(RolloutAction.class, () -> new RolloutAction.UpgradeInstances(List.of("1")));
    m.put(RolloutAction.ScaleOut.class, () -> new RolloutAction.ScaleOut(List.of("1"), List.of("0", "1", "2", "3")));
    m.put(RolloutOptions.class, () -> RolloutOptions.builder().build());
    m.put(ScaleSetPort.class, () -> w.fleet);
    m.put(ImageCatalog.class, () -> w.fleet);
    m.put(dev.osupgrade.port.ScaleSetInventory.class, () -> w.fleet);
    m.put(PlatformUpgradePort.class, () -> w.fleet);
    m.put(CapacityPort.class, () -> w.fleet);
    m.put(MetricsSource.class, () -> w.fleet);
    m.put(RolloutStore.class, RolloutStore::inMemory);
    m.put(Lease.class, () -> new Lease(w.id, "replica-1", 1, NOW.plus(Duration.ofHours(1))));
    m.put(dev.osupgrade.port.Fencing.Fence.class, () -> (dev.osupgrade.port.Fencing.Fence) () -> { });
    m.put(Metric.class, () -> Metric.STARTUP_TIME);
    m.put(Environment.class, () -> Environment.PRODUCTION);
    m.put(ImageTrustPolicy.class, () -> ImageTrustPolicy.trustingPublishers("Canonical"));
    m.put(ImageValidator.class, () -> (ImageValidator) r -> ValidationResult.pass("ok"));
    m.put(Quarantine.class, Quarantine::create);
    m.put(ReadinessRecord.class, () -> ReadinessRecord.builder().owner("team", "oncall@example.com").build());
    m.put(SignalThreshold.class, () -> SignalThreshold.relative(Metric.STARTUP_TIME, 0.2));
    m.put(TrustDecision.class, () -> ImageTrustPolicy.trustingPublishers("Canonical")
        .evaluate((ImageRelease) registry(ImageRelease.class, w).get(), Environment.PRODUCTION, NOW));
    m.put(dev.osupgrade.governance.performance.MannWhitneyResult.class,
        () -> new dev.osupgrade.governance.performance.MannWhitneyResult(5, 5, 7, 18, 1.2, 0.2, Alternative.TWO_SIDED,
            dev.osupgrade.governance.performance.PValueMethod.EXACT, false, 3, 4, 1));
    m.put(PerformanceReport.class, () -> new PerformanceReport(NOW, List.of(), List.of()));
    m.put(PerformanceGate.class, () -> PerformanceGate.builder().source(w.fleet)
        .threshold(SignalThreshold.relative(Metric.STARTUP_TIME, 0.2)).build());
    m.put(Ring.class, () -> Ring.of("canary", Duration.ofHours(1), w.id));
    m.put(RingPlan.class, () -> RingPlan.of(Ring.of("canary", Duration.ofHours(1), w.id)));
    m.put(Cadence.class, () -> Cadence.monthly(15, 1));
    m.put(MaintenanceWindow.class, () -> MaintenanceWindow.parse("MON-FRI 22:00-02:00 Europe/Berlin"));
    m.put(MaintenanceSchedule.class, () -> MaintenanceSchedule.of(
        MaintenanceWindow.parse("MON-FRI 22:00-02:00 Europe/Berlin")));
    m.put(DeferralApprovals.class, () -> DeferralApprovals.builder().build());
    m.put(ReleaseCalendar.class, () -> ReleaseCalendar.builder().build());
    m.put(ReplicationState.class, () -> ReplicationState.COMPLETED);
    m.put(dev.osupgrade.policy.UpgradeMode.class, () -> dev.osupgrade.policy.UpgradeMode.MANUAL);
    m.put(dev.osupgrade.ops.StartedBy.class, () -> dev.osupgrade.ops.StartedBy.PLATFORM);
    m.put(dev.osupgrade.ops.FleetVerification.class, () -> new dev.osupgrade.ops.FleetVerification(ubuntu(V2), true, 4,
        4, List.of()));
    m.put(HealthState.class, () -> HealthState.HEALTHY);
    m.put(Clock.class, () -> w.clock);
    m.put(Path.class, () -> tempDir());
    m.put(PrintStream.class, () -> new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    m.put(Runnable.class, () -> (Runnable) () -> { });
    m.put(java.util.concurrent.ScheduledExecutorService.class, () -> VirtualScheduler.on(w.clock));
    m.put(dev.osupgrade.governance.rings.RingRollout.class, () -> dev.osupgrade.governance.rings.RingRollout.builder(
        dev.osupgrade.governance.rings.RingPlan.of(dev.osupgrade.governance.rings.Ring.of("canary", Duration.ZERO,
            w.id)), w.fleet, w.fleet).target(V2).clock(w.clock)
        .trust(dev.osupgrade.governance.ImageTrustPolicy.trustingPublishers("Canonical")).build());
    m.put(Throwable.class, () -> new IllegalStateException("cause"));
    // watching rollouts: every listener writes nowhere
    m.put(System.Logger.class, SilentLogger::new);
    m.put(dev.osupgrade.observe.MetricsSink.class, NoMetrics::new);
    m.put(dev.osupgrade.observe.OperatorLog.class, () -> dev.osupgrade.observe.OperatorLog.summary(x -> { }));
    m.put(dev.osupgrade.observe.JsonLines.class, () -> dev.osupgrade.observe.JsonLines.to(x -> { }));
    m.put(dev.osupgrade.observe.LoggingListener.class,
        () -> dev.osupgrade.observe.LoggingListener.to(new SilentLogger()));
    m.put(dev.osupgrade.observe.MetricsListener.class,
        () -> dev.osupgrade.observe.MetricsListener.to(new NoMetrics()));
    // the testkit
    m.put(SimulatedFleet.class, () -> w.fleet);
    m.put(VirtualClock.class, () -> w.clock);
    m.put(SimulationProfile.class, SimulationProfile::ofDefaults);
    m.put(ScaleSetSpec.class, () -> ScaleSetSpec.named("web2").instances(2).image(ubuntu(V1)));
    m.put(ImageBehavior.class, ImageBehavior::healthy);
    m.put(Faults.class, () -> w.fleet.faults());
    m.put(CrashPoints.class, CrashPoints::never);
    // seeing a rollout: the timeline page and what-if replays, of a rollout that ran on the world's fleet
    m.put(InstanceObservations.class, () -> w.fleet.observations());
    m.put(WhatIf.class, () -> WhatIf.of(finished(w), w.fleet.record(w.id)));
    m.put(Comparison.class, () -> {
      Rollout r = finished(w); // first: once() must not nest
      return w.once(Comparison.class, () -> WhatIf.of(r, w.fleet.record(w.id)).compare());
    });
    m.put(Timeline.class, () -> Timeline.of(finished(w)).observed(w.fleet.observations()));
    // the estate governor
    m.put(dev.osupgrade.estate.DesiredState.class, () -> desired());
    m.put(dev.osupgrade.estate.EstateGovernor.class, () -> w.once(dev.osupgrade.estate.EstateGovernor.class,
        () -> dev.osupgrade.estate.EstateGovernor.builder(desired(), w.fleet).clock(w.clock).build()));
    m.put(dev.osupgrade.service.RunnerTask.class, () -> registry(dev.osupgrade.estate.EstateGovernor.class, w)
        .get());
    m.put(dev.osupgrade.estate.Rehearsal.class, TwinRehearsal::create);
    m.put(TwinRehearsal.class, TwinRehearsal::create);
    m.put(dev.osupgrade.port.DiscoveryScope.class, () -> dev.osupgrade.port.DiscoveryScope.resourceGroup("rg"));
    return m.get(c);
  }

  /** A desired state over the world's resource group: one family, one ring. */
  static dev.osupgrade.estate.DesiredState desired() {
    return dev.osupgrade.estate.DesiredState.builder().scope(dev.osupgrade.port.DiscoveryScope.resourceGroup("rg"))
        .family(dev.osupgrade.estate.ImageFamily.of("ubuntu", ubuntu(V1)))
        .ring("canary", Duration.ofHours(1), dev.osupgrade.estate.Selector.all())
        .trust(ImageTrustPolicy.trustingPublishers("Canonical")).build();
  }

  /** Receivers for instance methods whose class has no value sample: builders, interfaces with default methods. */
  static List<Supplier<Object>> receivers(Class<?> c, World w) {
    Map<Class<?>, List<Supplier<Object>>> m = new HashMap<>();
    m.put(RollingUpgradePolicy.Builder.class, List.of(RollingUpgradePolicy::builder));
    m.put(RolloutOptions.Builder.class, List.of(RolloutOptions::builder));
    m.put(Rollout.Builder.class, List.of(() -> Rollout.builder(w.fleet, w.id)));
    m.put(ImageTrustPolicy.Builder.class, List.of(ImageTrustPolicy::builder));
    m.put(ReadinessRecord.Builder.class, List.of(ReadinessRecord::builder));
    m.put(PerformanceGate.Builder.class, List.of(PerformanceGate::builder));
    m.put(RingRollout.Builder.class, List.of(() -> RingRollout.builder(
        RingPlan.of(Ring.of("canary", Duration.ofHours(1), w.id)), w.fleet, w.fleet)));
    m.put(DeferralApprovals.Builder.class, List.of(DeferralApprovals::builder));
    m.put(ReleaseCalendar.Builder.class, List.of(ReleaseCalendar::builder));
    m.put(SimulatorExtension.Builder.class, List.of(SimulatorExtension::builder));
    m.put(dev.osupgrade.estate.DesiredState.Builder.class, List.of(dev.osupgrade.estate.DesiredState::builder,
        () -> dev.osupgrade.estate.DesiredState.builder().scope(dev.osupgrade.port.DiscoveryScope.resourceGroup("rg"))
            .family(dev.osupgrade.estate.ImageFamily.of("ubuntu", ubuntu(V1)))));
    m.put(dev.osupgrade.estate.EstateGovernor.Builder.class, List.of(() -> dev.osupgrade.estate.EstateGovernor
        .builder(desired(), w.fleet)));
    m.put(RolloutStore.class, List.of(RolloutStore::inMemory, () -> RolloutStore.file(tempDir())));
    m.put(RolloutAssert.class, List.of(() -> OsUpgradeAssertions.assertThat(
        (Rollout) registry(Rollout.class, w).get())));
    m.put(RolloutPlanAssert.class, List.of(() -> OsUpgradeAssertions.assertThat(
        (RolloutPlan) registry(RolloutPlan.class, w).get())));
    List<Supplier<Object>> explicit = m.get(c);
    if (explicit != null) {
      return explicit;
    }
    Supplier<Object> s = registry(c, w);
    if (s != null) {
      return List.of(s);
    }
    if (c.isRecord() || c.isEnum()) {
      return List.of(() -> valid(c, "value", c.getSimpleName(), w));
    }
    return List.of();
  }

  /** A rollout that ran to its end on the world's fleet. */
  private record Finished(Rollout rollout) {}

  private static Rollout finished(World w) {
    return w.once(Finished.class, () -> new Finished(w.fleet.run(Rollout.builder(w.fleet, w.id).target(V2)
        .clock(w.clock).build()))).rollout();
  }

  private static Path tempDir() {
    try {
      Path dir = Files.createTempDirectory("fuzz-store");
      dir.toFile().deleteOnExit();
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A logger that logs every level, to nowhere. */
  static final class SilentLogger implements System.Logger {
    @Override
    public String getName() {
      return "silent";
    }

    @Override
    public boolean isLoggable(Level level) {
      return true;
    }

    @Override
    public void log(Level level, java.util.ResourceBundle bundle, String msg, Throwable thrown) {
      // nowhere
    }

    @Override
    public void log(Level level, java.util.ResourceBundle bundle, String format, Object... params) {
      // nowhere
    }
  }

  /** A metrics sink that keeps nothing. */
  static final class NoMetrics implements dev.osupgrade.observe.MetricsSink {
    @Override
    public void count(String name, Map<String, String> tags, long amount) {
      // nothing
    }

    @Override
    public void gauge(String name, Map<String, String> tags, double value) {
      // nothing
    }
  }
}
