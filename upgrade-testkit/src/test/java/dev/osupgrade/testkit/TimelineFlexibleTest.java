package dev.osupgrade.testkit;

import static dev.osupgrade.testkit.Images.V1;
import static dev.osupgrade.testkit.Images.V2;
import static dev.osupgrade.testkit.Images.ubuntu;
import static org.assertj.core.api.Assertions.assertThat;

import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.OrchestrationMode;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.report.InstanceTrack;
import dev.osupgrade.report.Timeline;
import dev.osupgrade.rollout.Rollout;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** A Flexible scale set's timeline groups its lanes by fault domain, as its batches go (no browser needed). */
final class TimelineFlexibleTest {

  private static List<String> all(String html, String regex) {
    List<String> out = new ArrayList<>();
    Matcher m = Pattern.compile(regex).matcher(html);
    while (m.find()) {
      out.add(m.group(1));
    }
    return out;
  }

  @Test
  void timeline_flexibleScaleSet_lanesGroupedByFaultDomainAsTheFleetPlacesThem() {
    SimulatedFleet fleet = SimulatedFleet.create(3);
    ScaleSetId api = fleet.add(ScaleSetSpec.named("api").orchestration(OrchestrationMode.FLEXIBLE).instances(12)
        .faultDomains(3).image(ubuntu(V1)));
    fleet.publish(ubuntu(V2));
    Rollout r = fleet.run(Rollout.builder(fleet, api).target(V2).clock(fleet.clock()).build());
    // the truth: how many VMs the fleet has in each fault domain
    Map<Integer, Integer> perDomain = new TreeMap<>();
    for (Instance i : fleet.get(api).instances()) {
      perDomain.merge(i.faultDomain(), 1, Integer::sum);
    }
    assertThat(perDomain).hasSize(3);

    for (String html : List.of(Timeline.of(r).observed(fleet.observations()).toHtml(), Timeline.of(r).toHtml())) {
      List<String> groups = all(html, "class=\"group-label\"[^>]*>([^<]*)<");
      List<String> expected = new ArrayList<>();
      perDomain.forEach((fd, n) -> expected.add("regional \u00b7 FD " + fd + " (" + n + ")"));
      assertThat(groups).containsExactlyElementsOf(expected);
      assertThat(html).doesNotContain("\u00b7 UD ");
    }
    // from the events and a read of the scale set: each track knows its fault domain
    List<InstanceTrack> tracks = InstanceTrack.fromEvents(r.events(), fleet.get(api).instances());
    assertThat(tracks).allSatisfy(t -> assertThat(t.faultDomain())
        .isEqualTo(fleet.get(api).instance(t.instanceId()).orElseThrow().faultDomain()));
  }

  @Test
  void timeline_uniformScaleSet_lanesStillGroupedByUpdateDomain() {
    SimulatedFleet fleet = SimulatedFleet.create(3);
    ScaleSetId web = fleet.add(ScaleSetSpec.named("web").instances(10).zones(2).image(ubuntu(V1)));
    fleet.publish(ubuntu(V2));
    Rollout r = fleet.run(Rollout.builder(fleet, web).target(V2).clock(fleet.clock()).build());

    List<String> groups = all(Timeline.of(r).observed(fleet.observations()).toHtml(),
        "class=\"group-label\"[^>]*>([^<]*)<");
    assertThat(groups).isNotEmpty().allSatisfy(g -> assertThat(g).contains("\u00b7 UD ").doesNotContain("FD"));
  }
}
