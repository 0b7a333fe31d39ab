package dev.osupgrade.governance;

import dev.osupgrade.Region;
import dev.osupgrade.Require;
import dev.osupgrade.fleet.ScaleSet;
import dev.osupgrade.fleet.ScaleSetId;
import dev.osupgrade.policy.Percent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * What the safest teams document before automatic OS image upgrades reach production: the <b>owner</b>, the
 * <b>expected signal</b>, the <b>rollout boundary</b> and the <b>rollback path</b>. A record may be incomplete;
 * {@link #missing()} says what is missing, in words, and {@link ProductionReadiness} refuses production use until
 * nothing is.
 *
 * <pre>{@code
 * ReadinessRecord record = ReadinessRecord.builder()
 *     .owner("team-web", "oncall-web@contoso.com")
 *     .healthSource(HealthSource.APPLICATION_HEALTH_EXTENSION)
 *     .threshold(SignalThreshold.percentile(Metric.READINESS_TIME, 95, 90))
 *     .threshold(SignalThreshold.relative(Metric.CPU, 0.10))
 *     .regions(Region.of("westeurope")).atMostPercentAtOnce(20).rings("canary", "broad")
 *     .automaticRollback(true).runbookStep("Cancel the rolling upgrade, then pin the previous version")
 *     .build();
 * System.out.println(record.toRunbook());
 * }</pre>
 *
 * @param owner who owns the upgrades
 * @param expectedSignal how a good upgrade looks
 * @param boundary how far and how fast it may go
 * @param rollback how it is undone
 */
public record ReadinessRecord(Owner owner, ExpectedSignal expectedSignal, RolloutBoundary boundary,
    RollbackPath rollback) {

  /** Validates the parts. */
  public ReadinessRecord {
    Require.nonNull(owner, "owner");
    Require.nonNull(expectedSignal, "expectedSignal");
    Require.nonNull(boundary, "boundary");
    Require.nonNull(rollback, "rollback");
  }

  /** @return a record with nothing in it: everything is missing */
  public static ReadinessRecord empty() {
    return builder().build();
  }

  /** @return an empty builder */
  public static Builder builder() {
    return new Builder();
  }

  /** @return a builder with this record's contents */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.team = owner.team();
    b.contact = owner.contact();
    b.healthSource = expectedSignal.healthSource();
    b.thresholds.addAll(expectedSignal.thresholds());
    b.scaleSets.addAll(boundary.scaleSets());
    b.regions.addAll(boundary.regions());
    b.atOnce = boundary.atOnce();
    b.rings.addAll(boundary.ringOrder());
    b.automaticRollback = rollback.automaticRollback();
    b.runbookStep = rollback.runbookStep();
    return b;
  }

  /** @return every missing item, in the record's order (owner, signal, boundary, rollback) */
  public List<ReadinessGap> missing() {
    List<ReadinessGap> gaps = new ArrayList<>();
    if (owner.team() == null) {
      gaps.add(ReadinessGap.of(ReadinessItem.OWNER_TEAM));
    }
    if (owner.contact() == null) {
      gaps.add(ReadinessGap.of(ReadinessItem.OWNER_CONTACT));
    }
    if (expectedSignal.healthSource() == null) {
      gaps.add(ReadinessGap.of(ReadinessItem.HEALTH_SOURCE));
    }
    if (expectedSignal.thresholds().isEmpty()) {
      gaps.add(ReadinessGap.of(ReadinessItem.SIGNAL_THRESHOLDS));
    }
    if (boundary.scaleSets().isEmpty() && boundary.regions().isEmpty()) {
      gaps.add(ReadinessGap.of(ReadinessItem.BOUNDARY_SCOPE));
    }
    if (boundary.atOnce() == null) {
      gaps.add(ReadinessGap.of(ReadinessItem.BOUNDARY_AT_ONCE));
    }
    if (boundary.ringOrder().isEmpty()) {
      gaps.add(ReadinessGap.of(ReadinessItem.RING_ORDER));
    }
    if (rollback.automaticRollback() == null) {
      gaps.add(ReadinessGap.of(ReadinessItem.ROLLBACK_MODE));
    }
    if (rollback.runbookStep() == null) {
      gaps.add(ReadinessGap.of(ReadinessItem.ROLLBACK_RUNBOOK));
    }
    return List.copyOf(gaps);
  }

  /** @return true when nothing is missing */
  public boolean isComplete() {
    return missing().isEmpty();
  }

  /**
   * A short document for an operator's runbook (markdown), in a stable order: owner, expected signal, rollout
   * boundary, rollback path, then what is still missing.
   *
   * @return the document
   */
  public String toRunbook() {
    String none = "_missing_";
    StringBuilder sb = new StringBuilder();
    sb.append("# Automatic OS image upgrade: readiness\n\n");
    sb.append("## Owner\n");
    sb.append("- Team: ").append(orElse(owner.team(), none)).append('\n');
    sb.append("- Contact: ").append(orElse(owner.contact(), none)).append('\n');
    sb.append("\n## Expected signal\n");
    sb.append("- Health source: ").append(expectedSignal.healthSource() == null ? none
        : expectedSignal.healthSource().toString()).append('\n');
    if (expectedSignal.thresholds().isEmpty()) {
      sb.append("- Thresholds: ").append(none).append('\n');
    } else {
      for (SignalThreshold t : expectedSignal.thresholds()) {
        sb.append("- ").append(t).append('\n');
      }
    }
    sb.append("\n## Rollout boundary\n");
    if (boundary.scaleSets().isEmpty() && boundary.regions().isEmpty()) {
      sb.append("- Scope: ").append(none).append('\n');
    }
    if (!boundary.scaleSets().isEmpty()) {
      sb.append("- Scale sets: ").append(String.join(", ",
          boundary.scaleSets().stream().map(ScaleSetId::toString).toList())).append('\n');
    }
    if (!boundary.regions().isEmpty()) {
      sb.append("- Regions: ").append(String.join(", ", boundary.regions().stream().map(Region::toString).toList()))
          .append('\n');
    }
    sb.append("- At once: ").append(boundary.atOnce() == null ? none : boundary.atOnce().toString()).append('\n');
    sb.append("- Ring order: ").append(boundary.ringOrder().isEmpty() ? none
        : String.join(" → ", boundary.ringOrder())).append('\n');
    sb.append("\n## Rollback path\n");
    sb.append("- Automatic rollback: ").append(rollback.automaticRollback() == null ? none
        : rollback.automaticRollback() ? "on" : "off").append('\n');
    sb.append("- Operator step: ").append(orElse(rollback.runbookStep(), none)).append('\n');
    List<ReadinessGap> gaps = missing();
    sb.append("\n## Missing\n");
    if (gaps.isEmpty()) {
      sb.append("- nothing: ready for production\n");
    } else {
      for (ReadinessGap g : gaps) {
        sb.append("- ").append(g.sentence()).append('\n');
      }
    }
    return sb.toString();
  }

  private static String orElse(@Nullable String value, String fallback) {
    return value == null ? fallback : value;
  }

  private static @Nullable String blankToNull(@Nullable String s) {
    return s == null || s.isBlank() ? null : s.strip();
  }

  @Override
  public String toString() {
    List<ReadinessGap> gaps = missing();
    return "ReadinessRecord[owner " + orElse(owner.team(), "?") + ", " + (gaps.isEmpty() ? "complete"
        : gaps.size() + " missing: " + gaps.stream().map(g -> g.item().name()).toList()) + "]";
  }

  /**
   * Who owns automatic OS upgrades of the scale sets.
   *
   * @param team the owning team, or null when missing
   * @param contact how to reach them (on-call alias, channel, e-mail), or null when missing
   */
  public record Owner(@Nullable String team, @Nullable String contact) {
    /** Treats blank text as missing. */
    public Owner {
      team = blankToNull(team);
      contact = blankToNull(contact);
    }
  }

  /**
   * How a good upgrade looks.
   *
   * @param healthSource the health signal that gates the upgrade, or null when missing
   * @param thresholds the metric thresholds; empty when missing
   */
  public record ExpectedSignal(@Nullable HealthSource healthSource, List<SignalThreshold> thresholds) {
    /** Copies the thresholds. */
    public ExpectedSignal {
      thresholds = List.copyOf(Require.noNulls("thresholds", thresholds));
    }
  }

  /**
   * How far and how fast an upgrade may go.
   *
   * @param scaleSets the scale sets it may touch
   * @param regions the regions it may touch (every scale set in them)
   * @param atOnce at most how much is upgraded at once, or null when missing
   * @param ringOrder the rings, in the order an image goes through them
   */
  public record RolloutBoundary(Set<ScaleSetId> scaleSets, Set<Region> regions, @Nullable AtOnce atOnce,
      List<String> ringOrder) {
    /** Copies the collections. */
    public RolloutBoundary {
      scaleSets = Collections.unmodifiableSet(new LinkedHashSet<>(Require.nonNull(scaleSets, "scaleSets")));
      regions = Collections.unmodifiableSet(new TreeSet<>(Require.noNulls("regions", regions)));
      ringOrder = List.copyOf(Require.noNulls("ringOrder", ringOrder));
      for (String ring : ringOrder) {
        Require.nonBlank("ring", ring);
      }
    }

    /**
     * Says whether a scale set is inside the boundary: named, or in a named region.
     *
     * @param scaleSet the scale set
     * @return true if the boundary covers it
     */
    public boolean covers(ScaleSet scaleSet) {
      Require.nonNull(scaleSet, "scaleSet");
      return scaleSets.contains(scaleSet.id()) || regions.contains(scaleSet.region());
    }
  }

  /**
   * At most how much of a scale set is upgraded at once.
   *
   * @param value a number of instances (at least 1) or a percent (1 to 100)
   * @param percent true when {@code value} is a percent
   */
  public record AtOnce(int value, boolean percent) {
    /** Validates the value. */
    public AtOnce {
      if (percent) {
        Require.inRange("percent", value, 1, 100);
      } else {
        Require.atLeast("instances", value, 1);
      }
    }

    /**
     * At most this many instances at once.
     *
     * @param count at least 1
     * @return the limit
     */
    public static AtOnce instances(int count) {
      return new AtOnce(count, false);
    }

    /**
     * At most this percent of the scale set at once (never below one instance).
     *
     * @param value 1 to 100
     * @return the limit
     */
    public static AtOnce percent(int value) {
      return new AtOnce(value, true);
    }

    /**
     * The largest number of instances allowed at once in a scale set of this size.
     *
     * @param instanceCount the scale set's size
     * @return the limit in instances, at least 1
     */
    public int instancesFor(int instanceCount) {
      return percent ? Math.max(1, Percent.of(value).floorOf(instanceCount)) : value;
    }

    @Override
    public String toString() {
      return percent ? "at most " + value + "% of the instances" : "at most " + value + " instance"
          + (value == 1 ? "" : "s");
    }
  }

  /**
   * How an upgrade is undone.
   *
   * @param automaticRollback whether failed instances are rolled back automatically, or null when undecided
   * @param runbookStep the operator's rollback step in words, or null when missing
   */
  public record RollbackPath(@Nullable Boolean automaticRollback, @Nullable String runbookStep) {
    /** Treats a blank step as missing. */
    public RollbackPath {
      runbookStep = blankToNull(runbookStep);
    }
  }

  /** Accumulates a record; anything left out is reported by {@link #missing()}. Not thread-safe. */
  public static final class Builder {
    private @Nullable String team;
    private @Nullable String contact;
    private @Nullable HealthSource healthSource;
    private final List<SignalThreshold> thresholds = new ArrayList<>();
    private final Set<ScaleSetId> scaleSets = new LinkedHashSet<>();
    private final Set<Region> regions = new TreeSet<>();
    private @Nullable AtOnce atOnce;
    private final List<String> rings = new ArrayList<>();
    private @Nullable Boolean automaticRollback;
    private @Nullable String runbookStep;

    private Builder() {}

    /**
     * Sets the owner.
     *
     * @param teamName the owning team
     * @param contactInfo how to reach them
     * @return this builder
     */
    public Builder owner(String teamName, String contactInfo) {
      Require.nonBlank("team", teamName);
      Require.nonBlank("contact", contactInfo);
      this.team = teamName;
      this.contact = contactInfo;
      return this;
    }

    /**
     * Sets the owning team only (the contact stays missing until given).
     *
     * @param teamName the owning team
     * @return this builder
     */
    public Builder ownerTeam(String teamName) {
      this.team = Require.nonBlank("team", teamName);
      return this;
    }

    /**
     * Sets the health source.
     *
     * @param source the source
     * @return this builder
     */
    public Builder healthSource(HealthSource source) {
      this.healthSource = Require.nonNull(source, "healthSource");
      return this;
    }

    /**
     * Adds a metric threshold.
     *
     * @param threshold the threshold
     * @return this builder
     */
    public Builder threshold(SignalThreshold threshold) {
      thresholds.add(Require.nonNull(threshold, "threshold"));
      return this;
    }

    /**
     * Adds scale sets to the boundary.
     *
     * @param ids the scale sets
     * @return this builder
     */
    public Builder scaleSets(ScaleSetId... ids) {
      scaleSets.addAll(Arrays.asList(Require.noNulls("scaleSets", ids)));
      return this;
    }

    /**
     * Adds regions to the boundary.
     *
     * @param values the regions
     * @return this builder
     */
    public Builder regions(Region... values) {
      regions.addAll(Arrays.asList(Require.noNulls("regions", values)));
      return this;
    }

    /**
     * Limits the boundary to this many instances at once.
     *
     * @param count at least 1
     * @return this builder
     */
    public Builder atMostInstancesAtOnce(int count) {
      this.atOnce = AtOnce.instances(count);
      return this;
    }

    /**
     * Limits the boundary to this percent of a scale set at once.
     *
     * @param percent 1 to 100
     * @return this builder
     */
    public Builder atMostPercentAtOnce(int percent) {
      this.atOnce = AtOnce.percent(percent);
      return this;
    }

    /**
     * Sets the ring order, replacing any earlier one.
     *
     * @param names the rings in order, e.g. {@code "canary", "pilot", "broad"}
     * @return this builder
     */
    public Builder rings(String... names) {
      List<String> copy = new ArrayList<>();
      for (String n : Require.noNulls("rings", names)) {
        copy.add(Require.nonBlank("ring", n));
      }
      Require.that(new LinkedHashSet<>(copy).size() == copy.size(), "rings", "unique", copy);
      rings.clear();
      rings.addAll(copy);
      return this;
    }

    /**
     * Says whether failed instances are rolled back automatically.
     *
     * @param on the decision
     * @return this builder
     */
    public Builder automaticRollback(boolean on) {
      this.automaticRollback = on;
      return this;
    }

    /**
     * Sets the operator's rollback step.
     *
     * @param step what to run and who decides, in words
     * @return this builder
     */
    public Builder runbookStep(String step) {
      this.runbookStep = Require.nonBlank("runbookStep", step);
      return this;
    }

    /** @return the record (possibly incomplete) */
    public ReadinessRecord build() {
      return new ReadinessRecord(new Owner(team, contact), new ExpectedSignal(healthSource, thresholds),
          new RolloutBoundary(scaleSets, regions, atOnce, rings), new RollbackPath(automaticRollback, runbookStep));
    }
  }
}
