package dev.osupgrade.examples;

import dev.osupgrade.fleet.OrchestrationMode;
import dev.osupgrade.fleet.ResourceLock;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.image.ImageVersion;
import dev.osupgrade.plan.BatchPlanner;
import dev.osupgrade.policy.RollingUpgradePolicy;
import dev.osupgrade.report.Comparison;
import dev.osupgrade.report.Timeline;
import dev.osupgrade.rollout.Rollout;
import dev.osupgrade.testkit.ImageBehavior;
import dev.osupgrade.testkit.ScaleSetSpec;
import dev.osupgrade.testkit.SimulatedFleet;
import dev.osupgrade.testkit.WhatIf;
import java.io.PrintStream;
import java.nio.file.Path;

/**
 * The demo: a zonal scale set of 30 instances takes a new Ubuntu image on a simulated fleet and a virtual clock,
 * printing every batch and health decision as it happens; then a faulty image is stopped by Azure's
 * upgraded-unhealthy rule and the failed instances are rolled back; then a Flexible scale set (VMs named by Azure,
 * three fault domains and no update domains, one VM under a {@code ReadOnly} resource lock) takes the good image in
 * batches that follow its fault domains and leave the locked VM alone; last, the faulty rollout is replayed under
 * smaller and larger batches (what if?), and the rollouts are drawn as timeline pages. No Azure account needed; the
 * same seed gives the same output every time.
 */
public final class Demo {
  static final ImageReference UBUNTU =
      ImageReference.marketplace("Canonical", "0001-com-ubuntu-server-jammy", "22_04-lts-gen2", "latest");
  static final ImageVersion RUNNING = ImageVersion.parse("22.04.202409010");
  static final ImageVersion GOOD = ImageVersion.parse("22.04.202410010");
  static final ImageVersion BAD = ImageVersion.parse("22.04.202411010");
  /** Where the demos write their timeline pages: {@code target/osupgrade-demo} under the working directory. */
  public static final Path PAGES = Path.of("target", "osupgrade-demo");

  private Demo() {}

  /**
   * Runs the demo.
   *
   * @param args optional: the seed (default 42)
   */
  public static void main(String[] args) {
    long seed = args.length > 0 ? Long.parseLong(args[0]) : 42;
    run(seed, System.out);
  }

  /**
   * Runs the three rollouts and prints them; writes their timeline pages to {@link #PAGES}.
   *
   * @param seed the simulator's seed
   * @param out where to print
   * @return the rollouts: the good image, the faulty one, the Flexible scale set's
   */
  public static Rollout[] run(long seed, PrintStream out) {
    return run(seed, out, PAGES);
  }

  /**
   * Runs the three rollouts and prints them; asks what smaller batches would have done with the faulty image; writes
   * a timeline page of each rollout and prints where.
   *
   * @param seed the simulator's seed
   * @param out where to print
   * @param pages the directory for the timeline pages
   * @return the rollouts: the good image, the faulty one, the Flexible scale set's
   */
  public static Rollout[] run(long seed, PrintStream out, Path pages) {
    SimulatedFleet fleet = SimulatedFleet.create(seed);
    ScaleSetId web = fleet.add(ScaleSetSpec.named("web").resourceGroup("shop-prod").region("westeurope")
        .instances(30).zones(3).image(UBUNTU.withVersion(RUNNING)));

    out.println("== osupgrade demo (seed " + seed + ") ==");
    out.println(fleet.get(web));
    out.println();

    out.println("== 1. a good image: " + GOOD + " ==");
    fleet.publish(UBUNTU.withVersion(GOOD));
    out.println(BatchPlanner.plan(fleet.get(web), RollingUpgradePolicy.ofDefaults(), GOOD));
    out.println();
    Rollout good = Rollout.builder(fleet, web).target(GOOD).clock(fleet.clock()).listener(out::println).build();
    fleet.run(good);
    out.println("\n=> " + good + "\n");

    out.println("== 2. a faulty image: " + BAD + " (the application comes up Unhealthy) ==");
    fleet.publish(UBUNTU.withVersion(BAD));
    fleet.imageBehavior(BAD, ImageBehavior.comesUpUnhealthy());
    Rollout bad = Rollout.builder(fleet, web).target(BAD).clock(fleet.clock()).listener(out::println).build();
    fleet.run(bad);
    out.println("\n=> " + bad);
    out.println("   " + bad.error().map(Object::toString).orElse("no error"));
    out.println("   model image is back on " + fleet.get(web).modelImage().version().orElseThrow()
        + "; instances on the bad image: " + fleet.get(web).instances().stream()
            .filter(i -> i.runs(BAD)).count());
    out.println();

    out.println("== 3. a Flexible scale set: VMs over 3 fault domains, one under a ReadOnly lock ==");
    ScaleSetId api = fleet.add(ScaleSetSpec.named("api").resourceGroup("shop-prod").region("westeurope")
        .orchestration(OrchestrationMode.FLEXIBLE).instances(12).faultDomains(3).image(UBUNTU.withVersion(RUNNING)));
    String locked = fleet.createdInstanceIds(api).get(4);
    fleet.lock(api, ResourceLock.READ_ONLY, locked);
    out.println(fleet.get(api));
    out.println(fleet.get(api).instance(locked).orElseThrow() + " = "
        + fleet.get(api).identity(locked).resourceId());
    out.println(BatchPlanner.plan(fleet.get(api), RollingUpgradePolicy.ofDefaults(), GOOD));
    out.println();
    Rollout flexible = Rollout.builder(fleet, api).target(GOOD).clock(fleet.clock()).listener(out::println).build();
    fleet.run(flexible);
    out.println("\n=> " + flexible);
    out.println("   " + locked + " (locked) still runs " + fleet.get(api).instance(locked).orElseThrow()
        .imageVersion());
    out.println("\n== 4. what if? the faulty rollout replayed, each instance as it behaved ==");
    Comparison whatIf = WhatIf.of(bad, fleet.record(web))
        .with(RollingUpgradePolicy.builder().maxBatchInstancePercent(10).build())
        .with(RollingUpgradePolicy.builder().maxBatchInstancePercent(50).enableCrossZoneUpgrade(true).build())
        .compare();
    out.print(whatIf);

    out.println("\n== timeline pages (open in a browser) ==");
    out.println(Timeline.of(good).observed(fleet.observations()).writeTo(pages.resolve("timeline-good.html")));
    out.println(Timeline.of(bad).observed(fleet.observations()).whatIf(whatIf)
        .writeTo(pages.resolve("timeline-bad.html")));
    out.println(Timeline.of(flexible).observed(fleet.observations()).writeTo(pages.resolve("timeline-flexible.html")));
    return new Rollout[] {good, bad, flexible};
  }
}
