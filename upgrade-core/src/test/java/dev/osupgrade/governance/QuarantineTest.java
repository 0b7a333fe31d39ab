package dev.osupgrade.governance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osupgrade.Fleets;
import dev.osupgrade.InvalidValueException;
import dev.osupgrade.health.GateVerdict;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.image.ImageVersion;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

final class QuarantineTest {

  @Test
  void add_firstQuarantineWins_keepsWhoWhenWhy() {
    Quarantine q = Quarantine.create();

    QuarantineEntry first = q.add(Fleets.NEW_IMAGE, "ring canary", Fleets.T0, "boot loop on 3 of 4");
    QuarantineEntry second = q.add(Fleets.NEW_IMAGE, "ring broad", Fleets.T0.plusSeconds(60), "later");

    assertThat(second).isEqualTo(first);
    assertThat(q.entry(Fleets.NEW_IMAGE)).contains(first);
    assertThat(q.size()).isEqualTo(1);
    assertThat(first).hasToString("Canonical:0001-com-ubuntu-server-jammy:22_04-lts-gen2:22.04.202407010 "
        + "quarantined at 2026-01-05T00:00:00Z by ring canary: boot loop on 3 of 4");
  }

  @Test
  void contains_sameVersionOtherSpellingAndCase_matches() {
    Quarantine q = Quarantine.create();
    q.add(Fleets.NEW_IMAGE, "ops", Fleets.T0, "why");

    ImageReference spelled = new ImageReference.Marketplace("CANONICAL", "0001-com-ubuntu-server-jammy",
        "22_04-LTS-gen2", ImageVersion.of("22.4.202407010"));

    assertThat(q.contains(spelled)).isTrue();
    assertThat(q.contains(Fleets.OLD_IMAGE)).isFalse();
  }

  @Test
  void add_failedGate_whyNamesGateCodeAndReason() {
    Quarantine q = Quarantine.create();
    GateVerdict.Fail fail = GateVerdict.fail("performance", "PerformanceRegression", "readiness-time +25%");

    QuarantineEntry e = q.add(Fleets.NEW_IMAGE, fail, "ring canary (rg/web-canary)", Fleets.T0);

    assertThat(e.why()).isEqualTo("gate performance failed [PerformanceRegression]: readiness-time +25%");
    assertThat(e.by()).isEqualTo("ring canary (rg/web-canary)");
  }

  @Test
  void lift_quarantined_removesAndReturnsEntry() {
    Quarantine q = Quarantine.create();
    q.add(Fleets.NEW_IMAGE, "ops", Fleets.T0, "why");

    assertThat(q.lift(Fleets.NEW_IMAGE)).isPresent();
    assertThat(q.contains(Fleets.NEW_IMAGE)).isFalse();
    assertThat(q.lift(Fleets.NEW_IMAGE)).isEmpty();
  }

  @Test
  void entries_oldestFirst() {
    Quarantine q = Quarantine.create();
    q.add(Fleets.NEW_IMAGE, "b", Fleets.T0.plus(Duration.ofHours(1)), "second");
    q.add(Fleets.OLD_IMAGE, "a", Fleets.T0, "first");

    assertThat(q.entries()).extracting(QuarantineEntry::by).containsExactly("a", "b");
  }

  @Test
  void add_latestOrBlankReason_rejected() {
    Quarantine q = Quarantine.create();

    assertThatThrownBy(() -> q.add(Fleets.UBUNTU, "ops", Fleets.T0, "why"))
        .isInstanceOf(InvalidValueException.class);
    assertThatThrownBy(() -> q.add(Fleets.NEW_IMAGE, "ops", Fleets.T0, " "))
        .isInstanceOf(InvalidValueException.class).hasMessage("why must be non-blank, but was ' '");
    assertThat(q.size()).isZero();
  }

  @Test
  void add_concurrentRings_exactlyOneEntryWins() throws Exception {
    Quarantine q = Quarantine.create();
    ExecutorService pool = Executors.newFixedThreadPool(8);
    CountDownLatch start = new CountDownLatch(1);
    try {
      List<Future<QuarantineEntry>> results = new ArrayList<>();
      for (int i = 0; i < 16; i++) {
        String ring = "ring-" + i;
        results.add(pool.submit(() -> {
          start.await();
          return q.add(Fleets.NEW_IMAGE, ring, Fleets.T0, "failed");
        }));
      }
      start.countDown();
      QuarantineEntry winner = q.entry(Fleets.NEW_IMAGE).orElse(null);
      for (Future<QuarantineEntry> f : results) {
        QuarantineEntry seen = f.get(10, TimeUnit.SECONDS);
        winner = winner == null ? q.entry(Fleets.NEW_IMAGE).orElseThrow() : winner;
        assertThat(seen).isEqualTo(winner);
      }
      assertThat(q.size()).isEqualTo(1);
    } finally {
      pool.shutdownNow();
    }
  }
}
