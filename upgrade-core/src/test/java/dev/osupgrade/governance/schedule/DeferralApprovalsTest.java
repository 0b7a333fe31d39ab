package dev.osupgrade.governance.schedule;

import static dev.osupgrade.governance.schedule.MaintenanceWindowTest.berlin;
import static org.assertj.core.api.Assertions.assertThat;

import dev.osupgrade.Fleets;
import dev.osupgrade.fleet.HealthState;
import dev.osupgrade.fleet.ScaleSet;
import dev.osupgrade.health.FleetUnhealthyGate;
import dev.osupgrade.health.GateVerdict;
import dev.osupgrade.health.HealthGate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

final class DeferralApprovalsTest {
  private static final MaintenanceSchedule WEEKNIGHTS = MaintenanceSchedule.of(MaintenanceWindowTest.WEEKNIGHTS);
  private static final ScaleSet FLEET = Fleets.scaleSet(10);
  private static final Instant OPEN = berlin("2026-01-06T23:00");
  private static final Instant CLOSED = berlin("2026-01-06T12:00");

  private static List<PendingUpgrade> pending(Instant noticedAt, String... ids) {
    List<PendingUpgrade> out = new ArrayList<>();
    for (String id : ids) {
      out.add(PendingUpgrade.of(id, noticedAt));
    }
    return out;
  }

  @Test
  void decide_windowOpenGatesPass_approvesABatchLongestDeferredFirst() {
    DeferralApprovals approvals = DeferralApprovals.builder().schedule(WEEKNIGHTS).gate(new FleetUnhealthyGate())
        .build();
    List<PendingUpgrade> waiting = new ArrayList<>(pending(OPEN.minus(Duration.ofHours(1)), "5", "6", "7"));
    waiting.add(PendingUpgrade.of("9", OPEN.minus(Duration.ofHours(5))));

    DeferralDecision d = approvals.decide(FLEET, Fleets.NEW, waiting, OPEN);

    assertThat(d).isInstanceOfSatisfying(DeferralDecision.Approve.class, a -> {
      assertThat(a.instanceIds()).containsExactly("9", "5");
      assertThat(a.stillDeferred()).containsExactly("6", "7");
      assertThat(a.reason()).isEqualTo("window open and 1 gate(s) passed; approving 2 of 4 (at most 2 at once)");
    });
    assertThat(d.verdicts()).extracting(GateVerdict::gate).containsExactly("maintenance-window", "fleet-unhealthy");
    assertThat(d.needsEscalation()).isFalse();
  }

  @Test
  void decide_windowClosed_holdsUntilItOpens() {
    DeferralDecision d = DeferralApprovals.builder().schedule(WEEKNIGHTS).build()
        .decide(FLEET, Fleets.NEW, pending(CLOSED, "1"), CLOSED);

    assertThat(d).isInstanceOfSatisfying(DeferralDecision.Hold.class, h -> {
      assertThat(h.until()).isEqualTo(berlin("2026-01-06T22:00"));
      assertThat(h.reason()).startsWith("maintenance window closed; next opening");
    });
  }

  @Test
  void decide_gateFails_holdsAndSaysWhy() {
    ScaleSet sick = Fleets.withHealth(FLEET, HealthState.UNHEALTHY, "0", "1", "2");

    DeferralDecision d = DeferralApprovals.builder().gate(new FleetUnhealthyGate()).build()
        .decide(sick, Fleets.NEW, pending(OPEN, "5"), OPEN);

    assertThat(d).isInstanceOfSatisfying(DeferralDecision.Hold.class, h -> {
      assertThat(h.until()).isEqualTo(OPEN.plus(Duration.ofMinutes(5)));
      assertThat(h.reason()).isEqualTo("gate fleet-unhealthy failed [MaxUnhealthyInstancePercentExceededBefore"
          + "RollingUpgrade]: 3 of 10 instances (30%) are unhealthy - more than the threshold of 20%");
    });
  }

  @Test
  void decide_gateWaits_holdsUntilThen() {
    HealthGate soak = new HealthGate() {
      @Override
      public String name() {
        return "soak";
      }

      @Override
      public boolean appliesTo(dev.osupgrade.health.GatePhase phase) {
        return true;
      }

      @Override
      public GateVerdict evaluate(dev.osupgrade.health.GateContext context) {
        return GateVerdict.waitUntil("soak", "canary soaking", context.now().plus(Duration.ofHours(2)));
      }
    };

    DeferralDecision d = DeferralApprovals.builder().gate(soak).build().decide(FLEET, Fleets.NEW,
        pending(OPEN, "5"), OPEN);

    assertThat(d).isInstanceOfSatisfying(DeferralDecision.Hold.class, h -> {
      assertThat(h.until()).isEqualTo(OPEN.plus(Duration.ofHours(2)));
      assertThat(h.reason()).isEqualTo("gate soak waits: canary soaking");
    });
  }

  @Test
  void decide_deferredPastMaximum_reportsOverdueLoudlyEvenWhileHolding() {
    List<DeferralOverdue> paged = new ArrayList<>();
    DeferralApprovals approvals = DeferralApprovals.builder().schedule(WEEKNIGHTS)
        .maximumDeferral(Duration.ofDays(3)).onOverdue(paged::add).build();
    List<PendingUpgrade> waiting = new ArrayList<>(pending(CLOSED.minus(Duration.ofDays(4)), "3"));
    waiting.addAll(pending(CLOSED.minus(Duration.ofDays(3)), "4"));

    DeferralDecision d = approvals.decide(FLEET, Fleets.NEW, waiting, CLOSED);

    assertThat(d).isInstanceOf(DeferralDecision.Hold.class);
    assertThat(d.needsEscalation()).isTrue();
    assertThat(d.overdue()).singleElement().satisfies(o -> {
      assertThat(o.instanceId()).isEqualTo("3");
      assertThat(o.deferredFor()).isEqualTo(Duration.ofDays(4));
      assertThat(o.overBy()).isEqualTo(Duration.ofDays(1));
      assertThat(o).hasToString("2026-01-06T11:00:00Z rg/web DEFERRAL OVERDUE: instance 3 has deferred its OS "
          + "upgrade for 4d (pending since 2026-01-02T11:00:00Z), more than the maximum of 3d; escalate: approve "
          + "it, or find what blocks it");
    });
    assertThat(paged).isEqualTo(d.overdue());
    assertThat(d.toString()).endsWith("; 1 OVERDUE");
  }

  @Test
  void decide_nothingPending_approvesNothing() {
    DeferralDecision d = DeferralApprovals.builder().schedule(WEEKNIGHTS).build()
        .decide(FLEET, Fleets.NEW, List.of(PendingUpgrade.of("gone", CLOSED)), CLOSED);

    assertThat(d).isInstanceOfSatisfying(DeferralDecision.Approve.class,
        a -> assertThat(a.instanceIds()).isEmpty());
    assertThat(d.reason()).isEqualTo("nothing is waiting for approval");
  }

  @Test
  void decide_maxAtOnce_overridesThePolicyBatch() {
    DeferralDecision d = DeferralApprovals.builder().maxAtOnce(1).build()
        .decide(FLEET, Fleets.NEW, pending(OPEN, "2", "10", "1"), OPEN);

    assertThat(d).isInstanceOfSatisfying(DeferralDecision.Approve.class, a -> {
      assertThat(a.instanceIds()).containsExactly("1");
      assertThat(a.stillDeferred()).containsExactly("2");
    });
  }

  @Test
  void decide_minimumRemaining_holdsNearTheClose() {
    DeferralDecision d = DeferralApprovals.builder().schedule(WEEKNIGHTS).minimumRemaining(Duration.ofHours(1))
        .build().decide(FLEET, Fleets.NEW, pending(OPEN, "1"), berlin("2026-01-07T01:30"));

    assertThat(d).isInstanceOfSatisfying(DeferralDecision.Hold.class,
        h -> assertThat(h.until()).isEqualTo(berlin("2026-01-07T22:00")));
  }
}
