package dev.osupgrade.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osupgrade.InvalidValueException;
import dev.osupgrade.testkit.ComputeThrottling.Policy;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ComputeThrottlingTest {
  private static final Instant T0 = Instant.parse("2026-01-05T00:00:00Z");
  private static final String SUB = "00000000-0000-0000-0000-000000000000";
  private static final String WEB = "/subscriptions/" + SUB + "/resourcegroups/rg/providers/microsoft.compute/"
      + "virtualmachinescalesets/web";

  /** Requests served per minute when {@code perMinute} arrive at the start of each minute. */
  private static List<Integer> servedPerMinute(ComputeThrottling model, Policy policy, String resource, int perMinute,
      int minutes) {
    List<Integer> served = new ArrayList<>();
    for (int minute = 0; minute < minutes; minute++) {
      int ok = 0;
      for (int i = 0; i < perMinute; i++) {
        if (!model.take(T0.plus(Duration.ofMinutes(minute)).plusMillis(i), SUB, resource, policy, true).throttled()) {
          ok++;
        }
      }
      served.add(ok);
    }
    return served;
  }

  @Test
  void take_updatesAtFivePerMinute_bucketOfTwelveRefilledByFour() {
    // An Update bucket of 12 refilled by 4 a minute, 5 requests a minute: the bucket loses one token a minute, so
    // 12 + 7 x 4 = 40 tokens serve 8 minutes in full; from then on only the 4 new tokens of each minute.
    List<Integer> served = servedPerMinute(ComputeThrottling.create(), Policy.SCALE_SET_UPDATE, WEB, 5, 10);

    assertThat(served).containsExactly(5, 5, 5, 5, 5, 5, 5, 5, 4, 4);
  }

  @Test
  void take_instanceListingsEveryThirtySeconds_throttledAfterTheBucketEmpties() {
    // High Cost Get: 30 tokens, 10 a minute. A listing of 10 pages every 30 s takes 20 tokens a minute.
    ComputeThrottling model = ComputeThrottling.create();
    int throttled = 0;
    for (int look = 0; look < 20; look++) {
      for (int page = 0; page < 10; page++) {
        if (model.take(T0.plusSeconds(30L * look).plusMillis(page), SUB, WEB, Policy.SCALE_SET_HIGH_COST_GET, false)
            .throttled()) {
          throttled++;
        }
      }
    }
    // 200 pages in 10 minutes against 30 + 9 x 10 = 120 tokens
    assertThat(throttled).isEqualTo(80);
  }

  @Test
  void take_emptyResourceBucket_retryAfterIsTheNextRefill_andOtherResourcesAreServed() {
    ComputeThrottling model = ComputeThrottling.create();
    for (int i = 0; i < 30; i++) {
      assertThat(model.take(T0.plusSeconds(i), SUB, WEB, Policy.SCALE_SET_HIGH_COST_GET, false).throttled()).isFalse();
    }
    ComputeThrottling.Verdict v = model.take(T0.plusSeconds(40), SUB, WEB, Policy.SCALE_SET_HIGH_COST_GET, false);

    assertThat(v).isInstanceOfSatisfying(ComputeThrottling.Throttled.class, t -> {
      assertThat(t.bucket()).isEqualTo("resource");
      assertThat(t.retryAfter()).isEqualTo(Duration.ofSeconds(20));
      assertThat(t.remainingResourceHeader()).isEqualTo("Microsoft.Compute/VMScaleSetHighCostGet;0");
    });
    assertThat(model.take(T0.plusSeconds(40), SUB, WEB + "2", Policy.SCALE_SET_HIGH_COST_GET, false))
        .isInstanceOfSatisfying(ComputeThrottling.Served.class, s -> {
          assertThat(s.resourceRemaining()).isEqualTo(29);
          assertThat(s.subscriptionRemaining()).isEqualTo(1_080 - 31);
          assertThat(s.remainingResourceHeader()).isEqualTo(
              "Microsoft.Compute/VMScaleSetHighCostGet;29,Microsoft.Compute/VMScaleSetHighCostGetSubscription;1049");
        });
    assertThat(model.take(T0.plusSeconds(60), SUB, WEB, Policy.SCALE_SET_HIGH_COST_GET, false).throttled())
        .as("a minute after the first request the bucket has 10 tokens again").isFalse();
  }

  @Test
  void take_subscriptionBucket_sharedByEveryScaleSet() {
    // 1,080 High Cost Gets a subscription holds: 36 scale sets x 30 tokens empty it, the 37th finds it empty (one
    // every 50 ms, so ARM's 25 reads a second are not what stops them).
    ComputeThrottling model = ComputeThrottling.create();
    int served = 0;
    for (int set = 0; set < 37; set++) {
      for (int i = 0; i < 30; i++) {
        if (!model.take(T0.plusMillis((set * 30L + i) * 50), SUB, WEB + set, Policy.SCALE_SET_HIGH_COST_GET, false)
            .throttled()) {
          served++;
        }
      }
    }
    assertThat(served).isEqualTo(1_080);
    assertThat(model.take(T0.plusSeconds(59), SUB, WEB + "x", Policy.SCALE_SET_HIGH_COST_GET, false))
        .isInstanceOfSatisfying(ComputeThrottling.Throttled.class, t -> assertThat(t.bucket())
            .isEqualTo("subscription"));
    assertThat(model.take(T0.plusSeconds(59), "11111111-1111-1111-1111-111111111111", WEB,
        Policy.SCALE_SET_HIGH_COST_GET, false).throttled()).as("another subscription has its own").isFalse();
  }

  @Test
  void take_vmListings_onlyTheSubscriptionsBucket_900ThenThrottledWhateverTheResource() {
    // High Cost Get VM (VirtualMachines_List, a Flexible scale set's VM listing): Azure documents no resource level,
    // 900 a subscription, 300 a minute. One resource may spend all 900 (one every 200 ms, within ARM's 25 a second).
    ComputeThrottling model = ComputeThrottling.create();
    String vms = "/subscriptions/" + SUB + "/resourcegroups/rg/providers/microsoft.compute/virtualmachines";
    for (int i = 0; i < 900; i++) {
      ComputeThrottling.Verdict v = model.take(T0.plusMillis(i * 50L), SUB, vms, Policy.VM_HIGH_COST_GET, false);
      assertThat(v.throttled()).as("page %d", i + 1).isFalse();
      if (i == 0) {
        assertThat(((ComputeThrottling.Served) v).remainingResourceHeader())
            .isEqualTo("Microsoft.Compute/VMHighCostGetSubscription;899");
      }
    }
    assertThat(model.take(T0.plusSeconds(50), SUB, vms + "2", Policy.VM_HIGH_COST_GET, false))
        .isInstanceOfSatisfying(ComputeThrottling.Throttled.class, t -> {
          assertThat(t.bucket()).isEqualTo("subscription");
          assertThat(t.retryAfter()).isEqualTo(Duration.ofSeconds(10));
        });
    assertThat(model.take(T0.plusSeconds(50), SUB, WEB, Policy.SCALE_SET_HIGH_COST_GET, false).throttled())
        .as("a scale set's instance listing spends other buckets").isFalse();
    assertThat(Policy.VM_HIGH_COST_GET.hasResourceBucket()).isFalse();
    assertThat(Policy.VM_LOW_COST_GET.hasResourceBucket()).isTrue();
  }

  @Test
  void take_armReadsOnly_250ThenTwentyFiveASecond() {
    ComputeThrottling model = ComputeThrottling.create();
    int served = 0;
    for (int i = 0; i < 300; i++) {
      if (!model.take(T0.plusMillis(i), SUB, "/images/" + i, null, false).throttled()) {
        served++;
      }
    }
    assertThat(served).isEqualTo(ComputeThrottling.ARM_READS_MAX);
    assertThat(model.take(T0.plusSeconds(1), SUB, "/images", null, false))
        .isInstanceOfSatisfying(ComputeThrottling.Served.class, s -> assertThat(s.armRemaining()).isEqualTo(24));
  }

  @Test
  void take_blankSubscription_invalidValue() {
    assertThatThrownBy(() -> ComputeThrottling.create().take(T0, " ", WEB, Policy.OPERATION_GET, false))
        .isInstanceOf(InvalidValueException.class);
  }
}
