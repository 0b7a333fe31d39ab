package dev.osupgrade.azure.replicas;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osupgrade.azure.emulator.ArmOp;
import dev.osupgrade.azure.replicas.LeaseLine.Kind;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The criterion the multi-process test grades requests by, on hand-made histories: each way of sending without the
 * lease, and each way two holdings can overlap, is named; the lawful cases are not.
 */
final class LeaseHistoryTest {
  private static final String A = "replica-1";
  private static final String B = "replica-2";
  private static final String WEB = "web";
  private static final long TTL = 5_000;

  private static LeaseLine grant(String replica, long token, long now) {
    return new LeaseLine(Kind.ACQUIRED, replica, WEB, token, now, now + TTL, now + 3);
  }

  private static LeaseLine renewal(String replica, long token, long now) {
    return new LeaseLine(Kind.RENEWED, replica, WEB, token, now, now + TTL, now + 3);
  }

  private static LeaseLine release(String replica, long token, long now) {
    return new LeaseLine(Kind.RELEASED, replica, WEB, token, now, now + TTL, now + 3);
  }

  private static MutatingRequest upgrade(String replica, long at) {
    return new MutatingRequest(replica, WEB, ArmOp.POST_MANUAL_UPGRADE, at, 202, List.of("0"), "POST manualupgrade");
  }

  @Test
  void sentWithoutLease_requestsWithinRenewals_none() {
    LeaseHistory h = new LeaseHistory(List.of(grant(A, 1, 1_000), renewal(A, 1, 4_000), renewal(A, 1, 8_000)));

    assertThat(h.sentWithoutLease(List.of(upgrade(A, 1_010), upgrade(A, 8_990), upgrade(A, 12_990)))).isEmpty();
  }

  @Test
  void sentWithoutLease_requestAfterExpiry_named() {
    LeaseHistory h = new LeaseHistory(List.of(grant(A, 1, 1_000)));

    assertThat(h.sentWithoutLease(List.of(upgrade(A, 6_000)))).singleElement().asString()
        .contains("expired at 6000");
  }

  @Test
  void sentWithoutLease_requestBeforeItsGrantReturned_named() {
    LeaseHistory h = new LeaseHistory(List.of(grant(A, 1, 1_000)));

    assertThat(h.sentWithoutLease(List.of(upgrade(A, 1_002)))).singleElement().asString()
        .contains("never been granted");
  }

  @Test
  void sentWithoutLease_requestByReplicaNeverGranted_named() {
    LeaseHistory h = new LeaseHistory(List.of(grant(A, 1, 1_000)));

    assertThat(h.sentWithoutLease(List.of(upgrade(B, 2_000)))).singleElement().asString()
        .contains(B + " had never been granted");
  }

  @Test
  void sentWithoutLease_requestAfterReleaseStarted_named() {
    LeaseHistory h = new LeaseHistory(List.of(grant(A, 1, 1_000), release(A, 1, 2_000)));

    assertThat(h.sentWithoutLease(List.of(upgrade(A, 2_500)))).singleElement().asString()
        .contains("release token 1");
  }

  @Test
  void sentWithoutLease_newerTokenGrantedToAnotherBeforeRequest_named() {
    LeaseHistory h = new LeaseHistory(List.of(grant(A, 1, 1_000), grant(B, 2, 2_000)));

    assertThat(h.sentWithoutLease(List.of(upgrade(A, 2_500)))).singleElement().asString()
        .contains(B + " held token 2");
  }

  @Test
  void sentWithoutLease_untaggedRequest_named() {
    LeaseHistory h = new LeaseHistory(List.of(grant(A, 1, 1_000)));

    assertThat(h.sentWithoutLease(List.of(upgrade("", 2_000)))).singleElement().asString().contains("no replica tag");
  }

  @Test
  void overlappingHoldings_takeoverAtExpiryOrAfterRelease_none() {
    LeaseHistory h = new LeaseHistory(List.of(grant(A, 1, 1_000), renewal(A, 1, 2_000), grant(B, 2, 7_000),
        release(B, 2, 8_000), grant(A, 3, 7_999)));

    assertThat(h.overlappingHoldings()).isEmpty();
  }

  @Test
  void overlappingHoldings_grantBeforeThePreviousExpiredUnreleased_named() {
    LeaseHistory h = new LeaseHistory(List.of(grant(A, 1, 1_000), renewal(A, 1, 2_000), grant(B, 2, 6_999)));

    assertThat(h.overlappingHoldings()).singleElement().asString()
        .contains(B + " was granted token 2 at 6999 while " + A + "'s token 1 ran until 7000 (never released)");
  }

  @Test
  void overlappingHoldings_tokenOfTwoReplicas_named() {
    LeaseHistory h = new LeaseHistory(List.of(grant(A, 1, 1_000), renewal(B, 1, 2_000)));

    assertThat(h.overlappingHoldings()).singleElement().asString().contains("token 1 was held by");
  }

  @Test
  void holdingAndTakeover_leaderDiesWithItsLease_theOtherTakesOverWithANewerToken() {
    LeaseHistory h = new LeaseHistory(List.of(grant(B, 1, 500), grant(A, 2, 1_000), renewal(A, 2, 2_000),
        grant(B, 3, 7_100)));

    assertThat(h.holding(A, WEB, 2_500)).map(LeaseLine::token).contains(2L);
    assertThat(h.holding(A, WEB, 7_000)).isEmpty();
    assertThat(h.takeover(WEB, A, 2)).map(LeaseLine::replica).contains(B);
    assertThat(h.takeover(WEB, A, 3)).isEmpty();
  }
}
