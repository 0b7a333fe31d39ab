package dev.osupgrade.examples.observe;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import dev.osupgrade.event.BatchSkipped;
import dev.osupgrade.event.BatchStarted;
import dev.osupgrade.event.GovernanceWaived;
import dev.osupgrade.event.InstanceFailed;
import dev.osupgrade.estate.DesiredState;
import dev.osupgrade.estate.EstateGovernor;
import dev.osupgrade.estate.GovernorDecision;
import dev.osupgrade.estate.ImageFamily;
import dev.osupgrade.estate.Selector;
import dev.osupgrade.event.RolloutEvent;
import dev.osupgrade.fleet.HealthState;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.governance.ImageTrustPolicy;
import dev.osupgrade.governance.rings.Ring;
import dev.osupgrade.event.RingEvent;
import dev.osupgrade.governance.rings.RingPlan;
import dev.osupgrade.governance.rings.RingRollout;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.image.ImageVersion;
import dev.osupgrade.observe.JsonLines;
import dev.osupgrade.policy.RollingUpgradePolicy;
import dev.osupgrade.port.DiscoveryScope;
import dev.osupgrade.rollout.Rollout;
import dev.osupgrade.service.RolloutRunner;
import dev.osupgrade.service.RunnerEvent;
import dev.osupgrade.testkit.ImageBehavior;
import dev.osupgrade.testkit.ScaleSetSpec;
import dev.osupgrade.testkit.SimulatedFleet;
import dev.osupgrade.testkit.VirtualScheduler;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * JSON Lines read back with Jackson: every line of real rollouts (good, faulty, stalled, max surge, rings, the
 * service runner) is one line of strict JSON whose fields say what the event says, names and types as documented;
 * hostile text (quotes, backslashes, every control character, line separators, lone surrogates) comes back exactly.
 */
final class JsonLinesTest {
  static final ImageReference UBUNTU =
      ImageReference.parse("Canonical:0001-com-ubuntu-server-jammy:22_04-lts-gen2:22.04.202409010");
  static final ImageVersion V2 = ImageVersion.parse("22.04.202410010");
  static final ImageVersion BAD = ImageVersion.parse("22.04.202411010");

  /** The schema as JsonLines documents it: every field name a line may have. */
  static final Set<String> DOCUMENTED = Set.of("seq", "at", "source", "type", "level", "message", "scaleSet",
      "scaleSetId", "batch", "totalBatches", "instanceIds", "code", "reason", "target", "from", "to", "zone",
      "unhealthyInstances", "totalInstances", "toUpgrade", "skipped", "estimateSeconds", "policy", "gate", "phase",
      "verdict", "until", "measurements", "healthy", "failed", "progress", "tookSeconds", "health", "rollingBack",
      "restored", "rolledBack", "failedToRollBack", "verified", "batchesDone", "needed", "headroom", "replacing",
      "replacedBy", "addedBatches", "httpStatus", "during", "attempts", "since", "stalledForSeconds", "by", "ring",
      "rolloutId", "rollout", "error", "errorMessage", "family", "version", "scaleSets", "scaleSetIds");

  private static final ObjectMapper JSON = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

  private static JsonNode parse(String line) {
    try {
      JsonNode node = JSON.readTree(line);
      assertThat(node.isObject()).as(line).isTrue();
      return node;
    } catch (java.io.IOException e) {
      throw new AssertionError("not JSON: " + line, e);
    }
  }

  /** The event's class name in kebab case, derived here independently of JsonLines. */
  private static String kebab(RolloutEvent e) {
    return e.getClass().getSimpleName().replaceAll("([a-z])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
  }

  private static List<Rollout> rollouts() {
    List<Rollout> all = new ArrayList<>();
    SimulatedFleet fleet = SimulatedFleet.create(42);
    ScaleSetId web = fleet.add(ScaleSetSpec.named("web").resourceGroup("shop-prod").instances(12).zones(3)
        .image(UBUNTU));
    fleet.publish(UBUNTU.withVersion(V2));
    fleet.publish(UBUNTU.withVersion(BAD));
    fleet.imageBehavior(BAD, ImageBehavior.comesUpUnhealthy());
    fleet.faults().serverErrors("upgradeInstances", 2, 503);
    all.add(fleet.run(Rollout.builder(fleet, web).target(V2).clock(fleet.clock()).build()));
    all.add(fleet.run(Rollout.builder(fleet, web).target(BAD).clock(fleet.clock()).build()));
    ScaleSetId api = fleet.add(ScaleSetSpec.named("api").resourceGroup("shop-prod").instances(6).image(UBUNTU));
    all.add(fleet.run(Rollout.builder(fleet, api).target(V2).clock(fleet.clock()).capacity(fleet)
        .policy(RollingUpgradePolicy.builder().maxSurge(true).build()).build()));
    return all;
  }

  @Test
  void rolloutEvents_everyLineStrictJsonWithTheDocumentedFields() {
    Map<String, JsonNodeType> types = new HashMap<>();
    Set<String> seenTypes = new TreeSet<>();
    int lines = 0;
    for (Rollout r : rollouts()) {
      List<String> out = new ArrayList<>();
      JsonLines json = JsonLines.to(out::add);
      r.events().forEach(json::onEvent);
      assertThat(out).hasSameSizeAs(r.events());
      for (int i = 0; i < out.size(); i++) {
        RolloutEvent e = r.events().get(i);
        String line = out.get(i);
        assertThat(line).doesNotContain("\n", "\r");
        JsonNode n = parse(line);
        assertThat(n.get("seq").asLong()).isEqualTo(e.sequence());
        assertThat(Instant.parse(n.get("at").asText())).isEqualTo(e.at());
        assertThat(n.get("source").asText()).isEqualTo("rollout");
        assertThat(n.get("type").asText()).isEqualTo(kebab(e));
        assertThat(n.get("scaleSet").asText()).isEqualTo(e.scaleSet().toString());
        assertThat(n.get("scaleSetId").asText()).isEqualTo(e.scaleSet().armId());
        assertThat(e.toString()).endsWith(" " + n.get("message").asText());
        assertThat(n.get("level").asText()).isIn("DEBUG", "INFO", "WARNING", "ERROR");
        if (e instanceof BatchStarted b) {
          List<String> ids = new ArrayList<>();
          n.get("instanceIds").forEach(x -> ids.add(x.asText()));
          assertThat(ids).isEqualTo(b.instanceIds());
          assertThat(n.get("batch").asInt()).isEqualTo(b.batch());
          assertThat(n.get("zone").asText()).isEqualTo(b.zone().toString());
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
          Map.Entry<String, JsonNode> f = it.next();
          assertThat(DOCUMENTED).as("field %s of %s", f.getKey(), line).contains(f.getKey());
          JsonNodeType was = types.putIfAbsent(f.getKey(), f.getValue().getNodeType());
          if (was != null) {
            assertThat(f.getValue().getNodeType()).as("type of %s in %s", f.getKey(), line).isEqualTo(was);
          }
        }
        seenTypes.add(n.get("type").asText());
        lines++;
      }
    }
    assertThat(seenTypes).contains("rollout-started", "gate-evaluated", "batch-started", "instance-healthy",
        "instance-failed", "instance-rolled-back", "batch-completed", "rollout-completed", "rollout-faulted",
        "rollout-stalled", "rollout-stall-cleared", "surge-instances-created", "instance-replaced",
        "model-image-changed");
    assertThat(lines).isGreaterThan(100);
  }

  @Test
  void examples_pinnedLines() {
    Rollout good = rollouts().get(0);
    List<String> out = new ArrayList<>();
    good.events().forEach(JsonLines.to(out::add)::onEvent);

    assertThat(out.get(0)).isEqualTo("{\"seq\":1,\"at\":\"2026-01-05T00:00:00Z\",\"source\":\"rollout\","
        + "\"type\":\"rollout-started\",\"level\":\"INFO\",\"scaleSet\":\"shop-prod/web\",\"scaleSetId\":"
        + "\"/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/shop-prod/providers/"
        + "Microsoft.Compute/virtualMachineScaleSets/web\",\"message\":\"rollout to 22.04.202410010 started: 12 "
        + "instances in 6 batches (~36m), 0 skipped; RollingUpgradePolicy[batch 20%, unhealthy 20%, unhealthy "
        + "upgraded 20%]\",\"target\":\"22.04.202410010\",\"totalBatches\":6,\"toUpgrade\":12,\"skipped\":0,"
        + "\"estimateSeconds\":2160,\"policy\":\"RollingUpgradePolicy[batch 20%, unhealthy 20%, unhealthy upgraded "
        + "20%]\"}");
    assertThat(out).filteredOn(l -> l.contains("\"type\":\"gate-evaluated\"")).first().asString()
        .contains("\"gate\":\"fleet-unhealthy\",\"phase\":\"before-batch\",\"verdict\":\"pass\",\"reason\":\"0 of "
            + "12 instances (0%) are unhealthy, within the threshold of 20%\",\"measurements\":{\"unhealthy\":0,"
            + "\"instances\":12,\"limitPercent\":20}}");
  }

  @Test
  void hostileText_escapedAndReadBackExactly() {
    SplittableRandom random = new SplittableRandom(20260105);
    ScaleSetId id = ScaleSetId.of("shop-prod", "web");
    Instant at = Instant.parse("2026-01-05T00:00:00Z");
    List<String> hostile = new ArrayList<>(List.of("\"", "\\", "\\\"", "\",\"seq\":999,\"x\":\"", "\n{\"seq\":2}",
        "\u0000", "\u001f\u007f", "\u2028\u2029", "\ud800", "\udfff", "\udfff\ud800", "a\ud83d\ude00b", "\ud83d",
        "</script>", "\\u0000", "", " ", "\t\b\f\r"));
    for (int i = 0; i < 500; i++) {
      hostile.add(randomText(random));
    }
    int checked = 0;
    for (String text : hostile) {
      BatchSkipped skipped = new BatchSkipped(1, at, id, 1, 2, text);
      JsonNode n = parse(JsonLines.json(skipped));
      assertThat(n.get("reason").asText()).isEqualTo(skipped.reason());
      assertThat(n.get("message").asText()).isEqualTo("batch 1/2 skipped: " + skipped.reason());

      InstanceFailed failed = new InstanceFailed(2, at, id, 1, text, HealthState.UNHEALTHY, text, true);
      n = parse(JsonLines.json(failed));
      assertThat(n.get("instanceIds").get(0).asText()).isEqualTo(text);
      assertThat(n.get("reason").asText()).isEqualTo(failed.reason());

      if (!text.isBlank()) {
        GovernanceWaived waived = new GovernanceWaived(3, at, id, text, text);
        n = parse(JsonLines.json(waived));
        assertThat(n.get("by").asText()).isEqualTo(text);
        assertThat(n.get("reason").asText()).isEqualTo(waived.reason());
      }

      RingEvent ring = new RingEvent(4, at, RingEvent.Kind.RING_WAITING, text, id, text);
      n = parse(JsonLines.json(ring));
      assertThat(n.get("ring").asText()).isEqualTo(text);
      assertThat(n.get("message").asText()).isEqualTo("ring waiting: " + ring.detail());

      RunnerEvent runner = new RunnerEvent(5, at, RunnerEvent.Kind.ADVANCE_FAILED, null, text,
          new IllegalStateException(text));
      n = parse(JsonLines.json(runner));
      assertThat(n.get("message").asText()).isEqualTo("advance failed: " + text);
      assertThat(n.get("error").asText()).isEqualTo("java.lang.IllegalStateException");
      assertThat(n.get("errorMessage").asText()).isEqualTo(dev.osupgrade.Redaction.redact(text));

      for (String line : List.of(JsonLines.json(skipped), JsonLines.json(failed), JsonLines.json(ring),
          JsonLines.json(runner))) {
        assertSafe(line);
      }
      checked++;
    }
    assertThat(checked).isEqualTo(518);
  }

  /** One line whatever it carries: no control character, no line separator, no unpaired surrogate. */
  private static void assertSafe(String line) {
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      assertThat(c < 0x20 || c == 0x7f || c == '\u2028' || c == '\u2029').as("char %d of %s", i, line).isFalse();
      if (Character.isHighSurrogate(c)) {
        assertThat(i + 1 < line.length() && Character.isLowSurrogate(line.charAt(i + 1))).as(line).isTrue();
        i++;
      } else {
        assertThat(Character.isLowSurrogate(c)).as(line).isFalse();
      }
    }
  }

  private static String randomText(SplittableRandom random) {
    StringBuilder b = new StringBuilder();
    int length = random.nextInt(0, 60);
    for (int i = 0; i < length; i++) {
      switch (random.nextInt(6)) {
        case 0 -> b.append((char) random.nextInt(0, 0x20));
        case 1 -> b.append("\"\\/\u007f\u2028\u2029".charAt(random.nextInt(6)));
        case 2 -> b.append((char) random.nextInt(0xd800, 0xe000));
        case 3 -> b.appendCodePoint(random.nextInt(0x10000, 0x110000));
        case 4 -> b.append((char) random.nextInt(0x20, 0xd800));
        default -> b.append((char) random.nextInt(0x20, 0x7f));
      }
    }
    return b.toString();
  }

  @Test
  void ringAndRunnerEvents_linesOfTheirOwnSource() {
    SimulatedFleet fleet = SimulatedFleet.create(42);
    ScaleSetId a = fleet.add(ScaleSetSpec.named("web-a").resourceGroup("shop-prod").instances(4).image(UBUNTU));
    ScaleSetId b = fleet.add(ScaleSetSpec.named("web-b").resourceGroup("shop-prod").instances(4).image(UBUNTU));
    fleet.publish(UBUNTU.withVersion(V2));
    List<String> out = new ArrayList<>();
    JsonLines json = JsonLines.to(out::add);
    RolloutRunner runner = RolloutRunner.builder().clock(fleet.clock()).scheduler(VirtualScheduler.on(fleet.clock()))
        .listener(json::onRunnerEvent).build();
    RingRollout rings = RingRollout.builder(RingPlan.of(Ring.of("early", Duration.ofHours(1), a, b)), fleet, fleet)
        .target(V2).clock(fleet.clock()).trust(ImageTrustPolicy.trustingPublishers("Canonical"))
        .listener(json).build();

    runner.submit(rings);
    fleet.clock().runUntilIdle();

    assertThat(rings.status()).isEqualTo(RingRollout.Status.COMPLETED);
    List<JsonNode> nodes = out.stream().map(JsonLinesTest::parse).toList();
    assertThat(nodes).filteredOn(n -> n.get("source").asText().equals("ring")).hasSize(rings.events().size())
        .anySatisfy(n -> {
          assertThat(n.get("type").asText()).isEqualTo("gate-evaluated");
          assertThat(n.get("message").asText()).startsWith("gate evaluated: 2 verdicts on 2 scale sets: 2 passed\n"
              + "  shop-prod/web-a\n    upgraded-unhealthy passed: ");
          assertThat(n.get("ring").asText()).isEqualTo("early");
          assertThat(n.has("scaleSet")).isFalse();
        });
    int rolloutEvents = rings.rollouts().values().stream().mapToInt(r -> r.events().size()).sum();
    assertThat(nodes).filteredOn(n -> n.get("source").asText().equals("rollout")).hasSize(rolloutEvents);
    assertThat(nodes).filteredOn(n -> n.get("source").asText().equals("runner"))
        .extracting(n -> n.get("type").asText()).contains("submitted", "ended");
  }

  @Test
  void governorDecisions_linesOfTheirOwnSource_scaleSetsAsTheFleetRecordHasThem() {
    SimulatedFleet fleet = SimulatedFleet.create(42);
    ScaleSetId canary = fleet.add(ScaleSetSpec.named("canary").resourceGroup("shop").instances(3).image(UBUNTU)
        .tag("ring", "canary"));
    ScaleSetId web = fleet.add(ScaleSetSpec.named("web").resourceGroup("shop").instances(3).image(UBUNTU));
    fleet.publish(UBUNTU.withVersion(V2));
    DesiredState desired = DesiredState.builder().scope(DiscoveryScope.resourceGroup("shop"))
        .family(ImageFamily.of("ubuntu", UBUNTU))
        .ring("canary", Duration.ofHours(1), Selector.tag("ring", "canary")).ring("broad", Duration.ofHours(1),
            Selector.all())
        .trust(ImageTrustPolicy.trustingPublishers("Canonical")).build();
    List<String> out = new ArrayList<>();
    JsonLines json = JsonLines.to(out::add);
    EstateGovernor governor = EstateGovernor.builder(desired, fleet).clock(fleet.clock())
        .listener(json::onGovernorDecision).build();

    Instant end = fleet.clock().instant().plus(Duration.ofDays(1));
    boolean paused = false;
    while (fleet.clock().instant().isBefore(end)) {
      Instant next = governor.advance().orElseThrow();
      if (!paused && !fleet.record(canary).calls("upgradeInstances").isEmpty()) {
        governor.pause(); // an operator holds the estate mid-canary, then lets it go on
        governor.advance();
        governor.resume();
        paused = true;
      }
      fleet.clock().advanceTo(next.isAfter(end) ? end : next);
    }

    List<GovernorDecision> decisions = governor.decisions();
    assertThat(out).hasSameSizeAs(decisions);
    List<String> ringStartedScaleSets = new ArrayList<>();
    for (int i = 0; i < out.size(); i++) {
      GovernorDecision d = decisions.get(i);
      JsonNode n = parse(out.get(i));
      assertThat(n.get("seq").asLong()).isEqualTo(d.sequence());
      assertThat(Instant.parse(n.get("at").asText())).isEqualTo(d.at());
      assertThat(n.get("source").asText()).isEqualTo("governor");
      assertThat(n.get("type").asText()).isEqualTo(d.kind().name().toLowerCase(Locale.ROOT).replace('_', '-'));
      assertThat(n.get("level").asText()).isIn("INFO", "WARNING", "ERROR");
      assertThat(d.toString()).endsWith("] " + n.get("message").asText());
      assertThat(n.get("family").asText()).isEqualTo(d.family());
      assertThat(n.has("version")).isEqualTo(d.version() != null);
      assertThat(n.has("ring")).isEqualTo(d.ring() != null);
      List<String> names = new ArrayList<>();
      List<String> ids = new ArrayList<>();
      if (n.has("scaleSets")) {
        n.get("scaleSets").forEach(x -> names.add(x.asText()));
        n.get("scaleSetIds").forEach(x -> ids.add(x.asText()));
      }
      assertThat(names).isEqualTo(d.scaleSets().stream().map(ScaleSetId::toString).toList());
      assertThat(ids).isEqualTo(d.scaleSets().stream().map(ScaleSetId::armId).toList());
      n.fieldNames().forEachRemaining(f -> assertThat(DOCUMENTED).as("documented field").contains(f));
      if (d.kind() == GovernorDecision.Kind.RING_STARTED) {
        ringStartedScaleSets.addAll(ids);
      }
    }
    assertThat(out).extracting(l -> parse(l).get("type").asText()).containsSubsequence("campaign-started",
        "ring-started", "governor-paused", "governor-resumed", "ring-promoted", "ring-started", "ring-promoted",
        "campaign-completed");
    assertThat(out).filteredOn(l -> l.contains("\"governor-paused\"")).singleElement()
        .satisfies(l -> assertThat(parse(l).get("level").asText()).isEqualTo("WARNING"));
    List<String> upgradedByTheFleet = java.util.stream.Stream.of(canary, web)
        .filter(id -> !fleet.record(id).calls("upgradeInstances").isEmpty()).map(ScaleSetId::armId).toList();
    assertThat(ringStartedScaleSets).as("the rings started on exactly the scale sets the fleet upgraded")
        .containsExactlyInAnyOrderElementsOf(upgradedByTheFleet).hasSize(2);
  }
}
