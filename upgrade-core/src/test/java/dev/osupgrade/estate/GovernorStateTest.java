package dev.osupgrade.estate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osupgrade.OsUpgradeException;
import dev.osupgrade.Region;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.governance.QuarantineEntry;
import dev.osupgrade.image.ImageVersion;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

final class GovernorStateTest {
  private static final Instant T = Instant.parse("2026-01-05T20:00:00Z");
  private static final ImageVersion V = ImageVersion.parse("22.04.202601070");

  private static GovernorState sample() {
    GovernorState s = new GovernorState();
    s.decisions = 42;
    s.inventoryAt = T;
    GovernorState.Known k = new GovernorState.Known(ScaleSetId.of("shop", "web"), Region.of("westeurope"));
    k.family = "ubuntu";
    k.ring = 1;
    k.mode = GovernanceMode.GOVERNED_PLATFORM;
    k.version = V;
    k.instances = 3;
    k.drifting = 1;
    k.lastChangeAt = T;
    k.lastChange = "on " + V + " (ring early)\nsecond line = with an equals sign \\ and a backslash";
    k.blockedUntil = T.plusSeconds(60);
    k.blockedWhy = "Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl";
    s.known.put(GovernorState.key(k.id), k);
    GovernorState.Family f = s.family("ubuntu");
    f.completed = ImageVersion.parse("22.04.202512010");
    f.failed.put(ImageVersion.parse("22.04.202601140"), "quarantined by ring canary");
    GovernorState.Campaign c = new GovernorState.Campaign(V, T.minusSeconds(86_400), T);
    c.ring = 1;
    c.excluded.put("/subscriptions/x/resourcegroups/shop/providers/microsoft.compute/virtualmachinescalesets/api",
        "replication failed");
    GovernorState.Lane lane = new GovernorState.Lane("ubuntu/" + V + "/early/3", "ubuntu",
        GovernorState.LaneKind.RING, "early", GovernanceMode.ORCHESTRATED, V, List.of(k.id), T);
    c.lanes.add(lane);
    f.campaign = c;
    f.catchUps.add(new GovernorState.Lane("ubuntu/" + V + "/catch-up/4", "ubuntu", GovernorState.LaneKind.CATCH_UP,
        "catch-up", GovernanceMode.ORCHESTRATED, V, List.of(ScaleSetId.of("shop", "late")), T));
    s.quarantine.put("x", new QuarantineEntry(dev.osupgrade.image.ImageReference.parse(
        "Canonical:0001-com-ubuntu-server-jammy:22_04-lts-gen2:22.04.202601140"), "ring canary", T, "unhealthy"));
    s.overdue("shop/web instance 2 waited 8 days");
    s.batch(Duration.ofMinutes(5));
    s.batch(Duration.ofMinutes(7));
    s.rehearsals.put("ubuntu/early", new RehearsalResult("ubuntu", "early", V, 2, 6, List.of("shop/web: 3 batches"),
        Duration.ofMinutes(12), 66, ScaleSetId.of("shop", "web"), List.of()));
    return s;
  }

  @Test
  void encodeDecode_roundTrip_sameStateAndSameText() {
    GovernorState s = sample();

    String text = s.encode();
    GovernorState back = GovernorState.decode(text);

    assertThat(back.encode()).isEqualTo(text);
    assertThat(back.decisions).isEqualTo(42);
    GovernorState.Known k = back.known.values().iterator().next();
    assertThat(k.mode).isEqualTo(GovernanceMode.GOVERNED_PLATFORM);
    assertThat(k.lastChange).contains("\nsecond line = with an equals sign \\ and a backslash");
    assertThat(back.family("ubuntu").campaign.lanes).singleElement().satisfies(l -> {
      assertThat(l.ring).isEqualTo("early");
      assertThat(l.scaleSets).containsExactly(ScaleSetId.of("shop", "web"));
      assertThat(l.isRunning()).isTrue();
    });
    assertThat(back.family("ubuntu").catchUps).hasSize(1);
    assertThat(back.timings().batches()).isEqualTo(2);
    assertThat(back.rehearsals.get("ubuntu/early").lowestHealthyPercent()).isEqualTo(66);
  }

  @Test
  void encode_secretsInFreeText_masked() {
    String text = sample().encode();

    assertThat(text).doesNotContain("eyJhbGciOiJSUzI1NiJ9").contains("***");
  }

  @Test
  void decode_notAGovernorCheckpoint_typedError() {
    assertThatThrownBy(() -> GovernorState.decode("osupgrade-rollout-state 1\nscaleSet=x"))
        .isInstanceOf(OsUpgradeException.class).hasMessageContaining("governor's checkpoint");
    assertThatThrownBy(() -> GovernorState.decode(GovernorState.FORMAT + "\nnot a field"))
        .isInstanceOf(OsUpgradeException.class);
    assertThatThrownBy(() -> GovernorState.decode(GovernorState.FORMAT + "\ndecisions=x"))
        .isInstanceOf(OsUpgradeException.class);
  }
}
