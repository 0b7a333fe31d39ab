package dev.osupgrade.examples;

import dev.osupgrade.Region;
import dev.osupgrade.estate.DesiredState;
import dev.osupgrade.estate.EstateGovernor;
import dev.osupgrade.estate.EstateReport;
import dev.osupgrade.estate.ImageFamily;
import dev.osupgrade.estate.RehearsalBudget;
import dev.osupgrade.estate.Selector;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.governance.Environment;
import dev.osupgrade.governance.HealthSource;
import dev.osupgrade.governance.ImageTrustPolicy;
import dev.osupgrade.governance.ReadinessRecord;
import dev.osupgrade.governance.SignalThreshold;
import dev.osupgrade.governance.schedule.Cadence;
import dev.osupgrade.governance.schedule.MaintenanceSchedule;
import dev.osupgrade.governance.schedule.MaintenanceWindow;
import dev.osupgrade.governance.schedule.ReleaseCalendar;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.image.ImageRelease;
import dev.osupgrade.image.ImageVersion;
import dev.osupgrade.image.ReplicationState;
import dev.osupgrade.port.DiscoveryScope;
import dev.osupgrade.port.Metric;
import dev.osupgrade.port.RolloutStore;
import dev.osupgrade.service.RolloutRunner;
import dev.osupgrade.testkit.ImageBehavior;
import dev.osupgrade.testkit.ScaleSetSpec;
import dev.osupgrade.testkit.SimulatedFleet;
import dev.osupgrade.testkit.TwinRehearsal;
import dev.osupgrade.testkit.VirtualScheduler;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A month of a governed estate in seconds: 40 production scale sets in three regions and four team resource groups,
 * following two image families (Ubuntu from the marketplace, a golden image from an Azure Compute Gallery), in three
 * rings (canaries by tag, West Europe, the rest), promoted only inside nightly windows (with a blackout date), each
 * ring rehearsed on a twin first. Over the month Canonical ships weekly — the third release comes up unhealthy and is
 * stopped in the canary ring and quarantined — and the gallery ships twice, its first new version failing to
 * replicate to East US. The estate governor runs in a {@link RolloutRunner} on the simulator's virtual clock, prints
 * each decision as it makes it, and the estate report at the end.
 *
 * <pre>
 * mvn -B -q -pl examples -am -DskipTests package exec:java -Ddemo.main=dev.osupgrade.examples.GovernorDemo
 * </pre>
 */
public final class GovernorDemo {
  static final ImageReference UBUNTU =
      ImageReference.marketplace("Canonical", "0001-com-ubuntu-server-jammy", "22_04-lts-gen2", "latest");
  static final ImageReference GOLDEN = ImageReference.gallery("/subscriptions/" + ScaleSetId.LOCAL_SUBSCRIPTION
      + "/resourceGroups/images/providers/Microsoft.Compute/galleries/corp/images/golden", "latest");
  static final List<String> REGIONS = List.of("westeurope", "northeurope", "eastus");
  static final ImageVersion U1 = ImageVersion.parse("22.04.202512010");
  static final ImageVersion U2 = ImageVersion.parse("22.04.202601070");
  /** Comes up unhealthy: the canary stops it. */
  static final ImageVersion U3 = ImageVersion.parse("22.04.202601140");
  static final ImageVersion U4 = ImageVersion.parse("22.04.202601210");
  static final ImageVersion G1 = ImageVersion.parse("1.0.0");
  /** Fails to replicate to East US. */
  static final ImageVersion G2 = ImageVersion.parse("1.1.0");
  static final ImageVersion G3 = ImageVersion.parse("1.2.0");
  static final Instant END = Instant.parse("2026-02-04T00:00:00Z");
  static final LocalDate BLACKOUT = LocalDate.of(2026, 1, 16);

  private GovernorDemo() {}

  /**
   * Runs the demo.
   *
   * @param args optional: the seed (default 42)
   */
  public static void main(String[] args) {
    run(args.length > 0 ? Long.parseLong(args[0]) : 42, System.out);
  }

  /**
   * The month, once run.
   *
   * @param governor the governor, after the month
   * @param fleet the simulated estate it governed, with its record of every call and instance change
   */
  public record Month(EstateGovernor governor, SimulatedFleet fleet) {}

  /**
   * Runs a month and prints the decisions as they are made, then the estate report.
   *
   * @param seed the simulator's seed
   * @param out where to print
   * @return the governor and the fleet, after the month
   */
  public static Month run(long seed, PrintStream out) {
    SimulatedFleet fleet = SimulatedFleet.create(seed);
    fleet.publish(ImageRelease.gallery(GOLDEN.withVersion(G1), fleet.clock().instant().minus(Duration.ofDays(30)),
        everywhere()));
    for (int i = 0; i < 40; i++) {
      boolean golden = i % 4 == 0;
      ScaleSetSpec spec = ScaleSetSpec.named(String.format("vmss-%02d", i)).resourceGroup("team-" + (i % 4))
          .region(REGIONS.get(i % REGIONS.size())).instances(3).updateDomains(3)
          .image(golden ? GOLDEN.withVersion(G1) : UBUNTU.withVersion(U1)).environment(Environment.PRODUCTION);
      if (i < 6) {
        spec.tag("ring", "canary");
      }
      fleet.add(spec);
    }
    releases(fleet);
    ReadinessRecord record = ReadinessRecord.builder().owner("platform-team", "platform-oncall@example.com")
        .healthSource(HealthSource.APPLICATION_HEALTH_EXTENSION).threshold(SignalThreshold.relative(Metric.CPU, 0.10))
        .regions(REGIONS.stream().map(Region::of).toArray(Region[]::new)).atMostPercentAtOnce(34)
        .rings("canary", "europe", "broad").automaticRollback(true)
        .runbookStep("page platform-oncall; confirm the ring rolled back; file the image bug").build();
    MaintenanceSchedule nights = MaintenanceSchedule.of(MaintenanceWindow.parse("DAILY 20:00-04:00 UTC")
        .withBlackout(BLACKOUT));
    DesiredState desired = DesiredState.builder()
        .scope(DiscoveryScope.subscription(ScaleSetId.LOCAL_SUBSCRIPTION))
        .family(ImageFamily.of("ubuntu", UBUNTU)).family(ImageFamily.of("golden", GOLDEN))
        .ring("canary", Duration.ofHours(6), Selector.tag("ring", "canary"))
        .ring("europe", Duration.ofHours(12), Selector.region("westeurope", "northeurope"))
        .ring("broad", Duration.ofHours(12), Selector.all())
        .trust(ImageTrustPolicy.builder().trustPublisher("Canonical").trustGallery("corp")
            .minimumAge(Environment.PRODUCTION, Duration.ofDays(1)).build())
        .readiness(record).schedule(nights).budget(RehearsalBudget.of(Duration.ofHours(2), 60))
        .build();
    ReleaseCalendar calendar = ReleaseCalendar.builder()
        .publisher("Canonical", Cadence.every(Duration.ofDays(7), Instant.parse("2026-01-07T09:00:00Z"),
            Duration.ofHours(12)))
        .gallery("corp", Cadence.every(Duration.ofDays(10), Instant.parse("2026-01-09T09:00:00Z"),
            Duration.ofHours(12)))
        .replication(Region.of("westeurope"), Duration.ofHours(2))
        .replication(Region.of("northeurope"), Duration.ofHours(4))
        .replication(Region.of("eastus"), Duration.ofHours(8))
        .build();

    out.println("== osupgrade estate governor demo (seed " + seed + "): a month of 40 scale sets ==");
    out.println(desired.describe());
    out.println();
    EstateGovernor governor = EstateGovernor.builder(desired, fleet).clock(fleet.clock())
        .store(RolloutStore.inMemory()).owner("governor-1").calendar(calendar).rehearsal(TwinRehearsal.create())
        .turnInterval(Duration.ofMinutes(30)).ringPoll(Duration.ofMinutes(30)).leaseDuration(Duration.ofHours(1))
        .listener(out::println).build();
    RolloutRunner runner = RolloutRunner.builder().clock(fleet.clock())
        .scheduler(VirtualScheduler.on(fleet.clock())).build();
    runner.submit(governor);
    fleet.clock().advanceTo(END); // the runner advances the governor, and the governor its rings, as they ask
    runner.shutdown();
    fleet.clock().advance(Duration.ofSeconds(1));

    out.println();
    EstateReport report = governor.report();
    out.println(report.describe());
    out.println(report);
    return new Month(governor, fleet);
  }

  private static Map<Region, ReplicationState> everywhere() {
    Map<Region, ReplicationState> m = new LinkedHashMap<>();
    REGIONS.forEach(r -> m.put(Region.of(r), ReplicationState.COMPLETED));
    return m;
  }

  /** The month's releases on the fleet's clock: Canonical weekly, the gallery every ten days. */
  private static void releases(SimulatedFleet fleet) {
    fleet.imageBehavior(U3, ImageBehavior.comesUpUnhealthy());
    fleet.clock().schedule(Instant.parse("2026-01-07T09:00:00Z"), () -> fleet.publish(UBUNTU.withVersion(U2)));
    fleet.clock().schedule(Instant.parse("2026-01-14T09:00:00Z"), () -> fleet.publish(UBUNTU.withVersion(U3)));
    fleet.clock().schedule(Instant.parse("2026-01-21T09:00:00Z"), () -> fleet.publish(UBUNTU.withVersion(U4)));
    fleet.clock().schedule(Instant.parse("2026-01-09T09:00:00Z"), () -> gallery(fleet, G2, true));
    fleet.clock().schedule(Instant.parse("2026-01-19T09:00:00Z"), () -> gallery(fleet, G3, false));
  }

  private static void gallery(SimulatedFleet fleet, ImageVersion v, boolean failInEastUs) {
    ImageReference image = GOLDEN.withVersion(v);
    Map<Region, ReplicationState> replicating = new LinkedHashMap<>();
    REGIONS.forEach(r -> replicating.put(Region.of(r), ReplicationState.REPLICATING));
    fleet.publish(ImageRelease.gallery(image, fleet.clock().instant(), replicating));
    fleet.faults().replicationLag(image, "westeurope", Duration.ofHours(2))
        .replicationLag(image, "northeurope", Duration.ofHours(4));
    if (failInEastUs) {
      fleet.faults().replicationFailure(image, "eastus", Duration.ofHours(3));
    } else {
      fleet.faults().replicationLag(image, "eastus", Duration.ofHours(8));
    }
  }
}
