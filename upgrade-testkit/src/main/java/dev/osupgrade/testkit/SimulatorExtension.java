package dev.osupgrade.testkit;

import dev.osupgrade.Require;
import dev.osupgrade.rollout.Rollout;
import java.io.PrintStream;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * A JUnit 5 extension that gives each test a fresh {@link SimulatedFleet} and its {@link VirtualClock} as
 * parameters, and prints the seed, every rollout's event log and the fleet's own log when the test fails.
 *
 * <pre>{@code
 * @RegisterExtension static final SimulatorExtension sim = SimulatorExtension.withSeed(42);
 *
 * @Test void rollout_badImage_faults(SimulatedFleet fleet, VirtualClock clock) { ... }
 * }</pre>
 *
 * <p>{@link Seed} on a method or class overrides the seed.
 */
public final class SimulatorExtension implements BeforeEachCallback, ParameterResolver, TestWatcher {
  private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(
      SimulatorExtension.class);
  private static final String FLEET = "fleet";

  private final long seed;
  private final Instant start;
  private final SimulationProfile profile;
  private final PrintStream out;

  private SimulatorExtension(Builder b) {
    this.seed = b.seed;
    this.start = b.start;
    this.profile = b.profile;
    this.out = b.out;
  }

  /**
   * An extension with a seed and the defaults otherwise.
   *
   * @param seed the seed
   * @return the extension
   */
  public static SimulatorExtension withSeed(long seed) {
    return builder().seed(seed).build();
  }

  /** @return a builder: seed 42, start {@link VirtualClock#DEFAULT_START}, default profile, failures to stderr */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    long effective = seedFor(context);
    SimulatedFleet fleet = SimulatedFleet.create(effective, VirtualClock.startingAt(start), profile);
    context.getStore(NAMESPACE).put(FLEET, fleet);
  }

  @Override
  public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
    Class<?> type = parameterContext.getParameter().getType();
    return type == SimulatedFleet.class || type == VirtualClock.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
    SimulatedFleet fleet = fleet(extensionContext).orElseThrow(() -> new IllegalStateException(
        "SimulatorExtension has no fleet for this test: register it with @RegisterExtension on a static field"));
    return parameterContext.getParameter().getType() == VirtualClock.class ? fleet.clock() : fleet;
  }

  @Override
  public void testFailed(ExtensionContext context, Throwable cause) {
    fleet(context).ifPresent(fleet -> out.print(report(context.getDisplayName(), fleet)));
  }

  /**
   * Formats what the extension prints when a test fails: the seed, each rollout's event log and the fleet log.
   *
   * @param testName the test's name
   * @param fleet the fleet
   * @return the report
   */
  public static String report(String testName, SimulatedFleet fleet) {
    Require.nonNull(testName, "testName");
    Require.nonNull(fleet, "fleet");
    StringBuilder b = new StringBuilder();
    b.append("---- osupgrade simulator: ").append(testName).append(" failed; seed ").append(fleet.seed())
        .append(" (reproduce with @Seed(").append(fleet.seed()).append("L)) ----\n");
    List<Rollout> rollouts = fleet.rollouts();
    for (Rollout r : rollouts) {
      b.append("rollout ").append(r).append('\n').append(r.eventLog());
    }
    if (rollouts.isEmpty()) {
      b.append("(no rollout was run through fleet.run or tracked with fleet.track)\n");
    }
    b.append("fleet log:\n");
    fleet.log().forEach(line -> b.append("  ").append(line).append('\n'));
    return b.toString();
  }

  private Optional<SimulatedFleet> fleet(ExtensionContext context) {
    return Optional.ofNullable(context.getStore(NAMESPACE).get(FLEET, SimulatedFleet.class));
  }

  private long seedFor(ExtensionContext context) {
    Optional<Seed> onMethod = context.getTestMethod().map(m -> m.getAnnotation(Seed.class));
    if (onMethod.isPresent()) {
      return onMethod.get().value();
    }
    Optional<Seed> onClass = context.getTestClass().map(c -> c.getAnnotation(Seed.class));
    return onClass.map(Seed::value).orElse(seed);
  }

  /** Builds a {@link SimulatorExtension}. Not thread-safe. */
  public static final class Builder {
    private long seed = 42;
    private Instant start = VirtualClock.DEFAULT_START;
    private SimulationProfile profile = SimulationProfile.ofDefaults();
    private PrintStream out = System.err;

    private Builder() {}

    /**
     * Sets the seed.
     *
     * @param value the seed
     * @return this builder
     */
    public Builder seed(long value) {
      this.seed = value;
      return this;
    }

    /**
     * Sets where each test's clock starts.
     *
     * @param value the start
     * @return this builder
     */
    public Builder startAt(Instant value) {
      this.start = Require.nonNull(value, "start");
      return this;
    }

    /**
     * Sets the simulator's timing profile.
     *
     * @param value the profile
     * @return this builder
     */
    public Builder profile(SimulationProfile value) {
      this.profile = Require.nonNull(value, "profile");
      return this;
    }

    /**
     * Sets where failure reports go (standard error by default).
     *
     * @param value the stream
     * @return this builder
     */
    public Builder reportTo(PrintStream value) {
      this.out = Require.nonNull(value, "out");
      return this;
    }

    /** @return the extension */
    public SimulatorExtension build() {
      return new SimulatorExtension(this);
    }
  }
}
