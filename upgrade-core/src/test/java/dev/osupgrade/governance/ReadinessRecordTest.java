package dev.osupgrade.governance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osupgrade.Fleets;
import dev.osupgrade.InvalidValueException;
import dev.osupgrade.Region;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.port.Metric;
import org.junit.jupiter.api.Test;

final class ReadinessRecordTest {

  static ReadinessRecord complete() {
    return ReadinessRecord.builder()
        .owner("team-web", "oncall-web@contoso.com")
        .healthSource(HealthSource.APPLICATION_HEALTH_EXTENSION)
        .threshold(SignalThreshold.percentile(Metric.READINESS_TIME, 95, 90))
        .threshold(SignalThreshold.relative(Metric.CPU, 0.10))
        .scaleSets(Fleets.ID)
        .regions(Region.of("West Europe"))
        .atMostPercentAtOnce(20)
        .rings("canary", "pilot", "broad")
        .automaticRollback(true)
        .runbookStep("Cancel the rolling upgrade, deny-list the version, then pin the model to the previous one.")
        .build();
  }

  @Test
  void missing_emptyRecord_listsEveryItemInOrder() {
    ReadinessRecord empty = ReadinessRecord.empty();

    assertThat(empty.isComplete()).isFalse();
    assertThat(empty.missing()).extracting(ReadinessGap::item).containsExactly(ReadinessItem.OWNER_TEAM,
        ReadinessItem.OWNER_CONTACT, ReadinessItem.HEALTH_SOURCE, ReadinessItem.SIGNAL_THRESHOLDS,
        ReadinessItem.BOUNDARY_SCOPE, ReadinessItem.BOUNDARY_AT_ONCE, ReadinessItem.RING_ORDER,
        ReadinessItem.ROLLBACK_MODE, ReadinessItem.ROLLBACK_RUNBOOK);
    assertThat(empty.missing().get(0).sentence())
        .isEqualTo("Name the owning team: who is accountable for OS image upgrades of this scale set.");
  }

  @Test
  void missing_completeRecord_empty() {
    assertThat(complete().missing()).isEmpty();
    assertThat(complete().isComplete()).isTrue();
    assertThat(complete()).hasToString("ReadinessRecord[owner team-web, complete]");
  }

  @Test
  void missing_teamWithoutContact_onlyContactMissing() {
    ReadinessRecord r = complete().toBuilder().build();
    ReadinessRecord noContact = new ReadinessRecord(new ReadinessRecord.Owner("team-web", " "), r.expectedSignal(),
        r.boundary(), r.rollback());

    assertThat(noContact.missing()).extracting(ReadinessGap::item).containsExactly(ReadinessItem.OWNER_CONTACT);
    assertThat(ReadinessRecord.builder().ownerTeam("team-web").build().missing()).extracting(ReadinessGap::item)
        .doesNotContain(ReadinessItem.OWNER_TEAM).contains(ReadinessItem.OWNER_CONTACT);
  }

  @Test
  void missing_automaticRollbackOff_isADecisionNotAGap() {
    ReadinessRecord off = complete().toBuilder().automaticRollback(false).build();

    assertThat(off.isComplete()).isTrue();
    assertThat(off.toRunbook()).contains("- Automatic rollback: off\n");
  }

  @Test
  void missing_scaleSetsOrRegionsEachEnoughForScope() {
    assertThat(ReadinessRecord.builder().scaleSets(ScaleSetId.of("rg", "a")).build().missing())
        .extracting(ReadinessGap::item).doesNotContain(ReadinessItem.BOUNDARY_SCOPE);
    assertThat(ReadinessRecord.builder().regions(Region.of("eastus")).build().missing())
        .extracting(ReadinessGap::item).doesNotContain(ReadinessItem.BOUNDARY_SCOPE);
  }

  @Test
  void toRunbook_complete_stableDocument() {
    assertThat(complete().toRunbook()).isEqualTo("""
        # Automatic OS image upgrade: readiness

        ## Owner
        - Team: team-web
        - Contact: oncall-web@contoso.com

        ## Expected signal
        - Health source: Application Health extension
        - p95 readiness-time ≤ 90 s
        - cpu ≤ +10% vs baseline

        ## Rollout boundary
        - Scale sets: rg/web
        - Regions: westeurope
        - At once: at most 20% of the instances
        - Ring order: canary → pilot → broad

        ## Rollback path
        - Automatic rollback: on
        - Operator step: Cancel the rolling upgrade, deny-list the version, then pin the model to the previous one.

        ## Missing
        - nothing: ready for production
        """);
  }

  @Test
  void toRunbook_incomplete_marksAndListsWhatIsMissing() {
    String runbook = ReadinessRecord.builder().ownerTeam("team-web").atMostInstancesAtOnce(2).build().toRunbook();

    assertThat(runbook).contains("- Contact: _missing_\n", "- Health source: _missing_\n",
        "- Thresholds: _missing_\n", "- Scope: _missing_\n", "- At once: at most 2 instances\n",
        "- Ring order: _missing_\n", "- Operator step: _missing_\n",
        "## Missing\n- Give the owner's contact (on-call alias, channel or e-mail)");
    assertThat(runbook).isEqualTo(ReadinessRecord.builder().ownerTeam("team-web").atMostInstancesAtOnce(2).build()
        .toRunbook());
  }

  @Test
  void thresholds_printAsOperatorsWriteThem() {
    assertThat(SignalThreshold.percentile(Metric.READINESS_TIME, 95, 90)).hasToString("p95 readiness-time ≤ 90 s");
    assertThat(SignalThreshold.relative(Metric.CPU, 0.10)).hasToString("cpu ≤ +10% vs baseline");
    assertThat(SignalThreshold.percentile(Metric.NETWORK_THROUGHPUT, 5, 500))
        .hasToString("p5 network-throughput ≥ 500 Mbit/s");
    assertThat(SignalThreshold.relative(Metric.NETWORK_THROUGHPUT, 0.05))
        .hasToString("network-throughput ≥ -5% vs baseline");
    assertThat(SignalThreshold.percentile(Metric.READINESS_TIME, 95, 90).isBrokenBy(90.5)).isTrue();
    assertThat(SignalThreshold.percentile(Metric.NETWORK_THROUGHPUT, 5, 500).isBrokenBy(499)).isTrue();
    assertThat(SignalThreshold.relative(Metric.CPU, 0.10).tolerated(50)).isEqualTo(55.0, org.assertj.core.api
        .Assertions.within(1e-9));
  }

  @Test
  void builder_badValues_rejected() {
    assertThatThrownBy(() -> ReadinessRecord.builder().atMostPercentAtOnce(0))
        .isInstanceOf(InvalidValueException.class).hasMessage("percent must be in [1, 100], but was 0");
    assertThatThrownBy(() -> ReadinessRecord.builder().atMostInstancesAtOnce(0))
        .isInstanceOf(InvalidValueException.class).hasMessage("instances must be >= 1, but was 0");
    assertThatThrownBy(() -> ReadinessRecord.builder().rings("canary", "canary"))
        .isInstanceOf(InvalidValueException.class).hasMessageStartingWith("rings must be unique");
    assertThatThrownBy(() -> ReadinessRecord.builder().owner("team", ""))
        .isInstanceOf(InvalidValueException.class).hasMessage("contact must be non-blank, but was ''");
    assertThatThrownBy(() -> SignalThreshold.relative(Metric.CPU, 1.5))
        .isInstanceOf(InvalidValueException.class).hasMessage("tolerance must be in [0, 1), but was 1.5");
  }

  @Test
  void atOnce_percentOfSmallSet_neverBelowOne() {
    assertThat(ReadinessRecord.AtOnce.percent(20).instancesFor(3)).isEqualTo(1);
    assertThat(ReadinessRecord.AtOnce.percent(20).instancesFor(10)).isEqualTo(2);
    assertThat(ReadinessRecord.AtOnce.instances(3).instancesFor(100)).isEqualTo(3);
  }
}
