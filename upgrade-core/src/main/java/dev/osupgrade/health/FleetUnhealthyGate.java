package dev.osupgrade.health;

import dev.osupgrade.Require;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.InstanceIds;
import dev.osupgrade.fleet.ScaleSet;
import dev.osupgrade.ops.StopCode;
import dev.osupgrade.policy.Percent;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Azure's before-batch rule: if more than {@code maxUnhealthyInstancePercent} of the whole scale set is unhealthy
 * (Unhealthy or Unknown, for any reason), the rollout stops with
 * {@code MaxUnhealthyInstancePercentExceededBeforeRollingUpgrade} before the first batch and
 * {@code MaxUnhealthyInstancePercentExceededInRollingUpgrade} later.
 *
 * <p><b>The whole set, even when the look is short.</b> Azure judges the set it holds; a rollout judges a listing,
 * which can leave instances out (a page lost or answered empty). The share is therefore taken over the instances the
 * look shows <em>and</em> those the rollout knows exist that it does not show ({@link GateContext#unaccounted}): a
 * short listing neither shrinks the denominator nor drops the unhealthy instances it left out. Instances whose health
 * the gate cannot determine are those unaccounted ones, and listed ones whose health code the library does not know
 * ({@link Instance#healthCode()}: a newer API version's value, read as {@code UNKNOWN} with the raw text kept). The
 * verdict, with {@code r} the instances reported Unhealthy or Unknown, {@code u} the undetermined ones and {@code n}
 * the whole set:
 * <ul>
 *   <li><b>fail</b> when {@code r} alone is more than the budget of {@code n}: over budget even if every undetermined
 *       instance is healthy, a true breach;</li>
 *   <li><b>wait</b> (ask again at the next look: {@link GateVerdict.Wait} with {@code until} = now) when
 *       {@code r + u} would be: the batch does not start while the fleet may be over budget, and the rollout does not
 *       stop for what it has not seen. The rollout reads the unaccounted instances one by one meanwhile; one found
 *       joins the look with its health, one found gone (404) leaves the set;</li>
 *   <li><b>pass</b> when {@code r + u} is within it: within budget whatever the undetermined instances report.</li>
 * </ul>
 * A health Azure reports as Unknown (or an instance without an instance view) counts as unhealthy, as Azure counts it
 * for its own gates; only a code the library cannot read is undetermined.
 */
public final class FleetUnhealthyGate implements HealthGate {
  /** The gate's name in events. */
  public static final String NAME = "fleet-unhealthy";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public boolean appliesTo(GatePhase phase) {
    return phase == GatePhase.BEFORE_BATCH;
  }

  @Override
  public GateVerdict evaluate(GateContext context) {
    Require.nonNull(context, "context");
    ScaleSet fleet = context.fleet();
    int missing = context.unaccounted().size();
    int total = fleet.instanceCount() + missing;
    int unhealthy = 0;
    List<String> unreadable = new ArrayList<>();
    for (Instance i : fleet.instances()) {
      if (i.healthCode() != null) {
        unreadable.add(i.instanceId());
      } else if (i.health().countsAsUnhealthy()) {
        unhealthy++;
      }
    }
    int undetermined = missing + unreadable.size();
    int limit = context.policy().maxUnhealthyInstancePercent();
    Percent budget = context.policy().unhealthyPercent();
    List<Measurement> numbers = new ArrayList<>(List.of(Measurement.of("unhealthy", unhealthy),
        Measurement.of("instances", total), Measurement.of("limitPercent", limit)));
    if (undetermined > 0) {
      numbers.add(Measurement.of("unaccounted", missing));
      numbers.add(Measurement.of("unreadableHealth", unreadable.size()));
    }
    Measurement[] measured = numbers.toArray(new Measurement[0]);
    String share = String.format(Locale.ROOT, "%d of %d instances (%d%%) are unhealthy", unhealthy, total,
        total == 0 ? 0 : (int) Math.round(100.0 * unhealthy / total)) + undeterminedText(context, unreadable);
    if (budget.isExceededBy(unhealthy, total)) {
      StopCode code = context.isFirstBatch() ? StopCode.MAX_UNHEALTHY_BEFORE : StopCode.MAX_UNHEALTHY_IN;
      return GateVerdict.fail(NAME, code, share + " - more than the threshold of " + limit + "%", measured);
    }
    if (budget.isExceededBy(unhealthy + undetermined, total)) {
      return GateVerdict.waitUntil(NAME, share + " - more than the threshold of " + limit + "% if the "
          + undetermined + " undetermined are unhealthy: the batch waits until they are accounted for",
          context.now(), measured);
    }
    return GateVerdict.pass(NAME, share + ", within the threshold of " + limit + "%", measured);
  }

  private static String undeterminedText(GateContext context, List<String> unreadable) {
    StringBuilder out = new StringBuilder();
    if (!context.unaccounted().isEmpty()) {
      out.append("; ").append(context.unaccounted().size()).append(" known to the rollout but missing from the look ")
          .append(InstanceIds.format(InstanceIds.sorted(context.unaccounted())));
    }
    if (!unreadable.isEmpty()) {
      out.append("; ").append(unreadable.size()).append(" with a health code the library cannot read ")
          .append(InstanceIds.format(unreadable));
    }
    return out.toString();
  }

  @Override
  public String toString() {
    return NAME;
  }
}
