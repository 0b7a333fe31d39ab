package dev.osupgrade.estate;

import dev.osupgrade.Durations;
import dev.osupgrade.Require;
import dev.osupgrade.fleet.ScaleSetSummary;
import dev.osupgrade.governance.Environment;
import dev.osupgrade.governance.ImageTrustPolicy;
import dev.osupgrade.governance.ReadinessRecord;
import dev.osupgrade.governance.schedule.DeferralApprovals;
import dev.osupgrade.governance.schedule.MaintenanceSchedule;
import dev.osupgrade.port.DiscoveryScope;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What an estate should look like, declared once and read by the {@link EstateGovernor} on every turn: where to
 * discover scale sets, the image families they follow, ring membership (by tags, resource groups, regions), the image
 * trust policy (with the quarantine it shares), readiness records, maintenance schedules and each scale set's mode.
 * Where several rules could apply to a scale set (rings, readiness records, schedules, modes), the first one declared
 * that selects it wins.
 *
 * <pre>{@code
 * DesiredState desired = DesiredState.builder()
 *     .scope(DiscoveryScope.subscription(subscriptionId))
 *     .family(ImageFamily.marketplace("ubuntu-22", "Canonical", "0001-com-ubuntu-server-jammy", "22_04-lts-gen2"))
 *     .ring("canary", Duration.ofHours(4), Selector.tag("ring", "canary"))
 *     .ring("early", Duration.ofHours(12), Selector.region("westeurope"))
 *     .ring("broad", Duration.ofHours(24), Selector.all())
 *     .trust(ImageTrustPolicy.builder().trustPublisher("Canonical").minimumAge(Duration.ofDays(2)).build())
 *     .readiness(record)                                               // every scale set, unless a selector says
 *     .schedule(MaintenanceSchedule.of(MaintenanceWindow.parse("MON-THU 20:00-23:59 UTC")))
 *     .mode(Selector.tag("upgrades", "platform"), GovernanceMode.GOVERNED_PLATFORM)
 *     .build();
 * System.out.println(desired.describe());
 * }</pre>
 *
 * <p>Immutable once built; the trust policy's quarantine is shared (thread-safe).
 */
public final class DesiredState {
  /** The default of {@link Builder#minimumWindowLeft}: 30 minutes. */
  public static final Duration DEFAULT_MINIMUM_WINDOW_LEFT = Duration.ofMinutes(30);

  private final List<DiscoveryScope> scopes;
  private final List<ImageFamily> families;
  private final List<RingRule> rings;
  private final ImageTrustPolicy trust;
  private final List<Assigned<ReadinessRecord>> readiness;
  private final MaintenanceSchedule defaultSchedule;
  private final List<Assigned<MaintenanceSchedule>> schedules;
  private final GovernanceMode defaultMode;
  private final List<Assigned<GovernanceMode>> modes;
  private final RehearsalBudget budget;
  private final Duration minimumWindowLeft;
  private final Duration maximumDeferral;

  /** A value for the scale sets a selector picks. */
  private record Assigned<T>(Selector selector, T value) {}

  private DesiredState(Builder b, ImageTrustPolicy trust) {
    this.scopes = List.copyOf(b.scopes);
    this.families = List.copyOf(b.families);
    this.rings = List.copyOf(b.rings);
    this.trust = trust;
    this.readiness = List.copyOf(b.readiness);
    this.defaultSchedule = b.defaultSchedule;
    this.schedules = List.copyOf(b.schedules);
    this.defaultMode = b.defaultMode;
    this.modes = List.copyOf(b.modes);
    this.budget = b.budget;
    this.minimumWindowLeft = b.minimumWindowLeft;
    this.maximumDeferral = b.maximumDeferral;
  }

  /** @return an empty builder: at least one scope, family and ring, and the trust policy, are required */
  public static Builder builder() {
    return new Builder();
  }

  /** @return where scale sets are discovered */
  public List<DiscoveryScope> scopes() {
    return scopes;
  }

  /** @return the image families, in declaration order */
  public List<ImageFamily> families() {
    return families;
  }

  /** @return the rings, first to last */
  public List<RingRule> rings() {
    return rings;
  }

  /** @return the trust policy every ring and rollout of the estate is governed by (its quarantine is shared) */
  public ImageTrustPolicy trust() {
    return trust;
  }

  /** @return the rehearsal budget */
  public RehearsalBudget budget() {
    return budget;
  }

  /** @return how long a window must still be open for a batch (or a ring) to start in it */
  public Duration minimumWindowLeft() {
    return minimumWindowLeft;
  }

  /**
   * @return how long an instance of a scale set in {@link GovernanceMode#GOVERNED_PLATFORM} may wait for its deferral
   *     approval before the governor reports it overdue
   */
  public Duration maximumDeferral() {
    return maximumDeferral;
  }

  /**
   * The family a scale set follows.
   *
   * @param scaleSet the scale set
   * @return the first family whose image its model points at, if any
   */
  public Optional<ImageFamily> familyOf(ScaleSetSummary scaleSet) {
    Require.nonNull(scaleSet, "scaleSet");
    return families.stream().filter(f -> f.follows(scaleSet.modelImage())).findFirst();
  }

  /**
   * The ring of a scale set.
   *
   * @param scaleSet the scale set
   * @return the index of the first ring whose selector picks it, if any
   */
  public Optional<Integer> ringOf(ScaleSetSummary scaleSet) {
    Require.nonNull(scaleSet, "scaleSet");
    for (int i = 0; i < rings.size(); i++) {
      if (rings.get(i).selector().matches(scaleSet)) {
        return Optional.of(i);
      }
    }
    return Optional.empty();
  }

  /**
   * The readiness record of a scale set.
   *
   * @param scaleSet the scale set
   * @return the first record whose selector picks it, if any
   */
  public Optional<ReadinessRecord> readinessOf(ScaleSetSummary scaleSet) {
    return first(readiness, scaleSet);
  }

  /**
   * The maintenance schedule of a scale set.
   *
   * @param scaleSet the scale set
   * @return the first schedule whose selector picks it, else the default (always open unless set)
   */
  public MaintenanceSchedule scheduleOf(ScaleSetSummary scaleSet) {
    return first(schedules, scaleSet).orElse(defaultSchedule);
  }

  /**
   * The mode of a scale set.
   *
   * @param scaleSet the scale set
   * @return the first mode whose selector picks it, else the default ({@link GovernanceMode#ORCHESTRATED} unless
   *     set)
   */
  public GovernanceMode modeOf(ScaleSetSummary scaleSet) {
    return first(modes, scaleSet).orElse(defaultMode);
  }

  /**
   * The environment of a scale set, from its tags ({@link Environment#fromTags}: untagged is production).
   *
   * @param scaleSet the scale set
   * @return its environment
   */
  public Environment environmentOf(ScaleSetSummary scaleSet) {
    return Environment.fromTags(Require.nonNull(scaleSet, "scaleSet").tags());
  }

  private static <T> Optional<T> first(List<Assigned<T>> assigned, ScaleSetSummary scaleSet) {
    Require.nonNull(scaleSet, "scaleSet");
    return assigned.stream().filter(a -> a.selector().matches(scaleSet)).map(Assigned::value).findFirst();
  }

  /** @return one line: how many scopes, families and rings */
  @Override
  public String toString() {
    return "DesiredState[" + families.stream().map(ImageFamily::name).toList() + " over rings "
        + rings.stream().map(RingRule::name).toList() + ", " + scopes.size() + " scope(s)]";
  }

  /** @return the whole declaration, one rule per line */
  public String describe() {
    StringBuilder b = new StringBuilder("Desired state:\n");
    scopes.forEach(s -> b.append("  discover ").append(s).append('\n'));
    families.forEach(f -> b.append("  family ").append(f).append('\n'));
    for (int i = 0; i < rings.size(); i++) {
      b.append("  ring ").append(i).append(": ").append(rings.get(i)).append('\n');
    }
    b.append("  trust ").append(trust).append('\n');
    readiness.forEach(r -> b.append("  readiness for ").append(r.selector()).append(": ").append(r.value())
        .append('\n'));
    schedules.forEach(s -> b.append("  windows for ").append(s.selector()).append(": ").append(s.value())
        .append('\n'));
    b.append("  windows otherwise: ").append(defaultSchedule).append(", a batch or ring starts only with at least ")
        .append(Durations.words(minimumWindowLeft)).append(" left\n");
    modes.forEach(m -> b.append("  mode for ").append(m.selector()).append(": ").append(m.value()).append('\n'));
    b.append("  mode otherwise: ").append(defaultMode).append('\n');
    if (defaultMode == GovernanceMode.GOVERNED_PLATFORM || modes.stream()
        .anyMatch(m -> m.value() == GovernanceMode.GOVERNED_PLATFORM)) {
      b.append("  deferrals overdue after ").append(Durations.words(maximumDeferral)).append('\n');
    }
    b.append("  rehearsal ").append(budget);
    return b.toString();
  }

  /** Accumulates a desired state. Not thread-safe. */
  public static final class Builder {
    private final List<DiscoveryScope> scopes = new ArrayList<>();
    private final List<ImageFamily> families = new ArrayList<>();
    private final List<RingRule> rings = new ArrayList<>();
    private ImageTrustPolicy trust;
    private final List<Assigned<ReadinessRecord>> readiness = new ArrayList<>();
    private MaintenanceSchedule defaultSchedule = MaintenanceSchedule.always();
    private final List<Assigned<MaintenanceSchedule>> schedules = new ArrayList<>();
    private GovernanceMode defaultMode = GovernanceMode.ORCHESTRATED;
    private final List<Assigned<GovernanceMode>> modes = new ArrayList<>();
    private RehearsalBudget budget = RehearsalBudget.none();
    private Duration minimumWindowLeft = DEFAULT_MINIMUM_WINDOW_LEFT;
    private Duration maximumDeferral = DeferralApprovals.DEFAULT_MAXIMUM_DEFERRAL;

    private Builder() {}

    /**
     * Adds a place to discover scale sets in (at least one is required).
     *
     * @param scope a subscription or a resource group
     * @return this builder
     */
    public Builder scope(DiscoveryScope scope) {
      Require.nonNull(scope, "scope");
      Require.that(!scopes.contains(scope), "scope", "declared once", scope);
      scopes.add(scope);
      return this;
    }

    /**
     * Adds an image family (at least one is required); names and images are unique.
     *
     * @param family the family
     * @return this builder
     */
    public Builder family(ImageFamily family) {
      Require.nonNull(family, "family");
      for (ImageFamily f : families) {
        Require.that(!f.name().equals(family.name()), "family", "uniquely named", family.name());
        Require.that(!f.image().sameImageAs(family.image()), "family", "an image no other family follows",
            family.image().imageKey());
      }
      families.add(family);
      return this;
    }

    /**
     * Adds the next ring (at least one is required); names are unique.
     *
     * @param rule the ring
     * @return this builder
     */
    public Builder ring(RingRule rule) {
      Require.nonNull(rule, "rule");
      Require.that(rings.stream().noneMatch(r -> r.name().equals(rule.name())), "ring", "uniquely named",
          rule.name());
      rings.add(rule);
      return this;
    }

    /**
     * Adds the next ring.
     *
     * @param name its name
     * @param soak how long it must stay healthy before the next ring, at most 90 days
     * @param selector its members (those no earlier ring picked)
     * @return this builder
     */
    public Builder ring(String name, Duration soak, Selector selector) {
      return ring(RingRule.of(name, soak, selector));
    }

    /**
     * Sets the image trust policy (required): what may reach the estate, and the quarantine every ring shares.
     *
     * @param value the policy
     * @return this builder
     */
    public Builder trust(ImageTrustPolicy value) {
      this.trust = Require.nonNull(value, "trust");
      return this;
    }

    /**
     * Gives every scale set this readiness record, unless a selector declared before gives it another.
     *
     * @param record the record
     * @return this builder
     */
    public Builder readiness(ReadinessRecord record) {
      return readiness(Selector.all(), record);
    }

    /**
     * Gives the scale sets a selector picks a readiness record (per scale set, or per group).
     *
     * @param selector which scale sets
     * @param record the record
     * @return this builder
     */
    public Builder readiness(Selector selector, ReadinessRecord record) {
      readiness.add(new Assigned<>(Require.nonNull(selector, "selector"), Require.nonNull(record, "record")));
      return this;
    }

    /**
     * Sets the maintenance schedule of every scale set no selector gives another (default: always open).
     *
     * @param schedule the schedule
     * @return this builder
     */
    public Builder schedule(MaintenanceSchedule schedule) {
      this.defaultSchedule = Require.nonNull(schedule, "schedule");
      return this;
    }

    /**
     * Gives the scale sets a selector picks their own maintenance schedule.
     *
     * @param selector which scale sets
     * @param schedule their schedule
     * @return this builder
     */
    public Builder schedule(Selector selector, MaintenanceSchedule schedule) {
      schedules.add(new Assigned<>(Require.nonNull(selector, "selector"), Require.nonNull(schedule, "schedule")));
      return this;
    }

    /**
     * Sets the mode of every scale set no selector gives another (default {@link GovernanceMode#ORCHESTRATED}).
     *
     * @param mode the mode
     * @return this builder
     */
    public Builder mode(GovernanceMode mode) {
      this.defaultMode = Require.nonNull(mode, "mode");
      return this;
    }

    /**
     * Gives the scale sets a selector picks a mode.
     *
     * @param selector which scale sets
     * @param mode their mode
     * @return this builder
     */
    public Builder mode(Selector selector, GovernanceMode mode) {
      modes.add(new Assigned<>(Require.nonNull(selector, "selector"), Require.nonNull(mode, "mode")));
      return this;
    }

    /**
     * Sets what a ring's rehearsal may cost before the ring is blocked (default: no limit, rehearsals only
     * reported).
     *
     * @param value the budget
     * @return this builder
     */
    public Builder budget(RehearsalBudget value) {
      this.budget = Require.nonNull(value, "budget");
      return this;
    }

    /**
     * Sets how long a window must still be open for a ring or a batch to start in it (default 30 minutes), so that
     * work started inside a window does not run long past its end.
     *
     * @param value zero or positive, at most 1 day
     * @return this builder
     */
    public Builder minimumWindowLeft(Duration value) {
      this.minimumWindowLeft = Require.nonNegative("minimumWindowLeft", value, Duration.ofDays(1));
      return this;
    }

    /**
     * Sets how long an instance of a scale set in {@link GovernanceMode#GOVERNED_PLATFORM} may wait for its deferral
     * approval before the governor reports it overdue in the decision log and the estate report, once per instance
     * (checked by its ring's lane, from the ring's start until the ring ends; default
     * {@link DeferralApprovals#DEFAULT_MAXIMUM_DEFERRAL}, 7 days).
     *
     * @param value positive, at most 90 days
     * @return this builder
     */
    public Builder maximumDeferral(Duration value) {
      this.maximumDeferral = Require.positive("maximumDeferral", value, Duration.ofDays(90));
      return this;
    }

    /** @return the desired state */
    public DesiredState build() {
      if (scopes.isEmpty()) {
        throw new IllegalStateException("at least one scope(...) must be set before build(): where to discover");
      }
      if (families.isEmpty()) {
        throw new IllegalStateException("at least one family(...) must be set before build()");
      }
      if (rings.isEmpty()) {
        throw new IllegalStateException("at least one ring(...) must be set before build()");
      }
      if (trust == null) {
        throw new IllegalStateException("trust must be set before build(): every ring is governed by it");
      }
      return new DesiredState(this, trust);
    }
  }
}
