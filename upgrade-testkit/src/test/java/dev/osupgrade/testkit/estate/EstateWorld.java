package dev.osupgrade.testkit.estate;

import dev.osupgrade.Region;
import dev.osupgrade.estate.DesiredState;
import dev.osupgrade.estate.EstateGovernor;
import dev.osupgrade.estate.GovernorDecision;
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
import dev.osupgrade.rollout.RolloutOptions;
import dev.osupgrade.service.RolloutRunner;
import dev.osupgrade.testkit.ImageBehavior;
import dev.osupgrade.testkit.ScaleSetSpec;
import dev.osupgrade.testkit.SimulatedFleet;
import dev.osupgrade.testkit.TwinRehearsal;
import dev.osupgrade.testkit.VirtualScheduler;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A simulated estate for the governor's rehearsals at scale: scale sets in four regions and ten team resource groups,
 * two image families (Ubuntu from the marketplace, a gallery image with per-region replication), three rings, nightly
 * windows (East US on its own hours) with a blackout date, and a month of releases on the publishers' cadence — one
 * of them a bad image, one gallery version whose replication to one region fails.
 */
final class EstateWorld {
  static final Instant START = Instant.parse("2026-01-05T00:00:00Z");
  static final Instant END = Instant.parse("2026-02-04T00:00:00Z");
  static final LocalDate BLACKOUT = LocalDate.of(2026, 1, 21);
  static final List<String> REGIONS = List.of("westeurope", "northeurope", "eastus", "southeastasia");
  static final ImageReference UBUNTU =
      ImageReference.marketplace("Canonical", "0001-com-ubuntu-server-jammy", "22_04-lts-gen2", "latest");
  static final ImageReference GOLDEN = ImageReference.gallery("/subscriptions/00000000-0000-0000-0000-000000000000"
      + "/resourceGroups/images/providers/Microsoft.Compute/galleries/corp/images/golden", "latest");
  static final ImageVersion U1 = ImageVersion.parse("22.04.202512010");
  static final ImageVersion U2 = ImageVersion.parse("22.04.202601070");
  /** The bad image: it comes up unhealthy. */
  static final ImageVersion U3 = ImageVersion.parse("22.04.202601140");
  static final ImageVersion U4 = ImageVersion.parse("22.04.202601210");
  static final ImageVersion U5 = ImageVersion.parse("22.04.202601280");
  static final ImageVersion G1 = ImageVersion.parse("1.0.0");
  /** Its replication to Southeast Asia fails. */
  static final ImageVersion G2 = ImageVersion.parse("1.1.0");
  static final ImageVersion G3 = ImageVersion.parse("1.2.0");
  static final Region FAILED_REGION = Region.of("southeastasia");
  static final MaintenanceSchedule NIGHTS = MaintenanceSchedule.of(
      MaintenanceWindow.parse("DAILY 20:00-06:00 UTC").withBlackout(BLACKOUT));
  static final MaintenanceSchedule EAST_US = MaintenanceSchedule.of(
      MaintenanceWindow.parse("DAILY 03:00-11:00 UTC").withBlackout(BLACKOUT));
  /** Team 9's readiness record lacks its rollback path: its scale sets are left out. */
  static final String UNREADY_GROUP = "team-9";

  final SimulatedFleet fleet;
  final EstateGovernor governor;
  final RolloutRunner runner;
  final DesiredState desired;
  final List<ScaleSetId> scaleSets = new ArrayList<>();
  final Map<ScaleSetId, String> familyOf = new LinkedHashMap<>();
  final List<GovernorDecision> log = new ArrayList<>();
  final RolloutStore store;

  private EstateWorld(long seed, int count, RolloutStore store) {
    this.store = store;
    fleet = SimulatedFleet.create(seed);
    for (int i = 0; i < count; i++) {
      boolean golden = i % 5 == 0;
      String region = REGIONS.get(i % REGIONS.size());
      ScaleSetSpec spec = ScaleSetSpec.named(String.format("vmss-%03d", i)).resourceGroup("team-" + (i % 10))
          .region(region).instances(2).updateDomains(2).image(golden ? GOLDEN.withVersion(G1) : UBUNTU.withVersion(U1))
          .environment(Environment.PRODUCTION);
      if (i < 12) {
        spec.tag("ring", "canary");
      }
      if (golden && i == 0) {
        fleet.publish(ImageRelease.gallery(GOLDEN.withVersion(G1), START.minus(Duration.ofDays(20)), everywhere()));
      }
      ScaleSetId id = fleet.add(spec);
      scaleSets.add(id);
      familyOf.put(id, golden ? "golden" : "ubuntu");
    }
    releases();
    ReadinessRecord ready = ReadinessRecord.builder().owner("platform-team", "oncall@example.com")
        .healthSource(HealthSource.APPLICATION_HEALTH_EXTENSION).threshold(SignalThreshold.relative(Metric.CPU, 0.10))
        .regions(REGIONS.stream().map(Region::of).toArray(Region[]::new)).atMostPercentAtOnce(50)
        .rings("canary", "early", "broad").automaticRollback(true)
        .runbookStep("page platform-oncall; confirm the rollback, file the image bug").build();
    ReadinessRecord unready = ReadinessRecord.builder().owner("team-9", "team9@example.com")
        .healthSource(HealthSource.APPLICATION_HEALTH_EXTENSION).threshold(SignalThreshold.relative(Metric.CPU, 0.10))
        .regions(REGIONS.stream().map(Region::of).toArray(Region[]::new)).atMostPercentAtOnce(50).build();
    desired = DesiredState.builder().scope(DiscoveryScope.subscription(ScaleSetId.LOCAL_SUBSCRIPTION))
        .family(ImageFamily.of("ubuntu", UBUNTU)).family(ImageFamily.of("golden", GOLDEN))
        .ring("canary", Duration.ofHours(6), Selector.tag("ring", "canary"))
        .ring("early", Duration.ofHours(12), Selector.region("westeurope"))
        .ring("broad", Duration.ofHours(12), Selector.all())
        .trust(ImageTrustPolicy.builder().trustPublisher("Canonical").trustGallery("corp")
            .minimumAge(Environment.PRODUCTION, Duration.ofDays(1)).build())
        .readiness(Selector.resourceGroup(UNREADY_GROUP), unready).readiness(ready)
        .schedule(Selector.region("eastus"), EAST_US).schedule(NIGHTS)
        .budget(RehearsalBudget.of(Duration.ofHours(4), 40))
        .build();
    ReleaseCalendar calendar = ReleaseCalendar.builder()
        .publisher("Canonical", Cadence.every(Duration.ofDays(7), Instant.parse("2026-01-07T09:00:00Z"),
            Duration.ofHours(12)))
        .gallery("corp", Cadence.every(Duration.ofDays(10), Instant.parse("2026-01-09T09:00:00Z"),
            Duration.ofHours(12)))
        .replication(Region.of("westeurope"), Duration.ofHours(2))
        .replication(Region.of("northeurope"), Duration.ofHours(6))
        .replication(Region.of("eastus"), Duration.ofHours(12))
        .replication(Region.of("southeastasia"), Duration.ofHours(18))
        .build();
    governor = EstateGovernor.builder(desired, fleet).clock(fleet.clock()).store(store).owner("replica-a")
        .calendar(calendar).rehearsal(TwinRehearsal.create()).ringPoll(Duration.ofHours(1))
        .turnInterval(Duration.ofMinutes(30)).inventoryInterval(Duration.ofDays(1)).leaseDuration(Duration.ofHours(1))
        .rolloutOptions(RolloutOptions.builder().pollInterval(Duration.ofMinutes(1)).build()).listener(log::add)
        .build();
    runner = RolloutRunner.builder().clock(fleet.clock()).scheduler(VirtualScheduler.on(fleet.clock())).build();
  }

  static EstateWorld create(long seed, int count) {
    return new EstateWorld(seed, count, RolloutStore.inMemory());
  }

  private static Map<Region, ReplicationState> everywhere() {
    Map<Region, ReplicationState> m = new LinkedHashMap<>();
    REGIONS.forEach(r -> m.put(Region.of(r), ReplicationState.COMPLETED));
    return m;
  }

  /** The month's releases, on the clock: a weekly Ubuntu, a gallery version every ten days with replication lag. */
  private void releases() {
    fleet.imageBehavior(U3, ImageBehavior.comesUpUnhealthy());
    at("2026-01-07T09:00:00Z", () -> fleet.publish(UBUNTU.withVersion(U2)));
    at("2026-01-14T09:00:00Z", () -> fleet.publish(UBUNTU.withVersion(U3)));
    at("2026-01-21T09:00:00Z", () -> fleet.publish(UBUNTU.withVersion(U4)));
    at("2026-01-28T09:00:00Z", () -> fleet.publish(UBUNTU.withVersion(U5)));
    at("2026-01-09T09:00:00Z", () -> gallery(G2, true));
    at("2026-01-19T09:00:00Z", () -> gallery(G3, false));
  }

  private void gallery(ImageVersion v, boolean failInFailedRegion) {
    ImageReference image = GOLDEN.withVersion(v);
    Map<Region, ReplicationState> replicating = new LinkedHashMap<>();
    REGIONS.forEach(r -> replicating.put(Region.of(r), ReplicationState.REPLICATING));
    fleet.publish(ImageRelease.gallery(image, fleet.clock().instant(), replicating));
    fleet.faults().replicationLag(image, "westeurope", Duration.ofHours(2))
        .replicationLag(image, "northeurope", Duration.ofHours(6))
        .replicationLag(image, "eastus", Duration.ofHours(12));
    if (failInFailedRegion) {
      fleet.faults().replicationFailure(image, FAILED_REGION.name(), Duration.ofHours(3));
    } else {
      fleet.faults().replicationLag(image, FAILED_REGION.name(), Duration.ofHours(18));
    }
  }

  private void at(String instant, Runnable action) {
    fleet.clock().schedule(Instant.parse(instant), action);
  }

  /** Runs the month: the runner drives the governor on the fleet's clock. */
  EstateWorld runMonth() {
    runner.submit(governor);
    fleet.clock().advanceTo(END);
    return this;
  }

  String decisionLog() {
    StringBuilder b = new StringBuilder();
    log.forEach(d -> b.append(d).append('\n'));
    return b.toString();
  }

  MaintenanceSchedule scheduleOf(ScaleSetId id) {
    return fleet.peek(id).region().equals(Region.of("eastus")) ? EAST_US : NIGHTS;
  }
}
