package dev.osupgrade.examples;

import dev.osupgrade.fleet.OrchestrationMode;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.governance.Environment;
import dev.osupgrade.governance.HealthSource;
import dev.osupgrade.governance.ImageTrustPolicy;
import dev.osupgrade.governance.ReadinessRecord;
import dev.osupgrade.governance.SignalThreshold;
import dev.osupgrade.governance.performance.PerformanceGate;
import dev.osupgrade.governance.rings.Ring;
import dev.osupgrade.governance.rings.RingPlan;
import dev.osupgrade.governance.rings.RingRollout;
import dev.osupgrade.governance.schedule.MaintenanceSchedule;
import dev.osupgrade.governance.schedule.MaintenanceWindow;
import dev.osupgrade.governance.schedule.MaintenanceWindowGate;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.image.ImageVersion;
import dev.osupgrade.port.Metric;
import dev.osupgrade.report.Timeline;
import dev.osupgrade.service.RolloutRunner;
import dev.osupgrade.testkit.ScaleSetSpec;
import dev.osupgrade.testkit.SimulatedFleet;
import dev.osupgrade.testkit.VirtualScheduler;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A governed three-ring rollout on a simulated fleet of six scale sets in three regions: canary, early, broad, with
 * a soak after each ring, a performance gate (CPU vs. before the ring) and promotions only inside a nightly
 * maintenance window. First a good image goes everywhere; then an image that is healthy to probes but 30% heavier
 * on CPU is caught in the canary ring, quarantined and rolled back, and the other rings are never touched. One scale
 * set of the early ring, {@code web-neu}, is Flexible (its VMs named by Azure, batched by zone): the rings drive it
 * as they drive the Uniform ones.
 */
public final class RingsDemo {
  static final ImageReference UBUNTU = Demo.UBUNTU;

  private RingsDemo() {}

  /**
   * Runs the demo.
   *
   * @param args optional: the seed (default 42)
   */
  public static void main(String[] args) {
    run(args.length > 0 ? Long.parseLong(args[0]) : 42, System.out);
  }

  /**
   * Runs both ring rollouts, prints their timelines and writes a timeline page of each to {@link Demo#PAGES}.
   *
   * @param seed the simulator's seed
   * @param out where to print
   * @return the two ring rollouts, good image first
   */
  public static RingRollout[] run(long seed, PrintStream out) {
    return run(seed, out, Demo.PAGES);
  }

  /**
   * Runs both ring rollouts, prints their timelines and writes a timeline page of each.
   *
   * @param seed the simulator's seed
   * @param out where to print
   * @param pages the directory for the timeline pages
   * @return the two ring rollouts, good image first
   */
  public static RingRollout[] run(long seed, PrintStream out, Path pages) {
    SimulatedFleet fleet = SimulatedFleet.create(seed);
    // Production scale sets: every rollout on them needs the readiness record and the trust policy below.
    ScaleSetId canary = fleet.add(shop("web-canary", "westeurope", 6, 0));
    ScaleSetId webWeu = fleet.add(shop("web-weu", "westeurope", 20, 3));
    ScaleSetId webNeu = fleet.add(shop("web-neu", "northeurope", 20, 3).orchestration(OrchestrationMode.FLEXIBLE));
    ScaleSetId apiWeu = fleet.add(shop("api-weu", "westeurope", 30, 3));
    ScaleSetId apiNeu = fleet.add(shop("api-neu", "northeurope", 30, 3));
    ScaleSetId apiEus = fleet.add(shop("api-eus", "eastus", 30, 3));
    RingPlan plan = RingPlan.of(
        Ring.of("canary", Duration.ofHours(2), canary),
        Ring.of("early", Duration.ofHours(4), webWeu, webNeu),
        Ring.of("broad", Duration.ofHours(1), apiWeu, apiNeu, apiEus));
    ReadinessRecord record = ReadinessRecord.builder().owner("team-shop", "shop-oncall@example.com")
        .healthSource(HealthSource.APPLICATION_HEALTH_EXTENSION)
        .threshold(SignalThreshold.relative(Metric.CPU, 0.10))
        .scaleSets(plan.scaleSets().toArray(new ScaleSetId[0])).atMostPercentAtOnce(20)
        .rings("canary", "early", "broad").automaticRollback(true)
        .runbookStep("page shop-oncall; if a ring failed, confirm the rollback finished and file the image bug")
        .build();
    ImageTrustPolicy trust = ImageTrustPolicy.trustingPublishers("Canonical");
    MaintenanceSchedule nights = MaintenanceSchedule.of(MaintenanceWindow.parse("MON-FRI 20:00-23:30 UTC"));

    out.println("== osupgrade rings demo (seed " + seed + ") ==");
    out.println(plan);
    out.println();
    out.println(record.toRunbook());
    out.println("promotions only inside: " + nights);
    out.println();

    // The service runner a platform service uses, here on the fleet's virtual clock: days pass in milliseconds.
    RolloutRunner runner = RolloutRunner.builder().clock(fleet.clock())
        .scheduler(VirtualScheduler.on(fleet.clock())).build();

    out.println("== 1. " + Demo.GOOD + ": healthy and as fast as before ==");
    fleet.publish(UBUNTU.withVersion(Demo.GOOD));
    RingRollout good = drive(fleet, runner, rings(plan, fleet, Demo.GOOD, trust, record, nights), out);
    out.println("=> " + good + "\n");

    out.println("== 2. " + Demo.BAD + ": healthy to probes, but 30% more CPU ==");
    fleet.publish(UBUNTU.withVersion(Demo.BAD));
    fleet.imagePerformance(Demo.BAD, Metric.CPU, 1.3);
    RingRollout bad = drive(fleet, runner, rings(plan, fleet, Demo.BAD, trust, record, nights), out);
    out.println("=> " + bad);
    runner.shutdown();
    out.println("   " + runner.status().toString().replace("\n", "\n   "));
    out.println("   quarantine: " + trust.quarantine().entries());
    for (ScaleSetId id : plan.scaleSets()) {
      long onBad = fleet.get(id).instances().stream().filter(i -> i.runs(Demo.BAD)).count();
      long onGood = fleet.get(id).instances().stream().filter(i -> i.runs(Demo.GOOD)).count();
      out.println("   " + id + (fleet.get(id).isFlexible() ? " (Flexible)" : "") + ": model "
          + fleet.get(id).modelImage().version().orElseThrow() + ", " + onGood + " instances on " + Demo.GOOD + ", "
          + onBad + " on " + Demo.BAD);
    }
    out.println("\n== timeline pages (open in a browser) ==");
    out.println(Timeline.of(good).observed(fleet.observations()).writeTo(pages.resolve("rings-good.html")));
    out.println(Timeline.of(bad).observed(fleet.observations()).writeTo(pages.resolve("rings-bad.html")));
    return new RingRollout[] {good, bad};
  }

  /** A production scale set of the shop: every rollout on it needs the readiness record and the trust policy. */
  private static ScaleSetSpec shop(String name, String region, int instances, int zones) {
    return ScaleSetSpec.named(name).resourceGroup("shop-prod").environment(Environment.PRODUCTION).region(region)
        .instances(instances).zones(zones).image(UBUNTU.withVersion(Demo.RUNNING));
  }

  private static RingRollout rings(RingPlan plan, SimulatedFleet fleet, ImageVersion target, ImageTrustPolicy trust,
      ReadinessRecord record, MaintenanceSchedule nights) {
    PerformanceGate cpu = PerformanceGate.builder().source(fleet)
        .threshold(SignalThreshold.relative(Metric.CPU, 0.10)).beforeVsAfter(true).build();
    return RingRollout.builder(plan, fleet, fleet).target(target).clock(fleet.clock()).trust(trust)
        .readiness(record).gate(cpu).gate(MaintenanceWindowGate.of(nights)).build();
  }

  private static RingRollout drive(SimulatedFleet fleet, RolloutRunner runner, RingRollout rings, PrintStream out) {
    runner.submit(rings);
    fleet.clock().runUntilIdle(); // the runner advances the rings whenever they ask, until they end
    out.print(rings.eventLog());
    return rings;
  }
}
