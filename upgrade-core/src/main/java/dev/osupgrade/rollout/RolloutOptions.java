package dev.osupgrade.rollout;

import dev.osupgrade.Durations;
import dev.osupgrade.Require;
import dev.osupgrade.health.HealthGate;
import dev.osupgrade.plan.PlanOptions;
import dev.osupgrade.policy.RollingUpgradePolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * How an orchestrated rollout behaves beyond the rolling policy. Build with {@link #builder()}; defaults follow
 * Azure.
 *
 * @param policy the rolling policy; null means the scale set's own, or Azure's defaults when it has none
 * @param healthTimeout how long an upgraded instance may report Unhealthy or Unknown before it fails (Azure: 5 min);
 *     at most {@link #MAX_TIMEOUT}
 * @param instanceUpgradeTimeout how long an instance may take from the upgrade request to Healthy in all, including
 *     time spent Initializing (which otherwise waits); at most {@link #MAX_INSTANCE_UPGRADE_TIMEOUT}
 * @param pollInterval how often the runner looks at the fleet while something is in flight; at most
 *     {@link #MAX_TIMEOUT}
 * @param progressDeadline a rollout that makes no progress (no instance settles, no batch starts) for this long
 *     stops with {@code RollingUpgradeTimeoutError}; time waiting on a gate or paused by the caller does not count;
 *     at most {@link #MAX_PROGRESS_DEADLINE}
 * @param automaticRollback whether failed instances are restored to their previous image
 * @param revertModelOnFault when the rollout faults, point the model back at the image it had before, so that
 *     instances created afterwards do not take the failing image; not when it faults with
 *     {@link dev.osupgrade.ops.StopCode#UPGRADE_NOT_APPLIED} (every other instance took the image; one ARM never
 *     upgraded says nothing against it)
 * @param modelHandling whether the rollout points the model at the target ({@link ModelHandling#PIN_TARGET}, the
 *     orchestrated mode) or leaves the model alone and only upgrades instances to it
 * @param gates extra gates asked before and after each batch, after Azure's built-in two
 * @param planOptions assumptions for the plan's estimate
 * @param maxUpgradeRequestsPerInstance how many times the rollout asks for one instance's upgrade (a
 *     {@code manualupgrade} naming it): the first request, and one more each time a read finds the instance off the
 *     target after the rollout let it go (left out of every listing and read on its own, so settled as gone) and the
 *     plan is extended for it again. Once an instance has been asked this many times and is found off the target
 *     again, it is not asked again: the rollout ends {@code Faulted} with
 *     {@link dev.osupgrade.ops.StopCode#UPGRADE_NOT_APPLIED}, naming it and the count. Retries of one request (after a
 *     throttle or a lost answer) do not count; from 1 to {@link #MAX_UPGRADE_REQUESTS_PER_INSTANCE}, default
 *     {@link #DEFAULT_MAX_UPGRADE_REQUESTS_PER_INSTANCE}
 * @param looksPerBatch how many looks at the fleet a batch in flight is planned to take once the batches before it
 *     tell how long upgrades and health settling take ({@value #DEFAULT_LOOKS_PER_BATCH} by default, from
 *     {@value #MIN_LOOKS_PER_BATCH} to {@value #MAX_LOOKS_PER_BATCH}): each look is an instance listing (on Azure a
 *     High Cost Get per page), and more looks end each batch closer to its last instance becoming healthy, so a
 *     shorter rollout for more requests. The first batch, with nothing learned yet, and a batch that outlasts its
 *     looks take a few more.
 */
public record RolloutOptions(
    @Nullable RollingUpgradePolicy policy,
    Duration healthTimeout,
    Duration instanceUpgradeTimeout,
    Duration pollInterval,
    Duration progressDeadline,
    AutomaticRollback automaticRollback,
    boolean revertModelOnFault,
    ModelHandling modelHandling,
    List<HealthGate> gates,
    PlanOptions planOptions,
    int maxUpgradeRequestsPerInstance,
    int looksPerBatch) {

  /** Azure's health timeout: 5 minutes. */
  public static final Duration DEFAULT_HEALTH_TIMEOUT = Duration.ofMinutes(5);
  /** Default bound on one instance's upgrade, request to Healthy: 30 minutes. */
  public static final Duration DEFAULT_INSTANCE_UPGRADE_TIMEOUT = Duration.ofMinutes(30);
  /** Default poll interval while something is in flight: 30 seconds (Azure's LRO poll interval). */
  public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(30);
  /** Default progress deadline: 2 hours without an instance settling or a batch starting. */
  public static final Duration DEFAULT_PROGRESS_DEADLINE = Duration.ofHours(2);
  /** The longest health timeout and poll interval: 1 day. */
  public static final Duration MAX_TIMEOUT = Duration.ofDays(1);
  /**
   * The longest instance upgrade timeout: 30 days (an upgrade deferred with {@code osRollingUpgradeDeferral} waits
   * for its approval within it).
   */
  public static final Duration MAX_INSTANCE_UPGRADE_TIMEOUT = Duration.ofDays(30);
  /** Default looks planned per batch: 3. */
  public static final int DEFAULT_LOOKS_PER_BATCH = 3;
  /** The fewest looks per batch: 1 (a batch still ends only on a look that sees it done). */
  public static final int MIN_LOOKS_PER_BATCH = 1;
  /** The most looks per batch: 20. */
  public static final int MAX_LOOKS_PER_BATCH = 20;
  /** The longest progress deadline: 90 days. */
  public static final Duration MAX_PROGRESS_DEADLINE = Duration.ofDays(90);
  /**
   * Default bound on the upgrade requests for one instance: 3 (the first, and two re-plans of an instance found off
   * the target after it was let go).
   */
  public static final int DEFAULT_MAX_UPGRADE_REQUESTS_PER_INSTANCE = 3;
  /** The largest bound on the upgrade requests for one instance: 10. */
  public static final int MAX_UPGRADE_REQUESTS_PER_INSTANCE = 10;

  /** Validates the fields. */
  public RolloutOptions {
    Require.positive("healthTimeout", healthTimeout, MAX_TIMEOUT);
    Require.positive("instanceUpgradeTimeout", instanceUpgradeTimeout, MAX_INSTANCE_UPGRADE_TIMEOUT);
    Require.positive("pollInterval", pollInterval, MAX_TIMEOUT);
    Require.positive("progressDeadline", progressDeadline, MAX_PROGRESS_DEADLINE);
    Require.that(progressDeadline.compareTo(instanceUpgradeTimeout) > 0, "progressDeadline",
        "> instanceUpgradeTimeout (" + Durations.words(instanceUpgradeTimeout) + ")", progressDeadline);
    Require.that(instanceUpgradeTimeout.compareTo(healthTimeout) >= 0, "instanceUpgradeTimeout",
        ">= healthTimeout (" + Durations.words(healthTimeout) + ")", instanceUpgradeTimeout);
    Require.nonNull(automaticRollback, "automaticRollback");
    Require.nonNull(modelHandling, "modelHandling");
    gates = List.copyOf(Require.noNulls("gates", gates));
    Require.nonNull(planOptions, "planOptions");
    Require.inRange("maxUpgradeRequestsPerInstance", maxUpgradeRequestsPerInstance, 1,
        MAX_UPGRADE_REQUESTS_PER_INSTANCE);
    Require.inRange("looksPerBatch", looksPerBatch, MIN_LOOKS_PER_BATCH, MAX_LOOKS_PER_BATCH);
  }

  /** @return the defaults */
  public static RolloutOptions ofDefaults() {
    return builder().build();
  }

  /** @return a builder with the defaults */
  public static Builder builder() {
    return new Builder();
  }

  /** @return a builder starting from these options */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.policy = policy;
    b.healthTimeout = healthTimeout;
    b.instanceUpgradeTimeout = instanceUpgradeTimeout;
    b.pollInterval = pollInterval;
    b.progressDeadline = progressDeadline;
    b.automaticRollback = automaticRollback;
    b.revertModelOnFault = revertModelOnFault;
    b.modelHandling = modelHandling;
    b.gates.addAll(gates);
    b.planOptions = planOptions;
    b.maxUpgradeRequestsPerInstance = maxUpgradeRequestsPerInstance;
    b.looksPerBatch = looksPerBatch;
    return b;
  }

  /** @return the explicit rolling policy, if one was given */
  public Optional<RollingUpgradePolicy> explicitPolicy() {
    return Optional.ofNullable(policy);
  }

  /** Whether failed instances are rolled back. */
  public enum AutomaticRollback {
    /** As the scale set says: on unless its automatic OS upgrade policy has {@code disableAutomaticRollback}. */
    FROM_SCALE_SET,
    /** Always roll failed instances back. */
    ON,
    /** Never roll failed instances back. */
    OFF
  }

  /** Who owns the scale set model during a rollout. */
  public enum ModelHandling {
    /**
     * The rollout pins the model to the target version when its first batch goes (and back on a fault). Requires
     * upgrade mode Manual and automatic OS upgrade off: the orchestrated mode.
     */
    PIN_TARGET,
    /**
     * The model is left as it is (for example {@code latest}, resolved by the platform): the rollout only upgrades
     * instances to it and checks that they end on the target version. Used to drive or simulate platform-style
     * upgrades.
     */
    LEAVE_AS_IS
  }

  /** Accumulates options. Not thread-safe. */
  public static final class Builder {
    private @Nullable RollingUpgradePolicy policy;
    private Duration healthTimeout = DEFAULT_HEALTH_TIMEOUT;
    private Duration instanceUpgradeTimeout = DEFAULT_INSTANCE_UPGRADE_TIMEOUT;
    private Duration pollInterval = DEFAULT_POLL_INTERVAL;
    private Duration progressDeadline = DEFAULT_PROGRESS_DEADLINE;
    private AutomaticRollback automaticRollback = AutomaticRollback.FROM_SCALE_SET;
    private boolean revertModelOnFault = true;
    private ModelHandling modelHandling = ModelHandling.PIN_TARGET;
    private final List<HealthGate> gates = new ArrayList<>();
    private PlanOptions planOptions = PlanOptions.ofDefaults();
    private int maxUpgradeRequestsPerInstance = DEFAULT_MAX_UPGRADE_REQUESTS_PER_INSTANCE;
    private int looksPerBatch = DEFAULT_LOOKS_PER_BATCH;

    private Builder() {}

    /**
     * Uses this rolling policy instead of the scale set's.
     *
     * @param value the policy
     * @return this builder
     */
    public Builder policy(RollingUpgradePolicy value) {
      this.policy = Require.nonNull(value, "policy");
      return this;
    }

    /**
     * Sets the health timeout.
     *
     * @param value positive, at most {@link #MAX_TIMEOUT} (1 day)
     * @return this builder
     */
    public Builder healthTimeout(Duration value) {
      this.healthTimeout = Require.positive("healthTimeout", value, MAX_TIMEOUT);
      return this;
    }

    /**
     * Sets the bound on one instance's upgrade.
     *
     * @param value positive, at least the health timeout, at most {@link #MAX_INSTANCE_UPGRADE_TIMEOUT} (30 days)
     * @return this builder
     */
    public Builder instanceUpgradeTimeout(Duration value) {
      this.instanceUpgradeTimeout = Require.positive("instanceUpgradeTimeout", value, MAX_INSTANCE_UPGRADE_TIMEOUT);
      return this;
    }

    /**
     * Sets the poll interval.
     *
     * @param value positive, at most {@link #MAX_TIMEOUT} (1 day)
     * @return this builder
     */
    public Builder pollInterval(Duration value) {
      this.pollInterval = Require.positive("pollInterval", value, MAX_TIMEOUT);
      return this;
    }

    /**
     * Sets the progress deadline.
     *
     * @param value positive, longer than the instance upgrade timeout, at most {@link #MAX_PROGRESS_DEADLINE}
     *     (90 days)
     * @return this builder
     */
    public Builder progressDeadline(Duration value) {
      this.progressDeadline = Require.positive("progressDeadline", value, MAX_PROGRESS_DEADLINE);
      return this;
    }

    /**
     * Says whether failed instances are rolled back.
     *
     * @param value the choice
     * @return this builder
     */
    public Builder automaticRollback(AutomaticRollback value) {
      this.automaticRollback = Require.nonNull(value, "automaticRollback");
      return this;
    }

    /**
     * Says whether the model is pointed back at its previous image when the rollout faults.
     *
     * @param value the flag
     * @return this builder
     */
    public Builder revertModelOnFault(boolean value) {
      this.revertModelOnFault = value;
      return this;
    }

    /**
     * Says who owns the model during the rollout.
     *
     * @param value the choice
     * @return this builder
     */
    public Builder modelHandling(ModelHandling value) {
      this.modelHandling = Require.nonNull(value, "modelHandling");
      return this;
    }

    /**
     * Adds a gate asked before and after each batch.
     *
     * @param gate the gate
     * @return this builder
     */
    public Builder gate(HealthGate gate) {
      this.gates.add(Require.nonNull(gate, "gate"));
      return this;
    }

    /**
     * Sets the plan's estimate assumptions.
     *
     * @param value the options
     * @return this builder
     */
    public Builder planOptions(PlanOptions value) {
      this.planOptions = Require.nonNull(value, "planOptions");
      return this;
    }

    /**
     * Sets how many times the rollout asks for one instance's upgrade before it stops with
     * {@link dev.osupgrade.ops.StopCode#UPGRADE_NOT_APPLIED} (see
     * {@link RolloutOptions#maxUpgradeRequestsPerInstance}).
     *
     * @param value from 1 to {@link #MAX_UPGRADE_REQUESTS_PER_INSTANCE} (10)
     * @return this builder
     */
    public Builder maxUpgradeRequestsPerInstance(int value) {
      this.maxUpgradeRequestsPerInstance = Require.inRange("maxUpgradeRequestsPerInstance", value, 1,
          MAX_UPGRADE_REQUESTS_PER_INSTANCE);
      return this;
    }

    /**
     * Sets how many looks a batch in flight is planned to take: more looks, a batch seen done sooner after its last
     * instance becomes healthy (a shorter rollout) for more instance listings.
     *
     * @param value from {@link #MIN_LOOKS_PER_BATCH} (1) to {@link #MAX_LOOKS_PER_BATCH} (20)
     * @return this builder
     */
    public Builder looksPerBatch(int value) {
      this.looksPerBatch = Require.inRange("looksPerBatch", value, MIN_LOOKS_PER_BATCH, MAX_LOOKS_PER_BATCH);
      return this;
    }

    /** @return the options; cross-field rules are checked here */
    public RolloutOptions build() {
      return new RolloutOptions(policy, healthTimeout, instanceUpgradeTimeout, pollInterval, progressDeadline,
          automaticRollback,
          revertModelOnFault, modelHandling, gates, planOptions, maxUpgradeRequestsPerInstance, looksPerBatch);
    }
  }
}
