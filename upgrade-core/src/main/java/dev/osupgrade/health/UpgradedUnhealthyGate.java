package dev.osupgrade.health;

import dev.osupgrade.ops.StopCode;
import dev.osupgrade.Require;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.InstanceIds;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * Azure's after-batch rule: if more than {@code maxUnhealthyUpgradedInstancePercent} of the instances upgraded so far
 * are unhealthy (failed their health timeout, or unhealthy now), the rollout stops with
 * {@code MaxUnhealthyUpgradedInstancePercentExceededInRollingUpgrade}.
 *
 * <p>A health state the library does not know ({@link Instance#healthCode()}, e.g. {@code HealthState/Degraded}: a
 * newer API's value, or a spoiled answer) is not yet a verdict: when only such instances would breach the threshold,
 * the gate waits for another look, up to {@value #UNRECOGNIZED_WAITS} times (a poll interval each, 5 minutes by
 * default, as long as Azure's health timeout), and then counts them as unhealthy.
 */
public final class UpgradedUnhealthyGate implements HealthGate {
  /** The gate's name in events. */
  public static final String NAME = "upgraded-unhealthy";
  /** How many looks the gate waits while only health states it does not know would breach the threshold. */
  public static final int UNRECOGNIZED_WAITS = 10;

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public boolean appliesTo(GatePhase phase) {
    return phase == GatePhase.AFTER_BATCH;
  }

  @Override
  public GateVerdict evaluate(GateContext context) {
    Require.nonNull(context, "context");
    Set<String> unhealthy = new TreeSet<>(context.failed());
    for (Instance i : context.fleet().instances()) {
      if (context.upgraded().contains(i.instanceId()) && i.health().countsAsUnhealthy()) {
        unhealthy.add(i.instanceId());
      }
    }
    int upgraded = context.upgraded().size();
    int bad = unhealthy.size();
    int unrecognized = 0;
    for (Instance i : context.fleet().instances()) {
      if (unhealthy.contains(i.instanceId()) && !context.failed().contains(i.instanceId())
          && i.healthCode() != null) {
        unrecognized++;
      }
    }
    if (unrecognized > 0 && context.waits() < UNRECOGNIZED_WAITS
        && context.policy().unhealthyUpgradedPercent().isExceededBy(bad, upgraded)
        && !context.policy().unhealthyUpgradedPercent().isExceededBy(bad - unrecognized, upgraded)) {
      return GateVerdict.waitUntil(NAME, String.format(Locale.ROOT, "%d of %d upgraded instances report a health"
          + " state this library does not know; looking again before counting them as unhealthy", unrecognized,
          upgraded), context.now(), Measurement.of("unrecognizedHealth", unrecognized),
          Measurement.of("upgraded", upgraded));
    }
    int limit = context.policy().maxUnhealthyUpgradedInstancePercent();
    int share = upgraded == 0 ? 0 : (int) Math.round(100.0 * bad / upgraded);
    Measurement[] numbers = {Measurement.of("unhealthyUpgraded", bad), Measurement.of("upgraded", upgraded),
        Measurement.of("limitPercent", limit)};
    if (context.policy().unhealthyUpgradedPercent().isExceededBy(bad, upgraded)) {
      String first = unhealthy.stream().min(InstanceIds.ORDER).orElse("?");
      return GateVerdict.fail(NAME, StopCode.MAX_UNHEALTHY_UPGRADED, String.format(Locale.ROOT,
          "Rolling Upgrade failed after exceeding the MaxUnhealthyUpgradedInstancePercent value defined in the "
              + "RollingUpgradePolicy. %d%% of instances (%d of %d) are in an unhealthy state after being upgraded"
              + " - more than the threshold of %d%%. The most impactful error is: Instance found to be unhealthy "
              + "or unreachable. First failed instance ID is: %s.", share, bad, upgraded, limit, first), numbers);
    }
    return GateVerdict.pass(NAME, String.format(Locale.ROOT,
        "%d of %d upgraded instances (%d%%) are unhealthy, within the threshold of %d%%", bad, upgraded, share,
        limit), numbers);
  }

  @Override
  public String toString() {
    return NAME;
  }
}
