package dev.osupgrade.plan;

import dev.osupgrade.Require;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.InstanceIds;
import dev.osupgrade.fleet.ScaleSet;
import dev.osupgrade.fleet.Zone;
import dev.osupgrade.image.ImageVersion;
import dev.osupgrade.policy.RollingUpgradePolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.ToIntFunction;

/**
 * Plans a rollout by Azure's documented batching rules. A pure function: the same snapshot, policy and target always
 * give the same plan.
 *
 * <ol>
 *   <li>A batch holds at most {@code maxBatchInstancePercent} of the scale set's instance count, rounded down, never
 *       fewer than one: a set of five or fewer instances goes one instance at a time.</li>
 *   <li>Without {@code enableCrossZoneUpgrade}, a batch never spans two zones and zones go one after another
 *       (regional instances first, then zone 1, 2, 3).</li>
 *   <li>Batches respect update-domain boundaries: a batch is either part of one update domain or a set of whole
 *       update domains, never part of one domain together with another (so no two domains are ever partly down at
 *       once). Update domains go in ascending order, fault domain and instance id break ties.</li>
 *   <li>On a Flexible scale set, which has no update domains, batches respect fault-domain boundaries by the same
 *       rule ({@link FaultDomainBatching}, with the sources).</li>
 *   <li>With {@code prioritizeUnhealthyInstances}, every unhealthy (Unhealthy or Unknown) instance is planned before
 *       any healthy one, by the same rules.</li>
 *   <li>Instances already on the target version, instances protected from scale-set actions and instances under a
 *       {@code ReadOnly} resource lock are skipped.</li>
 * </ol>
 */
public final class BatchPlanner {
  private BatchPlanner() {}

  /**
   * Plans with the default estimate assumptions.
   *
   * @param scaleSet the fleet snapshot
   * @param policy the rolling policy
   * @param target the version to roll out
   * @return the plan
   */
  public static RolloutPlan plan(ScaleSet scaleSet, RollingUpgradePolicy policy, ImageVersion target) {
    return plan(scaleSet, policy, target, PlanOptions.ofDefaults());
  }

  /**
   * Plans a rollout.
   *
   * @param scaleSet the fleet snapshot
   * @param policy the rolling policy
   * @param target the version to roll out
   * @param options assumptions for the estimate
   * @return the plan
   */
  public static RolloutPlan plan(ScaleSet scaleSet, RollingUpgradePolicy policy, ImageVersion target,
      PlanOptions options) {
    Require.nonNull(scaleSet, "scaleSet");
    Require.nonNull(policy, "policy");
    Require.nonNull(target, "target");
    Require.nonNull(options, "options");

    int total = scaleSet.instanceCount();
    int size = policy.batchSizeFor(total);
    List<SkippedInstance> skipped = new ArrayList<>();
    List<Instance> candidates = new ArrayList<>();
    for (Instance i : sortedById(scaleSet.instances())) {
      if (i.runs(target)) {
        skipped.add(new SkippedInstance(i.instanceId(), SkippedInstance.Reason.ALREADY_ON_TARGET));
      } else if (i.protectedFromUpgrade()) {
        skipped.add(new SkippedInstance(i.instanceId(), i.lock().blocksUpdate() ? SkippedInstance.Reason.LOCKED
            : SkippedInstance.Reason.PROTECTED));
      } else {
        candidates.add(i);
      }
    }

    List<Batch> batches = batchesOf(candidates, policy, size, 1, scaleSet.isFlexible());
    PlanEstimate estimate = estimate(scaleSet, policy, batches, options);
    return new RolloutPlan(scaleSet.id(), target, policy, total, size, batches, skipped, estimate);
  }

  /**
   * Plans instances that joined a rollout after its plan was made (created by a scale-out, unprotected, or back after
   * they were missing) by the same rules as the plan itself: batch size from the scale set's instance count now,
   * zones one at a time without cross-zone upgrade, update-domain boundaries (fault-domain boundaries on Flexible), unhealthy first when asked. Their
   * batches come after the plan's own, numbered on from its last.
   *
   * @param plan the plan so far
   * @param scaleSet the scale set as observed now
   * @param joiners the instances to add (each listed by {@code scaleSet}, not on the target, not protected)
   * @return the plan with the joiners' batches appended (the same plan when there are none)
   */
  public static RolloutPlan extend(RolloutPlan plan, ScaleSet scaleSet, List<Instance> joiners) {
    Require.nonNull(plan, "plan");
    Require.nonNull(scaleSet, "scaleSet");
    Require.noNulls("joiners", joiners);
    if (joiners.isEmpty()) {
      return plan;
    }
    RollingUpgradePolicy policy = plan.policy();
    List<Batch> batches = new ArrayList<>(plan.batches());
    batches.addAll(batchesOf(sortedById(joiners), policy, policy.batchSizeFor(scaleSet.instanceCount()),
        batches.size() + 1, scaleSet.isFlexible()));
    return new RolloutPlan(plan.scaleSet(), plan.target(), policy, plan.instanceCount(), plan.batchSize(), batches,
        plan.skipped(), plan.estimate());
  }

  /**
   * The batching rules, on instances to upgrade: unhealthy first when asked, zone by zone, by update domain (by fault
   * domain on a Flexible scale set).
   */
  private static List<Batch> batchesOf(List<Instance> candidates, RollingUpgradePolicy policy, int size,
      int firstNumber, boolean flexible) {
    List<List<Instance>> passes = new ArrayList<>();
    if (policy.prioritizeUnhealthyInstances()) {
      passes.add(candidates.stream().filter(i -> i.health().countsAsUnhealthy()).toList());
      passes.add(candidates.stream().filter(i -> !i.health().countsAsUnhealthy()).toList());
    } else {
      passes.add(candidates);
      passes.add(List.of());
    }
    List<Batch> batches = new ArrayList<>();
    for (int pass = 0; pass < passes.size(); pass++) {
      boolean unhealthyFirst = policy.prioritizeUnhealthyInstances() && pass == 0;
      for (List<Instance> group : groupByZone(passes.get(pass), policy.enableCrossZoneUpgrade())) {
        if (flexible) {
          for (List<Instance> chunk : FaultDomainBatching.chunk(group, size)) {
            batches.add(FaultDomainBatching.toBatch(firstNumber + batches.size(), chunk, unhealthyFirst));
          }
          continue;
        }
        for (List<Instance> chunk : chunkByUpdateDomain(group, size)) {
          batches.add(toBatch(firstNumber + batches.size(), chunk, unhealthyFirst));
        }
      }
    }
    return batches;
  }

  private static List<Instance> sortedById(List<Instance> instances) {
    return instances.stream().sorted(Comparator.comparing(Instance::instanceId, InstanceIds.ORDER)).toList();
  }

  private static List<List<Instance>> groupByZone(List<Instance> instances, boolean crossZone) {
    if (crossZone) {
      return instances.isEmpty() ? List.of() : List.of(instances);
    }
    Map<Zone, List<Instance>> byZone = new TreeMap<>();
    for (Instance i : instances) {
      byZone.computeIfAbsent(i.zone(), z -> new ArrayList<>()).add(i);
    }
    return new ArrayList<>(byZone.values());
  }

  private static List<List<Instance>> chunkByUpdateDomain(List<Instance> group, int size) {
    return chunkByDomain(group, size, Instance::updateDomain, Comparator.comparingInt(Instance::faultDomain)
        .thenComparing(Instance::instanceId, InstanceIds.ORDER));
  }

  /**
   * The one domain rule of both modes: a batch is either part of one domain or a set of whole domains, never part of
   * one together with another; domains go in ascending order.
   *
   * @param group one zone's instances (or all, with cross-zone upgrade)
   * @param size the batch size, at least 1
   * @param domain the domain of an instance (update domain on Uniform, fault domain on Flexible)
   * @param order the order inside a domain
   * @return the chunks, in upgrade order
   */
  static List<List<Instance>> chunkByDomain(List<Instance> group, int size, ToIntFunction<Instance> domain,
      Comparator<Instance> order) {
    Map<Integer, List<Instance>> byDomain = new TreeMap<>();
    for (Instance i : group) {
      byDomain.computeIfAbsent(domain.applyAsInt(i), d -> new ArrayList<>()).add(i);
    }
    List<List<Instance>> chunks = new ArrayList<>();
    List<Instance> current = new ArrayList<>();
    for (List<Instance> members : byDomain.values()) {
      List<Instance> ordered = members.stream().sorted(order).toList();
      if (ordered.size() > size) {
        // A domain larger than a batch is split into batches of its own.
        if (!current.isEmpty()) {
          chunks.add(current);
          current = new ArrayList<>();
        }
        for (int from = 0; from < ordered.size(); from += size) {
          chunks.add(new ArrayList<>(ordered.subList(from, Math.min(ordered.size(), from + size))));
        }
      } else {
        // Whole domains share a batch while they fit.
        if (current.size() + ordered.size() > size) {
          chunks.add(current);
          current = new ArrayList<>();
        }
        current.addAll(ordered);
      }
    }
    if (!current.isEmpty()) {
      chunks.add(current);
    }
    return chunks;
  }

  private static Batch toBatch(int number, List<Instance> chunk, boolean unhealthyFirst) {
    Set<Zone> zones = new TreeSet<>();
    Set<Integer> domains = new TreeSet<>();
    for (Instance i : chunk) {
      zones.add(i.zone());
      domains.add(i.updateDomain());
    }
    return new Batch(number, chunk.stream().map(Instance::instanceId).toList(), new ArrayList<>(zones),
        new ArrayList<>(domains), unhealthyFirst);
  }

  private static PlanEstimate estimate(ScaleSet scaleSet, RollingUpgradePolicy policy, List<Batch> batches,
      PlanOptions options) {
    int total = scaleSet.instanceCount();
    Set<String> unhealthyNow = new HashSet<>();
    for (Instance i : scaleSet.instances()) {
      if (i.health().countsAsUnhealthy()) {
        unhealthyNow.add(i.instanceId());
      }
    }
    int lowest = total - unhealthyNow.size();
    int surge = 0;
    for (Batch b : batches) {
      // Instances upgraded in earlier batches are assumed healthy again.
      int down = unhealthyNow.size();
      if (policy.maxSurge()) {
        surge = Math.max(surge, b.size());
      } else {
        for (String id : b.instanceIds()) {
          if (!unhealthyNow.contains(id)) {
            down++;
          }
        }
      }
      lowest = Math.min(lowest, total - down);
      b.instanceIds().forEach(unhealthyNow::remove);
    }
    Duration time = options.estimatedBatchTime().multipliedBy(batches.size());
    if (batches.size() > 1) {
      time = time.plus(policy.pauseTimeBetweenBatches().multipliedBy(batches.size() - 1L));
    }
    return new PlanEstimate(batches.size(), time, Math.max(0, lowest), total, surge);
  }
}
