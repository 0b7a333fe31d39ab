package dev.osupgrade.testkit;

import dev.osupgrade.Require;
import dev.osupgrade.estate.GovernanceMode;
import dev.osupgrade.estate.ObservedTimings;
import dev.osupgrade.estate.Rehearsal;
import dev.osupgrade.estate.RehearsalBudget;
import dev.osupgrade.estate.RehearsalRequest;
import dev.osupgrade.estate.RehearsalResult;
import dev.osupgrade.fleet.HealthState;
import dev.osupgrade.fleet.Instance;
import dev.osupgrade.fleet.ScaleSet;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.governance.Environment;
import dev.osupgrade.image.ImageReference;
import dev.osupgrade.image.ImageRelease;
import dev.osupgrade.ops.RolloutStatus;
import dev.osupgrade.policy.UpgradePolicy;
import dev.osupgrade.rollout.Rollout;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Rehearses a ring on a twin: a fresh {@link SimulatedFleet} holding a copy of each scale set of the ring as the ports
 * read it ({@link ScaleSetSpec#like}: zones, update and fault domains, policies, each instance's image, health and
 * protection), with the simulator's timings scaled so that a batch takes what batches took in the estate's past
 * rollouts ({@link ObservedTimings}; the simulator's defaults before anything was observed). It runs the ring's
 * rollouts there, all at once as the ring would, and measures the predicted makespan (from the start until the last
 * scale set's rollout ended) and the lowest healthy share of any scale set (sampled at every step of the twin's
 * clock). A scale set in governed platform mode is rehearsed as an orchestrated rollout with the policy the platform
 * would follow ({@code policyForAutomaticOsUpgrade()}); window waits are not part of the makespan.
 *
 * <p>Nothing of the real estate is touched: the twin is built from the request alone. The same request (with its seed)
 * gives the same result. A rollout that does not complete on the twin — it faults, or has not ended after
 * {@link RehearsalBudget#MAX_MAKESPAN} of twin time — is a problem of the result, which the governor treats as a
 * breach.
 *
 * <p><b>In a production service</b> the governor takes it as {@code .rehearsal(TwinRehearsal.create())}, with
 * {@code upgrade-testkit} on the service's runtime classpath ({@code <scope>runtime</scope>} or compile): the twin is
 * this simulator, and core may not depend on it. The testkit brings junit-jupiter-api and assertj-core along; the twin
 * itself does not use them.
 */
public final class TwinRehearsal implements Rehearsal {
  /** What the simulator's default timings make a batch take, roughly: upgrade, boot, health, the polls between. */
  static final Duration DEFAULT_BATCH = Duration.ofSeconds(300);

  private TwinRehearsal() {}

  /** @return a rehearsal on a fresh twin per request */
  public static TwinRehearsal create() {
    return new TwinRehearsal();
  }

  /**
   * The simulator's timings tuned to what was observed: every duration scaled by the observed median batch over
   * {@link #DEFAULT_BATCH}; the defaults when nothing was observed.
   *
   * @param timings what past rollouts took
   * @return the profile
   */
  public static SimulationProfile profileFor(ObservedTimings timings) {
    Require.nonNull(timings, "timings");
    SimulationProfile d = SimulationProfile.ofDefaults();
    if (!timings.isKnown() || timings.medianBatch().isZero()) {
      return d;
    }
    double f = (double) timings.medianBatch().toMillis() / DEFAULT_BATCH.toMillis();
    return new SimulationProfile(scale(d.upgradeMin(), f), scale(d.upgradeMax(), f), scale(d.bootMin(), f),
        scale(d.bootMax(), f), scale(d.settleMin(), f), scale(d.settleMax(), f));
  }

  private static Duration scale(Duration d, double f) {
    long ms = Math.round(d.toMillis() * f);
    return Duration.ofMillis(Math.max(1, Math.min(ms, SimulationProfile.MAX_DURATION.toMillis())));
  }

  @Override
  public RehearsalResult rehearse(RehearsalRequest request) {
    Require.nonNull(request, "request");
    VirtualClock clock = VirtualClock.create();
    SimulatedFleet twin = SimulatedFleet.create(request.seed(), clock, profileFor(request.timings()));
    Instant start = clock.instant();
    List<String> problems = new ArrayList<>();
    Map<ScaleSetId, ScaleSetId> original = new LinkedHashMap<>();
    Set<ImageReference> images = new LinkedHashSet<>();
    for (ScaleSet s : request.scaleSets()) {
      s.instances().forEach(i -> images.add(i.image()));
      images.add(s.modelImage().isLatest() ? s.modelImage().withVersion(request.target()) : s.modelImage());
      images.add(s.modelImage().withVersion(request.target()));
    }
    for (ImageReference image : images) {
      twin.publish(ImageRelease.marketplace(image, start.minus(Duration.ofHours(1)))); // everywhere, already
    }
    Map<ScaleSetId, Rollout> rollouts = new LinkedHashMap<>();
    for (ScaleSet s : request.scaleSets()) {
      ScaleSet copy = s;
      if (request.modes().get(s.id()) == GovernanceMode.GOVERNED_PLATFORM || s.modelImage().isLatest()) {
        // the platform's own rules, rehearsed by the same engine: its policy, the model pinned for the twin
        UpgradePolicy policy = UpgradePolicy.manual().withRolling(s.upgradePolicy().policyForAutomaticOsUpgrade());
        copy = s.withUpgradePolicy(policy);
      }
      ScaleSetId id;
      try {
        id = twin.add(ScaleSetSpec.like(copy));
      } catch (RuntimeException e) {
        problems.add(s.id() + " cannot be copied to the twin: " + e.getMessage());
        continue;
      }
      original.put(id, s.id());
      rollouts.put(id, Rollout.builder(twin, id).target(request.target()).clock(clock).options(request.options())
          .environment(Environment.TEST).build());
    }
    Map<ScaleSetId, Integer> lowest = new LinkedHashMap<>();
    sample(twin, original.keySet(), lowest);
    Instant deadline = start.plus(RehearsalBudget.MAX_MAKESPAN);
    Instant lastEnd = start;
    Set<ScaleSetId> refusedOnTwin = new LinkedHashSet<>();
    while (true) {
      Instant next = null;
      for (Map.Entry<ScaleSetId, Rollout> e : rollouts.entrySet()) {
        Rollout r = e.getValue();
        if (r.isDone() || refusedOnTwin.contains(e.getKey())) {
          continue;
        }
        Optional<Instant> again;
        try {
          again = r.advance();
        } catch (RuntimeException refused) {
          problems.add(original.get(e.getKey()) + " was refused on the twin: " + refused.getMessage());
          refusedOnTwin.add(e.getKey());
          again = Optional.empty();
        }
        if (r.isDone()) {
          lastEnd = clock.instant();
        } else if (again.isPresent()) {
          next = next == null || again.get().isBefore(next) ? again.get() : next;
        }
      }
      sample(twin, original.keySet(), lowest);
      if (next == null) {
        break;
      }
      if (next.isAfter(deadline)) {
        problems.add("rollouts still running after " + RehearsalBudget.MAX_MAKESPAN.toDays() + " days of twin time");
        break;
      }
      clock.advanceTo(next);
    }
    List<String> plan = new ArrayList<>();
    rollouts.forEach((id, r) -> {
      ScaleSetId real = original.get(id);
      plan.add(real + ": " + r.plan().map(p -> p.batches().size() + " batch(es) of at most " + p.batchSize()
          + " of " + p.instanceCount() + " instance(s)" + (p.skipped().isEmpty() ? "" : ", " + p.skipped().size()
              + " skipped")).orElse("no plan (" + r.status().azureName() + ")"));
      if (r.status() != RolloutStatus.COMPLETED && problems.stream().noneMatch(x -> x.startsWith(real.toString()))) {
        problems.add(real + " ended " + r.status().azureName() + r.error().map(err -> " [" + err.code() + "] "
            + err.message()).orElse(""));
      }
    });
    ScaleSetId lowestAt = null;
    int lowestPercent = 100;
    for (Map.Entry<ScaleSetId, Integer> e : lowest.entrySet()) {
      if (e.getValue() < lowestPercent) {
        lowestPercent = e.getValue();
        lowestAt = original.get(e.getKey());
      }
    }
    Duration makespan = Duration.between(start, lastEnd);
    return new RehearsalResult(request.family(), request.ring(), request.target(), request.scaleSets().size(),
        request.instances(), plan, makespan.compareTo(RehearsalBudget.MAX_MAKESPAN) > 0 ? RehearsalBudget.MAX_MAKESPAN
            : makespan, lowestPercent, lowestAt, problems);
  }

  /** The healthy share of each twin scale set now, keeping the lowest seen. */
  private static void sample(SimulatedFleet twin, Set<ScaleSetId> ids, Map<ScaleSetId, Integer> lowest) {
    for (ScaleSetId id : ids) {
      List<Instance> instances = twin.peek(id).instances();
      if (instances.isEmpty()) {
        continue;
      }
      long healthy = instances.stream().filter(i -> i.health() == HealthState.HEALTHY).count();
      int percent = (int) (healthy * 100 / instances.size());
      lowest.merge(id, percent, Math::min);
    }
  }

  @Override
  public String toString() {
    return "TwinRehearsal[a fresh simulated twin per ring]";
  }
}
