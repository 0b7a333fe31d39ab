package dev.osupgrade.examples.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osupgrade.InvalidValueException;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.governance.rings.RingPlan;
import java.time.Duration;
import org.junit.jupiter.api.Test;

final class ServiceConfigTest {
  private static final String MINIMAL = """
      {"name": "svc", "target": "22.04.202410010",
       "rings": [{"name": "canary", "soak": "PT1H", "scaleSets": ["rg/web"]}],
       "trust": {"publishers": ["Canonical"]},
       "readiness": {"owner": "team", "contact": "oncall@example.com", "healthSource": "LOAD_BALANCER_PROBE",
                     "atMostPercentAtOnce": 20, "automaticRollback": true}}
      """;

  @Test
  void bundled_parsesIntoRingsTrustReadinessAndWindows() {
    ServiceConfig config = PlatformService.bundledConfig();

    RingPlan plan = config.ringPlan(rgName -> ScaleSetId.of(rgName.split("/")[0], rgName.split("/")[1]));
    assertThat(plan.rings()).extracting(r -> r.name()).containsExactly("canary", "early", "broad");
    assertThat(plan.rings().get(0).soak()).isEqualTo(Duration.ofHours(2));
    assertThat(plan.scaleSets()).hasSize(5);
    assertThat(config.readinessRecord(plan).toRunbook()).contains("team-shop", "shop-oncall@example.com");
    assertThat(config.schedule().toString()).contains("MON-FRI 20:00-23:30 UTC");
    assertThat(config.simulator()).isNotNull();
  }

  @Test
  void minimal_leavesStoreWindowsAndSimulatorOut() {
    ServiceConfig config = ServiceConfig.parse(MINIMAL, "minimal");

    assertThat(config.windows()).isEmpty();
    assertThat(config.store()).isNull();
    assertThat(config.simulator()).isNull();
    assertThat(config.readiness().signals()).isEmpty();
  }

  @Test
  void parse_unknownField_isRefusedNamingIt() {
    assertThatThrownBy(() -> ServiceConfig.parse(MINIMAL.replace("\"rings\"", "\"windowz\": [], \"rings\""),
        "typo"))
        .isInstanceOf(InvalidValueException.class)
        .hasMessageStartingWith("configuration typo must be valid JSON of a ServiceConfig")
        .hasMessageContaining("windowz");
  }

  @Test
  void parse_missingField_isRefusedNamingIt() {
    assertThatThrownBy(() -> ServiceConfig.parse(MINIMAL.replace("\"name\": \"svc\", ", ""), "missing"))
        .isInstanceOf(InvalidValueException.class)
        .hasMessage("missing: name must be non-null, but was null");
  }

  @Test
  void parse_badSoak_isRefusedNamingTheField() {
    assertThatThrownBy(() -> ServiceConfig.parse(MINIMAL.replace("PT1H", "one hour"), "soak"))
        .isInstanceOf(InvalidValueException.class)
        .hasMessage("soak: rings[].soak must be an ISO-8601 duration such as PT2H or P7D, but was 'one hour'");
  }

  @Test
  void parse_noTrustedPublisherOrGallery_isRefused() {
    assertThatThrownBy(() -> ServiceConfig.parse(MINIMAL.replace("\"publishers\": [\"Canonical\"]",
        "\"publishers\": []"), "trust"))
        .isInstanceOf(InvalidValueException.class)
        .hasMessage("trust: trust must be at least one trusted publisher or gallery, but was 'none'");
  }

  @Test
  void parse_unknownMetric_isRefusedListingTheKnownOnes() {
    String withSignal = MINIMAL.replace("\"atMostPercentAtOnce\"",
        "\"signals\": [{\"metric\": \"cpuu\", \"tolerance\": 0.1}], \"atMostPercentAtOnce\"");

    assertThatThrownBy(() -> ServiceConfig.parse(withSignal, "metric"))
        .isInstanceOf(InvalidValueException.class)
        .hasMessageContaining("readiness.signals[].metric must be one of [cpu,");
  }
}
