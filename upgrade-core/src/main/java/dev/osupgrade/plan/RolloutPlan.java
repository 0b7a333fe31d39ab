package dev.osupgrade.plan;

import dev.osupgrade.Require;
import dev.osupgrade.fleet.InstanceIds;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.image.ImageVersion;
import dev.osupgrade.policy.RollingUpgradePolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The batches a rollout will take, in order, with the instances it skips and an estimate. Made by
 * {@link BatchPlanner#plan}. {@link #toString()} prints a table.
 *
 * @param scaleSet the scale set
 * @param target the version to roll out
 * @param policy the rolling policy the plan follows
 * @param instanceCount the instance count of the whole set when planned
 * @param batchSize the largest batch the policy allows for that count
 * @param batches the batches, in order
 * @param skipped the instances left alone
 * @param estimate the expected cost
 */
public record RolloutPlan(
    ScaleSetId scaleSet,
    ImageVersion target,
    RollingUpgradePolicy policy,
    int instanceCount,
    int batchSize,
    List<Batch> batches,
    List<SkippedInstance> skipped,
    PlanEstimate estimate) {

  /** Validates and copies. */
  public RolloutPlan {
    Require.nonNull(scaleSet, "scaleSet");
    Require.nonNull(target, "target");
    Require.nonNull(policy, "policy");
    batches = List.copyOf(Require.noNulls("batches", batches));
    skipped = List.copyOf(Require.noNulls("skipped", skipped));
    Require.nonNull(estimate, "estimate");
  }

  /**
   * The extra cost of max surge: instance-hours of the new instances that run beside the old ones while each batch
   * upgrades (each batch's size times its expected time). Zero without {@code maxSurge}.
   *
   * @return the extra instance-hours, expected
   */
  public double surgeInstanceHours() {
    if (!policy.maxSurge() || batches.isEmpty()) {
      return 0;
    }
    Duration pauses = policy.pauseTimeBetweenBatches().multipliedBy(batches.size() - 1L);
    double hoursPerBatch = estimate.fleetTime().minus(pauses).toSeconds() / 3600.0 / batches.size();
    return instancesToUpgrade() * hoursPerBatch;
  }

  /** @return the number of instances the plan upgrades */
  public int instancesToUpgrade() {
    return batches.stream().mapToInt(Batch::size).sum();
  }

  /**
   * Returns a batch by number.
   *
   * @param number from 1
   * @return the batch
   */
  public Batch batch(int number) {
    return batches.get(Require.inRange("number", number, 1, batches.size()) - 1);
  }

  /**
   * Finds the batch that upgrades an instance.
   *
   * @param instanceId the instance
   * @return its batch, if the plan upgrades it
   */
  public Optional<Batch> batchOf(String instanceId) {
    Require.nonNull(instanceId, "instanceId");
    return batches.stream().filter(b -> b.instanceIds().contains(instanceId)).findFirst();
  }

  /** @return a one-line summary */
  public String summary() {
    return "RolloutPlan[" + scaleSet + " -> " + target + ", " + instancesToUpgrade() + " instances in "
        + batches.size() + " batches of at most " + batchSize + ", " + skipped.size() + " skipped]";
  }

  /**
   * @return the plan as a table: batch, zone, update domains (fault domains for a Flexible scale set), instances; then
   *     skipped instances and the estimate
   */
  @Override
  public String toString() {
    StringBuilder out = new StringBuilder();
    out.append("Rollout plan for ").append(scaleSet).append(" -> ").append(target).append(" (")
        .append(instanceCount).append(" instances, batch size ").append(batchSize).append(", ").append(policy)
        .append(")\n");
    boolean byFaultDomain = !batches.isEmpty() && batches.stream().allMatch(Batch::byFaultDomain);
    out.append(String.format(Locale.ROOT, "%5s  %-9s %-8s %s%n", "batch", "zone", byFaultDomain ? "FDs" : "UDs",
        "instances"));
    for (Batch b : batches) {
      String zone = b.zones().size() == 1 ? b.zones().get(0).toString()
          : b.zones().stream().map(z -> z.isRegional() ? "-" : z.name()).collect(Collectors.joining("+", "zones ", ""));
      List<Integer> domains = b.byFaultDomain() ? b.faultDomains() : b.updateDomains();
      String uds = (b.byFaultDomain() == byFaultDomain ? "" : b.byFaultDomain() ? "FD " : "UD ")
          + (domains.size() == 1 ? String.valueOf(domains.get(0))
              : domains.get(0) + "-" + domains.get(domains.size() - 1));
      out.append(String.format(Locale.ROOT, "%5d  %-9s %-8s %s%s%n", b.number(), zone, uds,
          String.join(", ", b.instanceIds()), b.unhealthyFirst() ? "  (unhealthy first)" : ""));
    }
    if (batches.isEmpty()) {
      out.append("  (nothing to upgrade)\n");
    }
    List<String> skips = new ArrayList<>();
    for (SkippedInstance.Reason reason : SkippedInstance.Reason.values()) {
      List<String> ids = skipped.stream().filter(s -> s.reason() == reason).map(SkippedInstance::instanceId).toList();
      if (!ids.isEmpty()) {
        skips.add(ids.size() + " " + reason.name().toLowerCase(Locale.ROOT).replace('_', ' ') + " "
            + InstanceIds.format(ids));
      }
    }
    out.append("skipped: ").append(skips.isEmpty() ? "none" : String.join(", ", skips)).append('\n');
    out.append("estimate: ").append(estimate);
    if (policy.maxSurge() && !batches.isEmpty()) {
      out.append(String.format(Locale.ROOT, ", ~%.1f extra instance-hours for surge", surgeInstanceHours()));
    }
    return out.toString();
  }
}
