package dev.osupgrade.testkit;

import static dev.osupgrade.testkit.Images.V1;
import static dev.osupgrade.testkit.Images.V2;
import static dev.osupgrade.testkit.Images.ubuntu;
import static org.assertj.core.api.Assertions.assertThat;

import dev.osupgrade.event.BatchStarted;
import dev.osupgrade.event.GateEvaluated;
import dev.osupgrade.event.RolloutStalled;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.governance.HealthSource;
import dev.osupgrade.governance.ImageTrustPolicy;
import dev.osupgrade.governance.ReadinessRecord;
import dev.osupgrade.governance.SignalThreshold;
import dev.osupgrade.governance.rings.Ring;
import dev.osupgrade.governance.rings.RingPlan;
import dev.osupgrade.governance.rings.RingRollout;
import dev.osupgrade.health.GateContext;
import dev.osupgrade.health.GatePhase;
import dev.osupgrade.health.GateVerdict;
import dev.osupgrade.health.HealthGate;
import dev.osupgrade.policy.RollingUpgradePolicy;
import dev.osupgrade.port.Metric;
import dev.osupgrade.report.Timeline;
import dev.osupgrade.rollout.Rollout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The timeline page in a real browser: headless Chromium loads each page from a file, runs its script, and the test
 * reads what is drawn from the DOM the browser then holds. Screenshots stay in {@code target/timeline/}.
 */
final class TimelineBrowserTest {
  private static final Path OUT = Path.of("target", "timeline");
  private static final String BREACH = "MaxUnhealthyUpgradedInstancePercentExceededInRollingUpgrade";
  private static Chromium chromium;

  @BeforeAll
  static void browser() {
    chromium = Chromium.require();
  }

  private static List<String> all(String dom, String regex) {
    Matcher m = Pattern.compile(regex, Pattern.DOTALL).matcher(dom);
    List<String> out = new ArrayList<>();
    while (m.find()) {
      out.add(m.groupCount() > 0 ? m.group(1) : m.group());
    }
    return out;
  }

  /** The data-tip (the SVG title, moved there by the page's script) of the elements with a class. */
  private static List<String> tips(String dom, String cssClass) {
    return all(dom, "<(?:g|rect|path|circle)[^>]*class=\"" + Pattern.quote(cssClass) + "\"[^>]*data-tip=\"([^\"]*)\"");
  }

  private static String unescape(String attr) {
    return attr.replace("&quot;", "\"").replace("&lt;", "<").replace("&gt;", ">").replace("&#39;", "'")
        .replace("&amp;", "&");
  }

  @Test
  void page_faultedRolloutObservedWithWhatIf_drawsLanesBatchesGatesAndStopReason() throws Exception {
    SimulatedFleet fleet = SimulatedFleet.create(7);
    ScaleSetId web = fleet.add(ScaleSetSpec.named("web").resourceGroup("shop-prod").instances(30).zones(3)
        .image(ubuntu(V1)));
    fleet.publish(ubuntu(V2));
    fleet.imageBehavior(V2, ImageBehavior.comesUpUnhealthy());
    Rollout bad = fleet.run(Rollout.builder(fleet, web).target(V2).clock(fleet.clock()).build());
    var table = WhatIf.of(bad, fleet.record(web))
        .with(RollingUpgradePolicy.builder().maxBatchInstancePercent(10).build()).compare();

    Path page = Timeline.of(bad).observed(fleet.observations()).whatIf(table).writeTo(OUT.resolve("faulted.html"));
    String dom = chromium.dumpDom(page);
    chromium.screenshot(page, OUT.resolve("faulted.png"), 1280, 1100);

    assertThat(all(dom, "<html[^>]*data-ready=\"(\\d+)\"")).as("the page's script ran").hasSize(1);
    assertThat(all(dom, "<g class=\"lane\" data-instance=\"([^\"]+)\"")).hasSize(30).contains("0", "15", "29");
    assertThat(all(dom, "class=\"group-label\"[^>]*>([^<]*)<")).hasSize(15).contains("zone 1 \u00b7 UD 0 (2)");
    long batches = bad.events().stream().filter(e -> e instanceof BatchStarted).count();
    assertThat(all(dom, "<g class=\"batch\" data-batch=\"(\\d+)\"")).hasSize((int) batches).containsExactly("1");
    String fail = unescape(tips(dom, "gate gate-fail").get(0));
    GateEvaluated failed = bad.events().stream().filter(e -> e instanceof GateEvaluated g
        && g.verdict() instanceof GateVerdict.Fail).map(GateEvaluated.class::cast).findFirst().orElseThrow();
    assertThat(fail).contains("upgraded-unhealthy after batch 1", "FAIL " + BREACH,
        failed.verdict().measurements().toString(), "unhealthyUpgraded=6", "upgraded=6", "limitPercent=20");
    assertThat(all(dom, "<p class=\"stop-reason\">(.*?)</p>")).singleElement().asString()
        .contains("Stopped: " + BREACH, "100% of instances (6 of 6)");
    assertThat(tips(dom, "fail-mark")).hasSize(6);
    assertThat(all(dom, "class=\"st st-(unhealthy|rolling_back|rolled_back)\"")).contains("unhealthy",
        "rolling_back", "rolled_back");
    assertThat(all(dom, "<tr class=\"run run-faulted\">")).hasSize(3);
    assertThat(dom).contains("maxBatchInstancePercent 10", "batch 1 of 15");
    assertThat(all(dom, "(?:src|href)=\"([^\"#][^\"]*)\"")).as("nothing is fetched").isEmpty();
    assertThat(Files.size(OUT.resolve("faulted.png"))).isGreaterThan(10_000);
  }

  @Test
  void page_completedRolloutFromEventsAlone_drawsEveryBatchGatePauseAndStall() throws Exception {
    SimulatedFleet fleet = SimulatedFleet.create(3);
    ScaleSetId web = fleet.add(ScaleSetSpec.named("web").instances(30).zones(3).image(ubuntu(V1)));
    fleet.publish(ubuntu(V2));
    fleet.faults().serverErrors("listInstances", 2, 503);
    Rollout good = fleet.run(Rollout.builder(fleet, web).target(V2).clock(fleet.clock())
        .policy(RollingUpgradePolicy.builder().pauseTimeBetweenBatches(Duration.ofMinutes(2)).build()).build());
    long stalls = good.events().stream().filter(e -> e instanceof RolloutStalled).count();
    assertThat(stalls).as(good.eventLog()).isPositive();

    Path page = Timeline.of(good).writeTo(OUT.resolve("completed.html"));
    String dom = chromium.dumpDom(page);
    chromium.screenshot(page, OUT.resolve("completed.png"), 1280, 900);

    assertThat(all(dom, "<g class=\"lane\" data-instance=\"([^\"]+)\"")).hasSize(30);
    assertThat(all(dom, "<g class=\"batch\" data-batch=\"(\\d+)\"")).containsExactly("1", "2", "3", "4", "5", "6");
    assertThat(tips(dom, "gate gate-pass")).hasSize(12).allSatisfy(t -> assertThat(t).contains("PASS", "limitPercent=20"));
    assertThat(all(dom, "class=\"st st-healthy\"")).hasSize(30);
    assertThat(tips(dom, "pause")).hasSize(5).allSatisfy(t -> assertThat(t).contains("pauseTimeBetweenBatches 2m"));
    assertThat(tips(dom, "stall")).hasSize((int) stalls).allSatisfy(t -> assertThat(unescape(t))
        .contains("STALLED", "503", "stall cleared"));
    assertThat(all(dom, "<p class=\"verified\">(.*?)</p>")).singleElement().asString()
        .contains("Completed", "30 of 30 instances on the target and healthy");
    assertThat(dom).doesNotContain("<p class=\"stop-reason").contains("from the rollout's events alone");
  }

  @Test
  void page_ringRollout_drawsRingsAndASectionPerScaleSet() throws Exception {
    SimulatedFleet fleet = SimulatedFleet.create(5);
    ScaleSetId canary = fleet.add(ScaleSetSpec.named("canary").instances(4).image(ubuntu(V1)));
    ScaleSetId web = fleet.add(ScaleSetSpec.named("web").instances(12).zones(3).image(ubuntu(V1)));
    ScaleSetId api = fleet.add(ScaleSetSpec.named("api").instances(10).zones(2).image(ubuntu(V1)));
    fleet.publish(ubuntu(V2));
    RingPlan plan = RingPlan.of(Ring.of("canary", Duration.ofMinutes(30), canary),
        Ring.of("broad", Duration.ofMinutes(10), web, api));
    RingRollout rings = RingRollout.builder(plan, fleet, fleet).target(V2).clock(fleet.clock())
        .trust(ImageTrustPolicy.trustingPublishers("Canonical")).readiness(readiness(plan)).build();
    for (var next = rings.advance(); next.isPresent(); next = rings.advance()) {
      fleet.clock().advanceTo(next.get());
    }
    assertThat(rings.status()).as(rings.eventLog()).isEqualTo(RingRollout.Status.COMPLETED);

    Path page = Timeline.of(rings).observed(fleet.observations()).writeTo(OUT.resolve("rings.html"));
    String dom = chromium.dumpDom(page);
    chromium.screenshot(page, OUT.resolve("rings.png"), 1280, 1000);

    assertThat(all(dom, "<g class=\"ring\" data-ring=\"([^\"]+)\"")).containsExactly("canary", "broad");
    assertThat(all(dom, "<section class=\"rollout\" id=\"rollout-\\d+\" data-scale-set=\"([^\"]+)\""))
        .containsExactly(canary.toString(), web.toString(), api.toString());
    assertThat(all(dom, "<g class=\"lane\" data-instance=")).hasSize(4 + 12 + 10);
    assertThat(tips(dom, "ring-event ring-ring-promoted")).hasSize(2);
    assertThat(tips(dom, "soak")).hasSize(2).anySatisfy(t -> assertThat(t).contains("soak 30m"));
  }

  @Test
  void page_ringRolloutBadImage_showsTheFailedCanaryAndItsRollback() throws Exception {
    SimulatedFleet fleet = SimulatedFleet.create(6);
    ScaleSetId canary = fleet.add(ScaleSetSpec.named("canary").instances(5).image(ubuntu(V1)));
    ScaleSetId web = fleet.add(ScaleSetSpec.named("web").instances(12).zones(3).image(ubuntu(V1)));
    fleet.publish(ubuntu(V2));
    fleet.imageBehavior(V2, ImageBehavior.comesUpUnhealthy());
    RingPlan plan = RingPlan.of(Ring.of("canary", Duration.ofMinutes(30), canary),
        Ring.of("broad", Duration.ofMinutes(10), web));
    RingRollout rings = RingRollout.builder(plan, fleet, fleet).target(V2).clock(fleet.clock())
        .trust(ImageTrustPolicy.trustingPublishers("Canonical")).readiness(readiness(plan)).build();
    for (var next = rings.advance(); next.isPresent(); next = rings.advance()) {
      fleet.clock().advanceTo(next.get());
    }
    assertThat(rings.status()).as(rings.eventLog()).isEqualTo(RingRollout.Status.FAULTED);

    Path page = Timeline.of(rings).observed(fleet.observations()).writeTo(OUT.resolve("rings-failed.html"));
    String dom = chromium.dumpDom(page);
    chromium.screenshot(page, OUT.resolve("rings-failed.png"), 1280, 900);

    String code = rings.error().orElseThrow().code();
    assertThat(all(dom, "<p class=\"stop-reason\">(.*?)</p>")).first().asString().contains("Stopped: " + code);
    assertThat(tips(dom, "ring-event ring-version-quarantined")).hasSize(1);
    assertThat(all(dom, "<section class=\"rollout\" id=\"rollout-\\d+\" data-scale-set=\"([^\"]+)\""))
        .allMatch(canary.toString()::equals).isNotEmpty();
    assertThat(all(dom, "<g class=\"lane\" data-instance=\"([^\"]+)\"")).doesNotHaveDuplicates()
        .isNotEmpty();
  }

  private static ReadinessRecord readiness(RingPlan plan) {
    return ReadinessRecord.builder().owner("team-web", "web-oncall@example.com")
        .healthSource(HealthSource.APPLICATION_HEALTH_EXTENSION)
        .threshold(SignalThreshold.relative(Metric.CPU, 0.10))
        .scaleSets(plan.scaleSets().toArray(new ScaleSetId[0])).atMostPercentAtOnce(20)
        .rings(plan.rings().stream().map(Ring::name).toArray(String[]::new)).automaticRollback(true)
        .runbookStep("page web-oncall").build();
  }

  @Test
  void page_hostileGateReason_isShownAsTextNotMarkup() throws Exception {
    SimulatedFleet fleet = SimulatedFleet.create(2);
    ScaleSetId web = fleet.add(ScaleSetSpec.named("web").instances(4).image(ubuntu(V1)));
    fleet.publish(ubuntu(V2));
    String hostile = "</title><img src=x onerror=\"document.title='owned'\"><script>document.title='owned'</script>";
    Rollout r = fleet.run(Rollout.builder(fleet, web).target(V2).clock(fleet.clock())
        .gate(new HealthGate() {
          @Override
          public String name() {
            return "custom";
          }

          @Override
          public boolean appliesTo(GatePhase phase) {
            return phase == GatePhase.AFTER_BATCH;
          }

          @Override
          public GateVerdict evaluate(GateContext context) {
            return GateVerdict.pass("custom", hostile);
          }
        }).build());

    Path page = Timeline.of(r).writeTo(OUT.resolve("hostile.html"));
    String dom = chromium.dumpDom(page);

    assertThat(dom).doesNotContain("<img").doesNotContain("owned'</script>");
    assertThat(all(dom, "<title>([^<]*)</title>")).containsExactly("osupgrade timeline: " + web + " \u2192 " + V2);
    assertThat(tips(dom, "gate gate-pass").stream().map(TimelineBrowserTest::unescape))
        .anySatisfy(t -> assertThat(t).contains(hostile));
  }
}
